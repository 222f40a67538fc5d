//! The streaming decoder: chunk invariance, garbage reports, resynchronisation, and
//! encode → decode identity for every frame kind.

use cardpointe_vp3300::frame::{DEFAULT_MAX_DATA_LEN, V2_HEADER};
use cardpointe_vp3300::{
    Decoded, DecodedRef, Direction, Frame, FrameDecoder, FrameError, FrameKind, MsrRecord,
    Protocol, StatusCode,
};
use proptest::prelude::*;

/// Everything the decoder yields for `bytes` pushed in `chunks`.
fn decode_all(
    direction: Direction,
    bytes: &[u8],
    chunks: &[usize],
) -> Vec<Result<Decoded, FrameError>> {
    let mut decoder = FrameDecoder::new(direction);
    let mut out = Vec::new();
    let mut rest = bytes;
    let mut sizes = chunks.iter().cycle();
    while !rest.is_empty() {
        let n = sizes
            .next()
            .copied()
            .unwrap_or(rest.len())
            .clamp(1, rest.len());
        let (chunk, tail) = rest.split_at(n);
        decoder.push(chunk);
        while let Some(item) = decoder.decode() {
            out.push(item);
        }
        rest = tail;
    }
    out
}

/// The same, through the borrowing `decode_ref`, converted to owned items for comparison.
fn decode_all_ref(
    direction: Direction,
    bytes: &[u8],
    chunk: usize,
) -> Vec<Result<Decoded, FrameError>> {
    let mut decoder = FrameDecoder::new(direction);
    let mut out = Vec::new();
    for piece in bytes.chunks(chunk.max(1)) {
        decoder.push(piece);
        while let Some(item) = decoder.decode_ref() {
            out.push(item.map(|item| match item {
                DecodedRef::Frame(frame) => Decoded::Frame(Frame::from_ref(frame)),
                DecodedRef::MsrRecord(record) => Decoded::MsrRecord(record.to_vec().into()),
                DecodedRef::Garbage { offset, len } => Decoded::Garbage { offset, len },
                _ => unreachable!("no other item kinds"),
            }));
        }
    }
    out
}

fn frames(items: &[Result<Decoded, FrameError>]) -> Vec<Frame> {
    items
        .iter()
        .filter_map(|i| match i {
            Ok(Decoded::Frame(f)) => Some(f.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn two_frames_in_one_notification_and_one_frame_in_many_give_the_same_frames() {
    let a = Frame::response(0x01, StatusCode::Ok, Vec::new()).encode();
    let b = Frame::response(0x29, StatusCode::Ok, b"VP3300 FW v1.01".to_vec()).encode();
    let stream = [&a[..], &b[..]].concat();
    let whole = decode_all(Direction::ReaderToHost, &stream, &[stream.len()]);
    assert_eq!(frames(&whole).len(), 2);
    for size in 1..=stream.len() {
        assert_eq!(
            decode_all(Direction::ReaderToHost, &stream, &[size]),
            whole,
            "chunks of {size}"
        );
    }
}

#[test]
fn garbage_before_a_header_is_reported_once_with_offset_and_length() {
    let frame = Frame::response(0x18, StatusCode::Ok, Vec::new()).encode();
    let stream = [&b"\xFF\x00noise Vi"[..], &frame[..]].concat();
    let items = decode_all(Direction::ReaderToHost, &stream, &[3]);
    assert_eq!(items[0], Ok(Decoded::Garbage { offset: 0, len: 10 }));
    assert!(matches!(&items[1], Ok(Decoded::Frame(f)) if f.command == 0x18));
    assert_eq!(items.len(), 2);
}

#[test]
fn a_bad_crc_is_an_error_at_the_frame_offset_and_the_next_frame_still_decodes() {
    let mut bad = Frame::response(0x02, StatusCode::Ok, vec![1, 2, 3])
        .encode()
        .to_vec();
    bad[15] ^= 0xFF;
    let good = Frame::response(0x05, StatusCode::Ok, Vec::new()).encode();
    let stream = [&b"xx"[..], &bad[..], &good[..]].concat();
    let items = decode_all(Direction::ReaderToHost, &stream, &[20]);
    assert_eq!(items[0], Ok(Decoded::Garbage { offset: 0, len: 2 }));
    assert!(
        matches!(
            items[1],
            Err(FrameError::BadCrc {
                offset: 2,
                command: 0x02,
                ..
            })
        ),
        "{items:?}"
    );
    // The rest of the damaged frame is dropped as garbage, then the good frame arrives.
    assert_eq!(
        items[2],
        Ok(Decoded::Garbage {
            offset: 3,
            len: bad.len() - 1
        })
    );
    assert!(matches!(&items[3], Ok(Decoded::Frame(f)) if f.command == 0x05));
}

#[test]
fn an_absurd_length_is_an_error_then_the_decoder_resynchronises() {
    let mut absurd = V2_HEADER.to_vec();
    absurd.extend_from_slice(&[0x02, 0x00, 0xFF, 0xFF]);
    let good = Frame::response(0x05, StatusCode::Ok, Vec::new()).encode();
    let stream = [&absurd[..], &good[..]].concat();
    let items = decode_all(Direction::ReaderToHost, &stream, &[7]);
    assert_eq!(
        items[0],
        Err(FrameError::TooLarge {
            offset: 0,
            len: 0xFFFF,
            max: DEFAULT_MAX_DATA_LEN
        })
    );
    assert!(matches!(items.last(), Some(Ok(Decoded::Frame(f))) if f.command == 0x05));
}

#[test]
fn a_raw_msr_record_between_frames_is_recognised() {
    let mut card = vec![0x80, 0x02, 0, 5, 0, 0x02, 0x00];
    card.extend_from_slice(b";1=2?");
    let record = MsrRecord::build(&card);
    let frame = Frame::response(0x18, StatusCode::Ok, Vec::new()).encode();
    let stream = [&record[..], &frame[..]].concat();
    let items = decode_all(Direction::ReaderToHost, &stream, &[4]);
    assert!(matches!(&items[0], Ok(Decoded::MsrRecord(r)) if r[..] == record[..]));
    assert!(matches!(&items[1], Ok(Decoded::Frame(_))));
}

#[test]
fn a_stray_stx_does_not_hold_back_the_frame_after_it() {
    let frame = Frame::response(0x18, StatusCode::Ok, Vec::new()).encode();
    let stream = [&[0x02, 0x40, 0x00][..], &frame[..]].concat();
    let items = decode_all(Direction::ReaderToHost, &stream, &[stream.len()]);
    assert_eq!(items[0], Ok(Decoded::Garbage { offset: 0, len: 3 }));
    assert!(matches!(&items[1], Ok(Decoded::Frame(_))));
}

#[test]
fn a_stray_header_prefix_does_not_hold_back_a_short_record_after_it() {
    let record = MsrRecord::build(b"\x80");
    let stream = [&b"ViV"[..], &record[..]].concat();
    assert!(stream.len() < 14, "shorter than any frame prefix");
    let items = decode_all(Direction::ReaderToHost, &stream, &[stream.len()]);
    assert_eq!(items[0], Ok(Decoded::Garbage { offset: 0, len: 3 }));
    assert!(matches!(&items[1], Ok(Decoded::MsrRecord(r)) if r[..] == record[..]));
}

#[test]
fn a_frame_cut_between_its_header_and_its_length_waits_then_decodes() {
    let frame = Frame::response(0x29, StatusCode::Ok, b"VP3300".to_vec()).encode();
    for cut in 10..14 {
        let mut decoder = FrameDecoder::host();
        decoder.push(&frame[..cut]);
        assert!(decoder.decode().is_none(), "cut at {cut}");
        assert_eq!(decoder.buffered(), cut);
        decoder.push(&frame[cut..]);
        let Some(Ok(Decoded::Frame(decoded))) = decoder.decode() else {
            panic!("cut at {cut}: a frame");
        };
        assert_eq!(&decoded.data[..], b"VP3300");
        assert!(decoder.decode().is_none());
    }
}

#[test]
fn owned_frames_outlive_the_decoder_and_a_reset_forgets_everything_buffered() {
    let frame = Frame::response(0x29, StatusCode::Ok, b"v1.01".to_vec()).encode();
    let mut decoder = FrameDecoder::host();
    decoder.push(&frame);
    decoder.push(&frame[..7]);
    let Some(Ok(Decoded::Frame(kept))) = decoder.decode() else {
        panic!("a frame");
    };
    assert!(decoder.decode().is_none());
    decoder.reset();
    assert_eq!(decoder.buffered(), 0);
    // The half frame is gone: a whole one after the reset decodes, with the right offset.
    decoder.push(&frame);
    assert!(matches!(decoder.decode(), Some(Ok(Decoded::Frame(_)))));
    drop(decoder);
    assert_eq!(&kept.data[..], b"v1.01");
}

#[test]
fn a_stream_larger_than_the_first_buffer_decodes_in_any_push_size() {
    let big = Frame::response(0x60, StatusCode::Ok, vec![0x5A; 3000]).encode();
    let small = Frame::response(0x18, StatusCode::Ok, Vec::new()).encode();
    let mut stream = Vec::new();
    for _ in 0..10 {
        stream.extend_from_slice(&big);
        stream.extend_from_slice(&small);
    }
    for push in [1, 7, 20, 33, 512, 4096, stream.len()] {
        let items = decode_all(Direction::ReaderToHost, &stream, &[push]);
        assert_eq!(items.len(), 20, "push size {push}");
        assert!(
            items
                .iter()
                .all(|item| matches!(item, Ok(Decoded::Frame(_))))
        );
    }
}

#[test]
fn the_spec_msr_example_has_lrc_d2_and_checksum_b0() {
    let mut card = vec![0x80, 0x3F, 0x31, 0x23, 0x00, 0x03, 0x00];
    card.extend_from_slice(b"%B5413330089020011^TEST/CARD^2512101000000000000?");
    card.extend_from_slice(b";5413330089020011=2512101000000000?");
    let record = MsrRecord::build(&card);
    assert_eq!(record[..3], [0x02, 0x5B, 0x00]);
    assert_eq!(record[record.len() - 3..], [0xD2, 0xB0, 0x03]);
    let parsed = MsrRecord::parse(&record).unwrap();
    assert_eq!(parsed.track_lengths, [49, 35, 0]);
    assert_eq!(
        parsed.masked_tracks[1],
        b";5413330089020011=2512101000000000?"
    );
    assert!(parsed.track_status.track3_decoded());
}

fn kind_strategy() -> impl Strategy<Value = (Protocol, FrameKind)> {
    prop_oneof![
        any::<u8>().prop_map(|s| (Protocol::V2, FrameKind::Command { sub_command: s })),
        any::<u8>().prop_map(|s| (Protocol::V3, FrameKind::Command { sub_command: s })),
        any::<u8>().prop_map(|s| (
            Protocol::V2,
            FrameKind::Response {
                status: StatusCode::from_byte(s),
                sub_command: None
            }
        )),
        (any::<u8>(), any::<u8>()).prop_map(|(s, st)| (
            Protocol::V3,
            FrameKind::Response {
                status: StatusCode::from_byte(st),
                sub_command: Some(s)
            }
        )),
        any::<u8>().prop_map(|s| (Protocol::V2, FrameKind::Unsolicited { sub_command: s })),
    ]
}

/// Frames the decoder reads back as themselves: a V2 reader frame is a response unless
/// its command/byte-11 pair is one of the reader-originated ones, and vice versa.
fn consistent(frame: &Frame) -> bool {
    match (frame.protocol, frame.kind) {
        (Protocol::V2, FrameKind::Response { status, .. }) => {
            !cardpointe_vp3300::frame::is_reader_originated(frame.command, status.byte())
        }
        (Protocol::V2, FrameKind::Unsolicited { sub_command }) => {
            cardpointe_vp3300::frame::is_reader_originated(frame.command, sub_command)
        }
        _ => true,
    }
}

proptest! {
    #[test]
    fn every_frame_kind_decodes_to_what_was_encoded(
        (protocol, kind) in kind_strategy(),
        command in any::<u8>(),
        data in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        let frame = Frame::new(protocol, command, kind, data);
        prop_assume!(consistent(&frame));
        let direction = match kind {
            FrameKind::Command { .. } => Direction::HostToReader,
            _ => Direction::ReaderToHost,
        };
        let items = decode_all(direction, &frame.encode(), &[20]);
        prop_assert_eq!(items, vec![Ok(Decoded::Frame(frame))]);
    }

    #[test]
    fn any_chunking_of_any_bytes_yields_the_same_items(
        parts in proptest::collection::vec(
            prop_oneof![
                proptest::collection::vec(any::<u8>(), 0..12),
                proptest::collection::vec(any::<u8>(), 0..40).prop_map(|d| Frame::response(0x02, StatusCode::Ok, d).encode().to_vec()),
                proptest::collection::vec(any::<u8>(), 0..40).prop_map(|d| {
                    let mut f = Frame::response(0x60, StatusCode::Ok, d).encode().to_vec();
                    let n = f.len();
                    f[n - 1] ^= 1;
                    f
                }),
                Just(vec![0x02, 0x05, 0x00]),
                Just(V2_HEADER[..6].to_vec()),
            ],
            0..8,
        ),
        chunks in proptest::collection::vec(1usize..25, 1..6),
    ) {
        let stream = parts.concat();
        let whole = decode_all(Direction::ReaderToHost, &stream, &[stream.len().max(1)]);
        prop_assert_eq!(&decode_all(Direction::ReaderToHost, &stream, &chunks), &whole);
        prop_assert_eq!(&decode_all_ref(Direction::ReaderToHost, &stream, chunks[0]), &whole);
    }
}

#[test]
fn debug_output_of_the_decoder_and_its_items_never_shows_the_bytes() {
    let secret = b";4111111111111111=2812?".to_vec();
    let frame = Frame::response(0x02, StatusCode::Ok, secret.clone());
    let mut decoder = FrameDecoder::host();
    let bytes = frame.encode();
    decoder.push(&bytes[..30]);
    assert!(!format!("{decoder:?}").contains("4111"));
    assert!(!format!("{decoder:?}").contains("52, 49, 49"));
    decoder.push(&bytes[30..]);
    let item = decoder.decode().unwrap().unwrap();
    let text = format!("{item:?} {frame:?}");
    assert!(text.contains("data_len: 23"), "{text}");
    assert!(!text.contains("4111") && !text.contains("52, 49"), "{text}");
}

/// Frames as they appear in public NEO 2 test scripts and tools (hex as published): the CRC
/// and framing of real readers and hosts, not of our own encoder.
#[test]
fn frames_from_public_neo2_captures_decode_with_good_crcs() {
    fn hex(text: &str) -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
            .collect()
    }
    // (hex, direction, command, data length)
    let captures = [
        // 2C-01 pass-through start: the reader's OK.
        (
            "5669564F7465636832002C0000001C9B",
            Direction::ReaderToHost,
            0x2C,
            0,
        ),
        // C7 configuration read answer with 14 bytes of TLV.
        (
            "5669564F746563683200C700000EDFEC4A0508042A0C31DFEC600101DF49",
            Direction::ReaderToHost,
            0xC7,
            14,
        ),
        // 2C-07 MIFARE block read answer, 48 bytes.
        (
            "5669564F7465636832002C0000308719000078E6FFFF8719000000FF00FFB71A000048E5FFFFB71A000000FF00FF8819000077E6FFFF8819000000FF00FF4CD2",
            Direction::ReaderToHost,
            0x2C,
            48,
        ),
        // 02-40 activate transaction from a web host (amount 9F02, 9F03, FFEE08 group).
        (
            "5669564f746563683200024000169f0201009f030100ffee080adfef1a010adfed280103fd1a",
            Direction::HostToReader,
            0x02,
            22,
        ),
        // 90-07 from a host SDK.
        (
            "5669564F74656368320090070001008FB4",
            Direction::HostToReader,
            0x90,
            1,
        ),
    ];
    for (text, direction, command, data_len) in captures {
        let bytes = hex(text);
        let items = decode_all(direction, &bytes, &[20]);
        let [Ok(Decoded::Frame(frame))] = &items[..] else {
            panic!("{text}: one good frame, got {items:?}");
        };
        assert_eq!(frame.command, command, "{text}");
        assert_eq!(frame.data.len(), data_len, "{text}");
    }
}
