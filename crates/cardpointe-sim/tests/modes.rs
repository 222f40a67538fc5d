//! Test modes over raw sockets: fault injection (delay, close before/after recording, 500,
//! malformed JSON) checked against the ledger, the UAT rate limit, and UAT chaos.

mod common;

use std::time::{Duration, Instant};

use cardpointe_sim::{FaultKind, FaultRule};
use common::*;
use serde_json::json;

fn auth_body(orderid: &str) -> String {
    json!({"merchid": MID, "account": "4111111111111111", "expiry": "1225", "amount": "1.00", "orderid": orderid}).to_string()
}

#[tokio::test]
async fn close_after_records_the_sale_and_inquire_by_orderid_recovers_it() {
    let sim = start().await;
    sim.inject(FaultRule::once("auth", FaultKind::CloseAfter));
    let bytes = request_bytes(
        "PUT",
        "/cardconnect/rest/auth",
        Some(AUTH),
        Some(&auth_body("LOST-1")),
        true,
    );
    let answer = send_raw(&sim, &bytes).await;
    assert!(
        answer.map(|b| b.is_empty()).unwrap_or(true),
        "no answer when the connection is dropped"
    );
    // The transaction exists: the client's recovery finds it instead of charging twice.
    let ledger = sim.ledger();
    assert_eq!(
        ledger
            .iter()
            .filter(|e| e.orderid.as_deref() == Some("LOST-1"))
            .count(),
        1
    );
    let listed = call(&sim, "GET", "/__sim/ledger?orderid=LOST-1", None)
        .await
        .json();
    assert_eq!(listed["transactions"].as_array().map(Vec::len), Some(1));
    assert_eq!(listed["transactions"][0]["setlstat"], "Authorized");
    let found = get(&sim, &format!("inquireByOrderid/LOST-1/{MID}/1")).await;
    assert_eq!(found["respstat"], "A");
    // The rule was used up: the next auth answers.
    assert_eq!(
        gw(
            &sim,
            "PUT",
            "auth",
            &serde_json::from_str(&auth_body("LOST-2")).unwrap()
        )
        .await["respstat"],
        "A"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn close_before_records_nothing() {
    let sim = start().await;
    sim.inject(FaultRule::once("auth", FaultKind::CloseBefore).for_orderid("NEVER"));
    let bytes = request_bytes(
        "PUT",
        "/cardconnect/rest/auth",
        Some(AUTH),
        Some(&auth_body("NEVER")),
        true,
    );
    let answer = send_raw(&sim, &bytes).await;
    assert!(answer.map(|b| b.is_empty()).unwrap_or(true));
    assert!(sim.ledger().is_empty());
    let none = get(&sim, &format!("inquireByOrderid/NEVER/{MID}/1")).await;
    assert_eq!(none["respcode"], "29");
    sim.shutdown().await;
}

#[tokio::test]
async fn a_too_many_requests_fault_answers_429_and_records_nothing() {
    let sim = start().await;
    let rule = json!({"endpoint": "auth", "fault": "too_many_requests", "times": 1}).to_string();
    assert_eq!(
        call(&sim, "POST", "/__sim/faults", Some(&rule))
            .await
            .status,
        200
    );
    let refused = call(
        &sim,
        "PUT",
        "/cardconnect/rest/auth",
        Some(&auth_body("LIMITED")),
    )
    .await;
    assert_eq!(refused.status, 429);
    assert!(sim.ledger().is_empty(), "a refused auth is not recorded");
    // Used up: the same auth now goes through.
    let again = call(
        &sim,
        "PUT",
        "/cardconnect/rest/auth",
        Some(&auth_body("LIMITED")),
    )
    .await;
    assert_eq!(again.json()["respstat"], "A");
    assert_eq!(sim.ledger().len(), 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn server_error_malformed_json_and_delay_faults_come_from_the_admin_api() {
    let sim = start().await;
    let rule = json!({"endpoint": "inquire", "fault": "server_error", "times": 1}).to_string();
    assert_eq!(
        call(&sim, "POST", "/__sim/faults", Some(&rule))
            .await
            .status,
        200
    );
    let raw = call(
        &sim,
        "GET",
        &format!("/cardconnect/rest/inquire/1/{MID}"),
        None,
    )
    .await;
    assert_eq!(raw.status, 500);
    let rule = json!({"endpoint": "auth", "fault": "malformed_json", "times": 1}).to_string();
    call(&sim, "POST", "/__sim/faults", Some(&rule)).await;
    let raw = call(
        &sim,
        "PUT",
        "/cardconnect/rest/auth",
        Some(&auth_body("BROKEN")),
    )
    .await;
    assert_eq!(raw.status, 200);
    assert!(serde_json::from_slice::<serde_json::Value>(&raw.body).is_err());
    assert_eq!(
        sim.ledger().len(),
        1,
        "malformed answers still record the sale"
    );
    let rule =
        json!({"endpoint": "auth", "fault": "delay", "delay_ms": 300, "times": 1}).to_string();
    call(&sim, "POST", "/__sim/faults", Some(&rule)).await;
    let started = Instant::now();
    let raw = call(
        &sim,
        "PUT",
        "/cardconnect/rest/auth",
        Some(&auth_body("SLOW")),
    )
    .await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(raw.json()["respstat"], "A");
    assert_eq!(
        call(&sim, "GET", "/__sim/faults", None).await.json()["faults"],
        json!([])
    );
    // The ledger endpoint lists every transaction.
    let ledger = call(&sim, "GET", "/__sim/ledger", None).await.json();
    assert_eq!(ledger["transactions"].as_array().map(Vec::len), Some(2));
    sim.shutdown().await;
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after() {
    let sim = cardpointe_sim::Sim::builder()
        .rate_limit(Some(3))
        .start()
        .await
        .unwrap();
    for remaining in ["2", "1", "0"] {
        let raw = call(
            &sim,
            "GET",
            &format!("/cardconnect/rest/inquire/1/{MID}"),
            None,
        )
        .await;
        assert_eq!(
            (raw.status, raw.header("x-rate-limit-remaining")),
            (200, Some(remaining))
        );
    }
    let raw = call(
        &sim,
        "GET",
        &format!("/cardconnect/rest/inquire/1/{MID}"),
        None,
    )
    .await;
    assert_eq!(raw.status, 429);
    assert!(raw.header("x-rate-limit-retry-after-seconds").is_some());
    // auth is not rate limited.
    assert_eq!(
        call(
            &sim,
            "PUT",
            "/cardconnect/rest/auth",
            Some(&auth_body("RL"))
        )
        .await
        .status,
        200
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn chaos_mode_shuffles_keys_and_adds_junk_but_keeps_every_field() {
    let sim = start().await;
    call(&sim, "POST", "/__sim/modes", Some(r#"{"chaos":true}"#)).await;
    let mut orders = std::collections::HashSet::new();
    for i in 0..8 {
        let raw = call(
            &sim,
            "PUT",
            "/cardconnect/rest/auth",
            Some(&auth_body(&format!("C{i}"))),
        )
        .await;
        let text = raw.text();
        let value = raw.json();
        let object = value.as_object().unwrap();
        for key in [
            "respstat", "retref", "token", "amount", "respcode", "merchid", "authcode",
        ] {
            assert!(
                object.contains_key(key),
                "{key} missing in chaos mode: {text}"
            );
        }
        assert!(object.len() > 14, "junk keys are added: {text}");
        let first_key = text.split('"').nth(1).unwrap().to_owned();
        orders.insert(first_key);
    }
    assert!(orders.len() > 1, "key order changes between answers");
    sim.shutdown().await;
}
