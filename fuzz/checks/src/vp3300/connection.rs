//! Invariants of `cardpointe_vp3300::Connection`, the host side of the reader conversation:
//! whatever the reader's bytes (cut anywhere), the passage of time, the link's drops and the
//! host's calls, the connection never panics, ends every request exactly once with an event
//! that fits it, never takes a late answer for the answer of a later command, writes only
//! well-formed commands, and never hangs: something in flight always has a deadline, and once
//! every deadline has passed nothing is left in flight.

use std::collections::BTreeMap;

use core::time::Duration;

use cardpointe_vp3300::command::{self, HostResponse, HostResult, Interfaces, Payment};
use cardpointe_vp3300::{
    Connection, ConnectionError, ConnectionEvent, Decoded, Frame, FrameDecoder, FrameKind,
    ReaderEvent, RequestId, StatusCode, TransactionRequest,
};

use super::{payload, response};

/// What a request is, as the check remembers it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Asked {
    Read,
    Exchange { command: u8 },
    Cancel,
}

/// The link, as the check remembers it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Link {
    Up,
    Settling,
    Down,
}

/// The host side of the run: the connection and what the check expects of it.
struct Host {
    conn: Connection,
    now: Duration,
    open: BTreeMap<RequestId, Asked>,
    link: Link,
    /// What the connection sent, re-decoded as the reader would.
    reader: FrameDecoder,
    /// Command bytes of the frames sent, newest last (for answers that fit).
    written: Vec<u8>,
    events: Vec<ConnectionEvent>,
}

/// Commands the host exchanges.
fn exchange_frame(choice: u8) -> Frame {
    match choice % 6 {
        0 => command::firmware_version(),
        1 => command::serial_number(),
        2 => command::ping(),
        3 => command::cancel(),
        4 => command::callback_reply(0x01, &[0x03, 0x01]),
        _ => Frame::command(0x02, 0x40, vec![0x9F, 0x02, 0x01, 0x00]),
    }
}

/// Reader responses: these command bytes, these statuses.
const COMMANDS: [u8; 8] = [0x01, 0x02, 0x05, 0x60, 0x29, 0x12, 0x18, 0x61];
const STATUSES: [u8; 8] = [0x00, 0x23, 0x08, 0x0A, 0x63, 0x0B, 0x0C, 0x80];

const fn is_terminal(event: &ReaderEvent) -> bool {
    matches!(
        event,
        ReaderEvent::Completed(_)
            | ReaderEvent::Failed(_)
            | ReaderEvent::Cancelled
            | ReaderEvent::TimedOut
    )
}

impl Host {
    fn new(cancel_timeout: Duration) -> Self {
        Self {
            conn: Connection::new(cancel_timeout),
            now: Duration::ZERO,
            open: BTreeMap::new(),
            link: Link::Up,
            reader: FrameDecoder::reader(),
            written: Vec::new(),
            events: Vec::new(),
        }
    }

    /// A call's result fits the link's state; a new id is fresh.
    fn called(&mut self, result: Result<RequestId, ConnectionError>, asked: Asked) {
        match (self.link, result) {
            (Link::Down, result) => assert_eq!(result, Err(ConnectionError::LinkDown)),
            (Link::Settling, result) => assert_eq!(result, Err(ConnectionError::Settling)),
            (Link::Up, Ok(id)) => {
                assert!(
                    self.open.insert(id, asked).is_none(),
                    "a request id was handed out twice"
                );
            }
            (Link::Up, Err(ConnectionError::ReadInProgress)) => {
                assert!(self.open.values().any(|a| *a == Asked::Read));
            }
            (Link::Up, Err(ConnectionError::ExchangeInProgress)) => {
                assert!(self.conn.exchange_in_progress().is_some());
            }
            (Link::Up, Err(ConnectionError::Transaction(_))) => {}
            (Link::Up, Err(other)) => panic!("refused with {other:?} while the link is up"),
        }
    }

    fn end(&mut self, request: RequestId, fits: impl FnOnce(Asked) -> bool, what: &str) {
        let asked = self
            .open
            .remove(&request)
            .unwrap_or_else(|| panic!("{what} for {request:?}, which is not open"));
        assert!(fits(asked), "{what} ends {asked:?}");
    }

    /// Drains writes and events, checking each; then the connection's overall state.
    fn drain(&mut self) {
        while let Some(frame) = self.conn.poll_write() {
            assert!(
                matches!(frame.kind, FrameKind::Command { .. }),
                "the host wrote a {:?}",
                frame.kind
            );
            self.reader.push(&frame.encode());
            match self.reader.decode() {
                Some(Ok(Decoded::Frame(decoded))) => {
                    assert_eq!(decoded, frame, "a written frame does not decode to itself");
                }
                other => panic!("a written frame does not decode: {other:?}"),
            }
            assert_eq!(self.reader.buffered(), 0);
            self.written.push(frame.command);
        }
        while let Some(event) = self.conn.poll_event() {
            match &event {
                ConnectionEvent::Read { request, event } => {
                    assert_eq!(self.open.get(request), Some(&Asked::Read), "{event:?}");
                    if is_terminal(event) {
                        self.open.remove(request);
                    }
                }
                ConnectionEvent::Answered { request, frame } => {
                    let final_status = matches!(
                        frame.kind,
                        FrameKind::Response { status, .. }
                            if status != StatusCode::OkAnotherResponseFollows
                                && status != StatusCode::UserInterfaceEvent
                    );
                    assert!(final_status, "an exchange answered by {frame:?}");
                    let command = frame.command;
                    self.end(
                        *request,
                        |asked| asked == Asked::Exchange { command },
                        "an answer",
                    );
                }
                ConnectionEvent::Idle { request } => {
                    self.end(*request, |asked| asked == Asked::Cancel, "idle");
                }
                ConnectionEvent::TimedOut { request, .. } => self.end(
                    *request,
                    |asked| matches!(asked, Asked::Exchange { .. } | Asked::Cancel),
                    "a timeout",
                ),
                ConnectionEvent::Aborted { request } => {
                    assert_eq!(self.link, Link::Down, "aborted while the link is up");
                    self.end(*request, |_| true, "an abort");
                }
                ConnectionEvent::Ready => {
                    assert_eq!(self.link, Link::Settling, "ready without a reconnection");
                    self.link = Link::Up;
                }
                _ => panic!("an event the check does not know: {event:?}"),
            }
            self.events.push(event);
        }
        if self.link == Link::Down {
            assert!(
                self.open.is_empty(),
                "the link is down and {:?} is open",
                self.open
            );
        }
        assert_eq!(self.conn.is_ready(), self.link == Link::Up);
        assert_eq!(self.conn.is_link_down(), self.link == Link::Down);
        let open_read = self.open.iter().find(|(_, a)| **a == Asked::Read);
        assert_eq!(self.conn.read_in_progress(), open_read.map(|(id, _)| *id));
        let busy =
            self.conn.read_in_progress().is_some() || self.conn.exchange_in_progress().is_some();
        assert_eq!(
            self.conn.poll_timeout().is_some(),
            busy,
            "a deadline exactly while something is in flight"
        );
        if !busy {
            assert!(
                self.open.is_empty(),
                "nothing in flight, yet {:?} is open",
                self.open
            );
        }
        assert!(
            self.conn.answers_owed() <= 32,
            "the owed answers grow without bound"
        );
    }

    /// Feeds `bytes` in pieces of `size` bytes.
    fn feed(&mut self, bytes: &[u8], size: u8) {
        for piece in bytes.chunks(usize::from(size % 24) + 1) {
            self.conn.handle_bytes(piece, self.now);
            self.drain();
        }
    }

    fn step(&mut self, [op, a, b, c]: [u8; 4]) {
        match op % 12 {
            0 => {
                let millis = u64::from(u16::from_le_bytes([a, b])) * 50;
                self.now += Duration::from_millis(millis);
                self.conn.handle_timeout(self.now);
            }
            1 => {
                let interfaces = Interfaces::new(a & 1 != 0, a & 2 != 0, a & 4 != 0);
                let mut request = TransactionRequest::new(Payment::purchase_usd(1234), interfaces);
                request.card_timeout = Duration::from_secs(u64::from(b % 16));
                request.command_timeout = Duration::from_millis(u64::from(c) * 20);
                request.margin = Duration::from_millis(u64::from(c % 8) * 250);
                request.fallback = a & 8 != 0;
                let result = self.conn.start_read(request, self.now);
                self.called(result, Asked::Read);
            }
            2 => {
                let mut answer = HostResponse::online([a, b]);
                if c & 1 == 1 {
                    answer.result = HostResult::Declined;
                }
                let reading = self.conn.read_in_progress().is_some();
                match (self.link, self.conn.complete(&answer, self.now)) {
                    (Link::Down, result) => assert_eq!(result, Err(ConnectionError::LinkDown)),
                    (Link::Settling, result) => {
                        assert_eq!(result, Err(ConnectionError::Settling));
                    }
                    (Link::Up, Ok(())) => assert!(reading, "completed with no read"),
                    (Link::Up, Err(ConnectionError::Transaction(_))) => {}
                    (Link::Up, Err(other)) => panic!("complete refused with {other:?}"),
                }
            }
            3 => {
                let result = self.conn.cancel(self.now);
                self.called(result, Asked::Cancel);
            }
            4 => {
                let frame = exchange_frame(a);
                let asked = Asked::Exchange {
                    command: frame.command,
                };
                let timeout = Duration::from_millis(u64::from(b % 16) * 250);
                let result = self.conn.exchange(frame, timeout, self.now);
                self.called(result, asked);
            }
            5 => {
                self.conn.handle_link_down();
                self.link = Link::Down;
                self.written.clear();
            }
            6 => {
                self.conn.handle_link_up(self.now);
                if self.link == Link::Down {
                    self.link = Link::Settling;
                }
            }
            7 => {} // Raw bytes: see `run`.
            8 => self.conn.set_frame_log(a & 1 == 1),
            9 => {
                let frame = match a % 4 {
                    0 => Frame::unsolicited(0x61, 0x01, vec![b % 0x12, b'O', b'K']),
                    1 => Frame::unsolicited(0x61, 0x02, vec![b]),
                    2 => Frame::unsolicited(0x14, 0x01, vec![b]),
                    _ => Frame::unsolicited(0x61, b, payload(c, 0)),
                };
                self.feed(&frame.encode(), c);
            }
            _ => {
                // A reader response: to the last command written (when `a` says so), or to
                // one from the table.
                let command = match (a & 0x80 != 0, self.written.last()) {
                    (true, Some(last)) => *last,
                    _ => COMMANDS[usize::from(a % 8)],
                };
                let status = StatusCode::from_byte(STATUSES[usize::from(b % 8)]);
                let frame = response(command, status, a / 8, c);
                self.feed(&frame.encode(), b / 8);
            }
        }
        self.drain();
    }
}

/// `connection`: the first byte picks the cancel timeout (`(b % 8 + 1) × 250 ms`); then every
/// 4 bytes `[op, a, b, c]` from the front are one step, `op % 12`: 0 time passes (`a b` ×
/// 50 ms), 1 start a card read (interfaces and fallback from `a`, card timeout `b`, command
/// timeout and margin from `c`), 2 complete (ARC `a b`, declined when `c` is odd), 3 cancel,
/// 4 exchange (command `a`, timeout `b`), 5 the link drops, 6 the link is back, 7 raw reader
/// bytes: the last `a % 48` bytes of the input (cut off it, so ops and bytes do not overlap),
/// 8 frame log on/off, 9 an unsolicited frame, else a reader response (command from a table
/// or, with `a` ≥ 0x80, the last command written; status `b`; outcome `a / 8`; payload and
/// protocol `c`). Bytes reach the connection in pieces of up to 24.
pub fn connection(data: &[u8]) {
    let _ = run(data);
}

/// Runs a `connection` input; returns every event.
pub fn run(data: &[u8]) -> Vec<ConnectionEvent> {
    let Some((&first, mut rest)) = data.split_first() else {
        return Vec::new();
    };
    let mut host = Host::new(Duration::from_millis(u64::from(first % 8 + 1) * 250));
    while let [op, a, b, c, tail @ ..] = rest {
        rest = tail;
        if op % 12 == 7 {
            let n = usize::from(a % 48).min(rest.len());
            let (head, bytes) = rest.split_at(rest.len() - n);
            rest = head;
            host.feed(bytes, *b);
            host.drain();
        } else {
            host.step([*op, *a, *b, *c]);
        }
    }
    // Let every deadline pass: nothing may be left in flight.
    for _ in 0..8 {
        let Some(deadline) = host.conn.poll_timeout() else {
            break;
        };
        host.now = host.now.max(deadline);
        host.conn.handle_timeout(host.now);
        host.drain();
    }
    assert_eq!(
        host.conn.poll_timeout(),
        None,
        "still waiting after every deadline passed"
    );
    assert!(host.open.is_empty(), "{:?} never ended", host.open);
    host.events
}

#[cfg(test)]
mod tests {
    use super::*;
    use cardpointe_vp3300::ReadMethod;
    use cardpointe_vp3300::transaction::FailureReason;

    fn seed(name: &str) -> Vec<ConnectionEvent> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../corpus/connection")
            .join(name);
        run(&std::fs::read(path).expect("seed exists"))
    }

    fn reader_events(events: &[ConnectionEvent]) -> Vec<&ReaderEvent> {
        events
            .iter()
            .filter_map(|e| match e {
                ConnectionEvent::Read { event, .. } => Some(event),
                _ => None,
            })
            .collect()
    }

    fn online(events: &[ConnectionEvent]) -> Option<ReadMethod> {
        reader_events(events).into_iter().find_map(|e| match e {
            ReaderEvent::OnlineAuthorizationRequired(data) => Some(data.entry_mode()),
            _ => None,
        })
    }

    fn approved(events: &[ConnectionEvent]) -> Option<bool> {
        reader_events(events).into_iter().find_map(|e| match e {
            ReaderEvent::Completed(outcome) => Some(outcome.approved),
            _ => None,
        })
    }

    fn count(events: &[ConnectionEvent], pick: impl Fn(&ConnectionEvent) -> bool) -> usize {
        events.iter().filter(|e| pick(e)).count()
    }

    #[test]
    fn the_connection_seeds_reach_the_outcomes_they_are_named_after() {
        let swipe = seed("swipe_online_approved");
        assert_eq!(online(&swipe), Some(ReadMethod::Swipe));
        assert_eq!(approved(&swipe), Some(true));

        let chip = seed("chip_online_declined");
        assert_eq!(online(&chip), Some(ReadMethod::Contact));
        assert_eq!(approved(&chip), Some(false));

        let late = seed("exchange_late_answer_dropped");
        assert_eq!(
            count(&late, |e| matches!(e, ConnectionEvent::TimedOut { .. })),
            1
        );
        assert_eq!(
            count(&late, |e| matches!(e, ConnectionEvent::Answered { .. })),
            1,
            "{late:?}"
        );

        let idle = seed("idle_cancel_confirmed");
        assert_eq!(
            count(&idle, |e| matches!(e, ConnectionEvent::Idle { .. })),
            2
        );
        let silent = seed("idle_cancel_times_out");
        assert_eq!(
            count(&silent, |e| matches!(e, ConnectionEvent::TimedOut { .. })),
            1
        );

        let cancelled = seed("cancel_during_read");
        assert!(reader_events(&cancelled).contains(&&ReaderEvent::Cancelled));
        assert_eq!(
            count(&cancelled, |e| matches!(e, ConnectionEvent::Idle { .. })),
            1
        );

        let dropped = seed("link_drop_mid_read_then_settle");
        assert_eq!(
            count(&dropped, |e| matches!(e, ConnectionEvent::Aborted { .. })),
            1
        );
        assert_eq!(count(&dropped, |e| *e == ConnectionEvent::Ready), 1);
        assert!(
            reader_events(&dropped)
                .iter()
                .filter(|e| matches!(e, ReaderEvent::WaitingForCard { .. }))
                .count()
                == 2,
            "a read before the drop and one after the reconnection: {dropped:?}"
        );

        let callbacks = seed("callbacks_and_raw_bytes");
        assert!(
            reader_events(&callbacks)
                .iter()
                .any(|e| matches!(e, ReaderEvent::Message(_))),
            "{callbacks:?}"
        );

        assert!(
            reader_events(&seed("busy_reader"))
                .iter()
                .any(|e| matches!(e, ReaderEvent::Failed(FailureReason::ReaderBusy { .. })))
        );
        assert!(
            reader_events(&seed("silent_reader_read_times_out"))
                .iter()
                .any(|e| matches!(e, ReaderEvent::Failed(FailureReason::ReaderNotResponding)))
        );
    }
}
