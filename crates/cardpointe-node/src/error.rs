//! Failures as JavaScript sees them: one `Error` shape with a stable `code` and `kind`, built
//! from the typed errors of the Rust layers. Declines are never failures.

use std::error::Error as StdError;
use std::fmt::Write as _;

use napi::bindgen_prelude::JsObjectValue as _;
use napi::{Env, JsValue as _, Status, Unknown};
use napi_derive::napi;
use serde::Serialize;

/// What went wrong, in the words the JavaScript API promises (`error.kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// The credentials were refused (HTTP 401) or do not cover the merchant.
    Authentication,
    /// No answer: no connection, a timeout, a connection lost in flight.
    Connection,
    /// A value was refused before anything was sent.
    InvalidInput,
    /// The gateway or CardSecure answered, but with an error (an HTTP error status, an
    /// unreadable body, a CardSecure refusal).
    Api,
    /// The client configuration is unusable (URL, certificate, missing variable).
    Configuration,
}

impl Kind {
    /// `error.kind`.
    const fn name(self) -> &'static str {
        match self {
            Self::Authentication => "authentication",
            Self::Connection => "connection",
            Self::InvalidInput => "invalid_input",
            Self::Api => "api",
            Self::Configuration => "configuration",
        }
    }

    /// `error.code`: the same, in the `ECODE` style of Node's own errors.
    const fn code(self) -> &'static str {
        match self {
            Self::Authentication => "CARDPOINTE_AUTHENTICATION",
            Self::Connection => "CARDPOINTE_CONNECTION",
            Self::InvalidInput => "CARDPOINTE_INVALID_INPUT",
            Self::Api => "CARDPOINTE_API",
            Self::Configuration => "CARDPOINTE_CONFIGURATION",
        }
    }
}

/// A failure on its way to JavaScript. Its message is built from the Display chain of the
/// Rust error, which never quotes a card number, a password or a request body.
#[derive(Clone, Debug)]
pub(crate) struct Failure {
    kind: Kind,
    message: String,
    may_have_been_sent: bool,
    field: Option<&'static str>,
    http_status: Option<u16>,
}

impl Failure {
    /// A value refused before sending: `field` names the input property at fault.
    pub(crate) fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            kind: Kind::InvalidInput,
            message: format!("`{field}`: {}", message.into()),
            may_have_been_sent: false,
            field: Some(field),
            http_status: None,
        }
    }

    /// A configuration problem found by the bindings themselves (an option out of range).
    pub(crate) fn configuration(message: impl Into<String>) -> Self {
        Self {
            kind: Kind::Configuration,
            message: message.into(),
            may_have_been_sent: false,
            field: None,
            http_status: None,
        }
    }

    /// The failure of a transport call.
    pub(crate) fn transport(error: &cardpointe::transport::Error) -> Self {
        let kind = if error.is_auth() {
            Kind::Authentication
        } else if error.is_config() {
            Kind::Configuration
        } else if error.is_status() || error.is_decode() {
            Kind::Api
        } else {
            Kind::Connection
        };
        Self {
            kind,
            message: chain(error),
            may_have_been_sent: error.maybe_sent(),
            field: None,
            http_status: error.status().map(|s| s.as_u16()),
        }
    }

    /// The failure of a facade call.
    pub(crate) fn facade(error: &cardpointe::Error) -> Self {
        match error {
            cardpointe::Error::Transport(e) => Self::transport(e),
            cardpointe::Error::CardSecure(e) => Self::cardsecure(e),
            cardpointe::Error::Value(_) => Self {
                kind: Kind::InvalidInput,
                message: chain(error),
                may_have_been_sent: false,
                field: None,
                http_status: None,
            },
            _ => Self {
                kind: Kind::Api,
                message: chain(error),
                may_have_been_sent: error.maybe_sent(),
                field: None,
                http_status: None,
            },
        }
    }

    /// The failure of a CardSecure call.
    pub(crate) fn cardsecure(error: &cardpointe::cardsecure::Error) -> Self {
        match error {
            cardpointe::cardsecure::Error::Transport(e) => Self::transport(e),
            cardpointe::cardsecure::Error::Invalid(_) => Self {
                kind: Kind::InvalidInput,
                message: chain(error),
                may_have_been_sent: false,
                field: None,
                http_status: None,
            },
            _ => Self {
                kind: Kind::Api,
                message: chain(error),
                may_have_been_sent: false,
                field: None,
                http_status: None,
            },
        }
    }

    /// The same failure with the input property at fault named (for errors a Rust layer found
    /// in a value the bindings passed through unchanged).
    pub(crate) fn in_field(mut self, field: &'static str) -> Self {
        if self.kind == Kind::InvalidInput && self.field.is_none() {
            self.field = Some(field);
            self.message = format!("`{field}`: {}", self.message);
        }
        self
    }

    /// The plain-object view kept in an auth outcome (`outcome.cause`).
    pub(crate) fn info(&self) -> ErrorInfo {
        ErrorInfo {
            code: self.kind.code().to_owned(),
            kind: self.kind.name().to_owned(),
            message: self.message.clone(),
            may_have_been_sent: self.may_have_been_sent,
            http_status: self.http_status.map(u32::from),
        }
    }

    /// The JavaScript `Error` to throw or reject with.
    pub(crate) fn into_js(self, env: &Env) -> napi::Error {
        match self.build(env) {
            Ok(value) => napi::Error::from(value),
            Err(error) => error,
        }
    }

    fn build<'env>(&self, env: &'env Env) -> napi::Result<Unknown<'env>> {
        let mut error =
            env.create_error(napi::Error::new(Status::GenericFailure, &self.message))?;
        error.set_named_property("name", "CardPointeError")?;
        error.set_named_property("code", self.kind.code())?;
        error.set_named_property("kind", self.kind.name())?;
        error.set_named_property("mayHaveBeenSent", self.may_have_been_sent)?;
        if let Some(field) = self.field {
            error.set_named_property("field", field)?;
        }
        if let Some(status) = self.http_status {
            error.set_named_property("httpStatus", u32::from(status))?;
        }
        Ok(error.to_unknown())
    }
}

/// The message of an error and of every source under it, joined by `: ` (what `{:#}` of
/// `anyhow` prints): the top says which layer failed, the bottom what to fix.
fn chain(error: &dyn StdError) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let part = cause.to_string();
        if !text.ends_with(&part) {
            let _ = write!(text, ": {part}");
        }
        source = cause.source();
    }
    text
}

/// A failure as a plain object: why an auth's answer was lost (`AuthOutcome.cause`). Thrown
/// errors carry the same properties (`code`, `kind`, `message`, `mayHaveBeenSent`,
/// `httpStatus`, and `field` for invalid input).
#[napi(object)]
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
#[allow(
    clippy::exhaustive_structs,
    reason = "a plain JavaScript object, built only here"
)]
pub struct ErrorInfo {
    /// `CARDPOINTE_AUTHENTICATION`, `CARDPOINTE_CONNECTION`, `CARDPOINTE_INVALID_INPUT`,
    /// `CARDPOINTE_API` or `CARDPOINTE_CONFIGURATION`.
    pub code: String,
    /// `authentication`, `connection`, `invalid_input`, `api` or `configuration`.
    pub kind: String,
    /// What went wrong and what to check (never a card number or password).
    pub message: String,
    /// Whether the request may have reached the gateway and been acted on: never resend a
    /// payment when `true`.
    pub may_have_been_sent: bool,
    /// The HTTP status, when the server answered with an error status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u32>,
}
