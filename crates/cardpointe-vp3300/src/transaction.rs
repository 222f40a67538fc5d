//! The sans-IO transaction machine, in the style of `quinn-proto`.
//!
//! [`Transaction`] decides what to send the reader and what to tell the app, and does no I/O:
//! the caller feeds it the reader's frames ([`Transaction::handle_frame`]) and the passage of
//! time ([`Transaction::handle_timeout`]), and drains what it wants written
//! ([`Transaction::poll_write`]), when it next wants to be woken
//! ([`Transaction::poll_timeout`]) and what happened ([`Transaction::poll_event`]). Time is a
//! [`Duration`] since an epoch of the caller's choosing; the machine never reads a clock.
//!
//! Flows (one place decides which: [`Flow::for_interfaces`]):
//!
//! - **contact EMV** (insert accepted): `01-01` poll on demand, `60-10` start (the reader also
//!   takes a swipe here), `60-11` authenticate, then on "go online"
//!   [`ReaderEvent::OnlineAuthorizationRequired`], the host's answer via
//!   [`Transaction::complete`] → `60-12`, and the card's final decision. A chip failure with
//!   fallback allowed (`DFEE25 = 3004`) re-activates the reader for a swipe (`02-40`, MSR only).
//! - **contactless and/or swipe**: `01-01`, then `02-40`; an online request (status 23) or MSR
//!   data ends the reader's part, and [`Transaction::complete`] records the host's verdict.
//!
//! Every state that waits has a deadline, so [`Transaction::poll_timeout`] is `Some` until the
//! machine is done: it can fail, but it cannot hang. Cancel works in every state: a command in
//! flight is cancelled with `05-01` and the machine waits (bounded) for the reader's answer.

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::string::String;
use core::time::Duration;

use crate::card_data::{CardDataError, EncryptedCardData, ReadMethod};
use crate::command::{
    self, ActivateTransaction, CommandError, ContactStart, HostResponse, Interfaces, Payment,
    PollMode, Unsolicited, id,
};
use crate::frame::{Frame, FrameKind};
use crate::result::TransactionOutput;
use crate::status::{EmvResultCode, StatusCode};

/// What the app asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TransactionRequest {
    /// Amount, type and currency.
    pub payment: Payment,
    /// The interfaces to accept.
    pub interfaces: Interfaces,
    /// How long the reader waits for a card.
    pub card_timeout: Duration,
    /// Allow a swipe after a failed chip read.
    pub fallback: bool,
    /// Extra time allowed on top of the reader's own timeouts before the host gives up on a
    /// frame (BLE latency, reader processing).
    pub margin: Duration,
    /// How long housekeeping commands (poll mode, cancel) may take.
    pub command_timeout: Duration,
    /// How long the host may take to answer an online authorization request (the reader's
    /// TimeOut2 for contact EMV).
    pub host_timeout: Duration,
}

impl TransactionRequest {
    /// A request with the usual timeouts: 60 s for the card, 5 s margin, 3 s for housekeeping,
    /// 60 s for the host.
    #[must_use]
    pub const fn new(payment: Payment, interfaces: Interfaces) -> Self {
        Self {
            payment,
            interfaces,
            card_timeout: Duration::from_secs(60),
            fallback: true,
            margin: Duration::from_secs(5),
            command_timeout: Duration::from_secs(3),
            host_timeout: Duration::from_secs(60),
        }
    }
}

/// How the machine drives the reader for a set of interfaces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Flow {
    /// `60-10` / `60-11` / `60-12` (insert, and swipe when MSR is accepted).
    ContactEmv,
    /// `02-40` (tap and/or swipe).
    Activate,
}

impl Flow {
    /// The one place that picks the flow: insert accepted → contact EMV (which also takes a
    /// swipe, as the IDG describes for 60-10); otherwise 02-40. Tap and insert in one
    /// activation is not offered: 02-40 with the contact bit set gives no documented way to
    /// complete a chip transaction with the host's answer.
    #[must_use]
    pub const fn for_interfaces(interfaces: Interfaces) -> Self {
        if interfaces.contact {
            Self::ContactEmv
        } else {
            Self::Activate
        }
    }
}

/// Why a transaction failed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FailureReason {
    /// The reader answered a command with an error status.
    ReaderStatus {
        /// The command.
        command: u8,
        /// The status.
        status: StatusCode,
    },
    /// The reader is busy with something else (status 0B / 0C, or 80 for contact start).
    ReaderBusy {
        /// The status it gave.
        status: StatusCode,
    },
    /// The card was removed before the chip transaction finished (DFEE25 3005).
    CardRemoved,
    /// The chip read failed and no fallback is possible.
    ChipError {
        /// The reader's outcome code.
        result: EmvResultCode,
    },
    /// The outcome code does not fit the step (e.g. "approved" in answer to a start).
    UnexpectedResult {
        /// The command answered.
        command: u8,
        /// The outcome.
        result: Option<EmvResultCode>,
    },
    /// A frame arrived that the current step does not expect.
    UnexpectedFrame {
        /// Its command byte.
        command: u8,
        /// Its kind.
        kind: FrameKind,
    },
    /// The reader's data could not be read.
    BadCardData(CardDataError),
    /// The reader's answer is not TLV.
    BadTransactionData,
    /// The reader did not answer in time (not even to a cancel).
    ReaderNotResponding,
    /// The request cannot be encoded (caught by [`Transaction::start`] already).
    InvalidRequest(CommandError),
    /// The reader sent its boot notification: it restarted mid-transaction.
    ReaderRebooted,
}

/// What the reader decided at the end of a transaction (a chip card has the last word after the
/// host's answer; for swipe and tap it is the host's verdict). Not the gateway's
/// `cardpointe_types::Outcome` (a response's classification).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TransactionOutcome {
    /// Approved (by the card after the host's answer, or by the host for swipe/tap).
    pub approved: bool,
    /// The reader's outcome code, when it gave one.
    pub result: Option<EmvResultCode>,
    /// Authorisation response code.
    pub arc: Option<[u8; 2]>,
    /// Terminal verification results (95).
    pub tvr: Option<[u8; 5]>,
    /// Transaction status information (9B).
    pub tsi: Option<[u8; 2]>,
}

impl TransactionOutcome {
    /// An outcome with only the verdict (for swipe and tap, or a reader that reported nothing
    /// more).
    #[must_use]
    pub const fn new(approved: bool) -> Self {
        Self {
            approved,
            result: None,
            arc: None,
            tvr: None,
            tsi: None,
        }
    }
}

/// What the app should know or show.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReaderEvent {
    /// The reader is waiting for a card on these interfaces (after a chip failure with
    /// `fallback` set: swipe only).
    WaitingForCard {
        /// The interfaces open.
        interfaces: Interfaces,
        /// Whether this is the MSR fallback after a failed chip read.
        fallback: bool,
    },
    /// A card was inserted.
    CardInserted,
    /// A card was swiped.
    CardSwiped,
    /// A card was tapped.
    CardTapped,
    /// The reader asks the app to show a message (61-01; the VP3300 has no display).
    Message(String),
    /// The reader is working with the card.
    Processing,
    /// The card should be removed.
    RemoveCard,
    /// The host must authorize: tokenize this data and call the gateway, then call
    /// [`Transaction::complete`].
    OnlineAuthorizationRequired(Box<EncryptedCardData>),
    /// The transaction finished.
    Completed(TransactionOutcome),
    /// The transaction failed.
    Failed(FailureReason),
    /// The transaction was cancelled.
    Cancelled,
    /// No card (or no answer from the host) in time.
    TimedOut,
}

/// An API misuse of the machine.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransactionError {
    /// [`Transaction::complete`] outside of an online authorization request.
    #[error("complete() is only valid after OnlineAuthorizationRequired (state: {state})")]
    NotAwaitingHost {
        /// The current state's name.
        state: &'static str,
    },
    /// A command could not be built.
    #[error(transparent)]
    Command(#[from] CommandError),
}

/// How a cancel ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CancelCause {
    User,
    Timeout,
}

#[derive(Clone, Debug)]
enum State {
    /// 01-01 sent.
    SettingPollMode,
    /// 60-10 sent.
    ContactStarting,
    /// 60-11 sent.
    Authenticating,
    /// 02-40 sent (`fallback`: after a failed chip read).
    Activating { fallback: bool },
    /// Waiting for the host's answer.
    AwaitingHost { entry: ReadMethod },
    /// 60-12 sent.
    Completing,
    /// 05-01 sent; waiting for its answer.
    Cancelling { cause: CancelCause },
    /// Over.
    Done,
}

impl State {
    const fn name(&self) -> &'static str {
        match self {
            Self::SettingPollMode => "setting poll mode",
            Self::ContactStarting => "contact start",
            Self::Authenticating => "authenticating",
            Self::Activating { .. } => "activating",
            Self::AwaitingHost { .. } => "awaiting host",
            Self::Completing => "completing",
            Self::Cancelling { .. } => "cancelling",
            Self::Done => "done",
        }
    }
}

/// One payment on the reader, as a deterministic state machine.
///
/// ```
/// use core::time::Duration;
/// use cardpointe_vp3300::command::{Interfaces, Payment};
/// use cardpointe_vp3300::{Frame, ReaderEvent, StatusCode, Transaction, TransactionRequest};
///
/// let now = Duration::ZERO;
/// let request = TransactionRequest::new(Payment::purchase_usd(1234), Interfaces::new(true, true, false));
/// let mut txn = Transaction::start(request, now)?;
/// let poll_mode = txn.poll_write().expect("01-01 first");
/// assert_eq!((poll_mode.command, poll_mode.sub_command()), (0x01, Some(0x01)));
/// txn.handle_frame(Frame::response(0x01, StatusCode::Ok, Vec::new()), now);
/// let activate = txn.poll_write().expect("then 02-40");
/// assert_eq!((activate.command, activate.sub_command()), (0x02, Some(0x40)));
/// assert!(matches!(txn.poll_event(), Some(ReaderEvent::WaitingForCard { .. })));
/// // No card: the reader answers "timeout".
/// txn.handle_frame(Frame::response(0x02, StatusCode::Timeout, Vec::new()), now);
/// assert_eq!(txn.poll_event(), Some(ReaderEvent::TimedOut));
/// assert!(txn.is_done());
/// # Ok::<(), cardpointe_vp3300::transaction::TransactionError>(())
/// ```
#[derive(Debug)]
pub struct Transaction {
    request: TransactionRequest,
    flow: Flow,
    state: State,
    deadline: Option<Duration>,
    writes: VecDeque<Frame>,
    events: VecDeque<ReaderEvent>,
    /// The command byte whose answer is awaited.
    awaiting: Option<u8>,
    /// The entry mode of the last card read (for the completion outcome).
    entry: Option<ReadMethod>,
}

impl Transaction {
    /// Starts a transaction: queues `01-01` (poll on demand) and waits for its answer.
    ///
    /// # Errors
    /// [`TransactionError::Command`] when the request cannot be encoded (an amount above the
    /// `n12` range).
    pub fn start(request: TransactionRequest, now: Duration) -> Result<Self, TransactionError> {
        // Build the card command now so a bad amount fails here, not mid-conversation.
        let flow = Flow::for_interfaces(request.interfaces);
        let mut txn = Self {
            request,
            flow,
            state: State::SettingPollMode,
            deadline: None,
            writes: VecDeque::new(),
            events: VecDeque::new(),
            awaiting: None,
            entry: None,
        };
        let _ = txn.card_command(false)?;
        txn.send(
            command::set_poll_mode(PollMode::OnDemand),
            now,
            txn.request.command_timeout,
        );
        Ok(txn)
    }

    /// The flow in use.
    #[must_use]
    pub const fn flow(&self) -> Flow {
        self.flow
    }

    /// How the card was read, once it has been.
    #[must_use]
    pub const fn entry_mode(&self) -> Option<ReadMethod> {
        self.entry
    }

    /// Whether the transaction is over (a final event has been queued).
    #[must_use]
    pub const fn is_done(&self) -> bool {
        matches!(self.state, State::Done)
    }

    /// The next frame to write to the reader.
    pub fn poll_write(&mut self) -> Option<Frame> {
        self.writes.pop_front()
    }

    /// The next event for the app.
    pub fn poll_event(&mut self) -> Option<ReaderEvent> {
        self.events.pop_front()
    }

    /// When [`Transaction::handle_timeout`] should next be called; `None` once done.
    #[must_use]
    pub const fn poll_timeout(&self) -> Option<Duration> {
        self.deadline
    }

    fn card_command(&self, fallback: bool) -> Result<Frame, CommandError> {
        let r = &self.request;
        let secs = |d: Duration, max: u64| d.as_secs().clamp(1, max);
        match (self.flow, fallback) {
            (Flow::ContactEmv, false) => {
                let mut start = ContactStart::new(
                    r.payment.clone(),
                    secs(r.card_timeout, u64::from(u16::MAX)) as u16,
                );
                start.fallback = r.fallback;
                start.next_command_timeout_secs = secs(r.host_timeout, u64::from(u16::MAX)) as u16;
                start.to_frame()
            }
            (_, fallback) => {
                let interfaces = if fallback {
                    Interfaces::new(true, false, false)
                } else {
                    r.interfaces
                };
                ActivateTransaction::new(
                    r.payment.clone(),
                    secs(r.card_timeout, u64::from(u8::MAX)) as u8,
                    interfaces,
                )
                .to_frame()
            }
        }
    }

    fn send(&mut self, frame: Frame, now: Duration, wait: Duration) {
        self.awaiting = Some(frame.command);
        self.writes.push_back(frame);
        self.deadline = Some(now.saturating_add(wait));
    }

    fn finish(&mut self, event: ReaderEvent) {
        self.events.push_back(event);
        self.state = State::Done;
        self.deadline = None;
        self.awaiting = None;
    }

    fn fail(&mut self, reason: FailureReason) {
        // A command still running on the reader (or a chip transaction waiting for the host's
        // answer) is cancelled so the next transaction starts clean; the answer to that cancel
        // is not awaited.
        let card_session_open = matches!(
            self.state,
            State::AwaitingHost {
                entry: ReadMethod::Contact
            }
        );
        if (self.awaiting.is_some() && !matches!(self.state, State::SettingPollMode))
            || card_session_open
        {
            self.writes.push_back(command::cancel());
        }
        self.finish(ReaderEvent::Failed(reason));
    }

    fn card_wait(&self) -> Duration {
        self.request
            .card_timeout
            .saturating_add(self.request.margin)
    }

    fn step_wait(&self) -> Duration {
        self.request
            .command_timeout
            .saturating_add(self.request.margin)
            .saturating_add(Duration::from_secs(10))
    }

    fn start_card_step(&mut self, fallback: bool, now: Duration) {
        match self.card_command(fallback) {
            Ok(frame) => {
                let interfaces = if fallback {
                    Interfaces::new(true, false, false)
                } else {
                    self.request.interfaces
                };
                self.state = match (self.flow, fallback) {
                    (Flow::ContactEmv, false) => State::ContactStarting,
                    _ => State::Activating { fallback },
                };
                self.events.push_back(ReaderEvent::WaitingForCard {
                    interfaces,
                    fallback,
                });
                let wait = self.card_wait();
                self.send(frame, now, wait);
            }
            // Checked in `start`; kept total so no input can panic.
            Err(e) => self.finish(ReaderEvent::Failed(FailureReason::InvalidRequest(e))),
        }
    }

    /// Cancels the transaction. A command in flight is cancelled with `05-01`; the machine
    /// reports [`ReaderEvent::Cancelled`] once the reader confirms (or the confirmation times
    /// out). Does nothing once done.
    pub fn cancel(&mut self, now: Duration) {
        match self.state {
            State::Done | State::Cancelling { .. } => {}
            State::AwaitingHost { .. } if self.flow == Flow::Activate => {
                self.finish(ReaderEvent::Cancelled);
            }
            _ => self.send_cancel(CancelCause::User, now),
        }
    }

    fn send_cancel(&mut self, cause: CancelCause, now: Duration) {
        self.state = State::Cancelling { cause };
        let wait = self
            .request
            .command_timeout
            .saturating_add(self.request.margin);
        self.send(command::cancel(), now, wait);
    }

    /// Gives the host's answer to an online authorization request. For contact EMV this sends
    /// `60-12` and the card decides; for swipe and tap the host's verdict (ARC `00` approves)
    /// is the outcome.
    ///
    /// # Errors
    /// [`TransactionError::NotAwaitingHost`] outside of an online request;
    /// [`TransactionError::Command`] when the answer cannot be encoded.
    pub fn complete(
        &mut self,
        answer: &HostResponse,
        now: Duration,
    ) -> Result<(), TransactionError> {
        let State::AwaitingHost { entry } = self.state else {
            return Err(TransactionError::NotAwaitingHost {
                state: self.state.name(),
            });
        };
        if entry == ReadMethod::Contact {
            let frame = answer.to_frame()?;
            self.state = State::Completing;
            self.events.push_back(ReaderEvent::Processing);
            let wait = self.step_wait();
            self.send(frame, now, wait);
        } else {
            let approved = answer.result == command::HostResult::Accepted && answer.arc == *b"00";
            self.finish(ReaderEvent::Completed(TransactionOutcome {
                approved,
                result: None,
                arc: Some(answer.arc),
                tvr: None,
                tsi: None,
            }));
        }
        Ok(())
    }

    /// Tells the machine the time is `now`; acts on an expired deadline.
    pub fn handle_timeout(&mut self, now: Duration) {
        let Some(deadline) = self.deadline else {
            return;
        };
        if now < deadline {
            return;
        }
        match self.state {
            State::Done => self.deadline = None,
            State::Cancelling { .. } => {
                self.awaiting = None;
                self.finish(ReaderEvent::Failed(FailureReason::ReaderNotResponding));
            }
            State::SettingPollMode => {
                self.awaiting = None;
                self.finish(ReaderEvent::Failed(FailureReason::ReaderNotResponding));
            }
            State::AwaitingHost { entry } if entry != ReadMethod::Contact => {
                self.finish(ReaderEvent::TimedOut);
            }
            State::ContactStarting
            | State::Authenticating
            | State::Activating { .. }
            | State::AwaitingHost { .. }
            | State::Completing => self.send_cancel(CancelCause::Timeout, now),
        }
    }

    /// Feeds one frame from the reader.
    pub fn handle_frame(&mut self, frame: Frame, now: Duration) {
        if self.is_done() {
            return;
        }
        // Frames the reader sends on its own may come at any step.
        if let FrameKind::Unsolicited { .. } = frame.kind {
            self.handle_unsolicited(&frame);
            return;
        }
        let FrameKind::Response { status, .. } = frame.kind else {
            self.fail(FailureReason::UnexpectedFrame {
                command: frame.command,
                kind: frame.kind,
            });
            return;
        };
        if let State::Cancelling { cause } = self.state {
            self.handle_cancelling(&frame, cause);
            return;
        }
        if self.awaiting != Some(frame.command) {
            self.fail(FailureReason::UnexpectedFrame {
                command: frame.command,
                kind: frame.kind,
            });
            return;
        }
        if status == StatusCode::OkAnotherResponseFollows {
            // First of a two-stage answer: the final one follows with the same command.
            return;
        }
        if status == StatusCode::UserInterfaceEvent {
            self.events.push_back(ReaderEvent::Processing);
            return;
        }
        match self.state {
            State::SettingPollMode => self.on_poll_mode(status, now),
            State::ContactStarting => self.on_contact_start(status, &frame, now),
            State::Authenticating => self.on_authenticate(status, &frame, now),
            State::Activating { fallback } => self.on_activate(status, &frame, fallback, now),
            State::Completing => self.on_complete(status, &frame, now),
            State::AwaitingHost { .. } | State::Cancelling { .. } | State::Done => {
                self.fail(FailureReason::UnexpectedFrame {
                    command: frame.command,
                    kind: frame.kind,
                })
            }
        }
    }

    fn handle_unsolicited(&mut self, frame: &Frame) {
        match Unsolicited::from_frame(frame) {
            Some(Unsolicited::Boot(_)) => {
                self.awaiting = None;
                self.fail(FailureReason::ReaderRebooted);
            }
            Some(Unsolicited::Display { mode, data }) => {
                // The VP3300 has no display: show the text, and answer for the cardholder.
                // Menus (01, 04, 08: application / language selection) get the first line;
                // messages get "enter" (01). The one place this choice lives.
                let text = String::from_utf8_lossy(&data)
                    .trim_matches(char::from(0))
                    .into();
                if mode != 0x10 {
                    self.events.push_back(ReaderEvent::Message(text));
                }
                self.writes
                    .push_back(command::callback_reply(0x01, &[mode, 0x01]));
            }
            Some(Unsolicited::PinRequest { .. }) => {
                // No PIN pad on the VP3300 path: answer "cancel" (mode 00) so the kernel
                // moves on to the next CVM.
                self.writes
                    .push_back(command::callback_reply(0x02, &[0x00]));
            }
            Some(Unsolicited::MsrControl(_) | Unsolicited::Other { .. }) | None => {
                let sub = frame.sub_command().unwrap_or(0);
                self.writes.push_back(command::callback_reply(sub, &[]));
            }
        }
    }

    fn handle_cancelling(&mut self, frame: &Frame, cause: CancelCause) {
        if frame.command != id::CANCEL.0 {
            // The final answer of the command being cancelled; the cancel's answer follows.
            return;
        }
        self.awaiting = None;
        match cause {
            CancelCause::User => self.finish(ReaderEvent::Cancelled),
            CancelCause::Timeout => self.finish(ReaderEvent::TimedOut),
        }
    }

    fn on_poll_mode(&mut self, status: StatusCode, now: Duration) {
        if status == StatusCode::Ok {
            self.start_card_step(false, now);
        } else {
            self.awaiting = None;
            self.fail(busy_or_status(id::SET_POLL_MODE.0, status));
        }
    }

    fn output(&mut self, frame: &Frame) -> Option<TransactionOutput> {
        match TransactionOutput::parse(&frame.data) {
            Ok(out) => Some(out),
            Err(_) => {
                self.fail(FailureReason::BadTransactionData);
                None
            }
        }
    }

    fn card_data(&mut self, out: &TransactionOutput, entry: ReadMethod, now: Duration) {
        match EncryptedCardData::from_transaction(out, entry) {
            Ok(data) => {
                self.events
                    .push_back(ReaderEvent::OnlineAuthorizationRequired(Box::new(data)));
                self.entry = Some(entry);
                self.awaiting = None;
                self.state = State::AwaitingHost { entry };
                self.deadline = Some(now.saturating_add(self.request.host_timeout));
            }
            Err(e) => {
                self.awaiting = None;
                self.fail(FailureReason::BadCardData(e));
            }
        }
    }

    /// Status checks shared by the card steps; `true` when the frame was handled.
    fn common_status(&mut self, command: u8, status: StatusCode) -> bool {
        match status {
            StatusCode::Ok | StatusCode::RequestOnlineAuthorization => false,
            StatusCode::Timeout => {
                self.awaiting = None;
                self.finish(ReaderEvent::TimedOut);
                true
            }
            other => {
                self.awaiting = None;
                self.fail(busy_or_status(command, other));
                true
            }
        }
    }

    fn on_contact_start(&mut self, status: StatusCode, frame: &Frame, now: Duration) {
        if self.common_status(frame.command, status) {
            return;
        }
        let Some(out) = self.output(frame) else {
            return;
        };
        let result = out.result_code();
        if out.msr_data().is_some() {
            // Swiped instead of inserted: the answer already carries the card data.
            self.events.push_back(ReaderEvent::CardSwiped);
            self.card_data(&out, ReadMethod::Swipe, now);
            return;
        }
        match result {
            Some(EmvResultCode::StartSuccess) | None => {
                self.events.push_back(ReaderEvent::CardInserted);
                self.events.push_back(ReaderEvent::Processing);
                self.state = State::Authenticating;
                match command::contact_authenticate(&[]) {
                    Ok(frame) => {
                        let wait = self.step_wait();
                        self.send(frame, now, wait);
                    }
                    Err(_) => self.fail(FailureReason::BadTransactionData),
                }
            }
            Some(other) => self.on_card_result(id::CONTACT_START, other, &out, now),
        }
    }

    /// Outcomes that end or redirect a contact transaction at any step.
    fn on_card_result(
        &mut self,
        step: (u8, u8),
        result: EmvResultCode,
        out: &TransactionOutput,
        now: Duration,
    ) {
        self.awaiting = None;
        match result {
            EmvResultCode::Fallback | EmvResultCode::UseMagstripe if self.request.fallback => {
                self.events.push_back(ReaderEvent::RemoveCard);
                self.start_card_step(true, now);
            }
            EmvResultCode::CardAbsent => self.fail(FailureReason::CardRemoved),
            EmvResultCode::Timeout | EmvResultCode::CardTimeout => {
                self.finish(ReaderEvent::TimedOut);
            }
            EmvResultCode::ApprovedOffline
            | EmvResultCode::Approved
            | EmvResultCode::DeclinedOffline
            | EmvResultCode::Declined
            | EmvResultCode::NotAccepted
                if step != id::CONTACT_START =>
            {
                let approved = matches!(
                    result,
                    EmvResultCode::ApprovedOffline | EmvResultCode::Approved
                );
                self.events.push_back(ReaderEvent::RemoveCard);
                self.finish(ReaderEvent::Completed(TransactionOutcome {
                    approved,
                    result: Some(result),
                    arc: out.arc(),
                    tvr: out.tvr(),
                    tsi: out.tsi(),
                }));
            }
            EmvResultCode::KernelError(_)
            | EmvResultCode::MsrCardError
            | EmvResultCode::Fallback
            | EmvResultCode::UseMagstripe => {
                self.events.push_back(ReaderEvent::RemoveCard);
                self.fail(FailureReason::ChipError { result });
            }
            other => self.fail(FailureReason::UnexpectedResult {
                command: step.0,
                result: Some(other),
            }),
        }
    }

    fn on_authenticate(&mut self, status: StatusCode, frame: &Frame, now: Duration) {
        if self.common_status(frame.command, status) {
            return;
        }
        let Some(out) = self.output(frame) else {
            return;
        };
        match out.result_code() {
            Some(EmvResultCode::GoOnline) => {
                self.card_data(&out, ReadMethod::Contact, now);
            }
            Some(result) => self.on_card_result(id::CONTACT_AUTHENTICATE, result, &out, now),
            None => {
                self.awaiting = None;
                self.fail(FailureReason::UnexpectedResult {
                    command: frame.command,
                    result: None,
                });
            }
        }
    }

    fn on_complete(&mut self, status: StatusCode, frame: &Frame, now: Duration) {
        if self.common_status(frame.command, status) {
            return;
        }
        let Some(out) = self.output(frame) else {
            return;
        };
        match out.result_code() {
            Some(result) => self.on_card_result(id::CONTACT_COMPLETE, result, &out, now),
            None => {
                self.awaiting = None;
                self.fail(FailureReason::UnexpectedResult {
                    command: frame.command,
                    result: None,
                });
            }
        }
    }

    fn on_activate(&mut self, status: StatusCode, frame: &Frame, fallback: bool, now: Duration) {
        if status == StatusCode::CancelledByCardInsertion {
            self.awaiting = None;
            self.fail(FailureReason::ReaderStatus {
                command: frame.command,
                status,
            });
            return;
        }
        if self.common_status(frame.command, status) {
            return;
        }
        let Some(out) = self.output(frame) else {
            return;
        };
        if out.msr_data().is_some() {
            self.events.push_back(ReaderEvent::CardSwiped);
            let entry = if fallback {
                ReadMethod::FallbackSwipe
            } else {
                ReadMethod::Swipe
            };
            self.card_data(&out, entry, now);
            return;
        }
        // Contactless: online request (status 23) or an offline result.
        self.events.push_back(ReaderEvent::CardTapped);
        match (status, out.result_code()) {
            (StatusCode::RequestOnlineAuthorization, _) | (_, Some(EmvResultCode::GoOnline)) => {
                self.card_data(&out, ReadMethod::Contactless, now);
            }
            (_, Some(result @ (EmvResultCode::ApprovedOffline | EmvResultCode::Approved))) => {
                self.awaiting = None;
                self.finish(ReaderEvent::Completed(TransactionOutcome {
                    approved: true,
                    result: Some(result),
                    arc: out.arc(),
                    tvr: out.tvr(),
                    tsi: out.tsi(),
                }));
            }
            (
                _,
                Some(
                    result @ (EmvResultCode::DeclinedOffline
                    | EmvResultCode::Declined
                    | EmvResultCode::NotAccepted),
                ),
            ) => {
                self.awaiting = None;
                self.finish(ReaderEvent::Completed(TransactionOutcome {
                    approved: false,
                    result: Some(result),
                    arc: out.arc(),
                    tvr: out.tvr(),
                    tsi: out.tsi(),
                }));
            }
            (_, Some(EmvResultCode::Timeout)) => {
                self.awaiting = None;
                self.finish(ReaderEvent::TimedOut);
            }
            (_, Some(result)) => {
                self.awaiting = None;
                self.fail(FailureReason::ChipError { result });
            }
            (_, None) => {
                // An answer with card data but no outcome: hand it to the host.
                self.card_data(&out, ReadMethod::Contactless, now);
            }
        }
    }
}

fn busy_or_status(command: u8, status: StatusCode) -> FailureReason {
    match status {
        StatusCode::CommandNotAllowed
        | StatusCode::SubCommandNotAllowed
        | StatusCode::CannotStartContactEmv => FailureReason::ReaderBusy { status },
        status => FailureReason::ReaderStatus { command, status },
    }
}
