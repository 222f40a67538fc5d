//! # cardpointe-vp3300-sim — a virtual ID TECH VP3300 that speaks real NEO 2 frames
//!
//! A card reader you can run in a unit test: [`VirtualVp3300`] answers the host's frames the
//! way the VP3300 protocol notes describe the reader (`vp3300-protocol.md`), reads scripted
//! cards by swipe, insert or tap, and produces real TDES DUKPT ciphertext that the emulated
//! CardSecure of `cardpointe-sim` (or any DUKPT host holding the test key) decrypts. It is what
//! `cardpointe-reader`'s `simulator` feature (`VirtualLink`, `DiscoveryOptions::simulated`)
//! drives in process, what `cardpointe-sim`'s CardSecure decrypts `devicedata` with
//! ([`dukpt`]), and what the reader crate's BLE tests drive through btleplug's own traits.
//!
//! The crate is light on purpose: `cardpointe-vp3300`, `cardpointe-emv`, `des`, `bytes`,
//! `zeroize` and `thiserror`. No HTTP, no TLS, no command line, no async runtime — turning on
//! the reader's `simulator` feature adds nothing else to an app.
//!
//! ## What the device answers
//!
//! - housekeeping: ping 18-01, version 29-00, serial 12-01, poll mode 01-01, configuration
//!   03-02/04-00, RTC 25-xx, Bluetooth name 77-82;
//! - contactless/MSR activation 02-40, contact EMV 60-10/60-11/60-12 with 61-01 display
//!   callbacks, cancel 05-01 and stop 05-02;
//! - the status codes for everything else: unknown command 02, unknown sub-command 03, bad
//!   CRC 04, bad parameter 05, malformed data 07, timeout 08, not allowed 0B, ...
//!
//! Swipes answer with ID TECH's enhanced encrypted MSR record; chip and tap answers carry
//! encrypted `5A`/`57` with masked copies in `DFEF5B`/`DFEF5D` and the KSN in `DFEE12`. The
//! keys are the ANSI X9.24 test BDK ([`dukpt::Bdk::ANSI_TEST`]) and the test KSN
//! `FFFF9876543210E0xxxx`, one counter step per card read. A chip card's second GENERATE AC
//! checks the issuer's ARPC ([`issuer_authentication`]): a forged one declines and sets the
//! TVR's "issuer authentication failed" bit.
//!
//! ## Cards and scenarios
//!
//! [`TestCard`]s are the gateway spec's UAT test cards (by default each presented the best way
//! the reader offers); a [`Presentation`] says how ([`Entry`]) and when one arrives.
//! [`Scenario`]s reproduce what goes wrong in the field: a card removed early, a bad chip read
//! with fallback to swipe, no card before the timeout, a busy reader, a low battery, a
//! disconnect in the middle of a transaction, a corrupted frame on the link, slow firmware.
//!
//! ## Sans-IO
//!
//! Like the transaction machine in `cardpointe-vp3300`, the model does no I/O and reads no
//! clock: feed it the host's bytes ([`VirtualVp3300::receive`]) and the time
//! ([`VirtualVp3300::handle_timeout`]), and drain what it notifies
//! ([`VirtualVp3300::poll_notification`], at most [`DeviceConfig::notification_size`] bytes
//! each, as BLE would cut them) and link events ([`VirtualVp3300::poll_link_event`]). Time is
//! a [`Duration`](std::time::Duration) since an epoch the caller picks. [`Pair`] drives a host
//! `Transaction` against it with a virtual clock.
//!
//! ```
//! use std::time::Duration;
//! use cardpointe_vp3300::{command, Decoded, FrameDecoder};
//! use cardpointe_vp3300_sim::{DeviceConfig, VirtualVp3300};
//!
//! let mut reader = VirtualVp3300::new(DeviceConfig::default());
//! reader.receive(&command::firmware_version().encode(), Duration::ZERO);
//! let mut decoder = FrameDecoder::host();
//! while let Some(notification) = reader.poll_notification() {
//!     assert!(notification.len() <= 20);
//!     decoder.push(&notification);
//! }
//! let Some(Ok(Decoded::Frame(answer))) = decoder.decode() else { panic!("a frame") };
//! let version = command::FirmwareVersion::from_response(&answer).unwrap();
//! assert!(version.as_str().starts_with("VP3300"));
//! ```
//!
//! A whole card read, and its track 2 recovered under the test key:
//!
//! ```
//! use cardpointe_vp3300::command::{Interfaces, Payment};
//! use cardpointe_vp3300::{MsrRecordBuf, ReaderEvent, Transaction, TransactionRequest};
//! use cardpointe_vp3300_sim::dukpt::{self, Bdk};
//! use cardpointe_vp3300_sim::{DeviceConfig, Entry, Pair, Presentation, TestCard};
//!
//! let swipe = Presentation::by(TestCard::uat_visa(), Entry::Swipe);
//! let mut pair = Pair::new(DeviceConfig::with_cards([swipe]));
//! let request = TransactionRequest::new(Payment::purchase_usd(1234), Interfaces::ALL);
//! let mut txn = Transaction::start(request, pair.now())?;
//! let events = pair.drive(&mut txn);
//! let Some(ReaderEvent::OnlineAuthorizationRequired(data)) = events.last() else {
//!     panic!("the swipe goes online: {events:?}");
//! };
//! let record = MsrRecordBuf::from_hex_ascii(data.payload().as_bytes())?;
//! let record = record.record()?;
//! let ksn = record.ksn.expect("the record carries its KSN");
//! let track2 = dukpt::decrypt_data(&Bdk::ANSI_TEST, &ksn, record.encrypted_tracks[1])?;
//! assert!(track2.starts_with(b";4788250000121443="));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
// docs.rs (`--cfg docsrs`, nightly) marks each feature-gated item with the feature it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod cards;
mod device;
pub mod dukpt;
mod issuer;
mod pair;
mod payload;

pub use crate::cards::{Entry, Presentation, TestCard};
pub use crate::device::{DeviceConfig, DeviceLinkEvent, Scenario, VirtualVp3300};
pub use crate::issuer::issuer_authentication;
pub use crate::pair::Pair;

#[cfg(test)]
mod tests;
