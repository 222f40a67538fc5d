//! A [`CardReader`] that drives `cardpointe-vp3300`'s transaction machine over a byte pipe:
//! the emulator's virtual VP3300 in process, or a real one over Bluetooth LE.

use std::time::Duration;

use bytes::Bytes;
use cardpointe::checkout::ReaderFuture;
use cardpointe::{Amount, CardReader, CheckoutEvent, Error, ReaderOutcome};
use cardpointe_sim::reader::{DeviceConfig, VirtualVp3300};
use cardpointe_vp3300::command::{HostResponse, Interfaces, Payment};
use cardpointe_vp3300::transaction::FailureReason;
use cardpointe_vp3300::{
    Decoded, EncryptedCardData, Frame, FrameDecoder, ReaderEvent, Transaction, TransactionRequest,
};
use tokio::time::Instant;

/// Where the reader's bytes go and come from.
pub(crate) enum Pipe {
    /// The emulator's device model, in process (notifications of 20 bytes, as over BLE).
    Virtual(Box<VirtualVp3300>),
    /// A reader over Bluetooth LE.
    #[cfg(feature = "ble")]
    Ble(Box<dyn cardpointe::reader::Link>),
}

impl Pipe {
    /// A virtual reader set up with `config`.
    pub(crate) fn virtual_reader(config: DeviceConfig) -> Self {
        Self::Virtual(Box::new(VirtualVp3300::new(config)))
    }

    async fn write(&mut self, bytes: &[u8], now: Duration) -> Result<(), Error> {
        match self {
            Self::Virtual(device) => {
                device.receive(bytes, now);
                Ok(())
            }
            #[cfg(feature = "ble")]
            Self::Ble(link) => link
                .write(bytes)
                .await
                .map_err(|e| Error::Reader(e.to_string())),
        }
    }

    /// The next notification, waiting at most `wait`.
    async fn recv(&mut self, wait: Duration, epoch: Instant) -> Result<Option<Bytes>, Error> {
        match self {
            Self::Virtual(device) => {
                if let Some(n) = device.poll_notification() {
                    return Ok(Some(n));
                }
                let now = epoch.elapsed();
                let until = device
                    .poll_timeout()
                    .map_or(wait, |at| at.saturating_sub(now).min(wait));
                tokio::time::sleep(until).await;
                device.handle_timeout(epoch.elapsed());
                Ok(device.poll_notification())
            }
            #[cfg(feature = "ble")]
            Self::Ble(link) => match tokio::time::timeout(wait, link.recv()).await {
                Err(_) => Ok(None),
                Ok(Ok(bytes)) => Ok(Some(bytes)),
                Ok(Err(e)) => Err(Error::Reader(e.to_string())),
            },
        }
    }
}

/// The host side of the conversation with one reader.
pub(crate) struct PipeReader {
    pipe: Pipe,
    decoder: FrameDecoder,
    epoch: Instant,
    txn: Option<Transaction>,
    /// How long the reader waits for a card.
    pub(crate) card_timeout: Duration,
    /// The interfaces offered to the card.
    pub(crate) interfaces: Interfaces,
}

impl PipeReader {
    /// A reader over `pipe`.
    pub(crate) fn new(pipe: Pipe) -> Self {
        Self {
            pipe,
            decoder: FrameDecoder::host(),
            epoch: Instant::now(),
            txn: None,
            card_timeout: Duration::from_secs(30),
            interfaces: Interfaces::ALL,
        }
    }

    /// The same reader offering only these interfaces (a tap needs the contactless
    /// activation 02-40; with the chip slot open the reader runs the contact flow).
    pub(crate) fn with_interfaces(mut self, interfaces: Interfaces) -> Self {
        self.interfaces = interfaces;
        self
    }

    /// The virtual device, when the pipe is one.
    pub(crate) fn virtual_device(&self) -> Option<&VirtualVp3300> {
        match &self.pipe {
            Pipe::Virtual(device) => Some(device),
            #[cfg(feature = "ble")]
            Pipe::Ble(_) => None,
        }
    }

    fn now(&self) -> Duration {
        self.epoch.elapsed()
    }

    /// Sends one command and returns the reader's answer to it (unsolicited frames skipped).
    pub(crate) async fn exchange(
        &mut self,
        command: Frame,
        wait: Duration,
    ) -> Result<Frame, Error> {
        let id = command.command;
        self.pipe.write(&command.encode(), self.now()).await?;
        let deadline = self.now() + wait;
        loop {
            while let Some(item) = self.decoder.decode() {
                match item {
                    Ok(Decoded::Frame(frame)) if frame.command == id => return Ok(frame),
                    Ok(_) => {}
                    Err(e) => {
                        return Err(Error::Reader(format!(
                            "the reader's answer is damaged: {e}"
                        )));
                    }
                }
            }
            let now = self.now();
            if now >= deadline {
                return Err(Error::Reader(format!(
                    "no answer to command {id:02X} within {} ms",
                    wait.as_millis()
                )));
            }
            if let Some(bytes) = self.pipe.recv(deadline - now, self.epoch).await? {
                self.decoder.push(&bytes);
            }
        }
    }

    /// Moves bytes both ways and time forward until the machine reports an event.
    async fn next_event(&mut self) -> Result<ReaderEvent, Error> {
        loop {
            let now = self.now();
            let Some(txn) = self.txn.as_mut() else {
                return Err(Error::Reader("no transaction is running".to_owned()));
            };
            let mut writes = Vec::new();
            while let Some(frame) = txn.poll_write() {
                writes.push(frame.encode());
            }
            if let Some(event) = txn.poll_event() {
                for w in writes {
                    self.pipe.write(&w, now).await?;
                }
                return Ok(event);
            }
            let wait = txn
                .poll_timeout()
                .map_or(Duration::from_millis(50), |at| at.saturating_sub(now))
                .min(Duration::from_millis(50));
            for w in writes {
                self.pipe.write(&w, now).await?;
            }
            let received = self.pipe.recv(wait, self.epoch).await?;
            let now = self.now();
            let Some(txn) = self.txn.as_mut() else {
                continue;
            };
            if let Some(bytes) = received {
                self.decoder.push(&bytes);
                while let Some(item) = self.decoder.decode() {
                    if let Ok(Decoded::Frame(frame)) = item {
                        txn.handle_frame(frame, now);
                    }
                }
            }
            txn.handle_timeout(now);
        }
    }
}

fn failure(reason: &FailureReason) -> Error {
    Error::Reader(format!("the card could not be read: {reason:?}"))
}

fn prompt(text: &str) -> CheckoutEvent {
    CheckoutEvent::ReaderPrompt(text.to_owned())
}

impl CardReader for PipeReader {
    fn read_card<'a>(
        &'a mut self,
        amount: Amount,
        progress: &'a mut (dyn FnMut(CheckoutEvent) + Send),
    ) -> ReaderFuture<'a, EncryptedCardData> {
        Box::pin(async move {
            let minor = u64::try_from(amount.minor_units()).map_err(|_| {
                Error::Reader("a reader transaction needs a positive amount".to_owned())
            })?;
            let mut request =
                TransactionRequest::new(Payment::purchase_usd(minor), self.interfaces);
            request.card_timeout = self.card_timeout;
            let txn = Transaction::start(request, self.now())
                .map_err(|e| Error::Reader(e.to_string()))?;
            self.txn = Some(txn);
            loop {
                match self.next_event().await? {
                    ReaderEvent::OnlineAuthorizationRequired(data) => return Ok(*data),
                    ReaderEvent::WaitingForCard { fallback, .. } => progress(prompt(if fallback {
                        "CHIP ERROR - PLEASE SWIPE"
                    } else {
                        "INSERT, TAP OR SWIPE CARD"
                    })),
                    ReaderEvent::CardInserted => progress(prompt("CARD INSERTED")),
                    ReaderEvent::CardSwiped => progress(prompt("CARD SWIPED")),
                    ReaderEvent::CardTapped => progress(prompt("CARD TAPPED")),
                    ReaderEvent::Message(text) => progress(CheckoutEvent::ReaderPrompt(text)),
                    ReaderEvent::Processing => progress(prompt("PROCESSING")),
                    ReaderEvent::RemoveCard => progress(prompt("REMOVE CARD")),
                    ReaderEvent::Failed(reason) => return Err(failure(&reason)),
                    ReaderEvent::TimedOut => {
                        return Err(Error::Reader(
                            "no card was presented before the reader's timeout".into(),
                        ));
                    }
                    ReaderEvent::Cancelled => {
                        return Err(Error::Reader("the transaction was cancelled".into()));
                    }
                    ReaderEvent::Completed(_) => {
                        return Err(Error::Reader(
                            "the card finished the transaction offline, without the host".into(),
                        ));
                    }
                    _ => {}
                }
            }
        })
    }

    fn complete<'a>(&'a mut self, answer: HostResponse) -> ReaderFuture<'a, ReaderOutcome> {
        Box::pin(async move {
            let now = self.now();
            let Some(txn) = self.txn.as_mut() else {
                return Err(Error::Reader("no transaction to complete".to_owned()));
            };
            txn.complete(&answer, now)
                .map_err(|e| Error::Reader(e.to_string()))?;
            loop {
                match self.next_event().await? {
                    ReaderEvent::Completed(outcome) => return Ok(ReaderOutcome::from(&outcome)),
                    ReaderEvent::Failed(reason) => return Err(failure(&reason)),
                    ReaderEvent::TimedOut | ReaderEvent::Cancelled => {
                        return Err(Error::Reader(
                            "the reader did not finish the transaction".into(),
                        ));
                    }
                    _ => {}
                }
            }
        })
    }
}
