//! The virtual VP3300 driven by `cardpointe-vp3300`'s transaction machine, frame for frame,
//! with no I/O ([`Pair`]). That the emulated CardSecure reads what it produces is tested in
//! `cardpointe-sim`.

use std::time::Duration;

use cardpointe_vp3300::command::{self, HostResponse, Interfaces, Payment};
use cardpointe_vp3300::transaction::FailureReason;
use cardpointe_vp3300::{
    EncryptedCardData, Frame, MsrRecordBuf, ReadMethod, ReaderEvent, StatusCode, Transaction,
    TransactionRequest,
};

use crate::dukpt::{self, Bdk};
use crate::{DeviceConfig, DeviceLinkEvent, Entry, Pair, Presentation, Scenario, TestCard};

fn request(interfaces: Interfaces) -> TransactionRequest {
    let mut request = TransactionRequest::new(Payment::purchase_usd(1234), interfaces);
    request.card_timeout = Duration::from_secs(5);
    request.margin = Duration::from_secs(1);
    request
}

fn card_data(events: &[ReaderEvent]) -> &EncryptedCardData {
    match events.last() {
        Some(ReaderEvent::OnlineAuthorizationRequired(data)) => data,
        other => panic!("expected an online authorization request, got {other:?}"),
    }
}

/// The first GENERATE AC's cryptogram (9F26) of an online request's TLVs.
fn arqc_of(data: &EncryptedCardData) -> Vec<u8> {
    let tlvs = dukpt::decode_hex(data.payload()).expect("the payload is hex TLVs");
    crate::payload::find_tag(&tlvs, 0x9F26)
        .expect("well-formed TLVs")
        .expect("the online request carries 9F26")
        .to_vec()
}

fn swipe_only() -> Interfaces {
    Interfaces::new(true, false, false)
}

#[test]
fn housekeeping_commands_answer_as_the_spec_describes() {
    let mut pair = Pair::new(DeviceConfig::default());
    let ping = pair.call(&command::ping());
    assert_eq!(ping[0].status(), Some(StatusCode::Ok));
    let serial = pair.call(&command::serial_number());
    assert_eq!(serial[0].data.len(), 15, "15 bytes, right-padded with 00");
    assert_eq!(
        command::SerialNumber::from_response(&serial[0])
            .unwrap()
            .as_str(),
        "538T012345"
    );
    let name = pair.call(&Frame::command(0x77, 0x82, Vec::new()));
    assert_eq!(&name[0].data[..], b"IDTECH-VP3300-12345");
    let unknown = pair.call(&Frame::command(0x42, 0x00, Vec::new()));
    assert_eq!(unknown[0].status(), Some(StatusCode::UnknownCommand));
    let unknown_sub = pair.call(&Frame::command(0x18, 0x7F, Vec::new()));
    assert_eq!(unknown_sub[0].status(), Some(StatusCode::UnknownSubCommand));
    let bad_mode = pair.call(&Frame::command(0x01, 0x01, vec![0x09]));
    assert_eq!(bad_mode[0].status(), Some(StatusCode::IncorrectParameter));
    let bad_config = pair.call(&Frame::command(0x04, 0x00, vec![0x9F, 0x02, 0x06]));
    assert_eq!(bad_config[0].status(), Some(StatusCode::MalformattedData));
    assert_eq!(
        pair.largest_notification(),
        20,
        "notifications are cut at 20 bytes"
    );
}

#[test]
fn a_frame_with_a_bad_crc_is_answered_with_status_04() {
    let mut pair = Pair::new(DeviceConfig::default());
    let mut bytes = command::ping().encode().to_vec();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xFF;
    pair.device_mut().receive(&bytes, Duration::ZERO);
    let answers = pair.collect();
    assert_eq!(answers.len(), 1);
    assert_eq!(answers[0].command, 0x18);
    assert_eq!(answers[0].status(), Some(StatusCode::CrcError));
}

#[test]
fn commands_split_at_any_byte_are_reassembled() {
    let mut pair = Pair::new(DeviceConfig::default());
    let bytes = command::firmware_version().encode();
    for byte in bytes.iter() {
        pair.device_mut().receive(&[*byte], Duration::ZERO);
    }
    let answers = pair.collect();
    let version = command::FirmwareVersion::from_response(&answers[0]).unwrap();
    assert_eq!(version.as_str(), "VP3300 Bluetooth NEO v1.01.090");
}

#[test]
fn rtc_time_and_date_round_trip() {
    let mut pair = Pair::new(DeviceConfig::default());
    let set = pair.call(&command::rtc_set_time(
        command::RtcTime::new(9, 41).unwrap(),
    ));
    assert_eq!(set[0].status(), Some(StatusCode::Ok));
    let get = pair.call(&command::rtc_get_time());
    assert_eq!(&get[0].data[..], &[0x09, 0x41]);
}

#[test]
fn a_swipe_yields_an_encrypted_record_whose_track2_decrypts_under_the_test_bdk() {
    let mut pair = Pair::new(DeviceConfig::with_cards([Presentation::by(
        TestCard::uat_visa(),
        Entry::Swipe,
    )]));
    let mut txn = Transaction::start(request(swipe_only()), Duration::ZERO).unwrap();
    let events = pair.drive(&mut txn);
    assert!(events.contains(&ReaderEvent::CardSwiped));
    let data = card_data(&events);
    assert_eq!(data.entry_mode(), ReadMethod::Swipe);
    assert!(data.is_encrypted());
    assert_eq!(data.masked_pan(), Some("4788********1443"));
    let record = MsrRecordBuf::from_hex_ascii(data.payload().as_bytes()).unwrap();
    let record = record.record().unwrap();
    let ksn = record.ksn.unwrap();
    assert_eq!(
        ksn,
        cardpointe_vp3300::Ksn::ANSI_TEST_INITIAL.with_counter(1)
    );
    let clear = dukpt::decrypt_data(&Bdk::ANSI_TEST, &ksn, record.encrypted_tracks[1]).unwrap();
    assert!(clear.starts_with(b";4788250000121443=3012201"));
    txn.complete(&HostResponse::online(*b"00"), pair.now())
        .unwrap();
    let events = pair.drive(&mut txn);
    assert!(matches!(events.last(), Some(ReaderEvent::Completed(o)) if o.approved));
}

#[test]
fn a_chip_card_goes_online_and_the_card_approves_after_the_host_accepts() {
    let mut pair = Pair::new(DeviceConfig::default());
    let mut txn = Transaction::start(request(Interfaces::ALL), Duration::ZERO).unwrap();
    let events = pair.drive(&mut txn);
    assert!(events.contains(&ReaderEvent::CardInserted));
    assert!(events.contains(&ReaderEvent::Message("PLEASE WAIT".to_owned())));
    let data = card_data(&events);
    assert_eq!(data.entry_mode(), ReadMethod::Contact);
    assert_eq!(data.masked_pan(), Some("4788********1443"));
    txn.complete(&HostResponse::online(*b"00"), pair.now())
        .unwrap();
    let events = pair.drive(&mut txn);
    match events.last() {
        Some(ReaderEvent::Completed(outcome)) => {
            assert!(outcome.approved);
            assert_eq!(outcome.arc, Some(*b"00"));
        }
        other => panic!("expected completion, got {other:?}"),
    }
    assert_eq!(
        &pair.device().received()[..4],
        &[(0x01, 0x01), (0x60, 0x10), (0x61, 0x01), (0x60, 0x11)]
    );
}

#[test]
fn a_chip_card_declines_when_the_host_declines() {
    let mut pair = Pair::new(DeviceConfig::default());
    let mut txn = Transaction::start(request(Interfaces::ALL), Duration::ZERO).unwrap();
    pair.drive(&mut txn);
    let mut decline = HostResponse::online(*b"05");
    decline.result = command::HostResult::Declined;
    txn.complete(&decline, pair.now()).unwrap();
    let events = pair.drive(&mut txn);
    assert!(matches!(events.last(), Some(ReaderEvent::Completed(o)) if !o.approved));
}

#[test]
fn the_card_accepts_the_issuers_arpc_and_declines_a_forged_one() {
    for forged in [false, true] {
        let mut pair = Pair::new(DeviceConfig::default());
        let mut txn = Transaction::start(request(Interfaces::ALL), Duration::ZERO).unwrap();
        let events = pair.drive(&mut txn);
        // What the emulated gateway answers in `emv`: tag 91 for this card's ARQC.
        let arqc = arqc_of(card_data(&events));
        let mut iad = crate::issuer_authentication(&arqc, *b"00").to_vec();
        if forged {
            iad[0] ^= 0xFF;
        }
        let mut answer = HostResponse::online(*b"00");
        answer.issuer_authentication_data = Some(iad);
        txn.complete(&answer, pair.now()).unwrap();
        let events = pair.drive(&mut txn);
        let Some(ReaderEvent::Completed(outcome)) = events.last() else {
            panic!("expected completion, got {events:?}");
        };
        assert_eq!(outcome.approved, !forged, "forged ARPC: {forged}");
        // TVR byte 5 bit 7: issuer authentication failed.
        let tvr = outcome.tvr.expect("the completion carries the TVR");
        assert_eq!(tvr[4] & 0x40 != 0, forged, "{tvr:02X?}");
    }
}

#[test]
fn a_tap_asks_for_online_authorization_with_contactless_entry() {
    let mut pair = Pair::new(DeviceConfig::with_cards([Presentation::best(
        TestCard::uat_mastercard(),
    )]));
    let mut txn =
        Transaction::start(request(Interfaces::new(true, true, false)), Duration::ZERO).unwrap();
    let events = pair.drive(&mut txn);
    assert!(events.contains(&ReaderEvent::CardTapped));
    let data = card_data(&events);
    assert_eq!(data.entry_mode(), ReadMethod::Contactless);
    assert_eq!(data.masked_pan(), Some("5454********5454"));
}

#[test]
fn the_ksn_counter_advances_once_per_card_read() {
    let mut pair = Pair::new(DeviceConfig::default());
    for expected in 1..=3 {
        let mut txn =
            Transaction::start(request(Interfaces::new(true, true, false)), pair.now()).unwrap();
        let events = pair.drive(&mut txn);
        assert_eq!(card_data(&events).ksn().unwrap().counter(), expected);
        txn.cancel(pair.now());
        pair.drive(&mut txn);
    }
}

#[test]
fn a_card_removed_early_fails_the_transaction() {
    let mut pair = Pair::new(DeviceConfig::with_scenario(Scenario::CardRemovedEarly));
    let mut txn = Transaction::start(request(Interfaces::ALL), Duration::ZERO).unwrap();
    let events = pair.drive(&mut txn);
    assert_eq!(
        events.last(),
        Some(&ReaderEvent::Failed(FailureReason::CardRemoved))
    );
}

#[test]
fn a_bad_chip_falls_back_to_a_swipe_of_the_same_card() {
    let mut pair = Pair::new(DeviceConfig::with_scenario(Scenario::BadChipFallback));
    let mut txn = Transaction::start(request(Interfaces::ALL), Duration::ZERO).unwrap();
    let events = pair.drive(&mut txn);
    assert!(events.contains(&ReaderEvent::WaitingForCard {
        interfaces: swipe_only(),
        fallback: true
    }));
    let data = card_data(&events);
    assert_eq!(data.entry_mode(), ReadMethod::FallbackSwipe);
    assert_eq!(data.masked_pan(), Some("4788********1443"));
}

#[test]
fn no_card_before_the_timeout_times_out() {
    let mut pair = Pair::new(DeviceConfig::with_scenario(Scenario::NoCard));
    let mut txn = Transaction::start(request(swipe_only()), Duration::ZERO).unwrap();
    let events = pair.drive(&mut txn);
    assert_eq!(events.last(), Some(&ReaderEvent::TimedOut));
    assert_eq!(
        pair.now(),
        Duration::from_secs(5),
        "the reader's own 5 s timeout"
    );
}

#[test]
fn a_busy_reader_refuses_card_commands() {
    let mut pair = Pair::new(DeviceConfig::with_scenario(Scenario::Busy));
    let mut txn = Transaction::start(request(Interfaces::ALL), Duration::ZERO).unwrap();
    let events = pair.drive(&mut txn);
    assert!(matches!(
        events.last(),
        Some(ReaderEvent::Failed(FailureReason::ReaderBusy { .. }))
    ));
}

#[test]
fn low_battery_is_reported_and_the_reader_keeps_working() {
    let mut pair = Pair::new(DeviceConfig::with_scenario(Scenario::LowBattery {
        percent: 4,
    }));
    assert_eq!(pair.device().battery_percent(), Some(4));
    let mut txn = Transaction::start(request(swipe_only()), Duration::ZERO).unwrap();
    let events = pair.drive(&mut txn);
    assert_eq!(card_data(&events).entry_mode(), ReadMethod::Swipe);
}

#[test]
fn the_link_drops_when_the_card_is_read_and_the_reader_forgets_the_transaction() {
    let mut pair = Pair::new(DeviceConfig::with_scenario(
        Scenario::DisconnectMidTransaction,
    ));
    let mut txn = Transaction::start(request(swipe_only()), Duration::ZERO).unwrap();
    let mut events = Vec::new();
    for _ in 0..100 {
        events.extend(pair.drive_step(&mut txn));
        if pair.device_mut().poll_link_event() == Some(DeviceLinkEvent::Disconnected) {
            break;
        }
        pair.advance(&mut txn);
    }
    assert!(events.contains(&ReaderEvent::WaitingForCard {
        interfaces: swipe_only(),
        fallback: false
    }));
    assert!(!pair.device().is_busy());
    pair.device_mut().reconnected();
    // After the reconnect the next card reads normally.
    let mut txn = Transaction::start(request(swipe_only()), pair.now()).unwrap();
    let events = pair.drive(&mut txn);
    assert_eq!(card_data(&events).entry_mode(), ReadMethod::Swipe);
}

#[test]
fn a_corrupted_answer_fails_its_crc_and_the_host_recovers_by_timing_out() {
    let mut pair = Pair::new(DeviceConfig::with_scenario(Scenario::CorruptedFrame));
    let mut txn = Transaction::start(request(swipe_only()), Duration::ZERO).unwrap();
    let events = pair.drive(&mut txn);
    assert_eq!(pair.crc_errors(), 1);
    assert_eq!(events.last(), Some(&ReaderEvent::TimedOut));
    // The next transaction goes through.
    let mut txn = Transaction::start(request(swipe_only()), pair.now()).unwrap();
    let events = pair.drive(&mut txn);
    assert_eq!(card_data(&events).entry_mode(), ReadMethod::Swipe);
}

#[test]
fn slow_firmware_answers_only_after_its_delay() {
    let delay = Duration::from_millis(800);
    let mut pair = Pair::new(DeviceConfig::with_scenario(Scenario::SlowFirmware {
        delay,
    }));
    pair.device_mut()
        .receive(&command::ping().encode(), Duration::ZERO);
    assert!(pair.device_mut().poll_notification().is_none());
    assert_eq!(pair.device().poll_timeout(), Some(delay));
    pair.device_mut().handle_timeout(delay);
    assert_eq!(pair.collect()[0].status(), Some(StatusCode::Ok));
}

#[test]
fn cancel_while_waiting_answers_ok_and_keeps_the_card_for_the_next_transaction() {
    let presentation =
        Presentation::by(TestCard::uat_amex(), Entry::Swipe).after(Duration::from_secs(3));
    let mut pair = Pair::new(DeviceConfig::with_cards([presentation]));
    let mut txn = Transaction::start(request(swipe_only()), Duration::ZERO).unwrap();
    pair.drive_step(&mut txn);
    assert!(pair.device().is_busy());
    txn.cancel(pair.now());
    let events = pair.drive(&mut txn);
    assert_eq!(events.last(), Some(&ReaderEvent::Cancelled));
    assert!(!pair.device().is_busy());
    let mut txn = Transaction::start(request(swipe_only()), pair.now()).unwrap();
    let events = pair.drive(&mut txn);
    assert_eq!(card_data(&events).masked_pan(), Some("3714*******8431"));
}

#[test]
fn any_other_command_during_activate_cancels_it() {
    let mut pair = Pair::new(DeviceConfig::with_scenario(Scenario::NoCard));
    let activate = command::ActivateTransaction::new(Payment::purchase_usd(100), 30, swipe_only())
        .to_frame()
        .unwrap();
    assert!(pair.call(&activate).is_empty());
    assert!(pair.device().is_busy());
    let ping = pair.call(&command::ping());
    assert_eq!(ping[0].status(), Some(StatusCode::Ok));
    assert!(!pair.device().is_busy());
}

#[test]
fn emv_steps_out_of_order_are_not_allowed() {
    let mut pair = Pair::new(DeviceConfig::default());
    let authenticate = pair.call(&command::contact_authenticate(&[]).unwrap());
    assert_eq!(
        authenticate[0].status(),
        Some(StatusCode::CommandNotAllowed)
    );
    let complete = pair.call(&HostResponse::online(*b"00").to_frame().unwrap());
    assert_eq!(complete[0].status(), Some(StatusCode::CommandNotAllowed));
}

#[test]
fn garbage_from_the_host_never_panics_the_device() {
    let mut pair = Pair::new(DeviceConfig::default());
    let mut seed = 0x1234_5678_u32;
    for round in 0..200 {
        let mut bytes =
            command::ActivateTransaction::new(Payment::purchase_usd(round), 1, Interfaces::ALL)
                .to_frame()
                .unwrap()
                .encode()
                .to_vec();
        for _ in 0..3 {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let at = (seed as usize) % bytes.len();
            bytes[at] = (seed >> 16) as u8;
        }
        let now = pair.now();
        pair.device_mut().receive(&bytes, now);
        let later = pair.now() + Duration::from_millis(10);
        pair.set_now(later);
        let _ = pair.collect();
    }
}
