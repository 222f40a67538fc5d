//! Auth round trips through `cardpointe-transport` against the same loop written directly on
//! hyper (hyper-util's pooled client + hyper-rustls), both to an in-process HTTPS server on
//! loopback (rcgen certificate, HTTP/2 by ALPN). Sequential and 32-way concurrent.
//!
//! The bar: the transport's overhead over raw hyper is at most 10 %.
#![allow(missing_docs)]

use std::convert::Infallible;
use std::hint::black_box;
use std::sync::Arc;

use bytes::Bytes;
use cardpointe_transport::{Client, Credentials, Environment, Request, Service};
use cardpointe_types::{
    Amount, AuthRequest, Defaults, MerchantId, Operation, PaymentSource, Token,
};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use http::{Method, Uri};
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;
use tokio::runtime::Runtime;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;

const MERCHID: &str = "496160873888";
const APPROVAL: &str = r#"{"respstat":"A","retref":"343005123105","account":"9418594164541111","token":"9418594164541111","amount":"1.00","respcode":"00","resptext":"Approval","respproc":"FNOR","authcode":"PPS568","merchid":"496160873888","avsresp":"Y","cvvresp":"M","commcard":"N","expiry":"1230","batchid":"1900940055"}"#;
const CONCURRENCY: usize = 32;

struct Fixture {
    rt: Runtime,
    transport: Client,
    raw: HyperClient<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>,
    raw_uri: Uri,
    auth: AuthRequest,
}

fn fixture() -> Fixture {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let certified =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).expect("certificate");
    let cert_der = certified.cert.der().clone();
    let key_der = certified.signing_key.serialize_der();
    let provider = Arc::new(rustls::crypto::ring::default_provider());

    let mut server_config = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(
            vec![cert_der.clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key_der.into()),
        )
        .expect("server certificate");
    server_config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let acceptor = TlsAcceptor::from(Arc::new(server_config));

    let addr = rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                tcp.set_nodelay(true).ok();
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let service =
                        service_fn(|request: http::Request<hyper::body::Incoming>| async move {
                            // Read the body like a real server would.
                            let _ = request.into_body().collect().await;
                            Ok::<_, Infallible>(
                                http::Response::builder()
                                    .header(CONTENT_TYPE, "application/json")
                                    .body(Full::new(Bytes::from_static(APPROVAL.as_bytes())))
                                    .expect("response"),
                            )
                        });
                    let _ = auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(tls), service)
                        .await;
                });
            }
        });
        addr
    });

    let base = format!("https://{addr}");
    let transport = rt.block_on(async {
        Client::builder(Environment::base_url(&base).expect("base url"))
            .credentials(Credentials::new("testing", "testing123"))
            .merchant_id(MERCHID)
            .without_public_roots()
            .add_root_certificate_der(cert_der.to_vec())
            .build()
            .expect("transport client")
    });

    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert_der).expect("root");
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    let mut tcp = HttpConnector::new();
    tcp.enforce_http(false);
    tcp.set_nodelay(true);
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_only()
        .enable_http1()
        .enable_http2()
        .wrap_connector(tcp);
    let raw = HyperClient::builder(TokioExecutor::new())
        .pool_timer(TokioTimer::new())
        .build(connector);

    let auth = AuthRequest::new(
        Amount::from_minor(100).expect("amount"),
        PaymentSource::Token(Token::new("9418594164541111").expect("token")),
    );
    Fixture {
        rt,
        transport,
        raw,
        raw_uri: format!("{base}/cardconnect/rest/auth")
            .parse()
            .expect("uri"),
        auth,
    }
}

/// The raw-hyper loop: same method, path, headers and body; reads the whole body.
async fn raw_round_trip(f: &Fixture) -> Bytes {
    let request = http::Request::builder()
        .method(Method::PUT)
        .uri(f.raw_uri.clone())
        .header(AUTHORIZATION, "Basic dGVzdGluZzp0ZXN0aW5nMTIz")
        .header(ACCEPT, "application/json")
        .header(CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from(
            f.auth
                .body(Defaults::merchant(
                    &MerchantId::new(MERCHID).expect("merchid"),
                ))
                .expect("body")
                .expect("json"),
        )))
        .expect("request");
    let response = f.raw.request(request).await.expect("raw round trip");
    response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes()
}

/// The transport's raw path: `Client::execute`, same body encoding as the raw loop.
async fn transport_round_trip(f: &Fixture) -> usize {
    let request = Request::new(Service::Gateway, Method::PUT, "auth", "auth").with_json_bytes(
        f.auth
            .body(Defaults::merchant(
                &MerchantId::new(MERCHID).expect("merchid"),
            ))
            .expect("body")
            .expect("json"),
    );
    f.transport
        .execute(request)
        .await
        .expect("transport round trip")
        .body()
        .len()
}

fn bench(c: &mut Criterion) {
    let f = fixture();
    // Warm both pools (TLS handshake and HTTP/2 connection outside the timed loop).
    f.rt.block_on(async {
        raw_round_trip(&f).await;
        transport_round_trip(&f).await;
        f.transport.call(&f.auth).await.expect("typed");
    });

    let mut group = c.benchmark_group("transport/auth_sequential");
    group.throughput(Throughput::Elements(1));
    group.bench_function("raw_hyper", |b| {
        b.iter(|| black_box(f.rt.block_on(raw_round_trip(&f))))
    });
    group.bench_function("transport_execute", |b| {
        b.iter(|| black_box(f.rt.block_on(transport_round_trip(&f))))
    });
    group.bench_function("transport_call_typed", |b| {
        b.iter(|| black_box(f.rt.block_on(f.transport.call(&f.auth)).expect("typed")))
    });
    group.finish();

    let shared = Arc::new(f);
    let mut group = c.benchmark_group("transport/auth_concurrent_32");
    group.throughput(Throughput::Elements(CONCURRENCY as u64));
    let run = |which: u8| {
        let f = shared.clone();
        move || {
            f.rt.block_on(async {
                let mut tasks = Vec::with_capacity(CONCURRENCY);
                for _ in 0..CONCURRENCY {
                    let f = f.clone();
                    tasks.push(tokio::spawn(async move {
                        match which {
                            0 => raw_round_trip(&f).await.len(),
                            1 => transport_round_trip(&f).await,
                            _ => {
                                f.transport.call(&f.auth).await.expect("typed");
                                1
                            }
                        }
                    }));
                }
                let mut total = 0;
                for task in tasks {
                    total += task.await.expect("task");
                }
                total
            })
        }
    };
    let raw = run(0);
    let execute = run(1);
    let typed = run(2);
    group.bench_function("raw_hyper", |b| b.iter(|| black_box(raw())));
    group.bench_function("transport_execute", |b| b.iter(|| black_box(execute())));
    group.bench_function("transport_call_typed", |b| b.iter(|| black_box(typed())));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
