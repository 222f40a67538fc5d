//! The lifecycle rules of section 3.7 over raw HTTP: capture, void, refund, batches closing on
//! demand and on the clock, settlestat and funding built from them, orderid look-ups with
//! duplicates, profiles charged by id, devicedata decrypted under the test DUKPT key, and the
//! ledger kept across restarts.

mod common;

use std::time::Duration;

use cardpointe_vp3300::Ksn;
use cardpointe_vp3300_sim::dukpt::{self, Bdk};
use common::*;
use serde_json::{Value, json};

async fn sale(
    sim: &cardpointe_sim::Sim,
    amount: &str,
    capture: bool,
    orderid: Option<&str>,
) -> Value {
    let mut body =
        json!({"merchid": MID, "account": "4111111111111111", "expiry": "1225", "amount": amount});
    if capture {
        body["capture"] = json!("Y");
    }
    if let Some(o) = orderid {
        body["orderid"] = json!(o);
    }
    let answer = gw(sim, "PUT", "auth", &body).await;
    assert_eq!(answer["respstat"], "A", "{answer}");
    answer
}

#[tokio::test]
async fn partial_capture_then_refund_only_after_settlement() {
    let sim = start().await;
    let auth = sale(&sim, "10.00", false, None).await;
    let retref = auth["retref"].as_str().unwrap();
    let capture = gw(
        &sim,
        "PUT",
        "capture",
        &json!({"merchid": MID, "retref": retref, "amount": "7.50"}),
    )
    .await;
    assert_eq!(
        (capture["setlstat"].as_str(), capture["amount"].as_str()),
        (Some("Queued for Capture"), Some("7.50"))
    );
    assert!(is_batchid(capture["batchid"].as_str().unwrap()));
    // Re-capturing while queued is accepted (the batch is still open).
    let again = gw(
        &sim,
        "POST",
        "capture",
        &json!({"merchid": MID, "retref": retref}),
    )
    .await;
    assert_eq!(again["respstat"], "A");
    // Refund before settlement: PPS 28.
    let early = gw(
        &sim,
        "PUT",
        "refund",
        &json!({"merchid": MID, "retref": retref}),
    )
    .await;
    assert_eq!(
        (early["respcode"].as_str(), early["resptext"].as_str()),
        (Some("28"), Some("Txn not settled"))
    );
    // Settle now through the admin API.
    let raw = call(&sim, "POST", "/__sim/settle", Some("{}")).await;
    assert_eq!(raw.json()["settled"], 1);
    let inquiry = get(&sim, &format!("inquire/{retref}/{MID}")).await;
    assert_eq!(
        (
            inquiry["setlstat"].as_str(),
            inquiry["voidable"].as_str(),
            inquiry["refundable"].as_str()
        ),
        (Some("Accepted"), Some("N"), Some("Y"))
    );
    // Capture and void after settlement are refused.
    assert_eq!(
        gw(
            &sim,
            "PUT",
            "capture",
            &json!({"merchid": MID, "retref": retref})
        )
        .await["respcode"],
        "27"
    );
    assert_eq!(
        gw(
            &sim,
            "PUT",
            "void",
            &json!({"merchid": MID, "retref": retref})
        )
        .await["respcode"],
        "27"
    );
    // Partial refund, then the rest; a new retref each time, offline approval.
    let part = gw(
        &sim,
        "PUT",
        "refund",
        &json!({"merchid": MID, "retref": retref, "amount": "2.50"}),
    )
    .await;
    assert_eq!(
        (
            part["authcode"].as_str(),
            part["respproc"].as_str(),
            part["amount"].as_str()
        ),
        (Some("REFUND"), Some("PPS"), Some("2.50"))
    );
    assert_ne!(part["retref"], retref);
    let rest = gw(
        &sim,
        "PUT",
        "refund",
        &json!({"merchid": MID, "retref": retref}),
    )
    .await;
    assert_eq!(rest["amount"], "5.00");
    // Nothing left.
    assert_eq!(
        gw(
            &sim,
            "PUT",
            "refund",
            &json!({"merchid": MID, "retref": retref})
        )
        .await["respstat"],
        "C"
    );
    // Refund with another MID: Txn not found.
    assert_eq!(
        gw(
            &sim,
            "PUT",
            "refund",
            &json!({"merchid": RPCT_MID, "retref": retref})
        )
        .await["respcode"],
        "29"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn void_rules_follow_the_settlement_state() {
    let sim = start().await;
    // Partial void while Authorized reduces the authorization.
    let auth = sale(&sim, "10.00", false, None).await;
    let retref = auth["retref"].as_str().unwrap();
    let partial = gw(
        &sim,
        "PUT",
        "void",
        &json!({"merchid": MID, "retref": retref, "amount": "4.00"}),
    )
    .await;
    assert_eq!(
        (partial["respstat"].as_str(), partial["amount"].as_str()),
        (Some("A"), Some("6.00"))
    );
    assert_eq!(
        get(&sim, &format!("inquire/{retref}/{MID}")).await["amount"],
        "6.00"
    );
    // Queued for capture: partial void refused, full void works.
    let captured = sale(&sim, "10.00", true, None).await;
    let r2 = captured["retref"].as_str().unwrap();
    assert_eq!(
        gw(
            &sim,
            "PUT",
            "void",
            &json!({"merchid": MID, "retref": r2, "amount": "1.00"})
        )
        .await["respstat"],
        "C"
    );
    assert_eq!(
        gw(&sim, "PUT", "void", &json!({"merchid": MID, "retref": r2})).await["respstat"],
        "A"
    );
    // A voided transaction is not captured.
    assert_eq!(
        gw(
            &sim,
            "PUT",
            "capture",
            &json!({"merchid": MID, "retref": r2})
        )
        .await["respstat"],
        "C"
    );
    // Batch transmitted but not settled: capture → PPS 27.
    let third = sale(&sim, "3.00", true, None).await;
    let r3 = third["retref"].as_str().unwrap();
    let raw = call(&sim, "POST", "/__sim/batches/close", Some("{}")).await;
    assert_eq!(raw.status, 200);
    let answer = gw(
        &sim,
        "PUT",
        "capture",
        &json!({"merchid": MID, "retref": r3}),
    )
    .await;
    assert_eq!(
        (answer["respcode"].as_str(), answer["resptext"].as_str()),
        (Some("27"), Some("Txn Batched"))
    );
    // More than 30 days later: PPS 39.
    let old = sale(&sim, "2.00", false, None).await;
    sim.advance_clock(Duration::from_secs(31 * 86_400));
    let late = gw(
        &sim,
        "PUT",
        "void",
        &json!({"merchid": MID, "retref": old["retref"]}),
    )
    .await;
    assert_eq!(
        (late["respcode"].as_str(), late["resptext"].as_str()),
        (Some("39"), Some("Void not permitted after 30 days"))
    );
    // Voice auth (authcode given): PPS 70.
    let voice = gw(&sim, "PUT", "auth", &json!({"merchid": MID, "account": "4111111111111111", "expiry": "1225", "amount": "1.00", "authcode": "123456"})).await;
    assert_eq!(
        gw(
            &sim,
            "PUT",
            "void",
            &json!({"merchid": MID, "retref": voice["retref"]})
        )
        .await["respcode"],
        "70"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn orderid_lookups_handle_duplicates_and_skip_declines() {
    let sim = start().await;
    let first = sale(&sim, "1.00", false, Some("ORDER-1")).await;
    let second = sale(&sim, "2.00", false, Some("ORDER-1")).await;
    // A later declined attempt with the same orderid.
    let declined = gw(&sim, "PUT", "auth", &json!({"merchid": MID, "account": "4387751111111038", "expiry": "1225", "amount": "3.00", "orderid": "ORDER-1"})).await;
    assert_eq!(declined["respstat"], "C");
    // inquireByOrderid returns every match (array when several).
    let all = get(&sim, &format!("inquireByOrderid/ORDER-1/{MID}/1")).await;
    assert_eq!(all.as_array().map(Vec::len), Some(3));
    // voidByOrderId voids the latest approved one, not the decline; repeating it is harmless.
    for _ in 0..3 {
        let void = gw(
            &sim,
            "PUT",
            "voidByOrderId",
            &json!({"merchid": MID, "orderid": "ORDER-1"}),
        )
        .await;
        assert_eq!(
            (
                void["respstat"].as_str(),
                void["retref"].as_str(),
                void["orderId"].as_str()
            ),
            (Some("A"), second["retref"].as_str(), Some("ORDER-1"))
        );
    }
    assert_eq!(
        get(
            &sim,
            &format!("inquire/{}/{MID}", first["retref"].as_str().unwrap())
        )
        .await["setlstat"],
        "Authorized"
    );
    // Unknown orderid → PPS 29 (safe to retry the auth).
    let none = get(&sim, &format!("inquireByOrderid/NOPE/{MID}/1")).await;
    assert_eq!(none["respcode"], "29");
    let single = sale(&sim, "4.00", false, Some("ORDER-2")).await;
    let found = get(&sim, &format!("inquireByOrderid/ORDER-2/{MID}")).await;
    assert_eq!(found["retref"], single["retref"]);
    sim.shutdown().await;
}

#[tokio::test]
async fn batches_settle_on_the_clock_and_feed_settlestat_and_funding() {
    let sim = start().await;
    let a = sale(&sim, "5.00", true, Some("SO-1")).await;
    sale(&sim, "7.00", true, None).await;
    // Nothing submitted yet.
    let raw = call(
        &sim,
        "GET",
        &format!("/cardconnect/rest/settlestat?merchid={MID}"),
        None,
    )
    .await;
    assert_eq!(raw.text(), "Null batches");
    // A day later the scheduled cut-off has passed: the batch settled by itself.
    sim.advance_clock(Duration::from_secs(86_400));
    let inquiry = get(
        &sim,
        &format!("inquire/{}/{MID}", a["retref"].as_str().unwrap()),
    )
    .await;
    assert_eq!(inquiry["setlstat"], "Accepted");
    assert!(
        inquiry["settledate"]
            .as_str()
            .is_some_and(|d| d.len() == 14)
    );
    let batches = get(&sim, &format!("settlestat?merchid={MID}")).await;
    let batch = &batches.as_array().unwrap()[0];
    assert_eq!(batch["hoststat"], "GB");
    let txns = batch["txns"].as_array().unwrap();
    assert_eq!(txns.len(), 2);
    assert!(
        txns.iter()
            .any(|t| t["salesdoc"] == "SO-1" && t["setlstat"] == "Y" && t["setlamount"] == "5.00")
    );
    // The cursor: the same caller does not get the batch twice.
    let raw = call(
        &sim,
        "GET",
        &format!("/cardconnect/rest/settlestat?merchid={MID}"),
        None,
    )
    .await;
    assert_eq!(raw.text(), "Null batches");
    // By batch id it is still there.
    let by_id = get(
        &sim,
        &format!(
            "settlestat?merchid={MID}&batchid={}",
            batch["batchid"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(by_id.as_array().map(Vec::len), Some(1));
    // Funding the day after settlement.
    let funding = get(&sim, &format!("funding?merchid={MID}")).await;
    assert_eq!(funding["fundings"][0]["netsales"], "12.00");
    assert_eq!(funding["txns"].as_array().map(Vec::len), Some(2));
    let none = get(&sim, &format!("funding?merchid={MID}")).await;
    assert_eq!(none["errormsg"], "No deposits match your request");
    sim.shutdown().await;
}

#[tokio::test]
async fn manual_batches_open_close_and_report_by_batch_source() {
    let sim = start().await;
    let open = get(&sim, &format!("openbatch/{MID}/POS1")).await;
    assert_eq!(open["respcode"], "success");
    let body = json!({"merchid": MID, "account": "4111111111111111", "expiry": "1225", "amount": "9.00", "capture": "Y", "batchsource": "POS1"});
    let auth = gw(&sim, "PUT", "auth", &body).await;
    assert_eq!(auth["batchid"], open["batchid"]);
    let report = gw(
        &sim,
        "POST",
        "settlestatByBatchSource",
        &json!({"merchid": MID, "batchsource": "POS1"}),
    )
    .await;
    assert_eq!(report[0]["chargecnt"], 1);
    assert_eq!(report[0]["chargetotal"], "9.00");
    let closed = get(
        &sim,
        &format!("closebatch/{MID}/{}", open["batchid"].as_str().unwrap()),
    )
    .await;
    assert_eq!(closed["respcode"], "success");
    let again = get(
        &sim,
        &format!("closebatch/{MID}/{}", open["batchid"].as_str().unwrap()),
    )
    .await;
    assert_eq!(
        (again["batchid"].as_str(), again["respcode"].as_str()),
        (Some("null"), Some("noBatch"))
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn auth_with_profile_creates_and_then_charges_the_default_account() {
    let sim = start().await;
    let first = gw(&sim, "PUT", "auth", &json!({"merchid": MID, "account": "4111111111111111", "expiry": "1225", "amount": "1.00", "profile": "Y"})).await;
    let pid = first["profileid"].as_str().unwrap().to_owned();
    assert_eq!(first["acctid"], "1");
    let charge = gw(
        &sim,
        "PUT",
        "auth",
        &json!({"merchid": MID, "profile": pid, "amount": "2.00"}),
    )
    .await;
    assert_eq!(
        (charge["respstat"].as_str(), charge["token"].as_str()),
        (Some("A"), first["token"].as_str())
    );
    let missing = gw(
        &sim,
        "PUT",
        "auth",
        &json!({"merchid": MID, "profile": "12345678901234567890/1", "amount": "2.00"}),
    )
    .await;
    assert_eq!(
        (missing["respcode"].as_str(), missing["resptext"].as_str()),
        (Some("96"), Some("Profile not found"))
    );
    // An unknown token → PPS 98.
    let token = gw(
        &sim,
        "PUT",
        "auth",
        &json!({"merchid": MID, "account": "9999999999999995", "amount": "2.00"}),
    )
    .await;
    assert_eq!(token["respcode"], "98");
    sim.shutdown().await;
}

#[tokio::test]
async fn validation_follows_the_gateway_order() {
    let sim = start().await;
    let cases = [
        (
            json!({"account": "4111111111111112", "expiry": "1225", "amount": "1"}),
            "13",
        ),
        (
            json!({"account": "1234567812345670", "expiry": "1225", "amount": "1"}),
            "33",
        ),
        (
            json!({"account": "4111111111111111", "expiry": "1225", "cvv2": "12a", "amount": "1"}),
            "14",
        ),
        (
            json!({"account": "4111111111111111", "expiry": "12/25", "amount": "1"}),
            "15",
        ),
        (
            json!({"account": "4111111111111111", "expiry": "1225", "amount": "1.234"}),
            "43",
        ),
        (
            json!({"account": "4111111111111111", "expiry": "1225", "amount": "1", "currency": "CAD"}),
            "32",
        ),
        (
            json!({"account": "4111111111111111", "expiry": "1225", "amount": "-1.00"}),
            "45",
        ),
        // Account problems come before amount problems.
        (
            json!({"account": "4111111111111112", "expiry": "1225", "amount": "bad"}),
            "13",
        ),
    ];
    for (mut body, code) in cases {
        body["merchid"] = json!(MID);
        let answer = gw(&sim, "PUT", "auth", &body).await;
        assert_eq!(
            (
                answer["respcode"].as_str(),
                answer["respproc"].as_str(),
                answer["respstat"].as_str()
            ),
            (Some(code), Some("PPS"), Some("C")),
            "{body}"
        );
        assert!(is_retref(answer["retref"].as_str().unwrap()));
    }
    // Tolerant parsing: numbers as amounts, lower-case flags, extra keys.
    let answer = gw(&sim, "PUT", "auth", &json!({"merchid": MID, "account": 4111111111111111u64, "expiry": 1225, "amount": 500, "capture": "y", "frontendid": "x", "ecomind": "E"})).await;
    assert_eq!(
        (answer["respstat"].as_str(), answer["amount"].as_str()),
        (Some("A"), Some("5.00"))
    );
    assert!(answer["batchid"].is_string());
    sim.shutdown().await;
}

#[tokio::test]
async fn avs_and_cvv_triggers_reach_the_response() {
    let sim = start().await;
    let answer = gw(&sim, "PUT", "auth", &json!({"merchid": RPCT_MID, "account": "4111111111111111", "expiry": "1225", "amount": "1", "postal": "55112", "cvv2": "111"})).await;
    assert_eq!(
        (
            answer["avsresp"].as_str(),
            answer["cvvresp"].as_str(),
            answer["respcode"].as_str()
        ),
        (Some("N"), Some("N"), Some("000"))
    );
    sim.shutdown().await;
}

fn tlv(tag: &[u8], value: &[u8]) -> Vec<u8> {
    let mut out = tag.to_vec();
    out.push(u8::try_from(value.len()).unwrap());
    out.extend_from_slice(value);
    out
}

#[tokio::test]
async fn devicedata_under_the_test_dukpt_key_tokenizes_the_real_card() {
    let sim = start().await;
    let ksn = Ksn::from_hex("FFFF9876543210E0000A").unwrap();
    let pan = dukpt::encrypt_data(
        &Bdk::ANSI_TEST,
        &ksn,
        &[0x54, 0x13, 0x33, 0x00, 0x89, 0x02, 0x00, 0x11],
    )
    .unwrap();
    let mut payload = tlv(&[0xDF, 0xEE, 0x12], ksn.as_bytes());
    payload.extend(tlv(&[0x5A], &pan));
    payload.extend(tlv(
        &[0xDF, 0xEF, 0x5B],
        &[0x54, 0x13, 0xCC, 0xCC, 0xCC, 0xCC, 0x00, 0x11],
    ));
    payload.extend(tlv(&[0x5F, 0x24], &[0x27, 0x12, 0x31]));
    let hex: String = payload.iter().map(|b| format!("{b:02X}")).collect();
    let body = json!({"devicedata": hex}).to_string();
    let token = call(&sim, "POST", "/cardsecure/api/v1/ccn/tokenize", Some(&body))
        .await
        .json();
    let clear = call(
        &sim,
        "POST",
        "/cardsecure/api/v1/ccn/tokenize",
        Some(r#"{"account":"5413330089020011"}"#),
    )
    .await
    .json();
    assert_eq!(
        token["token"], clear["token"],
        "the reader payload yields the card behind it"
    );
    // The token then authorizes as card-present (EMV), with the expiry from the chip.
    let auth = gw(
        &sim,
        "PUT",
        "auth",
        &json!({"merchid": RPCT_MID, "account": token["token"], "amount": "1.00"}),
    )
    .await;
    assert_eq!(
        (
            auth["respstat"].as_str(),
            auth["entrymode"].as_str(),
            auth["expiry"].as_str()
        ),
        (Some("A"), Some("EMVContact"), Some("1227"))
    );
    // A corrupted ciphertext under the test key: CardSecure 24.
    let mut broken = payload.clone();
    let at = 14 + 2 + 3; // inside the 5A ciphertext
    broken[at] ^= 0xFF;
    let hex: String = broken.iter().map(|b| format!("{b:02X}")).collect();
    let raw = call(
        &sim,
        "POST",
        "/cardsecure/api/v1/ccn/tokenize",
        Some(&json!({"devicedata": hex}).to_string()),
    )
    .await;
    assert_eq!(raw.status, 400);
    sim.shutdown().await;
}

#[tokio::test]
async fn ledger_survives_a_restart_with_a_state_file() {
    let dir = std::env::temp_dir().join(format!("cardpointe-sim-state-{}", std::process::id()));
    let _ = std::fs::remove_file(&dir);
    let sim = cardpointe_sim::Sim::builder()
        .state_file(dir.clone())
        .start()
        .await
        .unwrap();
    let auth = sale(&sim, "3.21", false, Some("KEEP")).await;
    sim.shutdown().await;
    let sim = cardpointe_sim::Sim::builder()
        .state_file(dir.clone())
        .start()
        .await
        .unwrap();
    let inquiry = get(
        &sim,
        &format!("inquire/{}/{MID}", auth["retref"].as_str().unwrap()),
    )
    .await;
    assert_eq!(
        (inquiry["amount"].as_str(), inquiry["orderId"].as_str()),
        (Some("3.21"), Some("KEEP"))
    );
    // Tokens too: the same card keeps its token.
    let again = sale(&sim, "1.00", false, None).await;
    assert_eq!(again["token"], auth["token"]);
    sim.shutdown().await;
    let _ = std::fs::remove_file(&dir);
}

#[tokio::test]
async fn a_transaction_marked_for_rejection_settles_rejected_and_is_not_funded() {
    let sim = start().await;
    let good = sale(&sim, "4.00", true, None).await;
    let bad = sale(&sim, "6.00", true, None).await;
    let raw = call(
        &sim,
        "POST",
        "/__sim/reject",
        Some(&json!({"retref": bad["retref"]}).to_string()),
    )
    .await;
    assert_eq!(raw.status, 200);
    sim.settle_now();
    let inquiry = get(
        &sim,
        &format!("inquire/{}/{MID}", bad["retref"].as_str().unwrap()),
    )
    .await;
    assert_eq!(
        (inquiry["setlstat"].as_str(), inquiry["refundable"].as_str()),
        (Some("Rejected"), Some("N"))
    );
    let batches = get(&sim, &format!("settlestat?merchid={MID}")).await;
    let batch = &batches[0];
    assert_eq!(batch["hoststat"], "MB");
    let short: Vec<&str> = batch["txns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["setlstat"].as_str().unwrap())
        .collect();
    assert_eq!(short.iter().filter(|s| **s == "N").count(), 1);
    let funding = get(&sim, &format!("funding?merchid={MID}")).await;
    assert_eq!(funding["fundings"][0]["netsales"], "4.00");
    assert_eq!(funding["txns"][0]["retref"], good["retref"]);
    sim.shutdown().await;
}
