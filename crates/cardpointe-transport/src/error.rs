//! The transport's one opaque error type.
//!
//! Like hyper's: an `Error` that boxes its details, answers questions through predicates, and
//! keeps the underlying cause in its [`source`](std::error::Error::source) chain. The `Display`
//! text explains what went wrong and what to check; it is not a contract to match on.

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

use http::StatusCode;

type BoxError = Box<dyn StdError + Send + Sync>;

/// An error from the transport: configuration, connection, timeout, HTTP status or decoding.
///
/// Gateway declines are not errors: they are values in the decoded response. This type covers
/// everything that kept a request from getting a usable answer. Ask it what happened with the
/// predicates, and ask [`maybe_sent`](Error::maybe_sent) before doing anything that could
/// charge a card twice.
pub struct Error {
    inner: Box<ErrorImpl>,
}

struct ErrorImpl {
    kind: Kind,
    operation: Option<&'static str>,
    maybe_sent: bool,
    source: Option<BoxError>,
}

#[derive(Debug)]
pub(crate) enum Kind {
    /// The configuration is unusable; the message says which setting.
    Config(String),
    /// No connection could be made (DNS, TCP, TLS handshake, certificate).
    Connect,
    /// No complete answer within the time allowed.
    Timeout(Duration),
    /// HTTP 401.
    Auth(AuthHint),
    /// Any other HTTP status that is not a success, with a redacted body excerpt.
    Status(StatusCode, String),
    /// The body could not be decoded as the expected JSON (redacted excerpt).
    Decode(String),
    /// The request could not be encoded (what and why).
    Encode(String),
    /// The connection failed after the request may have been written (reset, truncated body…).
    Io,
    /// The response body was larger than the client accepts.
    BodyTooLarge(usize),
}

/// What a 401 most likely means, found by probing the credentials alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AuthHint {
    /// The user name or password is wrong (the bare credential check failed too).
    Credentials { username: String },
    /// The credentials are valid but do not cover this merchant id. `set_by` names where the
    /// merchant id came from (`CARDPOINTE_MERCHID`, or the request's own `with_merchid`).
    MerchantNotCovered {
        username: String,
        merchid: String,
        set_by: &'static str,
    },
    /// The probe could not tell (CardSecure, or the probe itself failed).
    Unknown {
        username: String,
        merchid: String,
        set_by: &'static str,
    },
}

impl Error {
    pub(crate) fn new(kind: Kind) -> Self {
        let maybe_sent = match &kind {
            Kind::Config(_) | Kind::Connect | Kind::Encode(_) | Kind::Auth(_) => false,
            // The gateway answered 4xx: it refused the request without acting on it, except
            // 408 (request timeout), which the gateway's guide lists among "no response" cases.
            Kind::Status(status, _) => {
                !status.is_client_error() || *status == StatusCode::REQUEST_TIMEOUT
            }
            // A 2xx body we could not read means the gateway did act on it.
            Kind::Timeout(_) | Kind::Decode(_) | Kind::Io | Kind::BodyTooLarge(_) => true,
        };
        Self {
            inner: Box::new(ErrorImpl {
                kind,
                operation: None,
                maybe_sent,
                source: None,
            }),
        }
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        Self::new(Kind::Config(message.into()))
    }

    pub(crate) fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.inner.source = Some(source.into());
        self
    }

    pub(crate) fn with_operation(mut self, operation: &'static str) -> Self {
        self.inner.operation = Some(operation);
        self
    }

    /// The operation (for example `"auth"`) the error happened in, when it happened in a call.
    pub fn operation(&self) -> Option<&'static str> {
        self.inner.operation
    }

    /// Whether the request may have reached the gateway and been acted on.
    ///
    /// `false` means it certainly was not (bad configuration, no connection, a 401/4xx refusal):
    /// the same request can be sent again. `true` means the outcome is unknown (timeout,
    /// connection reset after sending, 5xx, an unreadable 2xx body): do **not** resend a payment;
    /// recover by order id instead (`inquireByOrderid`, then `voidByOrderId`, spec section 5).
    pub fn maybe_sent(&self) -> bool {
        self.inner.maybe_sent
    }

    /// The configuration is unusable (bad URL, plain HTTP to a non-loopback host, missing
    /// environment variable, unreadable certificate…).
    pub fn is_config(&self) -> bool {
        matches!(self.inner.kind, Kind::Config(_))
    }

    /// No connection could be established (DNS, TCP refused, TLS handshake, untrusted
    /// certificate). The request never left the machine.
    pub fn is_connect(&self) -> bool {
        matches!(self.inner.kind, Kind::Connect)
    }

    /// The call, or the connection attempt, ran out of time.
    pub fn is_timeout(&self) -> bool {
        match &self.inner.kind {
            Kind::Timeout(_) => true,
            Kind::Connect => self.chain_has_timed_out_io(),
            _ => false,
        }
    }

    /// HTTP 401: wrong credentials, or a merchant id the credentials do not cover.
    pub fn is_auth(&self) -> bool {
        matches!(self.inner.kind, Kind::Auth(_))
    }

    /// The response was a non-success HTTP status (other than 401, see [`is_auth`](Self::is_auth)).
    pub fn is_status(&self) -> bool {
        matches!(self.inner.kind, Kind::Status(..))
    }

    /// The HTTP status of the response, when one was received (401 included).
    pub fn status(&self) -> Option<StatusCode> {
        match &self.inner.kind {
            Kind::Status(status, _) => Some(*status),
            Kind::Auth(_) => Some(StatusCode::UNAUTHORIZED),
            _ => None,
        }
    }

    /// The response body could not be decoded (not JSON, wrong shape, or too large).
    pub fn is_decode(&self) -> bool {
        matches!(self.inner.kind, Kind::Decode(_) | Kind::BodyTooLarge(_))
    }

    /// A short excerpt of the offending response body, with anything that looks like card data,
    /// a token, a CVV or track/device data masked. Present for decode and status errors.
    pub fn body_excerpt(&self) -> Option<&str> {
        match &self.inner.kind {
            Kind::Decode(excerpt) | Kind::Status(_, excerpt) => Some(excerpt),
            _ => None,
        }
    }

    /// The connection failed after the request may have been written (reset, truncated body).
    pub fn is_io(&self) -> bool {
        matches!(self.inner.kind, Kind::Io)
    }

    fn chain_has_timed_out_io(&self) -> bool {
        self.any_cause(&|err| {
            err.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut)
        })
    }

    /// True when the chain holds a certificate verification failure (never worth retrying).
    pub(crate) fn is_certificate_failure(&self) -> bool {
        self.any_cause(&|err| {
            err.downcast_ref::<rustls::Error>()
                .is_some_and(|tls| matches!(tls, rustls::Error::InvalidCertificate(_)))
        })
    }

    /// Walks the cause chain, looking inside `io::Error` wrappers too (whose `source()` skips
    /// the wrapped error itself), and tells whether any cause satisfies `test`.
    fn any_cause(&self, test: &dyn Fn(&(dyn StdError + 'static)) -> bool) -> bool {
        let mut pending: Vec<&(dyn StdError + 'static)> = Vec::new();
        if let Some(source) = self.inner.source.as_deref() {
            pending.push(source);
        }
        // Bounded: a cyclic or absurdly deep chain cannot hang the caller.
        let mut budget = 64;
        while let Some(err) = pending.pop() {
            budget -= 1;
            if budget == 0 {
                return false;
            }
            if test(err) {
                return true;
            }
            if let Some(inner) = err
                .downcast_ref::<std::io::Error>()
                .and_then(std::io::Error::get_ref)
            {
                pending.push(inner);
            }
            if let Some(next) = err.source() {
                pending.push(next);
            }
        }
        false
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(operation) = self.inner.operation {
            write!(f, "{operation}: ")?;
        }
        match &self.inner.kind {
            Kind::Config(message) => write!(f, "invalid configuration: {message}"),
            Kind::Connect if self.is_certificate_failure() => f.write_str(
                "could not connect: the server's TLS certificate is not trusted (for a local \
                 emulator, add its root certificate to the configuration)",
            ),
            Kind::Connect if self.is_timeout() => {
                f.write_str("could not connect: the connect timeout expired")
            }
            Kind::Connect => f.write_str("could not connect to the gateway (the request was not sent)"),
            Kind::Timeout(after) => write!(
                f,
                "no complete response within {} ms; the request may have reached the gateway \
                 (recover by order id before retrying a payment)",
                after.as_millis()
            ),
            Kind::Auth(AuthHint::Credentials { username }) => write!(
                f,
                "HTTP 401 Unauthorized: the gateway rejects the user name {username:?} or its \
                 password; check CARDPOINTE_USERNAME and CARDPOINTE_PASSWORD for this site and \
                 environment (UAT and production credentials differ)"
            ),
            Kind::Auth(AuthHint::MerchantNotCovered {
                username,
                merchid,
                set_by,
            }) => write!(
                f,
                "HTTP 401 Unauthorized: the credentials of {username:?} are valid but do not cover \
                 merchant id {merchid}; check {set_by} (or ask for credentials scoped to it)"
            ),
            Kind::Auth(AuthHint::Unknown {
                username,
                merchid,
                set_by,
            }) => write!(
                f,
                "HTTP 401 Unauthorized: either the user name {username:?} or its password is wrong, \
                 or the credentials do not cover merchant id {merchid}; check CARDPOINTE_USERNAME, \
                 CARDPOINTE_PASSWORD and {set_by}"
            ),
            // The body is never quoted here (a gateway page can echo the request): its redacted
            // excerpt is `body_excerpt()`, and what did not parse is the `source()`.
            Kind::Status(status, _) => write!(
                f,
                "unexpected HTTP status {} (a redacted excerpt of the body is in body_excerpt())",
                status.as_u16()
            ),
            Kind::Decode(_) => f.write_str(
                "the response body is not what the endpoint sends, so the gateway may have acted \
                 on the request (a redacted excerpt of the body is in body_excerpt())",
            ),
            Kind::Encode(what) => write!(f, "the request could not be encoded: {what}"),
            Kind::Io => f.write_str(
                "the connection failed while the request was in flight; it may have reached the gateway",
            ),
            Kind::BodyTooLarge(limit) => {
                write!(f, "the response body is larger than the {limit}-byte limit")
            }
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("cardpointe_transport::Error");
        debug.field("kind", &self.inner.kind);
        if let Some(operation) = self.inner.operation {
            debug.field("operation", &operation);
        }
        debug.field("maybe_sent", &self.inner.maybe_sent);
        if let Some(source) = &self.inner.source {
            debug.field("source", source);
        }
        debug.finish()
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_not_sent_but_unknown_outcomes_are() {
        assert!(!Error::config("x").maybe_sent());
        assert!(!Error::new(Kind::Connect).maybe_sent());
        assert!(!Error::new(Kind::Status(StatusCode::NOT_FOUND, String::new())).maybe_sent());
        assert!(Error::new(Kind::Status(StatusCode::REQUEST_TIMEOUT, String::new())).maybe_sent());
        assert!(
            Error::new(Kind::Status(
                StatusCode::INTERNAL_SERVER_ERROR,
                String::new()
            ))
            .maybe_sent()
        );
        assert!(Error::new(Kind::Timeout(Duration::from_secs(1))).maybe_sent());
        assert!(Error::new(Kind::Decode(String::new())).maybe_sent());
    }

    #[test]
    fn connect_errors_caused_by_timed_out_io_are_timeouts() {
        let err = Error::new(Kind::Connect)
            .with_source(std::io::Error::new(std::io::ErrorKind::TimedOut, "connect"));
        assert!(err.is_connect());
        assert!(err.is_timeout());
        assert!(!err.maybe_sent());
    }

    #[test]
    fn auth_message_names_what_to_check() {
        let err = Error::new(Kind::Auth(AuthHint::MerchantNotCovered {
            username: "testing".into(),
            merchid: "496160873888".into(),
            set_by: "CARDPOINTE_MERCHID",
        }));
        assert!(err.is_auth());
        assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED));
        assert!(err.to_string().contains("CARDPOINTE_MERCHID"));
        assert!(!err.to_string().contains("CARDPOINTE_PASSWORD"));
    }
}
