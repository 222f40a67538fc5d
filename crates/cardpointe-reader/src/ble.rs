//! The VP3300 over Bluetooth LE, on btleplug (spec `vp3300-protocol.md` section 5.1).
//!
//! The reader advertises as `IDTECH-VP3300-nnnnn` with service 0x1820 and carries the NEO 2
//! frame bytes, unframed, over one characteristic, 0x2A80: the host writes to it and the reader
//! notifies on it. [`scan`] finds readers, [`BleLink::connect`] connects, discovers 0x2A80 (in
//! whichever service holds it, as ID TECH's own SDK does), subscribes to notifications *before*
//! anything is written, and then moves bytes: writes in chunks of the usable size, notifications
//! passed on exactly as they arrive. A disconnect is noticed from the adapter's events, from the
//! notification stream ending, or from a failed write; [`Link::reconnect`] then takes a fresh
//! peripheral handle from the adapter and a fresh subscription, because btleplug's old streams
//! can go quiet after a reconnect.
//!
//! Everything is generic over btleplug's own [`Central`] and [`Peripheral`] traits, so the code
//! that runs against a real reader is the code the tests run against an in-test device.

use std::fmt;
use std::future::poll_fn;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use btleplug::api::bleuuid::uuid_from_u16;
use btleplug::api::{
    Central, CentralEvent, CentralState, CharPropFlags, Characteristic, Manager as _, Peripheral,
    ScanFilter, WriteType,
};
use btleplug::platform::PeripheralId;
use bytes::Bytes;
use futures_core::Stream;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::link::{DisconnectReason, Link, LinkError, LinkFuture, LinkState, chunks};

/// The service the VP3300 advertises (16-bit UUID 0x1820); scans filter on it.
pub const VP3300_SERVICE: Uuid = uuid_from_u16(0x1820);
/// The VP3300 data characteristic (16-bit UUID 0x2A80): host writes and reader notifications.
pub const VP3300_DATA_CHARACTERISTIC: Uuid = uuid_from_u16(0x2A80);
/// The standard GATT Battery Level characteristic (0x2A19), read when a unit exposes it.
pub const BATTERY_LEVEL: Uuid = uuid_from_u16(0x2A19);
/// The advertised name prefix; the rest is the last five digits of the serial number.
pub const VP3300_NAME_PREFIX: &str = "IDTECH-VP3300-";
/// The write size that is always safe: a 23-byte default ATT MTU less the 3-byte ATT header.
/// ID TECH's SDK never negotiates a larger MTU for the VP3300 and always writes 20 bytes.
pub const SAFE_WRITE_SIZE: usize = 20;

/// How large each GATT write is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WriteSize {
    /// A fixed number of bytes per write (default [`SAFE_WRITE_SIZE`], as ID TECH's SDK does).
    Fixed(usize),
    /// The negotiated ATT MTU less 3, never below [`SAFE_WRITE_SIZE`]. Larger writes are
    /// unverified on real VP3300 units (spec section 5.1), hence opt-in.
    NegotiatedMtu,
}

/// Options for scanning for and talking to a VP3300 over BLE.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct BleOptions {
    /// Only peripherals whose advertised name starts with this are readers (default
    /// [`VP3300_NAME_PREFIX`]). Service 0x1820 alone is not enough: it is also the standard
    /// Internet Protocol Support service.
    pub name_prefix: String,
    /// How long a scan listens for advertisements.
    pub scan_time: Duration,
    /// Limit for reaching the platform's Bluetooth stack (D-Bus/BlueZ on Linux).
    pub stack_timeout: Duration,
    /// Limit for connecting, discovering services and subscribing.
    pub connect_timeout: Duration,
    /// Limit for one GATT write.
    pub write_timeout: Duration,
    /// Size of each GATT write.
    pub write_size: WriteSize,
    /// Pause between two chunks of one frame. ID TECH's SDK waits about 50 ms; acknowledged
    /// writes already pace the link, so the default is no pause.
    pub chunk_gap: Duration,
}

impl Default for BleOptions {
    fn default() -> Self {
        Self {
            name_prefix: VP3300_NAME_PREFIX.to_owned(),
            scan_time: Duration::from_secs(5),
            stack_timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(10),
            write_timeout: Duration::from_secs(3),
            write_size: WriteSize::Fixed(SAFE_WRITE_SIZE),
            chunk_gap: Duration::ZERO,
        }
    }
}

/// A reader found by [`scan`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct FoundReader<P> {
    /// The peripheral, ready for [`BleLink::connect`].
    pub peripheral: P,
    /// Its advertised name, e.g. `IDTECH-VP3300-12345`.
    pub name: String,
    /// Signal strength of the last advertisement, in dBm, when the stack reports it.
    pub rssi: Option<i16>,
}

/// The platform's first Bluetooth adapter, or [`LinkError::NoBluetooth`] at once when there is
/// no Bluetooth stack, no adapter, or the adapter is off. Never hangs: every step is bounded by
/// `options.stack_timeout`.
///
/// # Errors
/// [`LinkError::NoBluetooth`] as described; [`LinkError::Timeout`] never (a stack that does not
/// answer in time is reported as no Bluetooth).
pub async fn platform_adapter(
    options: &BleOptions,
) -> Result<btleplug::platform::Adapter, LinkError> {
    let limit = options.stack_timeout;
    let no_bluetooth = |detail: String| LinkError::NoBluetooth { detail };
    let manager = tokio::time::timeout(limit, btleplug::platform::Manager::new())
        .await
        .map_err(|_| {
            no_bluetooth(format!(
                "the Bluetooth stack did not answer within {} ms",
                limit.as_millis()
            ))
        })?
        .map_err(|e| no_bluetooth(format!("cannot reach the Bluetooth stack ({e})")))?;
    let adapters = tokio::time::timeout(limit, manager.adapters())
        .await
        .map_err(|_| no_bluetooth("listing Bluetooth adapters timed out".to_owned()))?
        .map_err(|e| no_bluetooth(format!("cannot list Bluetooth adapters ({e})")))?;
    let adapter = adapters
        .into_iter()
        .next()
        .ok_or_else(|| no_bluetooth("the Bluetooth stack reports no adapter".to_owned()))?;
    if let Ok(Ok(CentralState::PoweredOff)) =
        tokio::time::timeout(limit, adapter.adapter_state()).await
    {
        return Err(no_bluetooth(
            "the Bluetooth adapter is powered off".to_owned(),
        ));
    }
    Ok(adapter)
}

/// Scans `adapter` for VP3300 readers for `options.scan_time`: the scan filters on service
/// 0x1820 and a peripheral counts when its advertised name starts with `options.name_prefix`.
/// Readers are returned strongest signal first.
///
/// # Errors
/// [`LinkError::Bluetooth`] when the adapter refuses to scan.
pub async fn scan<C: Central>(
    adapter: &C,
    options: &BleOptions,
) -> Result<Vec<FoundReader<C::Peripheral>>, LinkError> {
    let filter = ScanFilter {
        services: vec![VP3300_SERVICE],
    };
    bounded(
        options.stack_timeout,
        "starting a scan",
        adapter.start_scan(filter),
    )
    .await?
    .map_err(LinkError::ble("start scan"))?;
    tokio::time::sleep(options.scan_time).await;
    let peripherals = bounded(
        options.stack_timeout,
        "listing peripherals",
        adapter.peripherals(),
    )
    .await?
    .map_err(LinkError::ble("list peripherals"));
    // Stop scanning whatever happened; a failure to stop is not worth failing the scan for.
    let _ = bounded(
        options.stack_timeout,
        "stopping a scan",
        adapter.stop_scan(),
    )
    .await;
    let mut found = Vec::new();
    for peripheral in peripherals? {
        let Ok(Ok(Some(properties))) = bounded(
            options.stack_timeout,
            "reading advertisement",
            peripheral.properties(),
        )
        .await
        else {
            continue;
        };
        let name = properties
            .local_name
            .or(properties.advertisement_name)
            .unwrap_or_default();
        if name.starts_with(&options.name_prefix) {
            found.push(FoundReader {
                peripheral,
                name,
                rssi: properties.rssi,
            });
        }
    }
    found.sort_by_key(|reader| std::cmp::Reverse(reader.rssi.unwrap_or(i16::MIN)));
    Ok(found)
}

type Notifications = Pin<Box<dyn Stream<Item = btleplug::api::ValueNotification> + Send>>;
type Events = Pin<Box<dyn Stream<Item = CentralEvent> + Send>>;

/// One connection: the peripheral handle, its data characteristic and the task that forwards
/// its notifications.
struct Session<P> {
    peripheral: P,
    characteristic: Characteristic,
    write_type: WriteType,
    write_size: usize,
    notifications: mpsc::UnboundedReceiver<Bytes>,
    pump: JoinHandle<()>,
}

impl<P> Drop for Session<P> {
    fn drop(&mut self) {
        self.pump.abort();
    }
}

/// A [`Link`] to a VP3300 over BLE.
pub struct BleLink<C: Central> {
    adapter: C,
    id: PeripheralId,
    name: String,
    options: BleOptions,
    session: Option<Session<C::Peripheral>>,
    state: Arc<watch::Sender<LinkState>>,
}

impl<C: Central> fmt::Debug for BleLink<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BleLink")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("state", &*self.state.borrow())
            .finish_non_exhaustive()
    }
}

impl<C: Central + 'static> BleLink<C> {
    /// Connects to `reader` through `adapter`: connect, discover services, find
    /// characteristic 0x2A80, subscribe to its notifications, and only then return a link that
    /// may write.
    ///
    /// # Errors
    /// [`LinkError::Timeout`] past `options.connect_timeout`, [`LinkError::Bluetooth`] when the
    /// stack refuses a step, [`LinkError::MissingCharacteristic`] when the peripheral is not a
    /// VP3300.
    pub async fn connect(
        adapter: C,
        reader: FoundReader<C::Peripheral>,
        options: BleOptions,
    ) -> Result<Self, LinkError> {
        let id = reader.peripheral.id();
        let state = Arc::new(watch::Sender::new(LinkState::Down(
            DisconnectReason::ClosedByHost,
        )));
        let mut link = Self {
            adapter,
            id,
            name: reader.name,
            options,
            session: None,
            state,
        };
        link.establish(reader.peripheral).await?;
        Ok(link)
    }

    /// The reader's advertised name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The platform's identifier of the reader (stable per host, not across hosts).
    #[must_use]
    pub fn id(&self) -> &PeripheralId {
        &self.id
    }

    async fn establish(&mut self, peripheral: C::Peripheral) -> Result<(), LinkError> {
        self.session = None;
        let limit = self.options.connect_timeout;
        // Listen for adapter events before connecting so no disconnect can slip between.
        let events: Option<Events> = bounded(
            limit,
            "subscribing to adapter events",
            self.adapter.events(),
        )
        .await?
        .ok();
        if !bounded(limit, "checking the connection", peripheral.is_connected())
            .await?
            .unwrap_or(false)
        {
            bounded(limit, "connecting", peripheral.connect())
                .await?
                .map_err(LinkError::ble("connect"))?;
        }
        bounded(
            limit,
            "discovering services",
            peripheral.discover_services(),
        )
        .await?
        .map_err(LinkError::ble("discover services"))?;
        let characteristic = peripheral
            .characteristics()
            .into_iter()
            .find(|c| {
                c.uuid == VP3300_DATA_CHARACTERISTIC
                    && c.properties
                        .intersects(CharPropFlags::NOTIFY | CharPropFlags::INDICATE)
                    && c.properties
                        .intersects(CharPropFlags::WRITE | CharPropFlags::WRITE_WITHOUT_RESPONSE)
            })
            .ok_or(LinkError::MissingCharacteristic {
                characteristic: VP3300_DATA_CHARACTERISTIC,
            })?;
        // ID TECH's SDK uses the characteristic's default write type, which is acknowledged
        // writes whenever the characteristic supports them.
        let write_type = if characteristic.properties.contains(CharPropFlags::WRITE) {
            WriteType::WithResponse
        } else {
            WriteType::WithoutResponse
        };
        // Take the stream first, then subscribe: nothing the reader says after the CCCD write
        // can be lost, and the first frame is written only after both.
        let notifications = bounded(limit, "opening notifications", peripheral.notifications())
            .await?
            .map_err(LinkError::ble("open notifications"))?;
        bounded(limit, "subscribing", peripheral.subscribe(&characteristic))
            .await?
            .map_err(LinkError::ble("subscribe"))?;
        let write_size = match self.options.write_size {
            WriteSize::Fixed(size) => size.max(1),
            WriteSize::NegotiatedMtu => usize::from(peripheral.mtu())
                .saturating_sub(3)
                .max(SAFE_WRITE_SIZE),
        };
        let (tx, rx) = mpsc::unbounded_channel();
        let pump = tokio::spawn(pump(
            notifications,
            events,
            peripheral.id(),
            tx,
            Arc::clone(&self.state),
        ));
        self.state.send_replace(LinkState::Up);
        self.session = Some(Session {
            peripheral,
            characteristic,
            write_type,
            write_size,
            notifications: rx,
            pump,
        });
        Ok(())
    }

    fn down_reason(&self) -> DisconnectReason {
        match &*self.state.borrow() {
            LinkState::Down(reason) => reason.clone(),
            LinkState::Up => DisconnectReason::NotificationsEnded,
        }
    }

    fn mark_down(&self, reason: DisconnectReason) {
        mark_down(&self.state, reason);
    }

    async fn write_chunks(&mut self, bytes: &[u8]) -> Result<(), LinkError> {
        let reason = self.down_reason();
        let gap = self.options.chunk_gap;
        let limit = self.options.write_timeout;
        let Some(session) = self.session.as_ref() else {
            return Err(LinkError::Disconnected(reason));
        };
        if *self.state.borrow() != LinkState::Up {
            return Err(LinkError::Disconnected(reason));
        }
        for (index, chunk) in chunks(bytes, session.write_size).enumerate() {
            if index > 0 && !gap.is_zero() {
                tokio::time::sleep(gap).await;
            }
            let written = bounded(
                limit,
                "a GATT write",
                session
                    .peripheral
                    .write(&session.characteristic, chunk, session.write_type),
            )
            .await;
            let failure = match written {
                Ok(Ok(())) => continue,
                Ok(Err(btleplug::Error::NotConnected)) => DisconnectReason::PeerDisconnected,
                Ok(Err(e)) => DisconnectReason::WriteFailed {
                    detail: e.to_string(),
                },
                Err(e) => DisconnectReason::WriteFailed {
                    detail: e.to_string(),
                },
            };
            self.mark_down(failure.clone());
            return Err(LinkError::Disconnected(failure));
        }
        Ok(())
    }

    async fn next_notification(&mut self) -> Result<Bytes, LinkError> {
        let received = match self.session.as_mut() {
            Some(session) => session.notifications.recv().await,
            None => None,
        };
        received.ok_or_else(|| LinkError::Disconnected(self.down_reason()))
    }

    async fn reconnect_now(&mut self) -> Result<(), LinkError> {
        self.session = None;
        let limit = self.options.connect_timeout;
        // A fresh handle: btleplug's streams on the old one can stay silent after a reconnect.
        let peripheral = bounded(
            limit,
            "finding the reader again",
            self.adapter.peripheral(&self.id),
        )
        .await?
        .map_err(LinkError::ble("find peripheral"))?;
        self.establish(peripheral).await
    }

    /// Reads the GATT Battery Level (0x2A19) if the reader exposes it.
    async fn read_battery(&mut self) -> Option<u8> {
        let session = self.session.as_ref()?;
        let level = session
            .peripheral
            .characteristics()
            .into_iter()
            .find(|c| c.uuid == BATTERY_LEVEL && c.properties.contains(CharPropFlags::READ))?;
        let value = bounded(
            self.options.write_timeout,
            "reading the battery level",
            session.peripheral.read(&level),
        )
        .await
        .ok()?
        .ok()?;
        value.first().copied().filter(|percent| *percent <= 100)
    }

    async fn close_now(&mut self) -> Result<(), LinkError> {
        let limit = self.options.connect_timeout;
        if let Some(session) = self.session.take() {
            session.pump.abort();
            self.state
                .send_replace(LinkState::Down(DisconnectReason::ClosedByHost));
            // Best effort: the reader may already be gone.
            let _ = bounded(
                limit,
                "unsubscribing",
                session.peripheral.unsubscribe(&session.characteristic),
            )
            .await;
            bounded(limit, "disconnecting", session.peripheral.disconnect())
                .await?
                .map_err(LinkError::ble("disconnect"))?;
        } else {
            self.state
                .send_replace(LinkState::Down(DisconnectReason::ClosedByHost));
        }
        Ok(())
    }
}

impl<C: Central + 'static> Link for BleLink<C> {
    fn write_size(&self) -> usize {
        self.session
            .as_ref()
            .map_or(SAFE_WRITE_SIZE, |session| session.write_size)
    }

    fn write<'a>(&'a mut self, bytes: &'a [u8]) -> LinkFuture<'a, Result<(), LinkError>> {
        Box::pin(self.write_chunks(bytes))
    }

    fn recv(&mut self) -> LinkFuture<'_, Result<Bytes, LinkError>> {
        Box::pin(self.next_notification())
    }

    fn state(&self) -> watch::Receiver<LinkState> {
        self.state.subscribe()
    }

    fn reconnect(&mut self) -> LinkFuture<'_, Result<(), LinkError>> {
        Box::pin(self.reconnect_now())
    }

    fn close(&mut self) -> LinkFuture<'_, Result<(), LinkError>> {
        Box::pin(self.close_now())
    }

    fn battery_percent(&mut self) -> LinkFuture<'_, Option<u8>> {
        Box::pin(self.read_battery())
    }
}

/// Marks the link down unless it already is (the first reason wins).
fn mark_down(state: &watch::Sender<LinkState>, reason: DisconnectReason) {
    state.send_if_modified(|current| {
        if *current == LinkState::Up {
            *current = LinkState::Down(reason);
            true
        } else {
            false
        }
    });
}

/// Forwards notifications of the data characteristic to the link until the stream ends or the
/// adapter reports the reader disconnected.
async fn pump(
    mut notifications: Notifications,
    mut events: Option<Events>,
    id: PeripheralId,
    tx: mpsc::UnboundedSender<Bytes>,
    state: Arc<watch::Sender<LinkState>>,
) {
    loop {
        tokio::select! {
            notification = next(&mut notifications) => match notification {
                Some(n) if n.uuid == VP3300_DATA_CHARACTERISTIC => {
                    if tx.send(Bytes::from(n.value)).is_err() {
                        return;
                    }
                }
                Some(_) => {}
                None => {
                    mark_down(&state, DisconnectReason::NotificationsEnded);
                    return;
                }
            },
            event = next_event(&mut events) => match event {
                Some(CentralEvent::DeviceDisconnected(gone)) if gone == id => {
                    mark_down(&state, DisconnectReason::PeerDisconnected);
                    return;
                }
                Some(_) => {}
                // The adapter's event stream ended: keep forwarding, rely on the notifications.
                None => events = None,
            },
        }
    }
}

async fn next<S: Stream + Unpin + ?Sized>(stream: &mut S) -> Option<S::Item> {
    poll_fn(|cx| Pin::new(&mut *stream).poll_next(cx)).await
}

async fn next_event(events: &mut Option<Events>) -> Option<CentralEvent> {
    match events {
        Some(stream) => next(stream).await,
        None => std::future::pending().await,
    }
}

/// Runs `future` with a time limit, turning an overrun into [`LinkError::Timeout`].
async fn bounded<F: std::future::Future>(
    limit: Duration,
    operation: &'static str,
    future: F,
) -> Result<F::Output, LinkError> {
    tokio::time::timeout(limit, future)
        .await
        .map_err(|_| LinkError::Timeout {
            operation,
            millis: u64::try_from(limit.as_millis()).unwrap_or(u64::MAX),
        })
}
