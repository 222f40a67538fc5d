//! `Client::call` with `cardpointe-types` operations, against a loopback HTTPS server.

use cardpointe_testkit as support;

use std::time::Duration;

use cardpointe_transport::{CallOptions, Method, RetryPolicy, StatusCode};
use cardpointe_types::{
    Amount, AuthRequest, HasOutcome, InquireRequest, MerchantId, PaymentSource, Retref, Token,
};
use support::{MERCHID, TestServer, json, text};

fn auth() -> AuthRequest {
    AuthRequest::new(
        Amount::from_minor(100).unwrap(),
        PaymentSource::Token(Token::new("9418594164541111").unwrap()),
    )
}

fn inquire() -> InquireRequest {
    InquireRequest::new(Retref::new("343005123105").unwrap())
}

#[tokio::test]
async fn an_auth_operation_is_put_to_its_path_and_its_approval_decoded() {
    let server = TestServer::https(|_| async {
        json(StatusCode::OK, r#"{"respstat":"A","respcode":"00","resptext":"Approval","respproc":"FNOR","amount":"1.00","retref":"343005123105","authcode":"PPS568","nNBcv":{}}"#)
    })
    .await;
    let response = server.client().call(&auth()).await.unwrap();
    assert!(response.outcome().is_approved());
    let seen = &server.requests()[0];
    assert_eq!(seen.method, Method::PUT);
    assert_eq!(seen.path, "/cardconnect/rest/auth");
    let body: serde_json::Value = serde_json::from_slice(&seen.body).unwrap();
    assert_eq!(body["amount"], "1.00");
    assert_eq!(body["merchid"], MERCHID);
}

#[tokio::test]
async fn a_request_for_another_merchant_goes_to_it_in_body_and_path() {
    let server = TestServer::https(|_| async {
        json(StatusCode::OK, r#"{"respstat":"A","respcode":"00","resptext":"Approval","respproc":"FNOR","amount":"1.00"}"#)
    })
    .await;
    let client = server.client();
    let other = MerchantId::new("800000009033").unwrap();
    client
        .call(&auth().with_merchid(other.clone()))
        .await
        .unwrap();
    let _ = client.call(&inquire().with_merchid(other)).await;
    let seen = server.requests();
    let body: serde_json::Value = serde_json::from_slice(&seen[0].body).unwrap();
    assert_eq!(body["merchid"], "800000009033");
    assert_eq!(
        seen[1].path,
        "/cardconnect/rest/inquire/343005123105/800000009033"
    );
    // The client's own merchant stays the default for the next call.
    client.call(&auth()).await.unwrap();
    let body: serde_json::Value =
        serde_json::from_slice(&server.requests().last().unwrap().body).unwrap();
    assert_eq!(body["merchid"], MERCHID);
}

#[tokio::test]
async fn a_401_for_another_merchant_names_that_merchant_not_the_clients() {
    let server = TestServer::https(|seen| async move {
        if seen.method == Method::GET && seen.path == "/cardconnect/rest/" {
            text(StatusCode::OK, "<h1>CardConnect REST Servlet</h1>")
        } else {
            text(StatusCode::UNAUTHORIZED, "Unauthorized")
        }
    })
    .await;
    let other = MerchantId::new("800000009033").unwrap();
    let err = server
        .client()
        .call(&auth().with_merchid(other))
        .await
        .unwrap_err();
    assert!(err.is_auth());
    let message = err.to_string();
    assert!(message.contains("800000009033"), "{message}");
    assert!(message.contains("with_merchid"), "{message}");
    assert!(!message.contains(MERCHID), "{message}");
}

#[tokio::test]
async fn a_decline_is_a_value_not_an_error() {
    let server = TestServer::https(|_| async {
        json(StatusCode::OK, r#"{"respstat":"C","respcode":"05","resptext":"Do not honor","respproc":"FNOR","amount":"0.00"}"#)
    })
    .await;
    let response = server.client().call(&auth()).await.unwrap();
    assert!(!response.outcome().is_approved());
}

#[tokio::test]
async fn an_unreadable_answer_is_a_decode_error_whose_chain_holds_no_card_data() {
    let server = TestServer::https(|_| async {
        json(StatusCode::OK, r#"{"respstat":["4111111111111111"]}"#)
    })
    .await;
    let err = server.client().call(&auth()).await.unwrap_err();
    assert!(err.is_decode(), "{err:?}");
    assert!(err.maybe_sent());
    let mut chain = format!("{err} | {err:?}");
    let mut cause = std::error::Error::source(&err);
    while let Some(c) = cause {
        chain.push_str(&format!(" | {c} | {c:?}"));
        cause = c.source();
    }
    assert!(chain.contains("line 1"), "{chain}");
    assert!(!chain.contains("4111111111111111"), "{chain}");
}

#[tokio::test]
async fn a_safe_operation_is_retried_after_a_transient_status_and_an_unsafe_one_is_not() {
    let server =
        TestServer::https(|_| async { text(StatusCode::BAD_GATEWAY, "bad gateway") }).await;
    let client = server.client();
    let err = client.call(&inquire()).await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::BAD_GATEWAY));
    assert_eq!(server.requests().len(), 3);
    assert_eq!(
        server.requests()[0].path,
        "/cardconnect/rest/inquire/343005123105/496160873888"
    );
    assert_eq!(server.requests()[0].method, Method::GET);

    let err = client.call(&auth()).await.unwrap_err();
    assert!(err.maybe_sent());
    assert_eq!(server.requests().len(), 4);
}

#[tokio::test]
async fn a_per_call_timeout_overrides_the_payment_default() {
    let server = TestServer::https(|_| async {
        tokio::time::sleep(Duration::from_secs(5)).await;
        json(StatusCode::OK, "{}")
    })
    .await;
    let options = CallOptions::default().with_timeout(Duration::from_millis(150));
    let err = server
        .client()
        .call_with(&auth(), options)
        .await
        .unwrap_err();
    assert!(err.is_timeout() && err.maybe_sent());
    assert_eq!(err.operation(), Some("auth"));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_per_call_retry_policy_narrows_the_resends_of_a_safe_operation() {
    let server =
        TestServer::https(|_| async { text(StatusCode::BAD_GATEWAY, "bad gateway") }).await;
    let options = CallOptions::new().with_retry_policy(RetryPolicy::never());
    let err = server
        .client()
        .call_with(&inquire(), options)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::BAD_GATEWAY));
    assert_eq!(
        server.requests().len(),
        1,
        "the client's two resends were not spent"
    );
}

#[tokio::test]
async fn a_per_call_retry_policy_never_makes_an_unsafe_operation_resendable() {
    let server =
        TestServer::https(|_| async { text(StatusCode::BAD_GATEWAY, "bad gateway") }).await;
    let generous = RetryPolicy::default()
        .with_max_retries(5)
        .with_backoff(Duration::from_millis(1), Duration::from_millis(2));
    let options = CallOptions::new().with_retry_policy(generous);
    let err = server
        .client()
        .call_with(&auth(), options)
        .await
        .unwrap_err();
    assert!(err.maybe_sent());
    assert_eq!(
        server.requests().len(),
        1,
        "auth is declared Unsafe: sent once"
    );
}

/// Every `Display` in the chain, joined.
fn displayed_chain(err: &cardpointe_transport::Error) -> String {
    let mut text = err.to_string();
    let mut cause = std::error::Error::source(err);
    while let Some(c) = cause {
        text.push_str(&format!(" | {c}"));
        cause = c.source();
    }
    text
}

#[tokio::test]
async fn no_error_display_quotes_a_response_body_holding_a_card_number() {
    const ECHO: &str = r#"{"account":"4111111111111111","respstat":["4111111111111111"]}"#;
    for status in [
        StatusCode::OK,
        StatusCode::BAD_REQUEST,
        StatusCode::INTERNAL_SERVER_ERROR,
    ] {
        let server = TestServer::https(move |_| async move { json(status, ECHO) }).await;
        let client = server.client().clone();
        let options = CallOptions::new().with_retry_policy(RetryPolicy::never());
        for err in [
            client.call_with(&auth(), options).await.unwrap_err(),
            client.call_with(&inquire(), options).await.unwrap_err(),
        ] {
            let shown = displayed_chain(&err);
            assert!(!shown.contains("411111"), "{status}: {shown}");
            assert!(
                !shown.contains("respstat"),
                "{status}: the body is not quoted: {shown}"
            );
            // The redacted excerpt stays available on request.
            let excerpt = err.body_excerpt().expect("an excerpt");
            assert!(!excerpt.contains("411111"), "{excerpt}");
        }
    }
}
