//! What an application sees of each call without parsing logs: the `on_call` observer's
//! records and its name in the `User-Agent`, against a real HTTPS server on loopback.

use cardpointe_testkit as support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use cardpointe_transport::{CallOutcome, CallRecord, Request, RetryPolicy, Service};
use http::{Method, StatusCode};
use serde_json::{Value, json};
use support::{MERCHID, TestServer, json as reply_json};

fn recorder() -> (
    Arc<Mutex<Vec<CallRecord>>>,
    impl Fn(&CallRecord) + Send + Sync + 'static,
) {
    let records = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&records);
    (records, move |record: &CallRecord| {
        sink.lock().unwrap().push(record.clone())
    })
}

#[tokio::test]
async fn every_call_is_reported_once_with_its_status_duration_and_retries() {
    let server = TestServer::https(|request| async move {
        if request.path.ends_with("/inquire/1/2") {
            reply_json(StatusCode::INTERNAL_SERVER_ERROR, r#"{"error":"busy"}"#)
        } else {
            reply_json(
                StatusCode::OK,
                r#"{"respstat":"A","retref":"343005123105"}"#,
            )
        }
    })
    .await;
    let (records, observer) = recorder();
    let client = server
        .builder()
        .on_call(observer)
        .retry_policy(
            RetryPolicy::default()
                .with_max_retries(2)
                .with_backoff(Duration::from_millis(1), Duration::from_millis(2)),
        )
        .build()
        .unwrap();
    let auth = Request::new(Service::Gateway, Method::PUT, "auth", "auth");
    let body = json!({"merchid": MERCHID, "account": "4111111111111111", "expiry": "1230", "amount": "1.00"});
    let _: Value = client.send_json(auth, &body).await.unwrap();
    // An idempotent read that keeps failing with 500: retried, then reported once.
    let inquire =
        Request::new(Service::Gateway, Method::GET, "inquire/1/2", "inquire").with_idempotent(true);
    let answer = client.execute(inquire).await.unwrap();
    assert_eq!(answer.status(), StatusCode::INTERNAL_SERVER_ERROR);

    let records = records.lock().unwrap().clone();
    assert_eq!(records.len(), 2, "{records:?}");
    assert_eq!(records[0].operation, "auth");
    assert_eq!(records[0].status, Some(200));
    assert_eq!(records[0].retries, 0);
    assert_eq!(records[0].outcome, CallOutcome::Answered);
    assert_eq!(records[1].operation, "inquire");
    assert_eq!(records[1].status, Some(500));
    assert_eq!(records[1].retries, 2);
    assert!(records.iter().all(|r| r.duration < Duration::from_secs(10)));
    // Nothing in a record can carry card data.
    let printed = format!("{records:?} {}", records[0]);
    assert!(!printed.contains("4111111111111111"), "{printed}");
}

#[tokio::test]
async fn a_call_that_never_connects_is_reported_as_failed_and_not_sent() {
    let (records, observer) = recorder();
    let client = cardpointe_transport::Client::builder(
        cardpointe_transport::Environment::base_url("http://127.0.0.1:9").unwrap(),
    )
    .credentials(cardpointe_transport::Credentials::new(
        support::USERNAME,
        support::PASSWORD,
    ))
    .merchant_id(MERCHID)
    .allow_plain_http_to_loopback()
    .retry_policy(RetryPolicy::never())
    .on_call(observer)
    .build()
    .unwrap();
    let auth = Request::new(Service::Gateway, Method::PUT, "auth", "auth");
    let error = client
        .send_json::<_, Value>(auth, &json!({}))
        .await
        .unwrap_err();
    assert!(error.is_connect());
    let records = records.lock().unwrap().clone();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].status, None);
    assert_eq!(
        records[0].outcome,
        CallOutcome::Failed {
            maybe_sent: false,
            timeout: false
        }
    );
}

#[tokio::test]
async fn the_app_is_named_in_the_user_agent_after_the_sdk() {
    let server = TestServer::https(|_| async { reply_json(StatusCode::OK, "{}") }).await;
    let client = server
        .builder()
        .app_info("pos-app", "2.3.1")
        .build()
        .unwrap();
    let _: Value = client
        .send_json(
            Request::new(Service::Gateway, Method::PUT, "auth", "auth"),
            &json!({}),
        )
        .await
        .unwrap();
    let plain = server.client();
    let _: Value = plain
        .send_json(
            Request::new(Service::Gateway, Method::PUT, "auth", "auth"),
            &json!({}),
        )
        .await
        .unwrap();
    let seen = server.requests();
    let with_app = seen[0].headers["user-agent"].to_str().unwrap();
    assert!(with_app.starts_with("cardpointe-rs/"), "{with_app}");
    assert!(with_app.ends_with(" pos-app/2.3.1"), "{with_app}");
    let without = seen[1].headers["user-agent"].to_str().unwrap();
    assert!(
        without.starts_with("cardpointe-rs/") && !without.contains("pos-app"),
        "{without}"
    );
}

#[tokio::test]
async fn app_info_that_cannot_be_a_header_token_is_refused_with_an_example() {
    let server = TestServer::https(|_| async { reply_json(StatusCode::OK, "{}") }).await;
    let error = server
        .builder()
        .app_info("my pos app", "1.0")
        .build()
        .unwrap_err();
    assert!(error.is_config());
    let text = error.to_string();
    assert!(
        text.contains("User-Agent") && text.contains("pos-app"),
        "{text}"
    );
}
