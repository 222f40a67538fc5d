//! Behaviour of the reader and walker on good, padded, dialect-specific and broken input.

use cardpointe_emv::{Dialect, Error, Marker, Options, Padding, Tag, Tlv, Tlvs, Walker, parse};

fn tags(buf: &[u8], options: Options) -> Result<Vec<(usize, String)>, Error> {
    Walker::new(buf, options)
        .map(|v| v.map(|v| (v.depth, v.tlv.tag().to_string())))
        .collect()
}

#[test]
fn a_buffer_yields_its_objects_with_tag_value_and_raw_bytes() {
    let buf = [0x9F, 0x02, 0x02, 0x12, 0x34, 0x5A, 0x01, 0x99];
    let all: Vec<Tlv<'_>> = parse(&buf).collect::<Result<_, _>>().unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].tag(), Tag::new(0x9F02));
    assert_eq!(all[0].tag_bytes(), [0x9F, 0x02]);
    assert_eq!(all[0].value(), [0x12, 0x34]);
    assert_eq!(all[0].raw(), &buf[..5]);
    assert_eq!(all[1].offset(), 5);
    assert_eq!(all[1].value_offset(), 7);
}

#[test]
fn zero_padding_before_between_and_after_objects_is_skipped() {
    let buf = [0, 0, 0x9C, 0x01, 0x00, 0, 0, 0x9A, 0x00, 0];
    let all: Vec<Tag> = parse(&buf).map(|t| t.unwrap().tag()).collect();
    assert_eq!(all, [Tag::new(0x9C), Tag::new(0x9A)]);
}

#[test]
fn ff_is_a_tag_byte_unless_iso_filler_is_asked_for_in_the_emv_dialect() {
    let buf = [0xFF, 0x9C, 0x01, 0x00];
    // As a tag, FF 9C continues with 01: the three-byte tag FF9C01, then length 00.
    let t = parse(&buf).next().unwrap().unwrap();
    assert_eq!(t.tag(), Tag::new(0xFF9C01));
    let opts = Options::emv().with_padding(Padding::ZeroAndFf);
    let t = Tlvs::new(&buf, opts).next().unwrap().unwrap();
    assert_eq!(t.tag(), Tag::new(0x9C));
    let opts = Options::id_tech().with_padding(Padding::ZeroAndFf);
    assert_eq!(opts.padding(), Padding::Zero);
}

#[test]
fn long_form_lengths_81_to_84_are_read_and_non_minimal_ones_accepted() {
    let mut buf = vec![0x86, 0x81, 0x01, 0xAA];
    assert_eq!(
        Tlv::parse_single(&buf, Options::emv()).unwrap().value(),
        [0xAA]
    );
    buf = vec![0x86, 0x82, 0x01, 0x00];
    buf.extend(std::iter::repeat_n(7, 256));
    assert_eq!(Tlv::parse_single(&buf, Options::emv()).unwrap().len(), 256);
    buf = vec![0x86, 0x84, 0x00, 0x00, 0x00, 0x02, 1, 2];
    assert_eq!(Tlv::parse_single(&buf, Options::emv()).unwrap().len(), 2);
    buf = vec![0x86, 0x83, 0x00, 0x00, 0x01, 9];
    assert_eq!(Tlv::parse_single(&buf, Options::emv()).unwrap().len(), 1);
}

#[test]
fn indefinite_and_overlong_length_fields_are_rejected_with_their_offset() {
    let e = parse(&[0x9C, 0x80, 0x00]).next().unwrap().unwrap_err();
    assert_eq!(e, Error::IndefiniteLength { offset: 1 });
    let e = parse(&[0x9C, 0x01, 0x00, 0x9C, 0x85, 0, 0, 0, 0, 1, 0])
        .nth(1)
        .unwrap()
        .unwrap_err();
    assert_eq!(
        e,
        Error::LengthTooLong {
            offset: 4,
            first: 0x85
        }
    );
    assert!(e.to_string().contains("byte 4"));
}

#[test]
fn truncated_tag_length_and_value_are_errors_with_offsets() {
    assert_eq!(
        parse(&[0x9F]).next().unwrap(),
        Err(Error::TruncatedTag { offset: 0 })
    );
    assert_eq!(
        parse(&[0x9C, 0x00, 0x9F, 0x02]).nth(1).unwrap(),
        Err(Error::TruncatedLength {
            offset: 4,
            needed: 1,
            available: 0
        })
    );
    assert_eq!(
        parse(&[0x9F, 0x02, 0x82, 0x01]).next().unwrap(),
        Err(Error::TruncatedLength {
            offset: 2,
            needed: 3,
            available: 2
        })
    );
    let e = parse(&[0x9F, 0x02, 0x06, 0, 0, 1])
        .next()
        .unwrap()
        .unwrap_err();
    assert_eq!(
        e,
        Error::TruncatedValue {
            offset: 0,
            tag: Tag::new(0x9F02),
            length: 6,
            available: 3
        }
    );
    assert!(e.to_string().contains("9F02"));
}

#[test]
fn a_child_that_overruns_its_parent_is_reported_as_such() {
    // 70 says 4 value bytes; inside, 5A says 5.
    let buf = [0x70, 0x04, 0x5A, 0x05, 0x41, 0x11, 0x11, 0x11, 0x11];
    let e = Walker::new(&buf, Options::emv())
        .find_map(Result::err)
        .unwrap();
    assert_eq!(
        e,
        Error::ChildOverrunsParent {
            offset: 2,
            tag: Tag::new(0x5A),
            parent: Tag::new(0x70),
            parent_end: 6,
            length: 5,
            available: 2
        }
    );
    let buf = [0x70, 0x04, 0x5A, 0x05, 0x41, 0x11];
    let parent = parse(&buf).next().unwrap().unwrap();
    assert!(matches!(
        parent.children().next(),
        Some(Err(Error::ChildOverrunsParent { offset: 2, .. }))
    ));
}

#[test]
fn trailing_bytes_after_a_single_object_are_reported_not_dropped() {
    let buf = [0x9C, 0x01, 0x00, 0x00, 0x00, 0x5A];
    assert_eq!(
        Tlv::parse_single(&buf, Options::emv()),
        Err(Error::TrailingBytes {
            offset: 5,
            count: 1
        })
    );
    let (tlv, rest) = Tlv::parse_prefix(&buf, Options::emv()).unwrap();
    assert_eq!(tlv.tag(), Tag::new(0x9C));
    assert_eq!(rest, &buf[3..]);
}

#[test]
fn the_walker_visits_nested_templates_depth_first() {
    // 6F { 84 .., A5 { 50 "VISA", BF0C { 9F4D 0B01 } } }
    let buf = [
        0x6F, 0x14, 0x84, 0x02, 0xA0, 0x00, 0xA5, 0x0E, 0x50, 0x04, b'V', b'I', b'S', b'A', 0xBF,
        0x0C, 0x05, 0x9F, 0x4D, 0x02, 0x0B, 0x01,
    ];
    assert_eq!(
        tags(&buf, Options::emv()).unwrap(),
        [
            (0, "6F".to_string()),
            (1, "84".to_string()),
            (1, "A5".to_string()),
            (2, "50".to_string()),
            (2, "BF0C".to_string()),
            (3, "9F4D".to_string()),
        ]
    );
    let fci = parse(&buf).next().unwrap().unwrap();
    let a5 = fci.find(Tag::new(0xA5)).unwrap().unwrap();
    assert_eq!(a5.offset(), 6);
    let kids: Vec<Tag> = a5.children().map(|c| c.unwrap().tag()).collect();
    assert_eq!(kids, [Tag::new(0x50), Tag::new(0xBF0C)]);
    let log = Walker::new(&buf, Options::emv())
        .find_tag(Tag::new(0x9F4D))
        .unwrap()
        .unwrap();
    assert_eq!(log.value(), [0x0B, 0x01]);
}

#[test]
fn nesting_beyond_the_limit_is_too_deep_not_a_stack_overflow() {
    let depth = 100_000;
    let mut buf = Vec::new();
    for _ in 0..depth {
        buf.extend([0xE1, 0x84]); // constructed, 4-byte length filled below
        buf.extend([0, 0, 0, 0]);
    }
    buf.extend([0x9C, 0x01, 0x00]);
    // Fill lengths from the inside out.
    let mut inner = 3usize;
    for level in (0..depth).rev() {
        let at = level * 6 + 2;
        buf[at..at + 4].copy_from_slice(&(inner as u32).to_be_bytes());
        inner += 6;
    }
    let e = Walker::new(&buf, Options::emv())
        .find_map(Result::err)
        .unwrap();
    assert_eq!(
        e,
        Error::TooDeep {
            offset: 32 * 6,
            limit: 32
        }
    );
    let count = std::thread::scope(|s| {
        std::thread::Builder::new()
            .stack_size(8 << 20)
            .spawn_scoped(s, || {
                Walker::<100_001>::with_max_depth(&buf, Options::emv()).count_all()
            })
            .unwrap()
            .join()
            .unwrap()
    });
    assert_eq!(count, Ok(depth + 1));
}

#[test]
fn empty_constructed_objects_need_no_depth() {
    let buf = [0x70, 0x00, 0x77, 0x00];
    let w: Walker<'_, 0> = Walker::with_max_depth(&buf, Options::emv());
    assert_eq!(w.count_all(), Ok(2));
}

#[test]
fn the_id_tech_dialect_reads_ffe0_to_fffe_as_two_byte_primitive_tags() {
    let buf = [
        0xFF, 0xF1, 0x04, 0x00, 0x00, 0x27, 0x10, 0xFF, 0xEE, 0x01, 0x03, 0xDF, 0x30, 0x00,
    ];
    let t = tags(&buf, Options::id_tech()).unwrap();
    assert_eq!(
        t,
        [
            (0, "FFF1".to_string()),
            (0, "FFEE01".to_string()),
            (1, "DF30".to_string())
        ]
    );
    let first = Tlvs::new(&buf, Options::id_tech()).next().unwrap().unwrap();
    assert_eq!(first.value(), [0x00, 0x00, 0x27, 0x10]);
    assert!(!first.is_constructed());
    // Plain EMV reads FF F1 04 as a three-byte tag.
    let first = parse(&buf).next().unwrap().unwrap();
    assert_eq!(first.tag(), Tag::new(0xFFF104));
    assert_eq!(Options::id_tech().dialect(), Dialect::IdTech);
}

#[test]
fn protocol3_markers_are_read_only_when_asked_for() {
    let buf = [0x57, 0xA1, 0x02, 0x41, 0x11, 0x5A, 0xC1, 0x01, 0x99];
    let opts = Options::id_tech().with_protocol3_markers(true);
    let all: Vec<Tlv<'_>> = Tlvs::new(&buf, opts).collect::<Result<_, _>>().unwrap();
    assert_eq!(all[0].marker(), Some(Marker::Masked));
    assert_eq!(all[0].value(), [0x41, 0x11]);
    assert_eq!(all[1].marker(), Some(Marker::Encrypted));
    assert_eq!(all[1].raw(), &buf[5..]);
    assert!(matches!(
        parse(&buf).next(),
        Some(Err(Error::LengthTooLong { offset: 1, .. }))
    ));
}

#[test]
fn consumed_plus_rest_is_the_input_even_after_an_error() {
    let buf = [0x9C, 0x01, 0x00, 0x00, 0x9F, 0x02, 0x09, 0x01];
    let mut it = parse(&buf);
    assert!(it.next().unwrap().is_ok());
    assert!(it.next().unwrap().is_err());
    assert!(it.next().is_none());
    assert_eq!(it.consumed(), 4);
    assert_eq!(it.consumed() + it.rest().len(), buf.len());
}

#[test]
fn debug_output_of_a_pan_object_is_masked() {
    let buf = [0x5A, 0x08, 0x41, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11];
    let t = parse(&buf).next().unwrap().unwrap();
    let shown = format!("{t:?}");
    assert!(shown.contains("411111******1111"), "{shown}");
    assert!(!shown.contains("41111111"), "{shown}");
}

/// Levels deeper than the walker's small array of near levels go elsewhere; closing them,
/// and the near ones under them, must bring the walk back to the right sibling each time.
#[test]
fn the_walker_returns_to_every_enclosing_level_past_twenty_levels() {
    // E1 { 9C 01 k; <level k + 1>; 9F02 01 k } nested 20 deep, then a top-level sibling.
    fn level(k: u8, depth: u8) -> Vec<u8> {
        let mut value = vec![0x9C, 0x01, k];
        if k + 1 < depth {
            value.extend(level(k + 1, depth));
        }
        value.extend([0x9F, 0x02, 0x01, k]);
        let mut out = vec![0xE1];
        if value.len() < 0x80 {
            out.push(value.len() as u8);
        } else {
            out.extend([0x82, (value.len() >> 8) as u8, value.len() as u8]);
        }
        out.extend(value);
        out
    }
    fn recursive(tlvs: Tlvs<'_>, depth: usize, out: &mut Vec<(u32, usize, usize)>) {
        for tlv in tlvs {
            let tlv = tlv.unwrap();
            out.push((tlv.tag().value(), tlv.offset(), depth));
            if tlv.is_constructed() {
                recursive(tlv.children(), depth + 1, out);
            }
        }
    }
    let mut buf = level(0, 20);
    buf.extend([0x5F, 0x2A, 0x02, 0x08, 0x40]);
    let mut expected = Vec::new();
    recursive(Tlvs::new(&buf, Options::emv()), 0, &mut expected);
    assert_eq!(expected.len(), 20 * 3 + 1);
    let walked: Vec<_> = Walker::new(&buf, Options::emv())
        .map(|v| v.map(|v| (v.tlv.tag().value(), v.tlv.offset(), v.depth)))
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(walked, expected);
    // One level short of the nesting: TooDeep at the innermost E1, after everything before it.
    let mut w = Walker::<19>::with_max_depth(&buf, Options::emv());
    let before: Vec<_> = w
        .by_ref()
        .map_while(Result::ok)
        .map(|v| v.tlv.offset())
        .collect();
    assert_eq!(before.len(), 19 * 2);
    assert!(w.next().is_none());
}
