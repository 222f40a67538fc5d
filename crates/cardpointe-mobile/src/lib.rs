//! # cardpointe-mobile — the iOS and Android SDK surface of cardpointe-rs
//!
//! One Rust core for Swift and Kotlin apps, exported with [UniFFI](https://mozilla.github.io/uniffi-rs)
//! proc-macros; `cargo xtask test-kotlin` generates the Kotlin bindings and tests them, and
//! the guides in `docs/mobile/` (android.md, ios.md) build it for phones. It composes the
//! workspace's layers and re-implements none of them:
//!
//! - **Card entry** ([`card_brand`], [`validate_card_number`], [`validate_expiry`],
//!   [`validate_cvv`], [`validate_card`], [`passes_luhn_check`], [`mask_card_number`], ...): the brand
//!   table, Luhn and expiry rules of `cardpointe-types`, the validation of
//!   `cardpointe-cardsecure`, the masking rule of `cardpointe-emv`.
//! - **Tokenization** ([`Tokenizer`]): keyed cards, reader cards, ACH, Apple Pay and Google Pay
//!   through `cardpointe-cardsecure` and `cardpointe-transport`. The clear card number goes to
//!   CardSecure only; the app's server gets the token.
//! - **The reader over the app's Bluetooth** ([`BleTransport`], implemented by the app;
//!   [`BleLink`], fed by the app): `cardpointe-reader`'s session runs the VP3300 conversation
//!   (`cardpointe_vp3300::Connection`) over it — [`CardReader::read_card`] (swipe, insert,
//!   tap), [`CardReader::complete`] with the host's answer, [`CardReader::cancel`], reader info
//!   and battery, a typed [`ConnectionStatus`] with [`DisconnectReason`]s, and UI events
//!   ([`ReaderUiEvent`]) through a [`ReaderListener`].
//! - **The virtual reader**, in the same API: [`ReaderSource::Virtual`], or a
//!   [`VirtualPeripheral`] for the app's own BLE test double, so apps and their UI tests run in
//!   a simulator or emulator with no hardware.
//! - **A test emulator** (feature `test-emulator`): `TestEmulator` starts `cardpointe-sim` in
//!   process for tokenization in tests.
//!
//! Async calls are UniFFI async functions (Kotlin `suspend`, Swift `async`); their work runs on
//! one small tokio runtime of this crate, so any executor may await them. Errors are flat,
//! typed enums ([`CardEntryError`], [`TokenizeError`], [`ReaderError`]) whose messages never
//! hold card data; no type here prints a card number, track, CVV or reader payload.
//!
//! The crate's own code has no `unsafe`; the FFI functions UniFFI generates for the bindings
//! are its only unsafe code (which is why this crate, alone in the workspace, does not forbid
//! `unsafe_code`).
//!
//! # Example: a chip card on the virtual reader, and card entry
//!
//! ```
//! use cardpointe_mobile::{
//!     CardBrand, HostAnswer, PresentMethod, ReadMethodKind, ReadRequest, ReaderOptions,
//!     ReaderSource, TestCardKind, VirtualCard, card_brand, connect_reader, validate_card,
//! };
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // Card entry, as the user types.
//! assert_eq!(card_brand("3714 49".into()), Some(CardBrand::Amex));
//! let keyed = validate_card("4111 1111 1111 1111".into(), "12/30".into(), Some("123".into()))?;
//! assert_eq!(keyed.masked, "4111 11** **** 1111");
//!
//! // A chip card on the virtual reader.
//! let card = VirtualCard { card: TestCardKind::Visa, method: PresentMethod::Insert, delay_ms: 50 };
//! let source = ReaderSource::Virtual { cards: vec![card] };
//! let reader = connect_reader(source, None, ReaderOptions::default()).await?;
//! assert!(reader.info().is_virtual);
//! let request = ReadRequest {
//!     amount_minor: 1999, swipe: true, insert: true, tap: false,
//!     card_timeout_seconds: 30, fallback: true,
//! };
//! let card = reader.read_card(request).await?;
//! assert_eq!(card.read_method(), ReadMethodKind::Chip);
//! assert_eq!(card.masked_pan().as_deref(), Some("4788********1443"));
//! // ... Tokenizer::tokenize_reader_card(card), authorize on your server, then:
//! let outcome = reader.complete(HostAnswer::Approved { emv: None }).await?;
//! assert!(outcome.approved);
//! reader.disconnect().await?;
//! # Ok(())
//! # }
//! ```
// docs.rs (`--cfg docsrs`, nightly) marks each feature-gated item with the feature it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

uniffi::setup_scaffolding!();

mod ble;
mod card;
#[cfg(feature = "test-emulator")]
mod emulator;
mod reader;
mod runtime;
mod tokenizer;
mod virtual_reader;

pub use crate::ble::{BleLink, BleTransport};
pub use crate::card::{
    CardBrand, CardEntryError, CardExpiry, MaskFormat, ValidatedCardNumber, card_brand,
    card_brand_name, card_number_lengths, cvv_length, mask_card_number, passes_luhn_check,
    validate_card, validate_card_number, validate_cvv, validate_expiry,
};
#[cfg(feature = "test-emulator")]
pub use crate::emulator::TestEmulator;
pub use crate::reader::{
    CardReader, ConnectionStatus, DisconnectReason, HostAnswer, ReadMethodKind, ReadRequest,
    ReaderCard, ReaderError, ReaderInfo, ReaderListener, ReaderOptions, ReaderSource,
    ReaderUiEvent, TransactionOutcome, connect_reader,
};
pub use crate::tokenizer::{CardSecureConfig, CardToken, TokenizeError, Tokenizer};
pub use crate::virtual_reader::{
    PeripheralObserver, PresentMethod, TestCardKind, VirtualCard, VirtualPeripheral,
};

#[cfg(test)]
mod tests;
