//! The emulator's request handler in process (no sockets): a keyed auth with capture — the
//! request every load test sends — and an inquire, the read path. The socket-level figure
//! (wrk over keep-alive) is in `crates/cardpointe-sim/load/auth.lua`.

use std::hint::black_box;

use cardpointe_sim::SiteConfig;
use cardpointe_sim::engine::{Engine, Modes, Request};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const AUTH: &str = "Basic dGVzdGluZzp0ZXN0aW5nMTIz";
const AUTH_BODY: &[u8] = br#"{"merchid":"496160873888","account":"4111111111111111","expiry":"1225","amount":"1.00","capture":"y"}"#;

fn handler(c: &mut Criterion) {
    let engine = Engine::new(SiteConfig::uat(), Modes::default());
    let mut group = c.benchmark_group("sim_handler");
    group.throughput(Throughput::Elements(1));
    group.bench_function("auth_capture", |b| {
        b.iter(|| {
            let response = engine.handle(&Request::new(
                "PUT",
                "/cardconnect/rest/auth",
                Some(AUTH),
                black_box(AUTH_BODY),
            ));
            black_box(response.body.len())
        });
    });
    let first = engine.handle(&Request::new(
        "PUT",
        "/cardconnect/rest/auth",
        Some(AUTH),
        AUTH_BODY,
    ));
    let retref = serde_json::from_slice::<serde_json::Value>(&first.body)
        .ok()
        .and_then(|v| v.get("retref").and_then(|r| r.as_str()).map(str::to_owned))
        .unwrap_or_default();
    let target = format!("/cardconnect/rest/inquire/{retref}/496160873888");
    group.bench_function("inquire", |b| {
        b.iter(|| {
            let response = engine.handle(&Request::new("GET", black_box(&target), Some(AUTH), b""));
            black_box(response.body.len())
        });
    });
    group.finish();
}

criterion_group!(benches, handler);
criterion_main!(benches);
