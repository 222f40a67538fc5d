//! cardpointe-vp3300 hot paths: the streaming frame decoder, the CRC, and MSR record parsing.
//!
//! The bar (issue 4): decoding a 64 KiB stream of mixed frames delivered in 20-byte BLE
//! notifications runs at ≥ 1 GB/s and within 2× of the CRC alone over the same bytes. The
//! zero-copy `decode_ref` is the path the bar is for; `decode` also copies each frame's data
//! into its own allocation that is wiped on drop (card data), and is reported beside it.

use std::hint::black_box;

use cardpointe_benches::frame::{
    augusta_like_record, crc, decode_chunked, decode_chunked_ref, mixed_stream, parse_msr,
};
use cardpointe_vp3300::msr::MsrRecordBuf;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

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
    group.bench_function("crc16_64KiB", |b| b.iter(|| crc(black_box(&stream))));
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
    assert!(parse_msr(&record), "the record parses");
    let text = MsrRecordBuf::from_binary(&record)
        .expect("valid record")
        .to_hex_ascii()
        .expect("short enough for the text form");
    let mut group = c.benchmark_group("vp3300_msr");
    group.throughput(Throughput::Bytes(record.len() as u64));
    group.bench_function("parse_binary_record", |b| {
        b.iter(|| parse_msr(black_box(&record)))
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
