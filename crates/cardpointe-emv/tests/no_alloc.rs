//! A full walk allocates nothing: proven with a counting global allocator.
//!
//! `allocation-counter` installs the allocator (its own, small `unsafe impl GlobalAlloc`), so
//! this crate keeps `unsafe_code = "forbid"`; the count is per thread, so parallel tests do
//! not disturb it. This test binary is the only one that links it.

use cardpointe_emv::{Dol, Options, Tag, Tlvs, Walker, dol::TlvSource, dol::build_into, print};

/// A GPO/GENERATE AC-like record with nested templates and ID TECH tags.
const RECORD: &[u8] = &[
    0x6F, 0x14, 0x84, 0x02, 0xA0, 0x00, 0xA5, 0x0E, 0x50, 0x04, b'V', b'I', b'S', b'A', 0xBF, 0x0C,
    0x05, 0x9F, 0x4D, 0x02, 0x0B, 0x01, 0x77, 0x0E, 0x9F, 0x02, 0x06, 0x00, 0x00, 0x00, 0x00, 0x12,
    0x34, 0x5F, 0x2A, 0x02, 0x08, 0x40, 0x00, 0x00, 0xFF, 0xEE, 0x01, 0x04, 0xDF, 0xEE, 0x30, 0x00,
    0xFF, 0xF1, 0x01, 0x07, 0x86, 0x81, 0x80,
];

fn record() -> Vec<u8> {
    let mut v = RECORD.to_vec();
    v.extend(std::iter::repeat_n(0xAB, 128));
    v
}

#[test]
fn a_full_walk_of_nested_data_allocates_nothing() {
    let data = record();
    let mut visited = 0;
    let info = allocation_counter::measure(|| {
        for visit in Walker::new(&data, Options::id_tech()) {
            let visit = visit.expect("valid record");
            visited += 1;
            std::hint::black_box(visit.tlv.value());
        }
    });
    assert_eq!(visited, 13);
    assert_eq!(info.count_total, 0, "{info:?}");
}

#[test]
fn iterating_children_and_finding_tags_allocates_nothing() {
    let data = record();
    let info = allocation_counter::measure(|| {
        for tlv in Tlvs::new(&data, Options::id_tech()) {
            let tlv = tlv.expect("valid record");
            for child in tlv.children() {
                std::hint::black_box(child.ok());
            }
        }
        let amount = Walker::new(&data, Options::id_tech())
            .find_tag(Tag::new(0x9F02))
            .expect("valid record");
        assert!(amount.is_some());
    });
    assert_eq!(info.count_total, 0, "{info:?}");
}

#[test]
fn errors_and_dol_building_into_a_buffer_allocate_nothing() {
    let data = record();
    let pdol = [0x9F, 0x02, 0x06, 0x5F, 0x2A, 0x02, 0x9A, 0x03];
    let mut out = [0u8; 32];
    let info = allocation_counter::measure(|| {
        let e = Walker::new(&data[..30], Options::emv()).find_map(Result::err);
        assert!(e.is_some());
        let source = TlvSource::new(&data, Options::id_tech());
        let n = build_into(Dol::new(&pdol, Options::emv()), &source, &mut out).expect("fits");
        assert_eq!(n, 11);
    });
    assert_eq!(info.count_total, 0, "{info:?}");
    assert_eq!(&out[..8], [0, 0, 0, 0, 0x12, 0x34, 0x08, 0x40]);
}

#[test]
fn the_counter_does_see_allocations() {
    // Guards the guard: the tree printer to a String allocates, and is counted.
    let data = record();
    let info = allocation_counter::measure(|| {
        std::hint::black_box(print::tree(&data, Options::id_tech()).to_string());
    });
    assert!(info.count_total > 0);
}
