//! The zero-copy reader: [`Tlv`] borrows from the input, [`Tlvs`] iterates over a buffer.

use core::fmt;

use crate::error::Error;
use crate::options::Options;
use crate::tag::{Tag, is_id_tech_quirk_pair, parse_tag};
use crate::walk::Walker;

/// The ViVOpay Protocol-3 marker byte some readers put between a sensitive tag and its length
/// (`57 A1 13 <masked>`, `57 C1 20 <ciphertext>`); read only with
/// [`Options::with_protocol3_markers`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Marker {
    /// `A1`: the value is a masked copy.
    Masked,
    /// `C1`: the value is ciphertext.
    Encrypted,
}

impl Marker {
    /// The marker byte on the wire.
    #[must_use]
    #[inline]
    pub const fn byte(self) -> u8 {
        match self {
            Marker::Masked => 0xA1,
            Marker::Encrypted => 0xC1,
        }
    }
}

/// One TLV object, borrowed from the input: tag, value and the whole raw encoding.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    raw: &'a [u8],
    offset: usize,
    tag: Tag,
    tag_len: u8,
    header_len: u8,
    /// 0 none, 1 masked, 2 encrypted (decoded by `marker()`; a byte is cheaper to carry).
    marker: u8,
    options: Options,
}

impl<'a> Tlv<'a> {
    /// The tag.
    #[must_use]
    #[inline]
    pub const fn tag(&self) -> Tag {
        self.tag
    }

    /// The tag bytes as they appear in the input.
    #[must_use]
    #[inline]
    pub fn tag_bytes(&self) -> &'a [u8] {
        self.raw
            .get(..usize::from(self.tag_len))
            .unwrap_or_default()
    }

    /// The value bytes (for a constructed object: the encoded children).
    #[must_use]
    #[inline]
    pub fn value(&self) -> &'a [u8] {
        self.raw
            .get(usize::from(self.header_len)..)
            .unwrap_or_default()
    }

    /// The whole object as it appears in the input: tag, marker, length and value.
    #[must_use]
    #[inline]
    pub const fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// The value length in bytes.
    #[must_use]
    #[inline]
    pub const fn len(&self) -> usize {
        self.raw.len() - self.header_len as usize
    }

    /// Whether the value is empty (`5F2D 00` and friends are common in ID TECH output).
    #[must_use]
    #[inline]
    pub const fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the value is a sequence of TLV objects (see [`Tag::is_constructed`]).
    #[must_use]
    #[inline]
    pub const fn is_constructed(&self) -> bool {
        self.tag.is_constructed()
    }

    /// The Protocol-3 marker byte, if one was read.
    #[must_use]
    #[inline]
    pub const fn marker(&self) -> Option<Marker> {
        match self.marker {
            0 => None,
            1 => Some(Marker::Masked),
            _ => Some(Marker::Encrypted),
        }
    }

    /// Where the object (its tag) starts, counted from the start of the outermost buffer.
    #[must_use]
    #[inline]
    pub const fn offset(&self) -> usize {
        self.offset
    }

    /// Where the value starts, counted from the start of the outermost buffer.
    #[must_use]
    #[inline]
    pub const fn value_offset(&self) -> usize {
        self.offset + self.header_len as usize
    }

    /// The options this object was read with (its children are read the same way).
    #[must_use]
    #[inline]
    pub const fn options(&self) -> Options {
        self.options
    }

    /// The objects directly inside the value. Meant for constructed objects; on a primitive
    /// one it reads the value bytes as TLV all the same (some vendor tags hold TLV data).
    #[must_use]
    #[inline]
    pub fn children(&self) -> Tlvs<'a> {
        Tlvs {
            buf: self.value(),
            pos: 0,
            base: self.value_offset(),
            parent: Some(self.tag),
            options: self.options,
            failed: false,
        }
    }

    /// A depth-first walk of every object inside the value (not this object itself).
    #[must_use]
    #[inline]
    pub fn walk(&self) -> Walker<'a> {
        Walker::with_base(self.value(), self.value_offset(), self.options)
    }

    /// The first direct child with `tag`.
    ///
    /// # Errors
    /// The first malformation met before the tag is found.
    pub fn find(&self, tag: Tag) -> Result<Option<Tlv<'a>>, Error> {
        self.children().find_tag(tag)
    }

    /// Reads exactly one object from `buf`; `00` padding may follow it, nothing else.
    ///
    /// # Errors
    /// Any malformation of the object, [`Error::TrailingBytes`] when other bytes follow it,
    /// and [`Error::TruncatedTag`] at offset 0 when `buf` holds only padding.
    pub fn parse_single(buf: &'a [u8], options: Options) -> Result<Tlv<'a>, Error> {
        let mut tlvs = Tlvs::new(buf, options);
        let first = match tlvs.next() {
            Some(r) => r?,
            None => return Err(Error::TruncatedTag { offset: buf.len() }),
        };
        tlvs.skip_padding();
        if tlvs.pos < buf.len() {
            return Err(Error::TrailingBytes {
                offset: tlvs.pos,
                count: buf.len() - tlvs.pos,
            });
        }
        Ok(first)
    }

    /// Reads one object at the start of `buf` (no padding skipped) and returns it with the
    /// bytes after it.
    ///
    /// # Errors
    /// Any malformation of the object.
    pub fn parse_prefix(buf: &'a [u8], options: Options) -> Result<(Tlv<'a>, &'a [u8]), Error> {
        let h = read_header(buf, 0, buf.len(), 0, None, options)?;
        let tlv = h.into_tlv(buf, 0, 0, options);
        Ok((tlv, buf.get(h.end..).unwrap_or_default()))
    }
}

impl fmt::Debug for Tlv<'_> {
    /// Shows tag, offset and length; the value only for tags that carry no card data
    /// (see [`is_sensitive`](crate::is_sensitive)).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Tlv");
        d.field("tag", &self.tag)
            .field("offset", &self.offset)
            .field("len", &self.len());
        if let Some(m) = self.marker() {
            d.field("marker", &m);
        }
        d.field(
            "value",
            &crate::mask::MaskedValue::new(self.tag, self.value()),
        );
        d.finish()
    }
}

/// An iterator over the TLV objects of one buffer (one level: use [`Tlv::children`] or
/// [`Walker`] to go inside). Skips padding; after the first error it yields nothing more.
#[derive(Clone, Debug)]
pub struct Tlvs<'a> {
    buf: &'a [u8],
    pos: usize,
    base: usize,
    parent: Option<Tag>,
    options: Options,
    failed: bool,
}

impl<'a> Tlvs<'a> {
    /// Iterates over the objects of `buf`.
    #[must_use]
    #[inline]
    pub const fn new(buf: &'a [u8], options: Options) -> Self {
        Tlvs {
            buf,
            pos: 0,
            base: 0,
            parent: None,
            options,
            failed: false,
        }
    }

    /// How many bytes have been consumed (objects and padding read so far). After an error
    /// it points at the object that failed.
    #[must_use]
    #[inline]
    pub const fn consumed(&self) -> usize {
        self.pos
    }

    /// The bytes not consumed yet; `consumed() + rest().len()` is always the buffer length.
    #[must_use]
    #[inline]
    pub fn rest(&self) -> &'a [u8] {
        self.buf.get(self.pos..).unwrap_or_default()
    }

    /// The first object with `tag` at this level.
    ///
    /// # Errors
    /// The first malformation met before the tag is found.
    pub fn find_tag(self, tag: Tag) -> Result<Option<Tlv<'a>>, Error> {
        for item in self {
            let tlv = item?;
            if tlv.tag == tag {
                return Ok(Some(tlv));
            }
        }
        Ok(None)
    }

    fn skip_padding(&mut self) {
        while let Some(&b) = self.buf.get(self.pos) {
            if !self.options.is_padding(b) {
                break;
            }
            self.pos += 1;
        }
    }
}

impl<'a> Iterator for Tlvs<'a> {
    type Item = Result<Tlv<'a>, Error>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        self.skip_padding();
        if self.pos >= self.buf.len() {
            return None;
        }
        match read_header(
            self.buf,
            self.pos,
            self.buf.len(),
            self.base,
            self.parent,
            self.options,
        ) {
            Ok(h) => {
                let tlv = h.into_tlv(self.buf, self.pos, self.base, self.options);
                self.pos = h.end;
                Some(Ok(tlv))
            }
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}

impl core::iter::FusedIterator for Tlvs<'_> {}

/// A decoded object header: everything but the value bytes.
#[derive(Clone, Copy)]
pub(crate) struct Header {
    pub(crate) tag: Tag,
    /// Tag length in the low byte, marker code (0 none, 1 masked, 2 encrypted) above it,
    /// the constructed flag in bit 16;
    /// one full-width field, so that the header moves through registers and memory without
    /// partial stores (a byte-sized field here cost the walker a third of its speed).
    meta: u32,
    /// Index (in the buffer) where the value starts.
    pub(crate) value_start: usize,
    /// Index (in the buffer) just past the value.
    pub(crate) end: usize,
}

impl Header {
    /// Whether the object is constructed (see [`Tag::is_constructed`]).
    #[inline(always)]
    pub(crate) const fn is_constructed(&self) -> bool {
        self.meta & 0x1_0000 != 0
    }

    #[inline]
    pub(crate) fn into_tlv<'a>(
        self,
        buf: &'a [u8],
        start: usize,
        base: usize,
        options: Options,
    ) -> Tlv<'a> {
        self.at(start).into_object(
            buf.get(start..self.end).unwrap_or_default(),
            base + start,
            options,
        )
    }

    /// The same header with its indices counted from `start` (where the object starts)
    /// instead of from the start of the buffer.
    #[inline(always)]
    pub(crate) const fn at(self, start: usize) -> Header {
        Header {
            value_start: self.value_start - start,
            end: self.end - start,
            ..self
        }
    }

    /// The same header with its indices counted from `start` positions earlier (the
    /// inverse of [`Header::at`]).
    #[inline(always)]
    const fn shifted(self, start: usize) -> Header {
        Header {
            value_start: self.value_start + start,
            end: self.end + start,
            ..self
        }
    }

    /// The object whose header this is, given all of its bytes (`raw`, header and value; the
    /// header's indices counted from the start of `raw`) and where it starts in the outermost
    /// input.
    #[inline(always)]
    pub(crate) fn into_object(self, raw: &[u8], offset: usize, options: Options) -> Tlv<'_> {
        Tlv {
            raw,
            tag: self.tag,
            tag_len: (self.meta & 0xFF) as u8,
            // Tag (<= 4) + marker (<= 1) + length field (<= 5): fits a u8.
            header_len: self.value_start as u8,
            marker: ((self.meta >> 8) & 0xFF) as u8,
            offset,
            options,
        }
    }
}

/// Reads the header of the object starting at `buf[start]`, checking that its value ends
/// by `limit` (at most `buf.len()`). `base` is the absolute offset of `buf[0]`; `parent` is
/// the enclosing constructed object whose value ends at `limit`, if any (for
/// [`Error::ChildOverrunsParent`]).
#[inline(always)]
pub(crate) fn read_header(
    buf: &[u8],
    start: usize,
    limit: usize,
    base: usize,
    parent: Option<Tag>,
    options: Options,
) -> Result<Header, Error> {
    let rest = buf.get(start..limit).unwrap_or_default();
    match plain_object(rest, options) {
        Some((h, ..)) => Ok(h.shifted(start)),
        None => read_header_slow(rest, start, base, parent, options),
    }
}

/// The object at the start of `rest` (the bytes left in its level), read inline when its
/// header is the common case: a 1- to 3-byte tag, no Protocol-3 marker, a length of one byte
/// or `81 xx` / `82 xx xx`, a value that fits in `rest`, and at least four bytes in `rest`
/// (so that the tag and the length's first byte are read with one bounds check). Returns the
/// header (indices counted from the start of `rest`), the object's bytes and the bytes after
/// it. `None` sends everything else (padding, the ID TECH quirk tags, 4-byte tags, `83`/`84`
/// lengths, markers, objects of two or three bytes at the end of their level, malformations)
/// to [`read_header_slow`], which reads the same bytes the same way.
///
/// No option changes the objects this accepts: a tag's first byte `00` (always padding) and
/// `FF` under `FF` padding are refused, the ID TECH quirk pairs are refused when that dialect
/// is on, and a length byte of `00..7F`, `81` or `82` is never a Protocol-3 marker (`A1`/`C1`).
#[inline(always)]
pub(crate) fn plain_object(rest: &[u8], options: Options) -> Option<(Header, &[u8], &[u8])> {
    // The first four bytes, little-endian (byte `i` is bits `8 * i..`): the tag is their first
    // one to three bytes, the length field starts right after it.
    let w = u32::from_le_bytes(*rest.first_chunk::<4>()?);
    let t0 = w as u8;
    // (tag, tag length, the length field's first byte)
    let (tag, tag_len, first) = if t0 & 0x1F != 0x1F {
        if t0 == 0 {
            return None;
        }
        (u32::from(t0), 1, (w >> 8) as u8)
    } else {
        // `FF` filler, and the ID TECH quirk pairs (whose second byte has b8 set, so they
        // would otherwise read as the start of a 3-byte tag).
        if t0 == 0xFF
            && (options.is_padding(0xFF)
                || (options.id_tech_tags() && is_id_tech_quirk_pair(t0, (w >> 8) as u8)))
        {
            return None;
        }
        if w & 0x8000 == 0 {
            (u32::from((w as u16).swap_bytes()), 2, (w >> 16) as u8)
        } else if w & 0x0080_0000 == 0 {
            (w.swap_bytes() >> 8, 3, (w >> 24) as u8)
        } else {
            return None;
        }
    };
    let (header_len, length) = if first < 0x80 {
        (tag_len + 1, usize::from(first))
    } else if first == 0x81 {
        (tag_len + 2, usize::from(*rest.get(tag_len + 1)?))
    } else if first == 0x82 {
        let &[b0, b1] = rest.get(tag_len + 1..tag_len + 3)? else {
            return None;
        };
        (tag_len + 3, usize::from(u16::from_be_bytes([b0, b1])))
    } else {
        return None;
    };
    let (raw, after) = rest.split_at_checked(header_len + length)?;
    Some((
        Header {
            tag: Tag::new(tag),
            // No marker; a plain tag is constructed exactly when its first byte says so.
            meta: tag_len as u32 | (u32::from(t0 & 0x20 != 0) << 16),
            value_start: header_len,
            end: raw.len(),
        },
        raw,
        after,
    ))
}

#[inline(always)]
#[allow(
    clippy::too_many_arguments,
    reason = "an inlined helper of read_header"
)]
fn finish_header(
    rest: &[u8],
    start: usize,
    base: usize,
    parent: Option<Tag>,
    tag: Tag,
    tag_len: usize,
    marker: Option<Marker>,
    header_len: usize,
    length: usize,
) -> Result<Header, Error> {
    let available = rest.len() - header_len;
    if length > available {
        return Err(value_overrun(
            start,
            base,
            rest.len(),
            parent,
            tag,
            length,
            available,
        ));
    }
    let marker_code = match marker {
        None => 0,
        Some(Marker::Masked) => 1,
        Some(Marker::Encrypted) => 2,
    };
    let constructed = if tag_len == 1 {
        tag.value() & 0x20 != 0
    } else {
        tag.is_constructed()
    };
    Ok(Header {
        tag,
        meta: tag_len as u32 | (marker_code << 8) | (u32::from(constructed) << 16),
        value_start: start + header_len,
        end: start + header_len + length,
    })
}

#[cold]
#[inline(never)]
fn value_overrun(
    start: usize,
    base: usize,
    rest_len: usize,
    parent: Option<Tag>,
    tag: Tag,
    length: usize,
    available: usize,
) -> Error {
    let offset = base + start;
    match parent {
        Some(parent) => Error::ChildOverrunsParent {
            offset,
            tag,
            parent,
            parent_end: base + start + rest_len,
            length,
            available,
        },
        None => Error::TruncatedValue {
            offset,
            tag,
            length,
            available,
        },
    }
}

#[inline(never)]
fn read_header_slow(
    rest: &[u8],
    start: usize,
    base: usize,
    parent: Option<Tag>,
    options: Options,
) -> Result<Header, Error> {
    let (tag, tag_len) = parse_tag(rest, base + start, options.id_tech_tags())?;
    let mut i = tag_len;
    let mut marker = None;
    if options.protocol3_markers() {
        match rest.get(i) {
            Some(0xA1) => marker = Some(Marker::Masked),
            Some(0xC1) => marker = Some(Marker::Encrypted),
            _ => {}
        }
        if marker.is_some() {
            i += 1;
        }
    }
    let len_offset = base + start + i;
    let Some(&first) = rest.get(i) else {
        return Err(Error::TruncatedLength {
            offset: len_offset,
            needed: 1,
            available: 0,
        });
    };
    i += 1;
    let length = if first < 0x80 {
        usize::from(first)
    } else if first == 0x80 {
        return Err(Error::IndefiniteLength { offset: len_offset });
    } else {
        let n = usize::from(first & 0x7F);
        if n > 4 {
            return Err(Error::LengthTooLong {
                offset: len_offset,
                first,
            });
        }
        let Some(bytes) = rest.get(i..i + n) else {
            return Err(Error::TruncatedLength {
                offset: len_offset,
                needed: 1 + n,
                available: rest.len() - (i - 1),
            });
        };
        i += n;
        let mut v: u32 = 0;
        for &b in bytes {
            v = (v << 8) | u32::from(b);
        }
        usize::try_from(v).map_err(|_| Error::LengthTooLong {
            offset: len_offset,
            first,
        })?
    };
    finish_header(rest, start, base, parent, tag, tag_len, marker, i, length)
}

/// Iterates over the top-level objects of `buf` read as plain EMV.
#[must_use]
#[inline]
pub fn parse(buf: &[u8]) -> Tlvs<'_> {
    Tlvs::new(buf, Options::emv())
}
