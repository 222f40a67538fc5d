//! The transport against a real HTTPS server on loopback.

use cardpointe_testkit as support;

use std::time::{Duration, Instant};

use cardpointe_transport::{
    Client, ClientBuilder, Credentials, Environment, Error, Request, RetryPolicy, Service, env_vars,
};
use http::{Method, StatusCode, Version};
use serde_json::{Value, json};
use support::{MERCHID, TestServer, json as reply_json, text};

const APPROVAL: &str = r#"{"respstat":"A","retref":"343005123105","account":"9418594164541111","token":"9418594164541111","amount":"1.00","respcode":"00","resptext":"Approval","respproc":"FNOR","authcode":"PPS568","merchid":"496160873888"}"#;

fn auth_request() -> Request {
    Request::new(Service::Gateway, Method::PUT, "auth", "auth")
}

fn auth_body() -> Value {
    json!({"merchid": MERCHID, "account": "4111111111111111", "expiry": "1230", "amount": "1.00", "cvv2": "123"})
}

async fn call_auth(client: &Client) -> Result<Value, Error> {
    client.send_json(auth_request(), &auth_body()).await
}

#[tokio::test]
async fn auth_round_trip_succeeds_over_verified_https() {
    let server = TestServer::https(|_| async { reply_json(StatusCode::OK, APPROVAL) }).await;
    let response = call_auth(&server.client()).await.expect("approved");
    assert_eq!(response["respstat"], "A");
    assert_eq!(response["authcode"], "PPS568");

    let seen = server.requests();
    assert_eq!(seen.len(), 1);
    let request = &seen[0];
    assert_eq!(request.method, Method::PUT);
    assert_eq!(request.path, "/cardconnect/rest/auth");
    assert_eq!(
        request.headers["authorization"],
        "Basic dGVzdGluZzp0ZXN0aW5nMTIz"
    );
    assert_eq!(request.headers["content-type"], "application/json");
    let sent: Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(sent, auth_body());
}

#[tokio::test]
async fn http2_is_used_when_the_server_offers_it_and_connections_are_pooled() {
    let server = TestServer::https(|_| async { reply_json(StatusCode::OK, APPROVAL) }).await;
    let client = server.client();
    let clone = client.clone();
    call_auth(&client).await.unwrap();
    call_auth(&clone).await.unwrap();
    let seen = server.requests();
    assert_eq!(seen.len(), 2);
    assert_eq!(
        server.connection_count(),
        1,
        "clones share one pooled connection"
    );
    assert!(
        seen.iter().all(|r| r.version == Version::HTTP_2),
        "{:?}",
        seen[0].version
    );
}

#[tokio::test]
async fn http1_keep_alive_reuses_one_connection_for_sequential_calls() {
    let server = TestServer::plain(|_| async { reply_json(StatusCode::OK, APPROVAL) }).await;
    let client = Client::builder(Environment::base_url(&server.base_url()).unwrap())
        .credentials(Credentials::new(support::USERNAME, support::PASSWORD))
        .merchant_id(MERCHID)
        .allow_plain_http_to_loopback()
        .build()
        .unwrap();
    for _ in 0..3 {
        call_auth(&client.clone()).await.unwrap();
    }
    let seen = server.requests();
    assert!(seen.iter().all(|r| r.version == Version::HTTP_11));
    assert_eq!(server.connection_count(), 1);
}

#[tokio::test]
async fn root_certificate_can_be_given_as_pem() {
    let server = TestServer::https(|_| async { reply_json(StatusCode::OK, APPROVAL) }).await;
    let client = Client::builder(Environment::base_url(&server.base_url()).unwrap())
        .credentials(Credentials::new(support::USERNAME, support::PASSWORD))
        .merchant_id(MERCHID)
        .without_public_roots()
        .add_root_certificates_pem(server.cert.cert_pem.as_bytes())
        .unwrap()
        .build()
        .unwrap();
    call_auth(&client).await.expect("PEM root is trusted");
}

#[tokio::test]
async fn wrong_credentials_are_an_auth_error_that_names_the_credentials() {
    let server =
        TestServer::https(|_| async { text(StatusCode::UNAUTHORIZED, "Unauthorized") }).await;
    let err = call_auth(&server.client()).await.unwrap_err();
    assert!(err.is_auth(), "{err:?}");
    assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED));
    assert!(!err.maybe_sent());
    let message = err.to_string();
    assert!(message.contains("CARDPOINTE_PASSWORD"), "{message}");
    assert!(!message.contains("CARDPOINTE_MERCHID"), "{message}");
    assert!(!message.contains("testing123"), "{message}");
    // The auth itself, then the bare credential probe; a 401 is never retried.
    let paths: Vec<_> = server.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(paths, ["/cardconnect/rest/auth", "/cardconnect/rest/"]);
}

#[tokio::test]
async fn a_merchant_id_the_credentials_do_not_cover_is_named_as_such() {
    let server = TestServer::https(|seen| async move {
        if seen.method == Method::GET && seen.path == "/cardconnect/rest/" {
            text(
                StatusCode::OK,
                "<html><body><h1>CardConnect REST Servlet</h1></body></html>",
            )
        } else {
            text(StatusCode::UNAUTHORIZED, "Unauthorized")
        }
    })
    .await;
    let err = call_auth(&server.client()).await.unwrap_err();
    assert!(err.is_auth());
    let message = err.to_string();
    assert!(message.contains("CARDPOINTE_MERCHID"), "{message}");
    assert!(message.contains(MERCHID), "{message}");
}

#[tokio::test]
async fn credential_check_passes_on_the_servlet_greeting() {
    let server = TestServer::https(|seen| async move {
        let body: Value = serde_json::from_slice(&seen.body).unwrap_or_default();
        if seen.method == Method::PUT && body["merchid"] == MERCHID {
            text(StatusCode::OK, "<h1>CardConnect REST Servlet</h1>")
        } else {
            text(StatusCode::UNAUTHORIZED, "Unauthorized")
        }
    })
    .await;
    server.client().check_credentials().await.expect("greeting");
}

#[tokio::test]
async fn not_found_json_is_a_status_error_with_its_excerpt() {
    let body = r#"{"timestamp":"2023-06-20T15:04:43.980+00:00","status":404,"error":"Not Found","path":"/cardconnect/rest/inquireByOderid"}"#;
    let server =
        TestServer::https(move |_| async move { reply_json(StatusCode::NOT_FOUND, body) }).await;
    let request = Request::new(
        Service::Gateway,
        Method::GET,
        "inquireByOderid/o1/496160873888",
        "inquire_by_order_id",
    );
    let err = server
        .client()
        .execute(request)
        .await
        .unwrap()
        .error_for_status()
        .unwrap_err();
    assert!(err.is_status());
    assert_eq!(err.status(), Some(StatusCode::NOT_FOUND));
    assert!(!err.maybe_sent());
    assert!(err.body_excerpt().unwrap().contains("Not Found"));
    assert_eq!(err.operation(), Some("inquire_by_order_id"));
    // A 404 is not transient: one request only.
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn server_error_on_a_payment_is_not_retried_and_may_have_been_sent() {
    let server =
        TestServer::https(|_| async { text(StatusCode::INTERNAL_SERVER_ERROR, "boom") }).await;
    let err = call_auth(&server.client()).await.unwrap_err();
    assert!(err.is_status());
    assert_eq!(err.status(), Some(StatusCode::INTERNAL_SERVER_ERROR));
    assert!(err.maybe_sent());
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn server_errors_on_an_inquiry_are_retried_with_backoff() {
    let server =
        TestServer::https(|_| async { text(StatusCode::SERVICE_UNAVAILABLE, "busy") }).await;
    let request = Request::new(
        Service::Gateway,
        Method::GET,
        "inquire/343005123105/496160873888",
        "inquire",
    );
    let response = server.client().execute(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    // First attempt + the default two retries.
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn a_non_json_body_is_a_decode_error_with_a_redacted_excerpt() {
    let server = TestServer::https(|_| async {
        text(
            StatusCode::OK,
            "<html>card 4111111111111111 token 9418594164541111 oops</html>",
        )
    })
    .await;
    let err = call_auth(&server.client()).await.unwrap_err();
    assert!(err.is_decode(), "{err:?}");
    assert!(err.maybe_sent(), "a 2xx we could not read was acted on");
    let excerpt = err.body_excerpt().unwrap();
    assert!(excerpt.contains("oops"), "{excerpt}");
    assert!(!excerpt.contains("411111111111"), "{excerpt}");
    assert!(!excerpt.contains("941859416454"), "{excerpt}");
    assert!(excerpt.contains("1111"), "{excerpt}");
    assert!(!format!("{err} {err:?}").contains("4111111111111111"));
}

#[tokio::test]
async fn a_connection_reset_mid_response_may_have_been_sent_and_is_not_retried() {
    let server = TestServer::resetting_mid_response().await;
    let err = call_auth(&server.client()).await.unwrap_err();
    assert!(err.is_io(), "{err:?}");
    assert!(err.maybe_sent());
    assert!(!err.is_connect());
    assert_eq!(server.requests().len(), 1, "a payment is never resent");
}

#[tokio::test]
async fn a_connection_reset_on_an_inquiry_is_retried() {
    let server = TestServer::resetting_mid_response().await;
    let request = Request::new(
        Service::Gateway,
        Method::GET,
        "inquire/343005123105/496160873888",
        "inquire",
    );
    let err = server.client().execute(request).await.unwrap_err();
    assert!(err.is_io());
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn a_server_slower_than_the_timeout_times_out_once() {
    let server = TestServer::https(|_| async {
        tokio::time::sleep(Duration::from_secs(5)).await;
        reply_json(StatusCode::OK, APPROVAL)
    })
    .await;
    let started = Instant::now();
    let err = server
        .client()
        .send_json::<_, Value>(
            auth_request().with_timeout(Duration::from_millis(300)),
            &auth_body(),
        )
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(err.maybe_sent());
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(server.requests().len(), 1);
    assert!(err.to_string().contains("300 ms"));
}

#[tokio::test]
async fn the_configured_class_timeout_applies_without_an_override() {
    let server = TestServer::https(|_| async {
        tokio::time::sleep(Duration::from_secs(5)).await;
        reply_json(StatusCode::OK, "{}")
    })
    .await;
    let client = server
        .builder()
        .timeouts(
            cardpointe_transport::Timeouts::default().with_inquiry(Duration::from_millis(200)),
        )
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    let request = Request::new(Service::Gateway, Method::GET, "inquire/1/2", "inquire");
    let err = client.execute(request).await.unwrap_err();
    assert!(err.is_timeout());
}

#[tokio::test]
async fn an_untrusted_certificate_is_refused_and_nothing_is_sent() {
    let server = TestServer::https(|_| async { reply_json(StatusCode::OK, APPROVAL) }).await;
    let client = Client::builder(Environment::base_url(&server.base_url()).unwrap())
        .credentials(Credentials::new(support::USERNAME, support::PASSWORD))
        .merchant_id(MERCHID)
        .build()
        .unwrap();
    let err = call_auth(&client).await.unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    assert!(!err.maybe_sent());
    assert!(err.to_string().contains("not trusted"), "{err:?}");
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn connect_refused_is_a_connect_error_that_certainly_was_not_sent() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let client = Client::builder(Environment::base_url(&format!("https://{addr}")).unwrap())
        .credentials(Credentials::new("u", "p"))
        .merchant_id(MERCHID)
        .retry_policy(
            RetryPolicy::default().with_backoff(Duration::from_millis(1), Duration::from_millis(2)),
        )
        .build()
        .unwrap();
    let err = call_auth(&client).await.unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    assert!(!err.maybe_sent());
    assert!(
        std::error::Error::source(&err).is_some(),
        "the cause is kept"
    );
}

#[tokio::test]
async fn plain_http_to_a_non_loopback_host_is_refused_at_configuration() {
    for opt_in in [false, true] {
        let mut builder = Client::builder(Environment::base_url("http://10.1.2.3:8080").unwrap())
            .credentials(Credentials::new("u", "p"))
            .merchant_id(MERCHID);
        if opt_in {
            builder = builder.allow_plain_http_to_loopback();
        }
        let err = builder.build().unwrap_err();
        assert!(err.is_config());
        assert!(err.to_string().contains("plain HTTP is refused"), "{err}");
    }
}

#[tokio::test]
async fn plain_http_to_loopback_needs_the_named_opt_in() {
    let server = TestServer::plain(|_| async { reply_json(StatusCode::OK, APPROVAL) }).await;
    let env = Environment::base_url(&server.base_url()).unwrap();
    let refused = Client::builder(env.clone())
        .credentials(Credentials::new("u", "p"))
        .merchant_id(MERCHID)
        .build()
        .unwrap_err();
    assert!(refused.is_config());
    assert!(refused.to_string().contains("allow_plain_http_to_loopback"));

    let client = Client::builder(env)
        .credentials(Credentials::new("u", "p"))
        .merchant_id(MERCHID)
        .allow_plain_http_to_loopback()
        .build()
        .unwrap();
    call_auth(&client)
        .await
        .expect("plain loopback works when asked for");
}

#[tokio::test]
async fn cardsecure_requests_go_under_their_own_prefix() {
    let server = TestServer::https(|_| async {
        reply_json(StatusCode::OK, r#"{"message":"Hello?","errorcode":0}"#)
    })
    .await;
    let request =
        Request::new(Service::CardSecure, Method::POST, "echo", "echo").with_idempotent(true);
    let answer: Value = server
        .client()
        .send_json(request, &json!({"message": "Hello?"}))
        .await
        .unwrap();
    assert_eq!(answer["errorcode"], 0);
    assert_eq!(server.requests()[0].path, "/cardsecure/api/v1/echo");
}

#[tokio::test]
async fn missing_credentials_or_merchant_id_are_config_errors() {
    let env = Environment::uat("fts").unwrap();
    let err = Client::builder(env.clone())
        .merchant_id(MERCHID)
        .build()
        .unwrap_err();
    assert!(err.is_config() && err.to_string().contains("credentials"));
    let err = Client::builder(env.clone())
        .credentials(Credentials::new("u", "p"))
        .build()
        .unwrap_err();
    assert!(err.is_config() && err.to_string().contains("merchant id"));
    let err = Client::builder(env)
        .credentials(Credentials::new("u:x", "p"))
        .merchant_id(MERCHID)
        .build()
        .unwrap_err();
    assert!(err.is_config());
}

/// A lookup like the process environment's, for `ClientBuilder::from_lookup`.
fn environment(vars: Vec<(&'static str, String)>) -> impl Fn(&str) -> Option<String> {
    move |name: &str| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
    }
}

fn credentials_env(base_url: String) -> Vec<(&'static str, String)> {
    vec![
        (env_vars::BASE_URL, base_url),
        (env_vars::MERCHID, MERCHID.to_owned()),
        (env_vars::USERNAME, support::USERNAME.to_owned()),
        (env_vars::PASSWORD, support::PASSWORD.to_owned()),
    ]
}

#[tokio::test]
async fn the_environment_reaches_an_https_emulator_through_its_ca_file() {
    let server = TestServer::https(|_| async { reply_json(StatusCode::OK, APPROVAL) }).await;
    let ca = std::env::temp_dir().join(format!(
        "cardpointe-transport-ca-{}-{}.pem",
        std::process::id(),
        server.addr.port()
    ));
    std::fs::write(&ca, &server.cert.cert_pem).unwrap();
    let mut vars = credentials_env(server.base_url());
    let untrusted = ClientBuilder::from_lookup(environment(vars.clone()))
        .unwrap()
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    let err = call_auth(&untrusted).await.unwrap_err();
    assert!(
        err.is_connect(),
        "without the CA file the certificate is not trusted: {err}"
    );
    vars.push((env_vars::CA_CERT, ca.display().to_string()));
    let client = ClientBuilder::from_lookup(environment(vars))
        .unwrap()
        .build()
        .unwrap();
    let _ = std::fs::remove_file(&ca);
    assert_eq!(call_auth(&client).await.unwrap()["respstat"], "A");
}

#[tokio::test]
async fn the_environment_reaches_a_plain_loopback_emulator_only_when_asked_by_name() {
    let server = TestServer::plain(|_| async { reply_json(StatusCode::OK, APPROVAL) }).await;
    let mut vars = credentials_env(server.base_url());
    let refused = ClientBuilder::from_lookup(environment(vars.clone()))
        .unwrap()
        .build()
        .unwrap_err();
    assert!(refused.is_config());
    assert!(
        refused.to_string().contains(env_vars::ALLOW_PLAIN_HTTP),
        "{refused}"
    );
    vars.push((env_vars::ALLOW_PLAIN_HTTP, "loopback".to_owned()));
    let client = ClientBuilder::from_lookup(environment(vars))
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(call_auth(&client).await.unwrap()["respstat"], "A");
}
