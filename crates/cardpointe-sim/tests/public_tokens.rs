//! The tokens the public UAT site is known to issue (spec sections 6.4 and 7): the emulator's
//! default site issues exactly these for those inputs, over CardSecure and the gateway, and
//! takes them wherever a token goes (auth, profile, bin, surcharge) without having issued them
//! first, as scripts written against UAT do.

mod common;

use common::*;
use serde_json::json;

const VISA: &str = "9418594164541111";
const MC: &str = "9441149619831111";
const ACH: &str = "9124468384113123";
const AUGUSTA_SWIPE: &str = "9603982807976668";
const AUGUSTA_EMV: &str = "9656535197710133";

async fn tokenize(sim: &cardpointe_sim::Sim, body: &serde_json::Value) -> String {
    let raw = call(
        sim,
        "POST",
        "/cardsecure/api/v1/ccn/tokenize",
        Some(&body.to_string()),
    )
    .await;
    assert_eq!(raw.status, 200, "{}", raw.text());
    raw.json()["token"].as_str().unwrap_or_default().to_owned()
}

fn tlv(tag: &[u8], value: &[u8]) -> Vec<u8> {
    let mut out = tag.to_vec();
    out.push(u8::try_from(value.len()).unwrap());
    out.extend_from_slice(value);
    out
}

#[tokio::test]
async fn cardsecure_issues_the_published_tokens_for_the_published_inputs() {
    let sim = start().await;
    assert_eq!(
        tokenize(&sim, &json!({"account": "4111111111111111"})).await,
        VISA
    );
    assert_eq!(
        tokenize(&sim, &json!({"account": "4444333322221111"})).await,
        MC
    );
    assert_eq!(
        tokenize(&sim, &json!({"account": "124001545/123123123123"})).await,
        ACH
    );
    // The documented Augusta swipe (keyboard output) and EMV samples, under CardPointe's keys.
    let swipe = "02A001801F372300839B%*6011********6668^DISCOVER TEST CARD^***************?*;6011********6668=***************?*10C1A6E1CDCDCD94030006C00106632303";
    assert_eq!(
        tokenize(&sim, &json!({"devicedata": swipe})).await,
        AUGUSTA_SWIPE
    );
    let mut emv = tlv(
        &[0xDF, 0xEE, 0x12],
        &[0xCD, 0xCD, 0xCD, 0x94, 0x03, 0x00, 0x06, 0xC0, 0x01, 0x04],
    );
    emv.extend(tlv(&[0x4F], &[0xA0, 0, 0, 0x01, 0x52, 0x30, 0x10]));
    emv.extend(tlv(&[0x50], b"DISCOVER"));
    emv.extend(tlv(
        &[0x5A],
        &[0x3C, 0x91, 0x0E, 0x77, 0x52, 0xA4, 0x18, 0x66],
    ));
    emv.extend(tlv(
        &[0xDF, 0xEF, 0x5B],
        &[0x65, 0x10, 0xCC, 0xCC, 0xCC, 0xCC, 0x01, 0x33],
    ));
    emv.extend(tlv(&[0x5F, 0x24], &[0x23, 0x12, 0x31]));
    let hex: String = emv.iter().map(|b| format!("{b:02X}")).collect();
    assert_eq!(
        tokenize(&sim, &json!({"devicedata": hex})).await,
        AUGUSTA_EMV
    );
    // Other cards keep the emulator's own deterministic tokens; unique:true stays unique.
    let other = tokenize(&sim, &json!({"account": "4788250000121443"})).await;
    assert!(is_token(&other) && ![VISA, MC, ACH].contains(&other.as_str()));
    assert_eq!(
        tokenize(&sim, &json!({"account": "4788250000121443"})).await,
        other
    );
    let unique = tokenize(
        &sim,
        &json!({"account": "4111111111111111", "unique": true}),
    )
    .await;
    assert_ne!(unique, VISA);
    sim.shutdown().await;
}

#[tokio::test]
async fn the_gateway_returns_the_published_token_of_a_keyed_card() {
    let sim = start().await;
    let auth = gw(
        &sim,
        "PUT",
        "auth",
        &json!({"merchid": MID, "account": "4111111111111111", "expiry": "1225", "amount": "0.99"}),
    )
    .await;
    assert_eq!(
        (auth["respstat"].as_str(), auth["token"].as_str()),
        (Some("A"), Some(VISA))
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn published_tokens_are_taken_everywhere_without_being_issued_first() {
    let sim = start().await;
    // auth by token, on a fresh emulator.
    let auth = gw(
        &sim,
        "PUT",
        "auth",
        &json!({"merchid": MID, "account": VISA, "expiry": "1225", "amount": "0.99"}),
    )
    .await;
    assert_eq!(
        (auth["respstat"].as_str(), auth["account"].as_str()),
        (Some("A"), Some(VISA)),
        "{auth}"
    );
    // A profile created with the token, as the spec's recorded answer shows.
    let profile = gw(
        &sim,
        "PUT",
        "profile",
        &json!({"merchid": MID, "account": VISA, "expiry": "1215", "name": "TOM JONES"}),
    )
    .await;
    assert_eq!(
        (
            profile["respstat"].as_str(),
            profile["token"].as_str(),
            profile["accttype"].as_str()
        ),
        (Some("A"), Some(VISA), Some("VISA")),
        "{profile}"
    );
    let ach = gw(
        &sim,
        "PUT",
        "auth",
        &json!({"merchid": MID, "account": ACH, "accttype": "ECHK", "amount": "5.00"}),
    )
    .await;
    assert_eq!(ach["respstat"], "A", "{ach}");
    // bin and surcharge know the token too.
    let bin = get(&sim, &format!("bin/{MID}/{MC}")).await;
    assert_eq!(bin["success"], json!(true), "{bin}");
    let surcharge = get(
        &sim,
        &format!("surcharge?merchid={MID}&token={AUGUSTA_EMV}&postal=19406&amount=10.00"),
    )
    .await;
    assert_eq!(surcharge["token"], "CREDIT", "{surcharge}");
    // A token nobody issued is still unknown (PPS 98).
    let unknown = gw(
        &sim,
        "PUT",
        "auth",
        &json!({"merchid": MID, "account": "9418594164541129", "expiry": "1225", "amount": "0.99"}),
    )
    .await;
    assert_eq!(unknown["respcode"], "98", "{unknown}");
    sim.shutdown().await;
}
