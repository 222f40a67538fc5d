//! The facade's errors keep each layer's typed error in their `source()` chain, and no
//! `Display` in that chain quotes a request or response body — even one holding a card number.

use std::error::Error as _;
use std::time::Duration;

use cardpointe::transport::{RetryPolicy, StatusCode};
use cardpointe::types::ParseError;
use cardpointe::{
    Amount, AuthOutcome, AuthRequest, CaptureRequest, Gateway, InquireRequest, PaymentSource,
    RecoveryPolicy, Retref,
};
use cardpointe_testkit::{TestServer, json};

/// What a misbehaving gateway (or a proxy echoing the request) might send back.
const ECHO: &str =
    r#"{"account":"4111111111111111","expiry":"1230","respstat":["4111111111111111"]}"#;

fn gateway_for(server: &TestServer) -> Gateway {
    let client = server
        .builder()
        .retry_policy(RetryPolicy::never())
        .build()
        .expect("a client");
    Gateway::new(client).with_recovery(
        RecoveryPolicy::default()
            .with_pause(Duration::from_millis(1))
            .with_void_attempts(1),
    )
}

fn auth() -> AuthRequest {
    AuthRequest::new(
        Amount::from_minor(1250).unwrap(),
        PaymentSource::Card("4111111111111111".parse().unwrap()),
    )
    .with_expiry("1230".parse().unwrap())
}

/// Every `Display` in the chain, joined.
fn displayed_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut cause = err.source();
    while let Some(c) = cause {
        text.push_str(" | ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

fn assert_quotes_no_body(what: &str, err: &cardpointe::Error) {
    let shown = displayed_chain(err);
    assert!(!shown.contains("411111"), "{what}: {shown}");
    assert!(!shown.contains("respstat"), "{what}: {shown}");
    assert!(!shown.contains("1230"), "{what}: {shown}");
}

#[tokio::test]
async fn no_error_display_quotes_a_body_holding_a_card_number() {
    for status in [
        StatusCode::OK,
        StatusCode::BAD_REQUEST,
        StatusCode::INTERNAL_SERVER_ERROR,
    ] {
        let server = TestServer::https(move |_| async move { json(status, ECHO) }).await;
        let gateway = gateway_for(&server);
        let retref = Retref::new("343005123105").unwrap();

        let err = gateway
            .capture(&CaptureRequest::new(retref.clone()))
            .await
            .unwrap_err();
        assert_quotes_no_body("capture", &err);
        let err = gateway
            .inquire(&InquireRequest::new(retref))
            .await
            .unwrap_err();
        assert_quotes_no_body("inquire", &err);

        // A safe auth: a 400 is an error; a lost answer ends in an outcome whose causes are
        // errors too (the auth's, the inquiry's, the void's).
        match gateway.auth(auth()).await {
            Err(err) => assert_quotes_no_body("auth", &err),
            Ok(outcome) => {
                assert!(outcome.was_recovered(), "{status}: {outcome:?}");
                let shown = outcome.to_string();
                assert!(!shown.contains("411111"), "{status}: {shown}");
                if let AuthOutcome::Unknown {
                    cause,
                    last_recovery_error,
                    ..
                } = &outcome
                {
                    assert_quotes_no_body("lost auth", cause);
                    if let Some(e) = last_recovery_error {
                        assert_quotes_no_body("recovery", e);
                    }
                }
            }
        }
    }
}

#[tokio::test]
async fn an_unreadable_answer_keeps_the_transport_error_and_the_parse_fault_in_the_chain() {
    let server = TestServer::https(|_| async { json(StatusCode::OK, ECHO) }).await;
    let gateway = gateway_for(&server);
    let request = InquireRequest::new(Retref::new("343005123105").unwrap());
    let err = gateway.inquire(&request).await.unwrap_err();
    assert!(
        err.maybe_sent(),
        "a 2xx the client could not read was acted on"
    );
    let transport = err.transport().expect("the transport's error");
    assert!(transport.is_decode());
    // `source()` walks down the layers with their types intact.
    let first = err.source().expect("a source");
    assert!(
        first
            .downcast_ref::<cardpointe::transport::Error>()
            .is_some()
    );
    let parse = first
        .source()
        .and_then(|e| e.downcast_ref::<ParseError>())
        .expect("the parse fault");
    assert!(
        matches!(
            parse,
            ParseError::Json {
                operation: "inquire",
                ..
            }
        ),
        "{parse:?}"
    );
    assert!(displayed_chain(&err).contains("line 1"), "{err:?}");
}
