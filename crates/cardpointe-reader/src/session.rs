//! The task that owns a link: a pump between the link and `cardpointe-vp3300`'s sans-IO
//! [`Connection`], which holds the whole conversation (frame decoding, the answers still owed
//! and late ones dropped, the cancel handshake, per-command timeouts, the transaction).
//!
//! The pump moves notifications into [`Connection::handle_bytes`], the clock into
//! [`Connection::handle_timeout`], [`Connection::poll_write`] onto the link, and
//! [`Connection::poll_event`] into the API's replies and event streams. Besides, it owns what
//! the conversation does not: the link itself (disconnects, automatic reconnection, close),
//! the battery level (GATT, not NEO 2), the connection status and the frame tap.

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::time::Duration;

use cardpointe_vp3300::command::HostResponse;
use cardpointe_vp3300::transaction::TransactionOutcome;
use cardpointe_vp3300::{
    Connection, ConnectionError, ConnectionEvent, ConnectionStats, Frame, ReaderEvent, RequestId,
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
        reply: Reply<TransactionOutcome>,
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

/// The card read in progress, as the API sees it.
struct ReadWaiter {
    id: RequestId,
    events: Option<EventSender>,
    completion: Option<Reply<TransactionOutcome>>,
}

/// An API call waiting for its request's final event.
enum Waiter {
    Exchange(Reply<Frame>),
    Cancel(Reply<()>),
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
    link_state: watch::Receiver<LinkState>,
    conn: Connection,
    epoch: Instant,
    read: Option<ReadWaiter>,
    waiting: HashMap<RequestId, Waiter>,
    /// Why the link last went down (for the errors of what it ended).
    down_reason: DisconnectReason,
    due: Option<DueReconnect>,
    /// Reconnected; waiting for the reader to be made idle (the connection's `Ready`).
    settling: Option<Vec<Reply<()>>>,
    status: StatusPublisher,
    tap: broadcast::Sender<TappedFrame>,
    reconnect: Option<ReconnectPolicy>,
    stats: ConnectionStats,
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
        let mut conn = Connection::new(cancel_timeout);
        conn.set_frame_log(true);
        Self {
            link,
            link_state,
            conn,
            epoch: Instant::now(),
            read: None,
            waiting: HashMap::new(),
            down_reason: DisconnectReason::NotificationsEnded,
            due: None,
            settling: None,
            status,
            tap,
            reconnect,
            stats: ConnectionStats::default(),
        }
    }

    fn now(&self) -> Duration {
        self.epoch.elapsed()
    }

    fn link_up(&self) -> bool {
        !self.conn.is_link_down()
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
            let deadline = self.conn.poll_timeout().map(|at| self.epoch + at);
            let up = self.link_up();
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
                    Ok(bytes) => {
                        let now = self.now();
                        self.conn.handle_bytes(&bytes, now);
                    }
                    Err(error) => self.on_disconnect(link_failure(error)),
                },
                changed = self.link_state.changed(), if up => {
                    let state = self.link_state.borrow_and_update().clone();
                    match (changed, state) {
                        (Ok(()), LinkState::Down(reason)) => self.on_disconnect(reason),
                        (Ok(()), _) => {}
                        (Err(_), _) => self.on_disconnect(DisconnectReason::NotificationsEnded),
                    }
                },
                () = sleep_until(deadline) => {
                    let now = self.now();
                    self.conn.handle_timeout(now);
                }
            }
        }
    }

    /// Writes what the connection wants written, delivers what it has to say, and taps and
    /// logs what crossed the link.
    async fn flush(&mut self) {
        loop {
            self.deliver_events();
            let Some(frame) = self.conn.poll_write() else {
                break;
            };
            let _ = self.tap.send(TappedFrame::new(TapDirection::Sent, &frame));
            let written = match self.link.write(&frame.encode()).await {
                Ok(()) => continue,
                Err(LinkError::Disconnected(reason)) => reason,
                Err(other) => DisconnectReason::WriteFailed {
                    detail: other.to_string(),
                },
            };
            self.on_disconnect(written);
        }
        while let Some(frame) = self.conn.poll_received() {
            let _ = self
                .tap
                .send(TappedFrame::new(TapDirection::Received, &frame));
        }
        let stats = self.conn.stats();
        if stats.damaged_frames > self.stats.damaged_frames {
            tracing::debug!(
                total = stats.damaged_frames,
                "dropped a damaged frame from the reader"
            );
        }
        if stats.late_answers > self.stats.late_answers {
            tracing::debug!(
                total = stats.late_answers,
                "dropped a late answer: the command it answers timed out, or its card read ended"
            );
        }
        self.stats = stats;
    }

    /// Hands the connection's events to the API calls and streams waiting for them.
    fn deliver_events(&mut self) {
        while let Some(event) = self.conn.poll_event() {
            match event {
                ConnectionEvent::Read { request, event } => {
                    if let Some(read) = self.read.as_mut().filter(|r| r.id == request)
                        && deliver(read, event)
                    {
                        self.read = None;
                    }
                }
                ConnectionEvent::Answered { request, frame } => match self.waiting.remove(&request)
                {
                    Some(Waiter::Exchange(reply)) => {
                        let _ = reply.send(Ok(frame));
                    }
                    Some(Waiter::Cancel(reply)) => {
                        let _ = reply.send(Ok(()));
                    }
                    None => {}
                },
                ConnectionEvent::Idle { request } => match self.waiting.remove(&request) {
                    Some(Waiter::Cancel(reply)) => {
                        let _ = reply.send(Ok(()));
                    }
                    Some(Waiter::Exchange(reply)) => {
                        let _ = reply.send(Err(ReaderError::Cancelled));
                    }
                    None => {}
                },
                ConnectionEvent::TimedOut { request, after } => {
                    let millis = millis(after);
                    match self.waiting.remove(&request) {
                        Some(Waiter::Exchange(reply)) => {
                            let _ = reply.send(Err(ReaderError::Timeout {
                                operation: "a reader command",
                                millis,
                            }));
                        }
                        Some(Waiter::Cancel(reply)) => {
                            let _ = reply.send(Err(ReaderError::Timeout {
                                operation: "cancelling",
                                millis,
                            }));
                        }
                        None => {}
                    }
                }
                ConnectionEvent::Aborted { request } => self.abort(request),
                ConnectionEvent::Ready => {
                    self.status.publish(ConnectionStatus::Connected);
                    for reply in self.settling.take().unwrap_or_default() {
                        let _ = reply.send(Ok(()));
                    }
                }
                _ => {}
            }
        }
    }

    /// Fails what `request` was for with the disconnect.
    fn abort(&mut self, request: RequestId) {
        let error = || ReaderError::Disconnected(self.down_reason.clone());
        if self.read.as_ref().is_some_and(|r| r.id == request) {
            if let Some(mut read) = self.read.take() {
                if let Some(events) = read.events.take() {
                    let _ = events.send(Err(error()));
                }
                if let Some(completion) = read.completion.take() {
                    let _ = completion.send(Err(error()));
                }
            }
            return;
        }
        match self.waiting.remove(&request) {
            Some(Waiter::Exchange(reply)) => {
                let _ = reply.send(Err(error()));
            }
            Some(Waiter::Cancel(reply)) => {
                let _ = reply.send(Err(error()));
            }
            None => {}
        }
    }

    /// Why a call is refused: the link's state, in the API's terms.
    fn refused(&self, error: ConnectionError) -> ReaderError {
        match error {
            ConnectionError::ReadInProgress | ConnectionError::ExchangeInProgress => {
                ReaderError::Busy
            }
            ConnectionError::Transaction(error) => ReaderError::Transaction(error),
            _ => ReaderError::Disconnected(self.down_reason.clone()),
        }
    }

    async fn close(&mut self, reply: Option<Reply<()>>) {
        self.down_reason = DisconnectReason::ClosedByHost;
        self.conn.handle_link_down();
        self.deliver_events();
        for waiting in self.settling.take().unwrap_or_default() {
            let _ = waiting.send(Err(ReaderError::Closed));
        }
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
        let now = self.now();
        match command {
            Command::Read {
                request,
                events,
                reply,
            } => match self.conn.start_read(request, now) {
                Ok(id) => {
                    self.read = Some(ReadWaiter {
                        id,
                        events: Some(events),
                        completion: None,
                    });
                    let _ = reply.send(Ok(()));
                }
                Err(error) => {
                    let _ = reply.send(Err(self.refused(error)));
                }
            },
            Command::Complete { answer, reply } => match self.conn.complete(&answer, now) {
                // The read's terminal event (already queued for swipe and tap, where the host's
                // answer is the outcome) answers the reply; the waiter lives until it comes.
                Ok(()) => {
                    if let Some(read) = self.read.as_mut() {
                        read.completion = Some(reply);
                    }
                }
                Err(error) => {
                    let _ = reply.send(Err(self.refused(error)));
                }
            },
            Command::Cancel { reply } => {
                if self.settling.is_some() {
                    // Reconnected, still making the reader idle: a cancel stops the
                    // reconnection, as it does while the link is being re-established.
                    self.stop_reconnection(reply).await;
                    return;
                }
                match self.conn.cancel(now) {
                    Ok(id) => {
                        self.waiting.insert(id, Waiter::Cancel(reply));
                    }
                    Err(error) => {
                        let _ = reply.send(Err(self.refused(error)));
                    }
                }
            }
            Command::Exchange {
                frame,
                timeout,
                reply,
            } => match self.conn.exchange(frame, timeout, now) {
                Ok(id) => {
                    self.waiting.insert(id, Waiter::Exchange(reply));
                }
                Err(error) => {
                    let _ = reply.send(Err(self.refused(error)));
                }
            },
            Command::Battery { reply } => {
                let level = self.link.battery_percent().await;
                let _ = reply.send(level);
            }
            Command::Reconnect { reply } => {
                if let Some(settling) = self.settling.as_mut() {
                    settling.push(reply);
                } else if self.link_up() {
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

    /// The link went down: end what runs (the connection aborts it), publish it, and
    /// schedule the automatic reconnection if there is one.
    fn on_disconnect(&mut self, reason: DisconnectReason) {
        if !self.link_up() {
            return;
        }
        tracing::info!(%reason, "reader link down");
        self.down_reason = reason.clone();
        self.conn.handle_link_down();
        self.deliver_events();
        let waiting = self.settling.take().unwrap_or_default();
        self.status.publish(ConnectionStatus::NotConnected {
            reason: Some(reason.clone()),
        });
        match self.reconnect {
            Some(policy) => {
                let due = self.due.get_or_insert(DueReconnect {
                    attempts: 1,
                    replies: Vec::new(),
                });
                due.attempts = due.attempts.max(policy.attempts.max(1));
                due.replies.extend(waiting);
            }
            None => {
                for reply in waiting {
                    let _ = reply.send(Err(ReaderError::Disconnected(reason.clone())));
                }
            }
        }
    }

    /// A cancel while reconnecting: close the link (an attempt may have got half way), and
    /// stay not connected until the app reconnects.
    async fn stop_reconnection(&mut self, reply: Reply<()>) {
        let waiting = self.settling.take().unwrap_or_default();
        let _ = self.link.close().await;
        self.conn.handle_link_down();
        self.deliver_events();
        self.status.publish(ConnectionStatus::NotConnected {
            reason: Some(self.down_reason.clone()),
        });
        for waiting in waiting {
            let _ = waiting.send(Err(ReaderError::ConnectionCancelled));
        }
        let _ = reply.send(Ok(()));
    }

    /// Reconnects, attempt after attempt, while still answering the API: a cancel stops the
    /// reconnection (status `NotConnected`), a close ends the session, other calls fail at
    /// once as disconnected. Once the link is back, the connection makes the reader idle and
    /// its `Ready` publishes `Connected`. `Break` when the session is over.
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
        let reason = self.down_reason.clone();
        let mut last = None;
        for attempt in 1..=attempts {
            self.status
                .publish(ConnectionStatus::Reconnecting { attempt });
            let outcome = {
                let link = &mut *self.link;
                let work = async move {
                    tokio::time::sleep(delay).await;
                    link.reconnect().await
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
                    let now = self.now();
                    self.conn.handle_link_up(now);
                    self.settling = Some(replies);
                    return ControlFlow::Continue(());
                }
                Interrupt::Done(Err(error)) => {
                    tracing::info!(%error, attempt, "reconnect failed");
                    last = Some(error);
                }
                Interrupt::Cancel(reply) => {
                    // The attempt may have got half way: make sure the link is down.
                    let _ = self.link.close().await;
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

/// A failed receive, as a reason the link is down.
fn link_failure(error: LinkError) -> DisconnectReason {
    match error {
        LinkError::Disconnected(reason) => reason,
        other => DisconnectReason::WriteFailed {
            detail: other.to_string(),
        },
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

/// Passes a card read's event to its stream and its completion; `true` when the read is over.
fn deliver(read: &mut ReadWaiter, event: ReaderEvent) -> bool {
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
    if let Some(events) = &read.events {
        let _ = events.send(Ok(event));
    }
    if ends_stream {
        read.events = None;
    }
    let over = outcome.is_some();
    if let Some(outcome) = outcome
        && let Some(completion) = read.completion.take()
    {
        let _ = completion.send(outcome);
    }
    over
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
