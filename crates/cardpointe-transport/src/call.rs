//! The typed layer: `Client::call` for any `cardpointe-types` [`Operation`].

use std::time::Duration;

use bytes::Bytes;
use cardpointe_types::{Api, Defaults, Operation, RetrySafety};
use http::Method;

use crate::error::Kind;
use crate::request::ZeroizedBody;
use crate::{Client, Error, Request, RetryPolicy, Service, redact};

/// Per-call options of [`Client::call_with`]: a timeout and a resend budget for this call only.
///
/// Whether an operation *may* be resent after the request may have reached the gateway is not
/// an option: it is declared once, by the operation ([`Operation::RETRY`]). These options only
/// say how long to wait and how many resends (of those the operation allows) to spend; a
/// generous policy here never makes an `Unsafe` operation resendable.
///
/// ```
/// use std::time::Duration;
/// use cardpointe_transport::{CallOptions, RetryPolicy};
///
/// // A look-up that must answer quickly or not at all: 5 s, no resends.
/// let options = CallOptions::new()
///     .with_timeout(Duration::from_secs(5))
///     .with_retry_policy(RetryPolicy::never());
/// assert_eq!(options.timeout, Some(Duration::from_secs(5)));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallOptions {
    /// Overrides the timeout of this call's class (payment, inquiry, tokenize).
    pub timeout: Option<Duration>,
    /// Overrides the client's [`RetryPolicy`] for this call (how many resends, how long between
    /// them). Applies only to resends the operation's [`RetrySafety`] allows.
    pub retry: Option<RetryPolicy>,
}

impl CallOptions {
    /// No overrides: the client's timeouts and retry policy.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the timeout of this call.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sets the resend budget of this call.
    #[must_use]
    pub fn with_retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = Some(retry);
        self
    }
}

impl Client {
    /// Sends `operation` and reads its typed answer.
    ///
    /// Approvals and declines alike come back as `Ok(O::Response)`; errors are transport
    /// failures (see [`Error`]). The operation's `RETRY` safety decides whether it may be resent
    /// after an ambiguous failure; `Unsafe` operations (auth, capture, refund…) are resent only
    /// when they certainly never left the machine.
    ///
    /// ```no_run
    /// use cardpointe_transport::{Client, Credentials, Environment};
    /// use cardpointe_types::{Amount, AuthRequest, HasOutcome, MerchantId, PaymentSource, Token};
    ///
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let client = Client::builder(Environment::uat("fts")?)
    ///     .credentials(Credentials::new("testing", "testing123"))
    ///     .merchant_id("496160873888")
    ///     .build()?;
    /// let auth = AuthRequest::new(
    ///     Amount::from_minor(100)?,
    ///     PaymentSource::Token(Token::new("9418594164541111")?),
    /// );
    /// let response = client.call(&auth).await?;
    /// println!("{:?}", response.outcome());
    /// # Ok(()) }
    /// ```
    pub async fn call<O: Operation>(&self, operation: &O) -> Result<O::Response, Error> {
        self.call_with(operation, CallOptions::default()).await
    }

    /// [`call`](Self::call) with per-call options (a timeout, a resend budget).
    ///
    /// # Errors
    /// As [`call`](Self::call).
    pub async fn call_with<O: Operation>(
        &self,
        operation: &O,
        options: CallOptions,
    ) -> Result<O::Response, Error> {
        let defaults = Defaults::merchant(self.merchant_id());
        let request = build_request(operation, options, defaults)?;
        let response = self.execute(request).await?;
        let status = response.status();
        if !status.is_success()
            && O::answers_with_status(status.as_u16())
            && let Ok(answer) = O::parse_response(response.body())
        {
            // The operation's own refusal under an error status (CardSecure's 400).
            return Ok(answer);
        }
        let response = response.error_for_status()?;
        O::parse_response(response.body()).map_err(|e| {
            // `ParseError` keeps the fault's kind and position, never the body's text.
            Error::new(Kind::Decode(redact::excerpt(response.body())))
                .with_source(e)
                .with_operation(O::NAME)
        })
    }
}

fn build_request<O: Operation>(
    operation: &O,
    options: CallOptions,
    defaults: Defaults<'_>,
) -> Result<Request, Error> {
    let service = match O::API {
        Api::CardSecure => Service::CardSecure,
        _ => Service::Gateway,
    };
    let method = match operation.method() {
        cardpointe_types::Method::Get => Method::GET,
        cardpointe_types::Method::Post => Method::POST,
        cardpointe_types::Method::Delete => Method::DELETE,
        _ => Method::PUT,
    };
    let idempotent = matches!(O::RETRY, RetrySafety::Safe);
    let path = operation.path(defaults).map_err(|e| {
        Error::new(Kind::Encode(format!("the {} request path", O::NAME)))
            .with_source(e)
            .with_operation(O::NAME)
    })?;
    let mut request = Request::new(service, method, path, O::NAME).with_idempotent(idempotent);
    if let Some(merchid) = operation.merchid() {
        request = request.with_merchid(merchid.clone());
    }
    let body = operation.body(defaults).map_err(|e| {
        // `EncodeError` keeps the fault's kind, never a field's value.
        Error::new(Kind::Encode(format!("the {} request body", O::NAME)))
            .with_source(e)
            .with_operation(O::NAME)
    })?;
    if let Some(body) = body {
        request.body = Some(Bytes::from_owner(ZeroizedBody(body)));
    }
    if let Some(timeout) = options.timeout {
        request = request.with_timeout(timeout);
    }
    request.retry = options.retry;
    Ok(request)
}
