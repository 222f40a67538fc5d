//! The facade's error: what kept a call from producing an answer. Declines are not errors.

use std::error::Error as StdError;

use cardpointe_types::ValueError;

/// Why a call produced no usable answer.
///
/// Gateway declines, retries (`respstat` B) and "not found" answers are ordinary values in the
/// responses; this type covers what is left, each case keeping the typed error of the layer it
/// came from: the transport (configuration, connection, timeout, HTTP status, an unreadable
/// answer), invalid values, CardSecure refusals and the card reader. The `Display` text says
/// which layer failed; the layer's own error, with what to fix, is the
/// [`source`](std::error::Error::source) (print the chain, as `{:#}` of `anyhow` does, or
/// match the variant). No `Display` in the chain quotes a request or response body.
///
/// Before resending anything that moves money, ask [`Error::maybe_sent`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The HTTPS call to the Gateway or CardSecure failed; the transport error says why and
    /// whether the request may have arrived.
    #[error("the CardPointe call failed")]
    Transport(#[from] cardpointe_transport::Error),
    /// A value (merchant id, amount, order id …) is not valid.
    #[error("a value is not valid")]
    Value(#[from] ValueError),
    /// CardSecure refused or could not tokenize the card.
    #[cfg(feature = "cardsecure")]
    #[error("tokenization failed")]
    CardSecure(#[from] cardpointe_cardsecure::Error),
    /// The VP3300 (`cardpointe-reader`) failed, or the card could not be read.
    #[cfg(feature = "reader")]
    #[error("the card reader failed")]
    Reader(#[from] cardpointe_reader::ReaderError),
    /// An application's own [`CardReader`](crate::checkout::CardReader) failed (its error,
    /// boxed; see [`Error::card_reader`]).
    #[error("the card reader failed")]
    CardReader(#[source] Box<dyn StdError + Send + Sync>),
}

impl Error {
    /// The error of an application's own [`CardReader`](crate::checkout::CardReader)
    /// implementation (a reader on another stack, a test double).
    #[must_use]
    pub fn card_reader(error: impl Into<Box<dyn StdError + Send + Sync>>) -> Self {
        Self::CardReader(error.into())
    }

    /// Whether the request may have reached the gateway and been acted on: `true` for
    /// timeouts, connections lost in flight, 5xx and unreadable 2xx answers. Never resend a
    /// payment when this is `true`; recover by order id instead (see
    /// [`Gateway::auth`](crate::Gateway::auth), which does it for you).
    #[must_use]
    pub fn maybe_sent(&self) -> bool {
        match self {
            Self::Transport(e) => e.maybe_sent(),
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

    /// The reader's error inside, if this is one.
    #[cfg(feature = "reader")]
    #[must_use]
    pub fn reader(&self) -> Option<&cardpointe_reader::ReaderError> {
        match self {
            Self::Reader(e) => Some(e),
            _ => None,
        }
    }
}
