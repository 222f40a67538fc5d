//! `cardpointe.Emulator`: the `cardpointe-sim` emulator of the Gateway and CardSecure, served
//! in this process on loopback (HTTPS by default) for test suites and examples.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use cardpointe_sim::{FaultRule, Sim};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyList;
use serde_json::json;

use crate::errors;
use crate::gateway::{Extras, Gateway};
use crate::results::json_to_py;
use crate::runtime;

/// What a running emulator is reached by (kept after `close()` for messages).
struct Address {
    base_url: String,
    gateway_url: String,
    cardsecure_url: String,
    merchid: String,
    username: String,
    password: String,
    ca_cert: String,
    plain: bool,
}

/// A CardPointe Gateway + CardSecure emulator running in this process.
#[pyclass(module = "cardpointe")]
pub struct Emulator {
    sim: Mutex<Option<Sim>>,
    address: Address,
}

impl Emulator {
    /// Runs `f` on the running emulator, or says it is closed.
    fn with_sim<T>(&self, f: impl FnOnce(&Sim) -> T) -> PyResult<T> {
        let guard = self
            .sim
            .lock()
            .map_err(|_| PyRuntimeError::new_err("emulator lock poisoned"))?;
        guard.as_ref().map(f).ok_or_else(|| {
            PyRuntimeError::new_err("the emulator is closed; start a new Emulator()")
        })
    }
}

#[pymethods]
impl Emulator {
    /// Starts an emulator on `127.0.0.1` (a free port). HTTPS with a CA made at start-up unless
    /// `plain=True`; `timeout_delay` is how long the timeout test cards take (seconds).
    #[new]
    #[pyo3(signature = (*, plain=false, timeout_delay=0.2))]
    fn py_new(py: Python<'_>, plain: bool, timeout_delay: f64) -> PyResult<Self> {
        let delay = Duration::try_from_secs_f64(timeout_delay)
            .map_err(|_| errors::invalid_input("timeout_delay", "give seconds, 0 or more"))?;
        let mut builder = Sim::builder().timeout_delay(delay);
        if plain {
            builder = builder.plain();
        }
        let sim = runtime::block_on(py, builder.start())?.map_err(|e| errors::sim(&e))?;
        let (username, password) = sim.credentials();
        let address = Address {
            base_url: sim.base_url(),
            gateway_url: sim.gateway_url(),
            cardsecure_url: sim.cardsecure_url(),
            merchid: sim.merchid().to_owned(),
            username: username.to_owned(),
            password: password.to_owned(),
            ca_cert: sim.root_certificate_pem().to_owned(),
            plain,
        };
        Ok(Self {
            sim: Mutex::new(Some(sim)),
            address,
        })
    }

    /// `https://127.0.0.1:PORT` (`http://` when plain).
    #[getter]
    fn base_url(&self) -> &str {
        &self.address.base_url
    }

    /// The Gateway base URL, `…/cardconnect/rest/`.
    #[getter]
    fn gateway_url(&self) -> &str {
        &self.address.gateway_url
    }

    /// The CardSecure base URL, `…/cardsecure/api/v1/`.
    #[getter]
    fn cardsecure_url(&self) -> &str {
        &self.address.cardsecure_url
    }

    /// The test merchant id.
    #[getter]
    fn merchid(&self) -> &str {
        &self.address.merchid
    }

    /// The API user name.
    #[getter]
    fn username(&self) -> &str {
        &self.address.username
    }

    /// The API password (a test credential of the emulator).
    #[getter]
    fn password(&self) -> &str {
        &self.address.password
    }

    /// The CA certificate (PEM) to trust; empty when plain.
    #[getter]
    fn ca_cert(&self) -> &str {
        &self.address.ca_cert
    }

    /// A `Gateway` for the emulator's merchant, trusting its CA.
    #[pyo3(signature = (*, username=None, password=None, timeout=None, recovery_pause=None))]
    fn gateway(
        &self,
        py: Python<'_>,
        username: Option<String>,
        password: Option<String>,
        timeout: Option<f64>,
        recovery_pause: Option<f64>,
    ) -> PyResult<Gateway> {
        let mut settings = HashMap::new();
        settings.insert("CARDPOINTE_BASE_URL", self.address.base_url.clone());
        settings.insert("CARDPOINTE_MERCHID", self.address.merchid.clone());
        settings.insert(
            "CARDPOINTE_USERNAME",
            username.unwrap_or_else(|| self.address.username.clone()),
        );
        settings.insert(
            "CARDPOINTE_PASSWORD",
            password.unwrap_or_else(|| self.address.password.clone()),
        );
        let extras = Extras {
            ca_cert_pem: (!self.address.plain).then(|| self.address.ca_cert.clone()),
            allow_plain_http: self.address.plain,
            timeout,
            recovery_pause,
        };
        Gateway::build(py, &settings, extras)
    }

    /// Closes and settles every open batch now; returns how many batches settled.
    fn settle(&self) -> PyResult<usize> {
        self.with_sim(Sim::settle_now)
    }

    /// Moves the emulator's clock forward by `seconds`.
    fn advance_clock(&self, seconds: f64) -> PyResult<()> {
        let by = Duration::try_from_secs_f64(seconds)
            .map_err(|_| errors::invalid_input("seconds", "give seconds, 0 or more"))?;
        self.with_sim(|sim| sim.advance_clock(by))
    }

    /// Injects a fault: `fault` is `"delay"`, `"close_before"`, `"close_after"`,
    /// `"server_error"`, `"malformed_json"` or `"too_many_requests"`; `endpoint` the
    /// gateway's name (`"auth"`, `"capture"`, `"inquireByOrderid"`, `"tokenize"` …) or `None`
    /// for every call; `times=None` for every matching request.
    #[pyo3(signature = (endpoint, fault, *, delay_ms=0, times=Some(1), orderid=None))]
    fn inject_fault(
        &self,
        endpoint: Option<String>,
        fault: &str,
        delay_ms: u64,
        times: Option<u32>,
        orderid: Option<String>,
    ) -> PyResult<()> {
        let rule: FaultRule = serde_json::from_value(json!({
            "endpoint": endpoint, "fault": fault, "delay_ms": delay_ms, "times": times,
            "orderid": orderid,
        }))
        .map_err(|e| {
            errors::invalid_input(
                "fault",
                format!(
                    "{e}; use delay, close_before, close_after, server_error, malformed_json or \
                     too_many_requests"
                ),
            )
        })?;
        self.with_sim(|sim| sim.inject(rule))
    }

    /// Removes every fault rule.
    fn clear_faults(&self) -> PyResult<()> {
        self.with_sim(|sim| sim.engine().clear_faults())
    }

    /// Back to a fresh start: empty ledger, profiles and tokens, no faults.
    fn reset(&self) -> PyResult<()> {
        self.with_sim(Sim::reset)
    }

    /// Every recorded transaction (card data masked), as dicts.
    fn ledger(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let entries = self.with_sim(Sim::ledger)?;
        let list = PyList::empty(py);
        for entry in &entries {
            let value = serde_json::to_value(entry)
                .map_err(|e| PyRuntimeError::new_err(format!("ledger entry: {e}")))?;
            list.append(json_to_py(py, &value)?)?;
        }
        Ok(list.into_any().unbind())
    }

    /// Stops serving (idempotent).
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        let sim = self
            .sim
            .lock()
            .map_err(|_| PyRuntimeError::new_err("emulator lock poisoned"))?
            .take();
        if let Some(sim) = sim {
            runtime::block_on(py, sim.shutdown())?;
        }
        Ok(())
    }

    /// Whether it is still serving.
    #[getter]
    fn running(&self) -> bool {
        self.sim.lock().is_ok_and(|s| s.is_some())
    }

    fn __enter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, py: Python<'_>, _exc: &Bound<'_, pyo3::types::PyTuple>) -> PyResult<bool> {
        self.close(py)?;
        Ok(false)
    }

    fn __repr__(&self) -> String {
        format!(
            "Emulator(base_url='{}', merchid='{}')",
            self.address.base_url, self.address.merchid
        )
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        // Not closed: stop serving in the background rather than serve forever.
        let sim = self.sim.get_mut().ok().and_then(Option::take);
        if let (Some(sim), Ok(rt)) = (sim, runtime::runtime()) {
            rt.spawn(sim.shutdown());
        }
    }
}
