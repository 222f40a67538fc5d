//! The ID TECH VP3300 reader's host protocol, without I/O.
//!
//! The VP3300 speaks ID TECH's NEO 2 ("IDG") protocol over Bluetooth LE. This crate understands
//! every byte of it and decides what to send next, but never touches a socket or a clock:
//!
//! - [`crc`]: CRC-16/CCITT-FALSE, slicing-by-16.
//! - [`frame`]: protocol 2 (`ViVOtech2\0`) and 3 (`ViVOpayV3\0`) frames, both directions, with
//!   the CRC byte order each direction uses; [`FrameDecoder`] reassembles them from BLE
//!   notifications cut anywhere.
//! - [`StatusCode`] and [`EmvResultCode`]: the status byte and the DFEE25 outcome.
//! - [`command`]: typed commands (ping, version, serial, configuration, RTC, poll mode, cancel,
//!   activate 02-40, transaction result, contact EMV 60-10/11/12, callback answers) and typed
//!   parsing of their responses.
//! - [`MsrRecord`]: ID TECH's enhanced encrypted MSR record, binary and hex-ASCII forms.
//! - [`Ksn`]: DUKPT key serial numbers (TDES and AES) with the counter extracted.
//! - [`EncryptedCardData`]: one value for every read path, in the format CardSecure's
//!   `devicedata` expects; masked in `Debug`/`Display`, zeroed on drop.
//! - [`Transaction`]: the sans-IO machine of one card read, in the style of `quinn-proto`.
//! - [`Connection`]: the whole host side of a reader link, sans-IO: bytes and timeouts in,
//!   frames and events out. It owns the decoder, the answers still owed (late answers are
//!   dropped), the cancel handshake, per-command timeouts and the [`Transaction`]; an async
//!   pump (`cardpointe-reader`) or a phone's own BLE stack only moves bytes and time.
//!
//! Without the default `std` feature the crate is `no_std`; `alloc` adds everything that
//! owns memory (owned frames, the decoder, commands, card data, the machine).
//!
//! # Example: decode a reader's answer from 20-byte notifications
//!
//! ```
//! use cardpointe_vp3300::{command, Decoded, FrameDecoder, StatusCode};
//!
//! // The reader answers Get Version with "VP3300 FW v1.01" (spec section 2.4).
//! let rx = [
//!     0x56, 0x69, 0x56, 0x4F, 0x74, 0x65, 0x63, 0x68, 0x32, 0x00, 0x29, 0x00, 0x00, 0x0F,
//!     0x56, 0x50, 0x33, 0x33, 0x30, 0x30, 0x20, 0x46, 0x57, 0x20, 0x76, 0x31, 0x2E, 0x30, 0x31,
//!     0x6C, 0x0E,
//! ];
//! let mut decoder = FrameDecoder::host();
//! let mut version = None;
//! for notification in rx.chunks(20) {
//!     decoder.push(notification);
//!     while let Some(item) = decoder.decode() {
//!         if let Ok(Decoded::Frame(frame)) = item {
//!             assert_eq!(frame.status(), Some(StatusCode::Ok));
//!             version = Some(command::FirmwareVersion::from_response(&frame)?);
//!         }
//!     }
//! }
//! assert_eq!(version.unwrap().as_str(), "VP3300 FW v1.01");
//! # Ok::<(), cardpointe_vp3300::command::ResponseError>(())
//! ```
// docs.rs (`--cfg docsrs`, nightly) marks each feature-gated item with the feature it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![no_std]
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

#[cfg(any(feature = "alloc", test))]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod crc;
pub mod frame;
mod ksn;
pub mod msr;
mod status;

#[cfg(feature = "alloc")]
pub mod card_data;
#[cfg(feature = "alloc")]
pub mod command;
#[cfg(feature = "alloc")]
pub mod connection;
#[cfg(feature = "alloc")]
mod decoder;
#[cfg(feature = "alloc")]
pub mod result;
#[cfg(feature = "alloc")]
pub mod transaction;

#[cfg(test)]
mod test_util;

pub use crate::frame::{CrcOrder, Direction, FrameError, FrameKind, FrameRef, Protocol};
pub use crate::ksn::{Ksn, KsnError};
pub use crate::msr::{CardEncodeType, MsrError, MsrRecord};
pub use crate::status::{EmvResultCode, StatusCode};

#[cfg(feature = "alloc")]
pub use crate::card_data::{EncryptedCardData, ReadMethod};
#[cfg(feature = "alloc")]
pub use crate::connection::{
    Connection, ConnectionError, ConnectionEvent, ConnectionStats, RequestId,
};
#[cfg(feature = "alloc")]
pub use crate::decoder::{Decoded, DecodedRef, FrameDecoder};
#[cfg(feature = "alloc")]
pub use crate::frame::Frame;
#[cfg(feature = "alloc")]
pub use crate::msr::MsrRecordBuf;
#[cfg(feature = "alloc")]
pub use crate::transaction::{ReaderEvent, Transaction, TransactionOutcome, TransactionRequest};
