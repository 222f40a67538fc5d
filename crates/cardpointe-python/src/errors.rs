//! The Rust layers' errors as the exceptions of `cardpointe.errors` (one hierarchy under
//! `CardPointeError`). The classes are Python's (defined in `python/cardpointe/errors.py`, so
//! they carry docstrings and attributes); this module only picks the class and the message.

use std::error::Error as StdError;

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyType};

/// The exception classes, looked up once.
fn class<'py>(py: Python<'py>, name: &'static str) -> PyResult<Bound<'py, PyType>> {
    static MODULE: PyOnceLock<Py<PyModule>> = PyOnceLock::new();
    let module =
        MODULE.get_or_try_init(py, || py.import("cardpointe.errors").map(Bound::unbind))?;
    Ok(module.bind(py).getattr(name)?.cast_into::<PyType>()?)
}

/// An exception of class `name` with `message` and keyword attributes `attrs`.
fn raise(
    py: Python<'_>,
    name: &'static str,
    message: String,
    attrs: &[(&str, Py<PyAny>)],
) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let kwargs = PyDict::new(py);
        for (key, value) in attrs {
            kwargs.set_item(*key, value)?;
        }
        let instance = class(py, name)?.call((message.clone(),), Some(&kwargs))?;
        Ok(PyErr::from_value(instance))
    };
    build().unwrap_or_else(|e| e)
}

/// `InvalidInput` for one argument: what was wrong with it and how to fix it. Nothing was sent.
pub(crate) fn invalid_input(field: &str, problem: impl std::fmt::Display) -> PyErr {
    Python::attach(|py| {
        raise(
            py,
            "InvalidInput",
            format!("{field}: {problem}"),
            &[(
                "field",
                field
                    .into_pyobject(py)
                    .map_or_else(|_| py.None(), |s| s.into_any().unbind()),
            )],
        )
    })
}

/// The error and its sources, joined with ": " (no text in the chain quotes a body).
pub(crate) fn chain(error: &dyn StdError) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let part = cause.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = cause.source();
    }
    text
}

/// A transport error as `AuthenticationError`, `ConnectionError`, `ApiError` or `RequestError`.
fn transport(py: Python<'_>, error: &cardpointe::transport::Error, message: String) -> PyErr {
    let sent = error
        .maybe_sent()
        .into_pyobject(py)
        .map(|b| b.to_owned().into_any().unbind());
    let sent = sent.unwrap_or_else(|_| py.None());
    if error.is_auth() {
        raise(py, "AuthenticationError", message, &[])
    } else if error.is_config() {
        raise(py, "ConfigurationError", message, &[])
    } else if error.is_connect() || error.is_timeout() || error.is_io() {
        raise(
            py,
            "ConnectionError",
            message,
            &[("may_have_been_sent", sent)],
        )
    } else if let Some(status) = error.status() {
        let status = status
            .as_u16()
            .into_pyobject(py)
            .map_or_else(|_| py.None(), |s| s.into_any().unbind());
        raise(
            py,
            "ApiError",
            message,
            &[("status", status), ("may_have_been_sent", sent)],
        )
    } else if error.is_decode() {
        raise(py, "ApiError", message, &[("may_have_been_sent", sent)])
    } else {
        raise(py, "RequestError", message, &[])
    }
}

/// The facade's error as the matching Python exception.
pub(crate) fn to_py(error: &cardpointe::Error) -> PyErr {
    Python::attach(|py| {
        let message = chain(error);
        match error {
            cardpointe::Error::Transport(e) => transport(py, e, message),
            cardpointe::Error::Value(_) => raise(py, "InvalidInput", message, &[]),
            cardpointe::Error::CardSecure(inner) => cardsecure(py, inner, message),
            _ => raise(py, "CardPointeError", message, &[]),
        }
    })
}

/// A CardSecure error: local validation → `InvalidInput`, a refusal → `ApiError` with CardSecure's
/// code, a transport failure as any other.
pub(crate) fn cardsecure(
    py: Python<'_>,
    error: &cardpointe::cardsecure::Error,
    message: String,
) -> PyErr {
    use cardpointe::cardsecure::Error as E;
    match error {
        E::Invalid(_) => raise(py, "InvalidInput", message, &[]),
        E::Rejected { code, .. } => {
            let code = code
                .code()
                .into_pyobject(py)
                .map_or_else(|_| py.None(), |c| c.into_any().unbind());
            raise(py, "ApiError", message, &[("code", code)])
        }
        E::Transport(e) => transport(py, e, message),
        _ => raise(py, "ApiError", message, &[]),
    }
}

/// A start-up failure of the emulator.
pub(crate) fn sim(error: &cardpointe_sim::SimError) -> PyErr {
    Python::attach(|py| raise(py, "CardPointeError", chain(error), &[]))
}
