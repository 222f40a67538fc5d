//! The [`Operation`] trait: everything a transport needs to send one request and read its answer,
//! so `client.call(&op)` is generic and a new endpoint is one type plus one impl.

use std::fmt;

use serde::Serialize;

use crate::{EncodeError, JsonFault, MerchantId, ParseError};

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
/// A transport sends `method()` to `Api::prefix()` + `path(defaults)` on its base URL, with
/// `body(defaults)` as `application/json` when there is one, and hands the answer's bytes to
/// `parse_response`. Declines come back as ordinary `Ok` responses; only unreadable bodies are
/// errors.
///
/// **The merchant id is given once.** Requests do not take it in their constructors: the
/// transport passes its client's merchant id in [`Defaults`], and a request that must go to
/// another merchant of the same credentials says so with its own `with_merchid` (which
/// [`merchid`](Operation::merchid) reports and which wins over the client's).
///
/// ```
/// use cardpointe_types::{
///     Amount, AuthRequest, Defaults, HasOutcome, MerchantId, Method, Operation, PaymentSource,
///     Token,
/// };
///
/// let merchant = MerchantId::new("496160873888")?;
/// let req = AuthRequest::new(
///     Amount::from_minor(100)?,
///     PaymentSource::Token(Token::new("9418594164541111")?),
/// );
/// assert_eq!(req.method(), Method::Put);
/// assert_eq!(req.path(Defaults::merchant(&merchant))?, "auth");
/// let body = String::from_utf8(req.body(Defaults::merchant(&merchant))?.unwrap())?;
/// assert!(body.contains(r#""merchid":"496160873888""#));
/// assert!(body.contains(r#""amount":"1.00""#));
///
/// // Without a merchant anywhere, the request cannot be written, and the error says where to
/// // give one.
/// assert!(req.body(Defaults::none()).is_err());
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

    /// The merchant this request names for itself (its `with_merchid`), which wins over the
    /// client's; `None` when it takes the client's (the usual case), and for operations that
    /// have no merchant (CardSecure).
    fn merchid(&self) -> Option<&MerchantId> {
        None
    }

    /// The path after [`Api::prefix`], without a leading `/` (`"auth"`,
    /// `"inquire/343030160242/496160873888"`, `"settlestat?merchid=…&date=1209"`); path segments
    /// and query values are already percent-encoded.
    ///
    /// # Errors
    /// [`EncodeError::NoMerchantId`] when the path holds a merchant id and neither the request
    /// nor `defaults` gives one.
    fn path(&self, defaults: Defaults<'_>) -> Result<String, EncodeError>;

    /// The JSON body, if the method carries one.
    ///
    /// # Errors
    /// [`EncodeError::NoMerchantId`] when the body needs a merchant id and neither the request
    /// nor `defaults` gives one; [`EncodeError::Json`] if the request cannot be written (not
    /// possible for this crate's types).
    fn body(&self, defaults: Defaults<'_>) -> Result<Option<Vec<u8>>, EncodeError>;

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

/// What a client fills into every request that leaves it out: today, the merchant id it was
/// configured with. A transport builds one per call and passes it to [`Operation::path`] and
/// [`Operation::body`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Defaults<'a> {
    /// The client's merchant id, used by every request that does not name its own.
    pub merchid: Option<&'a MerchantId>,
}

impl<'a> Defaults<'a> {
    /// No defaults: every request must carry what it needs itself.
    #[must_use]
    pub const fn none() -> Self {
        Self { merchid: None }
    }

    /// The client works for `merchid`.
    #[must_use]
    pub const fn merchant(merchid: &'a MerchantId) -> Self {
        Self {
            merchid: Some(merchid),
        }
    }
}

/// The merchant an operation goes to: the request's own, else the client's; resolved once per
/// call. `get` fails with an error that says where to give one.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Merchant<'a> {
    operation: &'static str,
    id: Option<&'a MerchantId>,
}

impl<'a> Merchant<'a> {
    pub(crate) fn resolve(
        operation: &'static str,
        own: Option<&'a MerchantId>,
        defaults: Defaults<'a>,
    ) -> Self {
        Self {
            operation,
            id: own.or(defaults.merchid),
        }
    }

    /// The merchant id, or [`EncodeError::NoMerchantId`].
    pub(crate) fn get(self) -> Result<&'a MerchantId, EncodeError> {
        self.id.ok_or(EncodeError::NoMerchantId {
            operation: self.operation,
        })
    }
}

/// Writes `value` as the JSON body of operation `name`, with `"merchid"` added from `merchant`
/// when the request names none itself (`own` is `None`).
pub(crate) fn json_body_with_merchant<T: Serialize>(
    name: &'static str,
    value: &T,
    own: Option<&MerchantId>,
    merchant: Merchant<'_>,
) -> Result<Option<Vec<u8>>, EncodeError> {
    #[derive(Serialize)]
    struct WithMerchant<'a, T> {
        merchid: &'a MerchantId,
        #[serde(flatten)]
        rest: &'a T,
    }
    if own.is_some() {
        return json_body(name, value);
    }
    json_body(
        name,
        &WithMerchant {
            merchid: merchant.get()?,
            rest: value,
        },
    )
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
        $(api: $api:expr,)? $(retry: $retry:expr,)? $(merchant: $own:ident,)?
        body: $body:ident, path: |$s:ident, $m:ident| $path:expr, parse: $parse:expr
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

            $(
                fn merchid(&self) -> Option<&$crate::MerchantId> {
                    self.$own.as_ref()
                }
            )?

            fn path(
                &self,
                defaults: $crate::operation::Defaults<'_>,
            ) -> Result<String, $crate::EncodeError> {
                let $s = self;
                #[allow(unused_variables)]
                let $m = $crate::operation::Merchant::resolve(
                    $name,
                    $crate::operation::Operation::merchid(self),
                    defaults,
                );
                $path
            }

            fn body(
                &self,
                defaults: $crate::operation::Defaults<'_>,
            ) -> Result<Option<Vec<u8>>, $crate::EncodeError> {
                $crate::operation::operation!(@body $body, $name, self, defaults)
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
    (@body json, $name:literal, $self:ident, $defaults:ident) => {{
        let _ = $defaults;
        $crate::operation::json_body($name, $self)
    }};
    (@body json_merchant, $name:literal, $self:ident, $defaults:ident) => {{
        let own = $crate::operation::Operation::merchid($self);
        $crate::operation::json_body_with_merchant(
            $name,
            $self,
            own,
            $crate::operation::Merchant::resolve($name, own, $defaults),
        )
    }};
    (@body nobody, $name:literal, $self:ident, $defaults:ident) => {{
        let _ = ($self, $defaults);
        Ok(None)
    }};
}
pub(crate) use operation;

/// Gives each listed request type its `with_merchid`: the one way a request names a merchant
/// other than its client's.
macro_rules! merchant_override {
    ($($req:ty),+ $(,)?) => {$(
        impl $req {
            /// Sends this request for `merchid` instead of the client's merchant (one set of
            /// credentials acting for several merchants); see
            /// [`Operation::merchid`](crate::Operation::merchid).
            #[must_use]
            pub fn with_merchid(mut self, merchid: $crate::MerchantId) -> Self {
                self.merchid = Some(merchid);
                self
            }
        }
    )+};
}
pub(crate) use merchant_override;

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
