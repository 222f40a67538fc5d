//! The reader over the app's own Bluetooth stack (CoreBluetooth, `android.bluetooth`).
//!
//! The app implements [`BleTransport`] (write to the reader's data characteristic, the usable
//! write size, reconnect, disconnect) and reports what its stack sees to a [`BleLink`]
//! (notifications, connected, disconnected, write failures). The [`BleLink`] is a
//! `cardpointe_reader::Link`, so the reader session of `cardpointe-reader` — the pump around
//! `cardpointe_vp3300::Connection` — runs the whole conversation over it.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use cardpointe_reader::link::chunks;
use cardpointe_reader::{DisconnectReason, Link, LinkError, LinkFuture, LinkState};
use tokio::sync::{mpsc, watch};

/// How long [`Link::reconnect`] waits for the app to report [`BleLink::on_connected`].
const RECONNECT_LIMIT: Duration = Duration::from_secs(20);

/// What the app's Bluetooth adapter does for the SDK. Implement it over CoreBluetooth or
/// `android.bluetooth` (see docs/mobile/ for both); the reader's GATT service is 0x1820 and
/// its data characteristic 0x2A80 (write and notify).
///
/// Calls come from the SDK's own threads: return quickly (queue the work on your Bluetooth
/// queue or thread) and keep writes in the order they were given.
#[uniffi::export(with_foreign)]
pub trait BleTransport: Send + Sync {
    /// Writes `data` (at most [`BleTransport::max_write_size`] bytes) to the data
    /// characteristic, after every earlier write. A write that fails is reported with
    /// [`BleLink::on_write_failed`].
    fn write(&self, data: Vec<u8>);

    /// The largest write the link takes: the negotiated ATT MTU minus 3 (20 before any MTU
    /// exchange).
    fn max_write_size(&self) -> u32;

    /// Reconnects to the same reader after the link dropped (connect, discover services,
    /// subscribe to notifications), then reports [`BleLink::on_connected`].
    fn reconnect(&self);

    /// Disconnects from the reader (named `disconnect`, not `close`: the generated Kotlin
    /// classes are `AutoCloseable`, whose `close` frees the handle).
    fn disconnect(&self);

    /// The reader's battery level from the GATT Battery Service (0x2A19), when the unit
    /// exposes one and the app has read it; `None` otherwise.
    fn battery_percent(&self) -> Option<u8>;
}

struct Shared {
    transport: Arc<dyn BleTransport>,
    state: watch::Sender<LinkState>,
    /// Where notifications go: the session's link, once a session runs.
    notifications: Mutex<Option<mpsc::UnboundedSender<Bytes>>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The app's Bluetooth connection to one reader, as the SDK sees it. Create it with the app's
/// [`BleTransport`] once the reader is connected and subscribed, feed it what the stack
/// reports, and pass it to `connect_reader` as `ReaderSource::Bluetooth`.
#[derive(uniffi::Object)]
pub struct BleLink {
    shared: Arc<Shared>,
}

impl fmt::Debug for BleLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BleLink")
            .field("state", &*self.shared.state.borrow())
            .finish_non_exhaustive()
    }
}

#[uniffi::export]
impl BleLink {
    /// A link over `transport`, to a reader the app has connected and subscribed to.
    #[uniffi::constructor]
    #[must_use]
    pub fn new(transport: Arc<dyn BleTransport>) -> Arc<Self> {
        Arc::new(Self {
            shared: Arc::new(Shared {
                transport,
                state: watch::Sender::new(LinkState::Up),
                notifications: Mutex::new(None),
            }),
        })
    }

    /// A notification from the data characteristic, exactly as it arrived (part of a frame,
    /// a frame, or several).
    pub fn on_notification(&self, data: Vec<u8>) {
        if let Some(tx) = lock(&self.shared.notifications).as_ref() {
            let _ = tx.send(Bytes::from(data));
        }
    }

    /// The reader is connected and subscribed again (after [`BleTransport::reconnect`], or a
    /// reconnection of the app's own).
    pub fn on_connected(&self) {
        self.shared.state.send_replace(LinkState::Up);
    }

    /// The reader disconnected, or the Bluetooth stack dropped the link (out of range,
    /// switched off, Bluetooth turned off).
    pub fn on_disconnected(&self) {
        self.down(DisconnectReason::PeerDisconnected);
    }

    /// A write to the reader failed; the link can no longer be trusted. `detail` is the
    /// stack's own message (never card data: writes carry commands only).
    pub fn on_write_failed(&self, detail: String) {
        self.down(DisconnectReason::WriteFailed { detail });
    }
}

impl BleLink {
    fn down(&self, reason: DisconnectReason) {
        self.shared.state.send_if_modified(|state| {
            let up = *state == LinkState::Up;
            if up {
                *state = LinkState::Down(reason);
            }
            up
        });
    }

    /// The `cardpointe_reader::Link` a reader session runs on; notifications go to the newest.
    pub(crate) fn open(&self) -> SessionLink {
        let (tx, rx) = mpsc::unbounded_channel();
        *lock(&self.shared.notifications) = Some(tx);
        SessionLink {
            shared: Arc::clone(&self.shared),
            rx,
        }
    }
}

/// A [`BleLink`] as a reader session's `Link`.
pub(crate) struct SessionLink {
    shared: Arc<Shared>,
    rx: mpsc::UnboundedReceiver<Bytes>,
}

impl fmt::Debug for SessionLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionLink")
            .field("state", &*self.shared.state.borrow())
            .finish_non_exhaustive()
    }
}

impl SessionLink {
    fn down_reason(&self) -> Option<DisconnectReason> {
        match &*self.shared.state.borrow() {
            LinkState::Down(reason) => Some(reason.clone()),
            _ => None,
        }
    }

    async fn next(&mut self) -> Result<Bytes, LinkError> {
        let mut state = self.shared.state.subscribe();
        loop {
            if let LinkState::Down(reason) = &*state.borrow_and_update() {
                return Err(LinkError::Disconnected(reason.clone()));
            }
            tokio::select! {
                received = self.rx.recv() => {
                    return received.ok_or(LinkError::Disconnected(DisconnectReason::NotificationsEnded));
                }
                changed = state.changed() => {
                    if changed.is_err() {
                        return Err(LinkError::Disconnected(DisconnectReason::NotificationsEnded));
                    }
                }
            }
        }
    }

    async fn reconnect_now(&mut self) -> Result<(), LinkError> {
        let mut state = self.shared.state.subscribe();
        // What the reader said before the link dropped belongs to no conversation any more.
        while self.rx.try_recv().is_ok() {}
        self.shared.transport.reconnect();
        let up = tokio::time::timeout(
            RECONNECT_LIMIT,
            state.wait_for(|state| *state == LinkState::Up),
        )
        .await;
        match up {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(_)) => Err(LinkError::Disconnected(
                DisconnectReason::NotificationsEnded,
            )),
            Err(_) => Err(LinkError::Timeout {
                operation: "reconnecting over the app's Bluetooth",
                millis: u64::try_from(RECONNECT_LIMIT.as_millis()).unwrap_or(u64::MAX),
            }),
        }
    }
}

impl Link for SessionLink {
    fn write_size(&self) -> usize {
        usize::try_from(self.shared.transport.max_write_size())
            .unwrap_or(usize::MAX)
            .max(1)
    }

    fn write<'a>(&'a mut self, bytes: &'a [u8]) -> LinkFuture<'a, Result<(), LinkError>> {
        Box::pin(async move {
            if let Some(reason) = self.down_reason() {
                return Err(LinkError::Disconnected(reason));
            }
            for chunk in chunks(bytes, self.write_size()) {
                self.shared.transport.write(chunk.to_vec());
            }
            Ok(())
        })
    }

    fn recv(&mut self) -> LinkFuture<'_, Result<Bytes, LinkError>> {
        Box::pin(self.next())
    }

    fn state(&self) -> watch::Receiver<LinkState> {
        self.shared.state.subscribe()
    }

    fn reconnect(&mut self) -> LinkFuture<'_, Result<(), LinkError>> {
        Box::pin(self.reconnect_now())
    }

    fn close(&mut self) -> LinkFuture<'_, Result<(), LinkError>> {
        Box::pin(async move {
            self.shared.transport.disconnect();
            self.shared
                .state
                .send_replace(LinkState::Down(DisconnectReason::ClosedByHost));
            Ok(())
        })
    }

    fn battery_percent(&mut self) -> LinkFuture<'_, Option<u8>> {
        let level = self.shared.transport.battery_percent();
        Box::pin(async move { level })
    }
}
