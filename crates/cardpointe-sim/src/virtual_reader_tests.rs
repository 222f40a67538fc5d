//! What the virtual VP3300 (`cardpointe-vp3300-sim`) produces, read by the emulated CardSecure:
//! every read path decrypts to the real card under the test key, and the card accepts the
//! emulated issuer's ARPC.

use std::time::Duration;

use cardpointe_vp3300::command::{HostResponse, Interfaces, Payment};
use cardpointe_vp3300::{EncryptedCardData, ReaderEvent, Transaction, TransactionRequest};
use cardpointe_vp3300_sim::{DeviceConfig, Entry, Pair, Presentation, TestCard};

use crate::devicedata;

fn request(interfaces: Interfaces) -> TransactionRequest {
    let mut request = TransactionRequest::new(Payment::purchase_usd(1234), interfaces);
    request.card_timeout = Duration::from_secs(5);
    request.margin = Duration::from_secs(1);
    request
}

/// Reads one card and returns what the reader asks the host to authorize.
fn read_card(pair: &mut Pair, interfaces: Interfaces) -> (Transaction, EncryptedCardData) {
    let mut txn = Transaction::start(request(interfaces), pair.now()).unwrap();
    let events = pair.drive(&mut txn);
    match events.last() {
        Some(ReaderEvent::OnlineAuthorizationRequired(data)) => {
            let data = (**data).clone();
            (txn, data)
        }
        other => panic!("expected an online authorization request, got {other:?}"),
    }
}

#[test]
fn a_swipe_in_the_keyboard_form_tokenizes_as_the_real_card() {
    // The VP3300 path sends swipes to CardSecure in the hex-ASCII (keyboard) form; the
    // emulator must decrypt it under the test key, or a declining test card would approve.
    let mut pair = Pair::new(DeviceConfig::with_cards([Presentation::by(
        TestCard::uat_visa(),
        Entry::Swipe,
    )]));
    let (_, data) = read_card(&mut pair, Interfaces::new(true, false, false));
    let card = devicedata::read(data.payload(), &[]).unwrap();
    assert_eq!(card.pan.as_str(), "4788250000121443");
    assert_eq!(card.entrymode, "Swipe(Non EMV)");
}

#[test]
fn a_swipe_as_the_binary_record_in_hex_tokenizes_as_the_real_card() {
    let mut pair = Pair::new(DeviceConfig::with_cards([Presentation::by(
        TestCard::uat_visa(),
        Entry::Swipe,
    )]));
    let (_, data) = read_card(&mut pair, Interfaces::new(true, false, false));
    let binary = cardpointe_vp3300::MsrRecordBuf::from_hex_ascii(data.payload().as_bytes())
        .unwrap()
        .to_binary();
    let hex = crate::dukpt::encode_hex(&binary);
    assert_eq!(
        devicedata::read(&hex, &[]).unwrap().pan.as_str(),
        "4788250000121443"
    );
}

#[test]
fn a_chip_read_decrypts_to_the_real_card() {
    let mut pair = Pair::new(DeviceConfig::default());
    let (_, data) = read_card(&mut pair, Interfaces::ALL);
    let card = devicedata::read(data.payload(), &[]).unwrap();
    assert_eq!(card.pan.as_str(), "4788250000121443");
    assert_eq!(card.entrymode, "EMVContact");
}

#[test]
fn a_tap_decrypts_to_the_real_card_with_contactless_entry() {
    let mut pair = Pair::new(DeviceConfig::with_cards([Presentation::best(
        TestCard::uat_mastercard(),
    )]));
    let (_, data) = read_card(&mut pair, Interfaces::new(true, true, false));
    let card = devicedata::read(data.payload(), &[]).unwrap();
    assert_eq!(card.pan.as_str(), "5454545454545454");
    assert_eq!(card.entrymode, "Contactless");
}

#[test]
fn the_card_accepts_the_arpc_the_emulated_gateway_answers() {
    for (approved, arc) in [(true, *b"00"), (false, *b"05")] {
        let mut pair = Pair::new(DeviceConfig::default());
        let (mut txn, data) = read_card(&mut pair, Interfaces::ALL);
        let read = devicedata::read(data.payload(), &[]).unwrap();
        let emv = read.emv.expect("a chip read carries EMV data");
        // `emv` of the gateway's answer, as the host hands it back to the reader.
        let iad = crate::dukpt::decode_hex(&crate::emv::issuer_authentication_data(&emv, approved))
            .unwrap();
        let mut answer = HostResponse::online(arc);
        answer.issuer_authentication_data = Some(iad);
        txn.complete(&answer, pair.now()).unwrap();
        let events = pair.drive(&mut txn);
        let Some(ReaderEvent::Completed(outcome)) = events.last() else {
            panic!("expected completion, got {events:?}");
        };
        assert_eq!(outcome.approved, approved);
        let tvr = outcome.tvr.expect("the completion carries the TVR");
        assert_eq!(tvr[4] & 0x40, 0, "issuer authentication passed: {tvr:02X?}");
    }
}
