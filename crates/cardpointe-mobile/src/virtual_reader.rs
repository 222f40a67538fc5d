//! The virtual VP3300 of `cardpointe-vp3300-sim`, for apps in a simulator or emulator and
//! their UI tests: as a whole reader (`ReaderSource::Virtual`), or as a virtual Bluetooth
//! peripheral ([`VirtualPeripheral`]) that the app's own [`BleTransport`](crate::BleTransport)
//! test double forwards bytes to, so the app's BLE glue runs too.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use cardpointe_reader::{Link, VirtualLink};
use cardpointe_vp3300_sim::{DeviceConfig, Entry, Presentation, TestCard, VirtualVp3300};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::reader::ReaderError;
use crate::runtime;

/// A test card of the CardPointe UAT environment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, uniffi::Enum)]
#[non_exhaustive]
pub enum TestCardKind {
    /// The UAT Visa that approves (chip, contactless and stripe).
    Visa,
    /// The UAT Mastercard that approves.
    Mastercard,
    /// The UAT American Express that approves.
    Amex,
    /// The UAT Discover that approves.
    Discover,
    /// A Visa the emulated gateway declines (do not honor).
    VisaDoNotHonor,
}

/// How the virtual customer presents the card.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, uniffi::Enum)]
#[non_exhaustive]
pub enum PresentMethod {
    /// The best way the reader offers (insert, then tap, then swipe).
    Best,
    /// Swiped.
    Swipe,
    /// Inserted.
    Insert,
    /// Tapped.
    Tap,
}

/// A card the virtual reader will be presented.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, uniffi::Record)]
#[allow(
    clippy::exhaustive_structs,
    reason = "a record the app builds field by field (Kotlin and Swift name every field)"
)]
pub struct VirtualCard {
    /// Which card.
    pub card: TestCardKind,
    /// How.
    pub method: PresentMethod,
    /// How long after the reader starts waiting it arrives, in milliseconds.
    #[uniffi(default = 50)]
    pub delay_ms: u64,
}

impl VirtualCard {
    /// The device model's presentation.
    pub(crate) fn to_presentation(self) -> Presentation {
        let card = match self.card {
            TestCardKind::Visa => TestCard::uat_visa(),
            TestCardKind::Mastercard => TestCard::uat_mastercard(),
            TestCardKind::Amex => TestCard::uat_amex(),
            TestCardKind::Discover => TestCard::uat_discover(),
            TestCardKind::VisaDoNotHonor => TestCard::uat_visa_do_not_honor(),
        };
        let presentation = match self.method {
            PresentMethod::Best => Presentation::best(card),
            PresentMethod::Swipe => Presentation::by(card, Entry::Swipe),
            PresentMethod::Insert => Presentation::by(card, Entry::Insert),
            PresentMethod::Tap => Presentation::by(card, Entry::Tap),
        };
        presentation.after(Duration::from_millis(self.delay_ms))
    }
}

/// What a [`VirtualPeripheral`] tells the central (the app's test double of its Bluetooth
/// adapter), as a BLE stack would.
#[uniffi::export(with_foreign)]
pub trait PeripheralObserver: Send + Sync {
    /// A notification on the data characteristic (at most 20 bytes, as the VP3300 sends them).
    fn on_notification(&self, data: Vec<u8>);
    /// The peripheral dropped the connection.
    fn on_disconnected(&self);
}

enum PeripheralCommand {
    Write(Vec<u8>),
    Present(Presentation),
}

/// The virtual VP3300 as a Bluetooth peripheral: what a central writes to it goes in with
/// [`VirtualPeripheral::write`], what it notifies comes out through the
/// [`PeripheralObserver`]. Its clock runs in real time (card arrivals, its timeouts).
#[derive(uniffi::Object)]
pub struct VirtualPeripheral {
    commands: mpsc::UnboundedSender<PeripheralCommand>,
    name: String,
    notification_size: u32,
    task: JoinHandle<()>,
}

impl fmt::Debug for VirtualPeripheral {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VirtualPeripheral")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl Drop for VirtualPeripheral {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[uniffi::export]
impl VirtualPeripheral {
    /// Powers on a virtual VP3300 that will be presented `cards`, in order, and connects
    /// `observer` to it.
    ///
    /// # Errors
    /// [`ReaderError::Runtime`] when the SDK's runtime cannot start.
    #[uniffi::constructor]
    pub fn new(
        cards: Vec<VirtualCard>,
        observer: Arc<dyn PeripheralObserver>,
    ) -> Result<Arc<Self>, ReaderError> {
        let device = VirtualVp3300::new(DeviceConfig::with_cards(
            cards.into_iter().map(VirtualCard::to_presentation),
        ));
        let name = device.config().ble_name();
        let notification_size =
            u32::try_from(device.config().notification_size.max(1)).unwrap_or(20);
        let (commands, mut rx) = mpsc::unbounded_channel();
        let task = runtime::spawn(async move {
            let mut link = VirtualLink::with_device(device);
            loop {
                tokio::select! {
                    command = rx.recv() => match command {
                        Some(PeripheralCommand::Write(bytes)) => {
                            if link.write(&bytes).await.is_err() {
                                observer.on_disconnected();
                                break;
                            }
                        }
                        Some(PeripheralCommand::Present(presentation)) => {
                            link.with_device_mut(|device| device.push_card(presentation));
                        }
                        None => break,
                    },
                    notification = link.recv() => match notification {
                        Ok(bytes) => observer.on_notification(bytes.to_vec()),
                        Err(_) => {
                            observer.on_disconnected();
                            break;
                        }
                    },
                }
            }
        })?;
        Ok(Arc::new(Self {
            commands,
            name,
            notification_size,
            task,
        }))
    }

    /// The name the peripheral advertises (`IDTECH-VP3300-…`).
    #[must_use]
    pub fn name(&self) -> String {
        self.name.clone()
    }

    /// The largest notification (and write) the peripheral takes, in bytes.
    #[must_use]
    pub fn notification_size(&self) -> u32 {
        self.notification_size
    }

    /// What the central wrote to the data characteristic.
    pub fn write(&self, data: Vec<u8>) {
        let _ = self.commands.send(PeripheralCommand::Write(data));
    }

    /// Queues one more card for the imaginary customer to present.
    pub fn present_card(&self, card: VirtualCard) {
        let _ = self
            .commands
            .send(PeripheralCommand::Present(card.to_presentation()));
    }
}
