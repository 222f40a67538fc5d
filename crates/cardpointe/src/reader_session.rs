//! [`ReaderSession`]: `cardpointe-reader`'s [`Reader`] as checkout's [`CardReader`], for a
//! VP3300 over Bluetooth LE or the emulator's virtual one alike.

use std::time::Duration;

use cardpointe_reader::{ConnectOptions, DiscoveredReader, Reader, ReaderEvent};
use cardpointe_types::ValueError;
use cardpointe_vp3300::TransactionRequest;
use cardpointe_vp3300::command::{HostResponse, Interfaces, Payment};

use crate::checkout::{CardReader, CheckoutEvent, ReaderFuture, TransactionOutcome};
use crate::{Amount, Error};

/// A connected reader, ready for [`Gateway::checkout`](crate::Gateway::checkout). Find it with
/// `cardpointe::reader` (a `Discovery` to watch the connection status from the scan on) and
/// connect with [`ReaderSession::connect`]; the virtual VP3300 of the example needs the
/// `reader-simulator` feature, a real reader over Bluetooth LE only `reader`.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use cardpointe::checkout::ReaderSession;
/// use cardpointe::reader::{DiscoveryOptions, Reader};
///
/// let found = Reader::discover(DiscoveryOptions::simulated()).await?;
/// let session = ReaderSession::connect(found.into_iter().next().ok_or("no reader")?).await?;
/// assert!(session.reader().info().firmware.is_some());
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct ReaderSession {
    reader: Reader,
    interfaces: Interfaces,
    card_timeout: Duration,
}

impl ReaderSession {
    /// Connects to a discovered reader (default [`ConnectOptions`]) and opens a session on it,
    /// offering every interface, 60 s for the card. For other connection options, connect with
    /// [`Reader::connect`] and use [`ReaderSession::new`].
    ///
    /// # Errors
    /// [`Error::Reader`] when the link cannot be set up or the reader does not answer.
    pub async fn connect(reader: DiscoveredReader) -> Result<Self, Error> {
        Ok(Self::new(
            Reader::connect(reader, ConnectOptions::default()).await?,
        ))
    }

    /// A session offering every interface (chip, contactless, swipe), 60 s for the card.
    #[must_use]
    pub fn new(reader: Reader) -> Self {
        Self {
            reader,
            interfaces: Interfaces::ALL,
            card_timeout: Duration::from_secs(60),
        }
    }

    /// The same session offering only these interfaces (with the chip slot open the VP3300
    /// runs the contact flow; a tap needs contactless without it).
    #[must_use]
    pub fn with_interfaces(mut self, interfaces: Interfaces) -> Self {
        self.interfaces = interfaces;
        self
    }

    /// The same session with another time for the customer to present the card.
    #[must_use]
    pub fn with_card_timeout(mut self, timeout: Duration) -> Self {
        self.card_timeout = timeout;
        self
    }

    /// The reader.
    #[must_use]
    pub fn reader(&self) -> &Reader {
        &self.reader
    }

    /// The reader back (to disconnect it).
    #[must_use]
    pub fn into_inner(self) -> Reader {
        self.reader
    }
}

fn prompt(event: &ReaderEvent) -> Option<String> {
    Some(match event {
        ReaderEvent::WaitingForCard { fallback: true, .. } => "CHIP ERROR - PLEASE SWIPE".into(),
        ReaderEvent::WaitingForCard { .. } => "INSERT, TAP OR SWIPE CARD".into(),
        ReaderEvent::CardInserted => "CARD INSERTED".into(),
        ReaderEvent::CardSwiped => "CARD SWIPED".into(),
        ReaderEvent::CardTapped => "CARD TAPPED".into(),
        ReaderEvent::Message(text) => text.clone(),
        ReaderEvent::Processing => "PROCESSING".into(),
        ReaderEvent::RemoveCard => "REMOVE CARD".into(),
        _ => return None,
    })
}

impl CardReader for ReaderSession {
    fn read_card<'a>(
        &'a mut self,
        amount: Amount,
        progress: &'a mut (dyn FnMut(CheckoutEvent) + Send),
    ) -> ReaderFuture<'a, cardpointe_vp3300::EncryptedCardData> {
        Box::pin(async move {
            let minor = u64::try_from(amount.minor_units()).map_err(|_| {
                Error::Value(ValueError::Range {
                    kind: "card-read amount (minor units)",
                    value: i128::from(amount.minor_units()),
                    min: 0,
                    max: i128::from(i64::MAX),
                })
            })?;
            let mut request =
                TransactionRequest::new(Payment::purchase_usd(minor), self.interfaces);
            request.card_timeout = self.card_timeout;
            let read = self.reader.read_card(request).await?;
            read.card_data_with(|event| {
                if let Some(text) = prompt(event) {
                    progress(CheckoutEvent::ReaderPrompt(text));
                }
            })
            .await
            .map_err(Error::from)
        })
    }

    fn complete<'a>(&'a mut self, answer: HostResponse) -> ReaderFuture<'a, TransactionOutcome> {
        Box::pin(async move {
            let outcome = self.reader.complete_online(answer).await?;
            Ok(outcome)
        })
    }
}
