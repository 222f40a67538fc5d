//! Everything the stack logs at TRACE during calls that carry card data, captured and searched.

use cardpointe_testkit as support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use cardpointe_transport::{Method, Request, Service, StatusCode};
use serde_json::{Value, json};
use support::{TestServer, json as reply_json, text};

const PAN: &str = "4111111111111111";
const TOKEN: &str = "9418594164541111";
const TRACK: &str = "02A001801F372300839B10C1A6E1CDCDCD94030006C00106632303";
const BASIC: &str = "dGVzdGluZzp0ZXN0aW5nMTIz";

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_card_data_token_or_authorization_appears_in_trace_logs() {
    let capture = Capture::default();
    let writer = capture.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .init();

    let server = TestServer::https(|seen| async move {
        match seen.path.as_str() {
            "/cardconnect/rest/auth" => reply_json(
                StatusCode::OK,
                &format!(
                    r#"{{"respstat":"A","token":"{TOKEN}","account":"{TOKEN}","amount":"1.00"}}"#
                ),
            ),
            // A non-JSON body with a PAN in it: the decode error's excerpt is logged.
            _ => text(StatusCode::OK, &format!("<pre>{PAN} {TRACK}</pre>")),
        }
    })
    .await;
    let client = server.client();

    let auth = json!({"merchid": support::MERCHID, "account": PAN, "cvv2": "123", "expiry": "1230", "track": TRACK, "amount": "1.00"});
    let answer: Value = client
        .send_json(
            Request::new(Service::Gateway, Method::PUT, "auth", "auth"),
            &auth,
        )
        .await
        .unwrap();
    assert_eq!(answer["token"], TOKEN);

    let bin = Request::new(
        Service::Gateway,
        Method::GET,
        format!("bin/{}/{TOKEN}", support::MERCHID),
        "bin",
    );
    let err = client
        .execute(bin)
        .await
        .unwrap()
        .json::<Value>()
        .unwrap_err();
    tracing::error!(%err, ?err, "the application logs the error");
    let failing = Request::new(Service::Gateway, Method::PUT, "bin-decode", "auth");
    let err = client
        .send_json::<_, Value>(failing, &auth)
        .await
        .unwrap_err();
    tracing::error!(%err, ?err, "and this one");
    drop(client);

    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("cardpointe.call"),
        "spans are captured: {logs}"
    );
    assert!(
        logs.contains("operation=\"auth\"") || logs.contains("operation=auth"),
        "{logs}"
    );
    for secret in [
        PAN,
        &TOKEN[..12],
        TRACK,
        &TRACK[..24],
        BASIC,
        "testing123",
        "cvv2\":\"123",
    ] {
        assert!(
            !logs.contains(secret),
            "{secret:?} leaked into the logs:\n{logs}"
        );
    }
}
