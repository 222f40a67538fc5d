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
//! - **Card utilities**: [`luhn_valid`], [`Brand::detect`], [`mask_pan`] (last four, first six
//!   + last four, grouped as the brand prints).
//! - CardSecure's error codes as [`ErrorCode`] with their texts; a [`Token`] that knows its
//!   last four and brand prefix and shows nothing more in `Debug`.
//!
//! Every call goes through `cardpointe-transport`'s [`Client`](cardpointe_transport::Client):
//! same TLS, timeouts, retries (only when safe: a plain card tokenize is deterministic and may
//! be repeated; reader and wallet payloads are single-use and are not), and redacting tracing.
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
//! use cardpointe_cardsecure::{Brand, ManualCard, MaskFormat, ValidationError, mask_pan};
//!
//! let err = ManualCard::new("4111 1111 1111 1112", "12/30", None).unwrap_err();
//! assert_eq!(err, ValidationError::LuhnCheckFailed);
//! assert_eq!(Brand::detect("371449635398431"), Some(Brand::Amex));
//! assert_eq!(mask_pan("371449635398431", MaskFormat::LastFour, true), "**** ****** *8431");
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

mod card;
mod error;
mod expiry;
mod input;
mod token;
mod tokenizer;

pub use card::{Brand, CardNumber, MaskFormat, luhn_valid, mask_pan};
pub use error::{Error, ErrorCode, ValidationError};
pub use expiry::Expiry;
pub use input::{ApplePayPayload, BankAccount, Cvv, GooglePayToken, ManualCard, ReaderData};
pub use token::Token;
pub use tokenizer::{CardSecure, TokenizeOptions};
