//! The emulator's request handler in process (no sockets): a keyed auth with capture — the
//! request every load test sends —, a chip auth whose `track` holds the reader's encrypted
//! EMV data (TLV walk, DUKPT decryption, `emv` and `emvTagData`), and an inquire, the read
//! path. The socket-level figure (wrk over keep-alive) is in
//! `crates/cardpointe-sim/load/auth.lua`.

use std::hint::black_box;

use cardpointe_sim::SiteConfig;
use cardpointe_sim::engine::{Engine, HttpRequest, Modes};
use cardpointe_vp3300::Ksn;
use cardpointe_vp3300_sim::dukpt::{self, Bdk};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const AUTH: &str = "Basic dGVzdGluZzp0ZXN0aW5nMTIz";
const AUTH_BODY: &[u8] = br#"{"merchid":"496160873888","account":"4111111111111111","expiry":"1225","amount":"1.00","capture":"y"}"#;

fn tlv(out: &mut Vec<u8>, tag: &[u8], value: &[u8]) {
    out.extend_from_slice(tag);
    out.push(u8::try_from(value.len()).unwrap_or(u8::MAX));
    out.extend_from_slice(value);
}

/// An auth body whose `track` is a VP3300 chip read of the UAT Visa under the ANSI test key:
/// encrypted 5A with its masked copy, the KSN, and the tags `emvTagData` is built from.
fn emv_auth_body() -> Vec<u8> {
    let ksn = Ksn::ANSI_TEST_INITIAL.with_counter(1);
    let pan = [0x47, 0x88, 0x25, 0x00, 0x00, 0x12, 0x14, 0x43];
    let sealed = dukpt::encrypt_data(&Bdk::ANSI_TEST, &ksn, &pan).unwrap_or_default();
    let mut read = Vec::new();
    tlv(&mut read, &[0xDF, 0xEE, 0x25], &[0x00, 0x04]);
    tlv(&mut read, &[0xDF, 0xEE, 0x12], ksn.as_bytes());
    tlv(
        &mut read,
        &[0x4F],
        &[0xA0, 0x00, 0x00, 0x00, 0x03, 0x10, 0x10],
    );
    tlv(&mut read, &[0x50], b"VISA CREDIT");
    tlv(&mut read, &[0x5A], &sealed);
    tlv(
        &mut read,
        &[0xDF, 0xEF, 0x5B],
        &[0x47, 0x88, 0xCC, 0xCC, 0xCC, 0xCC, 0x14, 0x43],
    );
    tlv(&mut read, &[0x5F, 0x24], &[0x30, 0x12, 0x31]);
    tlv(&mut read, &[0x95], &[0x00, 0x00, 0x00, 0x80, 0x00]);
    tlv(&mut read, &[0x9B], &[0xE8, 0x00]);
    tlv(
        &mut read,
        &[0x9F, 0x10],
        &[0x06, 0x01, 0x0A, 0x03, 0xA0, 0x00, 0x00],
    );
    tlv(&mut read, &[0x9F, 0x26], &[1, 2, 3, 4, 5, 6, 7, 8]);
    tlv(&mut read, &[0x9F, 0x34], &[0x1E, 0x03, 0x00]);
    tlv(&mut read, &[0x9F, 0x39], &[0x05]);
    let hex: String = read.iter().map(|b| format!("{b:02X}")).collect();
    format!(r#"{{"merchid":"496160873888","amount":"12.34","track":"{hex}"}}"#).into_bytes()
}

fn handler(c: &mut Criterion) {
    let engine = Engine::new(SiteConfig::uat(), Modes::default());
    let mut group = c.benchmark_group("sim_handler");
    group.throughput(Throughput::Elements(1));
    group.bench_function("auth_capture", |b| {
        b.iter(|| {
            let response = engine.handle(&HttpRequest::new(
                "PUT",
                "/cardconnect/rest/auth",
                Some(AUTH),
                black_box(AUTH_BODY),
            ));
            black_box(response.body.len())
        });
    });
    let emv_body = emv_auth_body();
    // Set-up check: the body is read as a chip auth (a wrong one would time a PPS decline).
    let probe = engine.handle(&HttpRequest::new(
        "PUT",
        "/cardconnect/rest/auth",
        Some(AUTH),
        &emv_body,
    ));
    assert!(
        String::from_utf8_lossy(&probe.body).contains("emvTagData"),
        "the chip auth body must answer emvTagData"
    );
    group.bench_function("auth_emv_track", |b| {
        b.iter(|| {
            let response = engine.handle(&HttpRequest::new(
                "PUT",
                "/cardconnect/rest/auth",
                Some(AUTH),
                black_box(&emv_body),
            ));
            black_box(response.body.len())
        });
    });
    let first = engine.handle(&HttpRequest::new(
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
            let response = engine.handle(&HttpRequest::new(
                "GET",
                black_box(&target),
                Some(AUTH),
                b"",
            ));
            black_box(response.body.len())
        });
    });
    group.finish();
}

criterion_group!(benches, handler);
criterion_main!(benches);
