//! Client configuration: timeouts, retry policy, and the builder that checks it all.

use std::time::Duration;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use crate::environment::Environment;
use crate::secret::{Credentials, Password};
use crate::{Client, Error};

/// How long each kind of call may take.
///
/// The gateway gives the processor 31 s and answers PPS 62 "Timed out" at 32 s (spec section 5),
/// so a payment call must wait longer than that or it turns a clean decline into an unknown
/// outcome. Inquiries and tokenization do not wait on a processor and fail faster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Timeouts {
    /// TCP + TLS connect. Default 10 s.
    pub connect: Duration,
    /// Whole call (send, wait, read body) for `auth`, `capture`, `void`, `refund` and other
    /// writes. Default 45 s, above the gateway's 32 s processor timeout.
    pub payment: Duration,
    /// Whole call for reads (`inquire`, `inquireByOrderid`, `settlestat`, `funding`…).
    /// Default 30 s.
    pub inquiry: Duration,
    /// Whole call for CardSecure (tokenize, echo). Default 20 s.
    pub tokenize: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(10),
            payment: Duration::from_secs(45),
            inquiry: Duration::from_secs(30),
            tokenize: Duration::from_secs(20),
        }
    }
}

impl Timeouts {
    /// Sets the connect timeout.
    #[must_use]
    pub fn with_connect(mut self, timeout: Duration) -> Self {
        self.connect = timeout;
        self
    }

    /// Sets the timeout of payment (write) calls.
    #[must_use]
    pub fn with_payment(mut self, timeout: Duration) -> Self {
        self.payment = timeout;
        self
    }

    /// Sets the timeout of inquiry (read) calls.
    #[must_use]
    pub fn with_inquiry(mut self, timeout: Duration) -> Self {
        self.inquiry = timeout;
        self
    }

    /// Sets the timeout of CardSecure calls.
    #[must_use]
    pub fn with_tokenize(mut self, timeout: Duration) -> Self {
        self.tokenize = timeout;
        self
    }
}

/// When a failed call is tried again.
///
/// Nothing is retried blindly. A call is retried only when
/// - the request certainly never left the machine (the connection could not be made, and not
///   because the certificate is untrusted, which no retry fixes), for any call; or
/// - the call is an idempotent read and failed with a timeout, a broken connection, or HTTP
///   500/502/503/504.
///
/// A payment that may have reached the gateway is never resent: the error goes to the caller,
/// whose recovery is by order id (spec section 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Retries after the first attempt. Default 2; 0 disables retries.
    pub max_retries: u32,
    /// Wait before the first retry; doubled each time, with ±50 % jitter. Default 200 ms.
    pub initial_backoff: Duration,
    /// Upper bound of one wait. Default 2 s.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 2,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(2),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn never() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// Sets the number of retries after the first attempt.
    #[must_use]
    pub fn with_max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// Sets the first wait and the cap of the exponential backoff.
    #[must_use]
    pub fn with_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max;
        self
    }

    /// The wait before retry number `attempt` (1-based), jittered.
    pub(crate) fn backoff(&self, attempt: u32) -> Duration {
        let exp = self.initial_backoff.saturating_mul(
            1u32.checked_shl(attempt.saturating_sub(1))
                .unwrap_or(u32::MAX),
        );
        let capped = exp.min(self.max_backoff);
        // ±50 % jitter from the standard library's per-process random hash keys.
        let random = {
            use std::hash::{BuildHasher, Hasher};
            let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
            hasher.write_u32(attempt);
            hasher.finish()
        };
        let factor = 0.5 + (random % 1000) as f64 / 1000.0;
        capped.mul_f64(factor).min(self.max_backoff)
    }
}

/// Builds a [`Client`]: where, who, how long, which roots. See the crate docs for an example.
#[derive(Debug)]
pub struct ClientBuilder {
    pub(crate) environment: Environment,
    pub(crate) credentials: Option<Credentials>,
    pub(crate) merchant_id: Option<String>,
    pub(crate) timeouts: Timeouts,
    pub(crate) retry: RetryPolicy,
    pub(crate) extra_roots: Vec<CertificateDer<'static>>,
    pub(crate) public_roots: bool,
    pub(crate) allow_plain_http_to_loopback: bool,
    pub(crate) max_body_bytes: usize,
    pub(crate) pool_max_idle_per_host: usize,
    /// The application's `name/version`, appended to the `User-Agent`.
    pub(crate) app_info: Option<(String, String)>,
    /// Told of every finished call.
    pub(crate) observer: Option<crate::observe::Observer>,
}

/// The environment variables read by [`ClientBuilder::from_env`].
pub mod env_vars {
    /// Site name; a name ending in `-uat` selects UAT (`fts-uat`), any other production.
    pub const SITE: &str = "CARDPOINTE_SITE";
    /// Merchant id.
    pub const MERCHID: &str = "CARDPOINTE_MERCHID";
    /// API user name.
    pub const USERNAME: &str = "CARDPOINTE_USERNAME";
    /// API password.
    pub const PASSWORD: &str = "CARDPOINTE_PASSWORD";
    /// An explicit base URL (wins over the site), e.g. an emulator's `https://127.0.0.1:8443`.
    pub const BASE_URL: &str = "CARDPOINTE_BASE_URL";
    /// A PEM file of extra trusted roots, e.g. the emulator's CA (`cardpointe sim --ca-out`).
    pub const CA_CERT: &str = "CARDPOINTE_CA_CERT";
    /// Set to `loopback` to allow an `http://` base URL to a loopback address (an emulator
    /// started with `--plain`); the only accepted value, so plain HTTP is asked for by name.
    pub const ALLOW_PLAIN_HTTP: &str = "CARDPOINTE_ALLOW_PLAIN_HTTP";
}

impl ClientBuilder {
    /// A builder for the given environment, with default timeouts and retry policy.
    pub fn new(environment: Environment) -> Self {
        Self {
            environment,
            credentials: None,
            merchant_id: None,
            timeouts: Timeouts::default(),
            retry: RetryPolicy::default(),
            extra_roots: Vec::new(),
            public_roots: true,
            allow_plain_http_to_loopback: false,
            max_body_bytes: 4 * 1024 * 1024,
            pool_max_idle_per_host: 32,
            app_info: None,
            observer: None,
        }
    }

    /// A builder from `CARDPOINTE_BASE_URL` (or else `CARDPOINTE_SITE`), `CARDPOINTE_MERCHID`,
    /// `CARDPOINTE_USERNAME` and `CARDPOINTE_PASSWORD`, and optionally `CARDPOINTE_CA_CERT` (a
    /// PEM file of extra roots) and `CARDPOINTE_ALLOW_PLAIN_HTTP=loopback` (an `http://` base URL
    /// to a loopback emulator). Every missing variable is named in the error.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`from_env`](Self::from_env), reading variables through `lookup` (for tests and for
    /// configuration sources other than the process environment).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let environment = match (get(env_vars::BASE_URL), get(env_vars::SITE)) {
            (Some(url), _) => Environment::base_url(url.trim())?,
            (None, Some(site)) => Environment::from_site_name(site.trim())?,
            (None, None) => {
                return Err(Error::config(format!(
                    "set {} (for example \"fts-uat\") or {}",
                    env_vars::SITE,
                    env_vars::BASE_URL
                )));
            }
        };
        let missing: Vec<&str> = [env_vars::MERCHID, env_vars::USERNAME, env_vars::PASSWORD]
            .into_iter()
            .filter(|name| get(name).is_none())
            .collect();
        if !missing.is_empty() {
            return Err(Error::config(format!(
                "missing environment variable(s): {}",
                missing.join(", ")
            )));
        }
        let mut builder = Self::new(environment);
        if let (Some(merchid), Some(user), Some(password)) = (
            get(env_vars::MERCHID),
            get(env_vars::USERNAME),
            lookup(env_vars::PASSWORD),
        ) {
            builder = builder
                .merchant_id(merchid.trim())
                .credentials(Credentials::new(user.trim(), Password::new(password)));
        }
        if let Some(path) = get(env_vars::CA_CERT) {
            let path = path.trim();
            let pem = std::fs::read(path).map_err(|e| {
                Error::config(format!(
                    "{} names {path:?}, which cannot be read; give the path of a PEM file (the \
                     emulator writes its CA with --ca-out)",
                    env_vars::CA_CERT
                ))
                .with_source(e)
            })?;
            builder = builder.add_root_certificates_pem(&pem)?;
        }
        match get(env_vars::ALLOW_PLAIN_HTTP) {
            None => {}
            Some(value) if value.trim().eq_ignore_ascii_case("loopback") => {
                builder = builder.allow_plain_http_to_loopback();
            }
            Some(value) => {
                return Err(Error::config(format!(
                    "{}={value:?} is not understood: its only value is \"loopback\" (plain HTTP \
                     is allowed to a loopback emulator only); unset it to use https",
                    env_vars::ALLOW_PLAIN_HTTP
                )));
            }
        }
        Ok(builder)
    }

    /// The Basic-auth credentials.
    #[must_use]
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// The merchant id this client works for (used in spans, error messages and the credential
    /// check). Numeric, usually 12 digits; some processor MIDs are alphanumeric (spec 1.8).
    #[must_use]
    pub fn merchant_id(mut self, merchid: impl Into<String>) -> Self {
        self.merchant_id = Some(merchid.into());
        self
    }

    /// Replaces all timeouts.
    #[must_use]
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// Replaces the retry policy.
    #[must_use]
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Trusts one more root certificate (DER), such as the emulator's.
    #[must_use]
    pub fn add_root_certificate_der(mut self, der: impl Into<Vec<u8>>) -> Self {
        self.extra_roots.push(CertificateDer::from(der.into()));
        self
    }

    /// Trusts every certificate in a PEM document as a root.
    pub fn add_root_certificates_pem(mut self, pem: &[u8]) -> Result<Self, Error> {
        let before = self.extra_roots.len();
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|e| {
                Error::config("the root certificate PEM could not be parsed").with_source(e)
            })?;
            self.extra_roots.push(cert);
        }
        if self.extra_roots.len() == before {
            return Err(Error::config(
                "the root certificate PEM holds no CERTIFICATE section",
            ));
        }
        Ok(self)
    }

    /// Trusts only the roots added with `add_root_certificate*`, not the compiled-in public
    /// (Mozilla) roots. For a private deployment or an emulator.
    #[must_use]
    pub fn without_public_roots(mut self) -> Self {
        self.public_roots = false;
        self
    }

    /// Allows an `http://` base URL, and only to a loopback address (`127.0.0.0/8`, `::1`,
    /// `localhost`). Without this call, or for any other host, `build` refuses plain HTTP.
    /// HTTPS stays verified either way; there is no switch to turn verification off.
    #[must_use]
    pub fn allow_plain_http_to_loopback(mut self) -> Self {
        self.allow_plain_http_to_loopback = true;
        self
    }

    /// The largest response body accepted. Default 4 MiB.
    #[must_use]
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = limit;
        self
    }

    /// Idle pooled connections kept per host. Default 32.
    #[must_use]
    pub fn pool_max_idle_per_host(mut self, idle: usize) -> Self {
        self.pool_max_idle_per_host = idle;
        self
    }

    /// Names the application in every request's `User-Agent` (`cardpointe-rs/0.1.0
    /// pos-app/2.3.1`), so CardPointe support can tell its traffic apart, as Stripe's app info
    /// does. Both parts are HTTP tokens (letters, digits, `-._~+!#$%&'*^\`|`, at most 64);
    /// `build` refuses anything else.
    #[must_use]
    pub fn app_info(mut self, name: impl Into<String>, version: impl Into<String>) -> Self {
        self.app_info = Some((name.into(), version.into()));
        self
    }

    /// Calls `observer` once for every finished call (after its retries) with a
    /// [`CallRecord`](crate::CallRecord): operation, status, duration, retries and how it
    /// ended — for metrics and dashboards without parsing logs. It runs on the calling task:
    /// keep it quick (count, or send to a channel). Records hold no card data.
    #[must_use]
    pub fn on_call(
        mut self,
        observer: impl Fn(&crate::CallRecord) + Send + Sync + 'static,
    ) -> Self {
        self.observer = Some(crate::observe::Observer(std::sync::Arc::new(observer)));
        self
    }

    /// Checks the configuration and builds the client. Must run inside a Tokio runtime.
    pub fn build(self) -> Result<Client, Error> {
        Client::from_builder(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_payment_timeout_exceeds_the_gateway_processor_timeout() {
        let timeouts = Timeouts::default();
        assert!(timeouts.payment > Duration::from_secs(32));
        assert!(timeouts.inquiry < timeouts.payment);
        assert_eq!(timeouts.connect, Duration::from_secs(10));
    }

    #[test]
    fn backoff_grows_and_stays_capped() {
        let policy = RetryPolicy::default()
            .with_backoff(Duration::from_millis(100), Duration::from_millis(500));
        for attempt in 1..40 {
            let wait = policy.backoff(attempt);
            assert!(wait <= Duration::from_millis(500), "{attempt}: {wait:?}");
        }
        assert!(policy.backoff(1) >= Duration::from_millis(50));
        assert!(policy.backoff(1) <= Duration::from_millis(150));
    }

    #[test]
    fn env_lookup_names_every_missing_variable() {
        let err = ClientBuilder::from_lookup(|name| {
            (name == env_vars::SITE).then(|| "fts-uat".to_owned())
        })
        .unwrap_err();
        let text = err.to_string();
        assert!(err.is_config());
        for name in [env_vars::MERCHID, env_vars::USERNAME, env_vars::PASSWORD] {
            assert!(text.contains(name), "{text}");
        }
    }

    #[test]
    fn env_lookup_requires_a_site_or_a_base_url() {
        let err = ClientBuilder::from_lookup(|_| None).unwrap_err();
        assert!(err.to_string().contains(env_vars::SITE));
    }

    #[test]
    fn env_lookup_prefers_the_base_url_and_reads_credentials() {
        let builder = ClientBuilder::from_lookup(|name| {
            Some(
                match name {
                    env_vars::SITE => "fts-uat",
                    env_vars::BASE_URL => "https://127.0.0.1:9443",
                    env_vars::MERCHID => "496160873888",
                    env_vars::USERNAME => "testing",
                    env_vars::PASSWORD => "testing123",
                    _ => return None,
                }
                .to_owned(),
            )
        })
        .unwrap();
        assert_eq!(builder.merchant_id.as_deref(), Some("496160873888"));
        assert_eq!(
            builder.environment,
            Environment::base_url("https://127.0.0.1:9443").unwrap()
        );
        let debug = format!("{builder:?}");
        assert!(!debug.contains("testing123"), "{debug}");
    }

    fn lookup_with<'a>(extra: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name: &str| {
            extra
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
                .or_else(|| {
                    Some(
                        match name {
                            env_vars::MERCHID => "496160873888",
                            env_vars::USERNAME => "testing",
                            env_vars::PASSWORD => "testing123",
                            _ => return None,
                        }
                        .to_owned(),
                    )
                })
        }
    }

    #[test]
    fn env_lookup_allows_plain_http_only_when_asked_for_by_name() {
        let plain = [(env_vars::BASE_URL, "http://127.0.0.1:9080")];
        let builder = ClientBuilder::from_lookup(lookup_with(&plain)).unwrap();
        assert!(!builder.allow_plain_http_to_loopback);
        let asked = [
            (env_vars::BASE_URL, "http://127.0.0.1:9080"),
            (env_vars::ALLOW_PLAIN_HTTP, "loopback"),
        ];
        let builder = ClientBuilder::from_lookup(lookup_with(&asked)).unwrap();
        assert!(builder.allow_plain_http_to_loopback);
        for vague in ["1", "true", "yes", "all"] {
            let vague = [
                (env_vars::BASE_URL, "http://127.0.0.1:9080"),
                (env_vars::ALLOW_PLAIN_HTTP, vague),
            ];
            let err = ClientBuilder::from_lookup(lookup_with(&vague)).unwrap_err();
            assert!(
                err.is_config() && err.to_string().contains("loopback"),
                "{err}"
            );
        }
    }

    #[test]
    fn env_lookup_names_an_unreadable_ca_file() {
        let missing = [
            (env_vars::SITE, "fts-uat"),
            (env_vars::CA_CERT, "/nonexistent/cardpointe-ca.pem"),
        ];
        let err = ClientBuilder::from_lookup(lookup_with(&missing)).unwrap_err();
        assert!(err.is_config());
        assert!(err.to_string().contains(env_vars::CA_CERT), "{err}");
    }

    #[test]
    fn pem_without_certificates_is_a_config_error() {
        let err = ClientBuilder::new(Environment::uat("fts").unwrap())
            .add_root_certificates_pem(b"not a pem")
            .unwrap_err();
        assert!(err.is_config());
    }
}
