//! Invariants of `cardpointe-vp3300`: the frame stream decoder, the MSR record parsers and the
//! transaction machine, and the connection ([`connection`]).

pub mod connection;

use core::time::Duration;

use cardpointe_vp3300::command::{HostResponse, Interfaces, Payment};
use cardpointe_vp3300::frame::{Status, is_reader_originated, parse_frame};
use cardpointe_vp3300::msr::MsrRecordBuf;
use cardpointe_vp3300::msr::lrc_and_checksum;
use cardpointe_vp3300::{
    Decoded, DecodedRef, Direction, Frame, FrameDecoder, FrameError, FrameKind, MsrRecord,
    Protocol, ReaderEvent, StatusCode, Transaction, TransactionRequest,
};

/// Decodes `stream` pushed in pieces of `sizes()` bytes; each call borrows (`decode_ref`) or
/// copies (`decode`) as `pick` says, borrowed items converted to owned ones for comparison.
fn decode(
    direction: Direction,
    stream: &[u8],
    sizes: &mut dyn FnMut() -> usize,
    pick: &mut dyn FnMut() -> bool,
) -> Vec<Result<Decoded, FrameError>> {
    let mut decoder = FrameDecoder::new(direction).with_max_data_len(1024);
    let mut out = Vec::new();
    let mut rest = stream;
    let mut pushed = 0usize;
    while !rest.is_empty() {
        let n = sizes().clamp(1, rest.len());
        let (chunk, tail) = rest.split_at(n);
        decoder.push(chunk);
        pushed += n;
        loop {
            let item = if pick() {
                match decoder.decode_ref() {
                    None => break,
                    Some(Ok(DecodedRef::Frame(frame))) => {
                        Ok(Decoded::Frame(Frame::from_ref(frame)))
                    }
                    Some(Ok(DecodedRef::MsrRecord(record))) => {
                        Ok(Decoded::MsrRecord(record.to_vec().into()))
                    }
                    Some(Ok(DecodedRef::Garbage { offset, len })) => {
                        Ok(Decoded::Garbage { offset, len })
                    }
                    Some(Ok(_)) => panic!("an unknown borrowed item"),
                    Some(Err(error)) => Err(error),
                }
            } else {
                match decoder.decode() {
                    None => break,
                    Some(item) => item,
                }
            };
            out.push(item);
        }
        assert!(decoder.buffered() <= pushed, "more buffered than pushed");
        rest = tail;
    }
    out
}

/// `frame_stream`: the first two bytes seed a chunking (1..=32-byte pieces); the rest is the
/// stream. Any chunking yields exactly the items of a single push, for both directions, whether
/// the items are borrowed (`decode_ref`), copied (`decode`) or both in turn;
/// garbage reports never overlap and move forward; every frame re-encodes to bytes that
/// decode to the same frame.
pub fn frame_stream(data: &[u8]) {
    let (seed, stream) = match data {
        [a, b, rest @ ..] => (u32::from(u16::from_le_bytes([*a, *b])) | 1, rest),
        _ => return,
    };
    for direction in [Direction::ReaderToHost, Direction::HostToReader] {
        let whole = decode(direction, stream, &mut || usize::MAX, &mut || false);
        let mut x = seed;
        let chunked = decode(
            direction,
            stream,
            &mut || {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                (x % 32) as usize + 1
            },
            &mut || false,
        );
        assert_eq!(whole, chunked, "chunking changed the decoded items");
        // Borrowing and copying, mixed call by call, see the same items.
        let mut y = seed.rotate_left(16) | 1;
        let mut z = seed;
        let mixed = decode(
            direction,
            stream,
            &mut || {
                y ^= y << 13;
                y ^= y >> 17;
                y ^= y << 5;
                (y % 32) as usize + 1
            },
            &mut || {
                z = z.rotate_left(1);
                z & 1 == 1
            },
        );
        assert_eq!(whole, mixed, "decode_ref and decode disagree");
        let mut last_end = 0u64;
        for item in &whole {
            match item {
                Ok(Decoded::Garbage { offset, len }) => {
                    assert!(*offset >= last_end && *len > 0, "garbage reports overlap");
                    last_end = offset + *len as u64;
                }
                Ok(Decoded::Frame(frame)) => {
                    let bytes = frame.encode();
                    let Ok(Status::Complete(parsed)) = parse_frame(&bytes, direction, 1024) else {
                        panic!("a decoded frame does not re-encode to a whole frame");
                    };
                    assert_eq!(
                        parsed.len,
                        bytes.len(),
                        "re-encoded frame has trailing bytes"
                    );
                    assert_eq!(
                        Frame::from_ref(parsed.frame),
                        *frame,
                        "re-encode changed the frame"
                    );
                }
                Ok(Decoded::MsrRecord(record)) => {
                    // The decoder only yields records whose envelope verifies.
                    let card = &record[3..record.len() - 3];
                    let (lrc, sum) = lrc_and_checksum(card);
                    assert_eq!(
                        record[record.len() - 3..],
                        [lrc, sum, 0x03],
                        "record envelope"
                    );
                    assert_eq!(
                        usize::from(u16::from_le_bytes([record[1], record[2]])),
                        card.len()
                    );
                }
                Ok(_) | Err(_) => {}
            }
        }
    }
}

/// `msr_record`: the binary and hex-ASCII parsers never panic; a record that parses survives
/// the hex-ASCII form byte for byte when its tracks are ASCII.
pub fn msr_record(data: &[u8]) {
    let _ = MsrRecordBuf::from_hex_ascii(data);
    let Ok(record) = MsrRecord::parse(data) else {
        return;
    };
    let ascii = record.masked_tracks.iter().all(|t| t.is_ascii());
    let buf = MsrRecordBuf::from_binary(data).expect("a record that parses is accepted");
    let Ok(text) = buf.to_hex_ascii() else {
        return;
    };
    if ascii {
        let back = MsrRecordBuf::from_hex_ascii(text.as_bytes()).expect("the text form parses");
        assert_eq!(
            back.to_binary().as_slice(),
            data,
            "hex-ASCII round trip changed the record"
        );
    }
}

fn tlv(tag: &[u8], value: &[u8]) -> Vec<u8> {
    let mut out = tag.to_vec();
    out.push(value.len() as u8);
    out.extend_from_slice(value);
    out
}

/// Outcome codes (DFEE25) the `transaction` target picks from.
const CODES: [u16; 16] = [
    0x0010, 0x0004, 0x0002, 0x0003, 0x0000, 0x0001, 0x0011, 0x3004, 0x3005, 0x3006, 0x0008, 0x0007,
    0x5001, 0x0006, 0x0005, 0x7777,
];

/// Canned answer data the `transaction` target picks from.
fn payload(choice: u8, code: u16) -> Vec<u8> {
    let result = tlv(&[0xDF, 0xEE, 0x25], &code.to_be_bytes());
    match choice % 5 {
        0 => Vec::new(),
        1 => result,
        2 => {
            let mut card = vec![0x80, 0x02, 0, 5, 0, 0x02, 0x00];
            card.extend_from_slice(b";1=2?");
            let record = MsrRecord::build(&card);
            [vec![0xEC], result, tlv(&[0xDF, 0xEE, 0x23], &record)].concat()
        }
        3 => [
            result,
            tlv(
                &[0xDF, 0xEE, 0x12],
                &[0x62, 0x99, 0x49, 0, 0, 0, 0, 0xE0, 0, 1],
            ),
            tlv(&[0xDF, 0xEF, 0x5B], &[0x47, 0x61, 0xCC, 0xCC, 0x00, 0x10]),
            tlv(&[0x95], &[0; 5]),
        ]
        .concat(),
        _ => vec![0x9F, 0x02, 0x06, code as u8],
    }
}

/// A reader response the targets build from their step bytes: `command` with `status`, the
/// outcome code `code` of `CODES` (modulo), and from `c` the payload (`c % 5`) and the
/// protocol (3 when `c` ≥ 0x80).
fn response(command: u8, status: StatusCode, code: u8, c: u8) -> Frame {
    let protocol = if c & 0x80 != 0 {
        Protocol::V3
    } else {
        Protocol::V2
    };
    let sub_command = (protocol == Protocol::V3).then_some(0x40);
    let code = CODES[usize::from(code) % CODES.len()];
    let kind = FrameKind::Response {
        status,
        sub_command,
    };
    Frame::new(protocol, command, kind, payload(c, code))
}

/// `transaction`: the first byte picks the interfaces (bits 0..2) and the start time; then
/// every 4 bytes `[op, a, b, c]` are one step: op % 8 = 0 time passes (`a`,`b` × 100 ms),
/// 1 cancel, 2 the host answers (ARC `a b`), 3 an unsolicited frame (61 or 14), else a reader
/// response: command `a % 8` of [01 02 05 60 29 03 61 14], status `b % 8` of
/// [00 23 08 0A 0E 63 0B b], outcome code `a / 8` of `CODES`, payload `c % 5`, protocol 3
/// when `c` ≥ 0x80.
///
/// Any sequence of frames, timeouts, cancels and host answers never panics,
/// never leaves the machine without a next step (a deadline until it is done), reports at
/// most one final event, and ends within a few deadlines when nothing else happens.
pub fn transaction(data: &[u8]) {
    let _ = conversation(data);
}

/// Runs a `transaction` input and returns every event, checking the invariants on the way.
fn conversation(data: &[u8]) -> Vec<ReaderEvent> {
    let mut events = Vec::new();
    let Some((&first, ops)) = data.split_first() else {
        return events;
    };
    let interfaces = Interfaces::new(first & 1 != 0, first & 2 != 0, first & 4 != 0);
    let mut now = Duration::from_secs(u64::from(first >> 3));
    let Ok(mut txn) = Transaction::start(
        TransactionRequest::new(Payment::purchase_usd(1234), interfaces),
        now,
    ) else {
        return events;
    };
    let mut finals = 0;
    let drain = |txn: &mut Transaction, finals: &mut usize, events: &mut Vec<ReaderEvent>| {
        while txn.poll_write().is_some() {}
        while let Some(event) = txn.poll_event() {
            if matches!(
                event,
                ReaderEvent::Completed(_)
                    | ReaderEvent::Failed(_)
                    | ReaderEvent::Cancelled
                    | ReaderEvent::TimedOut
            ) {
                *finals += 1;
            }
            events.push(event);
        }
        assert!(*finals <= 1, "more than one final event");
        assert_eq!(
            txn.is_done(),
            *finals == 1,
            "done without a final event, or the reverse"
        );
        if !txn.is_done() {
            assert!(
                txn.poll_timeout().is_some(),
                "a live transaction without a deadline"
            );
        }
    };
    drain(&mut txn, &mut finals, &mut events);
    for op in ops.chunks(4) {
        let [kind, a, b, c] = [0, 1, 2, 3].map(|i| op.get(i).copied().unwrap_or(0));
        match kind % 8 {
            0 => {
                now += Duration::from_millis(u64::from(u16::from_le_bytes([a, b])) * 100);
                txn.handle_timeout(now);
            }
            1 => txn.cancel(now),
            2 => {
                let _ = txn.complete(&HostResponse::online([a, b]), now);
            }
            3 => txn.handle_frame(
                Frame::unsolicited(if a & 1 == 0 { 0x61 } else { 0x14 }, b % 4, payload(c, 0)),
                now,
            ),
            _ => {
                let command = [0x01, 0x02, 0x05, 0x60, 0x29, 0x03, 0x61, 0x14][usize::from(a % 8)];
                let status = StatusCode::from_byte(
                    [0x00, 0x23, 0x08, 0x0A, 0x0E, 0x63, 0x0B, b][usize::from(b % 8)],
                );
                let frame = response(command, status, a / 8, c);
                if !is_reader_originated(command, status.byte()) || frame.protocol == Protocol::V3 {
                    txn.handle_frame(frame, now);
                }
            }
        }
        drain(&mut txn, &mut finals, &mut events);
    }
    for _ in 0..4 {
        let Some(deadline) = txn.poll_timeout() else {
            break;
        };
        now = now.max(deadline);
        txn.handle_timeout(now);
        drain(&mut txn, &mut finals, &mut events);
    }
    assert!(
        txn.is_done(),
        "the machine did not end after its deadlines passed"
    );
    events
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checks_accept_a_plain_frame_a_record_and_a_short_conversation() {
        let mut stream = vec![7, 0];
        stream.extend_from_slice(&Frame::response(0x18, StatusCode::Ok, Vec::new()).encode());
        frame_stream(&stream);
        let mut card = vec![0x80, 0x02, 0, 5, 0, 0x02, 0x00];
        card.extend_from_slice(b";1=2?");
        msr_record(&MsrRecord::build(&card));
        transaction(&[0x03, 4, 0, 0, 0, 4, 1, 0, 2]);
    }

    fn seed(name: &str) -> Vec<ReaderEvent> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../corpus/transaction")
            .join(name);
        conversation(&std::fs::read(path).expect("seed exists"))
    }

    #[test]
    fn the_transaction_seeds_reach_the_outcomes_they_are_named_after() {
        use cardpointe_vp3300::ReadMethod;
        use cardpointe_vp3300::transaction::{FailureReason, TransactionOutcome};
        let last = |name: &str| seed(name).pop().expect("a final event");
        let online = |name: &str| {
            seed(name).into_iter().find_map(|e| match e {
                ReaderEvent::OnlineAuthorizationRequired(d) => Some(d.entry_mode()),
                _ => None,
            })
        };
        assert!(matches!(
            last("swipe_then_host_approves"),
            ReaderEvent::Completed(TransactionOutcome { approved: true, .. })
        ));
        assert_eq!(online("swipe_then_host_approves"), Some(ReadMethod::Swipe));
        assert!(matches!(
            last("contact_online_approved"),
            ReaderEvent::Completed(TransactionOutcome { approved: true, .. })
        ));
        assert_eq!(online("contact_online_approved"), Some(ReadMethod::Contact));
        assert_eq!(
            online("contact_fallback_swipe"),
            Some(ReadMethod::FallbackSwipe)
        );
        assert_eq!(
            last("contact_card_removed"),
            ReaderEvent::Failed(FailureReason::CardRemoved)
        );
        assert!(matches!(
            last("tap_online"),
            ReaderEvent::Completed(TransactionOutcome {
                approved: false,
                ..
            })
        ));
        assert!(matches!(
            last("busy"),
            ReaderEvent::Failed(FailureReason::ReaderBusy { .. })
        ));
        assert_eq!(last("timeout_from_reader"), ReaderEvent::TimedOut);
        assert_eq!(last("cancel_while_waiting"), ReaderEvent::Cancelled);
        assert!(matches!(
            last("out_of_order"),
            ReaderEvent::Failed(FailureReason::UnexpectedFrame { .. })
        ));
        assert_eq!(
            last("display_and_reboot"),
            ReaderEvent::Failed(FailureReason::ReaderRebooted)
        );
        assert_eq!(online("v3_answer"), Some(ReadMethod::Swipe));
    }
}
