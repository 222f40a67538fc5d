//! The ID TECH VP3300 card reader, over Bluetooth LE or in process.
//!
//! `cardpointe-vp3300` knows every byte the VP3300 speaks and decides what to send next, but
//! does no I/O. This crate moves those bytes: a small [`Link`] trait (write bytes, a stream of
//! notifications, a disconnect signal, the usable write size) with two implementations —
//! [`BleLink`] on btleplug and [`VirtualLink`] to the virtual VP3300 of `cardpointe-sim` — and
//! a [`Reader`] session on top, in the shape payment developers know from terminal SDKs:
//!
//! - [`Reader::discover`] finds readers, real ([`DiscoveryOptions::bluetooth`]: service 0x1820,
//!   name `IDTECH-VP3300-…`) or simulated ([`DiscoveryOptions::simulated`]), through one call;
//!   without a Bluetooth stack it fails at once with [`LinkError::NoBluetooth`];
//! - [`Reader::connect`] returns a session with a [`ReaderInfo`] snapshot (model, serial,
//!   firmware, battery where reported), a watchable [`ConnectionStatus`] with a typed
//!   [`DisconnectReason`] and opt-in automatic reconnection ([`ReconnectPolicy`]);
//! - [`Reader::read_card`] streams the transaction machine's [`ReaderEvent`]s and ends with
//!   the [`EncryptedCardData`](cardpointe_vp3300::EncryptedCardData) to tokenize, or a typed
//!   [`ReaderError`]; [`Reader::complete_online`] hands a chip card the host's answer;
//!   [`Reader::cancel`] always returns the reader to idle. Every call is bounded in time.
//! - [`Reader::frame_tap`] shows every frame with card data masked.
//!
//! Builds without the D-Bus development package: `libdbus-sys` is built from source
//! (`vendored`) for btleplug's BlueZ backend.
//!
//! # Example: a swipe on the virtual reader
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), cardpointe_reader::ReaderError> {
//! use cardpointe_reader::{ConnectOptions, DiscoveryOptions, Reader};
//! use cardpointe_sim::reader::{DeviceConfig, Entry, Presentation, TestCard};
//! use cardpointe_vp3300::command::{HostResponse, Interfaces, Payment};
//! use cardpointe_vp3300::{EntryMode, TransactionRequest};
//!
//! let device = DeviceConfig::with_cards([Presentation::by(TestCard::uat_visa(), Entry::Swipe)]);
//! let found = Reader::discover(DiscoveryOptions::simulated_with(device)).await?;
//! let reader = Reader::connect(found.into_iter().next().unwrap(), ConnectOptions::default()).await?;
//! assert_eq!(reader.info().serial.as_deref(), Some("538T012345"));
//!
//! let request = TransactionRequest::new(Payment::purchase_usd(1234), Interfaces::new(true, false, false));
//! let card = reader.read_card(request).await?.card_data().await?;
//! assert_eq!(card.entry_mode(), EntryMode::Swipe);
//! assert_eq!(card.masked_pan(), Some("4788********1443"));
//! // ... tokenize `card.payload()` with CardSecure, authorize with the gateway, then:
//! let outcome = reader.complete_online(HostResponse::online(*b"00")).await?;
//! assert!(outcome.approved);
//! reader.disconnect().await?;
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]

pub mod ble;
mod error;
pub mod link;
mod reader;
mod session;
pub mod tap;
mod virtual_link;

pub use crate::ble::{BleLink, BleOptions, FoundReader, WriteSize};
pub use crate::error::ReaderError;
pub use crate::link::{DisconnectReason, Link, LinkError, LinkFuture, LinkState};
pub use crate::reader::{
    CardRead, ConnectOptions, ConnectionStatus, DiscoveredReader, DiscoveryMethod,
    DiscoveryOptions, Reader, ReaderInfo, ReaderKind, ReconnectPolicy,
};
pub use crate::tap::{TapDirection, TappedFrame};
pub use crate::virtual_link::VirtualLink;
pub use cardpointe_vp3300::{ReaderEvent, TransactionRequest};
