//! The byte pipe between the host and a reader: the [`Link`] trait and what it reports.
//!
//! A link moves raw bytes only. It knows nothing of frames: the reader session feeds what
//! [`Link::recv`] returns into `cardpointe_vp3300::FrameDecoder`, which reassembles frames from
//! notifications cut anywhere (a notification may hold part of a frame, or the end of one frame
//! and the start of the next).

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;
use tokio::sync::watch;

/// A boxed future a [`Link`] returns; links are used as trait objects, so the trait is written
/// with boxed futures rather than `async fn`.
pub type LinkFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Why a link went down.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DisconnectReason {
    /// The host closed the link ([`Link::close`]).
    ClosedByHost,
    /// The reader (or the Bluetooth stack on its behalf) reported the connection gone: out of
    /// range, powered off, or its battery ran out.
    PeerDisconnected,
    /// The notification stream ended although nobody closed the link.
    NotificationsEnded,
    /// A write failed, so the link can no longer be trusted.
    WriteFailed {
        /// What the Bluetooth stack (or the virtual device) said.
        detail: String,
    },
}

impl fmt::Display for DisconnectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ClosedByHost => f.write_str("the host closed the link"),
            Self::PeerDisconnected => {
                f.write_str("the reader disconnected (out of range, switched off or battery empty)")
            }
            Self::NotificationsEnded => {
                f.write_str("the reader's notification stream ended without a disconnect event")
            }
            Self::WriteFailed { detail } => write!(f, "a write to the reader failed: {detail}"),
        }
    }
}

/// Whether a link is up, as a [`watch`] channel publishes it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LinkState {
    /// Connected and subscribed: writes and notifications flow.
    Up,
    /// Down, with the reason. [`Link::reconnect`] may bring it back.
    Down(DisconnectReason),
}

/// Errors of a link.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LinkError {
    /// The machine has no usable Bluetooth stack or adapter. Discovery fails with this at once
    /// rather than scanning forever.
    #[error(
        "no Bluetooth available: {detail}. Check that the machine has a Bluetooth adapter, that it \
         is powered on, and (on Linux) that bluetoothd and the D-Bus system bus are running; or \
         use the virtual reader"
    )]
    NoBluetooth {
        /// What the platform said.
        detail: String,
    },
    /// The reader has no GATT characteristic 0x2A80 (the VP3300 data characteristic).
    #[error(
        "the peripheral has no characteristic {characteristic} with write and notify; is it a \
         VP3300 BT?"
    )]
    MissingCharacteristic {
        /// The UUID looked for.
        characteristic: uuid::Uuid,
    },
    /// The link is down.
    #[error("the link to the reader is down: {0}")]
    Disconnected(DisconnectReason),
    /// A link operation took longer than allowed.
    #[error("{operation} did not finish within {millis} ms")]
    Timeout {
        /// What was being done.
        operation: &'static str,
        /// The limit, in milliseconds.
        millis: u64,
    },
    /// The Bluetooth stack refused an operation.
    #[error("Bluetooth {operation} failed: {source}")]
    Bluetooth {
        /// What was being done.
        operation: &'static str,
        /// btleplug's error.
        #[source]
        source: btleplug::Error,
    },
}

impl LinkError {
    /// Wraps a btleplug error with the operation that failed.
    pub(crate) fn ble(operation: &'static str) -> impl FnOnce(btleplug::Error) -> Self {
        move |source| Self::Bluetooth { operation, source }
    }

    /// Whether this error means the link is down (and a reconnect may help).
    #[must_use]
    pub fn is_disconnect(&self) -> bool {
        matches!(self, Self::Disconnected(_))
    }
}

/// A byte pipe to one reader: writes, a stream of received notifications, a disconnect signal
/// and the usable write size.
///
/// Implementations: [`BleLink`](crate::ble::BleLink) over btleplug and
/// `VirtualLink` (feature `simulator`) to the in-process virtual VP3300.
pub trait Link: Send + fmt::Debug {
    /// The largest number of bytes one write to the reader may carry; [`Link::write`] splits
    /// longer buffers into chunks of at most this size.
    fn write_size(&self) -> usize;

    /// Writes `bytes` (usually one encoded frame) to the reader, in chunks of at most
    /// [`Link::write_size`] bytes, in order.
    fn write<'a>(&'a mut self, bytes: &'a [u8]) -> LinkFuture<'a, Result<(), LinkError>>;

    /// The next notification from the reader, exactly as it arrived (part of a frame, a whole
    /// frame, or several). Fails with [`LinkError::Disconnected`] once the link is down.
    /// Must be cancel-safe: dropping the future before it completes loses nothing.
    fn recv(&mut self) -> LinkFuture<'_, Result<Bytes, LinkError>>;

    /// A watch of the link state; it changes to [`LinkState::Down`] the moment a disconnect is
    /// noticed, even when nobody is reading.
    fn state(&self) -> watch::Receiver<LinkState>;

    /// Brings a link that went down back up (for BLE: a fresh peripheral handle, connection,
    /// service discovery and subscription).
    fn reconnect(&mut self) -> LinkFuture<'_, Result<(), LinkError>>;

    /// Closes the link; the state becomes [`DisconnectReason::ClosedByHost`].
    fn close(&mut self) -> LinkFuture<'_, Result<(), LinkError>>;

    /// The reader's battery level in percent, when the link can tell. The NEO 2 protocol has
    /// no battery command for the VP3300 (spec section 4.1); BLE reads the standard GATT
    /// Battery Level (0x2A19) when the unit exposes it. Default: unknown.
    fn battery_percent(&mut self) -> LinkFuture<'_, Option<u8>> {
        Box::pin(async { None })
    }
}

/// Splits `bytes` into the chunks [`Link::write`] sends: at most `write_size` bytes each, at
/// least one byte each, in order. A `write_size` of 0 is treated as 1.
pub fn chunks(bytes: &[u8], write_size: usize) -> impl Iterator<Item = &[u8]> {
    bytes.chunks(write_size.max(1))
}
