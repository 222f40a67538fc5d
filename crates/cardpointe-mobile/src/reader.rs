//! The card reader: connect (over the app's Bluetooth or to the virtual reader), read a card,
//! complete the EMV transaction with the host's answer, cancel, disconnect.
//!
//! The conversation is `cardpointe-reader`'s session over `cardpointe_vp3300::Connection`; this
//! module maps its calls, events and errors to types the bindings carry.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cardpointe_emv::Hex;
use cardpointe_reader::{ConnectOptions, Link, Reader, ReaderKind, ReconnectPolicy, VirtualLink};
use cardpointe_vp3300::command::{HostResponse, Interfaces, Payment};
use cardpointe_vp3300::transaction::FailureReason;
use cardpointe_vp3300::{EncryptedCardData, ReadMethod, ReaderEvent, TransactionRequest};
use cardpointe_vp3300_sim::DeviceConfig;
use tokio::sync::broadcast::error::RecvError;
use tokio::task::JoinHandle;

use crate::ble::BleLink;
use crate::card::CardExpiry;
use crate::runtime::{self, RuntimeFailure};
use crate::virtual_reader::VirtualCard;

/// Which reader to connect to.
#[derive(uniffi::Enum)]
#[non_exhaustive]
pub enum ReaderSource {
    /// A VP3300 over the app's Bluetooth stack.
    Bluetooth {
        /// The app's connection to it.
        link: Arc<BleLink>,
        /// Its advertised name (`IDTECH-VP3300-…`), for [`ReaderInfo::name`].
        name: String,
    },
    /// The virtual VP3300, in process: these cards are presented, in order, whenever the
    /// reader waits for one. For apps in a simulator or emulator and their UI tests.
    Virtual {
        /// The cards the imaginary customer presents.
        cards: Vec<VirtualCard>,
    },
}

impl fmt::Debug for ReaderSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Bluetooth { name, .. } => {
                f.debug_struct("Bluetooth").field("name", name).finish()
            }
            Self::Virtual { cards } => f
                .debug_struct("Virtual")
                .field("cards", &cards.len())
                .finish(),
        }
    }
}

/// How the reader session behaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Record)]
#[allow(
    clippy::exhaustive_structs,
    reason = "a record the app builds field by field (Kotlin and Swift name every field)"
)]
pub struct ReaderOptions {
    /// Automatic reconnection attempts after the link drops (0: none; the app reconnects).
    #[uniffi(default = 0)]
    pub reconnect_attempts: u32,
    /// Pause before each reconnection attempt, in milliseconds.
    #[uniffi(default = 1000)]
    pub reconnect_delay_ms: u64,
    /// Limit for housekeeping commands (version, serial, cancel), in milliseconds.
    #[uniffi(default = 3000)]
    pub command_timeout_ms: u64,
}

impl Default for ReaderOptions {
    fn default() -> Self {
        Self {
            reconnect_attempts: 0,
            reconnect_delay_ms: 1000,
            command_timeout_ms: 3000,
        }
    }
}

impl ReaderOptions {
    fn to_connect_options(self) -> ConnectOptions {
        let mut options = if self.reconnect_attempts > 0 {
            ConnectOptions::with_reconnect(ReconnectPolicy::new(
                self.reconnect_attempts,
                Duration::from_millis(self.reconnect_delay_ms),
            ))
        } else {
            ConnectOptions::default()
        };
        options.command_timeout = Duration::from_millis(self.command_timeout_ms.max(1));
        options
    }
}

/// Why a link went down.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Enum)]
#[non_exhaustive]
pub enum DisconnectReason {
    /// The app disconnected ([`CardReader::disconnect`]).
    ClosedByApp,
    /// The reader, or the Bluetooth stack on its behalf, reported the connection gone (out of
    /// range, switched off, battery empty, Bluetooth turned off).
    ReaderDisconnected,
    /// The notifications stopped although nobody closed the link.
    NotificationsEnded,
    /// A write to the reader failed.
    WriteFailed {
        /// The stack's message.
        detail: String,
    },
    /// Another reason, described.
    Other {
        /// What happened.
        detail: String,
    },
}

impl From<cardpointe_reader::DisconnectReason> for DisconnectReason {
    fn from(reason: cardpointe_reader::DisconnectReason) -> Self {
        use cardpointe_reader::DisconnectReason as R;
        match reason {
            R::ClosedByHost => Self::ClosedByApp,
            R::PeerDisconnected => Self::ReaderDisconnected,
            R::NotificationsEnded => Self::NotificationsEnded,
            R::WriteFailed { detail } => Self::WriteFailed { detail },
            other => Self::Other {
                detail: other.to_string(),
            },
        }
    }
}

/// The connection to the reader, for the UI.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Enum)]
#[non_exhaustive]
pub enum ConnectionStatus {
    /// Not connected; `reason` says why when the link dropped or was closed.
    NotConnected {
        /// Why, if known.
        reason: Option<DisconnectReason>,
    },
    /// Looking for readers.
    Discovering,
    /// Connecting.
    Connecting,
    /// Connected and ready.
    Connected,
    /// The link dropped; reconnecting (attempt number, from 1).
    Reconnecting {
        /// Which attempt.
        attempt: u32,
    },
}

impl From<cardpointe_reader::ConnectionStatus> for ConnectionStatus {
    fn from(status: cardpointe_reader::ConnectionStatus) -> Self {
        use cardpointe_reader::ConnectionStatus as S;
        match status {
            S::NotConnected { reason } => Self::NotConnected {
                reason: reason.map(DisconnectReason::from),
            },
            S::Discovering => Self::Discovering,
            S::Connecting => Self::Connecting,
            S::Connected => Self::Connected,
            S::Reconnecting { attempt } => Self::Reconnecting { attempt },
            _ => Self::NotConnected { reason: None },
        }
    }
}

/// What the reader is doing, for the UI (the VP3300 has no display: the app shows these).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Enum)]
#[non_exhaustive]
pub enum ReaderUiEvent {
    /// The reader waits for a card on these interfaces ("swipe, insert or tap").
    WaitingForCard {
        /// Swipe accepted.
        swipe: bool,
        /// Insert accepted.
        insert: bool,
        /// Tap accepted.
        tap: bool,
        /// This is the swipe fallback after a failed chip read.
        fallback: bool,
    },
    /// A card was inserted.
    CardInserted,
    /// A card was swiped.
    CardSwiped,
    /// A card was tapped.
    CardTapped,
    /// A message the reader asks the app to show (`PLEASE WAIT`, `APPROVED`, ...).
    Message {
        /// The text.
        text: String,
    },
    /// The reader is working with the card.
    Processing,
    /// The card should be removed.
    RemoveCard,
}

impl ReaderUiEvent {
    fn from_event(event: &ReaderEvent) -> Option<Self> {
        Some(match event {
            ReaderEvent::WaitingForCard {
                interfaces,
                fallback,
            } => Self::WaitingForCard {
                swipe: interfaces.msr,
                insert: interfaces.contact,
                tap: interfaces.contactless,
                fallback: *fallback,
            },
            ReaderEvent::CardInserted => Self::CardInserted,
            ReaderEvent::CardSwiped => Self::CardSwiped,
            ReaderEvent::CardTapped => Self::CardTapped,
            ReaderEvent::Message(text) => Self::Message { text: text.clone() },
            ReaderEvent::Processing => Self::Processing,
            ReaderEvent::RemoveCard => Self::RemoveCard,
            _ => return None,
        })
    }
}

/// What the app hears from the reader: UI events of a card read and connection changes. Called
/// from the SDK's threads; hop to the UI thread before touching views.
#[uniffi::export(with_foreign)]
pub trait ReaderListener: Send + Sync {
    /// A card-read event to show.
    fn on_event(&self, event: ReaderUiEvent);
    /// The connection status changed.
    fn on_status(&self, status: ConnectionStatus);
}

/// What the reader said about itself when it connected.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
#[non_exhaustive]
pub struct ReaderInfo {
    /// The model (`VP3300`).
    pub model: String,
    /// Its advertised name.
    pub name: String,
    /// Serial number, when set.
    pub serial: Option<String>,
    /// Firmware version.
    pub firmware: Option<String>,
    /// Battery level in percent, where the reader reports one.
    pub battery_percent: Option<u8>,
    /// Whether this is the virtual reader.
    pub is_virtual: bool,
}

/// A card read: the amount and the ways the card may be presented.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Record)]
#[allow(
    clippy::exhaustive_structs,
    reason = "a record the app builds field by field (Kotlin and Swift name every field)"
)]
pub struct ReadRequest {
    /// The amount in minor units (cents), US dollars.
    pub amount_minor: u64,
    /// Accept a swipe.
    #[uniffi(default = true)]
    pub swipe: bool,
    /// Accept an inserted chip card (the reader then also takes a swipe).
    #[uniffi(default = true)]
    pub insert: bool,
    /// Accept a tap (when `insert` is false: tap and insert are not offered in one read).
    #[uniffi(default = true)]
    pub tap: bool,
    /// How long the reader waits for a card, in seconds.
    #[uniffi(default = 60)]
    pub card_timeout_seconds: u32,
    /// Allow a swipe after a failed chip read.
    #[uniffi(default = true)]
    pub fallback: bool,
}

impl ReadRequest {
    fn to_transaction_request(self) -> TransactionRequest {
        let interfaces = Interfaces::new(self.swipe, self.tap, self.insert);
        let mut request =
            TransactionRequest::new(Payment::purchase_usd(self.amount_minor), interfaces);
        request.card_timeout = Duration::from_secs(u64::from(self.card_timeout_seconds.max(1)));
        request.fallback = self.fallback;
        request
    }
}

/// How the reader read the card.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, uniffi::Enum)]
#[non_exhaustive]
pub enum ReadMethodKind {
    /// Magnetic stripe.
    Swipe,
    /// Swipe after a failed chip read.
    FallbackSwipe,
    /// Contact chip.
    Chip,
    /// Contactless.
    Contactless,
}

/// A card the reader read: encrypted card data for CardSecure
/// (`Tokenizer::tokenize_reader_card`), and what may be shown of it. The encrypted payload
/// never crosses to the app.
#[derive(uniffi::Object)]
pub struct ReaderCard {
    data: EncryptedCardData,
}

impl fmt::Debug for ReaderCard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReaderCard")
            .field("data", &self.data)
            .finish()
    }
}

impl ReaderCard {
    pub(crate) fn encrypted_data(&self) -> &EncryptedCardData {
        &self.data
    }
}

#[uniffi::export]
impl ReaderCard {
    /// The masked card number (at most first six and last four digits), when the reader gave
    /// one.
    #[must_use]
    pub fn masked_pan(&self) -> Option<String> {
        self.data.masked_pan().map(str::to_owned)
    }

    /// How the card was read.
    #[must_use]
    pub fn read_method(&self) -> ReadMethodKind {
        match self.data.entry_mode() {
            ReadMethod::Swipe => ReadMethodKind::Swipe,
            ReadMethod::FallbackSwipe => ReadMethodKind::FallbackSwipe,
            ReadMethod::Contact => ReadMethodKind::Chip,
            _ => ReadMethodKind::Contactless,
        }
    }

    /// The card's expiry, when the reader gave one (the gateway's auth needs it with the token).
    #[must_use]
    pub fn expiry(&self) -> Option<CardExpiry> {
        let (yy, mm) = self.data.expiry()?;
        Some(CardExpiry {
            month: mm,
            year: 2000 + u16::from(yy),
        })
    }

    /// Whether the reader encrypted the data (CardSecure takes only encrypted reader data).
    #[must_use]
    pub fn is_encrypted(&self) -> bool {
        self.data.is_encrypted()
    }
}

/// The host's answer to an online authorization, as the app's server got it from the gateway.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Enum)]
#[non_exhaustive]
pub enum HostAnswer {
    /// Approved (`respstat` `A`). `emv` is the gateway's `emv` field when it sent one: the
    /// issuer authentication data (tag 91, hex) the chip card checks.
    Approved {
        /// The auth response's `emv` value.
        emv: Option<String>,
    },
    /// Declined, with the authorization response code for the card (`05`).
    Declined {
        /// Two characters.
        response_code: String,
    },
    /// The host could not be reached or did not answer: the card decides offline (normally a
    /// decline).
    Unavailable,
}

impl HostAnswer {
    fn to_host_response(&self) -> Result<HostResponse, ReaderError> {
        match self {
            Self::Approved { emv } => {
                let mut answer = HostResponse::online(*b"00");
                if let Some(emv) = emv {
                    let iad = cardpointe_vp3300_sim::dukpt::decode_hex(emv)
                        .ok()
                        .filter(|iad| (8..=16).contains(&iad.len()))
                        .ok_or_else(|| {
                            ReaderError::InvalidRequest(
                                "the host's emv value must be hex of 8 to 16 bytes (tag 91's \
                                 value, as the gateway's auth answers it)"
                                    .to_owned(),
                            )
                        })?;
                    answer.issuer_authentication_data = Some(iad);
                }
                Ok(answer)
            }
            Self::Declined { response_code } => match response_code.as_bytes() {
                &[a, b] if a.is_ascii_alphanumeric() && b.is_ascii_alphanumeric() => {
                    Ok(HostResponse::online([a, b]))
                }
                _ => Err(ReaderError::InvalidRequest(
                    "the response code must be two letters or digits (`05`)".to_owned(),
                )),
            },
            Self::Unavailable => Ok(HostResponse::unable_to_go_online()),
        }
    }
}

/// How a transaction ended on the card.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
#[non_exhaustive]
pub struct TransactionOutcome {
    /// Approved (by the card after the host's answer, or by the host for swipe and tap).
    pub approved: bool,
    /// The authorization response code the card got (`00`), when known.
    pub response_code: Option<String>,
    /// Terminal verification results (tag 95), hex, for the receipt.
    pub tvr: Option<String>,
    /// Transaction status information (tag 9B), hex, for the receipt.
    pub tsi: Option<String>,
}

/// Why a reader call failed. Messages never hold card data.
#[derive(Debug, thiserror::Error, uniffi::Error)]
#[uniffi(flat_error)]
#[non_exhaustive]
pub enum ReaderError {
    /// The reader is not connected (it dropped, or the app disconnected).
    #[error("the reader is not connected: {0}")]
    NotConnected(String),
    /// The Bluetooth link failed.
    #[error("the link to the reader failed: {0}")]
    Link(String),
    /// A card read is already in progress: complete or cancel it first.
    #[error("a card read is already in progress; complete or cancel it first")]
    Busy,
    /// No card was presented in time.
    #[error("no card was presented in time")]
    CardTimeout,
    /// The card read was cancelled.
    #[error("the card read was cancelled")]
    Cancelled,
    /// The card was removed before the chip transaction finished.
    #[error("the card was removed too early; ask for it again")]
    CardRemoved,
    /// The card read failed (chip error, reader error, unreadable data).
    #[error("the card read failed: {0}")]
    ReadFailed(String),
    /// The card decided offline; there is no card data to authorize.
    #[error("{0}")]
    DecidedOffline(String),
    /// The reader did not answer in time.
    #[error("{0}")]
    Timeout(String),
    /// The call does not fit the reader's state or its input is invalid (the message says
    /// which).
    #[error("{0}")]
    InvalidRequest(String),
    /// The SDK's runtime could not run the call.
    #[error("the SDK's background runtime is unavailable")]
    Runtime,
}

impl From<cardpointe_reader::ReaderError> for ReaderError {
    fn from(error: cardpointe_reader::ReaderError) -> Self {
        use cardpointe_reader::ReaderError as E;
        let message = error.to_string();
        match error {
            E::Disconnected(_) | E::Closed => Self::NotConnected(message),
            E::Link(link) if link.is_disconnect() => Self::NotConnected(message),
            E::Link(_) | E::ConnectionCancelled => Self::Link(message),
            E::Busy => Self::Busy,
            E::CardTimeout => Self::CardTimeout,
            E::Cancelled => Self::Cancelled,
            E::Failed(FailureReason::CardRemoved) => Self::CardRemoved,
            E::Failed(FailureReason::ReaderBusy { .. }) => Self::Busy,
            E::Failed(_) | E::Status { .. } | E::Response(_) => Self::ReadFailed(message),
            E::DecidedOffline(_) => Self::DecidedOffline(message),
            E::Timeout { .. } => Self::Timeout(message),
            E::Transaction(_) => Self::InvalidRequest(message),
            _ => Self::ReadFailed(message),
        }
    }
}

impl From<RuntimeFailure> for ReaderError {
    fn from(_: RuntimeFailure) -> Self {
        Self::Runtime
    }
}

/// Forwards the session's status changes to the listener until the reader goes away.
struct StatusForwarder(Option<JoinHandle<()>>);

impl Drop for StatusForwarder {
    fn drop(&mut self) {
        if let Some(task) = &self.0 {
            task.abort();
        }
    }
}

/// A connected VP3300 (real or virtual). Every call is bounded in time.
#[derive(uniffi::Object)]
pub struct CardReader {
    reader: Mutex<Option<Arc<Reader>>>,
    info: ReaderInfo,
    listener: Option<Arc<dyn ReaderListener>>,
    _status: StatusForwarder,
}

impl fmt::Debug for CardReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CardReader")
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

/// Connects to a reader — over the app's Bluetooth or the virtual one — and asks it who it is.
///
/// # Errors
/// [`ReaderError::Link`] or [`ReaderError::NotConnected`] when the link fails,
/// [`ReaderError::Timeout`] when the reader does not answer.
#[uniffi::export]
pub async fn connect_reader(
    source: ReaderSource,
    listener: Option<Arc<dyn ReaderListener>>,
    options: ReaderOptions,
) -> Result<Arc<CardReader>, ReaderError> {
    let connect = options.to_connect_options();
    let reader = runtime::run(async move {
        let (link, name, kind): (Box<dyn Link>, String, ReaderKind) = match source {
            ReaderSource::Bluetooth { link, name } => {
                (Box::new(link.open()), name, ReaderKind::Bluetooth)
            }
            ReaderSource::Virtual { cards } => {
                let config =
                    DeviceConfig::with_cards(cards.into_iter().map(VirtualCard::to_presentation));
                let link = VirtualLink::new(config);
                let name = link.name();
                (Box::new(link), name, ReaderKind::Simulated)
            }
        };
        Reader::with_link(link, name, kind, connect).await
    })
    .await??;
    let reader = Arc::new(reader);
    let status = match &listener {
        Some(listener) => {
            let listener = Arc::clone(listener);
            let mut changes = reader.status_changes();
            Some(runtime::spawn(async move {
                loop {
                    match changes.recv().await {
                        Ok(status) => listener.on_status(status.into()),
                        Err(RecvError::Lagged(_)) => {}
                        Err(RecvError::Closed) => break,
                    }
                }
            })?)
        }
        None => None,
    };
    let found = reader.info();
    let info = ReaderInfo {
        model: found.model.clone(),
        name: found.name.clone(),
        serial: found.serial.clone(),
        firmware: found.firmware.clone(),
        battery_percent: found.battery_percent,
        is_virtual: found.kind == ReaderKind::Simulated,
    };
    Ok(Arc::new(CardReader {
        reader: Mutex::new(Some(reader)),
        info,
        listener,
        _status: StatusForwarder(status),
    }))
}

impl CardReader {
    fn session(&self) -> Result<Arc<Reader>, ReaderError> {
        self.reader
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
            .ok_or_else(|| ReaderError::NotConnected("the app disconnected this reader".to_owned()))
    }
}

#[uniffi::export]
impl CardReader {
    /// What the reader said about itself when it connected.
    #[must_use]
    pub fn info(&self) -> ReaderInfo {
        self.info.clone()
    }

    /// The connection status now.
    #[must_use]
    pub fn status(&self) -> ConnectionStatus {
        match self.session() {
            Ok(reader) => reader.status().borrow().clone().into(),
            Err(_) => ConnectionStatus::NotConnected {
                reason: Some(DisconnectReason::ClosedByApp),
            },
        }
    }

    /// The battery level in percent, where the reader reports one.
    pub async fn battery_percent(&self) -> Option<u8> {
        let reader = self.session().ok()?;
        runtime::run(async move { reader.battery_percent().await })
            .await
            .ok()
            .flatten()
    }

    /// Reads a card: swipe, insert or tap, as `request` allows. UI events go to the listener;
    /// the result is the encrypted card data to tokenize. Then authorize on your server with
    /// the token and call [`CardReader::complete`] with its answer.
    ///
    /// # Errors
    /// [`ReaderError::CardTimeout`], [`ReaderError::Cancelled`], [`ReaderError::CardRemoved`],
    /// [`ReaderError::ReadFailed`], [`ReaderError::Busy`], [`ReaderError::NotConnected`], ...
    pub async fn read_card(&self, request: ReadRequest) -> Result<Arc<ReaderCard>, ReaderError> {
        let reader = self.session()?;
        let listener = self.listener.clone();
        let data = runtime::run(async move {
            let read = reader.read_card(request.to_transaction_request()).await?;
            read.card_data_with(|event| {
                if let (Some(listener), Some(event)) = (&listener, ReaderUiEvent::from_event(event))
                {
                    listener.on_event(event);
                }
            })
            .await
        })
        .await??;
        Ok(Arc::new(ReaderCard { data }))
    }

    /// Gives the card the host's answer and waits for its final decision (a chip card checks
    /// the issuer's answer and may still decline; for swipe and tap the host's answer is the
    /// outcome).
    ///
    /// # Errors
    /// [`ReaderError::InvalidRequest`] when no read waits for the host's answer or the answer is
    /// malformed; [`ReaderError::CardRemoved`] and the other read failures.
    pub async fn complete(&self, answer: HostAnswer) -> Result<TransactionOutcome, ReaderError> {
        let reader = self.session()?;
        let answer = answer.to_host_response()?;
        let outcome = runtime::run(async move { reader.complete_online(answer).await }).await??;
        Ok(TransactionOutcome {
            approved: outcome.approved,
            response_code: outcome
                .arc
                .map(|arc| String::from_utf8_lossy(&arc).into_owned()),
            tvr: outcome.tvr.map(|tvr| Hex(&tvr).to_string()),
            tsi: outcome.tsi.map(|tsi| Hex(&tsi).to_string()),
        })
    }

    /// Cancels whatever the reader is doing and waits until it is idle; a pending
    /// [`CardReader::read_card`] ends with [`ReaderError::Cancelled`].
    ///
    /// # Errors
    /// [`ReaderError::Timeout`] when the reader does not confirm; [`ReaderError::NotConnected`].
    pub async fn cancel(&self) -> Result<(), ReaderError> {
        let reader = self.session()?;
        runtime::run(async move { reader.cancel().await }).await??;
        Ok(())
    }

    /// Reconnects now after the link dropped.
    ///
    /// # Errors
    /// The link's error when the reader cannot be reached.
    pub async fn reconnect(&self) -> Result<(), ReaderError> {
        let reader = self.session()?;
        runtime::run(async move { reader.reconnect().await }).await??;
        Ok(())
    }

    /// Disconnects from the reader and ends the session; later calls fail with
    /// [`ReaderError::NotConnected`].
    ///
    /// # Errors
    /// The link's error when closing fails.
    pub async fn disconnect(&self) -> Result<(), ReaderError> {
        let taken = self
            .reader
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        let Some(reader) = taken else {
            return Ok(());
        };
        runtime::run(async move {
            match Arc::try_unwrap(reader) {
                Ok(reader) => reader.disconnect().await,
                // Another call still runs: cancel it; the session closes the link when the
                // last handle goes.
                Err(shared) => shared.cancel().await,
            }
        })
        .await??;
        Ok(())
    }
}
