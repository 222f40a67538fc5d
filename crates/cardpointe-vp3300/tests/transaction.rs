//! Scripted conversations between the transaction machine and a reader that answers from a
//! script: every frame the machine writes is checked against the script and answered.

use core::time::Duration;

use cardpointe_vp3300::command::{HostResponse, Interfaces, Payment};
use cardpointe_vp3300::transaction::{FailureReason, Flow, TransactionOutcome};
use cardpointe_vp3300::{
    EmvResultCode, Frame, MsrRecord, ReadMethod, ReaderEvent, StatusCode, Transaction,
    TransactionRequest,
};

/// One step of a script: the command the machine must send, and the reader's answers.
struct Step {
    expect: (u8, u8),
    answers: Vec<Frame>,
}

fn step(expect: (u8, u8), answers: Vec<Frame>) -> Step {
    Step { expect, answers }
}

fn ok(command: u8, data: &[u8]) -> Frame {
    Frame::response(command, StatusCode::Ok, data.to_vec())
}

fn tlv(tag: &[u8], value: &[u8]) -> Vec<u8> {
    let mut out = tag.to_vec();
    if value.len() > 127 {
        out.extend_from_slice(&[0x81, value.len() as u8]);
    } else {
        out.push(value.len() as u8);
    }
    out.extend_from_slice(value);
    out
}

fn result(code: u16) -> Vec<u8> {
    tlv(&[0xDF, 0xEE, 0x25], &code.to_be_bytes())
}

const KSN: [u8; 10] = [0x62, 0x99, 0x49, 0x01, 0x23, 0x45, 0x67, 0xE0, 0x00, 0x2A];

/// A contact EMV answer: outcome plus the card's masked data and the ARQC tags.
fn emv_data(code: u16) -> Vec<u8> {
    [
        result(code),
        tlv(&[0xDF, 0xEE, 0x12], &KSN),
        tlv(
            &[0xDF, 0xEF, 0x5B],
            &[0x47, 0x61, 0x73, 0xCC, 0xCC, 0xCC, 0x00, 0x10],
        ),
        tlv(&[0x5A], &[0xA1; 8]),
        tlv(&[0x5F, 0x24], &[0x27, 0x12, 0x31]),
        tlv(&[0x9F, 0x26], &[0x11; 8]),
        tlv(&[0x95], &[0x00, 0x00, 0x00, 0x80, 0x00]),
        tlv(&[0x9B], &[0xE8, 0x00]),
    ]
    .concat()
}

fn swipe_record() -> Vec<u8> {
    let mut card = vec![0x80, 0x02, 0, 23, 0, 0x02, 0x82];
    card.extend_from_slice(b";4761********0010=2712?");
    card.extend_from_slice(&[0x5C; 24]);
    card.extend_from_slice(&KSN);
    MsrRecord::build(&card).to_vec()
}

fn swipe_data() -> Vec<u8> {
    let mut data = vec![0xEC];
    data.extend(result(0x0011));
    data.extend(tlv(&[0xDF, 0xEE, 0x23], &swipe_record()));
    data.extend(tlv(&[0x9F, 0x39], &[0x90]));
    data
}

/// Runs the machine against the script; returns every event and the machine.
fn run(txn: &mut Transaction, script: Vec<Step>, now: Duration) -> Vec<ReaderEvent> {
    let mut events = Vec::new();
    for step in script {
        let sent = txn.poll_write().unwrap_or_else(|| {
            panic!(
                "expected the machine to send {:02X?}, it sent nothing",
                step.expect
            )
        });
        assert_eq!(
            (sent.command, sent.sub_command().unwrap_or(0)),
            step.expect,
            "unexpected command"
        );
        for answer in step.answers {
            txn.handle_frame(answer, now);
            while let Some(e) = txn.poll_event() {
                events.push(e);
            }
        }
    }
    while let Some(e) = txn.poll_event() {
        events.push(e);
    }
    events
}

fn drain(txn: &mut Transaction) -> Vec<ReaderEvent> {
    std::iter::from_fn(|| txn.poll_event()).collect()
}

fn request(interfaces: Interfaces) -> TransactionRequest {
    TransactionRequest::new(Payment::purchase_usd(1234), interfaces)
}

const POLL: (u8, u8) = (0x01, 0x01);
const ACTIVATE: (u8, u8) = (0x02, 0x40);
const START: (u8, u8) = (0x60, 0x10);
const AUTH: (u8, u8) = (0x60, 0x11);
const COMPLETE: (u8, u8) = (0x60, 0x12);
const CANCEL: (u8, u8) = (0x05, 0x01);

fn online_data(events: &[ReaderEvent]) -> &cardpointe_vp3300::EncryptedCardData {
    events
        .iter()
        .find_map(|e| match e {
            ReaderEvent::OnlineAuthorizationRequired(d) => Some(&**d),
            _ => None,
        })
        .expect("an online authorization request")
}

#[test]
fn a_swipe_asks_for_online_authorization_and_completes_with_the_hosts_verdict() {
    let now = Duration::ZERO;
    let mut txn = Transaction::start(request(Interfaces::new(true, true, false)), now).unwrap();
    assert_eq!(txn.flow(), Flow::Activate);
    let events = run(
        &mut txn,
        vec![
            step(POLL, vec![ok(0x01, &[])]),
            step(
                ACTIVATE,
                vec![
                    Frame::response(0x02, StatusCode::UserInterfaceEvent, vec![0x01]),
                    ok(0x02, &swipe_data()),
                ],
            ),
        ],
        now,
    );
    assert!(matches!(
        events[0],
        ReaderEvent::WaitingForCard {
            fallback: false,
            ..
        }
    ));
    assert_eq!(events[1], ReaderEvent::Processing);
    assert_eq!(events[2], ReaderEvent::CardSwiped);
    let data = online_data(&events);
    assert_eq!(data.entry_mode(), ReadMethod::Swipe);
    assert_eq!(data.masked_pan(), Some("4761********0010"));
    assert_eq!(data.ksn().unwrap().counter(), 0x2A);
    assert_eq!(txn.entry_mode(), Some(ReadMethod::Swipe));
    assert!(data.payload().starts_with("02"));
    txn.complete(&HostResponse::online(*b"00"), now).unwrap();
    let Some(ReaderEvent::Completed(TransactionOutcome { approved: true, .. })) = txn.poll_event()
    else {
        panic!("approved");
    };
    assert!(txn.is_done());
    assert_eq!(txn.poll_timeout(), None);
}

#[test]
fn contact_emv_goes_start_authenticate_online_complete_and_reports_tvr_and_tsi() {
    let now = Duration::from_secs(100);
    let mut txn = Transaction::start(request(Interfaces::ALL), now).unwrap();
    assert_eq!(txn.flow(), Flow::ContactEmv);
    let events = run(
        &mut txn,
        vec![
            step(POLL, vec![ok(0x01, &[])]),
            step(
                START,
                vec![
                    Frame::response(0x60, StatusCode::OkAnotherResponseFollows, vec![]),
                    ok(0x60, &result(0x0010)),
                ],
            ),
            step(AUTH, vec![ok(0x60, &emv_data(0x0004))]),
        ],
        now,
    );
    assert!(events.contains(&ReaderEvent::CardInserted));
    let data = online_data(&events);
    assert_eq!(data.entry_mode(), ReadMethod::Contact);
    assert_eq!(data.masked_pan(), Some("476173******0010"));
    assert_eq!(data.expiry_mmyy().as_deref(), Some("1227"));
    assert!(data.payload().starts_with("DFEE25020004"));
    let mut answer = HostResponse::online(*b"00");
    answer.issuer_authentication_data = Some(vec![0xAB; 10]);
    txn.complete(&answer, now).unwrap();
    let events = run(
        &mut txn,
        vec![step(COMPLETE, vec![ok(0x60, &emv_data(0x0002))])],
        now,
    );
    assert_eq!(events[0], ReaderEvent::Processing);
    assert_eq!(events[1], ReaderEvent::RemoveCard);
    let ReaderEvent::Completed(outcome) = &events[2] else {
        panic!("completed, got {events:?}");
    };
    assert!(outcome.approved);
    assert_eq!(outcome.result, Some(EmvResultCode::Approved));
    assert_eq!(outcome.tvr, Some([0, 0, 0, 0x80, 0]));
    assert_eq!(outcome.tsi, Some([0xE8, 0]));
    assert!(txn.is_done());
}

#[test]
fn a_card_declining_after_the_host_approves_is_a_declined_completion() {
    let now = Duration::ZERO;
    let mut txn = Transaction::start(request(Interfaces::ALL), now).unwrap();
    run(
        &mut txn,
        vec![
            step(POLL, vec![ok(0x01, &[])]),
            step(START, vec![ok(0x60, &result(0x0010))]),
            step(AUTH, vec![ok(0x60, &emv_data(0x0004))]),
        ],
        now,
    );
    txn.complete(&HostResponse::online(*b"00"), now).unwrap();
    let events = run(
        &mut txn,
        vec![step(COMPLETE, vec![ok(0x60, &emv_data(0x0003))])],
        now,
    );
    assert!(matches!(
        events.last(),
        Some(ReaderEvent::Completed(TransactionOutcome {
            approved: false,
            ..
        }))
    ));
}

#[test]
fn a_chip_failure_falls_back_to_a_swipe_marked_as_fallback() {
    let now = Duration::ZERO;
    let mut txn = Transaction::start(request(Interfaces::ALL), now).unwrap();
    let events = run(
        &mut txn,
        vec![
            step(POLL, vec![ok(0x01, &[])]),
            step(START, vec![ok(0x60, &result(0x3004))]),
            step(ACTIVATE, vec![ok(0x02, &swipe_data())]),
        ],
        now,
    );
    assert!(events.contains(&ReaderEvent::RemoveCard));
    assert!(events.contains(&ReaderEvent::WaitingForCard {
        interfaces: Interfaces::new(true, false, false),
        fallback: true
    }));
    assert_eq!(online_data(&events).entry_mode(), ReadMethod::FallbackSwipe);
}

#[test]
fn a_swipe_during_contact_start_ends_the_reader_part_at_once() {
    let now = Duration::ZERO;
    let mut txn = Transaction::start(request(Interfaces::ALL), now).unwrap();
    let events = run(
        &mut txn,
        vec![
            step(POLL, vec![ok(0x01, &[])]),
            step(START, vec![ok(0x60, &swipe_data())]),
        ],
        now,
    );
    assert!(events.contains(&ReaderEvent::CardSwiped));
    assert_eq!(online_data(&events).entry_mode(), ReadMethod::Swipe);
    assert_eq!(txn.poll_write(), None);
}

#[test]
fn a_contactless_tap_with_status_23_requests_online_authorization() {
    let now = Duration::ZERO;
    let mut txn = Transaction::start(request(Interfaces::new(false, true, false)), now).unwrap();
    let mut data = vec![0x41];
    data.extend(emv_data(0x0004));
    let events = run(
        &mut txn,
        vec![
            step(POLL, vec![ok(0x01, &[])]),
            step(
                ACTIVATE,
                vec![Frame::response(
                    0x02,
                    StatusCode::RequestOnlineAuthorization,
                    data,
                )],
            ),
        ],
        now,
    );
    assert!(events.contains(&ReaderEvent::CardTapped));
    assert_eq!(online_data(&events).entry_mode(), ReadMethod::Contactless);
    txn.complete(&HostResponse::online(*b"05"), now).unwrap();
    assert!(matches!(
        txn.poll_event(),
        Some(ReaderEvent::Completed(TransactionOutcome {
            approved: false,
            ..
        }))
    ));
}

#[test]
fn removing_the_card_early_fails_with_card_removed() {
    let now = Duration::ZERO;
    let mut txn = Transaction::start(request(Interfaces::ALL), now).unwrap();
    let events = run(
        &mut txn,
        vec![
            step(POLL, vec![ok(0x01, &[])]),
            step(START, vec![ok(0x60, &result(0x0010))]),
            step(AUTH, vec![ok(0x60, &result(0x3005))]),
        ],
        now,
    );
    assert_eq!(
        events.last(),
        Some(&ReaderEvent::Failed(FailureReason::CardRemoved))
    );
    assert!(txn.is_done());
}

#[test]
fn a_busy_reader_fails_the_start_with_reader_busy() {
    let now = Duration::ZERO;
    let mut txn = Transaction::start(request(Interfaces::ALL), now).unwrap();
    let events = run(
        &mut txn,
        vec![
            step(POLL, vec![ok(0x01, &[])]),
            step(
                START,
                vec![Frame::response(0x60, StatusCode::CommandNotAllowed, vec![])],
            ),
        ],
        now,
    );
    assert_eq!(
        events.last(),
        Some(&ReaderEvent::Failed(FailureReason::ReaderBusy {
            status: StatusCode::CommandNotAllowed
        }))
    );
}

#[test]
fn no_card_in_time_is_a_timeout_from_the_reader() {
    let now = Duration::ZERO;
    let mut txn = Transaction::start(request(Interfaces::new(true, true, false)), now).unwrap();
    let events = run(
        &mut txn,
        vec![
            step(POLL, vec![ok(0x01, &[])]),
            step(
                ACTIVATE,
                vec![Frame::response(0x02, StatusCode::Timeout, vec![])],
            ),
        ],
        now,
    );
    assert_eq!(events.last(), Some(&ReaderEvent::TimedOut));
}

#[test]
fn a_silent_reader_is_cancelled_at_the_deadline_then_reported_timed_out() {
    let start = Duration::from_secs(5);
    let mut txn = Transaction::start(request(Interfaces::new(true, true, false)), start).unwrap();
    run(&mut txn, vec![step(POLL, vec![ok(0x01, &[])])], start);
    assert_eq!(txn.poll_write().map(|f| f.command), Some(0x02));
    let deadline = txn.poll_timeout().unwrap();
    assert_eq!(deadline, start + Duration::from_secs(65));
    txn.handle_timeout(deadline - Duration::from_millis(1));
    assert_eq!(txn.poll_write(), None, "nothing before the deadline");
    txn.handle_timeout(deadline);
    let events = run(&mut txn, vec![step(CANCEL, vec![ok(0x05, &[])])], deadline);
    assert_eq!(events, [ReaderEvent::TimedOut]);
}

#[test]
fn a_reader_that_ignores_even_the_cancel_is_reported_not_responding() {
    let now = Duration::ZERO;
    let mut txn = Transaction::start(request(Interfaces::ALL), now).unwrap();
    run(&mut txn, vec![step(POLL, vec![ok(0x01, &[])])], now);
    let _start = txn.poll_write();
    txn.handle_timeout(txn.poll_timeout().unwrap());
    assert_eq!(txn.poll_write().map(|f| f.command), Some(0x05));
    txn.handle_timeout(txn.poll_timeout().unwrap());
    assert_eq!(
        drain(&mut txn).pop(),
        Some(ReaderEvent::Failed(FailureReason::ReaderNotResponding))
    );
    assert!(txn.is_done());
}

#[test]
fn cancel_while_waiting_for_a_card_sends_05_01_and_reports_cancelled() {
    let now = Duration::ZERO;
    let mut txn = Transaction::start(request(Interfaces::new(true, true, false)), now).unwrap();
    run(&mut txn, vec![step(POLL, vec![ok(0x01, &[])])], now);
    let _activate = txn.poll_write();
    txn.cancel(now);
    // The reader first ends the 02-40 it was running, then answers the cancel.
    let events = run(
        &mut txn,
        vec![step(
            CANCEL,
            vec![
                Frame::response(0x02, StatusCode::Failed, vec![]),
                ok(0x05, &[]),
            ],
        )],
        now,
    );
    assert_eq!(events.last(), Some(&ReaderEvent::Cancelled));
}

#[test]
fn cancel_works_in_every_state_before_the_end() {
    let now = Duration::ZERO;
    // Cancel before the poll-mode answer, while awaiting the host (contact), and after done.
    let mut txn = Transaction::start(request(Interfaces::ALL), now).unwrap();
    txn.cancel(now);
    let events = run(
        &mut txn,
        vec![
            step(POLL, vec![ok(0x01, &[])]),
            step(CANCEL, vec![ok(0x05, &[])]),
        ],
        now,
    );
    assert_eq!(events.last(), Some(&ReaderEvent::Cancelled));
    txn.cancel(now);
    assert_eq!(txn.poll_write(), None);

    let mut txn = Transaction::start(request(Interfaces::ALL), now).unwrap();
    run(
        &mut txn,
        vec![
            step(POLL, vec![ok(0x01, &[])]),
            step(START, vec![ok(0x60, &result(0x0010))]),
            step(AUTH, vec![ok(0x60, &emv_data(0x0004))]),
        ],
        now,
    );
    txn.cancel(now);
    let events = run(&mut txn, vec![step(CANCEL, vec![ok(0x05, &[])])], now);
    assert_eq!(events.last(), Some(&ReaderEvent::Cancelled));
}

#[test]
fn an_out_of_order_frame_is_a_typed_failure_and_the_reader_is_reset() {
    let now = Duration::ZERO;
    let mut txn = Transaction::start(request(Interfaces::ALL), now).unwrap();
    run(&mut txn, vec![step(POLL, vec![ok(0x01, &[])])], now);
    let _start = txn.poll_write();
    txn.handle_frame(ok(0x29, b"VP3300"), now);
    let Some(ReaderEvent::Failed(FailureReason::UnexpectedFrame { command: 0x29, .. })) =
        drain(&mut txn).pop()
    else {
        panic!("unexpected-frame failure");
    };
    assert_eq!(txn.poll_write().map(|f| f.command), Some(0x05));
    assert!(txn.is_done());
}

#[test]
fn complete_outside_an_online_request_is_refused() {
    let mut txn = Transaction::start(request(Interfaces::ALL), Duration::ZERO).unwrap();
    assert!(
        txn.complete(&HostResponse::online(*b"00"), Duration::ZERO)
            .is_err()
    );
}

#[test]
fn a_display_callback_is_shown_and_answered_for_the_cardholder() {
    let now = Duration::ZERO;
    let mut txn = Transaction::start(request(Interfaces::ALL), now).unwrap();
    run(&mut txn, vec![step(POLL, vec![ok(0x01, &[])])], now);
    let _start = txn.poll_write();
    txn.handle_frame(
        Frame::unsolicited(0x61, 0x01, b"\x03PLEASE WAIT".to_vec()),
        now,
    );
    assert_eq!(
        txn.poll_event(),
        Some(ReaderEvent::Message("PLEASE WAIT".into()))
    );
    let reply = txn.poll_write().unwrap();
    assert_eq!((reply.command, reply.sub_command()), (0x61, Some(0x01)));
    assert!(!txn.is_done());
}

#[test]
fn a_reboot_mid_transaction_fails_it() {
    let now = Duration::ZERO;
    let mut txn = Transaction::start(request(Interfaces::ALL), now).unwrap();
    txn.handle_frame(
        Frame::unsolicited(0x14, 0x01, b"NEO 2.0 v1.00".to_vec()),
        now,
    );
    assert_eq!(
        txn.poll_event(),
        Some(ReaderEvent::Failed(FailureReason::ReaderRebooted))
    );
}

#[test]
fn an_amount_beyond_n12_is_refused_at_start() {
    let request = TransactionRequest::new(Payment::purchase_usd(10_u64.pow(12)), Interfaces::ALL);
    assert!(Transaction::start(request, Duration::ZERO).is_err());
}

#[test]
fn a_contactless_offline_decline_is_a_declined_completion() {
    let now = Duration::ZERO;
    let mut txn = Transaction::start(request(Interfaces::new(false, true, false)), now).unwrap();
    let events = run(
        &mut txn,
        vec![
            step(POLL, vec![ok(0x01, &[])]),
            step(ACTIVATE, vec![ok(0x02, &emv_data(0x0001))]),
        ],
        now,
    );
    assert!(events.contains(&ReaderEvent::CardTapped));
    assert!(matches!(
        events.last(),
        Some(ReaderEvent::Completed(TransactionOutcome {
            approved: false,
            result: Some(EmvResultCode::DeclinedOffline),
            ..
        }))
    ));
}

#[test]
fn a_stray_frame_while_the_host_decides_fails_and_resets_the_chip_session() {
    let now = Duration::ZERO;
    let mut txn = Transaction::start(request(Interfaces::ALL), now).unwrap();
    run(
        &mut txn,
        vec![
            step(POLL, vec![ok(0x01, &[])]),
            step(START, vec![ok(0x60, &result(0x0010))]),
            step(AUTH, vec![ok(0x60, &emv_data(0x0004))]),
        ],
        now,
    );
    txn.handle_frame(ok(0x60, &result(0x0002)), now);
    assert!(matches!(
        drain(&mut txn).pop(),
        Some(ReaderEvent::Failed(FailureReason::UnexpectedFrame {
            command: 0x60,
            ..
        }))
    ));
    assert_eq!(txn.poll_write().map(|f| f.command), Some(0x05));
}
