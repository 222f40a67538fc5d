//! `AuthOutcome` (what a safe auth ended with) and `TokenizeResult` as Python objects.

use cardpointe::AuthOutcome as RustOutcome;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors::chain;
use crate::results::{AuthResponse, Fields, InquireResponse, VoidResponse};

/// What happened to an authorization: the gateway's answer, or — when it was lost — what the
/// recovery learned or did. Never an exception: a lost answer is recovered, not raised.
#[pyclass(frozen, module = "cardpointe")]
pub struct AuthOutcome {
    kind: &'static str,
    order_id: String,
    approved: bool,
    retref: Option<String>,
    message: String,
    cause: Option<String>,
    attempts: Option<u8>,
    response: Option<Py<AuthResponse>>,
    inquiry: Option<Py<InquireResponse>>,
    void: Option<Py<VoidResponse>>,
}

impl AuthOutcome {
    /// The Python view of the facade's outcome.
    pub(crate) fn new(py: Python<'_>, outcome: &RustOutcome) -> PyResult<Self> {
        let mut this = Self {
            kind: "unknown",
            order_id: outcome.order_id().as_str().to_owned(),
            approved: outcome.is_approved(),
            retref: outcome.retref().map(|r| r.as_str().to_owned()),
            message: outcome.to_string(),
            cause: None,
            attempts: None,
            response: None,
            inquiry: None,
            void: None,
        };
        match outcome {
            RustOutcome::Answered { response, .. } => {
                this.kind = "answered";
                this.response = Some(Py::new(
                    py,
                    AuthResponse {
                        fields: Fields::with_outcome(&**response),
                    },
                )?);
            }
            RustOutcome::Recovered { inquiry, cause, .. } => {
                this.kind = "recovered";
                this.cause = Some(chain(cause));
                this.inquiry = Some(Py::new(
                    py,
                    InquireResponse {
                        fields: Fields::with_outcome(&**inquiry),
                    },
                )?);
            }
            RustOutcome::NotProcessed { cause, .. } => {
                this.kind = "not_processed";
                this.cause = Some(chain(cause));
            }
            RustOutcome::Reversed {
                void,
                attempts,
                cause,
                ..
            }
            | RustOutcome::NothingToReverse {
                void,
                attempts,
                cause,
                ..
            }
            | RustOutcome::NotReversed {
                void,
                attempts,
                cause,
                ..
            } => {
                this.kind = match outcome {
                    RustOutcome::Reversed { .. } => "reversed",
                    RustOutcome::NothingToReverse { .. } => "nothing_to_reverse",
                    _ => "not_reversed",
                };
                this.cause = Some(chain(cause));
                this.attempts = Some(*attempts);
                this.void = Some(Py::new(
                    py,
                    VoidResponse {
                        fields: Fields::with_outcome(&**void),
                    },
                )?);
            }
            RustOutcome::Unknown { cause, .. } => {
                this.cause = Some(chain(cause));
            }
            _ => {}
        }
        Ok(this)
    }
}

#[pymethods]
impl AuthOutcome {
    /// `"answered"`, `"recovered"`, `"not_processed"`, `"reversed"`, `"nothing_to_reverse"`,
    /// `"not_reversed"` or `"unknown"`.
    #[getter]
    fn kind(&self) -> &'static str {
        self.kind
    }

    /// The order id the auth was sent with (generated when none was given).
    #[getter]
    fn order_id(&self) -> &str {
        &self.order_id
    }

    /// Whether the card stands authorized now.
    #[getter]
    fn approved(&self) -> bool {
        self.approved
    }

    /// The transaction's retrieval reference, when known.
    #[getter]
    fn retref(&self) -> Option<&str> {
        self.retref.as_deref()
    }

    /// Whether the answer was lost and recovery ran.
    #[getter]
    fn was_recovered(&self) -> bool {
        self.kind != "answered"
    }

    /// The gateway's answer (`kind == "answered"`).
    #[getter]
    fn response(&self, py: Python<'_>) -> Option<Py<AuthResponse>> {
        self.response.as_ref().map(|r| r.clone_ref(py))
    }

    /// The transaction found by `inquireByOrderid` (`kind == "recovered"`).
    #[getter]
    fn inquiry(&self, py: Python<'_>) -> Option<Py<InquireResponse>> {
        self.inquiry.as_ref().map(|r| r.clone_ref(py))
    }

    /// The last `voidByOrderId` answer (`reversed`, `nothing_to_reverse`, `not_reversed`).
    #[getter]
    fn void(&self, py: Python<'_>) -> Option<Py<VoidResponse>> {
        self.void.as_ref().map(|r| r.clone_ref(py))
    }

    /// How many `voidByOrderId` requests were sent.
    #[getter]
    fn attempts(&self) -> Option<u8> {
        self.attempts
    }

    /// Why the answer was lost (no card data).
    #[getter]
    fn cause(&self) -> Option<&str> {
        self.cause.as_deref()
    }

    /// One line saying what happened and what to do.
    #[getter]
    fn message(&self) -> &str {
        &self.message
    }

    /// The outcome as a `dict` (nested answers as the gateway's JSON objects).
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let dict = PyDict::new(py);
        dict.set_item("kind", self.kind)?;
        dict.set_item("order_id", &self.order_id)?;
        dict.set_item("approved", self.approved)?;
        dict.set_item("retref", &self.retref)?;
        dict.set_item("cause", &self.cause)?;
        dict.set_item("attempts", self.attempts)?;
        let nested = |fields: Option<&Fields>| -> PyResult<Py<PyAny>> {
            fields.map_or_else(|| Ok(py.None()), |f| f.to_dict(py))
        };
        dict.set_item(
            "response",
            nested(self.response.as_ref().map(|r| &r.get().fields))?,
        )?;
        dict.set_item(
            "inquiry",
            nested(self.inquiry.as_ref().map(|r| &r.get().fields))?,
        )?;
        dict.set_item("void", nested(self.void.as_ref().map(|r| &r.get().fields))?)?;
        Ok(dict.into_any().unbind())
    }

    fn __str__(&self) -> &str {
        &self.message
    }

    fn __repr__(&self) -> String {
        format!(
            "AuthOutcome(kind='{}', approved={}, order_id='{}', retref={})",
            self.kind,
            if self.approved { "True" } else { "False" },
            self.order_id,
            self.retref
                .as_deref()
                .map_or_else(|| "None".to_owned(), |r| format!("'{r}'")),
        )
    }
}

/// A CardSecure token for a card (what `tokenize` returns): safe to store, never the number.
#[pyclass(frozen, module = "cardpointe")]
pub struct TokenizeResult {
    token: String,
    brand: Option<String>,
}

impl TokenizeResult {
    /// The token's Python view.
    pub(crate) fn new(token: &cardpointe::Token) -> Self {
        Self {
            token: token.as_str().to_owned(),
            brand: token
                .brand_hint()
                .map(|b| format!("{b:?}").to_ascii_lowercase()),
        }
    }
}

#[pymethods]
impl TokenizeResult {
    /// The token (`9…`, 16–19 characters; its last four are the card's).
    #[getter]
    fn token(&self) -> &str {
        &self.token
    }

    /// The card's last four digits.
    #[getter]
    fn last_four(&self) -> String {
        self.token
            .chars()
            .skip(self.token.chars().count().saturating_sub(4))
            .collect()
    }

    /// The brand the token's prefix suggests (`"visa"`, `"mastercard"`, …), when known.
    #[getter]
    fn brand(&self) -> Option<&str> {
        self.brand.as_deref()
    }

    /// `{"token": …, "brand": …}`.
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let dict = PyDict::new(py);
        dict.set_item("token", &self.token)?;
        dict.set_item("brand", &self.brand)?;
        Ok(dict.into_any().unbind())
    }

    fn __repr__(&self) -> String {
        format!(
            "TokenizeResult(token='…{}', brand={})",
            self.last_four(),
            self.brand
                .as_deref()
                .map_or_else(|| "None".to_owned(), |b| format!("'{b}'"))
        )
    }
}
