//! The CardSecure tokenizer of cardpointe-rs: turns card data into a token that stands in for
//! it on the CardPointe Gateway.
//!
//! - **Manual entry, validated locally first** ([`ManualCard`]): Luhn, brand by IIN range,
//!   length for the brand, expiry not in the past, CVV length for the brand. A mistake fails
//!   here with a precise [`ValidationError`] and nothing is sent.
//! - **Reader data** ([`ReaderData`]): the encrypted swipe/EMV output of a VP3300 sent verbatim
//!   as `devicedata` (spec section 7).
//! - **ACH** ([`BankAccount`], ABA check digit) and **wallets** ([`ApplePayPayload`],
//!   [`GooglePayToken`], with their `encryptionhandler`).
//! - **Echo** and **token update** (attach an expiry or CVV to an existing token).
//! - CardSecure's error codes as [`ErrorCode`] with their texts.
//!
//! The card vocabulary (card number, expiry, CVV, token, brand, Luhn) is `cardpointe-types`';
//! the masking rule `cardpointe-emv`'s. The requests are `cardpointe-types`' CardSecure
//! operations (`TokenizeRequest`, `EchoRequest`), sent by the transport's `Client::call_with`:
//! this crate adds local validation and nothing else.
//!
//! Every call goes through `cardpointe-transport`'s [`Client`](cardpointe_transport::Client):
//! same TLS, timeouts, retries (a plain card tokenize is deterministic and may be repeated;
//! reader and wallet payloads are single-use and are not), and redacting tracing.
//!
//! # Example
//!
//! ```no_run
//! use cardpointe_cardsecure::{CardSecure, ManualCard, TokenizeOptions};
//! use cardpointe_transport::{Client, Credentials, Environment};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::builder(Environment::uat("fts")?)
//!     .credentials(Credentials::new("testing", "testing123"))
//!     .merchant_id("496160873888")
//!     .build()?;
//! let cardsecure = CardSecure::new(client);
//!
//! let card = ManualCard::new("4111 1111 1111 1111", "12/30", Some("123"))?;
//! let token = cardsecure.tokenize_card(&card, TokenizeOptions::default()).await?;
//! println!("token {token:?} ({:?} card ending {})", token.brand_hint(), token.last_four());
//! # Ok(()) }
//! ```
//!
//! Validation alone needs no network:
//!
//! ```
//! use cardpointe_cardsecure::{ManualCard, ValidationError};
//! use cardpointe_types::CardBrand;
//!
//! let err = ManualCard::new("4111 1111 1111 1112", "12/30", None).unwrap_err();
//! assert_eq!(err, ValidationError::LuhnCheckFailed);
//! let card = ManualCard::new("3714 496353 98431", "12/99", Some("1234"))?;
//! assert_eq!(card.brand(), CardBrand::Amex);
//! assert_eq!(card.number().to_string(), "371449*****8431");
//! # Ok::<(), ValidationError>(())
//! ```
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

mod error;
mod input;
mod tokenizer;

pub use error::{Error, ErrorCode, ValidationError};
pub use input::{
    ApplePayPayload, BankAccount, GooglePayToken, ManualCard, ReaderData, validate_card_number,
    validate_cvv, validate_expiry,
};
pub use tokenizer::{CardSecure, TokenizeOptions};
