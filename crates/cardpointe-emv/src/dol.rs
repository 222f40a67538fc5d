//! Data Object Lists (PDOL `9F38`, CDOL1/2 `8C`/`8D`, DDOL `9F49`, TDOL `97`, ID TECH tag
//! lists): (tag, length) pairs without values, and the data a terminal builds from them.
//!
//! Entries are read with `nom`. The length of an entry is a single byte (EMV Book 3 section
//! 5.4), taken literally, so `9F02 81` asks for 129 bytes; no BER long form is read here.

use nom::IResult;
use nom::number::complete::be_u8;

use crate::dict::{Format, format_of};
use crate::error::Error;
use crate::options::Options;
use crate::tag::{Tag, parse_tag};
use crate::walk::Walker;

/// One DOL entry: a tag and the number of bytes of its value the card asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct DolEntry {
    /// The tag asked for.
    pub tag: Tag,
    /// The number of bytes asked for.
    pub length: usize,
}

/// Building DOL data failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DolError {
    /// The DOL itself is malformed (truncated tag or missing length byte), with its offset.
    #[error("malformed DOL: {0}")]
    Malformed(#[from] Error),
    /// The output buffer cannot hold the data the DOL asks for.
    #[error("DOL data needs {needed} bytes but the output buffer holds {available}")]
    OutputTooSmall {
        /// Bytes the DOL asks for.
        needed: usize,
        /// Bytes the buffer holds.
        available: usize,
    },
}

/// Where DOL data comes from: the value of a tag, if the terminal has it.
pub trait TagSource {
    /// The value of `tag`, or `None` when absent.
    fn value_of(&self, tag: Tag) -> Option<&[u8]>;
}

impl<T: TagSource + ?Sized> TagSource for &T {
    fn value_of(&self, tag: Tag) -> Option<&[u8]> {
        (**self).value_of(tag)
    }
}

impl TagSource for [(Tag, &[u8])] {
    /// The first pair with `tag`.
    fn value_of(&self, tag: Tag) -> Option<&[u8]> {
        self.iter().find(|(t, _)| *t == tag).map(|(_, v)| *v)
    }
}

impl<const N: usize> TagSource for [(Tag, &[u8]); N] {
    fn value_of(&self, tag: Tag) -> Option<&[u8]> {
        self.as_slice().value_of(tag)
    }
}

/// TLV data used as a tag source: the first object with the tag, at any depth (duplicates
/// are common in reader output; the first wins). Reading stops at the first malformation.
#[derive(Clone, Copy, Debug)]
pub struct TlvSource<'a> {
    buf: &'a [u8],
    options: Options,
}

impl<'a> TlvSource<'a> {
    /// Serves tags from the TLV objects of `buf`.
    #[must_use]
    pub const fn new(buf: &'a [u8], options: Options) -> Self {
        TlvSource { buf, options }
    }
}

impl TagSource for TlvSource<'_> {
    fn value_of(&self, tag: Tag) -> Option<&[u8]> {
        Walker::new(self.buf, self.options)
            .find_tag(tag)
            .ok()
            .flatten()
            .map(|t| t.value())
    }
}

/// The entries of a DOL, in order. After the first error it yields nothing more.
///
/// ```
/// use cardpointe_emv::{Dol, Options, Tag};
///
/// let pdol = [0x9F, 0x02, 0x06, 0x5F, 0x2A, 0x02, 0x9A, 0x03];
/// let dol = Dol::new(&pdol, Options::emv());
/// assert_eq!(dol.data_len()?, 11);
/// let tags: Vec<Tag> = dol.map(|e| e.map(|e| e.tag)).collect::<Result<_, _>>()?;
/// assert_eq!(tags, [Tag::new(0x9F02), Tag::new(0x5F2A), Tag::new(0x9A)]);
/// # Ok::<(), cardpointe_emv::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Dol<'a> {
    whole: &'a [u8],
    rest: &'a [u8],
    options: Options,
    failed: bool,
}

impl<'a> Dol<'a> {
    /// The DOL in `bytes`; the ID TECH dialect also reads its 2-byte quirk tags.
    #[must_use]
    pub const fn new(bytes: &'a [u8], options: Options) -> Self {
        Dol {
            whole: bytes,
            rest: bytes,
            options,
            failed: false,
        }
    }

    /// The total number of data bytes the DOL asks for.
    ///
    /// # Errors
    /// The first malformation of the DOL.
    pub fn data_len(self) -> Result<usize, Error> {
        self.map(|e| e.map(|e| e.length)).sum()
    }
}

/// A nom parser for one tag, reporting errors through [`Error`] with `base` as the offset.
fn tag_field(id_tech: bool, base: usize) -> impl Fn(&[u8]) -> IResult<&[u8], Tag, Error> {
    move |input: &[u8]| match parse_tag(input, base, id_tech) {
        Ok((tag, n)) => Ok((input.get(n..).unwrap_or_default(), tag)),
        Err(e) => Err(nom::Err::Failure(e)),
    }
}

/// A nom parser for one DOL entry.
fn entry(input: &[u8], id_tech: bool, base: usize) -> IResult<&[u8], DolEntry, Error> {
    let (rest, tag) = tag_field(id_tech, base)(input)?;
    let len_offset = base + (input.len() - rest.len());
    let (rest, length) = be_u8::<_, nom::error::Error<&[u8]>>(rest).map_err(|_| {
        nom::Err::Failure(Error::TruncatedLength {
            offset: len_offset,
            needed: 1,
            available: 0,
        })
    })?;
    Ok((
        rest,
        DolEntry {
            tag,
            length: usize::from(length),
        },
    ))
}

impl nom::error::ParseError<&[u8]> for Error {
    fn from_error_kind(_input: &[u8], _kind: nom::error::ErrorKind) -> Self {
        Error::TruncatedTag { offset: 0 }
    }

    fn append(_input: &[u8], _kind: nom::error::ErrorKind, other: Self) -> Self {
        other
    }
}

impl Iterator for Dol<'_> {
    type Item = Result<DolEntry, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.rest.is_empty() {
            return None;
        }
        let base = self.whole.len() - self.rest.len();
        match entry(self.rest, self.options.id_tech_tags(), base) {
            Ok((rest, e)) => {
                self.rest = rest;
                Some(Ok(e))
            }
            Err(nom::Err::Failure(e) | nom::Err::Error(e)) => {
                self.failed = true;
                Some(Err(e))
            }
            Err(nom::Err::Incomplete(_)) => {
                self.failed = true;
                Some(Err(Error::TruncatedTag { offset: base }))
            }
        }
    }
}

impl core::iter::FusedIterator for Dol<'_> {}

/// Writes the value of `tag` forced to `out.len()` bytes, by EMV's rules (Book 3 5.4):
/// absent values and constructed tags give zeros; `n` keeps the rightmost bytes or pads
/// with `00` on the left; `cn` pads with `FF` on the right; everything else (`b`, `a`, `an`,
/// `ans`, `var`) keeps the leftmost bytes and pads with `00` on the right.
///
/// Text padding is `00`, not spaces (the spec's uncertain point; emv-utils does the same
/// for `b`); this function is the one place that decides it.
pub fn fit_value(tag: Tag, value: Option<&[u8]>, out: &mut [u8]) {
    let want = out.len();
    let value = match value {
        Some(v) if !tag.is_constructed() => v,
        _ => {
            out.fill(0);
            return;
        }
    };
    let format = format_of(tag);
    let have = value.len();
    if have >= want {
        let kept = if format == Format::N {
            value.get(have - want..)
        } else {
            value.get(..want)
        };
        out.copy_from_slice(kept.unwrap_or_default());
        return;
    }
    let pad = want - have;
    let (fill, front) = match format {
        Format::N => (0x00, true),
        Format::Cn => (0xFF, false),
        _ => (0x00, false),
    };
    let (pad_part, value_part) = if front {
        out.split_at_mut(pad)
    } else {
        let (v, p) = out.split_at_mut(have);
        (p, v)
    };
    pad_part.fill(fill);
    value_part.copy_from_slice(value);
}

/// Builds the data a DOL asks for into `out`, returning how many bytes were written.
///
/// # Errors
/// [`DolError::Malformed`] for a broken DOL and [`DolError::OutputTooSmall`] when `out`
/// cannot hold the data (nothing meaningful is written then).
pub fn build_into(
    dol: Dol<'_>,
    source: &(impl TagSource + ?Sized),
    out: &mut [u8],
) -> Result<usize, DolError> {
    let needed = dol.data_len()?;
    if needed > out.len() {
        return Err(DolError::OutputTooSmall {
            needed,
            available: out.len(),
        });
    }
    let mut at = 0;
    for e in dol {
        let e = e?;
        if let Some(slot) = out.get_mut(at..at + e.length) {
            fit_value(e.tag, source.value_of(e.tag), slot);
        }
        at += e.length;
    }
    Ok(at)
}

/// Builds the data a DOL asks for.
///
/// ```
/// use cardpointe_emv::{Dol, Options, Tag, dol};
///
/// let cdol = [0x9F, 0x02, 0x06, 0x5F, 0x2A, 0x02, 0x9F, 0x37, 0x04];
/// let source = [
///     (Tag::new(0x9F02), &[0x12, 0x34][..]),
///     (Tag::new(0x5F2A), &[0x08, 0x40][..]),
/// ];
/// let data = dol::build(Dol::new(&cdol, Options::emv()), &source)?;
/// assert_eq!(data, [0, 0, 0, 0, 0x12, 0x34, 0x08, 0x40, 0, 0, 0, 0]);
/// # Ok::<(), cardpointe_emv::DolError>(())
/// ```
///
/// # Errors
/// [`DolError::Malformed`] for a broken DOL.
#[cfg(feature = "alloc")]
pub fn build(
    dol: Dol<'_>,
    source: &(impl TagSource + ?Sized),
) -> Result<alloc::vec::Vec<u8>, DolError> {
    let mut out = alloc::vec![0u8; dol.data_len()?];
    let n = build_into(dol, source, &mut out)?;
    out.truncate(n);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spec_example_is_built_byte_for_byte() {
        let dol = [
            0x9F, 0x02, 0x06, 0x9F, 0x1A, 0x02, 0x95, 0x05, 0x9F, 0x37, 0x04, 0x5A, 0x0A, 0x9F,
            0x35, 0x02, 0x9F, 0x1E, 0x04,
        ];
        let source = [
            (Tag::new(0x9F02), &[0x00, 0x00, 0x00, 0x00, 0x12, 0x34][..]),
            (Tag::new(0x9F1A), &[0x08, 0x40][..]),
            (Tag::new(0x95), &[0x00, 0x00, 0x00, 0x80, 0x00][..]),
            (Tag::new(0x9F37), &[0x11, 0x22, 0x33, 0x44][..]),
            (
                Tag::new(0x5A),
                &[0x41, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11][..],
            ),
            (Tag::new(0x9F35), &[0x22][..]),
            (Tag::new(0x9F1E), b"12345678"),
        ];
        let expected = [
            0x00, 0x00, 0x00, 0x00, 0x12, 0x34, 0x08, 0x40, 0x00, 0x00, 0x00, 0x80, 0x00, 0x11,
            0x22, 0x33, 0x44, 0x41, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0xFF, 0xFF, 0x00,
            0x22, 0x31, 0x32, 0x33, 0x34,
        ];
        let mut out = [0u8; 64];
        let n = build_into(Dol::new(&dol, Options::emv()), &source, &mut out).unwrap();
        assert_eq!(&out[..n], expected);
        assert_eq!(
            build(Dol::new(&dol, Options::emv()), &source).unwrap(),
            expected
        );
    }

    #[test]
    fn absent_and_constructed_tags_give_zeros_and_n_values_keep_their_right_end() {
        let mut out = [0xAA; 3];
        fit_value(Tag::new(0x9F37), None, &mut out);
        assert_eq!(out, [0, 0, 0]);
        let mut out = [0xAA; 2];
        fit_value(Tag::new(0x70), Some(&[1, 2]), &mut out);
        assert_eq!(out, [0, 0]);
        let mut out = [0; 2];
        fit_value(Tag::new(0x9F02), Some(&[0, 0, 0, 0, 0x12, 0x34]), &mut out);
        assert_eq!(out, [0x12, 0x34]);
        let mut out = [0; 3];
        fit_value(Tag::new(0x9F33), Some(&[0xE0]), &mut out);
        assert_eq!(out, [0xE0, 0, 0]);
        let mut out: [u8; 0] = [];
        fit_value(Tag::new(0x9F33), Some(&[0xE0]), &mut out);
    }

    #[test]
    fn a_truncated_dol_is_an_error_with_its_offset() {
        let dol = [0x9F, 0x02, 0x06, 0x9F];
        let entries: alloc::vec::Vec<_> = Dol::new(&dol, Options::emv()).collect();
        assert_eq!(entries[1], Err(Error::TruncatedTag { offset: 3 }));
        let dol = [0x9F, 0x02, 0x06, 0x95];
        assert_eq!(
            Dol::new(&dol, Options::emv()).data_len(),
            Err(Error::TruncatedLength {
                offset: 4,
                needed: 1,
                available: 0
            })
        );
        let mut out = [0u8; 4];
        assert_eq!(
            build_into(
                Dol::new(&[0x9F, 0x02, 0x06], Options::emv()),
                &[(Tag::new(0x9A), &[][..])],
                &mut out
            ),
            Err(DolError::OutputTooSmall {
                needed: 6,
                available: 4
            })
        );
    }

    #[test]
    fn a_tlv_buffer_serves_as_a_tag_source_first_match_wins() {
        let data = [
            0x77, 0x06, 0x9F, 0x36, 0x02, 0x00, 0x07, 0x00, 0x9F, 0x36, 0x01, 0x09,
        ];
        let src = TlvSource::new(&data, Options::emv());
        assert_eq!(src.value_of(Tag::new(0x9F36)), Some(&[0x00, 0x07][..]));
        assert_eq!(src.value_of(Tag::new(0x9F37)), None);
    }
}
