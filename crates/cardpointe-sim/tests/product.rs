//! The emulator as a product for other languages' test suites: a readiness probe, a reset
//! between tests, and a request id on every answer — over real HTTPS and plain HTTP, with a
//! hand-written HTTP client.

mod common;

use common::{AUTH, call, gw, parse_response, request_bytes, send_raw, start, start_plain};
use serde_json::json;

#[tokio::test]
async fn health_answers_ok_with_the_api_roots_over_https_and_plain_http() {
    for sim in [start().await, start_plain().await] {
        // No credentials: a readiness probe is called before a client is configured.
        let bytes = request_bytes("GET", "/__sim/health", None, None, true);
        let raw = parse_response(&send_raw(&sim, &bytes).await.unwrap())
            .unwrap()
            .0;
        assert_eq!(raw.status, 200, "{}", raw.text());
        assert_eq!(raw.header("content-type"), Some("application/json"));
        let body = raw.json();
        assert_eq!(body["status"], "ok");
        assert_eq!(body["gateway"], "/cardconnect/rest/");
        assert_eq!(body["cardsecure"], "/cardsecure/api/v1/");
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn reset_empties_ledger_and_faults_and_restores_clock_and_modes() {
    let sim = start().await;
    let auth = gw(
        &sim,
        "PUT",
        "auth",
        &json!({"merchid": common::MID, "account": "4111111111111111", "expiry": "1230",
                "amount": "1.00", "orderid": "RESET-1", "capture": "Y"}),
    )
    .await;
    assert_eq!(auth["respstat"], "A", "{auth}");
    let profile = gw(
        &sim,
        "PUT",
        "profile",
        &json!({"merchid": common::MID, "account": "4111111111111111", "expiry": "1230"}),
    )
    .await;
    let profileid = profile["profileid"].as_str().unwrap().to_owned();
    let profile_path = format!("/cardconnect/rest/profile/{profileid}//{}", common::MID);
    let read = call(&sim, "GET", &profile_path, None).await.json();
    assert_eq!(read[0]["profileid"], profileid.as_str(), "{read}");
    let rule = json!({"endpoint": "auth", "fault": "server_error"}).to_string();
    let added = call(&sim, "POST", "/__sim/faults", Some(&rule)).await;
    assert_eq!(added.status, 200, "{}", added.text());
    call(
        &sim,
        "POST",
        "/__sim/clock/advance",
        Some(r#"{"seconds":86400}"#),
    )
    .await;
    call(&sim, "POST", "/__sim/modes", Some(r#"{"chaos":true}"#)).await;
    let before_ms = call(&sim, "GET", "/__sim/clock", None).await.json()["now_ms"]
        .as_i64()
        .unwrap();
    assert_eq!(sim.ledger().len(), 1);

    let reset = call(&sim, "POST", "/__sim/reset", None).await;
    assert_eq!(reset.status, 200, "{}", reset.text());
    assert_eq!(reset.json()["reset"], true);

    assert!(sim.ledger().is_empty(), "ledger kept: {:?}", sim.ledger());
    let ledger = call(&sim, "GET", "/__sim/ledger", None).await.json();
    assert_eq!(ledger["transactions"], json!([]));
    assert_eq!(
        call(&sim, "GET", "/__sim/faults", None).await.json()["faults"],
        json!([])
    );
    assert_eq!(
        call(&sim, "GET", "/__sim/modes", None).await.json()["chaos"],
        false
    );
    let after_ms = call(&sim, "GET", "/__sim/clock", None).await.json()["now_ms"]
        .as_i64()
        .unwrap();
    assert!(
        before_ms - after_ms > 86_000_000,
        "clock not reset: {before_ms} then {after_ms}"
    );
    // The profile is gone (a read answers the gateway's 'Profile not found', not the accounts),
    // and an auth goes through again (the fault rule is gone).
    let read = call(&sim, "GET", &profile_path, None).await.json();
    assert_eq!(
        read[0]["respstat"], "C",
        "profile survived the reset: {read}"
    );
    assert_eq!(read[0]["resptext"], "Profile not found", "{read}");
    assert!(read[0].get("profileid").is_none(), "{read}");
    let again = gw(
        &sim,
        "PUT",
        "auth",
        &json!({"merchid": common::MID, "account": "4111111111111111", "expiry": "1230",
                "amount": "1.00", "orderid": "RESET-1"}),
    )
    .await;
    assert_eq!(again["respstat"], "A", "{again}");
    assert_eq!(sim.ledger().len(), 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn every_answer_carries_a_request_id_echoing_the_clients() {
    let sim = start().await;
    let mut bytes = request_bytes("GET", "/cardconnect/rest/", Some(AUTH), None, true);
    let at = bytes.windows(2).position(|w| w == b"\r\n").unwrap() + 2;
    bytes.splice(
        at..at,
        b"X-Request-Id: ci-run-42/test-7\r\n".iter().copied(),
    );
    let raw = parse_response(&send_raw(&sim, &bytes).await.unwrap())
        .unwrap()
        .0;
    assert_eq!(raw.header("x-request-id"), Some("ci-run-42/test-7"));

    // Without one (and on errors, admin calls and bad credentials), a fresh id each time.
    let first = call(&sim, "GET", "/__sim/nope", None).await;
    assert_eq!(first.status, 404);
    let bad = send_raw(
        &sim,
        &request_bytes("GET", "/cardconnect/rest/", Some("Basic eDp5"), None, true),
    )
    .await
    .unwrap();
    let bad = parse_response(&bad).unwrap().0;
    assert_eq!(bad.status, 401);
    let ids: Vec<&str> = [&first, &bad]
        .iter()
        .map(|r| r.header("x-request-id").expect("a request id"))
        .collect();
    assert!(ids.iter().all(|id| id.starts_with("sim-")), "{ids:?}");
    assert_ne!(ids[0], ids[1]);
    sim.shutdown().await;
}

#[tokio::test]
async fn an_unknown_admin_call_names_the_admin_api() {
    let sim = start_plain().await;
    let raw = call(&sim, "GET", "/__sim/helth", None).await;
    assert_eq!(raw.status, 404);
    let error = raw.json()["error"].as_str().unwrap().to_owned();
    for endpoint in [
        "/__sim/health",
        "/__sim/reset",
        "/__sim/ledger",
        "/__sim/faults",
    ] {
        assert!(error.contains(endpoint), "{error}");
    }
    sim.shutdown().await;
}
