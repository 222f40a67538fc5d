//! cardpointe-vp3300 hot paths: the streaming frame decoder, the CRC, and MSR record parsing.
//!
//! The bar (issue 4): decoding a 64 KiB stream of mixed frames delivered in 20-byte BLE
//! notifications runs at ≥ 1 GB/s and within 2× of the CRC alone over the same bytes. The
//! zero-copy `decode_ref` is the path the bar is for; `decode` also copies each frame's data
//! into its own allocation that is wiped on drop (card data), and is reported beside it.

use std::hint::black_box;

use cardpointe_vp3300::crc::crc16;
use cardpointe_vp3300::frame::FrameKind;
use cardpointe_vp3300::msr::MsrRecordBuf;
use cardpointe_vp3300::{
    Decoded, DecodedRef, Frame, FrameDecoder, MsrRecord, Protocol, StatusCode,
};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const STREAM_LEN: usize = 64 * 1024;

/// A deterministic byte pattern (no RNG dependency).
fn pattern(len: usize, seed: u32) -> Vec<u8> {
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
/// a few hundred bytes of EMV TLVs, protocol 3 answers.
fn mixed_stream() -> (Vec<u8>, usize) {
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

fn decode_chunked(stream: &[u8], chunk: usize) -> usize {
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

fn decode_chunked_ref(stream: &[u8], chunk: usize) -> usize {
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

fn augusta_like_record() -> Vec<u8> {
    let mut card = vec![0x80, 0x1F, 55, 35, 0x00, 0x83, 0x9B];
    card.extend_from_slice(b"%*6011********6668^DISCOVER TEST CARD^***************?*");
    card.extend_from_slice(b";6011********6668=***************?*");
    card.extend_from_slice(&pattern(56 + 40 + 40, 7));
    card.extend_from_slice(b"0123456789");
    card.extend_from_slice(&[0xCD, 0xCD, 0xCD, 0x94, 0x03, 0x00, 0x06, 0xC0, 0x01, 0x06]);
    MsrRecord::build(&card).to_vec()
}

fn frames(c: &mut Criterion) {
    let (stream, count) = mixed_stream();
    assert_eq!(decode_chunked(&stream, 20), count, "every frame decodes");
    assert_eq!(
        decode_chunked_ref(&stream, 20),
        count,
        "every frame decodes"
    );
    let mut group = c.benchmark_group("vp3300_frame");
    group.throughput(Throughput::Bytes(stream.len() as u64));
    group.bench_function("decode_64KiB_in_20B_chunks", |b| {
        b.iter(|| decode_chunked(black_box(&stream), 20));
    });
    group.bench_function("decode_ref_64KiB_in_20B_chunks", |b| {
        b.iter(|| decode_chunked_ref(black_box(&stream), 20));
    });
    group.bench_function("decode_64KiB_in_one_push", |b| {
        b.iter(|| decode_chunked(black_box(&stream), stream.len()));
    });
    group.bench_function("crc16_64KiB", |b| b.iter(|| crc16(black_box(&stream))));
    // The physical bounds: one memcpy of the stream, and the same bytes appended to a buffer
    // one 20-byte notification at a time (what any reassembly must at least do).
    let mut copy = vec![0u8; stream.len()];
    group.bench_function("memcpy_64KiB (bound)", |b| {
        b.iter(|| {
            copy.copy_from_slice(black_box(&stream));
            black_box(&copy);
        })
    });
    group.bench_function("append_64KiB_in_20B_chunks (bound)", |b| {
        b.iter(|| {
            let mut buffer = Vec::with_capacity(8 * 1024);
            let mut total = 0;
            for notification in black_box(&stream).chunks(20) {
                if buffer.len() + notification.len() > buffer.capacity() {
                    total += buffer.len();
                    buffer.clear();
                }
                buffer.extend_from_slice(notification);
            }
            black_box(total + buffer.len())
        })
    });
    group.finish();
}

fn msr(c: &mut Criterion) {
    let record = augusta_like_record();
    let text = MsrRecordBuf::from_binary(&record)
        .expect("valid record")
        .to_hex_ascii()
        .expect("short enough for the text form");
    let mut group = c.benchmark_group("vp3300_msr");
    group.throughput(Throughput::Bytes(record.len() as u64));
    group.bench_function("parse_binary_record", |b| {
        b.iter(|| MsrRecord::parse(black_box(&record)).map(|r| r.ksn))
    });
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("parse_hex_ascii_record", |b| {
        b.iter(|| {
            MsrRecordBuf::from_hex_ascii(black_box(text.as_bytes())).map(|r| r.to_binary().len())
        })
    });
    group.finish();
}

criterion_group!(benches, frames, msr);
criterion_main!(benches);
