//! Card-present EMV auths over raw HTTP bytes: the answer carries `emv` (the issuer's
//! authentication data for the reader's 60-12) and `emvTagData` (a *string* holding a JSON
//! object of receipt items) built from the card's own tags; swipes and keyed cards carry
//! neither; `inquire` repeats `emvTagData`.

mod common;

use cardpointe_types::{AuthRequest, Operation as _};
use cardpointe_vp3300::Ksn;
use cardpointe_vp3300_sim::dukpt::{self, Bdk};
use common::*;
use serde_json::{Value, json};

const KEYS: [&str; 12] = [
    "TVR",
    "ARC",
    "PIN",
    "Signature",
    "Mode",
    "TSI",
    "AID",
    "IAD",
    "Application Label",
    "Application Preferred Name",
    "Entry method",
    "Network Label",
];

fn tlv(out: &mut Vec<u8>, tag: &[u8], value: &[u8]) {
    out.extend_from_slice(tag);
    out.push(u8::try_from(value.len()).unwrap());
    out.extend_from_slice(value);
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// What a VP3300 sends for a chip read under the ANSI test key: encrypted 5A with its masked
/// copy, the KSN, and the tags a receipt needs. `entry` is 9F39 (05 contact, 07 contactless).
fn chip_read(pan_bcd: &[u8], masked_bcd: &[u8], entry: u8, counter: u32) -> String {
    let ksn = Ksn::ANSI_TEST_INITIAL.with_counter(counter);
    let sealed = dukpt::encrypt_data(&Bdk::ANSI_TEST, &ksn, pan_bcd).unwrap();
    let mut out = Vec::new();
    tlv(&mut out, &[0xDF, 0xEE, 0x25], &[0x00, 0x04]);
    tlv(&mut out, &[0xDF, 0xEE, 0x12], ksn.as_bytes());
    tlv(
        &mut out,
        &[0x4F],
        &[0xA0, 0x00, 0x00, 0x00, 0x03, 0x10, 0x10],
    );
    tlv(&mut out, &[0x50], b"VISA CREDIT");
    tlv(&mut out, &[0x9F, 0x12], b"VISA PREFERRED");
    tlv(&mut out, &[0x5A], &sealed);
    tlv(&mut out, &[0xDF, 0xEF, 0x5B], masked_bcd);
    tlv(&mut out, &[0x5F, 0x24], &[0x30, 0x12, 0x31]);
    tlv(&mut out, &[0x95], &[0x00, 0x00, 0x04, 0x80, 0x00]);
    tlv(&mut out, &[0x9B], &[0xE8, 0x00]);
    tlv(
        &mut out,
        &[0x9F, 0x10],
        &[0x06, 0x01, 0x0A, 0x03, 0xA0, 0x00, 0x00],
    );
    tlv(&mut out, &[0x9F, 0x26], &[1, 2, 3, 4, 5, 6, 7, 8]);
    tlv(&mut out, &[0x9F, 0x34], &[0x1E, 0x03, 0x00]);
    tlv(&mut out, &[0x9F, 0x39], &[entry]);
    hex(&out)
}

/// The UAT Visa that approves (`4788250000121443`), inserted (`05`) or tapped (`07`).
fn uat_visa(entry: u8, counter: u32) -> String {
    chip_read(
        &[0x47, 0x88, 0x25, 0x00, 0x00, 0x12, 0x14, 0x43],
        &[0x47, 0x88, 0xCC, 0xCC, 0xCC, 0xCC, 0x14, 0x43],
        entry,
        counter,
    )
}

/// `emvTagData` must be a JSON string whose text is a JSON object; returns the object.
fn tag_data(answer: &Value) -> serde_json::Map<String, Value> {
    let text = answer["emvTagData"]
        .as_str()
        .unwrap_or_else(|| panic!("emvTagData is not a string in {answer}"));
    match serde_json::from_str(text) {
        Ok(Value::Object(map)) => map,
        other => panic!("emvTagData does not hold a JSON object: {text:?} ({other:?})"),
    }
}

#[tokio::test]
async fn an_emv_auth_by_track_answers_emv_and_tag_data_built_from_the_card() {
    let sim = start().await;
    let body = json!({"merchid": MID, "amount": "12.34", "track": uat_visa(0x05, 7)});
    let raw = call(
        &sim,
        "PUT",
        "/cardconnect/rest/auth",
        Some(&body.to_string()),
    )
    .await;
    let answer = raw.json();
    assert_eq!(answer["respstat"], "A", "{answer}");
    assert_eq!(answer["entrymode"], "EMVContact");
    assert!(answer["token"].as_str().unwrap().ends_with("1443"));
    let tags = tag_data(&answer);
    for key in KEYS {
        assert!(tags.contains_key(key), "missing {key:?} in {tags:?}");
    }
    let item = |k: &str| tags[k].as_str().unwrap().to_owned();
    assert_eq!(item("AID"), "A0000000031010");
    assert_eq!(item("TVR"), "0000048000");
    assert_eq!(item("TSI"), "E800");
    assert_eq!(item("IAD"), "06010A03A00000");
    assert_eq!(item("Application Label"), "VISA CREDIT");
    assert_eq!(item("Application Preferred Name"), "VISA PREFERRED");
    assert_eq!(item("ARC"), "00");
    assert_eq!(item("Signature"), "true");
    assert_eq!(item("PIN"), "None");
    assert_eq!(item("Entry method"), "Chip Read");
    assert_eq!(item("Network Label"), "VISA");
    // `emv`: tag 91's value for the reader, an 8-byte ARPC then the ARC "00".
    let emv = answer["emv"].as_str().unwrap();
    assert_eq!(emv.len(), 20, "{emv}");
    assert!(emv.ends_with("3030"), "{emv}");
    // The client models read the same bytes: emvTagData from its string form.
    let parsed = AuthRequest::parse_response(&raw.body).unwrap();
    let emv_tags = parsed.emv_tag_data.as_ref().unwrap();
    assert_eq!(emv_tags.aid(), Some("A0000000031010"));
    assert_eq!(emv_tags.application_label(), Some("VISA CREDIT"));
    assert_eq!(parsed.emv.as_deref(), Some(emv));
    // inquire repeats emvTagData.
    let retref = answer["retref"].as_str().unwrap();
    let inquiry = get(&sim, &format!("inquire/{retref}/{MID}")).await;
    assert_eq!(tag_data(&inquiry)["AID"], "A0000000031010");
    sim.shutdown().await;
}

#[tokio::test]
async fn a_declined_chip_auth_tells_the_card_arc_05() {
    let sim = start().await;
    // 4387751111111038 declines "Do not honor" in UAT.
    let track = chip_read(
        &[0x43, 0x87, 0x75, 0x11, 0x11, 0x11, 0x10, 0x38],
        &[0x43, 0x87, 0xCC, 0xCC, 0xCC, 0xCC, 0x10, 0x38],
        0x05,
        9,
    );
    let answer = gw(
        &sim,
        "POST",
        "auth",
        &json!({"merchid": MID, "amount": "5.00", "track": track}),
    )
    .await;
    assert_eq!(answer["respstat"], "C", "{answer}");
    assert_eq!(tag_data(&answer)["ARC"], "05");
    assert!(answer["emv"].as_str().unwrap().ends_with("3035"));
    sim.shutdown().await;
}

#[tokio::test]
async fn a_tapped_card_tokenized_by_cardsecure_carries_its_emv_data_into_one_auth() {
    let sim = start().await;
    let devicedata = uat_visa(0x07, 11);
    let raw = call(
        &sim,
        "POST",
        "/cardsecure/api/v1/ccn/tokenize",
        Some(&json!({"devicedata": devicedata}).to_string()),
    )
    .await;
    let token = raw.json()["token"].as_str().unwrap().to_owned();
    let auth = json!({"merchid": MID, "amount": "3.00", "account": token, "expiry": "1230"});
    let first = gw(&sim, "PUT", "auth", &auth).await;
    assert_eq!(first["entrymode"], "Contactless", "{first}");
    assert_eq!(tag_data(&first)["Entry method"], "Contactless");
    assert!(first.get("emv").is_some());
    // The card data kept with the token is single use: the next auth is card-not-present.
    let second = gw(&sim, "PUT", "auth", &auth).await;
    assert_eq!(second["respstat"], "A", "{second}");
    assert!(second.get("emvTagData").is_none(), "{second}");
    assert!(second.get("emv").is_none(), "{second}");
    sim.shutdown().await;
}

#[tokio::test]
async fn swipe_and_keyed_auths_carry_no_emv_fields() {
    let sim = start().await;
    let keyed = gw(
        &sim,
        "PUT",
        "auth",
        &json!({"merchid": MID, "amount": "1.00", "account": "4788250000121443", "expiry": "1230"}),
    )
    .await;
    let swiped = gw(
        &sim,
        "PUT",
        "auth",
        &json!({"merchid": MID, "amount": "1.00", "track": ";4788250000121443=30122011234567890?"}),
    )
    .await;
    assert_eq!(swiped["entrymode"], "Swipe(Non EMV)", "{swiped}");
    for answer in [&keyed, &swiped] {
        assert_eq!(answer["respstat"], "A", "{answer}");
        assert!(answer.get("emvTagData").is_none(), "{answer}");
        assert!(answer.get("emv").is_none(), "{answer}");
        let retref = answer["retref"].as_str().unwrap();
        let inquiry = get(&sim, &format!("inquire/{retref}/{MID}")).await;
        assert!(inquiry.get("emvTagData").is_none(), "{inquiry}");
    }
    sim.shutdown().await;
}
