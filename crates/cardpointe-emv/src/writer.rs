//! The writer: TLV with minimal (canonical) lengths, from an [`Encoder`] or an owned [`Node`]
//! tree. The header helpers need no heap; the rest needs the `alloc` feature.

#[cfg(feature = "alloc")]
use alloc::vec::Vec;
#[cfg(feature = "alloc")]
use core::fmt;

#[cfg(feature = "alloc")]
use crate::error::Error;
#[cfg(feature = "alloc")]
use crate::mask::MaskedValue;
#[cfg(feature = "alloc")]
use crate::options::Options;
use crate::tag::{MAX_TAG_LEN, Tag};

/// The longest header [`encode_header`] writes: a 4-byte tag and a 5-byte length field.
pub const MAX_HEADER_LEN: usize = MAX_TAG_LEN + 5;

/// A value too long to encode: lengths stop at four length bytes (`84`), just under 4 GiB.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "cannot encode a value of {length} bytes: BER lengths here stop at 4 length bytes (4 GiB - 1)"
)]
#[non_exhaustive]
pub struct EncodeError {
    /// The value length that did not fit.
    pub length: usize,
}

/// How many bytes the minimal length field for `len` takes (1 for 0..=127, then `81`..`84`).
#[must_use]
pub const fn length_field_len(len: usize) -> usize {
    if len < 0x80 {
        1
    } else if len <= 0xFF {
        2
    } else if len <= 0xFFFF {
        3
    } else if len <= 0xFF_FFFF {
        4
    } else {
        5
    }
}

/// Encodes the header (tag, then the minimal length field) of an object with a `len`-byte
/// value into a fixed array, returning it with the count of bytes used. Needs no heap.
///
/// # Errors
/// [`EncodeError`] when `len` does not fit four length bytes.
pub fn encode_header(tag: Tag, len: usize) -> Result<([u8; MAX_HEADER_LEN], usize), EncodeError> {
    let mut out = [0u8; MAX_HEADER_LEN];
    let (tag_bytes, tag_len) = tag.to_bytes();
    let len32 = u32::try_from(len).map_err(|_| EncodeError { length: len })?;
    let n = length_field_len(len);
    let mut field = [0u8; 5];
    if n == 1 {
        field[0] = len32 as u8;
    } else {
        field[0] = 0x80 | (n - 1) as u8;
        let be = len32.to_be_bytes();
        for (dst, src) in field.iter_mut().skip(1).zip(be.iter().skip(5 - n)) {
            *dst = *src;
        }
    }
    let parts = tag_bytes.iter().take(tag_len).chain(field.iter().take(n));
    for (dst, src) in out.iter_mut().zip(parts) {
        *dst = *src;
    }
    Ok((out, tag_len + n))
}

/// Appends one primitive TLV (tag, minimal length field, value) to `out`: the one TLV writer
/// that code building frames or answers byte by byte calls. Lengths of any size up to 4 GiB - 1
/// take their minimal BER form (`nn`, `81 nn`, `82 nnnn`, `83 nnnnnn`, `84 nnnnnnnn`).
///
/// ```
/// use cardpointe_emv::{Options, Tag, Tlv, write_primitive};
///
/// let mut out = vec![0x00]; // whatever precedes the TLVs
/// write_primitive(&mut out, Tag::new(0x9F02), &[0, 0, 0, 0, 0x12, 0x34])?;
/// write_primitive(&mut out, Tag::new(0xDFEE23), &vec![0xAB; 70_000])?;
/// assert_eq!(&out[1..10], &[0x9F, 0x02, 0x06, 0, 0, 0, 0, 0x12, 0x34]);
/// assert_eq!(&out[10..16], &[0xDF, 0xEE, 0x23, 0x83, 0x01, 0x11]); // 0x011170 = 70,000
/// # Ok::<(), cardpointe_emv::EncodeError>(())
/// ```
///
/// # Errors
/// [`EncodeError`] when the value is too long to encode; `out` is then unchanged.
#[cfg(feature = "alloc")]
pub fn write_primitive(out: &mut Vec<u8>, tag: Tag, value: &[u8]) -> Result<(), EncodeError> {
    let (header, n) = encode_header(tag, value.len())?;
    out.reserve(n + value.len());
    out.extend_from_slice(header.get(..n).unwrap_or_default());
    out.extend_from_slice(value);
    Ok(())
}

/// Builds TLV data into a `Vec<u8>`, nested templates included, with minimal lengths.
///
/// ```
/// use cardpointe_emv::{Encoder, Tag};
///
/// let mut enc = Encoder::new();
/// enc.constructed(Tag::new(0x77), |e| {
///     e.primitive(Tag::new(0x9F27), &[0x80])?;
///     e.primitive(Tag::new(0x9F36), &[0x00, 0x01])?;
///     Ok(())
/// })?;
/// assert_eq!(
///     enc.into_bytes(),
///     [0x77, 0x09, 0x9F, 0x27, 0x01, 0x80, 0x9F, 0x36, 0x02, 0x00, 0x01]
/// );
/// # Ok::<(), cardpointe_emv::EncodeError>(())
/// ```
#[cfg(feature = "alloc")]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Encoder {
    buf: Vec<u8>,
}

#[cfg(feature = "alloc")]
impl Encoder {
    /// An empty encoder.
    #[must_use]
    pub const fn new() -> Self {
        Encoder { buf: Vec::new() }
    }

    /// Appends a primitive object.
    ///
    /// # Errors
    /// [`EncodeError`] when the value is too long to encode.
    pub fn primitive(&mut self, tag: Tag, value: &[u8]) -> Result<&mut Self, EncodeError> {
        write_primitive(&mut self.buf, tag, value)?;
        Ok(self)
    }

    /// Appends a constructed object whose children `content` writes.
    ///
    /// # Errors
    /// What `content` returns, or [`EncodeError`] when the children are too long.
    pub fn constructed<F>(&mut self, tag: Tag, content: F) -> Result<&mut Self, EncodeError>
    where
        F: FnOnce(&mut Encoder) -> Result<(), EncodeError>,
    {
        let start = self.buf.len();
        content(self)?;
        let len = self.buf.len() - start;
        let (header, n) = encode_header(tag, len)?;
        self.buf.splice(
            start..start,
            header.get(..n).unwrap_or_default().iter().copied(),
        );
        Ok(self)
    }

    /// The bytes written so far.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf
    }

    /// The encoded bytes.
    #[must_use]
    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }
}

/// An owned TLV tree: a tag with either a value or child nodes. Values are zeroed on drop,
/// and `Debug` masks card data.
#[cfg(feature = "alloc")]
#[derive(Clone, PartialEq, Eq)]
pub struct Node {
    tag: Tag,
    content: Content,
}

/// What a [`Node`] holds.
#[cfg(feature = "alloc")]
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum Content {
    /// The value bytes of a primitive object.
    Primitive(Vec<u8>),
    /// The children of a constructed object.
    Constructed(Vec<Node>),
}

#[cfg(feature = "alloc")]
impl Node {
    /// A primitive node.
    #[must_use]
    pub fn primitive(tag: Tag, value: impl Into<Vec<u8>>) -> Self {
        Node {
            tag,
            content: Content::Primitive(value.into()),
        }
    }

    /// A constructed node.
    #[must_use]
    pub fn constructed(tag: Tag, children: Vec<Node>) -> Self {
        Node {
            tag,
            content: Content::Constructed(children),
        }
    }

    /// The tag.
    #[must_use]
    pub const fn tag(&self) -> Tag {
        self.tag
    }

    /// The content.
    #[must_use]
    pub const fn content(&self) -> &Content {
        &self.content
    }

    /// The value bytes of a primitive node.
    #[must_use]
    pub fn value(&self) -> Option<&[u8]> {
        match &self.content {
            Content::Primitive(v) => Some(v),
            Content::Constructed(_) => None,
        }
    }

    /// The children of a constructed node (empty for a primitive one).
    #[must_use]
    pub fn children(&self) -> &[Node] {
        match &self.content {
            Content::Primitive(_) => &[],
            Content::Constructed(c) => c,
        }
    }

    /// Reads every top-level object of `buf` into owned trees. Constructed tags become
    /// constructed nodes, so `Node::decode_all(&encode_all(&nodes)) == nodes` for trees
    /// built that way. Builds without recursion; the depth limit is the walker's default.
    ///
    /// # Errors
    /// The first malformation (see [`Walker`](crate::Walker)).
    pub fn decode_all(buf: &[u8], options: Options) -> Result<Vec<Node>, Error> {
        // Open constructed nodes, innermost last, each with its depth.
        let mut open: Vec<(usize, Node)> = Vec::new();
        let mut top = Vec::new();
        for visit in crate::walk::Walker::new(buf, options) {
            let visit = visit?;
            close_to(&mut open, &mut top, visit.depth);
            let tlv = visit.tlv;
            if tlv.is_constructed() {
                open.push((visit.depth, Node::constructed(tlv.tag(), Vec::new())));
            } else {
                attach(&mut open, &mut top, Node::primitive(tlv.tag(), tlv.value()));
            }
        }
        close_to(&mut open, &mut top, 0);
        Ok(top)
    }

    /// The length of this node's encoding.
    #[must_use]
    pub fn encoded_len(&self) -> usize {
        let v = self.value_len();
        self.tag.len() + length_field_len(v) + v
    }

    fn value_len(&self) -> usize {
        match &self.content {
            Content::Primitive(v) => v.len(),
            Content::Constructed(c) => c.iter().map(Node::encoded_len).sum(),
        }
    }

    /// Appends this node's encoding (minimal lengths) to `out`.
    ///
    /// # Errors
    /// [`EncodeError`] when a value is too long to encode.
    pub fn encode_into(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let (header, n) = encode_header(self.tag, self.value_len())?;
        out.extend_from_slice(header.get(..n).unwrap_or_default());
        match &self.content {
            Content::Primitive(v) => out.extend_from_slice(v),
            Content::Constructed(children) => {
                for c in children {
                    c.encode_into(out)?;
                }
            }
        }
        Ok(())
    }

    /// This node's encoding.
    ///
    /// # Errors
    /// [`EncodeError`] when a value is too long to encode.
    pub fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::with_capacity(self.encoded_len());
        self.encode_into(&mut out)?;
        Ok(out)
    }
}

/// Encodes a sequence of nodes back to back.
///
/// # Errors
/// [`EncodeError`] when a value is too long to encode.
#[cfg(feature = "alloc")]
pub fn encode_all(nodes: &[Node]) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::with_capacity(nodes.iter().map(Node::encoded_len).sum());
    for n in nodes {
        n.encode_into(&mut out)?;
    }
    Ok(out)
}

#[cfg(feature = "alloc")]
fn attach(open: &mut [(usize, Node)], top: &mut Vec<Node>, node: Node) {
    match open.last_mut() {
        Some((_, parent)) => {
            if let Content::Constructed(c) = &mut parent.content {
                c.push(node);
            }
        }
        None => top.push(node),
    }
}

/// Closes every open node at `depth` or deeper, attaching each to its parent.
#[cfg(feature = "alloc")]
fn close_to(open: &mut Vec<(usize, Node)>, top: &mut Vec<Node>, depth: usize) {
    while open.last().is_some_and(|(d, _)| *d >= depth) {
        if let Some((_, node)) = open.pop() {
            attach(open, top, node);
        }
    }
}

#[cfg(feature = "alloc")]
impl Drop for Node {
    fn drop(&mut self) {
        if let Content::Primitive(v) = &mut self.content {
            zeroize::Zeroize::zeroize(v);
        }
    }
}

#[cfg(feature = "alloc")]
impl fmt::Debug for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.content {
            Content::Primitive(v) => write!(f, "{} {:?}", self.tag, MaskedValue::new(self.tag, v)),
            Content::Constructed(c) => f.debug_map().entry(&self.tag, c).finish(),
        }
    }
}

#[cfg(feature = "alloc")]
impl<'a> TryFrom<crate::reader::Tlv<'a>> for Node {
    type Error = Error;

    /// The owned tree of one borrowed object (constructed ones read in full).
    fn try_from(tlv: crate::reader::Tlv<'a>) -> Result<Self, Error> {
        if !tlv.is_constructed() {
            return Ok(Node::primitive(tlv.tag(), tlv.value()));
        }
        let children = Node::decode_all(tlv.value(), tlv.options())?;
        Ok(Node::constructed(tlv.tag(), children))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn lengths_are_minimal_at_every_boundary() {
        for (len, field) in [
            (0usize, vec![0x00]),
            (127, vec![0x7F]),
            (128, vec![0x81, 0x80]),
            (255, vec![0x81, 0xFF]),
            (256, vec![0x82, 0x01, 0x00]),
            (65_535, vec![0x82, 0xFF, 0xFF]),
            (65_536, vec![0x83, 0x01, 0x00, 0x00]),
            (16_777_216, vec![0x84, 0x01, 0x00, 0x00, 0x00]),
        ] {
            let (h, n) = encode_header(Tag::new(0x9F02), len).unwrap();
            assert_eq!(&h[2..n], field.as_slice(), "{len}");
            assert_eq!(n, 2 + length_field_len(len));
        }
    }

    #[test]
    fn a_70000_byte_value_is_written_with_83_and_read_back_whole() {
        let value: Vec<u8> = (0..70_000u32).map(|i| (i % 251) as u8).collect();
        for options in [Options::emv(), Options::id_tech()] {
            let mut out = vec![0xEE];
            write_primitive(&mut out, Tag::new(0xDFEE23), &value).unwrap();
            write_primitive(&mut out, Tag::new(0x9C), &[0x00]).unwrap();
            assert_eq!(&out[1..8], &[0xDF, 0xEE, 0x23, 0x83, 0x01, 0x11, 0x70]);
            let (tlv, rest) = crate::Tlv::parse_prefix(&out[1..], options).unwrap();
            assert_eq!(tlv.tag(), Tag::new(0xDFEE23));
            assert_eq!(tlv.value(), value.as_slice());
            assert_eq!(rest, &[0x9C, 0x01, 0x00]);
        }
    }

    #[test]
    fn every_length_form_round_trips_through_the_reader() {
        for len in [
            0usize, 127, 128, 255, 256, 65_535, 65_536, 16_777_215, 16_777_216,
        ] {
            let value = vec![0x5A; len];
            let mut out = Vec::new();
            write_primitive(&mut out, Tag::new(0x86), &value).unwrap();
            assert_eq!(out.len(), 1 + length_field_len(len) + len, "{len}");
            let (tlv, rest) = crate::Tlv::parse_prefix(&out, Options::emv()).unwrap();
            assert_eq!((tlv.value().len(), rest.len()), (len, 0), "{len}");
        }
    }

    #[test]
    fn nested_trees_survive_encode_then_decode() {
        let tree = vec![
            Node::constructed(
                Tag::new(0x70),
                vec![
                    Node::primitive(Tag::new(0x5F24), vec![0x25, 0x12, 0x31]),
                    Node::constructed(Tag::new(0xBF0C), vec![]),
                    Node::primitive(Tag::new(0x86), vec![0xAB; 300]),
                ],
            ),
            Node::primitive(Tag::new(0x9C), vec![]),
        ];
        let bytes = encode_all(&tree).unwrap();
        assert_eq!(bytes.len(), tree.iter().map(Node::encoded_len).sum());
        assert_eq!(Node::decode_all(&bytes, Options::emv()).unwrap(), tree);
    }

    #[test]
    fn debug_of_an_owned_pan_is_masked() {
        let n = Node::primitive(
            Tag::new(0x5A),
            vec![0x41, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11],
        );
        let s = alloc::format!("{n:?}");
        assert_eq!(s, "5A 411111******1111");
    }
}
