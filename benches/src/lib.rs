//! Shared input builders for the cardpointe-rs criterion benches.
//!
//! The benches themselves live beside this crate's `Cargo.toml` (one file per hot path); this
//! library holds the realistic inputs they share, so that setup stays out of the timed loops.

pub mod frame;
pub mod tlv;
pub mod walk;
