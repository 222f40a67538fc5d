//! Finding readers and connecting to one, with a status an app can watch from the start.

use std::fmt;
use std::sync::Arc;

use tokio::sync::{Notify, broadcast, watch};

use crate::ble::{self, BleLink, BleOptions, FoundReader};
use crate::error::ReaderError;
use crate::link::Link;
use crate::reader::{ConnectOptions, Reader};
use crate::status::{ConnectionStatus, StatusPublisher};
#[cfg(feature = "simulator")]
use cardpointe_vp3300_sim::DeviceConfig;

/// Where [`Discovery::discover`] looks.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum DiscoveryMethod {
    /// Scan Bluetooth LE for VP3300 readers.
    Bluetooth(BleOptions),
    /// A virtual VP3300 in process (`cardpointe-vp3300-sim`), set up by this configuration.
    /// Feature `simulator`.
    #[cfg(feature = "simulator")]
    Simulated(Box<DeviceConfig>),
}

/// What [`Discovery::discover`] does.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct DiscoveryOptions {
    /// Where to look.
    pub method: DiscoveryMethod,
}

impl DiscoveryOptions {
    /// Scan Bluetooth LE with the default options (5 s scan).
    #[must_use]
    pub fn bluetooth() -> Self {
        Self::bluetooth_with(BleOptions::default())
    }

    /// Scan Bluetooth LE with these options.
    #[must_use]
    pub fn bluetooth_with(options: BleOptions) -> Self {
        Self {
            method: DiscoveryMethod::Bluetooth(options),
        }
    }

    /// One virtual reader with the default configuration (UAT test cards). Feature `simulator`.
    #[cfg(feature = "simulator")]
    #[must_use]
    pub fn simulated() -> Self {
        Self::simulated_with(DeviceConfig::default())
    }

    /// One virtual reader set up by `config`. Feature `simulator`.
    #[cfg(feature = "simulator")]
    #[must_use]
    pub fn simulated_with(config: DeviceConfig) -> Self {
        Self {
            method: DiscoveryMethod::Simulated(Box::new(config)),
        }
    }
}

/// How a discovered reader is reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReaderKind {
    /// Over Bluetooth LE.
    Bluetooth,
    /// In process, simulated.
    Simulated,
}

#[allow(
    clippy::large_enum_variant,
    reason = "built once per discovered reader"
)]
enum Target {
    Ble {
        adapter: btleplug::platform::Adapter,
        found: FoundReader<btleplug::platform::Peripheral>,
        options: BleOptions,
    },
    #[cfg(feature = "simulator")]
    Simulated(Box<DeviceConfig>),
}

/// A reader [`Discovery::discover`] found; pass it to [`Discovery::connect`].
pub struct DiscoveredReader {
    name: String,
    kind: ReaderKind,
    rssi: Option<i16>,
    target: Target,
}

impl fmt::Debug for DiscoveredReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DiscoveredReader")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("rssi", &self.rssi)
            .finish_non_exhaustive()
    }
}

impl DiscoveredReader {
    /// Its advertised name, e.g. `IDTECH-VP3300-12345`.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// How it is reached.
    #[must_use]
    pub const fn kind(&self) -> ReaderKind {
        self.kind
    }

    /// Signal strength in dBm, for Bluetooth readers that report it.
    #[must_use]
    pub const fn rssi(&self) -> Option<i16> {
        self.rssi
    }
}

/// Discovery and connection with a status that exists before the reader does: an app
/// subscribes once and sees `Discovering`, `Connecting`, `Connected`, `Reconnecting` and
/// `NotConnected` (with the reason) as they happen, through [`Discovery::status`] (the latest
/// value) or [`Discovery::status_changes`] (every change, in order). The [`Reader`] it
/// connects publishes on the same channel.
///
/// [`Discovery::cancel`] stops a discovery or connection in progress. Clones share the
/// channel and the cancel signal. A `Discovery` follows one reader: its status is that of the
/// latest discovery or connection started through it.
///
/// ```no_run
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), cardpointe_reader::ReaderError> {
/// use cardpointe_reader::{ConnectOptions, Discovery, DiscoveryOptions};
///
/// let discovery = Discovery::new();
/// let mut status = discovery.status_changes();
/// tokio::spawn(async move {
///     while let Ok(status) = status.recv().await {
///         println!("reader: {status:?}");
///     }
/// });
/// let found = discovery.discover(DiscoveryOptions::bluetooth()).await?;
/// if let Some(first) = found.into_iter().next() {
///     let reader = discovery.connect(first, ConnectOptions::default()).await?;
///     println!("connected to {}", reader.info().name);
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Discovery {
    status: StatusPublisher,
    cancel: Arc<Notify>,
}

impl Default for Discovery {
    fn default() -> Self {
        Self::new()
    }
}

impl Discovery {
    /// A discovery whose status starts at `NotConnected { reason: None }`.
    #[must_use]
    pub fn new() -> Self {
        Self {
            status: StatusPublisher::new(),
            cancel: Arc::new(Notify::new()),
        }
    }

    /// A watch of the latest status.
    #[must_use]
    pub fn status(&self) -> watch::Receiver<ConnectionStatus> {
        self.status.watch()
    }

    /// Every status change from now on, in order (up to 64 behind before the receiver lags).
    #[must_use]
    pub fn status_changes(&self) -> broadcast::Receiver<ConnectionStatus> {
        self.status.changes()
    }

    /// Stops the discovery or connection in progress (it fails with
    /// [`ReaderError::ConnectionCancelled`] and the status returns to `NotConnected`). Does
    /// nothing when none runs; a connected reader is cancelled with [`Reader::cancel`] and
    /// closed with [`Reader::disconnect`].
    pub fn cancel(&self) {
        self.cancel.notify_waiters();
    }

    /// Finds readers: over Bluetooth LE (fails at once with
    /// [`LinkError::NoBluetooth`](crate::LinkError::NoBluetooth) where the machine has no
    /// Bluetooth), or the virtual VP3300 (feature `simulator`), through the same call. The
    /// status is `Discovering` meanwhile, then `NotConnected`.
    ///
    /// # Errors
    /// [`ReaderError::Link`] when Bluetooth is unavailable or the scan fails;
    /// [`ReaderError::ConnectionCancelled`] after [`Discovery::cancel`].
    pub async fn discover(
        &self,
        options: DiscoveryOptions,
    ) -> Result<Vec<DiscoveredReader>, ReaderError> {
        let cancelled = self.cancel.notified();
        tokio::pin!(cancelled);
        cancelled.as_mut().enable();
        let status = self.status.attempt();
        status.publish(ConnectionStatus::Discovering);
        let result = tokio::select! {
            found = discover(options) => found,
            () = cancelled => Err(ReaderError::ConnectionCancelled),
        };
        status.publish(ConnectionStatus::IDLE);
        result
    }

    /// Connects to a discovered reader and asks it for its firmware version and serial. The
    /// status is `Connecting` meanwhile, then `Connected` (or `NotConnected` on failure).
    ///
    /// # Errors
    /// [`ReaderError::Link`] when the link cannot be set up; [`ReaderError::Timeout`] when the
    /// reader does not answer; [`ReaderError::ConnectionCancelled`] after
    /// [`Discovery::cancel`].
    pub async fn connect(
        &self,
        reader: DiscoveredReader,
        options: ConnectOptions,
    ) -> Result<Reader, ReaderError> {
        let DiscoveredReader {
            name, kind, target, ..
        } = reader;
        self.connecting(options, move |options, status| async move {
            let link: Box<dyn Link> = match target {
                Target::Ble {
                    adapter,
                    found,
                    options: ble_options,
                } => Box::new(BleLink::connect(adapter, found, ble_options).await?),
                #[cfg(feature = "simulator")]
                Target::Simulated(config) => Box::new(crate::VirtualLink::new(*config)),
            };
            Reader::start(link, name, kind, options, status).await
        })
        .await
    }

    /// A reader session over a link you set up yourself (a [`BleLink`] on your own btleplug
    /// adapter, a `VirtualLink` on your own device model, ...), published on this
    /// discovery's status like [`Discovery::connect`].
    ///
    /// # Errors
    /// As [`Discovery::connect`].
    pub async fn connect_link(
        &self,
        link: Box<dyn Link>,
        name: String,
        kind: ReaderKind,
        options: ConnectOptions,
    ) -> Result<Reader, ReaderError> {
        self.connecting(options, move |options, status| {
            Reader::start(link, name, kind, options, status)
        })
        .await
    }

    async fn connecting<F, Fut>(
        &self,
        options: ConnectOptions,
        connect: F,
    ) -> Result<Reader, ReaderError>
    where
        F: FnOnce(ConnectOptions, StatusPublisher) -> Fut,
        Fut: Future<Output = Result<Reader, ReaderError>>,
    {
        let cancelled = self.cancel.notified();
        tokio::pin!(cancelled);
        cancelled.as_mut().enable();
        let status = self.status.attempt();
        status.publish(ConnectionStatus::Connecting);
        let result = tokio::select! {
            reader = connect(options, status.clone()) => reader,
            () = cancelled => Err(ReaderError::ConnectionCancelled),
        };
        if result.is_err() {
            // A half-built session may still be closing its link: mute it, so it cannot
            // publish over the status of whatever comes next.
            self.status.attempt().publish(ConnectionStatus::IDLE);
        }
        result
    }
}

async fn discover(options: DiscoveryOptions) -> Result<Vec<DiscoveredReader>, ReaderError> {
    match options.method {
        #[cfg(feature = "simulator")]
        DiscoveryMethod::Simulated(config) => Ok(vec![DiscoveredReader {
            name: config.ble_name(),
            kind: ReaderKind::Simulated,
            rssi: None,
            target: Target::Simulated(config),
        }]),
        DiscoveryMethod::Bluetooth(ble_options) => {
            let adapter = ble::platform_adapter(&ble_options).await?;
            let found = ble::scan(&adapter, &ble_options).await?;
            Ok(found
                .into_iter()
                .map(|found| DiscoveredReader {
                    name: found.name.clone(),
                    kind: ReaderKind::Bluetooth,
                    rssi: found.rssi,
                    target: Target::Ble {
                        adapter: adapter.clone(),
                        found,
                        options: ble_options.clone(),
                    },
                })
                .collect())
        }
    }
}
