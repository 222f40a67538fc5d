//! Properties: arbitrary TLV trees survive encode -> decode, and truncating any valid
//! encoding at any byte gives an error or a shorter valid parse, never a panic.

use cardpointe_emv::{Error, Node, Options, Padding, Tag, Tlvs, Walker, encode_all};
use proptest::prelude::*;

/// A tag of 1 to 3 bytes with the given constructed bit, valid under BER (never a first
/// byte of 00, which is padding).
fn tag(constructed: bool) -> impl Strategy<Value = Tag> {
    let cbit = if constructed { 0x20u8 } else { 0 };
    prop_oneof![
        // One byte: class (2 bits), number 0..=30 (not 31, which means "more bytes").
        (0u8..4, 0u8..31).prop_filter_map("00 is padding", move |(class, n)| {
            let b = (class << 6) | cbit | n;
            (b != 0).then(|| Tag::new(u32::from(b)))
        }),
        // Two bytes: first byte ends in 1F, second has b8 = 0.
        (0u8..4, 0u8..0x80).prop_map(move |(class, n)| {
            Tag::new((u32::from((class << 6) | cbit | 0x1F) << 8) | u32::from(n))
        }),
        // Three bytes: first ends in 1F, middle has b8 = 1, last has b8 = 0.
        (0u8..4, 0x80u8..=0xFF, 0u8..0x80).prop_map(move |(class, m, n)| {
            Tag::new(
                (u32::from((class << 6) | cbit | 0x1F) << 16) | (u32::from(m) << 8) | u32::from(n),
            )
        }),
    ]
}

fn node() -> impl Strategy<Value = Node> {
    let leaf = (tag(false), prop::collection::vec(any::<u8>(), 0..300))
        .prop_map(|(t, v)| Node::primitive(t, v));
    leaf.prop_recursive(6, 64, 6, |inner| {
        (tag(true), prop::collection::vec(inner, 0..6))
            .prop_map(|(t, children)| Node::constructed(t, children))
    })
}

/// One visited object: depth, offset, tag, value length.
type Seen = (usize, usize, Tag, usize);

/// Pre-order (depth, offset, tag, length) of every object, by recursion over `children()`,
/// which uses only the general header reader: the reference for the walker's fast path.
fn recursive(tlvs: Tlvs<'_>, depth: usize, out: &mut Vec<Seen>) -> Result<(), Error> {
    for item in tlvs {
        let tlv = item?;
        out.push((depth, tlv.offset(), tlv.tag(), tlv.len()));
        if tlv.is_constructed() && !tlv.is_empty() {
            recursive(tlv.children(), depth + 1, out)?;
        }
    }
    Ok(())
}

fn walked(buf: &[u8], options: Options) -> (Vec<Seen>, Option<Error>) {
    let mut out = Vec::new();
    for visit in Walker::new(buf, options) {
        match visit {
            Ok(v) => out.push((v.depth, v.tlv.offset(), v.tlv.tag(), v.tlv.len())),
            Err(e) => return (out, Some(e)),
        }
    }
    (out, None)
}

fn options() -> impl Strategy<Value = Options> {
    prop_oneof![
        Just(Options::emv()),
        Just(Options::id_tech()),
        Just(Options::id_tech().with_protocol3_markers(true)),
        Just(Options::emv().with_padding(Padding::ZeroAndFf)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_trees_survive_encode_then_decode(nodes in prop::collection::vec(node(), 0..4)) {
        let bytes = encode_all(&nodes).unwrap();
        prop_assert_eq!(bytes.len(), nodes.iter().map(Node::encoded_len).sum::<usize>());
        let back = Node::decode_all(&bytes, Options::emv()).unwrap();
        prop_assert_eq!(&back, &nodes);
        prop_assert_eq!(encode_all(&back).unwrap(), bytes);
    }

    #[test]
    fn truncating_a_valid_encoding_anywhere_never_panics(
        nodes in prop::collection::vec(node(), 1..3),
        cut in any::<prop::sample::Index>(),
    ) {
        let bytes = encode_all(&nodes).unwrap();
        let full = Walker::new(&bytes, Options::emv()).count_all().unwrap();
        let at = cut.index(bytes.len());
        let short = &bytes[..at];
        match Walker::new(short, Options::emv()).count_all() {
            // A shorter valid parse: whole top-level objects only, so fewer of them.
            Ok(n) => {
                prop_assert!(n <= full);
                let tops = Tlvs::new(short, Options::emv()).count();
                prop_assert!(tops < nodes.len() || at == bytes.len());
            }
            Err(e) => prop_assert!(e.offset() <= at),
        }
        // The owned decoder agrees and does not panic either.
        let owned = Node::decode_all(short, Options::emv());
        if let Ok(prefix) = owned {
            prop_assert!(prefix.len() < nodes.len() || at == bytes.len());
            prop_assert_eq!(&prefix[..], &nodes[..prefix.len()]);
        }
    }

    #[test]
    fn the_walker_agrees_with_a_recursive_reading_of_any_bytes(
        bytes in prop::collection::vec(any::<u8>(), 0..60),
        options in options(),
    ) {
        let mut reference = Vec::new();
        let expected = recursive(Tlvs::new(&bytes, options), 0, &mut reference);
        let (seen, error) = walked(&bytes, options);
        prop_assert_eq!(seen, reference);
        prop_assert_eq!(error, expected.err());
    }

    #[test]
    fn the_walker_agrees_with_a_recursive_reading_of_damaged_trees(
        nodes in prop::collection::vec(node(), 1..3),
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
        options in options(),
    ) {
        let mut bytes = encode_all(&nodes).unwrap();
        let i = at.index(bytes.len());
        bytes[i] = byte;
        let mut reference = Vec::new();
        let expected = recursive(Tlvs::new(&bytes, options), 0, &mut reference);
        let (seen, error) = walked(&bytes, options);
        // The walker stops at its depth limit; the recursion has none.
        if !matches!(error, Some(Error::TooDeep { .. })) {
            prop_assert_eq!(seen, reference);
            prop_assert_eq!(error, expected.err());
        }
    }
}
