//! Parsing gateway JSON with `cardpointe-types`: an approved auth response (the hot path of every
//! payment) and a 50-item settlestat report (the reconciliation path).

use std::hint::black_box;

use cardpointe_types::{AuthRequest, Operation, SettlestatRequest};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// The approved FNOR sale of spec §2.1, as recorded on the wire.
const APPROVED_AUTH: &[u8] = br#"{"amount":"1.00","resptext":"Approval","commcard":" C ","cvvresp":"M","batchid":"1900941444","avsresp":" ","respcode":"00","merchid":"496160873888","token":"9405701444882224","authcode":"PPS568","respproc":"FNOR","retref":"363743267882","respstat":"A","account":"9405701444882224"}"#;

/// A settlestat body with one batch of `n` transactions.
fn settlestat_body(n: usize) -> Vec<u8> {
    let txns: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"setlamount":"{}.{:02}","setlstat":"Y","salesdoc":"ORDER-{i}","retref":"3430051{i:05}","authcode":"PPS{:03}","cardtype":"VISA"}}"#,
                1 + i,
                i % 100,
                i % 1000
            )
        })
        .collect();
    format!(
        r#"[{{"respproc":"FNOR","hostbatch":"1900940055","batchid":"1900940055","hoststat":"GB","merchid":"496160873888","txns":[{}]}}]"#,
        txns.join(",")
    )
    .into_bytes()
}

fn bench_json(c: &mut Criterion) {
    let mut g = c.benchmark_group("gateway_json");
    g.throughput(Throughput::Bytes(APPROVED_AUTH.len() as u64));
    g.bench_function("auth_response_approved", |b| {
        b.iter(|| AuthRequest::parse_response(black_box(APPROVED_AUTH)))
    });
    let report = settlestat_body(50);
    g.throughput(Throughput::Bytes(report.len() as u64));
    g.bench_function("settlestat_50_txns", |b| {
        b.iter(|| SettlestatRequest::parse_response(black_box(&report)))
    });
    g.finish();
}

criterion_group!(benches, bench_json);
criterion_main!(benches);
