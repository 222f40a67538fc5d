//! The typed layer: `Client::call` for any `cardpointe-types` [`Operation`].

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use cardpointe_types::{Api, Operation, ParseError, RetrySafety};
use http::Method;

use crate::error::Kind;
use crate::request::ZeroizedBody;
use crate::{Client, Error, Request, Service, redact};

/// Per-call options of [`Client::call_with`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallOptions {
    /// Overrides the timeout of this call's class (payment, inquiry, tokenize).
    pub timeout: Option<Duration>,
}

impl CallOptions {
    /// Sets the timeout of this call.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
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
    ///     MerchantId::new("496160873888")?,
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

    /// [`call`](Self::call) with per-call options (a timeout override).
    pub async fn call_with<O: Operation>(
        &self,
        operation: &O,
        options: CallOptions,
    ) -> Result<O::Response, Error> {
        let request = build_request(operation, options)?;
        let response = self.execute(request).await?.error_for_status()?;
        O::parse_response(response.body()).map_err(|e| {
            Error::new(Kind::Decode(redact::excerpt(response.body())))
                .with_source(DecodeCause::from_parse_error(&e))
                .with_operation(O::NAME)
        })
    }
}

fn build_request<O: Operation>(operation: &O, options: CallOptions) -> Result<Request, Error> {
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
    let mut request =
        Request::new(service, method, operation.path(), O::NAME).with_idempotent(idempotent);
    let body = operation.body().map_err(|_| {
        // The serde error may quote a field value: not kept.
        Error::new(Kind::Encode(format!("the {} request body", O::NAME))).with_operation(O::NAME)
    })?;
    if let Some(body) = body {
        request.body = Some(Bytes::from_owner(ZeroizedBody(body)));
    }
    if let Some(timeout) = options.timeout {
        request = request.with_timeout(timeout);
    }
    Ok(request)
}

/// Why a body did not decode, without the data: serde_json's messages can quote the offending
/// value (`invalid type: string "4111…"`), so only its category and position are kept.
#[derive(Debug)]
pub(crate) struct DecodeCause {
    what: &'static str,
    line: usize,
    column: usize,
}

impl DecodeCause {
    pub(crate) fn from_json(error: &serde_json::Error) -> Self {
        let what = match error.classify() {
            serde_json::error::Category::Io => "an I/O failure",
            serde_json::error::Category::Syntax => "not JSON",
            serde_json::error::Category::Data => "JSON of an unexpected shape",
            serde_json::error::Category::Eof => "truncated JSON",
        };
        Self {
            what,
            line: error.line(),
            column: error.column(),
        }
    }

    fn from_parse_error(error: &ParseError) -> Self {
        match error {
            ParseError::Json { source, .. } => Self::from_json(source),
            ParseError::NoGreeting => Self {
                what: "a page without the CardConnect REST Servlet greeting (check the base URL)",
                line: 0,
                column: 0,
            },
            _ => Self {
                what: "a body of an unexpected shape",
                line: 0,
                column: 0,
            },
        }
    }
}

impl fmt::Display for DecodeCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            f.write_str(self.what)
        } else {
            write!(
                f,
                "{} at line {} column {}",
                self.what, self.line, self.column
            )
        }
    }
}

impl StdError for DecodeCause {}
