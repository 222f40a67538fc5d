//! The connection status and the channel that publishes it, from discovery to disconnect.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::{broadcast, watch};

use crate::link::DisconnectReason;

/// The connection, as [`Discovery::status`](crate::Discovery::status) and
/// [`Reader::status`](crate::Reader::status) publish it. A typical life:
/// `NotConnected` → `Discovering` → `NotConnected` (readers found) → `Connecting` →
/// `Connected` → `NotConnected { reason }` (the link dropped) → `Reconnecting { attempt }` →
/// `Connected` → … → `NotConnected { reason: ClosedByHost }`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConnectionStatus {
    /// Not connected; `reason` says why when the link dropped or was closed.
    NotConnected {
        /// Why, if known.
        reason: Option<DisconnectReason>,
    },
    /// Looking for readers.
    Discovering,
    /// Connecting to a reader.
    Connecting,
    /// Connected and ready.
    Connected,
    /// The link dropped; reconnecting (attempt number, from 1).
    Reconnecting {
        /// Which attempt.
        attempt: u32,
    },
}

impl ConnectionStatus {
    /// Not connected, for no particular reason (before the first connection, after a
    /// discovery, after a cancelled connection).
    pub(crate) const IDLE: Self = Self::NotConnected { reason: None };
}

struct Channels {
    latest: watch::Sender<ConnectionStatus>,
    changes: broadcast::Sender<ConnectionStatus>,
    /// The attempt (discovery or connection) allowed to publish; older ones are muted.
    attempt: AtomicU64,
}

/// Publishes the status twice over: a [`watch`] with the latest value (what a UI shows) and a
/// [`broadcast`] of every change in order (what a log or a test wants; a watch coalesces
/// changes a slow observer missed).
///
/// Each discovery or connection attempt takes its own publisher ([`StatusPublisher::attempt`]);
/// only the newest may publish, so a session that is still shutting down after a cancelled
/// connection cannot overwrite the status of the next attempt.
#[derive(Clone)]
pub(crate) struct StatusPublisher {
    channels: Arc<Channels>,
    attempt: u64,
}

impl std::fmt::Debug for StatusPublisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StatusPublisher")
            .field("status", &*self.channels.latest.borrow())
            .finish_non_exhaustive()
    }
}

/// How many changes a slow `status_changes` receiver may fall behind before it lags.
const CHANGES_CAPACITY: usize = 64;

impl StatusPublisher {
    /// A channel that starts at `NotConnected { reason: None }`.
    pub(crate) fn new() -> Self {
        let (changes, _) = broadcast::channel(CHANGES_CAPACITY);
        Self {
            channels: Arc::new(Channels {
                latest: watch::Sender::new(ConnectionStatus::IDLE),
                changes,
                attempt: AtomicU64::new(0),
            }),
            attempt: 0,
        }
    }

    /// A publisher for a new attempt; every older publisher of this channel goes quiet.
    pub(crate) fn attempt(&self) -> Self {
        let attempt = self.channels.attempt.fetch_add(1, Ordering::SeqCst) + 1;
        Self {
            channels: Arc::clone(&self.channels),
            attempt,
        }
    }

    /// Publishes `status` if this is the newest attempt and the status changed.
    pub(crate) fn publish(&self, status: ConnectionStatus) {
        if self.channels.attempt.load(Ordering::SeqCst) != self.attempt {
            return;
        }
        let changed = self.channels.latest.send_if_modified(|current| {
            if *current == status {
                false
            } else {
                *current = status.clone();
                true
            }
        });
        if changed {
            // No receiver is fine: nobody is listening to the changes.
            let _ = self.channels.changes.send(status);
        }
    }

    /// The latest status.
    pub(crate) fn watch(&self) -> watch::Receiver<ConnectionStatus> {
        self.channels.latest.subscribe()
    }

    /// Every change from now on.
    pub(crate) fn changes(&self) -> broadcast::Receiver<ConnectionStatus> {
        self.channels.changes.subscribe()
    }
}
