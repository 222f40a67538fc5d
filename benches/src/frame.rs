//! Inputs and loops of the frame bench (`benches/frame.rs`): 64 KiB of mixed reader traffic,
//! the decoder driven one BLE notification at a time, and an MSR record. They sit in the
//! library so that `examples/frame_decode.rs` runs the same code under callgrind; each loop is
//! a non-inlined function so that its cost is one entry in the profile. The decoder is called
//! across the crate boundary, as any dependent calls it.

use std::hint::black_box;

use cardpointe_vp3300::frame::FrameKind;
use cardpointe_vp3300::{
    Decoded, DecodedRef, Frame, FrameDecoder, MsrRecord, Protocol, StatusCode,
};

/// The size of [`mixed_stream`].
pub const STREAM_LEN: usize = 64 * 1024;

/// A deterministic byte pattern (no RNG dependency).
#[must_use]
pub fn pattern(len: usize, seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761).max(1);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

/// 64 KiB of what a reader sends: short OK answers, version strings, UI events, callbacks,
/// a few hundred bytes of EMV TLVs, protocol 3 answers; with the number of frames.
#[must_use]
pub fn mixed_stream() -> (Vec<u8>, usize) {
    let mut out = Vec::with_capacity(STREAM_LEN + 512);
    let mut frames = 0;
    let mut i = 0u32;
    while out.len() < STREAM_LEN {
        let frame = match i % 6 {
            0 => Frame::response(0x01, StatusCode::Ok, Vec::new()),
            1 => Frame::response(0x29, StatusCode::Ok, b"VP3300 FW v1.01".to_vec()),
            2 => Frame::response(0x02, StatusCode::UserInterfaceEvent, vec![0x01]),
            3 => Frame::unsolicited(0x61, 0x01, b"\x03PLEASE WAIT".to_vec()),
            4 => Frame::response(0x60, StatusCode::Ok, pattern(420, i)),
            _ => Frame::new(
                Protocol::V3,
                0x02,
                FrameKind::Response {
                    status: StatusCode::Ok,
                    sub_command: Some(0x40),
                },
                pattern(180, i),
            ),
        };
        out.extend_from_slice(&frame.encode());
        frames += 1;
        i += 1;
    }
    (out, frames)
}

/// Decodes `stream` pushed `chunk` bytes at a time with [`FrameDecoder::decode`] (owned
/// frames); returns how many frames came out.
#[inline(never)]
#[must_use]
pub fn decode_chunked(stream: &[u8], chunk: usize) -> usize {
    let mut decoder = FrameDecoder::host();
    let mut frames = 0;
    for notification in stream.chunks(chunk) {
        decoder.push(notification);
        while let Some(item) = decoder.decode() {
            if let Ok(Decoded::Frame(frame)) = item {
                frames += 1;
                black_box(&frame);
            }
        }
    }
    frames
}

/// As [`decode_chunked`] with [`FrameDecoder::decode_ref`] (borrowed frames, zero-copy).
#[inline(never)]
#[must_use]
pub fn decode_chunked_ref(stream: &[u8], chunk: usize) -> usize {
    let mut decoder = FrameDecoder::host();
    let mut frames = 0;
    for notification in stream.chunks(chunk) {
        decoder.push(notification);
        while let Some(item) = decoder.decode_ref() {
            if let Ok(DecodedRef::Frame(frame)) = item {
                frames += 1;
                black_box(&frame);
            }
        }
    }
    frames
}

/// The CRC of `stream` (the bound the decoder is compared with).
#[inline(never)]
#[must_use]
pub fn crc(stream: &[u8]) -> u16 {
    cardpointe_vp3300::crc::crc16(stream)
}

/// An enhanced MSR record shaped like the Augusta samples (masked tracks, encrypted tracks,
/// KSN), 259 bytes.
#[must_use]
pub fn augusta_like_record() -> Vec<u8> {
    let mut card = vec![0x80, 0x1F, 55, 35, 0x00, 0x83, 0x9B];
    card.extend_from_slice(b"%*6011********6668^DISCOVER TEST CARD^***************?*");
    card.extend_from_slice(b";6011********6668=***************?*");
    card.extend_from_slice(&pattern(56 + 40 + 40, 7));
    card.extend_from_slice(b"0123456789");
    card.extend_from_slice(&[0xCD, 0xCD, 0xCD, 0x94, 0x03, 0x00, 0x06, 0xC0, 0x01, 0x06]);
    MsrRecord::build(&card).to_vec()
}

/// Parses the binary MSR `record` (the parsed record goes through `black_box`, so nothing is
/// optimised away); whether it parsed.
#[inline(never)]
#[must_use]
pub fn parse_msr(record: &[u8]) -> bool {
    let parsed = MsrRecord::parse(record);
    black_box(&parsed);
    parsed.is_ok()
}
