//! Any body — JSON of any shape or arbitrary bytes — on any endpoint yields a well-formed
//! HTTP answer from the handler, never a panic; and a socket fed garbage gets an answer or a
//! close, never a hang.

mod common;

use std::time::Duration;

use cardpointe_sim::SiteConfig;
use cardpointe_sim::engine::{Engine, HttpRequest, Modes};
use proptest::prelude::*;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const AUTH: &str = common::AUTH;

const TARGETS: &[(&str, &str)] = &[
    ("PUT", "/cardconnect/rest/auth"),
    ("POST", "/cardconnect/rest/capture"),
    ("PUT", "/cardconnect/rest/void"),
    ("PUT", "/cardconnect/rest/voidByOrderId"),
    ("PUT", "/cardconnect/rest/refund"),
    ("PUT", "/cardconnect/rest/profile"),
    ("PUT", "/cardconnect/rest/sigcap"),
    ("POST", "/cardconnect/rest/settlestatByBatchSource"),
    ("PUT", "/cardconnect/rest/"),
    ("GET", "/cardconnect/rest/inquire/1/496160873888"),
    ("GET", "/cardconnect/rest/settlestat?merchid=496160873888"),
    (
        "GET",
        "/cardconnect/rest/funding?merchid=496160873888&date=0101",
    ),
    ("POST", "/cardsecure/api/v1/ccn/tokenize"),
    ("POST", "/cardsecure/api/v1/echo"),
    ("POST", "/__sim/faults"),
    ("POST", "/__sim/modes"),
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "[0-9]{0,20}".prop_map(Value::String),
        "[ -~]{0,24}".prop_map(Value::String),
        prop::sample::select(vec![
            "4111111111111111",
            "4999006200620062",
            "9418594164541111",
            "Y",
            "y",
            "1225",
            "10.00",
            "-1",
            "496160873888",
            "800000009033",
            "036001808",
            "FFFF9876543210E00001"
        ])
        .prop_map(|s| Value::String(s.to_owned())),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop::sample::select(vec![
                        "merchid",
                        "account",
                        "amount",
                        "expiry",
                        "cvv2",
                        "retref",
                        "orderid",
                        "profile",
                        "capture",
                        "track",
                        "devicedata",
                        "bankaba",
                        "accttype",
                        "currency",
                        "postal",
                        "message",
                        "fault",
                        "endpoint",
                        "times",
                        "chaos",
                        "rate_limit_per_minute",
                        "x"
                    ]),
                    inner
                ),
                0..8
            )
            .prop_map(|pairs| Value::Object(
                pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
            )),
        ]
    })
}

fn check(engine: &Engine, method: &str, target: &str, body: &[u8]) {
    let response = engine.handle(&HttpRequest::new(method, target, Some(AUTH), body));
    if response.disconnect.is_some() {
        return;
    }
    assert!(
        (200..=599).contains(&response.status),
        "status {}",
        response.status
    );
    let content_type = response
        .headers
        .iter()
        .find(|(k, _)| *k == "Content-Type")
        .map(|(_, v)| v.as_str());
    if content_type == Some("application/json") && response.body != b"Null batches" {
        assert!(
            serde_json::from_slice::<Value>(&response.body).is_ok(),
            "{target}: invalid JSON {:?}",
            String::from_utf8_lossy(&response.body)
        );
    }
    assert!(response.delay.is_none_or(|d| d <= Duration::from_secs(60)));
}

fn engine() -> Engine {
    let modes = Modes::default();

    Engine::new(SiteConfig::uat(), modes)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn any_json_body_on_any_endpoint_gets_a_well_formed_answer(value in json_value(), target in 0..TARGETS.len()) {
        let engine = engine();
        let (method, path) = TARGETS[target];
        check(&engine, method, path, value.to_string().as_bytes());
    }

    #[test]
    fn any_bytes_on_any_endpoint_get_a_well_formed_answer(bytes in prop::collection::vec(any::<u8>(), 0..256), target in 0..TARGETS.len(), method in prop::sample::select(vec!["GET", "PUT", "POST", "DELETE", "PATCH", "get"])) {
        let engine = engine();
        check(&engine, method, TARGETS[target].1, &bytes);
    }

    #[test]
    fn any_path_gets_a_well_formed_answer(path in "/[a-zA-Z_/%?=&.0-9-]{0,60}", auth in prop::option::of("[ -~]{0,40}")) {
        let engine = engine();
        let response = engine.handle(&HttpRequest::new("GET", &path, auth.as_deref(), b""));
        prop_assert!((200..=599).contains(&response.status));
    }
}

#[tokio::test]
async fn garbage_on_the_socket_gets_an_answer_or_a_close_never_a_hang() {
    let sim = common::start_plain().await;
    let inputs: &[&[u8]] = &[
        b"\x00\x01\x02\x03\r\n\r\n",
        b"GET / HTTP/9.9\r\n\r\n",
        b"PUT /cardconnect/rest/auth HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n{",
        b"PUT /cardconnect/rest/auth HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n",
        b"GET /cardconnect/rest/ HTTP/1.1\r\nHost: x\r\nAuthorization: Basic !!!\r\nConnection: close\r\n\r\n",
    ];
    for input in inputs {
        let mut tcp = tokio::net::TcpStream::connect(sim.addr()).await.unwrap();
        tcp.write_all(input).await.unwrap();
        let _ = tcp.shutdown().await;
        let mut buf = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(5), tcp.read_to_end(&mut buf)).await;
        assert!(read.is_ok(), "hung on {:?}", String::from_utf8_lossy(input));
        if !buf.is_empty() {
            assert!(
                buf.starts_with(b"HTTP/1.1 "),
                "{:?}",
                String::from_utf8_lossy(&buf)
            );
        }
    }
    sim.shutdown().await;
}
