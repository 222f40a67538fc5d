//! `Emulator`: `cardpointe-sim` in process, for test suites and examples — the Gateway and
//! CardSecure over HTTPS on loopback with a fresh CA, the UAT test identity, and its settle,
//! fault and ledger helpers.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use cardpointe::transport::{Client, Credentials, Environment, Timeouts};
use cardpointe_sim::{FaultRule, Sim};
use napi::Env;
use napi::bindgen_prelude::PromiseRaw;
use napi_derive::napi;

use crate::error::Failure;
use crate::gateway::{Gateway, RecoveryOptions};

/// How to start an emulator.
#[napi(object)]
#[derive(Clone, Default)]
#[allow(clippy::exhaustive_structs, reason = "a plain JavaScript object")]
pub struct EmulatorOptions {
    /// Serve plain HTTP instead of HTTPS (loopback only; HTTPS is the default and the norm).
    pub plain: Option<bool>,
    /// How long the UAT timeout test cards take to answer, in milliseconds (default 200).
    pub timeout_card_delay_ms: Option<u32>,
}

/// Options of the gateway an emulator hands out.
#[napi(object)]
#[derive(Clone, Default)]
#[allow(clippy::exhaustive_structs, reason = "a plain JavaScript object")]
pub struct EmulatorGatewayOptions {
    /// How long to wait for a payment's answer, in milliseconds (shorten it to test recovery
    /// with a `delay` fault).
    pub payment_timeout_ms: Option<u32>,
    /// How a lost `auth` answer is recovered (default pause here: 50 ms, so tests stay fast).
    pub recovery: Option<RecoveryOptions>,
}

/// The emulator's API credentials (the UAT test identity).
#[napi(object)]
#[derive(Clone)]
#[allow(clippy::exhaustive_structs, reason = "a plain JavaScript object")]
pub struct EmulatorCredentials {
    /// The user name.
    pub username: String,
    /// The password.
    pub password: String,
}

/// A fault to inject: which requests it hits and what goes wrong.
#[napi(object)]
#[derive(Clone, Default)]
#[allow(clippy::exhaustive_structs, reason = "a plain JavaScript object")]
pub struct FaultInput {
    /// The endpoint (`auth`, `capture`, `void`, `voidByOrderId`, `refund`, `inquire`,
    /// `inquireByOrderid`, `profile`, `tokenize` …); absent: every call.
    pub endpoint: Option<String>,
    /// Only requests carrying this order id.
    pub orderid: Option<String>,
    /// What happens.
    #[napi(
        ts_type = "'delay' | 'close_before' | 'close_after' | 'server_error' | 'malformed_json' | 'too_many_requests'"
    )]
    pub fault: String,
    /// The delay of a `delay` fault, in milliseconds.
    pub delay_ms: Option<u32>,
    /// How many requests it hits (default 1).
    pub times: Option<u32>,
}

/// One transaction in the emulator's books (card data masked), as `/__sim/ledger` shows it.
#[napi(object)]
#[derive(Clone, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(clippy::exhaustive_structs, reason = "a plain JavaScript object")]
pub struct LedgerEntry {
    /// Retrieval reference.
    pub retref: String,
    /// Merchant.
    pub merchid: String,
    /// `sale`, `verification`, `forced_credit` or `refund`.
    pub kind: String,
    /// The merchant's order id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub orderid: Option<String>,
    /// Current amount, in minor units (cents).
    pub amount: i64,
    /// Amount approved at authorization, in minor units.
    #[serde(alias = "auth_amount")]
    pub auth_amount: i64,
    /// Refunded so far, in minor units.
    pub refunded: i64,
    /// `A`, `B` or `C`.
    pub respstat: String,
    /// Response code.
    pub respcode: String,
    /// Settlement status.
    pub setlstat: String,
    /// Batch, once captured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batchid: Option<String>,
    /// The token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// Masked account (first two, last four).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub masked: Option<String>,
    /// Authorization code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authcode: Option<String>,
    /// For refunds: the refunded retref.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
}

/// The CardPointe Gateway and CardSecure emulator, in this process: HTTPS on a free loopback
/// port with its own CA, the UAT test identity and rules. Start one per test file (or test),
/// hand its `gateway()` to the code under test, and `close()` it at the end.
#[napi]
pub struct Emulator {
    sim: Arc<Mutex<Option<Sim>>>,
    base_url: String,
    gateway_url: String,
    cardsecure_url: String,
    ca_cert_pem: String,
    merchid: String,
    username: String,
    password: String,
}

impl Emulator {
    /// Runs `f` on the running emulator.
    fn with<T>(&self, env: &Env, f: impl FnOnce(&Sim) -> T) -> napi::Result<T> {
        let guard = self.sim.lock().unwrap_or_else(PoisonError::into_inner);
        match guard.as_ref() {
            Some(sim) => Ok(f(sim)),
            None => Err(Failure::configuration(
                "the emulator is closed; start a new one with Emulator.start()",
            )
            .into_js(env)),
        }
    }
}

#[napi]
impl Emulator {
    /// Starts an emulator (HTTPS unless `plain`). Resolves when it is listening.
    #[napi(ts_return_type = "Promise<Emulator>")]
    pub fn start<'env>(
        env: &'env Env,
        options: Option<EmulatorOptions>,
    ) -> napi::Result<PromiseRaw<'env, Emulator>> {
        let options = options.unwrap_or_default();
        env.spawn_future_with_callback(
            async move {
                let mut builder = Sim::builder();
                if options.plain == Some(true) {
                    builder = builder.plain();
                }
                if let Some(ms) = options.timeout_card_delay_ms {
                    builder = builder.timeout_delay(Duration::from_millis(u64::from(ms)));
                }
                Ok(builder.start().await.map_err(|e| e.to_string()))
            },
            |env, started| {
                let sim = started.map_err(|e| {
                    Failure::configuration(format!("the emulator could not start: {e}"))
                        .into_js(env)
                })?;
                let (username, password) = sim.credentials();
                Ok(Emulator {
                    base_url: sim.base_url(),
                    gateway_url: sim.gateway_url(),
                    cardsecure_url: sim.cardsecure_url(),
                    ca_cert_pem: sim.root_certificate_pem().to_owned(),
                    merchid: sim.merchid().to_owned(),
                    username: username.to_owned(),
                    password: password.to_owned(),
                    sim: Arc::new(Mutex::new(Some(sim))),
                })
            },
        )
    }

    /// `https://127.0.0.1:PORT`: the `baseUrl` of a `Gateway` (or `CARDPOINTE_BASE_URL`).
    #[napi(getter)]
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// The Gateway's REST root (`…/cardconnect/rest`).
    #[napi(getter)]
    pub fn gateway_url(&self) -> String {
        self.gateway_url.clone()
    }

    /// CardSecure's root (`…/cardsecure/api/v1`).
    #[napi(getter)]
    pub fn cardsecure_url(&self) -> String {
        self.cardsecure_url.clone()
    }

    /// The PEM of the CA that signed the emulator's certificate: trust it (`caCertPem`, or a
    /// file named by `CARDPOINTE_CA_CERT`) and nothing else changes. Empty when `plain`.
    #[napi(getter)]
    pub fn ca_cert_pem(&self) -> String {
        self.ca_cert_pem.clone()
    }

    /// The merchant id of the test identity.
    #[napi(getter)]
    pub fn merchid(&self) -> String {
        self.merchid.clone()
    }

    /// The API credentials of the test identity.
    #[napi(getter)]
    pub fn credentials(&self) -> EmulatorCredentials {
        EmulatorCredentials {
            username: self.username.clone(),
            password: self.password.clone(),
        }
    }

    /// A `Gateway` for this emulator: its URL, merchant, credentials and CA.
    #[napi]
    pub fn gateway(
        &self,
        env: Env,
        options: Option<EmulatorGatewayOptions>,
    ) -> napi::Result<Gateway> {
        let options = options.unwrap_or_default();
        napi::bindgen_prelude::within_runtime_if_available(|| {
            let environment =
                Environment::base_url(&self.base_url).map_err(|e| Failure::transport(&e))?;
            let mut builder = Client::builder(environment)
                .credentials(Credentials::new(
                    self.username.as_str(),
                    self.password.as_str(),
                ))
                .merchant_id(self.merchid.as_str());
            if self.ca_cert_pem.is_empty() {
                builder = builder.allow_plain_http_to_loopback();
            } else {
                builder = builder
                    .add_root_certificates_pem(self.ca_cert_pem.as_bytes())
                    .map_err(|e| Failure::transport(&e))?;
            }
            if let Some(ms) = options.payment_timeout_ms {
                builder = builder.timeouts(
                    Timeouts::default().with_payment(Duration::from_millis(u64::from(ms))),
                );
            }
            let client = builder.build().map_err(|e| Failure::transport(&e))?;
            let recovery = options.recovery.unwrap_or(RecoveryOptions {
                pause_ms: Some(50),
                ..RecoveryOptions::default()
            });
            Gateway::from_client(client, Some(&recovery))
        })
        .map_err(|f| f.into_js(&env))
    }

    /// Settles every captured transaction now (as the nightly batch would); returns how many.
    #[napi]
    pub fn settle(&self, env: Env) -> napi::Result<u32> {
        self.with(&env, |sim| {
            u32::try_from(sim.settle_now()).unwrap_or(u32::MAX)
        })
    }

    /// Moves the emulator's clock forward (settlement days, expiries).
    #[napi]
    pub fn advance_clock(&self, env: Env, ms: u32) -> napi::Result<()> {
        self.with(&env, |sim| {
            sim.advance_clock(Duration::from_millis(u64::from(ms)))
        })
    }

    /// Injects a fault: the next matching request(s) are delayed, dropped before or after being
    /// recorded, answered 500 or 429, or answered with broken JSON.
    #[napi]
    pub fn fault(&self, env: Env, fault: FaultInput) -> napi::Result<()> {
        let kind: cardpointe_sim::FaultKind = serde_json::from_value(serde_json::Value::String(fault.fault.clone()))
            .map_err(|_| {
                Failure::invalid(
                    "fault",
                    "give one of delay, close_before, close_after, server_error, malformed_json, too_many_requests",
                )
                .into_js(&env)
            })?;
        let mut rule = match &fault.endpoint {
            Some(endpoint) => FaultRule::once(endpoint, kind),
            None => {
                let mut rule = FaultRule::once("auth", kind);
                rule.endpoint = None;
                rule
            }
        };
        rule = rule
            .delay_ms(u64::from(fault.delay_ms.unwrap_or(0)))
            .times(Some(fault.times.unwrap_or(1)));
        if let Some(orderid) = &fault.orderid {
            rule = rule.for_orderid(orderid);
        }
        self.with(&env, |sim| sim.inject(rule))
    }

    /// Forgets every transaction, profile and fault.
    #[napi]
    pub fn reset(&self, env: Env) -> napi::Result<()> {
        self.with(&env, Sim::reset)
    }

    /// The emulator's books: every transaction, card data masked.
    #[napi]
    pub fn ledger(&self, env: Env) -> napi::Result<Vec<LedgerEntry>> {
        let entries = self.with(&env, Sim::ledger)?;
        entries
            .iter()
            .map(|entry| {
                serde_json::to_value(entry)
                    .and_then(serde_json::from_value)
                    .map_err(|e| {
                        Failure::configuration(format!("cannot read the ledger: {e}")).into_js(&env)
                    })
            })
            .collect()
    }

    /// Stops serving. Further calls to its gateways fail with `CARDPOINTE_CONNECTION`.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn close<'env>(&self, env: &'env Env) -> napi::Result<PromiseRaw<'env, ()>> {
        let sim = self
            .sim
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        env.spawn_future(async move {
            if let Some(sim) = sim {
                sim.shutdown().await;
            }
            Ok(())
        })
    }
}
