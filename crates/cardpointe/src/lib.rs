//! # cardpointe — CardPointe mobile payments in Rust
//!
//! The crate an integrator reaches for first: one dependency over the whole stack of
//! cardpointe-rs, from the ID TECH VP3300 reader to the CardPointe Gateway.
//!
//! ```text
//!  VP3300 ──BLE──▶ reader ──▶ vp3300 (frames, MSR) ──▶ emv (TLV)
//!        │ encrypted card data
//!        ▼
//!  cardsecure ──HTTPS──▶ CardSecure ──▶ token
//!        ▼
//!  Gateway (types + transport) ──HTTPS──▶ auth · capture · void · refund · inquire · …
//! ```
//!
//! - [`Gateway`]: every Gateway operation as a typed method; declines are values.
//! - **Safe authorization**: [`Gateway::auth`] gives every auth a unique order id and, when the
//!   answer is lost, recovers with `inquireByOrderid` or reverses with `voidByOrderId` (up to
//!   three times), as the gateway's guidance says. It returns an [`AuthOutcome`] saying which
//!   happened; it never sends the auth twice.
//! - `checkout` (feature `checkout`): reader or manual card → CardSecure token → safe auth →
//!   EMV completion on the reader → receipt, with events for a UI.
//! - The layers, re-exported as modules: [`types`] and [`transport`] always; `emv`, `vp3300`,
//!   `cardsecure` and `reader` behind the features of the same names (all but `reader` on by
//!   default; `reader` pulls in btleplug).
//!
//! # Example
//!
//! Against the in-process emulator (`cardpointe-sim`), exactly as against a real site:
//!
//! ```
//! use cardpointe::transport::{Client, Credentials, Environment};
//! use cardpointe::{Amount, AuthRequest, CaptureRequest, Gateway, HasOutcome, PaymentSource};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sim = cardpointe_sim::Sim::builder().start().await?;
//! let (user, password) = sim.credentials();
//! let client = Client::builder(Environment::base_url(&sim.base_url())?)
//!     .credentials(Credentials::new(user, password))
//!     .merchant_id(sim.merchid())
//!     .add_root_certificate_der(sim.root_certificate_der().to_vec())
//!     .build()?;
//! let gateway = Gateway::new(client);
//!
//! let card = PaymentSource::Card("4111111111111111".parse()?);
//! let auth = AuthRequest::new(Amount::from_minor(1250)?, card)
//!     .with_expiry("1230".parse()?);
//! let outcome = gateway.auth(auth).await?; // a unique order id is generated
//! assert!(outcome.is_approved());
//!
//! let retref = outcome.retref().cloned().ok_or("no retref")?;
//! let capture = gateway
//!     .capture(&CaptureRequest::new(retref))
//!     .await?;
//! assert!(capture.is_approved());
//! sim.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! Point the same code at a real CardPointe site with [`Gateway::from_env`]
//! (`CARDPOINTE_SITE`, `CARDPOINTE_MERCHID`, `CARDPOINTE_USERNAME`, `CARDPOINTE_PASSWORD`), or
//! at a `cardpointe sim` server with the line it prints (`CARDPOINTE_BASE_URL`, plus
//! `CARDPOINTE_CA_CERT` or `CARDPOINTE_ALLOW_PLAIN_HTTP=loopback`).

// docs.rs (`--cfg docsrs`, nightly) marks each feature-gated item with the feature it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod error;
mod gateway;
mod recovery;

#[cfg(feature = "checkout")]
pub mod checkout;
#[cfg(all(feature = "checkout", feature = "reader"))]
mod reader_session;

pub use crate::error::Error;
pub use crate::gateway::Gateway;
pub use crate::recovery::{AuthOutcome, RecoveryPolicy, new_order_id};

#[cfg(feature = "checkout")]
pub use crate::checkout::{
    CardInput, CardReader, Checkout, CheckoutEvent, CheckoutReceipt, CheckoutRequest,
    CheckoutResult, TransactionOutcome,
};

// The common types, named one by one.
pub use cardpointe_types::{
    AccountId, Amount, AuthRequest, AuthResponse, BinRequest, CaptureRequest, CaptureResponse,
    CloseBatchRequest, Expiry, FundingRequest, FundingResponse, HasOutcome,
    InquireByOrderIdRequest, InquireMerchantRequest, InquireRequest, InquireResponse, MerchantId,
    OpenBatchRequest, OrderId, Outcome, PaymentSource, ProfileDeleteRequest, ProfileId,
    ProfileReadRequest, ProfileRef, ProfileRequest, ProfileResponse, RefundRequest, RefundResponse,
    RespStat, Retref, SettlestatRequest, SigcapRequest, SigcapResponse, SurchargeRequest, Token,
    VoidByOrderIdRequest, VoidRequest, VoidResponse,
};

/// Gateway and CardSecure request/response models (`cardpointe-types`).
pub use cardpointe_types as types;

/// The HTTPS client: configuration, environments, credentials, errors (`cardpointe-transport`).
pub use cardpointe_transport as transport;

/// EMV BER-TLV, tag dictionary, DOLs and bit maps (`cardpointe-emv`).
#[cfg(feature = "emv")]
pub use cardpointe_emv as emv;

/// VP3300 frames, MSR records, encrypted card data and the transaction machine
/// (`cardpointe-vp3300`).
#[cfg(feature = "vp3300")]
pub use cardpointe_vp3300 as vp3300;

/// The CardSecure tokenizer (`cardpointe-cardsecure`).
#[cfg(feature = "cardsecure")]
pub use cardpointe_cardsecure as cardsecure;

/// The VP3300 over Bluetooth LE and in process (`cardpointe-reader`).
#[cfg(feature = "reader")]
pub use cardpointe_reader as reader;
