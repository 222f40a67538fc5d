//! The reader API: discover, connect, read a card, complete, cancel.

use std::fmt;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};
use std::time::Duration;

use cardpointe_vp3300::command::{self, HostResponse};
use cardpointe_vp3300::transaction::TransactionOutcome;
use cardpointe_vp3300::{EncryptedCardData, Frame, ReaderEvent, StatusCode, TransactionRequest};
use futures_core::Stream;
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use crate::discovery::{DiscoveredReader, Discovery, DiscoveryOptions, ReaderKind};
use crate::error::ReaderError;
use crate::link::Link;
use crate::session::{Command, Session};
use crate::status::{ConnectionStatus, StatusPublisher};
use crate::tap::TappedFrame;

/// Automatic reconnection after the link drops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReconnectPolicy {
    /// Attempts before giving up (status then `NotConnected`).
    pub attempts: u32,
    /// Pause before each attempt.
    pub delay: Duration,
}

impl ReconnectPolicy {
    /// `attempts` tries, `delay` apart.
    #[must_use]
    pub const fn new(attempts: u32, delay: Duration) -> Self {
        Self { attempts, delay }
    }
}

/// How [`Reader::connect`] and the session behave.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ConnectOptions {
    /// Opt-in automatic reconnection.
    pub reconnect: Option<ReconnectPolicy>,
    /// Limit for housekeeping commands (version, serial, cancel).
    pub command_timeout: Duration,
}

impl Default for ConnectOptions {
    /// No automatic reconnection; 3 s for housekeeping (spec section 5.1: 1-3 s).
    fn default() -> Self {
        Self {
            reconnect: None,
            command_timeout: Duration::from_secs(3),
        }
    }
}

impl ConnectOptions {
    /// The defaults with automatic reconnection.
    #[must_use]
    pub fn with_reconnect(policy: ReconnectPolicy) -> Self {
        Self {
            reconnect: Some(policy),
            ..Self::default()
        }
    }
}

/// What the reader said about itself when it connected.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReaderInfo {
    /// The model (`VP3300`).
    pub model: String,
    /// Its advertised name.
    pub name: String,
    /// How it is reached.
    pub kind: ReaderKind,
    /// Serial number (12-01), when set.
    pub serial: Option<String>,
    /// Firmware version (29-00).
    pub firmware: Option<String>,
    /// Battery level in percent, where the reader reports one (the NEO 2 protocol has no
    /// battery command; BLE units may expose the GATT Battery Service).
    pub battery_percent: Option<u8>,
}

/// A connected VP3300: read cards, complete EMV transactions, cancel.
///
/// All methods are bounded in time; none hangs when the reader goes silent or away.
pub struct Reader {
    commands: mpsc::UnboundedSender<Command>,
    status: StatusPublisher,
    tap: broadcast::Sender<TappedFrame>,
    info: ReaderInfo,
    options: ConnectOptions,
    /// How long [`Reader::complete_online`] may take for the read in progress: the
    /// transaction machine's own limits for the last step and the cancel after it.
    completion_limit: Mutex<Duration>,
    /// The session; it closes the link and ends once every `Reader` handle is gone.
    _task: JoinHandle<()>,
}

impl fmt::Debug for Reader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reader")
            .field("info", &self.info)
            .field("status", &*self.status.watch().borrow())
            .finish_non_exhaustive()
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

async fn within<T>(
    limit: Duration,
    operation: &'static str,
    reply: oneshot::Receiver<Result<T, ReaderError>>,
) -> Result<T, ReaderError> {
    match tokio::time::timeout(limit, reply).await {
        Ok(Ok(result)) => result,
        Ok(Err(_)) => Err(ReaderError::Closed),
        Err(_) => Err(ReaderError::Timeout {
            operation,
            millis: millis(limit),
        }),
    }
}

/// The longest a chip card's completion can take in the transaction machine: the last step
/// (60-12) and, when it goes unanswered, the cancel that follows; plus a second of slack.
fn completion_limit(request: &TransactionRequest) -> Duration {
    let step = request
        .command_timeout
        .saturating_add(request.margin)
        .saturating_add(Duration::from_secs(10));
    let cancel = request.command_timeout.saturating_add(request.margin);
    step.saturating_add(cancel)
        .saturating_add(Duration::from_secs(1))
}

impl Reader {
    /// Finds readers: over Bluetooth LE (fails at once with
    /// [`LinkError::NoBluetooth`](crate::LinkError::NoBluetooth) where the machine has no
    /// Bluetooth), or the virtual VP3300 (feature `simulator`) — through the same call. To
    /// watch the status from discovery on, or to cancel, use a [`Discovery`].
    ///
    /// # Errors
    /// [`ReaderError::Link`] when Bluetooth is unavailable or the scan fails.
    pub async fn discover(options: DiscoveryOptions) -> Result<Vec<DiscoveredReader>, ReaderError> {
        Discovery::new().discover(options).await
    }

    /// Connects to a discovered reader and asks it for its firmware version and serial.
    ///
    /// # Errors
    /// [`ReaderError::Link`] when the link cannot be set up; [`ReaderError::Timeout`] when the
    /// reader does not answer.
    pub async fn connect(
        reader: DiscoveredReader,
        options: ConnectOptions,
    ) -> Result<Self, ReaderError> {
        Discovery::new().connect(reader, options).await
    }

    /// A reader session over any [`Link`] (a [`BleLink`](crate::BleLink) on your own btleplug
    /// adapter, a `VirtualLink` on your own device model, ...).
    ///
    /// # Errors
    /// As [`Reader::connect`].
    pub async fn with_link(
        link: Box<dyn Link>,
        name: String,
        kind: ReaderKind,
        options: ConnectOptions,
    ) -> Result<Self, ReaderError> {
        Discovery::new()
            .connect_link(link, name, kind, options)
            .await
    }

    /// Starts the session over `link` and asks the reader who it is; publishes `Connected`.
    pub(crate) async fn start(
        link: Box<dyn Link>,
        name: String,
        kind: ReaderKind,
        options: ConnectOptions,
        status: StatusPublisher,
    ) -> Result<Self, ReaderError> {
        status.publish(ConnectionStatus::Connecting);
        let (tap, _) = broadcast::channel(256);
        let session = Session::new(
            link,
            status.clone(),
            tap.clone(),
            options.reconnect,
            options.command_timeout,
        );
        let (commands, rx) = mpsc::unbounded_channel();
        let task = tokio::spawn(session.run(rx));
        let mut reader = Self {
            commands,
            status: status.clone(),
            tap,
            info: ReaderInfo {
                model: "VP3300".to_owned(),
                name,
                kind,
                serial: None,
                firmware: None,
                battery_percent: None,
            },
            completion_limit: Mutex::new(completion_limit(&TransactionRequest::new(
                command::Payment::purchase_usd(0),
                command::Interfaces::ALL,
            ))),
            options,
            _task: task,
        };
        let firmware = reader.exchange(command::firmware_version()).await?;
        reader.info.firmware = Some(command::FirmwareVersion::from_response(&firmware)?.0);
        let serial = reader.exchange(command::serial_number()).await?;
        // Status 0B: the serial was never set; that is not an error.
        if serial.status() == Some(StatusCode::Ok) {
            reader.info.serial = Some(command::SerialNumber::from_response(&serial)?.0);
        }
        reader.info.battery_percent = reader.battery_percent().await;
        status.publish(ConnectionStatus::Connected);
        Ok(reader)
    }

    /// What the reader said about itself when it connected.
    #[must_use]
    pub fn info(&self) -> &ReaderInfo {
        &self.info
    }

    /// A watch of the connection status (the latest value).
    #[must_use]
    pub fn status(&self) -> watch::Receiver<ConnectionStatus> {
        self.status.watch()
    }

    /// Every change of the connection status from now on, in order.
    #[must_use]
    pub fn status_changes(&self) -> broadcast::Receiver<ConnectionStatus> {
        self.status.changes()
    }

    /// Every frame on the link from now on, rendered with card data masked.
    #[must_use]
    pub fn frame_tap(&self) -> broadcast::Receiver<TappedFrame> {
        self.tap.subscribe()
    }

    fn send(&self, command: Command) -> Result<(), ReaderError> {
        self.commands.send(command).map_err(|_| ReaderError::Closed)
    }

    /// Sends one command frame and returns the reader's answer (any status), waiting at most
    /// the command timeout of the [`ConnectOptions`].
    ///
    /// # Errors
    /// [`ReaderError::Busy`] while a card read runs; [`ReaderError::Timeout`] after the
    /// command timeout; [`ReaderError::Disconnected`].
    pub async fn exchange(&self, frame: Frame) -> Result<Frame, ReaderError> {
        self.exchange_within(frame, self.options.command_timeout)
            .await
    }

    /// As [`Reader::exchange`], waiting at most `timeout` for the answer (for a command known
    /// to be slow, or one that should fail fast). An answer that arrives after its command
    /// timed out is recognised as late and dropped: it never passes for the answer of a later
    /// command.
    ///
    /// # Errors
    /// As [`Reader::exchange`].
    pub async fn exchange_within(
        &self,
        frame: Frame,
        timeout: Duration,
    ) -> Result<Frame, ReaderError> {
        let (reply, rx) = oneshot::channel();
        self.send(Command::Exchange {
            frame,
            timeout,
            reply,
        })?;
        within(
            timeout.saturating_add(Duration::from_secs(1)),
            "a reader command",
            rx,
        )
        .await
    }

    /// The battery level in percent, where the reader reports one.
    pub async fn battery_percent(&self) -> Option<u8> {
        let (reply, rx) = oneshot::channel();
        self.send(Command::Battery { reply }).ok()?;
        tokio::time::timeout(self.options.command_timeout, rx)
            .await
            .ok()?
            .ok()?
    }

    /// Starts a card read. The returned [`CardRead`] yields the machine's events and ends
    /// with [`ReaderEvent::OnlineAuthorizationRequired`] (the card data) or a terminal event;
    /// [`CardRead::card_data`] waits for the card data directly.
    ///
    /// # Errors
    /// [`ReaderError::Busy`] when a read is already running; [`ReaderError::Disconnected`].
    pub async fn read_card(&self, request: TransactionRequest) -> Result<CardRead, ReaderError> {
        let limit = request
            .card_timeout
            .saturating_add(request.margin)
            .saturating_add(request.command_timeout.saturating_mul(3))
            .saturating_add(Duration::from_secs(5));
        let completion = completion_limit(&request);
        let (events, rx) = mpsc::unbounded_channel();
        let (reply, started) = oneshot::channel();
        self.send(Command::Read {
            request,
            events,
            reply,
        })?;
        within(
            self.options.command_timeout,
            "starting a card read",
            started,
        )
        .await?;
        *self
            .completion_limit
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = completion;
        Ok(CardRead {
            events: rx,
            limit,
            deadline: tokio::time::Instant::now() + limit,
        })
    }

    /// Gives the reader the host's answer to an online authorization request. For a chip
    /// card this sends 60-12 and waits for the card's final decision; for swipe and tap the
    /// host's answer is the outcome.
    ///
    /// Bounded in time: a reader that never answers 60-12 is cancelled by the transaction
    /// machine after the request's command timeout, margin and 10 s
    /// ([`ReaderError::CardTimeout`]), and this call gives up a little after that in any
    /// case; either way the reader is idle afterwards.
    ///
    /// # Errors
    /// [`ReaderError::Transaction`] when no read waits for the host; [`ReaderError::Failed`]
    /// and friends when the card ends the transaction otherwise; [`ReaderError::Cancelled`]
    /// when [`Reader::cancel`] ends it first.
    pub async fn complete_online(
        &self,
        answer: HostResponse,
    ) -> Result<TransactionOutcome, ReaderError> {
        let (reply, rx) = oneshot::channel();
        self.send(Command::Complete { answer, reply })?;
        let limit = *self
            .completion_limit
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        within(limit, "completing the transaction", rx).await
    }

    /// Cancels whatever the reader is doing and waits until it is idle (a cancel is sent
    /// even when no read runs here; while a housekeeping command waits for its answer no
    /// transaction runs, so that counts as idle). Bounded by the command timeout. While the session
    /// reconnects (automatically or through [`Reader::reconnect`]) it stops the reconnection
    /// instead: the status becomes `NotConnected` and nothing runs until the app reconnects.
    ///
    /// # Errors
    /// [`ReaderError::Timeout`] when the reader does not confirm; [`ReaderError::Disconnected`].
    pub async fn cancel(&self) -> Result<(), ReaderError> {
        let (reply, rx) = oneshot::channel();
        self.send(Command::Cancel { reply })?;
        let limit = self.options.command_timeout.saturating_mul(3);
        within(limit, "cancelling", rx).await
    }

    /// Reconnects now after the link dropped (what automatic reconnection does on its own).
    ///
    /// # Errors
    /// The link's error when the reader cannot be reached.
    pub async fn reconnect(&self) -> Result<(), ReaderError> {
        let (reply, rx) = oneshot::channel();
        self.send(Command::Reconnect { reply })?;
        within(Duration::from_secs(30), "reconnecting", rx).await
    }

    /// Disconnects and ends the session.
    ///
    /// # Errors
    /// The link's error when closing fails.
    pub async fn disconnect(self) -> Result<(), ReaderError> {
        let (reply, rx) = oneshot::channel();
        self.send(Command::Close { reply })?;
        within(Duration::from_secs(15), "disconnecting", rx).await
    }
}

/// A running card read: a [`Stream`] of the transaction machine's events. It ends after
/// [`ReaderEvent::OnlineAuthorizationRequired`] (go and authorize, then call
/// [`Reader::complete_online`]) or a terminal event (completed offline, failed, cancelled,
/// timed out); a disconnect ends it with an error.
#[derive(Debug)]
pub struct CardRead {
    events: mpsc::UnboundedReceiver<Result<ReaderEvent, ReaderError>>,
    limit: Duration,
    deadline: tokio::time::Instant,
}

impl CardRead {
    /// The next event, or `None` when the read has ended. Bounded by the read's overall
    /// limit (card timeout plus margins).
    pub async fn next_event(&mut self) -> Option<Result<ReaderEvent, ReaderError>> {
        match tokio::time::timeout_at(self.deadline, self.events.recv()).await {
            Ok(item) => item,
            Err(_) => Some(Err(ReaderError::Timeout {
                operation: "a card read",
                millis: millis(self.limit),
            })),
        }
    }

    /// Waits for the card data, passing every event before it to `on_event`.
    ///
    /// # Errors
    /// [`ReaderError::CardTimeout`], [`ReaderError::Cancelled`], [`ReaderError::Failed`],
    /// [`ReaderError::DecidedOffline`], [`ReaderError::Disconnected`], or
    /// [`ReaderError::Timeout`].
    pub async fn card_data_with(
        mut self,
        mut on_event: impl FnMut(&ReaderEvent),
    ) -> Result<EncryptedCardData, ReaderError> {
        loop {
            match self.next_event().await {
                Some(Ok(ReaderEvent::OnlineAuthorizationRequired(data))) => return Ok(*data),
                Some(Ok(ReaderEvent::TimedOut)) => return Err(ReaderError::CardTimeout),
                Some(Ok(ReaderEvent::Cancelled)) => return Err(ReaderError::Cancelled),
                Some(Ok(ReaderEvent::Failed(reason))) => return Err(ReaderError::Failed(reason)),
                Some(Ok(ReaderEvent::Completed(outcome))) => {
                    return Err(ReaderError::DecidedOffline(outcome));
                }
                Some(Ok(event)) => on_event(&event),
                Some(Err(error)) => return Err(error),
                None => return Err(ReaderError::Closed),
            }
        }
    }

    /// Waits for the card data.
    ///
    /// # Errors
    /// As [`CardRead::card_data_with`].
    pub async fn card_data(self) -> Result<EncryptedCardData, ReaderError> {
        self.card_data_with(|_| {}).await
    }
}

impl Stream for CardRead {
    type Item = Result<ReaderEvent, ReaderError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.events.poll_recv(cx)
    }
}
