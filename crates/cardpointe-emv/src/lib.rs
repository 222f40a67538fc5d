// docs.rs (`--cfg docsrs`, nightly) marks each feature-gated item with the feature it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]
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
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod bits;
pub mod dict;
pub mod dol;
mod error;
mod hex;
mod mask;
mod options;
pub mod print;
mod reader;
mod tag;
pub mod value;
mod walk;
mod writer;

pub use dol::{Dol, DolEntry, DolError, TagSource, TlvSource};
pub use error::Error;
pub use hex::Hex;
#[cfg(feature = "alloc")]
pub use mask::mask_pan;
pub use mask::{MaskedPan, MaskedValue, PanMask, Sensitivity, is_sensitive, sensitivity};
pub use options::{Dialect, Options, Padding};
pub use reader::{Marker, Tlv, Tlvs, parse};
pub use tag::{Class, MAX_TAG_LEN, Tag, TagList};
pub use walk::{DEFAULT_MAX_DEPTH, Visit, Walker};
#[cfg(feature = "alloc")]
pub use writer::{Content, Encoder, Node, encode_all, write_primitive};
pub use writer::{EncodeError, MAX_HEADER_LEN, encode_header, length_field_len};
