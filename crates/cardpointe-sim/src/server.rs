//! The HTTP(S) front: a tokio listener, rustls with a certificate authority and a loopback
//! leaf certificate made at start-up with rcgen, hyper's auto (HTTP/1.1 + HTTP/2) connection
//! builder, graceful shutdown. Each request is handed to [`Engine::handle`].
//!
//! It takes HTTP the way production servers do: every request is answered before the bytes
//! after it are judged ([`framing`]); a client that does not finish a request head (or a body,
//! or a TLS handshake) within [`Limits::header_read_timeout`] is disconnected, as is an idle
//! keep-alive connection after the same time; at most [`Limits::max_connections`] are open at
//! once (further clients wait in the listen backlog).

mod framing;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioTimer;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};

use crate::SimError;
use crate::engine::{Engine, HttpRequest};
use framing::{Exchange, Guarded};

/// How the server treats slow, silent and numerous clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    /// How long a client may take to send a request head (or body, or TLS handshake), and how
    /// long an idle keep-alive connection is kept. 20 s: Tomcat's default `connectionTimeout`
    /// (the gateway answered as `Apache-Coyote/1.1`).
    pub(crate) header_read_timeout: Duration,
    /// Connections served at once; more wait to be accepted. 8192: Tomcat's NIO default
    /// `maxConnections`.
    pub(crate) max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(20),
            max_connections: 8192,
        }
    }
}

/// The certificate material of a TLS emulator.
pub(crate) struct Tls {
    pub(crate) acceptor: tokio_rustls::TlsAcceptor,
    pub(crate) ca_pem: String,
    pub(crate) ca_der: Vec<u8>,
}

/// Makes a throw-away CA and a leaf for `localhost`, `127.0.0.1` and `::1` signed by it.
pub(crate) fn make_tls(extra_names: &[String]) -> Result<Tls, SimError> {
    use rcgen::{
        BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, Issuer, KeyPair,
        KeyUsagePurpose,
    };
    let tls_err = |e: rcgen::Error| SimError::Certificate(e.to_string());
    let ca_key = KeyPair::generate().map_err(tls_err)?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(tls_err)?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "cardpointe-sim test CA");
    ca_params.distinguished_name = dn;
    let ca_cert = ca_params.self_signed(&ca_key).map_err(tls_err)?;
    let mut names = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    names.extend(extra_names.iter().cloned());
    let leaf_key = KeyPair::generate().map_err(tls_err)?;
    let mut leaf_params = CertificateParams::new(names).map_err(tls_err)?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "cardpointe-sim");
    leaf_params.distinguished_name = dn;
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf = leaf_params.signed_by(&leaf_key, &issuer).map_err(tls_err)?;
    let key_der = rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| SimError::Certificate(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(vec![leaf.der().clone(), ca_cert.der().clone()], key_der)
        .map_err(|e| SimError::Certificate(e.to_string()))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Tls {
        acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(config)),
        ca_pem: ca_cert.pem(),
        ca_der: ca_cert.der().to_vec(),
    })
}

/// The connection was dropped on purpose (fault injection).
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for Dropped {}

const MAX_BODY: usize = 1 << 20;

async fn serve(
    engine: Arc<Engine>,
    peer: IpAddr,
    request: hyper::Request<Incoming>,
    body_timeout: Duration,
) -> Result<hyper::Response<Full<Bytes>>, Dropped> {
    let started = tracing::enabled!(tracing::Level::INFO).then(Instant::now);
    let (parts, body) = request.into_parts();
    let request_id = request_id(&parts.headers);
    let body =
        match tokio::time::timeout(body_timeout, Limited::new(body, MAX_BODY).collect()).await {
            Ok(Ok(collected)) => collected.to_bytes(),
            Ok(Err(_)) => {
                return Ok(with_request_id(
                    plain(413, "request body too large or unreadable (limit 1 MiB)"),
                    request_id,
                ));
            }
            Err(_) => {
                let mut answer = plain(408, "request body not received in time");
                answer.headers_mut().insert(
                    http::header::CONNECTION,
                    http::HeaderValue::from_static("close"),
                );
                return Ok(with_request_id(answer, request_id));
            }
        };
    let authorization = parts
        .headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let target = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut req = HttpRequest::new(parts.method.as_str(), target, authorization, &body);
    req.peer = Some(peer);
    let response = engine.handle(&req);
    // Redacted: method, path without query (the legacy CardSecure call carries a PAN there),
    // status and time; never bodies or headers. Skipped entirely below INFO (`--quiet`), so
    // a load test pays nothing for it.
    if tracing::enabled!(tracing::Level::INFO) {
        tracing::info!(
            method = %parts.method,
            path = %parts.uri.path(),
            status = response.status,
            micros = started.map_or(0, |s| s.elapsed().as_micros() as u64),
            "request"
        );
    }
    if let Some(delay) = response.delay {
        tokio::time::sleep(delay).await;
    }
    if let Some(disconnect) = response.disconnect {
        tracing::info!(?disconnect, "dropping connection (fault injection)");
        return Err(Dropped);
    }
    let mut answer = hyper::Response::new(Full::new(Bytes::from(response.body)));
    *answer.status_mut() = http::StatusCode::from_u16(response.status)
        .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    let headers = answer.headers_mut();
    for (name, value) in response.headers {
        let (Some(name), Some(value)) = (header_name(name), header_value(value)) else {
            return Ok(with_request_id(
                plain(500, "bad response header"),
                request_id,
            ));
        };
        headers.append(name, value);
    }
    headers.insert(X_REQUEST_ID, request_id);
    // Since 5/2022 the gateway's status line carries no reason phrase.
    answer
        .extensions_mut()
        .insert(hyper::ext::ReasonPhrase::from_static(b""));
    Ok(answer)
}

/// The header that carries a request's id, in both directions.
const X_REQUEST_ID: http::HeaderName = http::HeaderName::from_static("x-request-id");

/// The id of a request, sent back on its answer so a client's logs and the emulator's line up:
/// the client's own `X-Request-Id` when it is 1–200 visible ASCII characters, else a new
/// `sim-` id unique within this process.
fn request_id(headers: &http::HeaderMap) -> http::HeaderValue {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    if let Some(given) = headers.get(&X_REQUEST_ID) {
        let bytes = given.as_bytes();
        if (1..=200).contains(&bytes.len()) && bytes.iter().all(u8::is_ascii_graphic) {
            return given.clone();
        }
    }
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let id = format!("sim-{:x}-{n:08x}", std::process::id());
    http::HeaderValue::try_from(id).unwrap_or_else(|_| http::HeaderValue::from_static("sim"))
}

/// `answer` with its request id.
fn with_request_id(
    mut answer: hyper::Response<Full<Bytes>>,
    id: http::HeaderValue,
) -> hyper::Response<Full<Bytes>> {
    answer.headers_mut().insert(X_REQUEST_ID, id);
    answer
}

/// The engine's header names, without parsing the common ones on every answer.
fn header_name(name: &'static str) -> Option<http::HeaderName> {
    use http::header;
    Some(match name {
        "Content-Type" => header::CONTENT_TYPE,
        "Server" => header::SERVER,
        "X-FRAME-OPTIONS" => header::X_FRAME_OPTIONS,
        "WWW-Authenticate" => header::WWW_AUTHENTICATE,
        other => http::HeaderName::from_bytes(other.as_bytes()).ok()?,
    })
}

/// A header value; the engine's constant values are not copied or checked again.
fn header_value(value: String) -> Option<http::HeaderValue> {
    Some(match value.as_str() {
        "application/json" => http::HeaderValue::from_static("application/json"),
        "DENY" => http::HeaderValue::from_static("DENY"),
        "CardConnect" => http::HeaderValue::from_static("CardConnect"),
        _ => http::HeaderValue::try_from(value).ok()?,
    })
}

fn plain(status: u16, text: &'static str) -> hyper::Response<Full<Bytes>> {
    let mut response = hyper::Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    *response.status_mut() =
        http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    response
}

/// Accepts connections until `shutdown` flips, then drains them (up to 5 s).
pub(crate) async fn run(
    listener: TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    engine: Arc<Engine>,
    limits: Limits,
    mut shutdown: watch::Receiver<bool>,
) {
    let graceful = GracefulShutdown::new();
    let mut builder = auto::Builder::new(TokioExecutor::new());
    // Pipelined HTTP/1.1 clients get their answers in one write per batch instead of one per
    // request; a client with one request in flight sees no difference. The framing guard
    // keeps answers from being lost to the bytes after a request.
    builder
        .http1()
        .pipeline_flush(true)
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let timeout = limits.header_read_timeout;
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    loop {
        let slot = tokio::select! {
            slot = Arc::clone(&slots).acquire_owned() => slot,
            _ = shutdown.changed() => break,
        };
        let Ok(slot) = slot else { break };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.changed() => break,
        };
        let (tcp, peer) = match accepted {
            Ok(pair) => pair,
            Err(error) => {
                tracing::warn!(%error, "accept failed");
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = tcp.set_nodelay(true);
        let engine = Arc::clone(&engine);
        let exchange = Exchange::default();
        let shared = exchange.clone();
        let service = service_fn(move |req| {
            let engine = Arc::clone(&engine);
            let shared = shared.clone();
            async move {
                let mut answer = serve(engine, peer_ip(peer), req, timeout).await;
                if shared.answer()
                    && let Ok(answer) = &mut answer
                {
                    answer.headers_mut().insert(
                        http::header::CONNECTION,
                        http::HeaderValue::from_static("close"),
                    );
                }
                answer
            }
        });
        match &tls {
            Some(acceptor) => {
                let acceptor = acceptor.clone();
                let builder = builder.clone();
                let watcher = graceful.watcher();
                tokio::spawn(async move {
                    let _slot = slot;
                    let stream = match tokio::time::timeout(timeout, acceptor.accept(tcp)).await {
                        Ok(Ok(s)) => s,
                        Ok(Err(error)) => {
                            tracing::debug!(%error, "TLS handshake failed");
                            return;
                        }
                        Err(_) => {
                            tracing::debug!("TLS handshake not finished in time");
                            return;
                        }
                    };
                    let stream = Guarded::new(stream, exchange, timeout);
                    let conn = builder
                        .serve_connection(TokioIo::new(stream), service)
                        .into_owned();
                    if let Err(error) = watcher.watch(conn).await {
                        tracing::debug!(%error, "connection ended with an error");
                    }
                });
            }
            None => {
                let stream = Guarded::new(tcp, exchange, timeout);
                let conn = builder
                    .serve_connection(TokioIo::new(stream), service)
                    .into_owned();
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    let _slot = slot;
                    if let Err(error) = conn.await {
                        tracing::debug!(%error, "connection ended with an error");
                    }
                });
            }
        }
    }
    drop(listener);
    let _ = tokio::time::timeout(Duration::from_secs(5), graceful.shutdown()).await;
}

fn peer_ip(addr: SocketAddr) -> IpAddr {
    addr.ip()
}
