//! The client: one per merchant configuration, cheap to clone, sharing one connection pool.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use cardpointe_types::MerchantId;
use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use http::{HeaderValue, Method, StatusCode, Uri};
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tracing::Instrument;

use crate::config::{ClientBuilder, RetryPolicy, Timeouts};
use crate::environment::{CARDSECURE_PREFIX, Environment, GATEWAY_PREFIX};
use crate::error::{AuthHint, Kind};
use crate::request::{CallClass, Request, Response, Service};
use crate::{Error, redact};

type Connector = HttpsConnector<HttpConnector>;

/// An HTTPS client for one merchant configuration of the CardPointe Gateway and CardSecure.
///
/// Cloning is cheap (one `Arc`); clones share the connection pool (HTTP/1.1 keep-alive, HTTP/2
/// when the server offers it through ALPN) and the configuration. Build it with
/// [`Client::builder`] or [`Client::from_env`].
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: HyperClient<Connector, Full<Bytes>>,
    environment: Environment,
    gateway_base: String,
    cardsecure_base: String,
    authorization: HeaderValue,
    username: String,
    merchid: MerchantId,
    timeouts: Timeouts,
    retry: RetryPolicy,
    max_body_bytes: usize,
    user_agent: HeaderValue,
    observer: Option<crate::observe::Observer>,
}

impl Client {
    /// A builder for `environment`.
    pub fn builder(environment: Environment) -> ClientBuilder {
        ClientBuilder::new(environment)
    }

    /// A client configured from `CARDPOINTE_*` environment variables (see
    /// [`ClientBuilder::from_env`]). Must run inside a Tokio runtime.
    pub fn from_env() -> Result<Self, Error> {
        ClientBuilder::from_env()?.build()
    }

    pub(crate) fn from_builder(builder: ClientBuilder) -> Result<Self, Error> {
        let origin = builder.environment.origin()?;
        if origin.is_plain_http() {
            if !origin.is_loopback() {
                return Err(Error::config(format!(
                    "plain HTTP is refused for {}: the gateway carries card data and \
                     credentials, so use https (plain HTTP is only for an emulator on a loopback \
                     address, with allow_plain_http_to_loopback())",
                    origin.authority
                )));
            }
            if !builder.allow_plain_http_to_loopback {
                return Err(Error::config(format!(
                    "plain HTTP to {} needs ClientBuilder::allow_plain_http_to_loopback() (or \
                     CARDPOINTE_ALLOW_PLAIN_HTTP=loopback); otherwise use https",
                    origin.authority
                )));
            }
        }
        let credentials = builder.credentials.ok_or_else(|| {
            Error::config(
                "credentials are required: call ClientBuilder::credentials (or set \
                 CARDPOINTE_USERNAME and CARDPOINTE_PASSWORD)",
            )
        })?;
        if credentials.username().is_empty() || credentials.username().contains(':') {
            return Err(Error::config(
                "the user name must be non-empty and must not contain ':' (Basic auth)",
            ));
        }
        if credentials.password().is_empty() {
            return Err(Error::config("the password is empty"));
        }
        let authorization = credentials.authorization().ok_or_else(|| {
            Error::config("the user name holds characters that cannot go in an HTTP header")
        })?;
        let merchid = builder.merchant_id.ok_or_else(|| {
            Error::config(
                "a merchant id is required: call ClientBuilder::merchant_id (or set \
                 CARDPOINTE_MERCHID)",
            )
        })?;
        let merchid = MerchantId::new(merchid.trim()).map_err(|_| {
            Error::config(format!(
                "merchant id {merchid:?} is not valid: it is up to 16 letters or digits, usually \
                 12 digits such as 496160873888"
            ))
        })?;
        let timeouts = builder.timeouts;
        for (name, value) in [
            ("connect", timeouts.connect),
            ("payment", timeouts.payment),
            ("inquiry", timeouts.inquiry),
            ("tokenize", timeouts.tokenize),
        ] {
            if value.is_zero() {
                return Err(Error::config(format!("the {name} timeout is zero")));
            }
        }

        if let Some((name, version)) = &builder.app_info
            && (!crate::observe::is_token(name) || !crate::observe::is_token(version))
        {
            return Err(Error::config(format!(
                "app info {name:?}/{version:?} cannot go in a User-Agent: use letters, digits \
                 and -._~+ only, at most 64 each (for example \"pos-app\", \"2.3.1\")"
            )));
        }
        let user_agent =
            HeaderValue::try_from(crate::observe::user_agent(builder.app_info.as_ref()))
                .map_err(|_| Error::config("the User-Agent is not a valid header value"))?;
        let tls = tls_config(builder.public_roots, builder.extra_roots)?;
        let mut tcp = HttpConnector::new();
        tcp.enforce_http(false);
        tcp.set_nodelay(true);
        tcp.set_connect_timeout(Some(timeouts.connect));
        let https = HttpsConnectorBuilder::new().with_tls_config(tls);
        let https = if origin.is_plain_http() {
            https.https_or_http()
        } else {
            https.https_only()
        };
        let connector = https.enable_http1().enable_http2().wrap_connector(tcp);
        let http = HyperClient::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .timer(TokioTimer::new())
            .pool_idle_timeout(Duration::from_secs(60))
            .pool_max_idle_per_host(builder.pool_max_idle_per_host)
            .build(connector);

        let base = format!("{}://{}{}", origin.scheme, origin.authority, origin.prefix);
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                environment: builder.environment,
                gateway_base: format!("{base}{GATEWAY_PREFIX}"),
                cardsecure_base: format!("{base}{CARDSECURE_PREFIX}"),
                authorization,
                username: credentials.username().to_owned(),
                merchid,
                timeouts,
                retry: builder.retry,
                max_body_bytes: builder.max_body_bytes,
                user_agent,
                observer: builder.observer,
            }),
        })
    }

    /// The merchant id this client works for.
    pub fn merchant_id(&self) -> &MerchantId {
        &self.inner.merchid
    }

    /// The environment this client talks to.
    pub fn environment(&self) -> &Environment {
        &self.inner.environment
    }

    /// The configured timeouts.
    pub fn timeouts(&self) -> &Timeouts {
        &self.inner.timeouts
    }

    /// Sends one request and reads the whole response.
    ///
    /// Any HTTP status comes back as a [`Response`], except 401, which is an
    /// [`is_auth`](Error::is_auth) error whose message says whether the credentials or the
    /// merchant id is wrong (the client checks the credentials alone to tell). Retries follow
    /// the [`RetryPolicy`]: never for a write that may have left the machine.
    pub async fn execute(&self, request: Request) -> Result<Response, Error> {
        let span = tracing::info_span!(
            "cardpointe.call",
            operation = request.operation,
            merchid = %request.merchid.as_ref().unwrap_or(&self.inner.merchid),
            method = %request.method,
            status = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
            retries = tracing::field::Empty,
        );
        let started = Instant::now();
        let operation = request.operation;
        let result = self
            .execute_with_retries(request)
            .instrument(span.clone())
            .await;
        let (result, retries) = match result {
            Ok((response, retries)) => (Ok(response), retries),
            Err((error, retries)) => (Err(error.with_operation(operation)), retries),
        };
        let duration = started.elapsed();
        span.record("duration_ms", duration.as_millis() as u64);
        span.record("retries", retries);
        if let Some(crate::observe::Observer(observer)) = &self.inner.observer {
            observer(&crate::CallRecord {
                operation,
                status: match &result {
                    Ok(response) => Some(response.status.as_u16()),
                    Err(error) => error.status().map(|s| s.as_u16()),
                },
                duration,
                retries,
                outcome: match &result {
                    Ok(_) => crate::CallOutcome::Answered,
                    Err(error) => crate::CallOutcome::Failed {
                        maybe_sent: error.maybe_sent(),
                        timeout: error.is_timeout(),
                    },
                },
            });
        }
        match &result {
            Ok(response) => {
                span.record("status", response.status.as_u16());
                tracing::debug!(parent: &span, "call finished");
            }
            Err(error) => {
                if let Some(status) = error.status() {
                    span.record("status", status.as_u16());
                }
                tracing::debug!(parent: &span, maybe_sent = error.maybe_sent(), %error, "call failed");
            }
        }
        result
    }

    /// Sends `body` as JSON and decodes a 2xx JSON answer; any other status is an error.
    pub async fn send_json<Req, Resp>(&self, request: Request, body: &Req) -> Result<Resp, Error>
    where
        Req: Serialize + ?Sized,
        Resp: DeserializeOwned,
    {
        let request = request.with_json(body)?;
        self.execute(request).await?.error_for_status()?.json()
    }

    /// Checks the credentials and the merchant id together: `PUT /cardconnect/rest/` with
    /// `{"merchid": …}` (spec 1.4). `Ok(())` when the gateway greets; an
    /// [`is_auth`](Error::is_auth) error saying which to fix otherwise.
    pub async fn check_credentials(&self) -> Result<(), Error> {
        #[derive(Serialize)]
        struct MerchantProbe<'a> {
            merchid: &'a str,
        }
        let request = Request::new(Service::Gateway, Method::PUT, "", "credential_check")
            .with_idempotent(true)
            .with_class(CallClass::Inquiry)
            .with_json(&MerchantProbe {
                merchid: self.inner.merchid.as_str(),
            })?;
        let response = self.execute(request).await?.error_for_status()?;
        if response
            .body()
            .windows(22)
            .any(|w| w == b"CardConnect REST Servl")
        {
            Ok(())
        } else {
            Err(Error::new(Kind::Decode(redact::excerpt(response.body())))
                .with_operation("credential_check"))
        }
    }

    async fn execute_with_retries(
        &self,
        request: Request,
    ) -> Result<(Response, u32), (Error, u32)> {
        let policy = request.retry.unwrap_or(self.inner.retry);
        let mut retries = 0u32;
        loop {
            let outcome = self.attempt(&request).await;
            let retry = retries < policy.max_retries
                && match &outcome {
                    Ok(response) => request.idempotent && is_transient_status(response.status),
                    Err(error) => self.should_retry(&request, error),
                };
            if !retry {
                return match outcome {
                    Ok(response) if response.status == StatusCode::UNAUTHORIZED => {
                        Err((self.auth_error(&request).await, retries))
                    }
                    Ok(response) => Ok((response, retries)),
                    Err(error) => Err((error, retries)),
                };
            }
            retries += 1;
            let wait = policy.backoff(retries);
            match &outcome {
                Ok(response) => tracing::debug!(
                    status = response.status.as_u16(),
                    retry = retries,
                    wait_ms = wait.as_millis() as u64,
                    "retrying an idempotent call after a transient status"
                ),
                Err(error) => tracing::debug!(
                    %error,
                    retry = retries,
                    wait_ms = wait.as_millis() as u64,
                    "retrying a call that is safe to repeat"
                ),
            }
            tokio::time::sleep(wait).await;
        }
    }

    fn should_retry(&self, request: &Request, error: &Error) -> bool {
        if error.is_connect() && !error.maybe_sent() {
            // Never left the machine; but an untrusted certificate will not fix itself.
            return !error.is_certificate_failure();
        }
        request.idempotent && (error.is_timeout() || error.is_io())
    }

    /// One attempt: build, send, read the whole body, all under the call's timeout.
    async fn attempt(&self, request: &Request) -> Result<Response, Error> {
        let inner = &*self.inner;
        let uri = self.uri(request.service, &request.path)?;
        let mut builder = http::Request::builder()
            .method(request.method.clone())
            .uri(uri)
            .header(AUTHORIZATION, inner.authorization.clone())
            .header(USER_AGENT, inner.user_agent.clone())
            .header(ACCEPT, HeaderValue::from_static("application/json"));
        if request.body.is_some() {
            builder = builder.header(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        let http_request = builder
            .body(Full::new(request.body.clone().unwrap_or_default()))
            .map_err(|e| Error::new(Kind::Encode("the HTTP request".into())).with_source(e))?;
        let timeout = request.timeout.unwrap_or(match request.class {
            CallClass::Payment => inner.timeouts.payment,
            CallClass::Inquiry => inner.timeouts.inquiry,
            CallClass::Tokenize => inner.timeouts.tokenize,
        });
        let operation = request.operation;
        let exchange = async {
            let response = inner.http.request(http_request).await.map_err(|e| {
                if e.is_connect() {
                    Error::new(Kind::Connect).with_source(e)
                } else {
                    Error::new(Kind::Io).with_source(e)
                }
            })?;
            let (parts, body) = response.into_parts();
            let body = Limited::new(body, inner.max_body_bytes)
                .collect()
                .await
                .map_err(|e| {
                    if e.is::<http_body_util::LengthLimitError>() {
                        Error::new(Kind::BodyTooLarge(inner.max_body_bytes))
                    } else {
                        Error::new(Kind::Io).with_source(e)
                    }
                })?
                .to_bytes();
            Ok(Response {
                status: parts.status,
                headers: parts.headers,
                body,
                operation,
            })
        };
        match tokio::time::timeout(timeout, exchange).await {
            Ok(result) => result,
            Err(_elapsed) => Err(Error::new(Kind::Timeout(timeout))),
        }
    }

    fn uri(&self, service: Service, path: &str) -> Result<Uri, Error> {
        let base = match service {
            Service::Gateway => &self.inner.gateway_base,
            Service::CardSecure => &self.inner.cardsecure_base,
        };
        let mut url = String::with_capacity(base.len() + 1 + path.len());
        url.push_str(base);
        url.push('/');
        url.push_str(path.trim_start_matches('/'));
        Uri::try_from(url).map_err(|e| {
            // The path may hold an order id or a token: not repeated in the message.
            Error::new(Kind::Encode(
                "the request path (percent-encode path segments such as order ids)".into(),
            ))
            .with_source(e)
        })
    }

    /// Builds the 401 error, probing `GET /cardconnect/rest/` with the same credentials to
    /// tell wrong credentials from a merchant id they do not cover.
    async fn auth_error(&self, request: &Request) -> Error {
        let username = self.inner.username.clone();
        // The merchant the request was for: its own override, else the client's.
        let merchid = request
            .merchid
            .as_ref()
            .unwrap_or(&self.inner.merchid)
            .as_str()
            .to_owned();
        let set_by = if request.merchid.is_some() {
            "the merchant id the request names (with_merchid)"
        } else {
            "CARDPOINTE_MERCHID (the client's merchant id)"
        };
        if request.service != Service::Gateway
            || request.path.trim_matches('/').is_empty() && request.method == Method::GET
        {
            let hint = if request.service == Service::Gateway {
                AuthHint::Credentials { username }
            } else {
                AuthHint::Unknown {
                    username,
                    merchid,
                    set_by,
                }
            };
            return Error::new(Kind::Auth(hint));
        }
        let probe = Request::new(Service::Gateway, Method::GET, "", "credential_probe")
            .with_timeout(self.inner.timeouts.inquiry.min(Duration::from_secs(10)));
        let hint = match self.attempt(&probe).await {
            Ok(response) if response.status == StatusCode::UNAUTHORIZED => {
                AuthHint::Credentials { username }
            }
            Ok(response) if response.status.is_success() => AuthHint::MerchantNotCovered {
                username,
                merchid,
                set_by,
            },
            _ => AuthHint::Unknown {
                username,
                merchid,
                set_by,
            },
        };
        Error::new(Kind::Auth(hint))
    }
}

fn is_transient_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 500 | 502 | 503 | 504)
}

fn tls_config(
    public_roots: bool,
    extra_roots: Vec<rustls::pki_types::CertificateDer<'static>>,
) -> Result<rustls::ClientConfig, Error> {
    let mut roots = rustls::RootCertStore::empty();
    if public_roots {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    for cert in extra_roots {
        roots.add(cert).map_err(|e| {
            Error::config("an added root certificate is not a valid X.509 certificate")
                .with_source(e)
        })?;
    }
    if roots.is_empty() {
        return Err(Error::config(
            "no trusted roots: without_public_roots() needs at least one add_root_certificate*()",
        ));
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| {
            Error::config("the TLS provider rejected the protocol versions").with_source(e)
        })?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(config)
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("environment", &self.inner.environment)
            .field("merchid", &self.inner.merchid)
            .field("username", &self.inner.username)
            .field("timeouts", &self.inner.timeouts)
            .field("retry", &self.inner.retry)
            .finish_non_exhaustive()
    }
}
