//! The connection against a scripted reader: bytes cut anywhere, late answers, the cancel
//! handshake, link loss and recovery. (The conversation against the virtual VP3300 device
//! model is in `cardpointe-reader`'s `tests/connection_pair.rs`.)

use core::time::Duration;

use cardpointe_vp3300::command::{self, HostResponse, Interfaces, Payment};
use cardpointe_vp3300::{
    Connection, ConnectionError, ConnectionEvent, Frame, MsrRecord, ReaderEvent, RequestId,
    StatusCode, TransactionRequest,
};

const SECOND: Duration = Duration::from_secs(1);

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

const KSN: [u8; 10] = [0x62, 0x99, 0x49, 0x01, 0x23, 0x45, 0x67, 0xE0, 0x00, 0x2A];

/// An 02-40 answer carrying a swipe (the masked track in clear, the rest "encrypted").
fn swipe_answer() -> Frame {
    let mut card = vec![0x80, 0x02, 0, 23, 0, 0x02, 0x82];
    card.extend_from_slice(b";4761********0010=2712?");
    card.extend_from_slice(&[0x5C; 24]);
    card.extend_from_slice(&KSN);
    let record = MsrRecord::build(&card).to_vec();
    let mut data = vec![0xEC];
    data.extend(tlv(&[0xDF, 0xEE, 0x25], &[0x00, 0x11]));
    data.extend(tlv(&[0xDF, 0xEE, 0x23], &record));
    ok(0x02, &data)
}

fn swipe_request() -> TransactionRequest {
    let mut request = TransactionRequest::new(
        Payment::purchase_usd(1234),
        Interfaces::new(true, false, false),
    );
    request.card_timeout = Duration::from_secs(10);
    request.margin = SECOND;
    request.command_timeout = SECOND;
    request
}

/// The reader's bytes for `frame`, delivered one byte per notification.
fn feed(conn: &mut Connection, frame: &Frame, now: Duration) {
    for byte in frame.encode().chunks(1) {
        conn.handle_bytes(byte, now);
    }
}

fn sent(conn: &mut Connection) -> Vec<(u8, u8)> {
    std::iter::from_fn(|| conn.poll_write())
        .map(|f| (f.command, f.sub_command().unwrap_or(0)))
        .collect()
}

fn events(conn: &mut Connection) -> Vec<ConnectionEvent> {
    std::iter::from_fn(|| conn.poll_event()).collect()
}

fn read_event(request: RequestId, event: ReaderEvent) -> ConnectionEvent {
    ConnectionEvent::Read { request, event }
}

#[test]
fn an_exchange_gets_its_answer_from_bytes_cut_anywhere() {
    let mut conn = Connection::new(SECOND);
    let asked = conn
        .exchange(command::serial_number(), SECOND, Duration::ZERO)
        .unwrap();
    assert_eq!(sent(&mut conn), [(0x12, 0x01)]);
    assert_eq!(conn.poll_timeout(), Some(SECOND));
    // A first-of-two answer is not the answer yet.
    feed(
        &mut conn,
        &Frame::response(0x12, StatusCode::OkAnotherResponseFollows, Vec::new()),
        Duration::ZERO,
    );
    assert_eq!(conn.poll_event(), None);
    let answer = ok(0x12, b"538T012345");
    feed(&mut conn, &answer, Duration::ZERO);
    assert_eq!(
        events(&mut conn),
        [ConnectionEvent::Answered {
            request: asked,
            frame: answer
        }]
    );
    assert_eq!(conn.poll_timeout(), None);
    assert_eq!(conn.answers_owed(), 0);
    assert_eq!(conn.stats().frames_received, 2);
}

#[test]
fn a_late_answer_to_a_timed_out_exchange_is_not_taken_for_the_next_answer() {
    let mut conn = Connection::new(SECOND);
    let first = conn
        .exchange(command::firmware_version(), SECOND, Duration::ZERO)
        .unwrap();
    conn.handle_timeout(SECOND);
    assert_eq!(
        events(&mut conn),
        [ConnectionEvent::TimedOut {
            request: first,
            after: SECOND
        }]
    );
    let second = conn
        .exchange(command::firmware_version(), SECOND, SECOND)
        .unwrap();
    assert_eq!(sent(&mut conn), [(0x29, 0x00), (0x29, 0x00)]);
    // The first answer arrives late: it is the first command's, and dropped.
    feed(&mut conn, &ok(0x29, b"late"), SECOND + SECOND / 2);
    assert_eq!(conn.poll_event(), None);
    assert_eq!(conn.stats().late_answers, 1);
    let answer = ok(0x29, b"on time");
    feed(&mut conn, &answer, SECOND + SECOND / 2);
    assert_eq!(
        events(&mut conn),
        [ConnectionEvent::Answered {
            request: second,
            frame: answer
        }]
    );
}

#[test]
fn a_swipe_read_goes_online_and_the_host_answer_completes_it() {
    let mut conn = Connection::new(SECOND);
    let now = Duration::ZERO;
    let read = conn.start_read(swipe_request(), now).unwrap();
    assert_eq!(sent(&mut conn), [(0x01, 0x01)]);
    feed(&mut conn, &ok(0x01, &[]), now);
    assert_eq!(sent(&mut conn), [(0x02, 0x40)]);
    feed(&mut conn, &swipe_answer(), now);
    let seen = events(&mut conn);
    assert!(
        seen.contains(&read_event(read, ReaderEvent::CardSwiped)),
        "{seen:?}"
    );
    let Some(ConnectionEvent::Read {
        event: ReaderEvent::OnlineAuthorizationRequired(data),
        ..
    }) = seen.last()
    else {
        panic!("card data last: {seen:?}");
    };
    assert_eq!(data.masked_pan(), Some("4761********0010"));
    // The events show neither the track nor the ciphertext.
    let shown = format!("{seen:?}");
    assert!(!shown.contains("=2712"), "{shown}");
    assert!(!shown.contains("5C5C5C"), "{shown}");
    assert_eq!(
        conn.exchange(command::ping(), SECOND, now),
        Err(ConnectionError::ReadInProgress)
    );
    conn.complete(&HostResponse::online(*b"00"), now).unwrap();
    let seen = events(&mut conn);
    assert!(
        matches!(
            seen.as_slice(),
            [ConnectionEvent::Read { request, event: ReaderEvent::Completed(outcome) }]
                if *request == read && outcome.approved
        ),
        "{seen:?}"
    );
    assert_eq!(conn.read_in_progress(), None);
    assert!(matches!(
        conn.complete(&HostResponse::online(*b"00"), now),
        Err(ConnectionError::Transaction(_))
    ));
}

#[test]
fn a_late_answer_to_a_timed_out_read_does_not_derail_the_next_read() {
    let mut conn = Connection::new(SECOND);
    let first = conn.start_read(swipe_request(), Duration::ZERO).unwrap();
    assert_eq!(sent(&mut conn), [(0x01, 0x01)]);
    conn.handle_timeout(SECOND);
    let seen = events(&mut conn);
    assert!(
        matches!(
            seen.as_slice(),
            [ConnectionEvent::Read { request, event: ReaderEvent::Failed(_) }] if *request == first
        ),
        "{seen:?}"
    );
    let second = conn.start_read(swipe_request(), SECOND).unwrap();
    assert_eq!(sent(&mut conn), [(0x01, 0x01)]);
    // The first read's 01-01 is answered late, then the second's.
    feed(&mut conn, &ok(0x01, &[]), SECOND * 2);
    assert_eq!(
        sent(&mut conn),
        [],
        "the late answer is not the second read's"
    );
    feed(&mut conn, &ok(0x01, &[]), SECOND * 2);
    assert_eq!(sent(&mut conn), [(0x02, 0x40)]);
    assert_eq!(
        events(&mut conn),
        [read_event(
            second,
            ReaderEvent::WaitingForCard {
                interfaces: Interfaces::new(true, false, false),
                fallback: false
            }
        )]
    );
}

#[test]
fn a_cancel_with_nothing_running_is_confirmed_by_the_reader_and_joined_by_a_second() {
    let mut conn = Connection::new(SECOND);
    let first = conn.cancel(Duration::ZERO).unwrap();
    let second = conn.cancel(Duration::ZERO).unwrap();
    assert_eq!(sent(&mut conn), [(0x05, 0x01)], "one cancel on the wire");
    feed(&mut conn, &ok(0x05, &[]), Duration::ZERO);
    assert_eq!(
        events(&mut conn),
        [
            ConnectionEvent::Idle { request: first },
            ConnectionEvent::Idle { request: second }
        ]
    );
    // A silent reader: the cancel times out.
    let third = conn.cancel(SECOND).unwrap();
    conn.handle_timeout(SECOND * 2);
    assert_eq!(
        events(&mut conn),
        [ConnectionEvent::TimedOut {
            request: third,
            after: SECOND
        }]
    );
}

#[test]
fn a_cancel_while_an_exchange_waits_is_idle_at_once() {
    let mut conn = Connection::new(SECOND);
    let _asked = conn
        .exchange(command::ping(), SECOND, Duration::ZERO)
        .unwrap();
    let cancel = conn.cancel(Duration::ZERO).unwrap();
    assert_eq!(
        events(&mut conn),
        [ConnectionEvent::Idle { request: cancel }]
    );
    assert_eq!(sent(&mut conn), [(0x18, 0x01)]);
}

#[test]
fn a_cancel_during_a_read_ends_when_the_read_does() {
    let mut conn = Connection::new(SECOND);
    let now = Duration::ZERO;
    let read = conn.start_read(swipe_request(), now).unwrap();
    feed(&mut conn, &ok(0x01, &[]), now);
    let _ = events(&mut conn);
    assert_eq!(sent(&mut conn), [(0x01, 0x01), (0x02, 0x40)]);
    let cancel = conn.cancel(now).unwrap();
    assert_eq!(sent(&mut conn), [(0x05, 0x01)]);
    assert_eq!(
        conn.poll_event(),
        None,
        "not idle before the reader confirms"
    );
    // The cancelled 02-40 answers first, then the cancel.
    feed(
        &mut conn,
        &Frame::response(0x02, StatusCode::Timeout, Vec::new()),
        now,
    );
    feed(&mut conn, &ok(0x05, &[]), now);
    assert_eq!(
        events(&mut conn),
        [
            read_event(read, ReaderEvent::Cancelled),
            ConnectionEvent::Idle { request: cancel }
        ]
    );
    assert_eq!(conn.poll_timeout(), None);
}

#[test]
fn a_second_read_or_exchange_is_refused_while_one_runs() {
    let mut conn = Connection::new(SECOND);
    let now = Duration::ZERO;
    conn.exchange(command::ping(), SECOND, now).unwrap();
    assert_eq!(
        conn.exchange(command::ping(), SECOND, now),
        Err(ConnectionError::ExchangeInProgress)
    );
    conn.start_read(swipe_request(), now).unwrap();
    assert_eq!(
        conn.start_read(swipe_request(), now),
        Err(ConnectionError::ReadInProgress)
    );
}

#[test]
fn losing_the_link_aborts_everything_and_recovery_makes_the_reader_idle_first() {
    let mut conn = Connection::new(SECOND);
    let now = Duration::ZERO;
    let read = conn.start_read(swipe_request(), now).unwrap();
    let cancel = conn.cancel(now).unwrap();
    let _ = sent(&mut conn);
    let _ = events(&mut conn);
    // Half a frame is in the decoder when the link drops.
    conn.handle_bytes(&ok(0x01, &[]).encode()[..5], now);
    conn.handle_link_down();
    assert!(conn.is_link_down());
    assert_eq!(
        events(&mut conn),
        [
            ConnectionEvent::Aborted { request: read },
            ConnectionEvent::Aborted { request: cancel }
        ]
    );
    assert_eq!(conn.poll_timeout(), None);
    assert_eq!(conn.answers_owed(), 0);
    assert_eq!(
        conn.start_read(swipe_request(), now),
        Err(ConnectionError::LinkDown)
    );
    assert_eq!(conn.cancel(now), Err(ConnectionError::LinkDown));

    conn.handle_link_up(SECOND);
    assert_eq!(sent(&mut conn), [(0x05, 0x01)]);
    assert_eq!(
        conn.exchange(command::ping(), SECOND, SECOND),
        Err(ConnectionError::Settling)
    );
    // What the reader still had to say is dropped; its confirmation makes it ready.
    feed(&mut conn, &swipe_answer(), SECOND);
    assert_eq!(conn.poll_event(), None);
    feed(&mut conn, &ok(0x05, &[]), SECOND);
    assert_eq!(events(&mut conn), [ConnectionEvent::Ready]);
    assert!(conn.is_ready());
    conn.start_read(swipe_request(), SECOND).unwrap();

    // A reader that never confirms is ready after the cancel timeout.
    conn.handle_link_down();
    conn.handle_link_up(SECOND * 5);
    let _ = events(&mut conn);
    assert_eq!(conn.poll_timeout(), Some(SECOND * 6));
    conn.handle_timeout(SECOND * 6);
    assert_eq!(events(&mut conn), [ConnectionEvent::Ready]);
}

#[test]
fn callbacks_with_no_read_running_are_stray_and_the_frame_log_keeps_what_arrived() {
    let mut conn = Connection::new(SECOND);
    conn.set_frame_log(true);
    let callback = Frame::unsolicited(0x61, 0x01, vec![0x03, b'H', b'I']);
    conn.handle_bytes(b"\x00\x01garbage", Duration::ZERO);
    feed(&mut conn, &callback, Duration::ZERO);
    assert_eq!(conn.poll_event(), None);
    assert_eq!(sent(&mut conn), [], "no read: nobody answers the callback");
    assert_eq!(conn.stats().stray_frames, 1);
    assert!(conn.stats().discarded_bytes > 0);
    assert_eq!(conn.poll_received(), Some(callback));
    assert_eq!(conn.poll_received(), None);
    conn.set_frame_log(false);
    feed(&mut conn, &ok(0x18, &[]), Duration::ZERO);
    assert_eq!(conn.poll_received(), None);
}
