//! Invariants of `cardpointe-emv`: the TLV reader and walker, the writer round trip, DOLs.

use cardpointe_emv::dol::{build, build_into};
use cardpointe_emv::{
    Dol, Node, Options, Padding, TagSource, TlvSource, Tlvs, Walker, encode_all, length_field_len,
    print,
};

/// Every way the fuzzer's bytes are read.
const READINGS: [Options; 4] = [
    Options::emv(),
    Options::id_tech(),
    Options::id_tech().with_protocol3_markers(true),
    Options::emv().with_padding(Padding::ZeroAndFf),
];

/// `tlv_walk`: reading any bytes never panics; every object borrows exactly the bytes at its
/// offset; consumed + rest = input; a walk without error consumes everything; the tree
/// printer and the owned-tree builder cope with anything.
pub fn tlv_walk(data: &[u8]) {
    for options in READINGS {
        let mut top = Tlvs::new(data, options);
        for item in top.by_ref() {
            let Ok(tlv) = item else { break };
            assert_eq!(
                data.get(tlv.offset()..tlv.offset() + tlv.raw().len()),
                Some(tlv.raw())
            );
            // Children may fail; they must not panic.
            let _ = tlv.children().count();
        }
        assert_eq!(top.consumed() + top.rest().len(), data.len());

        let mut walker = Walker::new(data, options);
        let mut failed = false;
        for item in walker.by_ref() {
            match item {
                Ok(visit) => {
                    let tlv = visit.tlv;
                    let at = tlv.offset();
                    assert_eq!(data.get(at..at + tlv.raw().len()), Some(tlv.raw()));
                    assert_eq!(tlv.value_offset() + tlv.len(), at + tlv.raw().len());
                    assert!(tlv.raw().starts_with(tlv.tag_bytes()));
                    assert!(visit.depth <= walker_depth_limit());
                }
                Err(e) => {
                    assert!(e.offset() <= data.len(), "{e}");
                    failed = true;
                }
            }
        }
        assert_eq!(walker.consumed() + walker.rest().len(), data.len());
        if !failed {
            assert_eq!(
                walker.consumed(),
                data.len(),
                "a clean walk consumes everything"
            );
        }
        let _ = print::tree(data, options).to_string();
    }
}

const fn walker_depth_limit() -> usize {
    cardpointe_emv::DEFAULT_MAX_DEPTH
}

/// Whether `data` is canonical TLV as the writer would produce it: no padding anywhere,
/// minimal length fields, no Protocol-3 markers.
fn is_canonical(data: &[u8], options: Options) -> bool {
    let mut expected = 0;
    for item in Walker::new(data, options) {
        let Ok(visit) = item else { return false };
        let tlv = visit.tlv;
        let header = tlv.raw().len() - tlv.len();
        if tlv.offset() != expected
            || header != tlv.tag_bytes().len() + length_field_len(tlv.len())
            || tlv.marker().is_some()
        {
            return false;
        }
        expected = if tlv.is_constructed() && !tlv.is_empty() {
            tlv.value_offset()
        } else {
            tlv.offset() + tlv.raw().len()
        };
    }
    expected == data.len()
}

/// `tlv_roundtrip`: whatever parses into owned trees re-encodes to bytes that decode to the
/// same trees, and canonical input re-encodes to exactly itself.
pub fn tlv_roundtrip(data: &[u8]) {
    for options in [Options::emv(), Options::id_tech()] {
        let Ok(nodes) = Node::decode_all(data, options) else {
            continue;
        };
        let bytes = encode_all(&nodes).expect("fuzz inputs are far below 4 GiB");
        assert_eq!(
            Node::decode_all(&bytes, options).as_ref(),
            Ok(&nodes),
            "decode(encode(x)) == x"
        );
        assert!(
            is_canonical(&bytes, options),
            "the writer's output is canonical"
        );
        if is_canonical(data, options) {
            assert_eq!(bytes, data, "canonical input re-encodes to itself");
        }
    }
}

/// `dol`: any bytes read as a DOL never panic; the data built has exactly the length the
/// DOL asks for, from any source; absent tags give zeros.
pub fn dol(data: &[u8]) {
    for options in [Options::emv(), Options::id_tech()] {
        let dol = Dol::new(data, options);
        let Ok(len) = dol.data_len() else {
            assert!(build(dol, &TlvSource::new(data, options)).is_err());
            continue;
        };
        let from_tlv = build(dol, &TlvSource::new(data, options)).expect("a valid DOL builds");
        assert_eq!(from_tlv.len(), len);
        let none: [(cardpointe_emv::Tag, &[u8]); 0] = [];
        let zeros = build(dol, &none).expect("a valid DOL builds");
        assert!(zeros.iter().all(|b| *b == 0), "absent tags give zeros");
        let mut small = vec![0u8; len.saturating_sub(1)];
        if len > 0 {
            assert!(build_into(dol, &none, &mut small).is_err());
        }
        // Every entry's own value, served back, comes out unchanged when lengths match.
        for entry in dol.flatten() {
            let value = vec![0x12u8; entry.length];
            let src = [(entry.tag, value.as_slice())];
            assert_eq!(src.value_of(entry.tag), Some(value.as_slice()));
        }
    }
}
