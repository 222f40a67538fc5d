//! `cardpointe.Gateway`: every facade operation, each once as a blocking method (GIL released
//! while it waits) and once as `_<name>_async(done, …)`, the entry point of
//! `cardpointe.aio.AsyncGateway`. Both build the request the same way (one `*_request` per
//! operation) and send it through `cardpointe::Gateway`, the one send path.

use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;

use cardpointe::cardsecure::{CardSecure, TokenizeOptions};
use cardpointe::transport::{Client, ClientBuilder, Timeouts};
use cardpointe::{
    AuthRequest, BinRequest, CaptureRequest, FundingRequest, InquireByOrderIdRequest,
    InquireRequest, ProfileDeleteRequest, ProfileReadRequest, ProfileRequest, RecoveryPolicy,
    RefundRequest, SettlestatRequest, SigcapRequest, VoidByOrderIdRequest, VoidRequest,
};
use pyo3::prelude::*;
use pyo3::types::PyList;

use crate::errors;
use crate::input;
use crate::outcome::{AuthOutcome, TokenizeResult};
use crate::results::{
    AuthResponse, BinInfo, CaptureResponse, Fields, FundingResponse, InquireResponse,
    ProfileResponse, RefundResponse, SettlementBatch, SigcapResponse, VoidResponse,
};
use crate::runtime;

/// The `CARDPOINTE_*` variable each constructor argument stands for (one reader of them: the
/// transport's `ClientBuilder::from_lookup`).
const VARIABLES: &[(&str, &str)] = &[
    ("site", "CARDPOINTE_SITE"),
    ("base_url", "CARDPOINTE_BASE_URL"),
    ("merchid", "CARDPOINTE_MERCHID"),
    ("username", "CARDPOINTE_USERNAME"),
    ("password", "CARDPOINTE_PASSWORD"),
    ("ca_cert_file", "CARDPOINTE_CA_CERT"),
];

/// Options that are not `CARDPOINTE_*` variables.
#[derive(Default)]
pub(crate) struct Extras {
    /// A PEM CA certificate to trust (an emulator's).
    pub(crate) ca_cert_pem: Option<String>,
    /// `http://` to a loopback emulator, asked for by name.
    pub(crate) allow_plain_http: bool,
    /// The payment timeout (auth, capture, void, refund …), seconds.
    pub(crate) timeout: Option<f64>,
    /// The pause before each recovery request of a lost auth, seconds.
    pub(crate) recovery_pause: Option<f64>,
}

/// A CardPointe Gateway client for one merchant: every operation as a method, declines as
/// values, and an `auth` that never charges twice.
#[pyclass(frozen, module = "cardpointe")]
pub struct Gateway {
    gateway: cardpointe::Gateway,
    cardsecure: CardSecure,
}

fn seconds(field: &str, value: f64) -> PyResult<Duration> {
    Duration::try_from_secs_f64(value)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| errors::invalid_input(field, "give a positive number of seconds"))
}

impl Gateway {
    /// A gateway from `CARDPOINTE_*`-style settings (looked up in `settings`, then nowhere) and
    /// the extras.
    pub(crate) fn build(
        py: Python<'_>,
        settings: &HashMap<&'static str, String>,
        extras: Extras,
    ) -> PyResult<Self> {
        let rt = runtime::runtime()?;
        let _guard = rt.enter();
        let mut builder = ClientBuilder::from_lookup(|name| settings.get(name).cloned())
            .map_err(|e| errors::to_py(&e.into()))?;
        if let Some(pem) = &extras.ca_cert_pem {
            builder = builder
                .add_root_certificates_pem(pem.as_bytes())
                .map_err(|e| errors::to_py(&e.into()))?;
        }
        if extras.allow_plain_http {
            builder = builder.allow_plain_http_to_loopback();
        }
        if let Some(timeout) = extras.timeout {
            builder =
                builder.timeouts(Timeouts::default().with_payment(seconds("timeout", timeout)?));
        }
        let version = py
            .import("cardpointe")
            .and_then(|m| m.getattr("__version__"))
            .and_then(|v| v.extract::<String>())
            .unwrap_or_else(|_| env!("CARGO_PKG_VERSION").to_owned());
        builder = builder.app_info("cardpointe-python", version);
        let client: Client = builder.build().map_err(|e| errors::to_py(&e.into()))?;
        let mut gateway = cardpointe::Gateway::new(client.clone());
        if let Some(pause) = extras.recovery_pause {
            let pause = Duration::try_from_secs_f64(pause)
                .map_err(|_| errors::invalid_input("recovery_pause", "give seconds, 0 or more"))?;
            gateway = gateway.with_recovery(RecoveryPolicy::default().with_pause(pause));
        }
        Ok(Self {
            gateway,
            cardsecure: CardSecure::new(client),
        })
    }

    /// The settings of the process environment.
    fn environment() -> HashMap<&'static str, String> {
        let mut names: Vec<&'static str> = VARIABLES.iter().map(|(_, v)| *v).collect();
        names.push("CARDPOINTE_ALLOW_PLAIN_HTTP");
        names
            .into_iter()
            .filter_map(|name| std::env::var(name).ok().map(|v| (name, v)))
            .collect()
    }

    /// Blocks on `call` (GIL released) and converts its answer.
    fn run<T, F, C>(&self, py: Python<'_>, call: F, convert: C) -> PyResult<Py<PyAny>>
    where
        F: Future<Output = Result<T, cardpointe::Error>> + Send,
        T: Send,
        C: FnOnce(Python<'_>, T) -> PyResult<Py<PyAny>>,
    {
        match runtime::block_on(py, call)? {
            Ok(answer) => convert(py, answer),
            Err(error) => Err(errors::to_py(&error)),
        }
    }

    /// Spawns `call`; `done(value, error)` gets the converted answer or the exception.
    fn start<T, F, C>(&self, call: F, convert: C, done: Py<PyAny>) -> PyResult<()>
    where
        F: Future<Output = Result<T, cardpointe::Error>> + Send + 'static,
        T: Send + 'static,
        C: FnOnce(Python<'_>, T) -> PyResult<Py<PyAny>> + Send + 'static,
    {
        runtime::spawn(
            call,
            move |py, output| match output {
                Ok(answer) => convert(py, answer),
                Err(error) => Err(errors::to_py(&error)),
            },
            done,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn auth_request(
        &self,
        amount: &Bound<'_, PyAny>,
        card: Option<&str>,
        token: Option<&str>,
        profile: Option<&str>,
        expiry: Option<&str>,
        cvv2: Option<&str>,
        orderid: Option<&str>,
        capture: bool,
        create_profile: bool,
        name: Option<String>,
        postal: Option<&str>,
        ecomind: Option<&str>,
    ) -> PyResult<AuthRequest> {
        let amount = input::amount("amount", amount)?;
        let source = input::source(card, token, profile, expiry, cvv2)?;
        let mut request = AuthRequest::new(amount, source.source);
        request.expiry = source.expiry;
        request.cvv2 = source.cvv;
        request.capture = capture.then(|| true.into());
        if let Some(orderid) = orderid {
            request.orderid = Some(input::order_id(orderid)?);
        }
        if create_profile {
            request = request.with_profile_creation();
        }
        request.name = name;
        request.postal = input::opt_parse("postal", postal)?;
        request.ecomind = input::opt_parse("ecomind", ecomind)?;
        Ok(request)
    }

    fn capture_request(
        &self,
        retref: &str,
        amount: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<CaptureRequest> {
        let mut request = CaptureRequest::new(input::retref(retref)?);
        if let Some(amount) = input::opt_amount("amount", amount)? {
            request = request.with_amount(amount);
        }
        Ok(request)
    }

    fn void_request(
        &self,
        retref: &str,
        amount: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<VoidRequest> {
        let mut request = VoidRequest::new(input::retref(retref)?);
        request.amount = input::opt_amount("amount", amount)?;
        Ok(request)
    }

    fn refund_request(
        &self,
        retref: &str,
        amount: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<RefundRequest> {
        let mut request = RefundRequest::new(input::retref(retref)?);
        if let Some(amount) = input::opt_amount("amount", amount)? {
            request = request.with_amount(amount);
        }
        Ok(request)
    }

    #[allow(clippy::too_many_arguments)]
    fn profile_request(
        &self,
        card: Option<&str>,
        token: Option<&str>,
        expiry: Option<&str>,
        cvv2: Option<&str>,
        profile: Option<&str>,
        name: Option<String>,
        postal: Option<&str>,
        default_account: bool,
    ) -> PyResult<ProfileRequest> {
        let source = input::source(card, token, None, expiry, cvv2)?;
        let mut request =
            ProfileRequest::create(source.source).map_err(|e| errors::invalid_input("card", e))?;
        request.expiry = source.expiry;
        request.cvv2 = source.cvv;
        if let Some(profile) = profile {
            request = request.for_profile(input::profile_ref("profile", profile)?);
        }
        request.name = name;
        request.postal = input::opt_parse("postal", postal)?;
        request.defaultacct = default_account.then(|| true.into());
        Ok(request)
    }
}

/// Converters from the facade's answers to Python objects.
mod convert {
    use super::*;

    pub(super) fn outcome(py: Python<'_>, o: cardpointe::AuthOutcome) -> PyResult<Py<PyAny>> {
        Ok(Py::new(py, AuthOutcome::new(py, &o)?)?.into_any())
    }

    macro_rules! one {
        ($fn:ident, $class:ident, $fields:ident) => {
            pub(super) fn $fn<R: serde::Serialize + cardpointe::HasOutcome>(
                py: Python<'_>,
                r: R,
            ) -> PyResult<Py<PyAny>> {
                Ok(Py::new(
                    py,
                    $class {
                        fields: Fields::$fields(&r),
                    },
                )?
                .into_any())
            }
        };
    }
    one!(capture, CaptureResponse, with_outcome);
    one!(void, VoidResponse, with_outcome);
    one!(refund, RefundResponse, with_outcome);
    one!(inquire, InquireResponse, with_outcome);
    one!(profile, ProfileResponse, with_outcome);
    one!(sigcap, SigcapResponse, with_outcome);

    pub(super) fn auth_response<R: serde::Serialize + cardpointe::HasOutcome>(
        py: Python<'_>,
        r: R,
    ) -> PyResult<Py<PyAny>> {
        Ok(Py::new(
            py,
            AuthResponse {
                fields: Fields::with_outcome(&r),
            },
        )?
        .into_any())
    }

    pub(super) fn inquiries(
        py: Python<'_>,
        list: Vec<cardpointe::InquireResponse>,
    ) -> PyResult<Py<PyAny>> {
        let out = PyList::empty(py);
        for r in &list {
            out.append(Py::new(
                py,
                InquireResponse {
                    fields: Fields::with_outcome(r),
                },
            )?)?;
        }
        Ok(out.into_any().unbind())
    }

    pub(super) fn profiles(
        py: Python<'_>,
        list: Vec<cardpointe::ProfileResponse>,
    ) -> PyResult<Py<PyAny>> {
        let out = PyList::empty(py);
        for r in &list {
            out.append(Py::new(
                py,
                ProfileResponse {
                    fields: Fields::with_outcome(r),
                },
            )?)?;
        }
        Ok(out.into_any().unbind())
    }

    pub(super) fn batches(
        py: Python<'_>,
        list: Vec<cardpointe::types::SettlementBatch>,
    ) -> PyResult<Py<PyAny>> {
        let out = PyList::empty(py);
        for r in &list {
            out.append(Py::new(
                py,
                SettlementBatch {
                    fields: Fields::plain(r),
                },
            )?)?;
        }
        Ok(out.into_any().unbind())
    }

    pub(super) fn funding(py: Python<'_>, r: cardpointe::FundingResponse) -> PyResult<Py<PyAny>> {
        Ok(Py::new(
            py,
            FundingResponse {
                fields: Fields::plain(&r),
            },
        )?
        .into_any())
    }

    pub(super) fn bin(py: Python<'_>, r: cardpointe::types::BinInfo) -> PyResult<Py<PyAny>> {
        Ok(Py::new(
            py,
            BinInfo {
                fields: Fields::plain(&r),
            },
        )?
        .into_any())
    }

    pub(super) fn token(py: Python<'_>, t: cardpointe::Token) -> PyResult<Py<PyAny>> {
        Ok(Py::new(py, TokenizeResult::new(&t))?.into_any())
    }
}

#[pymethods]
impl Gateway {
    /// A gateway from arguments (the same settings as the `CARDPOINTE_*` variables).
    #[new]
    #[pyo3(signature = (*, merchid, username, password, site=None, base_url=None, ca_cert=None,
        ca_cert_file=None, allow_plain_http=false, timeout=None, recovery_pause=None))]
    #[allow(clippy::too_many_arguments)]
    fn py_new(
        py: Python<'_>,
        merchid: String,
        username: String,
        password: String,
        site: Option<String>,
        base_url: Option<String>,
        ca_cert: Option<String>,
        ca_cert_file: Option<String>,
        allow_plain_http: bool,
        timeout: Option<f64>,
        recovery_pause: Option<f64>,
    ) -> PyResult<Self> {
        let mut settings = HashMap::new();
        for (name, value) in [
            ("CARDPOINTE_MERCHID", Some(merchid)),
            ("CARDPOINTE_USERNAME", Some(username)),
            ("CARDPOINTE_PASSWORD", Some(password)),
            ("CARDPOINTE_SITE", site),
            ("CARDPOINTE_BASE_URL", base_url),
            ("CARDPOINTE_CA_CERT", ca_cert_file),
        ] {
            if let Some(value) = value {
                settings.insert(name, value);
            }
        }
        let extras = Extras {
            ca_cert_pem: ca_cert,
            allow_plain_http,
            timeout,
            recovery_pause,
        };
        Self::build(py, &settings, extras)
    }

    /// A gateway from the `CARDPOINTE_*` environment variables, exactly as the Rust
    /// `Gateway::from_env` reads them.
    #[staticmethod]
    #[pyo3(signature = (*, timeout=None, recovery_pause=None))]
    fn from_env(
        py: Python<'_>,
        timeout: Option<f64>,
        recovery_pause: Option<f64>,
    ) -> PyResult<Self> {
        let extras = Extras {
            timeout,
            recovery_pause,
            ..Extras::default()
        };
        Self::build(py, &Self::environment(), extras)
    }

    /// A gateway from a mapping: the constructor's argument names, or the `CARDPOINTE_*`
    /// variable names (`{"CARDPOINTE_SITE": "fts-uat", …}`), as a settings file holds them.
    #[staticmethod]
    fn from_config(
        py: Python<'_>,
        config: &Bound<'_, pyo3::types::PyDict>,
    ) -> PyResult<Py<Gateway>> {
        let kwargs = pyo3::types::PyDict::new(py);
        for (key, value) in config.iter() {
            let key: String = key.extract()?;
            let name = key.trim().to_ascii_lowercase();
            let name = name.strip_prefix("cardpointe_").unwrap_or(&name).to_owned();
            let name = if name == "ca_cert" && key.trim().eq_ignore_ascii_case("CARDPOINTE_CA_CERT")
            {
                "ca_cert_file".to_owned()
            } else {
                name
            };
            if name == "allow_plain_http" {
                let text: String = value.str()?.extract()?;
                kwargs.set_item(
                    "allow_plain_http",
                    text.eq_ignore_ascii_case("loopback") || text == "True",
                )?;
            } else {
                kwargs.set_item(name, value)?;
            }
        }
        let gateway = py.get_type::<Gateway>().call((), Some(&kwargs))?;
        Ok(gateway.cast_into::<Gateway>()?.unbind())
    }

    /// The merchant id this gateway works for.
    #[getter]
    fn merchant_id(&self) -> &str {
        self.gateway.merchant_id().as_str()
    }

    fn __repr__(&self) -> String {
        format!("Gateway(merchid='{}')", self.gateway.merchant_id().as_str())
    }

    /// Safe auth (see the stubs for the arguments).
    #[pyo3(signature = (amount, *, card=None, token=None, profile=None, expiry=None, cvv2=None,
        orderid=None, capture=false, create_profile=false, name=None, postal=None, ecomind=None))]
    #[allow(clippy::too_many_arguments)]
    fn auth(
        &self,
        py: Python<'_>,
        amount: &Bound<'_, PyAny>,
        card: Option<&str>,
        token: Option<&str>,
        profile: Option<&str>,
        expiry: Option<&str>,
        cvv2: Option<&str>,
        orderid: Option<&str>,
        capture: bool,
        create_profile: bool,
        name: Option<String>,
        postal: Option<&str>,
        ecomind: Option<&str>,
    ) -> PyResult<Py<PyAny>> {
        let request = self.auth_request(
            amount,
            card,
            token,
            profile,
            expiry,
            cvv2,
            orderid,
            capture,
            create_profile,
            name,
            postal,
            ecomind,
        )?;
        let gateway = self.gateway.clone();
        self.run(
            py,
            async move { gateway.auth(request).await },
            convert::outcome,
        )
    }

    #[pyo3(signature = (done, amount, *, card=None, token=None, profile=None, expiry=None,
        cvv2=None, orderid=None, capture=false, create_profile=false, name=None, postal=None,
        ecomind=None))]
    #[allow(clippy::too_many_arguments)]
    fn _auth_async(
        &self,
        done: Py<PyAny>,
        amount: &Bound<'_, PyAny>,
        card: Option<&str>,
        token: Option<&str>,
        profile: Option<&str>,
        expiry: Option<&str>,
        cvv2: Option<&str>,
        orderid: Option<&str>,
        capture: bool,
        create_profile: bool,
        name: Option<String>,
        postal: Option<&str>,
        ecomind: Option<&str>,
    ) -> PyResult<()> {
        let request = self.auth_request(
            amount,
            card,
            token,
            profile,
            expiry,
            cvv2,
            orderid,
            capture,
            create_profile,
            name,
            postal,
            ecomind,
        )?;
        let gateway = self.gateway.clone();
        self.start(
            async move { gateway.auth(request).await },
            convert::outcome,
            done,
        )
    }

    /// One `auth` request without recovery (the raw answer; a lost answer raises
    /// `ConnectionError` with `may_have_been_sent`).
    #[pyo3(signature = (amount, *, card=None, token=None, profile=None, expiry=None, cvv2=None,
        orderid=None, capture=false, create_profile=false, name=None, postal=None, ecomind=None))]
    #[allow(clippy::too_many_arguments)]
    fn auth_once(
        &self,
        py: Python<'_>,
        amount: &Bound<'_, PyAny>,
        card: Option<&str>,
        token: Option<&str>,
        profile: Option<&str>,
        expiry: Option<&str>,
        cvv2: Option<&str>,
        orderid: Option<&str>,
        capture: bool,
        create_profile: bool,
        name: Option<String>,
        postal: Option<&str>,
        ecomind: Option<&str>,
    ) -> PyResult<Py<PyAny>> {
        let request = self.auth_request(
            amount,
            card,
            token,
            profile,
            expiry,
            cvv2,
            orderid,
            capture,
            create_profile,
            name,
            postal,
            ecomind,
        )?;
        let gateway = self.gateway.clone();
        self.run(
            py,
            async move { gateway.call(&request).await },
            convert::auth_response,
        )
    }

    /// `capture`.
    #[pyo3(signature = (retref, *, amount=None))]
    fn capture(
        &self,
        py: Python<'_>,
        retref: &str,
        amount: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let request = self.capture_request(retref, amount)?;
        let gateway = self.gateway.clone();
        self.run(
            py,
            async move { gateway.capture(&request).await },
            convert::capture,
        )
    }

    #[pyo3(signature = (done, retref, *, amount=None))]
    fn _capture_async(
        &self,
        done: Py<PyAny>,
        retref: &str,
        amount: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let request = self.capture_request(retref, amount)?;
        let gateway = self.gateway.clone();
        self.start(
            async move { gateway.capture(&request).await },
            convert::capture,
            done,
        )
    }

    /// `void`.
    #[pyo3(signature = (retref, *, amount=None))]
    fn void(
        &self,
        py: Python<'_>,
        retref: &str,
        amount: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let request = self.void_request(retref, amount)?;
        let gateway = self.gateway.clone();
        self.run(
            py,
            async move { gateway.void(&request).await },
            convert::void,
        )
    }

    #[pyo3(signature = (done, retref, *, amount=None))]
    fn _void_async(
        &self,
        done: Py<PyAny>,
        retref: &str,
        amount: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let request = self.void_request(retref, amount)?;
        let gateway = self.gateway.clone();
        self.start(
            async move { gateway.void(&request).await },
            convert::void,
            done,
        )
    }

    /// `refund`.
    #[pyo3(signature = (retref, *, amount=None))]
    fn refund(
        &self,
        py: Python<'_>,
        retref: &str,
        amount: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let request = self.refund_request(retref, amount)?;
        let gateway = self.gateway.clone();
        self.run(
            py,
            async move { gateway.refund(&request).await },
            convert::refund,
        )
    }

    #[pyo3(signature = (done, retref, *, amount=None))]
    fn _refund_async(
        &self,
        done: Py<PyAny>,
        retref: &str,
        amount: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let request = self.refund_request(retref, amount)?;
        let gateway = self.gateway.clone();
        self.start(
            async move { gateway.refund(&request).await },
            convert::refund,
            done,
        )
    }

    /// `inquire`.
    fn inquire(&self, py: Python<'_>, retref: &str) -> PyResult<Py<PyAny>> {
        let request = InquireRequest::new(input::retref(retref)?);
        let gateway = self.gateway.clone();
        self.run(
            py,
            async move { gateway.inquire(&request).await },
            convert::inquire,
        )
    }

    fn _inquire_async(&self, done: Py<PyAny>, retref: &str) -> PyResult<()> {
        let request = InquireRequest::new(input::retref(retref)?);
        let gateway = self.gateway.clone();
        self.start(
            async move { gateway.inquire(&request).await },
            convert::inquire,
            done,
        )
    }

    /// `inquireByOrderid`.
    fn inquire_by_orderid(&self, py: Python<'_>, orderid: &str) -> PyResult<Py<PyAny>> {
        let request = InquireByOrderIdRequest::new(input::order_id(orderid)?);
        let gateway = self.gateway.clone();
        self.run(
            py,
            async move { gateway.inquire_by_order_id(&request).await },
            convert::inquiries,
        )
    }

    fn _inquire_by_orderid_async(&self, done: Py<PyAny>, orderid: &str) -> PyResult<()> {
        let request = InquireByOrderIdRequest::new(input::order_id(orderid)?);
        let gateway = self.gateway.clone();
        self.start(
            async move { gateway.inquire_by_order_id(&request).await },
            convert::inquiries,
            done,
        )
    }

    /// `voidByOrderId`.
    fn void_by_orderid(&self, py: Python<'_>, orderid: &str) -> PyResult<Py<PyAny>> {
        let request = VoidByOrderIdRequest::new(input::order_id(orderid)?);
        let gateway = self.gateway.clone();
        self.run(
            py,
            async move { gateway.void_by_order_id(&request).await },
            convert::void,
        )
    }

    fn _void_by_orderid_async(&self, done: Py<PyAny>, orderid: &str) -> PyResult<()> {
        let request = VoidByOrderIdRequest::new(input::order_id(orderid)?);
        let gateway = self.gateway.clone();
        self.start(
            async move { gateway.void_by_order_id(&request).await },
            convert::void,
            done,
        )
    }

    /// `funding`.
    #[pyo3(signature = (date=None))]
    fn funding(&self, py: Python<'_>, date: Option<&str>) -> PyResult<Py<PyAny>> {
        let request = FundingRequest::new(input::report_date(date)?);
        let gateway = self.gateway.clone();
        self.run(
            py,
            async move { gateway.funding(&request).await },
            convert::funding,
        )
    }

    #[pyo3(signature = (done, date=None))]
    fn _funding_async(&self, done: Py<PyAny>, date: Option<&str>) -> PyResult<()> {
        let request = FundingRequest::new(input::report_date(date)?);
        let gateway = self.gateway.clone();
        self.start(
            async move { gateway.funding(&request).await },
            convert::funding,
            done,
        )
    }

    /// `settlestat`.
    #[pyo3(signature = (date=None, *, batchid=None))]
    fn settlestat(
        &self,
        py: Python<'_>,
        date: Option<&str>,
        batchid: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let request = self.settlestat_request(date, batchid)?;
        let gateway = self.gateway.clone();
        self.run(
            py,
            async move { gateway.settlestat(&request).await },
            convert::batches,
        )
    }

    #[pyo3(signature = (done, date=None, *, batchid=None))]
    fn _settlestat_async(
        &self,
        done: Py<PyAny>,
        date: Option<&str>,
        batchid: Option<String>,
    ) -> PyResult<()> {
        let request = self.settlestat_request(date, batchid)?;
        let gateway = self.gateway.clone();
        self.start(
            async move { gateway.settlestat(&request).await },
            convert::batches,
            done,
        )
    }

    /// `profile` (PUT): store a card or token as a new profile, or add an account to one.
    #[pyo3(signature = (*, card=None, token=None, expiry=None, cvv2=None, profile=None,
        name=None, postal=None, default_account=false))]
    #[allow(clippy::too_many_arguments)]
    fn profile_create(
        &self,
        py: Python<'_>,
        card: Option<&str>,
        token: Option<&str>,
        expiry: Option<&str>,
        cvv2: Option<&str>,
        profile: Option<&str>,
        name: Option<String>,
        postal: Option<&str>,
        default_account: bool,
    ) -> PyResult<Py<PyAny>> {
        let request = self.profile_request(
            card,
            token,
            expiry,
            cvv2,
            profile,
            name,
            postal,
            default_account,
        )?;
        let gateway = self.gateway.clone();
        self.run(
            py,
            async move { gateway.profile_create(&request).await },
            convert::profile,
        )
    }

    #[pyo3(signature = (done, *, card=None, token=None, expiry=None, cvv2=None, profile=None,
        name=None, postal=None, default_account=false))]
    #[allow(clippy::too_many_arguments)]
    fn _profile_create_async(
        &self,
        done: Py<PyAny>,
        card: Option<&str>,
        token: Option<&str>,
        expiry: Option<&str>,
        cvv2: Option<&str>,
        profile: Option<&str>,
        name: Option<String>,
        postal: Option<&str>,
        default_account: bool,
    ) -> PyResult<()> {
        let request = self.profile_request(
            card,
            token,
            expiry,
            cvv2,
            profile,
            name,
            postal,
            default_account,
        )?;
        let gateway = self.gateway.clone();
        self.start(
            async move { gateway.profile_create(&request).await },
            convert::profile,
            done,
        )
    }

    /// `profile` (PUT with `profile`): update a stored account.
    #[pyo3(signature = (profile, *, card=None, token=None, expiry=None, cvv2=None, name=None,
        postal=None, default_account=false))]
    #[allow(clippy::too_many_arguments)]
    fn profile_update(
        &self,
        py: Python<'_>,
        profile: &str,
        card: Option<&str>,
        token: Option<&str>,
        expiry: Option<&str>,
        cvv2: Option<&str>,
        name: Option<String>,
        postal: Option<&str>,
        default_account: bool,
    ) -> PyResult<Py<PyAny>> {
        let request = self.profile_request(
            card,
            token,
            expiry,
            cvv2,
            Some(profile),
            name,
            postal,
            default_account,
        )?;
        let gateway = self.gateway.clone();
        self.run(
            py,
            async move { gateway.profile_update(&request).await },
            convert::profile,
        )
    }

    #[pyo3(signature = (done, profile, *, card=None, token=None, expiry=None, cvv2=None,
        name=None, postal=None, default_account=false))]
    #[allow(clippy::too_many_arguments)]
    fn _profile_update_async(
        &self,
        done: Py<PyAny>,
        profile: &str,
        card: Option<&str>,
        token: Option<&str>,
        expiry: Option<&str>,
        cvv2: Option<&str>,
        name: Option<String>,
        postal: Option<&str>,
        default_account: bool,
    ) -> PyResult<()> {
        let request = self.profile_request(
            card,
            token,
            expiry,
            cvv2,
            Some(profile),
            name,
            postal,
            default_account,
        )?;
        let gateway = self.gateway.clone();
        self.start(
            async move { gateway.profile_update(&request).await },
            convert::profile,
            done,
        )
    }

    /// `profile` (GET): the accounts of `profileid[/acctid]`.
    fn profile_get(&self, py: Python<'_>, profile: &str) -> PyResult<Py<PyAny>> {
        let request = ProfileReadRequest::new(input::profile_ref("profile", profile)?);
        let gateway = self.gateway.clone();
        self.run(
            py,
            async move { gateway.profile_read(&request).await },
            convert::profiles,
        )
    }

    fn _profile_get_async(&self, done: Py<PyAny>, profile: &str) -> PyResult<()> {
        let request = ProfileReadRequest::new(input::profile_ref("profile", profile)?);
        let gateway = self.gateway.clone();
        self.start(
            async move { gateway.profile_read(&request).await },
            convert::profiles,
            done,
        )
    }

    /// `profile` (DELETE): a profile, or one account of it.
    fn profile_delete(&self, py: Python<'_>, profile: &str) -> PyResult<Py<PyAny>> {
        let request = ProfileDeleteRequest::new(input::profile_ref("profile", profile)?);
        let gateway = self.gateway.clone();
        self.run(
            py,
            async move { gateway.profile_delete(&request).await },
            convert::profile,
        )
    }

    fn _profile_delete_async(&self, done: Py<PyAny>, profile: &str) -> PyResult<()> {
        let request = ProfileDeleteRequest::new(input::profile_ref("profile", profile)?);
        let gateway = self.gateway.clone();
        self.start(
            async move { gateway.profile_delete(&request).await },
            convert::profile,
            done,
        )
    }

    /// `sigcap`: attach a signature (base64 of a gzipped BMP) to a transaction.
    fn sigcap(&self, py: Python<'_>, retref: &str, signature: String) -> PyResult<Py<PyAny>> {
        let request = self.sigcap_request(retref, signature)?;
        let gateway = self.gateway.clone();
        self.run(
            py,
            async move { gateway.sigcap(&request).await },
            convert::sigcap,
        )
    }

    fn _sigcap_async(&self, done: Py<PyAny>, retref: &str, signature: String) -> PyResult<()> {
        let request = self.sigcap_request(retref, signature)?;
        let gateway = self.gateway.clone();
        self.start(
            async move { gateway.sigcap(&request).await },
            convert::sigcap,
            done,
        )
    }

    /// `bin`: what the card behind a token is.
    fn bin(&self, py: Python<'_>, token: &str) -> PyResult<Py<PyAny>> {
        let request = BinRequest::new(input::token(token)?);
        let gateway = self.gateway.clone();
        self.run(py, async move { gateway.bin(&request).await }, convert::bin)
    }

    fn _bin_async(&self, done: Py<PyAny>, token: &str) -> PyResult<()> {
        let request = BinRequest::new(input::token(token)?);
        let gateway = self.gateway.clone();
        self.start(
            async move { gateway.bin(&request).await },
            convert::bin,
            done,
        )
    }

    /// CardSecure `tokenize` of a keyed card (validated locally first).
    #[pyo3(signature = (card, *, expiry, cvv2=None))]
    fn tokenize(
        &self,
        py: Python<'_>,
        card: &str,
        expiry: &str,
        cvv2: Option<&str>,
    ) -> PyResult<Py<PyAny>> {
        let keyed = input::manual_card(card, Some(expiry), cvv2)?;
        let cardsecure = self.cardsecure.clone();
        let call = async move {
            cardsecure
                .tokenize_card(&keyed, TokenizeOptions::default())
                .await
                .map_err(cardpointe::Error::from)
        };
        self.run(py, call, convert::token)
    }

    #[pyo3(signature = (done, card, *, expiry, cvv2=None))]
    fn _tokenize_async(
        &self,
        done: Py<PyAny>,
        card: &str,
        expiry: &str,
        cvv2: Option<&str>,
    ) -> PyResult<()> {
        let keyed = input::manual_card(card, Some(expiry), cvv2)?;
        let cardsecure = self.cardsecure.clone();
        let call = async move {
            cardsecure
                .tokenize_card(&keyed, TokenizeOptions::default())
                .await
                .map_err(cardpointe::Error::from)
        };
        self.start(call, convert::token, done)
    }
}

impl Gateway {
    fn settlestat_request(
        &self,
        date: Option<&str>,
        batchid: Option<String>,
    ) -> PyResult<SettlestatRequest> {
        let mut request = SettlestatRequest::new();
        request.date = input::report_date(date)?;
        request.batchid = batchid;
        Ok(request)
    }

    fn sigcap_request(&self, retref: &str, signature: String) -> PyResult<SigcapRequest> {
        Ok(SigcapRequest::new(input::retref(retref)?, signature))
    }
}
