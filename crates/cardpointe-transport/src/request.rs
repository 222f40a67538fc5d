//! The raw request and response of one call, below the typed `Operation` layer.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use cardpointe_types::{JsonFault, MerchantId, ParseError};
use http::{HeaderMap, Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use zeroize::Zeroize;

use crate::error::Kind;
use crate::{Error, RetryPolicy, redact};

/// Which CardPointe service a request goes to; each has its own path prefix on the same origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Service {
    /// The Gateway REST API, under `/cardconnect/rest`.
    Gateway,
    /// The CardSecure JSON API, under `/cardsecure/api/v1`.
    CardSecure,
}

/// The timeout class of a call (see [`Timeouts`](crate::Timeouts)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CallClass {
    /// A write that can move money: auth, capture, void, refund, profile changes.
    Payment,
    /// A read: inquire, settlement status, funding, BIN, profile read.
    Inquiry,
    /// A CardSecure call.
    Tokenize,
}

/// One HTTP request to the gateway or CardSecure, before the base URL and credentials are added.
///
/// The body is JSON; its buffer is zeroed when the last copy is dropped, since it may hold a
/// PAN, CVV or reader data. `Debug` shows only the body's length.
#[derive(Clone)]
pub struct Request {
    pub(crate) service: Service,
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) body: Option<Bytes>,
    pub(crate) operation: &'static str,
    pub(crate) idempotent: bool,
    pub(crate) class: CallClass,
    pub(crate) timeout: Option<Duration>,
    pub(crate) retry: Option<RetryPolicy>,
    /// The merchant this request is for when it is not the client's (a request's override).
    pub(crate) merchid: Option<MerchantId>,
}

impl Request {
    /// A request for `path` (relative to the service prefix, e.g. `"auth"` or
    /// `"inquire/123456789012/496160873888"`), named `operation` in spans and errors.
    ///
    /// `GET` requests are idempotent reads (retried per the policy, inquiry timeout); every
    /// other method is a payment write (never resent once it may have left, payment timeout).
    /// For CardSecure the class is [`CallClass::Tokenize`].
    pub fn new(
        service: Service,
        method: Method,
        path: impl Into<String>,
        operation: &'static str,
    ) -> Self {
        let idempotent = method == Method::GET;
        let class = match (service, idempotent) {
            (Service::CardSecure, _) => CallClass::Tokenize,
            (Service::Gateway, true) => CallClass::Inquiry,
            (Service::Gateway, false) => CallClass::Payment,
        };
        Self {
            service,
            method,
            path: path.into(),
            body: None,
            operation,
            idempotent,
            class,
            timeout: None,
            retry: None,
            merchid: None,
        }
    }

    /// Names the merchant this request is for when it is not the client's own (a request
    /// built with `with_merchid`): spans and a 401's hint then name it, not the client's.
    #[must_use]
    pub fn with_merchid(mut self, merchid: MerchantId) -> Self {
        self.merchid = Some(merchid);
        self
    }

    /// Serialises `body` as the JSON body, into a buffer zeroed on drop.
    pub fn with_json<T: Serialize + ?Sized>(mut self, body: &T) -> Result<Self, Error> {
        let mut buf = Vec::with_capacity(256);
        if let Err(e) = serde_json::to_writer(&mut buf, body) {
            buf.zeroize();
            // Only the fault's kind: serde's message may quote a field's value.
            return Err(Error::new(Kind::Encode("the JSON body".into()))
                .with_source(JsonFault::new(&e))
                .with_operation(self.operation));
        }
        self.body = Some(Bytes::from_owner(ZeroizedBody(buf)));
        Ok(self)
    }

    /// Uses already-encoded JSON as the body (kept in a buffer zeroed on drop).
    #[must_use]
    pub fn with_json_bytes(mut self, json: Vec<u8>) -> Self {
        self.body = Some(Bytes::from_owner(ZeroizedBody(json)));
        self
    }

    /// Overrides the timeout of this call (the whole call: send, wait, read body).
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Overrides the client's [`RetryPolicy`] for this request: how many resends (of those
    /// [`with_idempotent`](Self::with_idempotent) allows) and how long between them.
    #[must_use]
    pub fn with_retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = Some(retry);
        self
    }

    /// Declares whether this request may be repeated without effect (a read, or a CardSecure
    /// call whose result is deterministic). Only idempotent requests are retried after they may
    /// have reached the server.
    #[must_use]
    pub fn with_idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }

    /// Sets the timeout class.
    #[must_use]
    pub fn with_class(mut self, class: CallClass) -> Self {
        self.class = class;
        self
    }

    /// The operation name given at construction.
    pub fn operation(&self) -> &'static str {
        self.operation
    }
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The path can hold a token (`bin/{merchid}/{token}`) or an order id: not printed.
        f.debug_struct("Request")
            .field("service", &self.service)
            .field("method", &self.method)
            .field("operation", &self.operation)
            .field("body_len", &self.body.as_ref().map_or(0, Bytes::len))
            .field("idempotent", &self.idempotent)
            .field("class", &self.class)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .finish()
    }
}

/// Owner of a request body's bytes: zeroed when the last `Bytes` clone goes.
pub(crate) struct ZeroizedBody(pub(crate) Vec<u8>);

impl AsRef<[u8]> for ZeroizedBody {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl Drop for ZeroizedBody {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// A complete HTTP response (any status but 401, which is an [`Error`]).
///
/// `Debug` shows the status and the body length, never the body: it may hold a token.
pub struct Response {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    pub(crate) operation: &'static str,
}

impl Response {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The raw body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// Decodes the body as JSON, whatever the status. A failure is a decode error carrying a
    /// short redacted excerpt of the body.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(|e| {
            Error::new(Kind::Decode(redact::excerpt(&self.body)))
                .with_source(ParseError::Json {
                    operation: self.operation,
                    source: JsonFault::new(&e),
                })
                .with_operation(self.operation)
        })
    }

    /// `Ok(self)` for a 2xx status, else a status error with a redacted body excerpt.
    pub fn error_for_status(self) -> Result<Self, Error> {
        self.error_for_status_ref()?;
        Ok(self)
    }

    /// Like [`error_for_status`](Self::error_for_status), by reference.
    pub fn error_for_status_ref(&self) -> Result<(), Error> {
        if self.status.is_success() {
            Ok(())
        } else {
            Err(
                Error::new(Kind::Status(self.status, redact::excerpt(&self.body)))
                    .with_operation(self.operation),
            )
        }
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("operation", &self.operation)
            .field("body_len", &self.body.len())
            .finish()
    }
}
