//! The answers the emulator builds from `cardpointe-types`' response models (inquireMerchant,
//! CardSecure tokenize and echo), checked over raw HTTP bytes against literal JSON, so a
//! mistake in those models cannot hide behind the client that shares them.

mod common;

use common::*;
use serde_json::{Value, json};

#[tokio::test]
async fn inquire_merchant_answers_the_documented_fields_with_their_json_types() {
    let sim = start().await;
    let raw = call(
        &sim,
        "GET",
        &format!("/cardconnect/rest/inquireMerchant/{MID}"),
        None,
    )
    .await;
    assert_eq!(raw.status, 200, "{}", raw.text());
    assert_eq!(raw.header("Content-Type"), Some("application/json"));
    assert_eq!(
        raw.json(),
        json!({"site": "fts-uat", "cardproc": "FNOR", "merchid": MID, "enabled": true,
               "echeck": "Y", "cvv": "Y", "avs": "Y", "acctupdater": "N", "fee_type": "N",
               "fee_format": "", "fee_value": "", "fee_merchid": ""})
    );
    // The RPCT merchant has no linked ACH merchant.
    let rpct = get(&sim, &format!("inquireMerchant/{RPCT_MID}")).await;
    assert_eq!(
        (rpct["cardproc"].as_str(), rpct["echeck"].as_str()),
        (Some("RPCT"), Some("N"))
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn cardsecure_success_answers_carry_an_integer_errorcode() {
    let sim = start().await;
    let tokenize = call(
        &sim,
        "POST",
        "/cardsecure/api/v1/ccn/tokenize",
        Some(r#"{"account":"4111111111111111"}"#),
    )
    .await;
    let answer = tokenize.json();
    assert_eq!(answer["message"], "No error");
    assert_eq!(answer["errorcode"], Value::from(0));
    assert!(is_token(answer["token"].as_str().unwrap()), "{answer}");
    assert_eq!(answer.as_object().map(serde_json::Map::len), Some(3));
    let echo = call(
        &sim,
        "POST",
        "/cardsecure/api/v1/echo",
        Some(r#"{"message":"Hello?"}"#),
    )
    .await;
    assert_eq!(echo.json(), json!({"message": "Hello?", "errorcode": 0}));
    sim.shutdown().await;
}
