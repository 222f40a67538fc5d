//! Gateway answers as Python objects: typed attributes for the fields an integrator reads,
//! every other wire field through attribute access, `to_dict()` (the gateway's JSON keys and
//! shapes), and a `repr` that shows the outcome and masks what identifies a card.
//!
//! The values come from the Rust response models' own serialization (`cardpointe-types`,
//! which never holds a clear card number in a response), so nothing here parses the gateway.

use cardpointe::{Amount, HasOutcome};
use pyo3::exceptions::PyAttributeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use serde::Serialize;
use serde_json::{Map, Value};

/// A response's serialized fields and its outcome, shared by every result class.
#[derive(Debug, Clone)]
pub(crate) struct Fields {
    /// The wire JSON object of the response.
    wire: Map<String, Value>,
    /// `respstat` is `A`.
    approved: bool,
    /// The code tables' meaning, snake_case (`"insufficient_funds"`), when there is an outcome.
    category: Option<String>,
}

/// Wire keys read as amounts (minor units in Python).
const AMOUNT_KEYS: &[&str] = &[
    "amount",
    "fee_amount",
    "taxamnt",
    "refundtotal",
    "chargetotal",
    "netamnt",
    "setlamount",
];

/// Keys whose values identify a card or an account: masked in `repr` (they are already tokens
/// or masked numbers; `repr` shows only their last four).
const MASKED_KEYS: &[&str] = &["account", "token"];

impl Fields {
    /// The fields of a response with an outcome.
    pub(crate) fn with_outcome<R: Serialize + HasOutcome>(response: &R) -> Self {
        let outcome = response.outcome();
        let category = outcome
            .stat
            .is_some()
            .then(|| snake(&format!("{:?}", outcome.category())));
        Self {
            wire: wire(response),
            approved: outcome.is_approved(),
            category,
        }
    }

    /// The fields of a report (no outcome).
    pub(crate) fn plain<R: Serialize>(response: &R) -> Self {
        Self {
            wire: wire(response),
            approved: false,
            category: None,
        }
    }

    /// One field as Python: amounts as `int` minor units, the rest as JSON values.
    pub(crate) fn get(&self, py: Python<'_>, key: &str) -> PyResult<Py<PyAny>> {
        match self.wire.get(key) {
            None | Some(Value::Null) => Ok(py.None()),
            Some(value) if AMOUNT_KEYS.contains(&key) => amount_value(py, value),
            Some(value) => json_to_py(py, value),
        }
    }

    /// Attribute access for the fields without a typed getter (wire names; `snake_case` names
    /// of camelCase keys work too).
    pub(crate) fn getattr(&self, py: Python<'_>, name: &str) -> PyResult<Py<PyAny>> {
        if self.wire.contains_key(name) {
            return self.get(py, name);
        }
        if let Some(key) = self.wire.keys().find(|k| snake(k) == name) {
            return self.get(py, &key.clone());
        }
        Err(PyAttributeError::new_err(format!(
            "this response has no field {name:?} (fields present: {})",
            self.wire.keys().cloned().collect::<Vec<_>>().join(", ")
        )))
    }

    /// The wire object as a `dict` (amounts as the gateway writes them, `"19.99"`).
    pub(crate) fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        json_to_py(py, &Value::Object(self.wire.clone()))
    }

    /// `Name(key='value', …)` with the outcome first and card identifiers masked.
    pub(crate) fn repr(&self, name: &str, keys: &[&str]) -> String {
        let mut parts = Vec::new();
        if self.category.is_some() {
            parts.push(format!(
                "approved={}",
                if self.approved { "True" } else { "False" }
            ));
        }
        for key in keys {
            let Some(value) = self.wire.get(*key) else {
                continue;
            };
            let text = match value {
                Value::String(s) if MASKED_KEYS.contains(key) => format!("'…{}'", last_four(s)),
                Value::String(s) if AMOUNT_KEYS.contains(key) => Amount::parse_wire(s)
                    .map_or_else(|_| format!("'{s}'"), |a| a.minor_units().to_string()),
                Value::String(s) => format!("{s:?}").replace('"', "'"),
                Value::Null => continue,
                Value::Bool(b) => (if *b { "True" } else { "False" }).to_owned(),
                other => other.to_string(),
            };
            parts.push(format!("{key}={text}"));
        }
        format!("{name}({})", parts.join(", "))
    }

    /// Whether `respstat` is `A`.
    pub(crate) fn approved(&self) -> bool {
        self.approved
    }

    /// The outcome's category.
    pub(crate) fn category(&self) -> Option<String> {
        self.category.clone()
    }
}

/// The last four characters of an identifier (tokens and masked numbers end with the card's).
fn last_four(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    chars[chars.len().saturating_sub(4)..].iter().collect()
}

/// `InsufficientFunds` / `orderId` → `insufficient_funds` / `order_id`.
pub(crate) fn snake(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// A response's JSON object through its serde model.
fn wire<R: Serialize>(response: &R) -> Map<String, Value> {
    match serde_json::to_value(response) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

/// A wire amount (`"19.99"`) as minor units, through `Amount`'s own wire parser.
fn amount_value(py: Python<'_>, value: &Value) -> PyResult<Py<PyAny>> {
    let parsed = match value {
        Value::String(s) => Amount::parse_wire(s).ok(),
        Value::Number(n) => n.as_i64().and_then(|m| Amount::from_minor(m).ok()),
        _ => None,
    };
    match parsed {
        Some(amount) => Ok(amount.minor_units().into_pyobject(py)?.into_any().unbind()),
        None => json_to_py(py, value),
    }
}

/// A JSON value as the equivalent Python object.
pub(crate) fn json_to_py(py: Python<'_>, value: &Value) -> PyResult<Py<PyAny>> {
    Ok(match value {
        Value::Null => py.None(),
        Value::Bool(b) => b.into_pyobject(py)?.to_owned().into_any().unbind(),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => i.into_pyobject(py)?.into_any().unbind(),
            (None, Some(f)) => f.into_pyobject(py)?.into_any().unbind(),
            (None, None) => n.to_string().into_pyobject(py)?.into_any().unbind(),
        },
        Value::String(s) => s.into_pyobject(py)?.into_any().unbind(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(json_to_py(py, item)?)?;
            }
            list.into_any().unbind()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, json_to_py(py, v)?)?;
            }
            dict.into_any().unbind()
        }
    })
}

/// Declares a result class: typed getters for `fields` (wire keys), the rest by attribute,
/// `approved`, `category`, `to_dict()` and a masked `repr` showing `shown`.
macro_rules! result_class {
    (
        $(#[$meta:meta])*
        $name:ident, shown: [$($shown:literal),*], fields: { $($getter:ident => $key:literal),* $(,)? }
    ) => {
        $(#[$meta])*
        #[pyclass(frozen, module = "cardpointe")]
        pub struct $name {
            pub(crate) fields: Fields,
        }

        #[pymethods]
        impl $name {
            $(
                #[getter]
                fn $getter(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
                    self.fields.get(py, $key)
                }
            )*

            /// `True` only when `respstat` is `A`.
            #[getter]
            fn approved(&self) -> bool {
                self.fields.approved()
            }

            /// What the response code means (`"approved"`, `"insufficient_funds"`, …).
            #[getter]
            fn category(&self) -> Option<String> {
                self.fields.category()
            }

            /// Any other field of the answer, by its wire name.
            fn __getattr__(&self, py: Python<'_>, name: &str) -> PyResult<Py<PyAny>> {
                self.fields.getattr(py, name)
            }

            /// The answer as the gateway's JSON object (a new `dict`).
            fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
                self.fields.to_dict(py)
            }

            fn __repr__(&self) -> String {
                self.fields.repr(stringify!($name), &[$($shown),*])
            }
        }
    };
}

result_class!(
    /// The answer to `auth` (also inside an `AuthOutcome`).
    AuthResponse,
    shown: ["respstat", "respcode", "resptext", "retref", "amount", "token", "authcode"],
    fields: {
        respstat => "respstat", respcode => "respcode", resptext => "resptext",
        respproc => "respproc", retref => "retref", amount => "amount", account => "account",
        token => "token", expiry => "expiry", authcode => "authcode", batchid => "batchid",
        avsresp => "avsresp", cvvresp => "cvvresp", profileid => "profileid",
        acctid => "acctid", orderid => "orderId", entrymode => "entrymode",
        commcard => "commcard", bintype => "bintype", setlstat => "setlstat",
    }
);

result_class!(
    /// The answer to `capture`.
    CaptureResponse,
    shown: ["respstat", "respcode", "resptext", "retref", "amount", "batchid", "setlstat"],
    fields: {
        respstat => "respstat", respcode => "respcode", resptext => "resptext",
        respproc => "respproc", retref => "retref", amount => "amount", account => "account",
        token => "token", batchid => "batchid", setlstat => "setlstat", authcode => "authcode",
    }
);

result_class!(
    /// The answer to `void` and `void_by_orderid`.
    VoidResponse,
    shown: ["respstat", "respcode", "resptext", "retref", "amount"],
    fields: {
        respstat => "respstat", respcode => "respcode", resptext => "resptext",
        respproc => "respproc", retref => "retref", amount => "amount", authcode => "authcode",
    }
);

result_class!(
    /// The answer to `refund`.
    RefundResponse,
    shown: ["respstat", "respcode", "resptext", "retref", "amount"],
    fields: {
        respstat => "respstat", respcode => "respcode", resptext => "resptext",
        respproc => "respproc", retref => "retref", amount => "amount",
    }
);

result_class!(
    /// A transaction's state (`inquire`, `inquire_by_orderid`, a recovered auth).
    InquireResponse,
    shown: ["respstat", "respcode", "resptext", "retref", "amount", "setlstat"],
    fields: {
        respstat => "respstat", respcode => "respcode", resptext => "resptext",
        respproc => "respproc", retref => "retref", amount => "amount", account => "account",
        token => "token", setlstat => "setlstat", authcode => "authcode", batchid => "batchid",
        capturedate => "capturedate", voidable => "voidable", refundable => "refundable",
    }
);

result_class!(
    /// A stored profile account (`profile_create`, `profile_update`, `profile_get`,
    /// `profile_delete`).
    ProfileResponse,
    shown: ["respstat", "respcode", "resptext", "profileid", "acctid", "token"],
    fields: {
        respstat => "respstat", respcode => "respcode", resptext => "resptext",
        respproc => "respproc", profileid => "profileid", acctid => "acctid",
        account => "account", token => "token", expiry => "expiry", name => "name",
        defaultacct => "defaultacct", accttype => "accttype", postal => "postal",
    }
);

result_class!(
    /// The answer to `sigcap`.
    SigcapResponse,
    shown: ["respstat", "respcode", "resptext", "retref"],
    fields: {
        respstat => "respstat", respcode => "respcode", resptext => "resptext",
        respproc => "respproc", retref => "retref",
    }
);

result_class!(
    /// A day's funding report (`funding`).
    FundingResponse,
    shown: ["merchid", "fundingdate"],
    fields: {
        merchid => "merchid", fundingdate => "fundingdate", fundings => "fundings",
        txns => "txns", adjustments => "adjustments", chargebacks => "chargebacks",
    }
);

result_class!(
    /// One settlement batch (`settlestat`).
    SettlementBatch,
    shown: ["batchid", "hoststat", "chargetotal", "refundtotal"],
    fields: {
        batchid => "batchid", hostbatch => "hostbatch", hoststat => "hoststat",
        respproc => "respproc", chargetotal => "chargetotal", refundtotal => "refundtotal",
        txns => "txns",
    }
);

result_class!(
    /// What the card behind a token is (`bin`).
    BinInfo,
    shown: ["product", "country", "subtype", "corporate", "prepaid"],
    fields: {
        country => "country", product => "product", cardusestring => "cardusestring",
        subtype => "subtype", corporate => "corporate", purchase => "purchase",
        prepaid => "prepaid", fsa => "fsa", gsa => "gsa", issuer => "issuer",
        binlo => "binlo", binhi => "binhi",
    }
);
