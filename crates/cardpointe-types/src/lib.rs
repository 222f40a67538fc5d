//! # cardpointe-types
//!
//! Every request and response of the CardPointe Gateway REST API and of CardSecure, as Rust
//! types — with no I/O, no async runtime, and only `serde`, `serde_json`, `thiserror` and
//! `zeroize` underneath. A webhook consumer, a reconciliation job, an HTTPS client
//! (`cardpointe-transport`) and an emulator (`cardpointe-sim`) can all build on it.
//!
//! - **Newtypes that cannot hold nonsense**: [`Amount`] (integer minor units, both wire
//!   notations in, explicit decimal point out), [`Expiry`], [`MerchantId`], [`Retref`],
//!   [`OrderId`] (refuses Luhn-valid digit strings the gateway would mask), [`Token`],
//!   [`ProfileId`], [`AccountId`], [`Currency`], [`Postal`]. Constructors return a typed
//!   [`ValueError`] that says what was wrong.
//! - **Card data is radioactive**: [`CardNumber`], [`Cvv`], [`TrackData`], [`BankAccountNumber`],
//!   [`AccountNumber`] and [`DeviceData`] mask themselves in `Debug` and `Display` (first 6 /
//!   last 4 at most) and zero their memory on drop. [`PaymentSource`] says what pays.
//! - **Outcomes are data**: [`RespStat`], [`RespProc`], [`ResponseCode`], and the code tables of
//!   [`codes`] with a [`Category`](codes::Category) per code, so an app branches on meaning.
//!   Declines are ordinary response values, never errors.
//! - **One trait per endpoint**: [`Operation`] gives the method, path, body and response parser,
//!   so a transport's `call(&op)` is generic.
//! - **Tolerant reading, strict writing**: unknown keys are ignored, keys may come in any order,
//!   blanks read as absent, numbers and strings are interchangeable where the gateway is loose,
//!   flags read `Y`/`y`/`true`; output is always the canonical form.
//!
//! ```
//! use cardpointe_types::codes::Category;
//! use cardpointe_types::{
//!     Amount, AuthRequest, Defaults, HasOutcome, MerchantId, Operation, OrderId, PaymentSource,
//!     Token,
//! };
//!
//! // Build a request: the merchant id is the client's (a transport passes it in `Defaults`).
//! let req = AuthRequest::new(
//!     "998".parse::<Amount>()?, // 998 cents
//!     PaymentSource::Token(Token::new("9435885049491053")?),
//! )
//! .with_order_id(OrderId::new("ORDER-1001")?)
//! .with_capture(true);
//! let merchant = MerchantId::new("496160873888")?;
//! let body = String::from_utf8(req.body(Defaults::merchant(&merchant))?.unwrap_or_default())?;
//! assert!(body.contains(r#""amount":"9.98""#));
//!
//! // Read a decline: an ordinary value with a meaning.
//! let resp = AuthRequest::parse_response(br#"{"respproc":"FNOR","amount":"0.00",
//!     "resptext":"Insufficient funds","cardproc":"FNOR","commcard":" C ",
//!     "retref":"005533134378","respstat":"C","respcode":"NU","nNBcv":{},
//!     "account":"9435885049491053","merchid":"496160873888","token":"9435885049491053"}"#)?;
//! let outcome = resp.outcome();
//! assert!(!outcome.is_approved());
//! assert_eq!(outcome.category(), Category::InsufficientFunds);
//! assert_eq!(resp.retref.as_ref().map(|r| r.as_str()), Some("005533134378"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Choices where the specification is uncertain
//!
//! Each is made once, in the place named:
//!
//! - Create/update calls go out as **PUT** (accepted by every gateway version; POST only since
//!   4/2019): [`Method::WRITE`].
//! - `"10.5"` reads as $10.50; extra zero decimals (`"5.000"`) are accepted, other third
//!   decimals refused; JSON integers are minor units, JSON floats major units:
//!   [`Amount::parse_wire`].
//! - An order id is refused when it is a 12–19 digit string passing Luhn (what the gateway could
//!   take for a PAN and mask): [`OrderId`].
//! - `retref` is 1–14 digits; a token is 16–19 letters/digits starting with `9`; a profile id
//!   1–20 digits; an account id 1–999: [`Retref`], [`Token`], [`ProfileId`], [`AccountId`].
//! - `respstat` is strictly `A`/`B`/`C` (a new letter would change what "approved" means, so it
//!   is a parse error); every other code set is open (`Other(String)`).
//! - Response `orderId`/`orderid` are both read; inquireByOrderid and profile read accept one
//!   object or an array; settlestat's `Null batches` (any case, trimmed) is an empty list.
//! - `emvTagData` is read from a string holding JSON or from an object, written as the string.
//! - A blank `avsresp`/`cvvresp`/`hoststat`/newtype value reads as absent (`None`); blank text
//!   fields stay `Some("")`.
//! - The `account` echo of responses is a [`MaskedAccount`]: a clear PAN there is masked on the
//!   way in, so no response model can hold one.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

mod amount;
pub mod codes;
mod date;
mod enums;
mod error;
mod expiry;
mod ids;
mod operation;
mod ops;
mod outcome;
mod secret;
mod source;
mod wire;

pub use amount::Amount;
pub use date::ReportDate;
pub use enums::{
    AccountType, AvsResult, CardBrand, CofInitiator, CvvResult, DeclineCategory, EcomInd,
    EntryMode, HostBatchStatus, MerchantAdvice, ReceiptRequest, SettlementStatus,
    SettlementTxnStatus,
};
pub use error::{EncodeError, JsonFault, JsonFaultKind, ParseError, ValueError};
pub use expiry::Expiry;
pub use ids::{
    AccountId, Currency, MerchantId, OrderId, Postal, ProfileId, Retref, Token, luhn_valid,
};
pub use operation::{Api, Defaults, Method, Operation, RetrySafety};
pub use ops::auth::{AuthRequest, AuthResponse};
pub use ops::bin::{BinRequest, SurchargeMessage, SurchargeRequest, SurchargeResponse};
pub use ops::capture::{CaptureRequest, CaptureResponse};
pub use ops::cardsecure::{
    EchoRequest, EchoResponse, EncryptionHandler, TokenizeRequest, TokenizeResponse,
};
pub use ops::extras::{BinInfo, EmvTagData, LineItem, MaskedAccount, Receipt, UserFields};
pub use ops::funding::{
    Chargeback, Deposit, DepositRequest, DepositTxn, Funding, FundingAdjustment, FundingRequest,
    FundingResponse, FundingTxn,
};
pub use ops::inquire::{InquireByOrderIdRequest, InquireRequest, InquireResponse};
pub use ops::merchant::{
    CredentialTestRequest, CredentialTestResponse, InquireMerchantRequest, MerchantInfo,
    SERVLET_GREETING,
};
pub use ops::profile::{ProfileDeleteRequest, ProfileReadRequest, ProfileRequest, ProfileResponse};
pub use ops::refund::{RefundRequest, RefundResponse};
pub use ops::settlement::{
    BatchResponse, CloseBatchRequest, NULL_BATCHES, OpenBatchRequest, SettlementBatch,
    SettlementTxn, SettlestatByBatchSourceRequest, SettlestatRequest,
};
pub use ops::sigcap::{SigcapRequest, SigcapResponse};
pub use ops::void::{VoidByOrderIdRequest, VoidRequest, VoidResponse};
pub use outcome::{HasOutcome, Outcome, RespProc, RespStat, ResponseCode};
pub use secret::{AccountNumber, BankAccountNumber, CardNumber, Cvv, DeviceData, TrackData};
pub use source::{AchAccount, PaymentSource, ProfileField, ProfileRef, RoutingNumber};
pub use wire::Flag;
