//! [`VirtualLink`]: a [`Link`] to the virtual VP3300 of `cardpointe-vp3300-sim`, in process.
//!
//! The device model is sans-IO; this link gives it a clock (tokio's, so paused-time tests
//! run instantly) and the shape of a BLE link: writes cut into chunks of the write size, and
//! notifications of at most the device's notification size, exactly as the model emits them.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use cardpointe_vp3300_sim::{DeviceConfig, DeviceLinkEvent, VirtualVp3300};
use tokio::sync::{Notify, mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::link::{DisconnectReason, Link, LinkError, LinkFuture, LinkState, chunks};

struct Shared {
    device: VirtualVp3300,
    /// Where notifications go; replaced on reconnect.
    tx: Option<mpsc::UnboundedSender<Bytes>>,
}

/// A [`Link`] to an in-process [`VirtualVp3300`].
pub struct VirtualLink {
    shared: Arc<Mutex<Shared>>,
    epoch: Instant,
    write_size: usize,
    rx: mpsc::UnboundedReceiver<Bytes>,
    state: Arc<watch::Sender<LinkState>>,
    wake: Arc<Notify>,
    clock: JoinHandle<()>,
}

impl fmt::Debug for VirtualLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VirtualLink")
            .field("write_size", &self.write_size)
            .field("state", &*self.state.borrow())
            .finish_non_exhaustive()
    }
}

impl Drop for VirtualLink {
    fn drop(&mut self) {
        self.clock.abort();
    }
}

fn lock(shared: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    // A poisoned lock only means a test panicked while holding it; the data is still usable.
    shared
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Moves everything the device has to say to the host; notes a dropped link.
fn pump(shared: &mut Shared, state: &watch::Sender<LinkState>) {
    while let Some(notification) = shared.device.poll_notification() {
        if let Some(tx) = &shared.tx {
            let _ = tx.send(notification);
        }
    }
    while let Some(event) = shared.device.poll_link_event() {
        if event == DeviceLinkEvent::Disconnected {
            shared.tx = None;
            state.send_if_modified(|current| {
                let up = *current == LinkState::Up;
                if up {
                    *current = LinkState::Down(DisconnectReason::PeerDisconnected);
                }
                up
            });
        }
    }
}

impl VirtualLink {
    /// Powers on a virtual VP3300 built from `config` and connects to it. Must be called
    /// within a tokio runtime (a task runs the device's clock).
    #[must_use]
    pub fn new(config: DeviceConfig) -> Self {
        Self::with_device(VirtualVp3300::new(config))
    }

    /// Connects to an existing device model.
    #[must_use]
    pub fn with_device(device: VirtualVp3300) -> Self {
        let write_size = device.config().notification_size.max(1);
        let (tx, rx) = mpsc::unbounded_channel();
        let shared = Arc::new(Mutex::new(Shared {
            device,
            tx: Some(tx),
        }));
        let state = Arc::new(watch::Sender::new(LinkState::Up));
        let wake = Arc::new(Notify::new());
        let epoch = Instant::now();
        let clock = tokio::spawn(run_clock(
            Arc::clone(&shared),
            Arc::clone(&state),
            Arc::clone(&wake),
            epoch,
        ));
        Self {
            shared,
            epoch,
            write_size,
            rx,
            state,
            wake,
            clock,
        }
    }

    /// The advertised name the device would have over BLE.
    #[must_use]
    pub fn name(&self) -> String {
        lock(&self.shared).device.config().ble_name()
    }

    /// Runs `f` on the device model (for tests: queue a card, inspect what it received).
    pub fn with_device_mut<T>(&self, f: impl FnOnce(&mut VirtualVp3300) -> T) -> T {
        let mut shared = lock(&self.shared);
        let out = f(&mut shared.device);
        pump(&mut shared, &self.state);
        drop(shared);
        self.wake.notify_one();
        out
    }

    fn now(&self) -> Duration {
        self.epoch.elapsed()
    }

    fn is_up(&self) -> bool {
        *self.state.borrow() == LinkState::Up
    }

    fn down_reason(&self) -> DisconnectReason {
        match &*self.state.borrow() {
            LinkState::Down(reason) => reason.clone(),
            LinkState::Up => DisconnectReason::NotificationsEnded,
        }
    }

    fn write_now(&self, bytes: &[u8]) -> Result<(), LinkError> {
        if !self.is_up() {
            return Err(LinkError::Disconnected(self.down_reason()));
        }
        let now = self.now();
        let mut shared = lock(&self.shared);
        for chunk in chunks(bytes, self.write_size) {
            shared.device.receive(chunk, now);
            pump(&mut shared, &self.state);
            if shared.tx.is_none() {
                break;
            }
        }
        drop(shared);
        self.wake.notify_one();
        Ok(())
    }

    async fn next(&mut self) -> Result<Bytes, LinkError> {
        match self.rx.recv().await {
            Some(bytes) => Ok(bytes),
            None => Err(LinkError::Disconnected(self.down_reason())),
        }
    }

    fn reconnect_now(&mut self) -> Result<(), LinkError> {
        let (tx, rx) = mpsc::unbounded_channel();
        {
            let mut shared = lock(&self.shared);
            shared.device.reconnected();
            shared.tx = Some(tx);
        }
        self.rx = rx;
        self.state.send_replace(LinkState::Up);
        self.wake.notify_one();
        Ok(())
    }

    fn close_now(&mut self) {
        lock(&self.shared).tx = None;
        self.state
            .send_replace(LinkState::Down(DisconnectReason::ClosedByHost));
    }
}

/// Lets the device's time pass: card arrivals, its timeouts, slow answers.
async fn run_clock(
    shared: Arc<Mutex<Shared>>,
    state: Arc<watch::Sender<LinkState>>,
    wake: Arc<Notify>,
    epoch: Instant,
) {
    loop {
        let next = lock(&shared).device.poll_timeout();
        match next {
            Some(at) => {
                tokio::select! {
                    () = tokio::time::sleep_until(epoch + at) => {
                        let mut guard = lock(&shared);
                        let now = epoch.elapsed().max(at);
                        guard.device.handle_timeout(now);
                        pump(&mut guard, &state);
                    }
                    () = wake.notified() => {}
                }
            }
            None => wake.notified().await,
        }
    }
}

impl Link for VirtualLink {
    fn write_size(&self) -> usize {
        self.write_size
    }

    fn write<'a>(&'a mut self, bytes: &'a [u8]) -> LinkFuture<'a, Result<(), LinkError>> {
        Box::pin(async move { self.write_now(bytes) })
    }

    fn recv(&mut self) -> LinkFuture<'_, Result<Bytes, LinkError>> {
        Box::pin(self.next())
    }

    fn state(&self) -> watch::Receiver<LinkState> {
        self.state.subscribe()
    }

    fn reconnect(&mut self) -> LinkFuture<'_, Result<(), LinkError>> {
        Box::pin(async move { self.reconnect_now() })
    }

    fn close(&mut self) -> LinkFuture<'_, Result<(), LinkError>> {
        Box::pin(async move {
            self.close_now();
            Ok(())
        })
    }

    fn battery_percent(&mut self) -> LinkFuture<'_, Option<u8>> {
        let level = lock(&self.shared).device.battery_percent();
        Box::pin(async move { level })
    }
}
