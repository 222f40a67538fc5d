//! The task that owns a link: it moves bytes between the link and `cardpointe-vp3300`'s
//! sans-IO machine, answers API calls, and notices and repairs disconnects.

use std::time::Duration;

use bytes::Bytes;
use cardpointe_vp3300::command::{self, HostResponse};
use cardpointe_vp3300::transaction::Outcome;
use cardpointe_vp3300::{
    Decoded, Frame, FrameDecoder, FrameKind, ReaderEvent, Transaction, TransactionRequest,
};
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tokio::time::Instant;

use crate::error::ReaderError;
use crate::link::{DisconnectReason, Link, LinkState};
use crate::reader::{ConnectionStatus, ReconnectPolicy};
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

struct Active {
    txn: Transaction,
    events: Option<EventSender>,
    completion: Option<Reply<Outcome>>,
    cancels: Vec<Reply<()>>,
}

struct Pending {
    command: u8,
    deadline: Instant,
    timeout: Duration,
    reply: Reply<Frame>,
}

pub(crate) struct Session {
    link: Box<dyn Link>,
    link_up: bool,
    link_state: watch::Receiver<LinkState>,
    decoder: FrameDecoder,
    epoch: Instant,
    active: Option<Active>,
    pending: Option<Pending>,
    status: watch::Sender<ConnectionStatus>,
    tap: broadcast::Sender<TappedFrame>,
    reconnect: Option<ReconnectPolicy>,
    cancel_timeout: Duration,
}

impl Session {
    pub(crate) fn new(
        link: Box<dyn Link>,
        status: watch::Sender<ConnectionStatus>,
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
            status,
            tap,
            reconnect,
            cancel_timeout,
        }
    }

    fn now(&self) -> Duration {
        self.epoch.elapsed()
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
            let deadline = self.next_deadline();
            let up = self.link_up;
            tokio::select! {
                command = commands.recv() => match command {
                    Some(Command::Close { reply }) => {
                        self.fail_all(&DisconnectReason::ClosedByHost);
                        let closed = self.link.close().await.map_err(ReaderError::from);
                        self.status.send_replace(ConnectionStatus::NotConnected {
                            reason: Some(DisconnectReason::ClosedByHost),
                        });
                        let _ = reply.send(closed);
                        return;
                    }
                    Some(command) => self.on_command(command).await,
                    None => {
                        let _ = self.link.close().await;
                        self.status.send_replace(ConnectionStatus::NotConnected {
                            reason: Some(DisconnectReason::ClosedByHost),
                        });
                        return;
                    }
                },
                received = self.link.recv(), if up => match received {
                    Ok(bytes) => self.on_bytes(&bytes),
                    Err(error) => {
                        let reason = match error {
                            crate::link::LinkError::Disconnected(reason) => reason,
                            other => DisconnectReason::WriteFailed { detail: other.to_string() },
                        };
                        self.on_disconnect(reason).await;
                    }
                },
                changed = self.link_state.changed(), if up => {
                    let state = self.link_state.borrow_and_update().clone();
                    match (changed, state) {
                        (Ok(()), LinkState::Down(reason)) => self.on_disconnect(reason).await,
                        (Ok(()), _) => {}
                        (Err(_), _) => self.on_disconnect(DisconnectReason::NotificationsEnded).await,
                    }
                },
                () = sleep_until(deadline) => self.on_timeout(),
            }
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
                            self.active = Some(Active {
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
                            cardpointe_vp3300::transaction::TransactionError::NotAwaitingHost {
                                state: "idle",
                            },
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
                let result = if self.link_up {
                    Ok(())
                } else {
                    self.try_reconnect(1).await
                };
                let _ = reply.send(result);
            }
            Command::Close { .. } => {}
        }
    }

    fn disconnected(&self) -> ReaderError {
        match &*self.link_state.borrow() {
            LinkState::Down(reason) => ReaderError::Disconnected(reason.clone()),
            LinkState::Up => ReaderError::Disconnected(DisconnectReason::NotificationsEnded),
        }
    }

    async fn start_exchange(&mut self, frame: Frame, timeout: Duration, reply: Reply<Frame>) {
        let command = frame.command;
        if let Err(reason) = self.write_frame(&frame).await {
            let _ = reply.send(Err(ReaderError::Disconnected(reason.clone())));
            self.on_disconnect(reason).await;
            return;
        }
        self.pending = Some(Pending {
            command,
            deadline: Instant::now() + timeout,
            timeout,
            reply,
        });
    }

    async fn write_frame(&mut self, frame: &Frame) -> Result<(), DisconnectReason> {
        let _ = self.tap.send(TappedFrame::new(TapDirection::Sent, frame));
        match self.link.write(&frame.encode()).await {
            Ok(()) => Ok(()),
            Err(crate::link::LinkError::Disconnected(reason)) => Err(reason),
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
            if let Some(frame) = active.txn.poll_write() {
                if !self.link_up {
                    continue;
                }
                if let Err(reason) = self.write_frame(&frame).await {
                    self.on_disconnect(reason).await;
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
            let pending_matches = self.pending.as_ref().is_some_and(|p| {
                p.command == frame.command && matches!(frame.kind, FrameKind::Response { .. })
            });
            if pending_matches {
                if let Some(pending) = self.pending.take() {
                    let _ = pending.reply.send(Ok(frame));
                }
                continue;
            }
            let now = self.now();
            if let Some(active) = self.active.as_mut() {
                active.txn.handle_frame(frame, now);
            }
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

    async fn on_disconnect(&mut self, reason: DisconnectReason) {
        if !self.link_up {
            return;
        }
        self.link_up = false;
        self.decoder.reset();
        tracing::info!(%reason, "reader link down");
        self.fail_all(&reason);
        self.status.send_replace(ConnectionStatus::NotConnected {
            reason: Some(reason.clone()),
        });
        if let Some(policy) = self.reconnect
            && self.try_reconnect(policy.attempts.max(1)).await.is_err()
        {
            self.status.send_replace(ConnectionStatus::NotConnected {
                reason: Some(reason),
            });
        }
    }

    /// Sends a cancel and waits (bounded) for its answer, dropping anything else the reader
    /// still had to say, so the next transaction starts from a clean slate.
    async fn settle_reader(&mut self) {
        if self.write_frame(&command::cancel()).await.is_err() {
            return;
        }
        let deadline = Instant::now() + self.cancel_timeout;
        loop {
            let received = tokio::time::timeout_at(deadline, self.link.recv()).await;
            let Ok(Ok(bytes)) = received else {
                return;
            };
            self.decoder.push(&bytes);
            while let Some(item) = self.decoder.decode() {
                if let Ok(Decoded::Frame(frame)) = item {
                    let _ = self
                        .tap
                        .send(TappedFrame::new(TapDirection::Received, &frame));
                    if frame.command == command::id::CANCEL.0
                        && matches!(frame.kind, FrameKind::Response { .. })
                    {
                        return;
                    }
                }
            }
        }
    }

    async fn try_reconnect(&mut self, attempts: u32) -> Result<(), ReaderError> {
        let delay = self.reconnect.map_or(Duration::ZERO, |p| p.delay);
        let mut last = None;
        for attempt in 1..=attempts {
            self.status
                .send_replace(ConnectionStatus::Reconnecting { attempt });
            tokio::time::sleep(delay).await;
            match self.link.reconnect().await {
                Ok(()) => {
                    self.link_state = self.link.state();
                    self.link_state.borrow_and_update();
                    self.link_up = true;
                    self.decoder.reset();
                    // The reader may still think a transaction runs: make it idle before
                    // anything else talks to it.
                    self.settle_reader().await;
                    self.status.send_replace(ConnectionStatus::Connected);
                    return Ok(());
                }
                Err(error) => {
                    tracing::info!(%error, attempt, "reconnect failed");
                    last = Some(error);
                }
            }
        }
        let reason = match &*self.link_state.borrow() {
            LinkState::Down(reason) => reason.clone(),
            LinkState::Up => DisconnectReason::NotificationsEnded,
        };
        self.status.send_replace(ConnectionStatus::NotConnected {
            reason: Some(reason.clone()),
        });
        Err(last.map_or(ReaderError::Disconnected(reason), ReaderError::from))
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
