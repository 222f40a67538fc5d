//! # cardpointe-testkit — a loopback server for client tests
//!
//! Test support shared by the workspace's client crates (`cardpointe-transport`,
//! `cardpointe-cardsecure`): a small HTTPS (or plain HTTP) server on `127.0.0.1:0` with a
//! certificate made at test time by rcgen, answering with a handler the test supplies and
//! recording every request it saw (method, path, version, headers, body). Scripted answers
//! test what the emulator (`cardpointe-sim`) cannot be made to say: a reset in the middle of a
//! body, a 200 with a truncated JSON, a header the gateway never sends.
//!
//! Not published (`publish = false`); a dev-dependency only.
//!
//! ```
//! use cardpointe_testkit::{TestServer, json};
//! use http::StatusCode;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let server = TestServer::https(|_seen| async { json(StatusCode::OK, r#"{"respstat":"A"}"#) }).await;
//! assert!(server.base_url().starts_with("https://127.0.0.1:"));
//! let _client = server.client(); // trusts the server's certificate
//! assert!(server.requests().is_empty());
//! # }
//! ```
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::missing_panics_doc,
    reason = "test support: a failure to bind loopback or make a certificate should fail the test loudly"
)]

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode, Version};
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;

use cardpointe_transport::{Client, ClientBuilder, Credentials, Environment, RetryPolicy};

/// The merchant id the test clients use (the public UAT test merchant).
pub const MERCHID: &str = "496160873888";
/// The API user the test clients send.
pub const USERNAME: &str = "testing";
/// The API password the test clients send.
pub const PASSWORD: &str = "testing123";

/// A request as the server saw it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Seen {
    /// The request method.
    pub method: Method,
    /// The request path (no query).
    pub path: String,
    /// The HTTP version it came in.
    pub version: Version,
    /// Its headers.
    pub headers: HeaderMap,
    /// Its whole body.
    pub body: Bytes,
}

/// What a handler answers.
pub type Reply = http::Response<Full<Bytes>>;
type Handler = Arc<dyn Fn(Seen) -> Pin<Box<dyn Future<Output = Reply> + Send>> + Send + Sync>;

/// A self-signed certificate for `127.0.0.1` and `localhost`.
pub struct TestCert {
    /// The certificate, DER.
    pub cert_der: rustls::pki_types::CertificateDer<'static>,
    /// The certificate, PEM.
    pub cert_pem: String,
    key_der: Vec<u8>,
}

impl Default for TestCert {
    fn default() -> Self {
        Self::new()
    }
}

impl TestCert {
    /// A fresh certificate and key.
    #[must_use]
    pub fn new() -> Self {
        let certified = rcgen::generate_simple_self_signed(vec![
            "127.0.0.1".to_owned(),
            "localhost".to_owned(),
        ])
        .expect("rcgen makes a certificate");
        Self {
            cert_der: certified.cert.der().clone(),
            cert_pem: certified.cert.pem(),
            key_der: certified.signing_key.serialize_der(),
        }
    }

    fn acceptor(&self, alpn: &[&[u8]]) -> TlsAcceptor {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let key = rustls::pki_types::PrivateKeyDer::Pkcs8(self.key_der.clone().into());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_no_client_auth()
            .with_single_cert(vec![self.cert_der.clone()], key)
            .expect("server certificate");
        config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        TlsAcceptor::from(Arc::new(config))
    }
}

/// A running loopback server; requests it saw are kept in order.
pub struct TestServer {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its certificate (trust `cert.cert_der` in clients).
    pub cert: Arc<TestCert>,
    /// The requests seen so far, in order.
    pub seen: Arc<Mutex<Vec<Seen>>>,
    /// TCP connections accepted so far.
    pub connections: Arc<AtomicUsize>,
    tls: bool,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl TestServer {
    /// An HTTPS server answering with `handler`.
    pub async fn https<F, Fut>(handler: F) -> Self
    where
        F: Fn(Seen) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Reply> + Send + 'static,
    {
        Self::start(true, handler).await
    }

    /// A plain-HTTP server answering with `handler`.
    pub async fn plain<F, Fut>(handler: F) -> Self
    where
        F: Fn(Seen) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Reply> + Send + 'static,
    {
        Self::start(false, handler).await
    }

    async fn start<F, Fut>(tls: bool, handler: F) -> Self
    where
        F: Fn(Seen) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Reply> + Send + 'static,
    {
        let handler: Handler = Arc::new(move |seen| Box::pin(handler(seen)));
        let cert = Arc::new(TestCert::new());
        let acceptor = cert.acceptor(&[b"h2", b"http/1.1"]);
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let seen_by_server = seen.clone();
        let connections: Arc<AtomicUsize> = Arc::default();
        let accepted = connections.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                accepted.fetch_add(1, Ordering::SeqCst);
                let handler = handler.clone();
                let seen = seen_by_server.clone();
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let service =
                        service_fn(move |request: http::Request<hyper::body::Incoming>| {
                            let handler = handler.clone();
                            let seen = seen.clone();
                            async move {
                                let (parts, body) = request.into_parts();
                                let body = body
                                    .collect()
                                    .await
                                    .map(|b| b.to_bytes())
                                    .unwrap_or_default();
                                let record = Seen {
                                    method: parts.method,
                                    path: parts.uri.path().to_owned(),
                                    version: parts.version,
                                    headers: parts.headers,
                                    body,
                                };
                                seen.lock().unwrap().push(record.clone());
                                Ok::<_, Infallible>(handler(record).await)
                            }
                        });
                    let builder = auto::Builder::new(TokioExecutor::new());
                    if tls {
                        let Ok(stream) = acceptor.accept(tcp).await else {
                            return;
                        };
                        let _ = builder
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    } else {
                        let _ = builder.serve_connection(TokioIo::new(tcp), service).await;
                    }
                });
            }
        });
        Self {
            addr,
            cert,
            seen,
            connections,
            tls,
            task,
        }
    }

    /// An HTTPS server that reads the request, starts a 200 response, then resets the
    /// connection (SO_LINGER 0) in the middle of the body.
    pub async fn resetting_mid_response() -> Self {
        let cert = Arc::new(TestCert::new());
        let acceptor = cert.acceptor(&[b"http/1.1"]);
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let counter = seen.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                let acceptor = acceptor.clone();
                let counter = counter.clone();
                tokio::spawn(async move {
                    tcp.set_zero_linger().ok();
                    // Offer only HTTP/1.1 here so the raw bytes below are a valid start.
                    let Ok(mut stream) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let mut buf = vec![0u8; 16 * 1024];
                    let mut read = 0;
                    while !buf[..read].windows(4).any(|w| w == b"\r\n\r\n") {
                        match stream.read(&mut buf[read..]).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => read += n,
                        }
                    }
                    counter.lock().unwrap().push(Seen {
                        method: Method::POST,
                        path: String::new(),
                        version: Version::HTTP_11,
                        headers: HeaderMap::new(),
                        body: Bytes::new(),
                    });
                    let _ = stream
                        .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 400\r\n\r\n{\"respstat\":\"A\",\"ret")
                        .await;
                    let _ = stream.flush().await;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    // Dropping the TCP stream with linger 0 sends RST.
                    let (tcp, _) = stream.into_inner();
                    drop(tcp);
                });
            }
        });
        Self {
            addr,
            cert,
            seen,
            connections: Arc::default(),
            tls: true,
            task,
        }
    }

    /// `https://127.0.0.1:PORT` (or `http://` for a plain server).
    #[must_use]
    pub fn base_url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// A builder aimed at this server, trusting its certificate, with fast retries.
    #[must_use]
    pub fn builder(&self) -> ClientBuilder {
        Client::builder(Environment::base_url(&self.base_url()).expect("base url"))
            .credentials(Credentials::new(USERNAME, PASSWORD))
            .merchant_id(MERCHID)
            .add_root_certificate_der(self.cert.cert_der.to_vec())
            .retry_policy(
                RetryPolicy::default()
                    .with_backoff(Duration::from_millis(5), Duration::from_millis(20)),
            )
    }

    /// A client from [`TestServer::builder`].
    #[must_use]
    pub fn client(&self) -> Client {
        self.builder().build().expect("client builds")
    }

    /// TCP connections accepted so far.
    #[must_use]
    pub fn connection_count(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// A copy of the requests seen so far.
    #[must_use]
    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// A JSON answer.
#[must_use]
pub fn json(status: StatusCode, body: &str) -> Reply {
    http::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_owned())))
        .unwrap()
}

/// A `text/html` answer (what the gateway sends for some errors).
#[must_use]
pub fn text(status: StatusCode, body: &str) -> Reply {
    http::Response::builder()
        .status(status)
        .header("content-type", "text/html")
        .body(Full::new(Bytes::from(body.to_owned())))
        .unwrap()
}
