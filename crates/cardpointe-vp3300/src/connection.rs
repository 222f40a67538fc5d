//! The whole host side of the reader conversation, without I/O, in the style of `quinn-proto`.
//!
//! [`Connection`] is what a host runs against one VP3300 link: bytes in, frames out, timeouts
//! in, events out. The caller (an async pump over Bluetooth, a phone's own BLE stack, a test
//! harness) moves bytes and time; the connection decides everything else:
//!
//! - **input**: [`Connection::handle_bytes`] takes notifications exactly as they arrived (cut
//!   anywhere; its [`FrameDecoder`] reassembles them); [`Connection::handle_timeout`] takes the
//!   time; [`Connection::handle_link_down`] / [`Connection::handle_link_up`] say what the link
//!   did.
//! - **host calls**: [`Connection::start_read`] (a card read, the [`Transaction`] machine),
//!   [`Connection::complete`] (the host's answer to an online request), [`Connection::cancel`],
//!   and [`Connection::exchange`] (one housekeeping command: version, serial, ...). Each call
//!   that waits for the reader returns a [`RequestId`].
//! - **output**: [`Connection::poll_write`] (frames to write, in order),
//!   [`Connection::poll_timeout`] (when to call `handle_timeout` next) and
//!   [`Connection::poll_event`] (what happened, each event naming its request).
//!
//! Time is a [`Duration`] since an epoch of the caller's choosing (as for [`Transaction`]):
//! the connection never reads a clock, and is deterministic.
//!
//! # Every request ends exactly once
//!
//! Each [`RequestId`] gets exactly one final event: a card read its terminal
//! [`ReaderEvent`] (completed, failed, cancelled, timed out) inside [`ConnectionEvent::Read`];
//! an exchange [`ConnectionEvent::Answered`] or [`ConnectionEvent::TimedOut`]; a cancel
//! [`ConnectionEvent::Idle`] or [`ConnectionEvent::TimedOut`]; and any of them
//! [`ConnectionEvent::Aborted`] when the link goes down first. Whatever waits has a deadline,
//! so [`Connection::poll_timeout`] is `Some` while anything is in flight: nothing hangs.
//!
//! # Late answers
//!
//! The NEO 2 protocol has no sequence numbers: an answer names only the command it answers
//! (byte 10 echoes the command byte, spec section 2.2). So the connection keeps the list of
//! commands it wrote whose answers are still owed, oldest first, each with the request that
//! asked. The reader works through commands in order, so an answer belongs to the oldest owed
//! command with its command byte; a final answer also settles every older entry (the reader
//! answered a later command, so it will not answer those any more — a cancelled 02-40, say).
//! An answer whose request has already ended (it timed out, or its read is over) is dropped,
//! as is an answer to nothing owed. So a slow reader's late answer never passes for the answer
//! of the next command, and never fails the next card read.
//!
//! # Example: ask the reader its firmware version
//!
//! ```
//! use core::time::Duration;
//! use cardpointe_vp3300::{command, Connection, ConnectionEvent, Frame, StatusCode};
//!
//! let mut now = Duration::ZERO;
//! let mut conn = Connection::new(Duration::from_secs(3));
//! let asked = conn.exchange(command::firmware_version(), Duration::from_secs(3), now)?;
//! let frame = conn.poll_write().expect("29-00 goes out");
//! assert_eq!((frame.command, frame.sub_command()), (0x29, Some(0x00)));
//! // ... write `frame.encode()` to the link; the reader answers in 20-byte notifications:
//! let answer = Frame::response(0x29, StatusCode::Ok, &b"VP3300 FW v1.01"[..]).encode();
//! now += Duration::from_millis(40);
//! for notification in answer.chunks(20) {
//!     conn.handle_bytes(notification, now);
//! }
//! let Some(ConnectionEvent::Answered { request, frame }) = conn.poll_event() else {
//!     panic!("the answer");
//! };
//! assert_eq!(request, asked);
//! assert_eq!(command::FirmwareVersion::from_response(&frame)?.as_str(), "VP3300 FW v1.01");
//! assert_eq!(conn.poll_timeout(), None, "nothing waits any more");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::fmt;
use core::time::Duration;

use crate::command::{self, HostResponse};
use crate::decoder::{Decoded, FrameDecoder};
use crate::frame::{Frame, FrameKind};
use crate::status::StatusCode;
use crate::transaction::{ReaderEvent, Transaction, TransactionError, TransactionRequest};

/// Names one host call that waits for the reader: a card read, an exchange or a cancel. Ids
/// are unique within a [`Connection`] and increase.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RequestId(u64);

impl RequestId {
    /// The number behind the id (for logs).
    #[must_use]
    pub const fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Debug for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RequestId({})", self.0)
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// What the host should know: the progress and end of its requests, and of the link's
/// recovery. `Debug` shows no card data (frames show their length only, card data is masked).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConnectionEvent {
    /// An event of the card read `request`; its terminal event ([`ReaderEvent::Completed`],
    /// [`ReaderEvent::Failed`], [`ReaderEvent::Cancelled`], [`ReaderEvent::TimedOut`]) ends it.
    /// [`ReaderEvent::OnlineAuthorizationRequired`] does not: call [`Connection::complete`].
    Read {
        /// The card read.
        request: RequestId,
        /// What happened.
        event: ReaderEvent,
    },
    /// The reader answered the exchange `request` (any status: check
    /// [`Frame::status`]). Its command byte is the command's.
    Answered {
        /// The exchange.
        request: RequestId,
        /// The reader's final answer.
        frame: Frame,
    },
    /// The cancel `request` is done: the reader is idle (it confirmed 05-01, or the card read
    /// it cancelled has ended).
    Idle {
        /// The cancel.
        request: RequestId,
    },
    /// The exchange or cancel `request` got no answer in time. A late answer is dropped.
    TimedOut {
        /// The exchange or cancel.
        request: RequestId,
        /// How long it waited.
        after: Duration,
    },
    /// The link went down before `request` ended ([`Connection::handle_link_down`]).
    Aborted {
        /// The card read, exchange or cancel.
        request: RequestId,
    },
    /// After [`Connection::handle_link_up`]: the reader has been made idle (or did not answer
    /// the cancel in time) and the connection takes calls again.
    Ready,
}

/// Why the connection refused a call.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectionError {
    /// A card read is running: complete or cancel it first.
    #[error("a card read is already in progress; complete or cancel it first")]
    ReadInProgress,
    /// Another exchange waits for its answer: wait for its event first.
    #[error("the reader is still answering another command; wait for its answer or timeout")]
    ExchangeInProgress,
    /// The link is down: reconnect, then call [`Connection::handle_link_up`].
    #[error("the link to the reader is down; reconnect it first")]
    LinkDown,
    /// The link is back up and the reader is being made idle: wait for
    /// [`ConnectionEvent::Ready`].
    #[error("the reader is being made idle after a reconnection; wait until it is ready")]
    Settling,
    /// The card read refused the call (no online request to complete, or a request that
    /// cannot be encoded).
    #[error(transparent)]
    Transaction(#[from] TransactionError),
}

/// Counters of what the connection saw; for logs and diagnostics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConnectionStats {
    /// Frames handed out by [`Connection::poll_write`].
    pub frames_sent: u64,
    /// Whole, CRC-valid frames decoded from the reader's bytes.
    pub frames_received: u64,
    /// Frames dropped as damaged (bad CRC, bad length).
    pub damaged_frames: u64,
    /// Bytes dropped to resynchronise the decoder.
    pub discarded_bytes: u64,
    /// Answers dropped as late (their request had ended) or owed to nobody.
    pub late_answers: u64,
    /// Frames that belong to no conversation (a callback with no card read running, a raw
    /// MSR record outside an IDG answer).
    pub stray_frames: u64,
}

/// Bounds the list of owed answers when a reader never answers at all (the link is then
/// usually dropped, and the list cleared, long before).
const MAX_OWED: usize = 32;

/// Bounds the log of received frames (see [`Connection::set_frame_log`]).
const FRAME_LOG_LIMIT: usize = 256;

/// Who waits for the answer to a command written to the reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Owner {
    /// An exchange (host exchange, idle cancel or settle), by its id.
    Exchange(RequestId),
    /// A card read, by its id.
    Read(RequestId),
}

/// A command written to the reader whose answer is still owed.
#[derive(Clone, Copy, Debug)]
struct Owed {
    command: u8,
    owner: Owner,
}

/// The answers the reader still owes, oldest first (see the module docs).
#[derive(Debug, Default)]
struct Ledger {
    owed: VecDeque<Owed>,
}

impl Ledger {
    /// Notes `frame`, about to be written, if the reader answers it (commands do; the host's
    /// replies to 61-xx callbacks do not).
    fn record(&mut self, frame: &Frame, owner: Owner) {
        let answered = matches!(frame.kind, FrameKind::Command { .. })
            && frame.command != command::id::CALLBACK;
        if answered {
            if self.owed.len() >= MAX_OWED {
                self.owed.pop_front();
            }
            self.owed.push_back(Owed {
                command: frame.command,
                owner,
            });
        }
    }

    /// Who an answer to `command` belongs to; a final answer settles its entry and every
    /// older one. `None`: nothing owed has this command byte.
    fn claim(&mut self, command: u8, is_final: bool) -> Option<Owner> {
        let at = self.owed.iter().position(|owed| owed.command == command)?;
        let owner = self.owed.get(at)?.owner;
        if is_final {
            self.owed.drain(..=at);
        }
        Some(owner)
    }
}

/// What an exchange is for.
#[derive(Debug)]
enum Purpose {
    /// The host's own command: the answer goes back to it.
    Host,
    /// 05-01 sent because no card read ran; these cancels wait for its answer.
    Cancel { waiting: Vec<RequestId> },
    /// 05-01 sent after the link came back up; [`ConnectionEvent::Ready`] follows.
    Settle,
}

/// A command in flight outside a card read.
#[derive(Debug)]
struct Exchange {
    id: RequestId,
    purpose: Purpose,
    deadline: Duration,
    timeout: Duration,
}

/// The card read in progress.
#[derive(Debug)]
struct Read {
    id: RequestId,
    txn: Transaction,
    /// Cancels that end when the read does.
    cancels: Vec<RequestId>,
}

/// The link, as far as the conversation is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Up and taking calls.
    Ready,
    /// Back up; the reader is being made idle.
    Settling,
    /// Down.
    Down,
}

/// The host side of one reader link, as a deterministic state machine (see the module docs).
#[derive(Debug)]
pub struct Connection {
    cancel_timeout: Duration,
    phase: Phase,
    decoder: FrameDecoder,
    ledger: Ledger,
    read: Option<Read>,
    exchange: Option<Exchange>,
    writes: VecDeque<Frame>,
    events: VecDeque<ConnectionEvent>,
    /// Received frames, kept while the frame log is on.
    received: Option<VecDeque<Frame>>,
    next_id: u64,
    stats: ConnectionStats,
}

impl Connection {
    /// A connection over a link that is up, with the reader idle. `cancel_timeout` bounds how
    /// long a cancel sent outside a card read (and the cancel that makes the reader idle after
    /// a reconnection) waits for the reader's confirmation (spec section 5.1: 1-3 s).
    #[must_use]
    pub fn new(cancel_timeout: Duration) -> Self {
        Self {
            cancel_timeout,
            phase: Phase::Ready,
            decoder: FrameDecoder::host(),
            ledger: Ledger::default(),
            read: None,
            exchange: None,
            writes: VecDeque::new(),
            events: VecDeque::new(),
            received: None,
            next_id: 0,
            stats: ConnectionStats::default(),
        }
    }

    fn next_id(&mut self) -> RequestId {
        self.next_id = self.next_id.saturating_add(1);
        RequestId(self.next_id)
    }

    /// Whether the connection takes calls (the link is up and the reader settled).
    #[must_use]
    pub fn is_ready(&self) -> bool {
        self.phase == Phase::Ready
    }

    /// Whether the link is down (after [`Connection::handle_link_down`], until
    /// [`Connection::handle_link_up`]).
    #[must_use]
    pub fn is_link_down(&self) -> bool {
        self.phase == Phase::Down
    }

    /// The card read in progress, if any.
    #[must_use]
    pub fn read_in_progress(&self) -> Option<RequestId> {
        self.read.as_ref().map(|read| read.id)
    }

    /// The exchange or cancel waiting for its answer, if any (internal cancels included).
    #[must_use]
    pub fn exchange_in_progress(&self) -> Option<RequestId> {
        self.exchange.as_ref().map(|exchange| exchange.id)
    }

    /// How many answers the reader still owes (bounded).
    #[must_use]
    pub fn answers_owed(&self) -> usize {
        self.ledger.owed.len()
    }

    /// What the connection has seen so far.
    #[must_use]
    pub const fn stats(&self) -> ConnectionStats {
        self.stats
    }

    fn refuse_unless_ready(&self) -> Result<(), ConnectionError> {
        match self.phase {
            Phase::Ready => Ok(()),
            Phase::Settling => Err(ConnectionError::Settling),
            Phase::Down => Err(ConnectionError::LinkDown),
        }
    }

    /// Starts a card read (see [`Transaction`]); its events come as [`ConnectionEvent::Read`]
    /// with the returned id. A read may start while an exchange waits for its answer.
    ///
    /// # Errors
    /// [`ConnectionError::ReadInProgress`] while another read runs;
    /// [`ConnectionError::LinkDown`] / [`ConnectionError::Settling`];
    /// [`ConnectionError::Transaction`] when the request cannot be encoded.
    pub fn start_read(
        &mut self,
        request: TransactionRequest,
        now: Duration,
    ) -> Result<RequestId, ConnectionError> {
        self.refuse_unless_ready()?;
        if self.read.is_some() {
            return Err(ConnectionError::ReadInProgress);
        }
        let txn = Transaction::start(request, now)?;
        let id = self.next_id();
        self.read = Some(Read {
            id,
            txn,
            cancels: Vec::new(),
        });
        self.pump_read();
        Ok(id)
    }

    /// Gives the host's answer to the read's online authorization request; the read's
    /// terminal event carries the outcome (see [`Transaction::complete`]).
    ///
    /// # Errors
    /// [`ConnectionError::Transaction`] when no read waits for the host's answer;
    /// [`ConnectionError::LinkDown`] / [`ConnectionError::Settling`].
    pub fn complete(
        &mut self,
        answer: &HostResponse,
        now: Duration,
    ) -> Result<(), ConnectionError> {
        self.refuse_unless_ready()?;
        let Some(read) = self.read.as_mut() else {
            return Err(TransactionError::NotAwaitingHost { state: "idle" }.into());
        };
        let done = read.txn.complete(answer, now);
        self.pump_read();
        Ok(done?)
    }

    /// Makes the reader idle; ends with [`ConnectionEvent::Idle`] (or
    /// [`ConnectionEvent::TimedOut`] when the reader never confirms). A card read in
    /// progress is cancelled (05-01, see [`Transaction::cancel`]) and the cancel ends when the
    /// read does; with no read, 05-01 is sent anyway so the reader is idle for sure. While an
    /// exchange waits for its answer no transaction runs on the reader, so the cancel ends at
    /// once.
    ///
    /// # Errors
    /// [`ConnectionError::LinkDown`] / [`ConnectionError::Settling`].
    pub fn cancel(&mut self, now: Duration) -> Result<RequestId, ConnectionError> {
        self.refuse_unless_ready()?;
        let id = self.next_id();
        if let Some(read) = self.read.as_mut() {
            read.txn.cancel(now);
            read.cancels.push(id);
            self.pump_read();
            return Ok(id);
        }
        match self.exchange.as_mut() {
            Some(Exchange {
                purpose: Purpose::Cancel { waiting },
                ..
            }) => waiting.push(id),
            Some(_) => self.events.push_back(ConnectionEvent::Idle { request: id }),
            None => {
                let frame = command::cancel();
                let purpose = Purpose::Cancel {
                    waiting: alloc::vec![id],
                };
                self.send_exchange(id, frame, purpose, self.cancel_timeout, now);
            }
        }
        Ok(id)
    }

    /// Sends one command outside a card read and waits at most `timeout` for the reader's
    /// final answer: [`ConnectionEvent::Answered`] or [`ConnectionEvent::TimedOut`].
    ///
    /// # Errors
    /// [`ConnectionError::ReadInProgress`] while a card read runs,
    /// [`ConnectionError::ExchangeInProgress`] while another exchange waits;
    /// [`ConnectionError::LinkDown`] / [`ConnectionError::Settling`].
    pub fn exchange(
        &mut self,
        frame: Frame,
        timeout: Duration,
        now: Duration,
    ) -> Result<RequestId, ConnectionError> {
        self.refuse_unless_ready()?;
        if self.read.is_some() {
            return Err(ConnectionError::ReadInProgress);
        }
        if self.exchange.is_some() {
            return Err(ConnectionError::ExchangeInProgress);
        }
        let id = self.next_id();
        self.send_exchange(id, frame, Purpose::Host, timeout, now);
        Ok(id)
    }

    fn send_exchange(
        &mut self,
        id: RequestId,
        frame: Frame,
        purpose: Purpose,
        timeout: Duration,
        now: Duration,
    ) {
        self.exchange = Some(Exchange {
            id,
            purpose,
            deadline: now.saturating_add(timeout),
            timeout,
        });
        self.queue_write(frame, Owner::Exchange(id));
    }

    /// Recorded when queued, before any write: an answer may arrive before the write returns.
    fn queue_write(&mut self, frame: Frame, owner: Owner) {
        self.ledger.record(&frame, owner);
        self.writes.push_back(frame);
    }

    /// Bytes from the reader (one BLE notification, or any part of the stream).
    pub fn handle_bytes(&mut self, bytes: &[u8], now: Duration) {
        if self.phase == Phase::Down {
            return;
        }
        self.decoder.push(bytes);
        while let Some(item) = self.decoder.decode() {
            match item {
                Ok(Decoded::Frame(frame)) => {
                    self.stats.frames_received = self.stats.frames_received.saturating_add(1);
                    if let Some(log) = self.received.as_mut() {
                        if log.len() >= FRAME_LOG_LIMIT {
                            log.pop_front();
                        }
                        log.push_back(frame.clone());
                    }
                    self.route(frame, now);
                }
                // Raw MSR records outside an IDG answer are not part of the conversation.
                Ok(Decoded::MsrRecord(_)) => {
                    self.stats.stray_frames = self.stats.stray_frames.saturating_add(1);
                }
                Ok(Decoded::Garbage { len, .. }) => {
                    let len = u64::try_from(len).unwrap_or(u64::MAX);
                    self.stats.discarded_bytes = self.stats.discarded_bytes.saturating_add(len);
                }
                Err(_) => {
                    self.stats.damaged_frames = self.stats.damaged_frames.saturating_add(1);
                }
            }
        }
    }

    /// Hands a frame from the reader to whoever waits for it (see the module docs).
    fn route(&mut self, frame: Frame, now: Duration) {
        let FrameKind::Response { status, .. } = frame.kind else {
            // Callbacks (61-xx) and notifications belong to the card read running now.
            match self.read.as_mut() {
                Some(read) => {
                    read.txn.handle_frame(frame, now);
                    self.pump_read();
                }
                None => self.stats.stray_frames = self.stats.stray_frames.saturating_add(1),
            }
            return;
        };
        let is_final = !matches!(
            status,
            StatusCode::OkAnotherResponseFollows | StatusCode::UserInterfaceEvent
        );
        match self.ledger.claim(frame.command, is_final) {
            Some(Owner::Exchange(id)) if self.exchange.as_ref().is_some_and(|e| e.id == id) => {
                // A first-of-two answer (status 63) is not the answer yet.
                if is_final && let Some(exchange) = self.exchange.take() {
                    self.answered(exchange, frame);
                }
            }
            Some(Owner::Read(id)) if self.read.as_ref().is_some_and(|r| r.id == id) => {
                if let Some(read) = self.read.as_mut() {
                    read.txn.handle_frame(frame, now);
                }
                self.pump_read();
            }
            _ => self.stats.late_answers = self.stats.late_answers.saturating_add(1),
        }
    }

    fn answered(&mut self, exchange: Exchange, frame: Frame) {
        match exchange.purpose {
            Purpose::Host => self.events.push_back(ConnectionEvent::Answered {
                request: exchange.id,
                frame,
            }),
            Purpose::Cancel { waiting } => {
                for request in waiting {
                    self.events.push_back(ConnectionEvent::Idle { request });
                }
            }
            Purpose::Settle => self.ready(),
        }
    }

    fn ready(&mut self) {
        if self.phase == Phase::Settling {
            self.phase = Phase::Ready;
            self.events.push_back(ConnectionEvent::Ready);
        }
    }

    /// Moves what the card read wants written and says into the connection's queues, and
    /// ends the read once its machine is done.
    fn pump_read(&mut self) {
        let Some(read) = self.read.as_mut() else {
            return;
        };
        let id = read.id;
        while let Some(frame) = read.txn.poll_write() {
            // A read's last write (a cancel after a failure) is still sent once it is done;
            // its answer is then dropped as late.
            self.ledger.record(&frame, Owner::Read(id));
            self.writes.push_back(frame);
        }
        while let Some(event) = read.txn.poll_event() {
            self.events
                .push_back(ConnectionEvent::Read { request: id, event });
        }
        if read.txn.is_done()
            && let Some(read) = self.read.take()
        {
            for request in read.cancels {
                self.events.push_back(ConnectionEvent::Idle { request });
            }
        }
    }

    /// Tells the connection the time is `now`; acts on every deadline that has passed.
    pub fn handle_timeout(&mut self, now: Duration) {
        if let Some(read) = self.read.as_mut() {
            read.txn.handle_timeout(now);
            self.pump_read();
        }
        let expired = self.exchange.as_ref().is_some_and(|e| e.deadline <= now);
        // Its entry stays owed: the answer may still come, and is then dropped as late.
        if expired && let Some(exchange) = self.exchange.take() {
            let after = exchange.timeout;
            match exchange.purpose {
                Purpose::Host => self.events.push_back(ConnectionEvent::TimedOut {
                    request: exchange.id,
                    after,
                }),
                Purpose::Cancel { waiting } => {
                    for request in waiting {
                        self.events
                            .push_back(ConnectionEvent::TimedOut { request, after });
                    }
                }
                // A reader that does not confirm is as idle as it will get.
                Purpose::Settle => self.ready(),
            }
        }
    }

    /// The link went down. Everything in flight ends with [`ConnectionEvent::Aborted`]; the
    /// frames not yet written and the bytes not yet decoded are dropped; calls are refused
    /// with [`ConnectionError::LinkDown`] until [`Connection::handle_link_up`].
    pub fn handle_link_down(&mut self) {
        if self.phase == Phase::Down {
            return;
        }
        self.phase = Phase::Down;
        self.decoder.reset();
        self.ledger.owed.clear();
        self.writes.clear();
        if let Some(read) = self.read.take() {
            self.events
                .push_back(ConnectionEvent::Aborted { request: read.id });
            for request in read.cancels {
                self.events.push_back(ConnectionEvent::Aborted { request });
            }
        }
        if let Some(exchange) = self.exchange.take() {
            match exchange.purpose {
                Purpose::Host => self.events.push_back(ConnectionEvent::Aborted {
                    request: exchange.id,
                }),
                Purpose::Cancel { waiting } => {
                    for request in waiting {
                        self.events.push_back(ConnectionEvent::Aborted { request });
                    }
                }
                Purpose::Settle => {}
            }
        }
    }

    /// The link is back up. The reader may still run what it ran when the link dropped, so a
    /// cancel (05-01) goes out first and everything else it says is dropped until it confirms
    /// (or `cancel_timeout` passes); then [`ConnectionEvent::Ready`]. No effect unless the
    /// link is down.
    pub fn handle_link_up(&mut self, now: Duration) {
        if self.phase != Phase::Down {
            return;
        }
        self.phase = Phase::Settling;
        self.decoder.reset();
        let id = self.next_id();
        self.send_exchange(
            id,
            command::cancel(),
            Purpose::Settle,
            self.cancel_timeout,
            now,
        );
    }

    /// The next frame to write to the reader (encode it with [`Frame::encode`]; the link cuts
    /// it into writes of its size). Write them in this order.
    pub fn poll_write(&mut self) -> Option<Frame> {
        let frame = self.writes.pop_front()?;
        self.stats.frames_sent = self.stats.frames_sent.saturating_add(1);
        Some(frame)
    }

    /// The next event for the host.
    pub fn poll_event(&mut self) -> Option<ConnectionEvent> {
        self.events.pop_front()
    }

    /// When [`Connection::handle_timeout`] should next be called: `Some` while anything is in
    /// flight, `None` when nothing waits.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Duration> {
        let read = self.read.as_ref().and_then(|read| read.txn.poll_timeout());
        let exchange = self.exchange.as_ref().map(|exchange| exchange.deadline);
        match (read, exchange) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Turns the log of received frames on or off (off by default): for a frame tap or a
    /// trace. While on, every frame decoded from the reader is kept for
    /// [`Connection::poll_received`] (the newest 256, when nobody drains them).
    pub fn set_frame_log(&mut self, on: bool) {
        match (on, self.received.is_some()) {
            (true, false) => self.received = Some(VecDeque::new()),
            (false, true) => self.received = None,
            _ => {}
        }
    }

    /// The next frame received from the reader while the frame log is on.
    pub fn poll_received(&mut self) -> Option<Frame> {
        self.received.as_mut()?.pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command(cmd: u8, sub: u8) -> Frame {
        Frame::command(cmd, sub, Vec::new())
    }

    fn exchange(n: u64) -> Owner {
        Owner::Exchange(RequestId(n))
    }

    #[test]
    fn an_answer_belongs_to_the_oldest_command_with_its_byte() {
        let mut ledger = Ledger::default();
        ledger.record(&command(0x29, 0x00), exchange(1));
        ledger.record(&command(0x29, 0x00), exchange(2));
        assert_eq!(ledger.claim(0x29, true), Some(exchange(1)));
        assert_eq!(ledger.claim(0x29, true), Some(exchange(2)));
        assert_eq!(ledger.claim(0x29, true), None);
    }

    #[test]
    fn a_final_answer_settles_older_commands_and_a_first_of_two_does_not() {
        let mut ledger = Ledger::default();
        let read = |n| Owner::Read(RequestId(n));
        ledger.record(&command(0x02, 0x40), read(1));
        ledger.record(&command(0x05, 0x01), read(1));
        ledger.record(&command(0x01, 0x01), read(2));
        assert_eq!(ledger.claim(0x05, false), Some(read(1)));
        assert_eq!(ledger.claim(0x05, true), Some(read(1)));
        // The cancelled 02-40 will not be answered any more.
        assert_eq!(ledger.claim(0x02, true), None);
        assert_eq!(ledger.claim(0x01, true), Some(read(2)));
    }

    #[test]
    fn replies_to_callbacks_are_not_answered_and_the_ledger_is_bounded() {
        let mut ledger = Ledger::default();
        ledger.record(&command::callback_reply(0x01, &[0x03, 0x01]), exchange(1));
        assert_eq!(ledger.claim(command::id::CALLBACK, true), None);
        for _ in 0..MAX_OWED + 5 {
            ledger.record(&command(0x18, 0x01), exchange(1));
        }
        assert_eq!(ledger.owed.len(), MAX_OWED);
    }
}
