//! TLV walk throughput: cardpointe-emv against `tlv_parser` and `iso7816-tlv`, a naive
//! recursive zero-copy walker and a `nom`-based version of our own loop, each visiting every
//! nested object of the same bytes.
//!
//! Built with `[profile.bench]`, which is Cargo's default release profile (no LTO, 16 codegen
//! units): this crate calls `cardpointe-emv` across the crate boundary exactly as a dependent
//! does, so the figures are the ones users get. An LTO run, for comparison only, overrides the
//! profile from the environment: `CARGO_PROFILE_BENCH_LTO=fat
//! CARGO_PROFILE_BENCH_CODEGEN_UNITS=1 cargo bench -p cardpointe-benches --bench tlv` (label
//! its figures as LTO).
//!
//! Shapes: (a) one ~300-byte transaction record, (b) 64 KiB of such records, (c) one
//! constructed object with 10,000 / 20,000 / 40,000 children (linearity), (d) 10,000 levels
//! of nesting — ours only: both peers parse recursively and overflow the stack there —, (e) one
//! 334-byte ID TECH record (`FFEE01` holding `DFEE12`, `DFEF4D` and `FFEE02`; two- and
//! three-byte tags; `81`/`82` lengths), (f) 64 KiB of such records.

use std::hint::black_box;

use cardpointe_benches::tlv::{
    concatenated, deep, id_tech_concatenated, id_tech_record, transaction_record, wide,
};
use cardpointe_benches::walk::{iso7816_walk, naive_walk, ours};
use cardpointe_emv::{Options, Walker};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

/// Ours with a deep stack (for the 10,000-level input).
fn ours_deep(buf: &[u8]) -> usize {
    let mut acc = 0usize;
    for visit in Walker::<10_001>::with_max_depth(buf, Options::emv()) {
        let tlv = visit.expect("bench input is valid TLV").tlv;
        acc = acc.wrapping_add(tlv.tag().value() as usize ^ tlv.len());
    }
    acc
}

/// The same walk with the header parsed by `nom` combinators (the house parser library),
/// to decide between `nom` and a hand-written inner loop.
mod nom_walk {
    use nom::IResult;
    use nom::bytes::complete::take;
    use nom::number::complete::be_u8;

    fn header(i: &[u8]) -> IResult<&[u8], (u32, usize)> {
        let (mut i, first) = be_u8(i)?;
        let mut tag = u32::from(first);
        if first & 0x1F == 0x1F {
            loop {
                let (rest, b) = be_u8(i)?;
                i = rest;
                tag = (tag << 8) | u32::from(b);
                if b & 0x80 == 0 || tag > 0x00FF_FFFF {
                    break;
                }
            }
        }
        let (i, l) = be_u8(i)?;
        if l < 0x80 {
            return Ok((i, (tag, usize::from(l))));
        }
        let (i, bytes) = take(usize::from(l & 0x7F))(i)?;
        let len = bytes.iter().fold(0usize, |a, b| (a << 8) | usize::from(*b));
        Ok((i, (tag, len)))
    }

    pub(crate) fn walk(buf: &[u8]) -> usize {
        let mut ends = [0usize; 32];
        let mut depth = 0;
        let mut pos = 0;
        let mut acc = 0usize;
        loop {
            while depth > 0 && pos >= ends[depth - 1] {
                depth -= 1;
            }
            if pos >= buf.len() {
                return acc;
            }
            let (rest, (tag, len)) = header(&buf[pos..]).expect("valid");
            let value_start = buf.len() - rest.len();
            assert!(len <= rest.len(), "value overruns the input");
            acc = acc.wrapping_add(tag as usize ^ len);
            let first =
                (tag >> (8 * ((32 - tag.leading_zeros() as usize).div_ceil(8).max(1) - 1))) as u8;
            if first & 0x20 != 0 && len > 0 {
                ends[depth] = value_start + len;
                depth += 1;
                pos = value_start;
            } else {
                pos = value_start + len;
            }
        }
    }
}

/// `tlv_parser` 0.10: `Tlv::from_vec` per top-level object, then a recursive visit.
fn tlv_parser_walk(buf: &[u8]) -> usize {
    use tlv_parser::tlv::{Tlv, Value};
    fn visit(t: &Tlv, acc: &mut usize) {
        *acc = acc.wrapping_add(t.tag() ^ t.len());
        if let Value::TlvList(children) = t.val() {
            for c in children {
                visit(c, acc);
            }
        }
    }
    let mut acc = 0;
    let mut pos = 0;
    while pos < buf.len() {
        let t = Tlv::from_vec(&buf[pos..]).expect("valid");
        pos += t.len();
        visit(&t, &mut acc);
    }
    acc
}

fn compare(c: &mut Criterion, group: &str, input: &[u8], options: Options) {
    let mut g = c.benchmark_group(group);
    g.throughput(Throughput::Bytes(input.len() as u64));
    g.bench_function("cardpointe-emv", |b| {
        b.iter(|| ours(black_box(input), options))
    });
    g.bench_function("naive recursive", |b| {
        b.iter(|| naive_walk(black_box(input)))
    });
    g.bench_function("nom loop", |b| b.iter(|| nom_walk::walk(black_box(input))));
    g.bench_function("tlv_parser", |b| {
        b.iter(|| tlv_parser_walk(black_box(input)))
    });
    g.bench_function("iso7816-tlv", |b| b.iter(|| iso7816_walk(black_box(input))));
    // The physical bound: touching every byte once, as a copy of the same input.
    let mut copy = vec![0u8; input.len()];
    g.bench_function("memcpy (bound)", |b| {
        b.iter(|| {
            copy.copy_from_slice(black_box(input));
            black_box(&copy);
        })
    });
    g.finish();
}

/// Same answers from every parser before timing anything.
fn check(one: &[u8], many: &[u8], options: Options) {
    for input in [one, many] {
        let expected = ours(input, options);
        assert_eq!(naive_walk(input), expected);
        assert_eq!(nom_walk::walk(input), expected);
    }
    assert_eq!(
        Walker::new(many, options).count(),
        Walker::new(one, options).count() * (many.len() / one.len())
    );
}

fn benches(c: &mut Criterion) {
    let record = transaction_record().expect("record");
    let many = concatenated(64 * 1024).expect("64 KiB");
    check(&record, &many, Options::emv());
    compare(c, "tlv/a_record", &record, Options::emv());
    compare(c, "tlv/b_64KiB", &many, Options::emv());
    // What a VP3300 returns, read in the ID TECH dialect as cardpointe-vp3300 reads it.
    let id_tech = id_tech_record().expect("ID TECH record");
    let id_tech_many = id_tech_concatenated(64 * 1024).expect("64 KiB");
    check(&id_tech, &id_tech_many, Options::id_tech());
    assert_eq!(
        ours(&id_tech, Options::emv()),
        ours(&id_tech, Options::id_tech())
    );
    compare(c, "tlv/e_id_tech_record", &id_tech, Options::id_tech());
    compare(c, "tlv/f_id_tech_64KiB", &id_tech_many, Options::id_tech());

    let mut g = c.benchmark_group("tlv/c_wide");
    // iso7816-tlv is quadratic in the number of children (seconds per iteration here).
    g.sample_size(10);
    for n in [10_000usize, 20_000, 40_000] {
        let input = wide(n).expect("wide");
        g.throughput(Throughput::Bytes(input.len() as u64));
        g.bench_with_input(BenchmarkId::new("cardpointe-emv", n), &input, |b, i| {
            b.iter(|| ours(black_box(i), Options::emv()))
        });
        if n == 40_000 {
            g.bench_with_input(BenchmarkId::new("tlv_parser", n), &input, |b, i| {
                b.iter(|| tlv_parser_walk(black_box(i)))
            });
            g.bench_with_input(BenchmarkId::new("iso7816-tlv", n), &input, |b, i| {
                b.iter(|| iso7816_walk(black_box(i)))
            });
        }
    }
    g.finish();

    // Ours only: tlv_parser and iso7816-tlv recurse once per level and overflow the stack.
    let nested = deep(10_000).expect("deep");
    let mut g = c.benchmark_group("tlv/d_deep_10000");
    g.throughput(Throughput::Bytes(nested.len() as u64));
    g.bench_function("cardpointe-emv", |b| {
        b.iter(|| ours_deep(black_box(&nested)))
    });
    g.finish();
}

criterion_group!(tlv, benches);
criterion_main!(tlv);
