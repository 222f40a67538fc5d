#![doc = include_str!("../README.md")]
#![no_std]
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
#[allow(unused_extern_crates, reason = "the writer (next commit) uses it")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod error;
mod hex;
mod mask;
mod options;
mod reader;
mod tag;
mod walk;

pub use error::Error;
pub use hex::Hex;
pub use mask::{MaskedValue, Sensitivity, is_sensitive, sensitivity};
pub use options::{Dialect, Options, Padding};
pub use reader::{Marker, Tlv, Tlvs, parse};
pub use tag::{Class, MAX_TAG_LEN, Tag};
pub use walk::{DEFAULT_MAX_DEPTH, Visit, Walker};
