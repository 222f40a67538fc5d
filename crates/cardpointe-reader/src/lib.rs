//! The ID TECH VP3300 card reader, over Bluetooth LE or in process.
#![forbid(unsafe_code)]

pub mod ble;
pub mod link;

pub use crate::ble::{BleLink, BleOptions, FoundReader, WriteSize};
pub use crate::link::{DisconnectReason, Link, LinkError, LinkFuture, LinkState};
