//! The [`Operation`] trait: everything a transport needs to send one request and read its answer,
//! so `client.call(&op)` is generic and a new endpoint is one type plus one impl.

use std::fmt;

use serde::Serialize;

use crate::{EncodeError, JsonFault, ParseError};

/// The HTTP method of an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// GET: reads (inquire, settlestat, funding, bin, profile read, …).
    Get,
    /// PUT: create/update operations.
    Put,
    /// POST: create/update operations (accepted by the gateway since 4/2019), CardSecure,
    /// `settlestatByBatchSource`.
    Post,
    /// DELETE: profile delete only.
    Delete,
}

impl Method {
    /// The verb used for the gateway's create/update operations (`auth`, `capture`, `void`,
    /// `voidByOrderId`, `refund`, `profile`, `sigcap`), which accept PUT and POST
    /// interchangeably. This crate chooses **PUT**: every gateway version and every recorded
    /// client uses it (POST arrived only in 4/2019). The choice lives here alone.
    pub const WRITE: Self = Self::Put;

    /// The method name as HTTP spells it.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Put => "PUT",
            Self::Post => "POST",
            Self::Delete => "DELETE",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which service an operation talks to; each has its own path prefix on the same host.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Api {
    /// The CardPointe Gateway REST API, under `/cardconnect/rest/`.
    Gateway,
    /// The CardSecure tokenizer, under `/cardsecure/api/v1/`.
    CardSecure,
}

impl Api {
    /// The path prefix of the service, with a leading and a trailing `/`.
    #[must_use]
    pub const fn prefix(self) -> &'static str {
        match self {
            Self::Gateway => "/cardconnect/rest/",
            Self::CardSecure => "/cardsecure/api/v1/",
        }
    }
}

/// Whether a transport may resend an operation after a failure in which the request may have
/// reached the gateway (a timeout, a reset connection).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RetrySafety {
    /// Reads and idempotent calls: resending cannot move money twice.
    Safe,
    /// Money-moving calls (`auth`, `capture`, `refund`, profile create): never resend blindly;
    /// recover with `inquireByOrderid` / `voidByOrderId` as the gateway's guidance says.
    Unsafe,
}

/// One endpoint of the Gateway or CardSecure API, implemented by its request type.
///
/// A transport sends `method()` to `Api::prefix()` + `path()` on its base URL, with `body()` as
/// `application/json` when there is one, and hands the answer's bytes to `parse_response`.
/// Declines come back as ordinary `Ok` responses; only unreadable bodies are errors.
///
/// ```
/// use cardpointe_types::{
///     Amount, AuthRequest, HasOutcome, MerchantId, Method, Operation, PaymentSource, Token,
/// };
///
/// let req = AuthRequest::new(
///     MerchantId::new("496160873888")?,
///     Amount::from_minor(100)?,
///     PaymentSource::Token(Token::new("9418594164541111")?),
/// );
/// assert_eq!(req.method(), Method::Put);
/// assert_eq!(req.path(), "auth");
/// let body = String::from_utf8(req.body()?.unwrap()).unwrap();
/// assert!(body.contains(r#""amount":"1.00""#));
///
/// let resp = AuthRequest::parse_response(br#"{"respstat":"A","respcode":"00","resptext":"Approval","respproc":"FNOR","amount":"1.00"}"#)?;
/// assert!(resp.outcome().is_approved());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait Operation {
    /// What a successful exchange yields (approvals and declines alike).
    type Response: fmt::Debug;

    /// A short name for logs and errors (`"auth"`, `"inquire"`); never contains request data.
    const NAME: &'static str;

    /// The service this operation belongs to.
    const API: Api = Api::Gateway;

    /// Whether the transport may resend it after an ambiguous failure.
    const RETRY: RetrySafety = RetrySafety::Unsafe;

    /// The HTTP method.
    fn method(&self) -> Method;

    /// The path after [`Api::prefix`], without a leading `/` (`"auth"`,
    /// `"inquire/343030160242/496160873888"`, `"settlestat?merchid=…&date=1209"`); path segments
    /// and query values are already percent-encoded.
    fn path(&self) -> String;

    /// The JSON body, if the method carries one.
    ///
    /// # Errors
    /// [`EncodeError`] if the request cannot be written (not possible for this crate's types).
    fn body(&self) -> Result<Option<Vec<u8>>, EncodeError>;

    /// Reads the response body (HTTP 200). Some endpoints answer with text, lists or a
    /// list-or-object; each operation knows its own shape.
    ///
    /// # Errors
    /// [`ParseError`] when the body is not what the endpoint sends.
    fn parse_response(body: &[u8]) -> Result<Self::Response, ParseError>;

    /// Whether an answer with this non-2xx HTTP status may still carry the operation's own
    /// response body (CardSecure documents its refusals, `errorcode` and `message`, under 400).
    /// A transport reads such a body with [`parse_response`](Self::parse_response) and, if it
    /// parses, returns it; otherwise the status is a transport error. `false` by default.
    #[must_use]
    fn answers_with_status(status: u16) -> bool {
        let _ = status;
        false
    }
}

/// Writes `value` as the JSON body of operation `name`.
pub(crate) fn json_body<T: Serialize>(
    name: &'static str,
    value: &T,
) -> Result<Option<Vec<u8>>, EncodeError> {
    serde_json::to_vec(value)
        .map(Some)
        .map_err(|e| EncodeError::Json {
            operation: name,
            source: JsonFault::new(&e),
        })
}

/// Reads a JSON body as `T`, naming the operation in the error.
pub(crate) fn parse_json<T: for<'de> serde::Deserialize<'de>>(
    name: &'static str,
    body: &[u8],
) -> Result<T, ParseError> {
    serde_json::from_slice(body).map_err(|e| ParseError::Json {
        operation: name,
        source: JsonFault::new(&e),
    })
}

/// Reads a JSON array of `T`, or one `T` object as a one-item list (profile read,
/// inquireByOrderid), naming the operation in the error.
pub(crate) fn parse_list_or_one<T: for<'de> serde::Deserialize<'de>>(
    name: &'static str,
    body: &[u8],
) -> Result<Vec<T>, ParseError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    crate::wire::list_or_one(&mut de)
        .and_then(|v| de.end().map(|()| v))
        .map_err(|e| ParseError::Json {
            operation: name,
            source: JsonFault::new(&e),
        })
}

/// Percent-encodes a path segment or query value (everything but unreserved characters).
pub(crate) fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let hex = |n: u8| char::from_digit(u32::from(n), 16).unwrap_or('0');
            out.push('%');
            out.push(hex(b >> 4).to_ascii_uppercase());
            out.push(hex(b & 0x0f).to_ascii_uppercase());
        }
    }
    out
}

/// Builds `endpoint?k=v&k=v` from the pairs whose value is present.
pub(crate) fn with_query(endpoint: &str, pairs: &[(&str, Option<&str>)]) -> String {
    let mut out = endpoint.to_owned();
    let mut first = true;
    for (k, v) in pairs {
        if let Some(v) = v {
            out.push(if first { '?' } else { '&' });
            first = false;
            out.push_str(k);
            out.push('=');
            out.push_str(&encode_component(v));
        }
    }
    out
}

/// Implements [`Operation`] for a request type in one line per endpoint.
///
/// `json` operations send the request itself as the body; `nobody` ones send none.
macro_rules! operation {
    (
        $req:ty => $resp:ty, name: $name:literal, method: $method:expr,
        $(api: $api:expr,)? $(retry: $retry:expr,)?
        body: $body:ident, path: |$s:ident| $path:expr, parse: $parse:expr
        $(, error_status: |$st:ident| $status:expr)? $(,)?
    ) => {
        impl $crate::operation::Operation for $req {
            type Response = $resp;
            const NAME: &'static str = $name;
            $(const API: $crate::operation::Api = $api;)?
            $(const RETRY: $crate::operation::RetrySafety = $retry;)?

            fn method(&self) -> $crate::operation::Method {
                $method
            }

            fn path(&self) -> String {
                let $s = self;
                $path
            }

            fn body(&self) -> Result<Option<Vec<u8>>, $crate::EncodeError> {
                $crate::operation::operation!(@body $body, $name, self)
            }

            fn parse_response(body: &[u8]) -> Result<$resp, $crate::ParseError> {
                let parse: fn(&'static str, &[u8]) -> Result<$resp, $crate::ParseError> = $parse;
                parse($name, body)
            }

            $(
                fn answers_with_status($st: u16) -> bool {
                    $status
                }
            )?
        }
    };
    (@body json, $name:literal, $self:ident) => {
        $crate::operation::json_body($name, $self)
    };
    (@body nobody, $name:literal, $self:ident) => {{
        let _ = $self;
        Ok(None)
    }};
}
pub(crate) use operation;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_are_percent_encoded() {
        assert_eq!(encode_component("AB-12_x.~"), "AB-12_x.~");
        assert_eq!(encode_component("a/b c?#%"), "a%2Fb%20c%3F%23%25");
    }

    #[test]
    fn absent_query_values_are_left_out() {
        assert_eq!(
            with_query("settlestat", &[("merchid", Some("1")), ("date", None)]),
            "settlestat?merchid=1"
        );
    }
}
