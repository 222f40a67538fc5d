//! The reader's error type.

use cardpointe_vp3300::StatusCode;
use cardpointe_vp3300::command::ResponseError;
use cardpointe_vp3300::transaction::{FailureReason, TransactionError, TransactionOutcome};

use crate::link::{DisconnectReason, LinkError};

/// Errors of the reader API.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReaderError {
    /// The link failed (no Bluetooth, a GATT error, a missing characteristic ...).
    #[error(transparent)]
    Link(#[from] LinkError),
    /// The reader is not connected (it dropped, or was never reached again).
    #[error("the reader is not connected: {0}")]
    Disconnected(DisconnectReason),
    /// An operation did not finish in time.
    #[error("{operation} did not finish within {millis} ms")]
    Timeout {
        /// What was being done.
        operation: &'static str,
        /// The limit, in milliseconds.
        millis: u64,
    },
    /// A card read is already in progress; finish or cancel it first.
    #[error("a card read is already in progress; complete or cancel it first")]
    Busy,
    /// `complete_online` without a card read waiting for the host's answer.
    #[error(transparent)]
    Transaction(#[from] TransactionError),
    /// The reader answered a command with an error status.
    #[error("the reader answered command {command:02X} with status {status}")]
    Status {
        /// The command byte.
        command: u8,
        /// The status.
        status: StatusCode,
    },
    /// A reader's answer could not be read.
    #[error(transparent)]
    Response(#[from] ResponseError),
    /// The card read failed (card removed, chip error, reader busy, ...).
    #[error("the card read failed: {0:?}")]
    Failed(FailureReason),
    /// No card was presented (or the host did not answer) in time.
    #[error("no card was presented in time")]
    CardTimeout,
    /// The card read ended without card data to authorize: the card (a contactless one)
    /// decided offline. The outcome says how.
    #[error("the card decided offline (approved: {}) and there is no card data to authorize", .0.approved)]
    DecidedOffline(TransactionOutcome),
    /// The card read was cancelled.
    #[error("the card read was cancelled")]
    Cancelled,
    /// A discovery or connection was stopped with
    /// [`Discovery::cancel`](crate::Discovery::cancel), or a reconnection with
    /// [`Reader::cancel`](crate::Reader::cancel).
    #[error("the discovery or connection was cancelled; discover or connect again when ready")]
    ConnectionCancelled,
    /// The reader session has shut down (the `Reader` was disconnected or dropped).
    #[error("the reader session has ended")]
    Closed,
}

impl ReaderError {
    /// Whether the error means the reader is (for now) unreachable.
    #[must_use]
    pub fn is_disconnect(&self) -> bool {
        matches!(self, Self::Disconnected(_)) || matches!(self, Self::Link(e) if e.is_disconnect())
    }
}
