//! Order ids as the gateway stores them (spec §1.8): a Luhn-valid, card-like order id is
//! masked like a card number, so look-ups by it fail as they do on the real gateway.

mod common;

use common::MID;
use serde_json::json;

async fn auth(sim: &cardpointe_sim::Sim, orderid: &str) -> serde_json::Value {
    common::gw(
        sim,
        "PUT",
        "auth",
        &json!({"merchid": MID, "account": "4111111111111111", "expiry": "1230",
                "amount": "1.00", "orderid": orderid}),
    )
    .await
}

#[tokio::test]
async fn a_luhn_valid_order_id_is_masked_and_cannot_be_looked_up() {
    let sim = common::start().await;
    let approved = auth(&sim, "4242424242424242").await;
    assert_eq!(approved["respstat"], "A");
    let stored = sim
        .ledger()
        .into_iter()
        .find(|e| e.retref == approved["retref"].as_str().unwrap())
        .and_then(|e| e.orderid)
        .unwrap();
    assert_ne!(stored, "4242424242424242");
    assert!(
        stored.ends_with("4242") && !stored.contains("424242424242"),
        "{stored}"
    );
    let inquiry = common::get(&sim, &format!("inquireByOrderid/4242424242424242/{MID}/1")).await;
    assert_eq!(inquiry["respcode"], "29", "{inquiry}");
    let void = common::gw(
        &sim,
        "PUT",
        "voidByOrderId",
        &json!({"merchid": MID, "orderid": "4242424242424242"}),
    )
    .await;
    assert_eq!(void["respcode"], "29", "{void}");
    sim.shutdown().await;
}

#[tokio::test]
async fn other_order_ids_are_found_again() {
    let sim = common::start().await;
    for orderid in ["4242424242424241", "cp-18c2f-1-ab", "12345"] {
        let approved = auth(&sim, orderid).await;
        let inquiry = common::get(&sim, &format!("inquireByOrderid/{orderid}/{MID}/1")).await;
        assert_eq!(
            inquiry["retref"], approved["retref"],
            "{orderid}: {inquiry}"
        );
    }
    sim.shutdown().await;
}
