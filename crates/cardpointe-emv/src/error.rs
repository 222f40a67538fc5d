//! The one error type of the TLV reader: what went wrong, and at which byte.

use crate::tag::Tag;

/// A malformed TLV input. Every variant names the byte offset (from the start of the buffer
/// handed to the reader) where the offending object or field starts, and what was expected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input ended inside a tag (a multi-byte tag whose continuation bytes are missing).
    #[error(
        "truncated tag at byte {offset}: the input ends before the tag does (a first byte \
         ending in 1F needs more tag bytes); the data is cut off or not TLV"
    )]
    TruncatedTag {
        /// Where the tag starts.
        offset: usize,
    },
    /// A tag of more than four bytes: no EMV or vendor tag is that long.
    #[error(
        "tag at byte {offset} is longer than 4 bytes: this is not EMV TLV data (or the \
         ID TECH dialect is needed for FFE0..FFEA / FFF0..FFFE tags)"
    )]
    TagTooLong {
        /// Where the tag starts.
        offset: usize,
    },
    /// The input ended before the length field was complete.
    #[error(
        "truncated length at byte {offset}: expected {needed} length byte(s) but only \
         {available} remain"
    )]
    TruncatedLength {
        /// Where the length field starts.
        offset: usize,
        /// How many length bytes the field needs (1 for a missing length byte).
        needed: usize,
        /// How many bytes were left.
        available: usize,
    },
    /// The length byte `80` (indefinite length), which EMV forbids.
    #[error("indefinite length (byte 80) at byte {offset}: EMV allows only definite lengths")]
    IndefiniteLength {
        /// Where the length field starts.
        offset: usize,
    },
    /// A long-form length with more than four length bytes (`85` and up), or a length that
    /// does not fit this platform's `usize`.
    #[error(
        "length field at byte {offset} starts with {first:02X}: at most 4 length bytes \
         (81..84) are accepted, EMV itself uses 81..83"
    )]
    LengthTooLong {
        /// Where the length field starts.
        offset: usize,
        /// The first length byte.
        first: u8,
    },
    /// A top-level object whose value runs past the end of the input.
    #[error(
        "truncated value of tag {tag} at byte {offset}: the length says {length} value \
         byte(s) but only {available} remain"
    )]
    TruncatedValue {
        /// Where the object (its tag) starts.
        offset: usize,
        /// The object's tag.
        tag: Tag,
        /// The declared value length.
        length: usize,
        /// How many bytes remained after the length field.
        available: usize,
    },
    /// An object inside a constructed value that runs past the end of its parent.
    #[error(
        "child {tag} at byte {offset} overruns its parent {parent}, whose value ends at byte \
         {parent_end}: the child needs {length} value byte(s) but only {available} remain \
         in the parent"
    )]
    ChildOverrunsParent {
        /// Where the child (its tag) starts.
        offset: usize,
        /// The child's tag.
        tag: Tag,
        /// The parent's tag.
        parent: Tag,
        /// The offset just past the parent's value.
        parent_end: usize,
        /// The child's declared value length.
        length: usize,
        /// How many bytes remained in the parent after the child's length field.
        available: usize,
    },
    /// Bytes left over after the object(s) that were asked for.
    #[error(
        "{count} trailing byte(s) at byte {offset} after the end of the TLV data; they are \
         not padding and not part of any object"
    )]
    TrailingBytes {
        /// Where the extra bytes start.
        offset: usize,
        /// How many extra bytes there are.
        count: usize,
    },
    /// Constructed objects nested deeper than the walker's limit.
    #[error(
        "constructed object at byte {offset} is nested deeper than the limit of {limit} \
         levels: hostile or corrupt data (raise the walker's depth if it is genuine)"
    )]
    TooDeep {
        /// Where the object that would exceed the limit starts.
        offset: usize,
        /// The depth limit in force.
        limit: usize,
    },
}

impl Error {
    /// The byte offset the error points at.
    #[must_use]
    #[inline]
    pub const fn offset(&self) -> usize {
        match *self {
            Error::TruncatedTag { offset }
            | Error::TagTooLong { offset }
            | Error::TruncatedLength { offset, .. }
            | Error::IndefiniteLength { offset }
            | Error::LengthTooLong { offset, .. }
            | Error::TruncatedValue { offset, .. }
            | Error::ChildOverrunsParent { offset, .. }
            | Error::TrailingBytes { offset, .. }
            | Error::TooDeep { offset, .. } => offset,
        }
    }
}
