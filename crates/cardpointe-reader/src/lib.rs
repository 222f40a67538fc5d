//! The ID TECH VP3300 card reader, over Bluetooth LE or in process.
//!
//! `cardpointe-vp3300` knows every byte the VP3300 speaks and decides what to send next, but
//! does no I/O. This crate moves those bytes: a small [`Link`] trait (write bytes, a stream of
//! notifications, a disconnect signal, the usable write size) with two implementations —
//! [`BleLink`] on btleplug and `VirtualLink` to the virtual VP3300 of `cardpointe-vp3300-sim` — and
//! a [`Reader`] session on top, in the shape payment developers know from terminal SDKs:
//!
//! - [`Discovery::discover`] (or [`Reader::discover`]) finds readers, real
//!   ([`DiscoveryOptions::bluetooth`]: service 0x1820, name `IDTECH-VP3300-…`) or simulated
//!   (`DiscoveryOptions::simulated`), through one call; without a Bluetooth stack it fails at
//!   once with [`LinkError::NoBluetooth`];
//! - [`Discovery::connect`] (or [`Reader::connect`]) returns a session with a [`ReaderInfo`]
//!   snapshot (model, serial, firmware, battery where reported) and opt-in automatic
//!   reconnection ([`ReconnectPolicy`]). A [`Discovery`] publishes the [`ConnectionStatus`]
//!   from before the first scan — discovering, connecting, connected, reconnecting, not
//!   connected with a typed [`DisconnectReason`] — as a watch and as an ordered stream of
//!   changes, and [`Discovery::cancel`] stops a discovery or connection in progress;
//! - [`Reader::read_card`] streams the transaction machine's [`ReaderEvent`]s and ends with
//!   the [`EncryptedCardData`](cardpointe_vp3300::EncryptedCardData) to tokenize, or a typed
//!   [`ReaderError`]; [`Reader::complete_online`] hands a chip card the host's answer;
//!   [`Reader::cancel`] always returns the reader to idle. Every call is bounded in time.
//! - [`Reader::frame_tap`] shows every frame with card data masked (by `cardpointe-emv`'s
//!   masking rules).
//!
//! The conversation itself — frame decoding, matching each answer to the command it answers
//! (a slow reader's late answer is dropped, never taken for the answer of a later command),
//! the cancel handshake, timeouts, the transaction — is
//! [`cardpointe_vp3300::Connection`], sans-IO; a [`Reader`]'s session only pumps bytes, time,
//! frames and events between it and the [`Link`]. So the whole conversation is testable
//! without tokio (`tests/connection_pair.rs` drives it against the virtual VP3300).
//!
//! # Platforms
//!
//! The BLE link is btleplug's, so the reader runs where btleplug does: Linux (BlueZ over
//! D-Bus; `libdbus-sys` is built from source, so no D-Bus development package is needed),
//! macOS and iOS (CoreBluetooth), Windows 10+ (WinRT) and Android (btleplug's JNI backend,
//! which the app must initialise). D-Bus is a Linux-only dependency: no other target
//! compiles or links it. On phones, apps usually drive the reader through their own Bluetooth
//! stack instead, feeding `cardpointe_vp3300::Connection` themselves.
//!
//! # Features
//!
//! - *(default: none)* — Bluetooth LE only: [`BleLink`], [`Discovery`], [`Reader`]. No
//!   emulator code is compiled in.
//! - `simulator` — adds `VirtualLink` (a [`Link`] to the virtual VP3300 of `cardpointe-vp3300-sim`,
//!   in process) and `DiscoveryOptions::simulated` / `simulated_with`, so apps, demos and tests
//!   run with no hardware. It pulls in `cardpointe-vp3300-sim` (light: no HTTP, TLS or CLI).
//!
//! # Example: a swipe on the virtual reader (feature `simulator`)
//!
//! ```
//! # #[cfg(feature = "simulator")]
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), cardpointe_reader::ReaderError> {
//! use cardpointe_reader::{ConnectOptions, DiscoveryOptions, Reader};
//! use cardpointe_vp3300_sim::{DeviceConfig, Entry, Presentation, TestCard};
//! use cardpointe_vp3300::command::{HostResponse, Interfaces, Payment};
//! use cardpointe_vp3300::{ReadMethod, TransactionRequest};
//!
//! let device = DeviceConfig::with_cards([Presentation::by(TestCard::uat_visa(), Entry::Swipe)]);
//! let found = Reader::discover(DiscoveryOptions::simulated_with(device)).await?;
//! let reader = Reader::connect(found.into_iter().next().unwrap(), ConnectOptions::default()).await?;
//! assert_eq!(reader.info().serial.as_deref(), Some("538T012345"));
//!
//! let request = TransactionRequest::new(Payment::purchase_usd(1234), Interfaces::new(true, false, false));
//! let card = reader.read_card(request).await?.card_data().await?;
//! assert_eq!(card.entry_mode(), ReadMethod::Swipe);
//! assert_eq!(card.masked_pan(), Some("4788********1443"));
//! // ... tokenize `card.payload()` with CardSecure, authorize with the gateway, then:
//! let outcome = reader.complete_online(HostResponse::online(*b"00")).await?;
//! assert!(outcome.approved);
//! reader.disconnect().await?;
//! # Ok(())
//! # }
//! # #[cfg(not(feature = "simulator"))]
//! # fn main() {}
//! ```
// docs.rs (`--cfg docsrs`, nightly) marks each feature-gated item with the feature it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]

pub mod ble;
mod discovery;
mod error;
pub mod link;
mod reader;
mod session;
mod status;
pub mod tap;
#[cfg(feature = "simulator")]
mod virtual_link;

pub use crate::ble::{BleLink, BleOptions, FoundReader, WriteSize};
pub use crate::discovery::{
    DiscoveredReader, Discovery, DiscoveryMethod, DiscoveryOptions, ReaderKind,
};
pub use crate::error::ReaderError;
pub use crate::link::{DisconnectReason, Link, LinkError, LinkFuture, LinkState};
pub use crate::reader::{CardRead, ConnectOptions, Reader, ReaderInfo, ReconnectPolicy};
pub use crate::status::ConnectionStatus;
pub use crate::tap::{TapDirection, TappedFrame};
#[cfg(feature = "simulator")]
pub use crate::virtual_link::VirtualLink;
pub use cardpointe_vp3300::{ReaderEvent, TransactionRequest};
