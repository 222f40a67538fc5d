//! The facade's error: what kept a call from producing an answer. Declines are not errors.

use cardpointe_types::{EncodeError, ParseError, ValueError};

/// Why a call produced no usable answer.
///
/// Gateway declines, retries (`respstat` B) and "not found" answers are ordinary values in the
/// responses; this type covers what is left: the transport (configuration, connection,
/// timeout, HTTP status), unreadable answers, invalid values, CardSecure refusals and the card
/// reader. Before resending anything that moves money, ask [`Error::maybe_sent`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The HTTPS layer failed (its message says what to check).
    #[error(transparent)]
    Transport(#[from] cardpointe_transport::Error),
    /// The gateway answered HTTP 2xx with a body that is not what the endpoint sends.
    #[error("{0}; the request was processed, so look the transaction up before repeating it")]
    Parse(#[from] ParseError),
    /// The request could not be written.
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// A value (merchant id, amount, order id …) is not valid.
    #[error("invalid value: {0}")]
    Value(#[from] ValueError),
    /// CardSecure refused or could not tokenize the card.
    #[cfg(feature = "cardsecure")]
    #[error("tokenization failed: {0}")]
    CardSecure(#[from] cardpointe_cardsecure::Error),
    /// The card reader failed or the card could not be read.
    #[error("card reader: {0}")]
    Reader(String),
}

impl Error {
    /// Whether the request may have reached the gateway and been acted on: `true` for
    /// timeouts, connections lost in flight, 5xx and unreadable 2xx answers. Never resend a
    /// payment when this is `true`; recover by order id instead (see
    /// [`Gateway::auth`](crate::Gateway::auth), which does it for you).
    #[must_use]
    pub fn maybe_sent(&self) -> bool {
        match self {
            Self::Transport(e) => e.maybe_sent(),
            Self::Parse(_) => true,
            #[cfg(feature = "cardsecure")]
            Self::CardSecure(cardpointe_cardsecure::Error::Transport(e)) => e.maybe_sent(),
            _ => false,
        }
    }

    /// The transport error inside, if this is one.
    #[must_use]
    pub fn transport(&self) -> Option<&cardpointe_transport::Error> {
        match self {
            Self::Transport(e) => Some(e),
            _ => None,
        }
    }
}
