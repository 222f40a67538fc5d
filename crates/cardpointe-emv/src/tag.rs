//! The BER-TLV tag: class, constructed flag and number, as EMV and ID TECH use them.

use core::fmt;

use crate::error::Error;

/// The class of a tag (bits b8..b7 of its first byte).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[allow(
    clippy::exhaustive_enums,
    reason = "BER has exactly four tag classes (two bits)"
)]
pub enum Class {
    /// `00`: universal (ASN.1 types; rare in EMV).
    Universal,
    /// `01`: application (EMV templates such as `6F`, `70`, `77` and tags `4F`, `5A`, `5F..`).
    Application,
    /// `10`: context-specific (most EMV tags: `82`, `95`, `9F02` ...).
    ContextSpecific,
    /// `11`: private (kernel and vendor tags: `DF8129`, ID TECH `DFEE..`, `FFEE..`).
    Private,
}

/// The most bytes a tag may have here. EMV uses one to three; four leaves room for kernels.
pub const MAX_TAG_LEN: usize = 4;

/// A BER-TLV tag such as `9F02` or `DFEE23`, kept as its bytes packed big-endian into a `u32`.
///
/// `Tag::new(0x9F02)` is the tag whose bytes are `9F 02`; it displays as `9F02`. The first
/// tag byte is never `00` (that byte is padding), so the packed value says how many bytes the
/// tag has. Tags of the ID TECH 2-byte quirk (`FFE0..FFEA`, `FFF0..FFFE`, see [`Dialect`])
/// are primitive even though their first byte says "constructed".
///
/// [`Dialect`]: crate::Dialect
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag(u32);

impl Tag {
    /// The tag whose bytes, big-endian, make up `value` (`0x9F02` is `9F 02`).
    ///
    /// No check is made that the bytes follow BER continuation rules; use
    /// [`Tag::from_bytes`] for bytes from the outside.
    #[must_use]
    #[inline]
    pub const fn new(value: u32) -> Self {
        Tag(value)
    }

    /// Parses a complete tag from `bytes` (all of them, nothing more) with the BER rules of
    /// EMV, or the ID TECH 2-byte quirk when `id_tech` is set.
    ///
    /// # Errors
    /// [`Error::TruncatedTag`] when the bytes end before the tag does,
    /// [`Error::TagTooLong`] beyond [`MAX_TAG_LEN`] bytes, and [`Error::TrailingBytes`]
    /// when bytes follow the end of the tag.
    #[inline]
    pub fn from_bytes(bytes: &[u8], id_tech: bool) -> Result<Self, Error> {
        let (tag, len) = parse_tag(bytes, 0, id_tech)?;
        if len == bytes.len() {
            Ok(tag)
        } else {
            Err(Error::TrailingBytes {
                offset: len,
                count: bytes.len() - len,
            })
        }
    }

    /// The tag bytes packed big-endian (`0x9F02`).
    #[must_use]
    #[inline]
    pub const fn value(self) -> u32 {
        self.0
    }

    /// How many bytes the tag has (1 to 4; 1 for the degenerate `Tag::new(0)`).
    #[must_use]
    #[allow(clippy::len_without_is_empty, reason = "a tag is never empty")]
    #[inline]
    pub const fn len(self) -> usize {
        let v = self.0;
        if v > 0x00FF_FFFF {
            4
        } else if v > 0xFFFF {
            3
        } else if v > 0xFF {
            2
        } else {
            1
        }
    }

    /// The tag bytes in a fixed array, with the count of meaningful leading bytes.
    #[must_use]
    #[inline]
    pub const fn to_bytes(self) -> ([u8; MAX_TAG_LEN], usize) {
        let len = self.len();
        // Shift the meaningful bytes to the front: `9F02` -> `9F 02 00 00`.
        let packed = self.0 << (8 * (MAX_TAG_LEN - len));
        (packed.to_be_bytes(), len)
    }

    /// The first tag byte, which carries class and constructed flag.
    #[must_use]
    #[inline]
    pub const fn first_byte(self) -> u8 {
        (self.0 >> (8 * (self.len() - 1))) as u8
    }

    /// The class (bits b8..b7 of the first byte).
    #[must_use]
    #[inline]
    pub const fn class(self) -> Class {
        match self.first_byte() >> 6 {
            0 => Class::Universal,
            1 => Class::Application,
            2 => Class::ContextSpecific,
            _ => Class::Private,
        }
    }

    /// Whether the value is a sequence of TLV objects: bit b6 of the first byte, except for
    /// the ID TECH 2-byte quirk tags, which are primitive.
    #[must_use]
    #[inline]
    pub const fn is_constructed(self) -> bool {
        self.first_byte() & 0x20 != 0 && !self.is_id_tech_quirk()
    }

    /// Whether this is one of the ID TECH 2-byte tags `FFE0..FFEA` or `FFF0..FFFE`.
    #[must_use]
    #[inline]
    pub const fn is_id_tech_quirk(self) -> bool {
        is_id_tech_quirk_pair(0xFF, (self.0 & 0xFF) as u8) && self.0 >> 8 == 0xFF
    }

    /// The tag number: bits b5..b1 of a one-byte tag, or the 7-bit groups of the following
    /// bytes for a multi-byte tag (for the ID TECH quirk tags, the second byte as is).
    #[must_use]
    #[inline]
    pub const fn number(self) -> u32 {
        let len = self.len();
        if len == 1 {
            return self.0 & 0x1F;
        }
        if self.is_id_tech_quirk() {
            return self.0 & 0xFF;
        }
        let mut n: u32 = 0;
        let mut i = 1;
        while i < len {
            let byte = (self.0 >> (8 * (len - 1 - i))) & 0x7F;
            n = (n << 7) | byte;
            i += 1;
        }
        n
    }
}

impl fmt::Display for Tag {
    /// Upper-case hex of the tag bytes: `9F02`, `DFEE23`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (bytes, len) = self.to_bytes();
        for b in bytes.iter().take(len) {
            write!(f, "{b:02X}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tag({self})")
    }
}

impl From<u32> for Tag {
    fn from(value: u32) -> Self {
        Tag(value)
    }
}

/// The tags of a tag list (ID TECH `DFEE1A` "tags to return", EMV `9F4A`): tags only, no
/// lengths, read with the tag rules alone (EMV spec 1.4). After the first error it yields
/// nothing more.
///
/// ```
/// use cardpointe_emv::{Tag, TagList};
///
/// let list = [0x9F, 0x02, 0x5A, 0xFF, 0xF1, 0xDF, 0xEE, 0x23];
/// let tags: Vec<Tag> = TagList::new(&list, true).collect::<Result<_, _>>()?;
/// assert_eq!(tags, [Tag::new(0x9F02), Tag::new(0x5A), Tag::new(0xFFF1), Tag::new(0xDFEE23)]);
/// # Ok::<(), cardpointe_emv::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct TagList<'a> {
    bytes: &'a [u8],
    pos: usize,
    id_tech: bool,
    failed: bool,
}

impl<'a> TagList<'a> {
    /// The tags in `bytes`; `id_tech` reads the ID TECH 2-byte quirk tags.
    #[must_use]
    #[inline]
    pub const fn new(bytes: &'a [u8], id_tech: bool) -> Self {
        TagList {
            bytes,
            pos: 0,
            id_tech,
            failed: false,
        }
    }
}

impl Iterator for TagList<'_> {
    type Item = Result<Tag, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let rest = self.bytes.get(self.pos..)?;
        if rest.is_empty() {
            return None;
        }
        match parse_tag(rest, self.pos, self.id_tech) {
            Ok((tag, n)) => {
                self.pos += n;
                Some(Ok(tag))
            }
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}

impl core::iter::FusedIterator for TagList<'_> {}

/// Whether `first second` is an ID TECH quirk pair: `FF E0..EA` or `FF F0..FE`.
#[inline]
pub(crate) const fn is_id_tech_quirk_pair(first: u8, second: u8) -> bool {
    first == 0xFF && matches!(second, 0xE0..=0xEA | 0xF0..=0xFE)
}

/// Parses a tag at the start of `buf`; `offset` is where `buf` starts in the caller's input
/// (for errors). Returns the tag and its length in bytes.
#[inline]
pub(crate) fn parse_tag(buf: &[u8], offset: usize, id_tech: bool) -> Result<(Tag, usize), Error> {
    let Some(&first) = buf.first() else {
        return Err(Error::TruncatedTag { offset });
    };
    if first & 0x1F != 0x1F {
        return Ok((Tag(u32::from(first)), 1));
    }
    let mut value = u32::from(first);
    let mut i = 1;
    loop {
        let Some(&b) = buf.get(i) else {
            return Err(Error::TruncatedTag { offset });
        };
        value = (value << 8) | u32::from(b);
        i += 1;
        if b & 0x80 == 0 || (i == 2 && id_tech && is_id_tech_quirk_pair(first, b)) {
            return Ok((Tag(value), i));
        }
        if i == MAX_TAG_LEN {
            return Err(Error::TagTooLong { offset });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_displays_as_upper_case_hex_of_its_bytes() {
        assert_eq!(alloc::format!("{}", Tag::new(0x9F02)), "9F02");
        assert_eq!(alloc::format!("{}", Tag::new(0xDFEE23)), "DFEE23");
        assert_eq!(alloc::format!("{}", Tag::new(0x5A)), "5A");
    }

    #[test]
    fn class_constructed_and_number_follow_the_first_byte() {
        let t = Tag::new(0x9F02);
        assert_eq!(t.class(), Class::ContextSpecific);
        assert!(!t.is_constructed());
        assert_eq!(t.number(), 2);
        let t = Tag::new(0x70);
        assert_eq!(t.class(), Class::Application);
        assert!(t.is_constructed());
        assert_eq!(t.number(), 0x10);
        let t = Tag::new(0xBF0C);
        assert!(t.is_constructed());
        assert_eq!(t.number(), 0x0C);
        assert_eq!(Tag::new(0xDF8129).number(), (1 << 7) | 0x29);
        assert_eq!(Tag::new(0xFFEE01).class(), Class::Private);
    }

    #[test]
    fn id_tech_quirk_tags_are_primitive_two_byte_tags() {
        assert!(Tag::new(0xFFF1).is_id_tech_quirk());
        assert!(!Tag::new(0xFFF1).is_constructed());
        assert!(!Tag::new(0xFFEE01).is_id_tech_quirk());
        assert!(Tag::new(0xFFEE01).is_constructed());
        assert_eq!(Tag::from_bytes(&[0xFF, 0xF1], true), Ok(Tag::new(0xFFF1)));
        assert_eq!(
            Tag::from_bytes(&[0xFF, 0xF1], false),
            Err(Error::TruncatedTag { offset: 0 })
        );
        assert_eq!(
            Tag::from_bytes(&[0xFF, 0xEE, 0x01], true),
            Ok(Tag::new(0xFFEE01))
        );
        assert_eq!(
            Tag::from_bytes(&[0xFF, 0xFF, 0xFF], true),
            Err(Error::TruncatedTag { offset: 0 })
        );
    }

    #[test]
    fn a_tag_list_reads_tags_without_lengths_and_stops_at_a_cut_tag() {
        let tags: alloc::vec::Vec<_> = TagList::new(&[0x95, 0x9F, 0x37, 0xDF], false).collect();
        assert_eq!(
            tags,
            [
                Ok(Tag::new(0x95)),
                Ok(Tag::new(0x9F37)),
                Err(Error::TruncatedTag { offset: 3 })
            ]
        );
    }

    #[test]
    fn tags_longer_than_four_bytes_are_rejected() {
        assert_eq!(
            Tag::from_bytes(&[0xDF, 0x81, 0x81, 0x81, 0x01], false),
            Err(Error::TagTooLong { offset: 0 })
        );
        assert_eq!(
            Tag::from_bytes(&[0xDF, 0x81, 0x81, 0x01], false),
            Ok(Tag::new(0xDF81_8101))
        );
    }

    #[test]
    fn to_bytes_round_trips_through_from_bytes() {
        for v in [0x5A, 0x9F02, 0xDFEE23, 0xDF81_8101] {
            let (b, n) = Tag::new(v).to_bytes();
            assert_eq!(Tag::from_bytes(&b[..n], false), Ok(Tag::new(v)));
        }
    }
}
