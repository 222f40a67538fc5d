//! The task that owns a link: it moves bytes between the link and `cardpointe-vp3300`'s
//! sans-IO machine, answers API calls, and notices and repairs disconnects.
//!
//! # Late answers
//!
//! The NEO 2 protocol has no sequence numbers: an answer names only the command it answers
//! (byte 10 echoes the command byte, spec section 2.2). So the session keeps a ledger of the
//! commands it wrote whose answers are still owed ([`Outstanding`]), oldest first, each with
//! the operation that asked (an exchange or a card read). The reader works through commands
//! in order, so an answer belongs to the oldest owed command with its command byte; a final
//! answer also settles every older entry (the reader answered a later command, so it will
//! not answer those any more — a cancelled 02-40, say). An answer whose operation has already
//! given up (it timed out, or its read ended) is dropped, as is an answer to nothing owed. So
//! a slow reader's late answer never passes for the answer of the next command, and never
//! fails the next card read.

use std::collections::VecDeque;
use std::ops::ControlFlow;
use std::time::Duration;

use bytes::Bytes;
use cardpointe_vp3300::command::{self, HostResponse};
use cardpointe_vp3300::transaction::{Outcome, TransactionError};
use cardpointe_vp3300::{
    Decoded, Frame, FrameDecoder, FrameKind, ReaderEvent, StatusCode, Transaction,
    TransactionRequest,
};
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tokio::time::Instant;

use crate::error::ReaderError;
use crate::link::{DisconnectReason, Link, LinkError, LinkState};
use crate::reader::ReconnectPolicy;
use crate::status::{ConnectionStatus, StatusPublisher};
use crate::tap::{TapDirection, TappedFrame};

pub(crate) type EventSender = mpsc::UnboundedSender<Result<ReaderEvent, ReaderError>>;
type Reply<T> = oneshot::Sender<Result<T, ReaderError>>;

/// What the API asks of the session.
pub(crate) enum Command {
    Read {
        request: TransactionRequest,
        events: EventSender,
        reply: Reply<()>,
    },
    Complete {
        answer: HostResponse,
        reply: Reply<Outcome>,
    },
    Cancel {
        reply: Reply<()>,
    },
    Exchange {
        frame: Frame,
        timeout: Duration,
        reply: Reply<Frame>,
    },
    Battery {
        reply: oneshot::Sender<Option<u8>>,
    },
    Reconnect {
        reply: Reply<()>,
    },
    Close {
        reply: Reply<()>,
    },
}

/// Who waits for the answer to a command written to the reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Owner {
    /// An exchange (or the cancel sent when no read runs), by its number.
    Exchange(u64),
    /// A card read's transaction machine, by its number.
    Read(u64),
}

/// A command written to the reader whose answer is still owed.
#[derive(Debug)]
struct Owed {
    command: u8,
    owner: Owner,
}

/// Bounds the ledger when a reader never answers at all (the link is then usually dropped
/// and the ledger cleared long before).
const MAX_OWED: usize = 32;

/// The answers the reader still owes, oldest first (see the module docs).
#[derive(Debug, Default)]
struct Outstanding {
    owed: VecDeque<Owed>,
}

impl Outstanding {
    /// Notes `frame`, just written, if the reader answers it (commands do; the host's replies
    /// to 61-xx callbacks do not).
    fn record(&mut self, frame: &Frame, owner: Owner) {
        let answered = matches!(frame.kind, FrameKind::Command { .. })
            && frame.command != command::id::CALLBACK;
        if answered {
            if self.owed.len() == MAX_OWED {
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

    fn clear(&mut self) {
        self.owed.clear();
    }
}

struct Active {
    id: u64,
    txn: Transaction,
    events: Option<EventSender>,
    completion: Option<Reply<Outcome>>,
    cancels: Vec<Reply<()>>,
}

struct Pending {
    id: u64,
    deadline: Instant,
    timeout: Duration,
    reply: Reply<Frame>,
}

/// A reconnection the run loop owes: automatic (after a drop) or asked for.
struct DueReconnect {
    attempts: u32,
    replies: Vec<Reply<()>>,
}

/// How a reconnection attempt ended.
enum Interrupt {
    Done(Result<(), LinkError>),
    Cancel(Reply<()>),
    Close(Option<Reply<()>>),
}

pub(crate) struct Session {
    link: Box<dyn Link>,
    link_up: bool,
    link_state: watch::Receiver<LinkState>,
    decoder: FrameDecoder,
    epoch: Instant,
    active: Option<Active>,
    pending: Option<Pending>,
    outstanding: Outstanding,
    next_id: u64,
    due: Option<DueReconnect>,
    status: StatusPublisher,
    tap: broadcast::Sender<TappedFrame>,
    reconnect: Option<ReconnectPolicy>,
    cancel_timeout: Duration,
}

impl Session {
    pub(crate) fn new(
        link: Box<dyn Link>,
        status: StatusPublisher,
        tap: broadcast::Sender<TappedFrame>,
        reconnect: Option<ReconnectPolicy>,
        cancel_timeout: Duration,
    ) -> Self {
        let link_state = link.state();
        Self {
            link,
            link_up: true,
            link_state,
            decoder: FrameDecoder::host(),
            epoch: Instant::now(),
            active: None,
            pending: None,
            outstanding: Outstanding::default(),
            next_id: 0,
            due: None,
            status,
            tap,
            reconnect,
            cancel_timeout,
        }
    }

    fn now(&self) -> Duration {
        self.epoch.elapsed()
    }

    fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    fn next_deadline(&self) -> Option<Instant> {
        let txn = self
            .active
            .as_ref()
            .and_then(|a| a.txn.poll_timeout())
            .map(|d| self.epoch + d);
        let pending = self.pending.as_ref().map(|p| p.deadline);
        match (txn, pending) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    pub(crate) async fn run(mut self, mut commands: mpsc::UnboundedReceiver<Command>) {
        loop {
            self.flush().await;
            if let Some(due) = self.due.take() {
                if self.reconnecting(&mut commands, due).await.is_break() {
                    return;
                }
                continue;
            }
            let deadline = self.next_deadline();
            let up = self.link_up;
            tokio::select! {
                command = commands.recv() => match command {
                    Some(Command::Close { reply }) => {
                        self.close(Some(reply)).await;
                        return;
                    }
                    Some(command) => self.on_command(command).await,
                    None => {
                        self.close(None).await;
                        return;
                    }
                },
                received = self.link.recv(), if up => match received {
                    Ok(bytes) => self.on_bytes(&bytes),
                    Err(error) => {
                        let reason = match error {
                            LinkError::Disconnected(reason) => reason,
                            other => DisconnectReason::WriteFailed { detail: other.to_string() },
                        };
                        self.on_disconnect(reason);
                    }
                },
                changed = self.link_state.changed(), if up => {
                    let state = self.link_state.borrow_and_update().clone();
                    match (changed, state) {
                        (Ok(()), LinkState::Down(reason)) => self.on_disconnect(reason),
                        (Ok(()), _) => {}
                        (Err(_), _) => self.on_disconnect(DisconnectReason::NotificationsEnded),
                    }
                },
                () = sleep_until(deadline) => self.on_timeout(),
            }
        }
    }

    async fn close(&mut self, reply: Option<Reply<()>>) {
        self.fail_all(&DisconnectReason::ClosedByHost);
        if let Some(due) = self.due.take() {
            for waiting in due.replies {
                let _ = waiting.send(Err(ReaderError::Closed));
            }
        }
        let closed = self.link.close().await.map_err(ReaderError::from);
        self.status.publish(ConnectionStatus::NotConnected {
            reason: Some(DisconnectReason::ClosedByHost),
        });
        if let Some(reply) = reply {
            let _ = reply.send(closed);
        }
    }

    async fn on_command(&mut self, command: Command) {
        match command {
            Command::Read {
                request,
                events,
                reply,
            } => {
                if !self.link_up {
                    let _ = reply.send(Err(self.disconnected()));
                } else if self.active.is_some() {
                    let _ = reply.send(Err(ReaderError::Busy));
                } else {
                    match Transaction::start(request, self.now()) {
                        Ok(txn) => {
                            let id = self.next_id();
                            self.active = Some(Active {
                                id,
                                txn,
                                events: Some(events),
                                completion: None,
                                cancels: Vec::new(),
                            });
                            let _ = reply.send(Ok(()));
                        }
                        Err(error) => {
                            let _ = reply.send(Err(error.into()));
                        }
                    }
                }
            }
            Command::Complete { answer, reply } => {
                let now = self.now();
                match self.active.as_mut() {
                    Some(active) => match active.txn.complete(&answer, now) {
                        Ok(()) => active.completion = Some(reply),
                        Err(error) => {
                            let _ = reply.send(Err(error.into()));
                        }
                    },
                    None => {
                        let _ = reply.send(Err(ReaderError::Transaction(
                            TransactionError::NotAwaitingHost { state: "idle" },
                        )));
                    }
                }
            }
            Command::Cancel { reply } => {
                let now = self.now();
                if !self.link_up {
                    let _ = reply.send(Err(self.disconnected()));
                } else if let Some(active) = self.active.as_mut() {
                    active.txn.cancel(now);
                    active.cancels.push(reply);
                } else if self.pending.is_some() {
                    // An exchange is waiting for its answer; the reader runs no transaction
                    // (a card read would be `active`), so it is idle as far as cancel goes.
                    let _ = reply.send(Ok(()));
                } else {
                    // Nothing running here; still tell the reader, so it is idle for sure.
                    self.start_exchange(command::cancel(), self.cancel_timeout, map_unit(reply))
                        .await;
                }
            }
            Command::Exchange {
                frame,
                timeout,
                reply,
            } => {
                if !self.link_up {
                    let _ = reply.send(Err(self.disconnected()));
                } else if self.active.is_some() || self.pending.is_some() {
                    let _ = reply.send(Err(ReaderError::Busy));
                } else {
                    self.start_exchange(frame, timeout, reply).await;
                }
            }
            Command::Battery { reply } => {
                let level = self.link.battery_percent().await;
                let _ = reply.send(level);
            }
            Command::Reconnect { reply } => {
                if self.link_up {
                    let _ = reply.send(Ok(()));
                } else {
                    self.due
                        .get_or_insert(DueReconnect {
                            attempts: 1,
                            replies: Vec::new(),
                        })
                        .replies
                        .push(reply);
                }
            }
            Command::Close { .. } => {}
        }
    }

    fn down_reason(&self) -> DisconnectReason {
        match &*self.link_state.borrow() {
            LinkState::Down(reason) => reason.clone(),
            LinkState::Up => DisconnectReason::NotificationsEnded,
        }
    }

    fn disconnected(&self) -> ReaderError {
        ReaderError::Disconnected(self.down_reason())
    }

    async fn start_exchange(&mut self, frame: Frame, timeout: Duration, reply: Reply<Frame>) {
        let id = self.next_id();
        if let Err(reason) = self.write_frame(&frame, Owner::Exchange(id)).await {
            let _ = reply.send(Err(ReaderError::Disconnected(reason.clone())));
            self.on_disconnect(reason);
            return;
        }
        self.pending = Some(Pending {
            id,
            deadline: Instant::now() + timeout,
            timeout,
            reply,
        });
    }

    async fn write_frame(&mut self, frame: &Frame, owner: Owner) -> Result<(), DisconnectReason> {
        let _ = self.tap.send(TappedFrame::new(TapDirection::Sent, frame));
        // Recorded before the write: an answer may be notified before the write returns.
        self.outstanding.record(frame, owner);
        match self.link.write(&frame.encode()).await {
            Ok(()) => Ok(()),
            Err(LinkError::Disconnected(reason)) => Err(reason),
            Err(other) => Err(DisconnectReason::WriteFailed {
                detail: other.to_string(),
            }),
        }
    }

    /// Writes what the machine wants written and delivers what it has to say.
    async fn flush(&mut self) {
        loop {
            let Some(active) = self.active.as_mut() else {
                return;
            };
            let id = active.id;
            if let Some(frame) = active.txn.poll_write() {
                if !self.link_up {
                    continue;
                }
                if let Err(reason) = self.write_frame(&frame, Owner::Read(id)).await {
                    self.on_disconnect(reason);
                    return;
                }
                continue;
            }
            while let Some(event) = active.txn.poll_event() {
                deliver(active, event);
            }
            if active.txn.is_done() {
                let mut finished = self.active.take();
                if let Some(active) = finished.as_mut() {
                    for cancel in active.cancels.drain(..) {
                        let _ = cancel.send(Ok(()));
                    }
                }
            }
            return;
        }
    }

    fn on_bytes(&mut self, bytes: &Bytes) {
        self.decoder.push(bytes);
        while let Some(item) = self.decoder.decode() {
            let frame = match item {
                Ok(Decoded::Frame(frame)) => frame,
                // Raw MSR records outside an IDG answer (and the remains of a damaged frame)
                // are not part of the conversation; garbage is dropped.
                Ok(_) => continue,
                Err(error) => {
                    tracing::debug!(%error, "dropped a damaged frame from the reader");
                    continue;
                }
            };
            let _ = self
                .tap
                .send(TappedFrame::new(TapDirection::Received, &frame));
            self.route(frame);
        }
    }

    /// Hands a frame from the reader to whoever waits for it (see the module docs).
    fn route(&mut self, frame: Frame) {
        let now = self.now();
        let FrameKind::Response { status, .. } = frame.kind else {
            // Callbacks (61-xx) and notifications belong to the transaction running now.
            if let Some(active) = self.active.as_mut() {
                active.txn.handle_frame(frame, now);
            }
            return;
        };
        let is_final = !matches!(
            status,
            StatusCode::OkAnotherResponseFollows | StatusCode::UserInterfaceEvent
        );
        match self.outstanding.claim(frame.command, is_final) {
            Some(Owner::Exchange(id)) if self.pending.as_ref().is_some_and(|p| p.id == id) => {
                // A first-of-two answer (status 63) is not the answer yet.
                if is_final && let Some(pending) = self.pending.take() {
                    let _ = pending.reply.send(Ok(frame));
                }
            }
            Some(Owner::Read(id)) if self.active.as_ref().is_some_and(|a| a.id == id) => {
                if let Some(active) = self.active.as_mut() {
                    active.txn.handle_frame(frame, now);
                }
            }
            owner => tracing::debug!(
                command = frame.command,
                ?owner,
                "dropped a late answer: the command it answers timed out, or its card read ended"
            ),
        }
    }

    fn on_timeout(&mut self) {
        let now = self.now();
        if let Some(active) = self.active.as_mut() {
            active.txn.handle_timeout(now);
        }
        let expired = self
            .pending
            .as_ref()
            .is_some_and(|p| p.deadline <= Instant::now());
        // Its entry stays in the ledger: the answer may still come, and is then dropped.
        if let Some(pending) = self.pending.take_if(|_| expired) {
            let _ = pending.reply.send(Err(ReaderError::Timeout {
                operation: "a reader command",
                millis: millis(pending.timeout),
            }));
        }
    }

    /// Fails everything in flight with the disconnect.
    fn fail_all(&mut self, reason: &DisconnectReason) {
        if let Some(mut active) = self.active.take() {
            let error = || ReaderError::Disconnected(reason.clone());
            if let Some(events) = active.events.take() {
                let _ = events.send(Err(error()));
            }
            if let Some(completion) = active.completion.take() {
                let _ = completion.send(Err(error()));
            }
            for cancel in active.cancels.drain(..) {
                let _ = cancel.send(Err(error()));
            }
        }
        if let Some(pending) = self.pending.take() {
            let _ = pending
                .reply
                .send(Err(ReaderError::Disconnected(reason.clone())));
        }
    }

    /// The link went down: fail what runs, publish it, and schedule the automatic
    /// reconnection if there is one.
    fn on_disconnect(&mut self, reason: DisconnectReason) {
        if !self.link_up {
            return;
        }
        self.link_up = false;
        self.decoder.reset();
        self.outstanding.clear();
        tracing::info!(%reason, "reader link down");
        self.fail_all(&reason);
        self.status.publish(ConnectionStatus::NotConnected {
            reason: Some(reason),
        });
        if let Some(policy) = self.reconnect {
            let due = self.due.get_or_insert(DueReconnect {
                attempts: 1,
                replies: Vec::new(),
            });
            due.attempts = due.attempts.max(policy.attempts.max(1));
        }
    }

    /// Reconnects, attempt after attempt, while still answering the API: a cancel stops the
    /// reconnection (status `NotConnected`), a close ends the session, other calls fail at
    /// once as disconnected. `Break` when the session is over.
    async fn reconnecting(
        &mut self,
        commands: &mut mpsc::UnboundedReceiver<Command>,
        due: DueReconnect,
    ) -> ControlFlow<()> {
        let DueReconnect {
            attempts,
            mut replies,
        } = due;
        let delay = self.reconnect.map_or(Duration::ZERO, |p| p.delay);
        let reason = self.down_reason();
        let mut last = None;
        for attempt in 1..=attempts {
            self.status
                .publish(ConnectionStatus::Reconnecting { attempt });
            let outcome = {
                let link = &mut *self.link;
                let decoder = &mut self.decoder;
                let tap = &self.tap;
                let settle_limit = self.cancel_timeout;
                let work = async move {
                    tokio::time::sleep(delay).await;
                    link.reconnect().await?;
                    decoder.reset();
                    // The reader may still think a transaction runs: make it idle before
                    // anything else talks to it.
                    settle(link, decoder, tap, settle_limit).await;
                    Ok(())
                };
                tokio::pin!(work);
                loop {
                    tokio::select! {
                        done = &mut work => break Interrupt::Done(done),
                        command = commands.recv() => match command {
                            Some(Command::Cancel { reply }) => break Interrupt::Cancel(reply),
                            Some(Command::Close { reply }) => break Interrupt::Close(Some(reply)),
                            None => break Interrupt::Close(None),
                            Some(Command::Reconnect { reply }) => replies.push(reply),
                            Some(other) => refuse(other, &reason),
                        },
                    }
                }
            };
            match outcome {
                Interrupt::Done(Ok(())) => {
                    self.link_state = self.link.state();
                    self.link_state.borrow_and_update();
                    self.link_up = true;
                    self.outstanding.clear();
                    self.status.publish(ConnectionStatus::Connected);
                    for reply in replies {
                        let _ = reply.send(Ok(()));
                    }
                    return ControlFlow::Continue(());
                }
                Interrupt::Done(Err(error)) => {
                    tracing::info!(%error, attempt, "reconnect failed");
                    last = Some(error);
                }
                Interrupt::Cancel(reply) => {
                    // The attempt may have got half way: make sure the link is down.
                    let _ = self.link.close().await;
                    self.decoder.reset();
                    self.status.publish(ConnectionStatus::NotConnected {
                        reason: Some(reason),
                    });
                    for waiting in replies {
                        let _ = waiting.send(Err(ReaderError::ConnectionCancelled));
                    }
                    let _ = reply.send(Ok(()));
                    return ControlFlow::Continue(());
                }
                Interrupt::Close(reply) => {
                    for waiting in replies {
                        let _ = waiting.send(Err(ReaderError::Closed));
                    }
                    self.close(reply).await;
                    return ControlFlow::Break(());
                }
            }
        }
        self.status.publish(ConnectionStatus::NotConnected {
            reason: Some(reason.clone()),
        });
        let mut last = last.map(ReaderError::from);
        for reply in replies {
            let error = last
                .take()
                .unwrap_or_else(|| ReaderError::Disconnected(reason.clone()));
            let _ = reply.send(Err(error));
        }
        ControlFlow::Continue(())
    }
}

/// Answers a call that cannot run while the link is down.
fn refuse(command: Command, reason: &DisconnectReason) {
    let error = || ReaderError::Disconnected(reason.clone());
    match command {
        Command::Read { reply, .. } | Command::Cancel { reply } | Command::Reconnect { reply } => {
            let _ = reply.send(Err(error()));
        }
        Command::Close { reply } => {
            let _ = reply.send(Err(error()));
        }
        Command::Complete { reply, .. } => {
            let _ = reply.send(Err(error()));
        }
        Command::Exchange { reply, .. } => {
            let _ = reply.send(Err(error()));
        }
        Command::Battery { reply } => {
            let _ = reply.send(None);
        }
    }
}

/// Sends a cancel and waits (bounded) for its answer, dropping anything else the reader
/// still had to say, so the next transaction starts from a clean slate.
async fn settle(
    link: &mut dyn Link,
    decoder: &mut FrameDecoder,
    tap: &broadcast::Sender<TappedFrame>,
    limit: Duration,
) {
    let cancel = command::cancel();
    let _ = tap.send(TappedFrame::new(TapDirection::Sent, &cancel));
    if link.write(&cancel.encode()).await.is_err() {
        return;
    }
    let deadline = Instant::now() + limit;
    loop {
        let received = tokio::time::timeout_at(deadline, link.recv()).await;
        let Ok(Ok(bytes)) = received else {
            return;
        };
        decoder.push(&bytes);
        while let Some(item) = decoder.decode() {
            if let Ok(Decoded::Frame(frame)) = item {
                let _ = tap.send(TappedFrame::new(TapDirection::Received, &frame));
                if frame.command == command::id::CANCEL.0
                    && matches!(frame.kind, FrameKind::Response { .. })
                {
                    return;
                }
            }
        }
    }
}

/// Passes a machine event to the card read and its completion.
fn deliver(active: &mut Active, event: ReaderEvent) {
    let ends_stream = matches!(
        event,
        ReaderEvent::OnlineAuthorizationRequired(_)
            | ReaderEvent::Completed(_)
            | ReaderEvent::Failed(_)
            | ReaderEvent::Cancelled
            | ReaderEvent::TimedOut
    );
    let outcome = match &event {
        ReaderEvent::Completed(outcome) => Some(Ok(outcome.clone())),
        ReaderEvent::Failed(reason) => Some(Err(ReaderError::Failed(reason.clone()))),
        ReaderEvent::Cancelled => Some(Err(ReaderError::Cancelled)),
        ReaderEvent::TimedOut => Some(Err(ReaderError::CardTimeout)),
        _ => None,
    };
    if let Some(events) = &active.events {
        let _ = events.send(Ok(event));
    }
    if ends_stream {
        active.events = None;
    }
    if let Some(outcome) = outcome
        && let Some(completion) = active.completion.take()
    {
        let _ = completion.send(outcome);
    }
}

fn map_unit(reply: Reply<()>) -> Reply<Frame> {
    let (tx, rx) = oneshot::channel::<Result<Frame, ReaderError>>();
    tokio::spawn(async move {
        let result = match rx.await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(error)) => Err(error),
            Err(_) => Err(ReaderError::Closed),
        };
        let _ = reply.send(result);
    });
    tx
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command(cmd: u8, sub: u8) -> Frame {
        Frame::command(cmd, sub, Vec::new())
    }

    #[test]
    fn an_answer_belongs_to_the_oldest_command_with_its_byte() {
        let mut ledger = Outstanding::default();
        ledger.record(&command(0x29, 0x00), Owner::Exchange(1));
        ledger.record(&command(0x29, 0x00), Owner::Exchange(2));
        assert_eq!(ledger.claim(0x29, true), Some(Owner::Exchange(1)));
        assert_eq!(ledger.claim(0x29, true), Some(Owner::Exchange(2)));
        assert_eq!(ledger.claim(0x29, true), None);
    }

    #[test]
    fn a_final_answer_settles_older_commands_and_a_first_of_two_does_not() {
        let mut ledger = Outstanding::default();
        ledger.record(&command(0x02, 0x40), Owner::Read(1));
        ledger.record(&command(0x05, 0x01), Owner::Read(1));
        ledger.record(&command(0x01, 0x01), Owner::Read(2));
        assert_eq!(ledger.claim(0x05, false), Some(Owner::Read(1)));
        assert_eq!(ledger.claim(0x05, true), Some(Owner::Read(1)));
        // The cancelled 02-40 will not be answered any more.
        assert_eq!(ledger.claim(0x02, true), None);
        assert_eq!(ledger.claim(0x01, true), Some(Owner::Read(2)));
    }

    #[test]
    fn replies_to_callbacks_are_not_answered_and_the_ledger_is_bounded() {
        let mut ledger = Outstanding::default();
        ledger.record(
            &command::callback_reply(0x01, &[0x03, 0x01]),
            Owner::Read(1),
        );
        assert_eq!(ledger.claim(command::id::CALLBACK, true), None);
        for _ in 0..MAX_OWED + 5 {
            ledger.record(&command(0x18, 0x01), Owner::Exchange(1));
        }
        assert_eq!(ledger.owed.len(), MAX_OWED);
    }
}
