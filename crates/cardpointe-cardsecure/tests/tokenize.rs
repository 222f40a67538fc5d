//! The tokenizer against a real HTTPS server on loopback playing CardSecure.

use cardpointe_testkit as support;

use std::time::Duration;

use cardpointe_cardsecure::{
    ApplePayPayload, BankAccount, CardSecure, Error, ErrorCode, GooglePayToken, ManualCard,
    ReaderData, TokenizeOptions, ValidationError,
};
use cardpointe_transport::{Client, Credentials, Environment};
use cardpointe_types::{CardBrand, Cvv, Expiry, Token};
use http::StatusCode;
use serde_json::Value;
use support::{Seen, TestServer, json, text};

const MSR: &str = "02A001801F372300839B%*6011********6668^DISCOVER TEST CARD^***************?*;6011********6668=***************?*10C1A6E1CDCDCD94030006C00106632303";

/// A small CardSecure: tokens are 9 + first two digits + middle + last four, as in spec 6.4.
fn cardsecure(seen: &Seen) -> support::Reply {
    if seen.path == "/cardsecure/api/v1/echo" {
        let body: Value = serde_json::from_slice(&seen.body).unwrap();
        return json(
            StatusCode::OK,
            &format!(r#"{{"message":{},"errorcode":0}}"#, body["message"]),
        );
    }
    assert_eq!(seen.path, "/cardsecure/api/v1/ccn/tokenize");
    let body: Value = serde_json::from_slice(&seen.body).unwrap();
    let token = if let Some(account) = body["account"].as_str() {
        if account.starts_with('9') {
            account.to_owned()
        } else if let Some((routing, acct)) = account.split_once('/') {
            format!("9{}446838411{}", &routing[..2], &acct[acct.len() - 4..])
        } else {
            format!(
                "9{}859416454{}",
                &account[..2],
                &account[account.len() - 4..]
            )
        }
    } else if body["devicedata"]
        .as_str()
        .is_some_and(|d| d.starts_with("02A0"))
    {
        "9603982807976668".to_owned()
    } else {
        "9418594164541111".to_owned()
    };
    json(
        StatusCode::OK,
        &format!(r#"{{"message":"No error","errorcode":0,"token":"{token}"}}"#),
    )
}

async fn server() -> TestServer {
    TestServer::https(|seen| async move { cardsecure(&seen) }).await
}

fn tokenizer(server: &TestServer) -> CardSecure {
    CardSecure::new(server.client())
}

fn body_of(server: &TestServer, index: usize) -> Value {
    serde_json::from_slice(&server.requests()[index].body).unwrap()
}

fn visa() -> ManualCard {
    ManualCard::new("4111 1111 1111 1111", "12/99", Some("123")).unwrap()
}

#[tokio::test]
async fn a_manual_card_is_tokenized_with_its_expiry_and_cvv() {
    let server = server().await;
    let token = tokenizer(&server)
        .tokenize_card(&visa(), TokenizeOptions::default())
        .await
        .unwrap();
    assert_eq!(token.as_str(), "9418594164541111");
    assert_eq!(token.last_four(), "1111");
    assert_eq!(token.brand_prefix(), "41");
    assert_eq!(token.brand_hint(), Some(CardBrand::Visa));
    let body = body_of(&server, 0);
    assert_eq!(
        body,
        serde_json::json!({"account": "4111111111111111", "expiry": "1299", "cvv": "123"})
    );
    assert_eq!(
        server.requests()[0].headers["content-type"],
        "application/json"
    );
}

#[tokio::test]
async fn unique_tokens_are_requested_by_flag() {
    let server = server().await;
    tokenizer(&server)
        .tokenize_card(&visa(), TokenizeOptions::default().unique())
        .await
        .unwrap();
    assert_eq!(body_of(&server, 0)["unique"], true);
}

#[tokio::test]
async fn reader_data_goes_verbatim_in_devicedata_without_a_handler() {
    let server = server().await;
    let data = ReaderData::new(MSR, true, Some("6011********6668")).unwrap();
    let token = tokenizer(&server)
        .tokenize_reader_data(&data, TokenizeOptions::default())
        .await
        .unwrap();
    assert_eq!(token.as_str(), "9603982807976668");
    assert_eq!(body_of(&server, 0), serde_json::json!({"devicedata": MSR}));
}

#[tokio::test]
async fn ach_accounts_are_sent_as_routing_slash_account() {
    let server = server().await;
    let account = BankAccount::new("124001545", "123123123123").unwrap();
    let token = tokenizer(&server)
        .tokenize_ach(&account, TokenizeOptions::default())
        .await
        .unwrap();
    // The spec's recorded pair (6.4): 124001545 + 123123123123 → 9124468384113123.
    assert_eq!(token.as_str(), "9124468384113123");
    assert_eq!(token.last_four(), "3123");
    assert_eq!(
        body_of(&server, 0),
        serde_json::json!({"account": "124001545/123123123123"})
    );
}

#[tokio::test]
async fn wallet_payloads_carry_their_encryption_handler() {
    let server = server().await;
    let cardsecure = tokenizer(&server);
    let apple = ApplePayPayload::new("DATA", "SIG", "KEY", "TID", Some("HASH"), None).unwrap();
    cardsecure
        .tokenize_apple_pay(&apple, TokenizeOptions::default())
        .await
        .unwrap();
    let google = GooglePayToken::new(
        r#"{"protocolVersion":"ECv2","signature":"s","signedMessage":"{\"x\":1}"}"#,
    )
    .unwrap();
    cardsecure
        .tokenize_google_pay(&google, TokenizeOptions::default())
        .await
        .unwrap();

    let apple_body = body_of(&server, 0);
    assert_eq!(apple_body["encryptionhandler"], "EC_APPLE_PAY");
    assert_eq!(
        apple_body["devicedata"],
        "DATA&ectype=apple&ecsig=SIG&eckey=KEY&ectid=TID&echash=HASH"
    );
    let google_body = body_of(&server, 1);
    assert_eq!(google_body["encryptionhandler"], "EC_GOOGLE_PAY");
    let inner: Value = serde_json::from_str(google_body["devicedata"].as_str().unwrap()).unwrap();
    assert_eq!(inner["protocolVersion"], "ECv2");
}

#[tokio::test]
async fn a_token_update_sends_the_token_as_account_with_expiry_and_cvv() {
    let server = server().await;
    let token = Token::new("9418594164541111").unwrap();
    let cvv = Cvv::new("321").unwrap();
    let updated = tokenizer(&server)
        .update_token(&token, Some(Expiry::new(2031, 1).unwrap()), Some(&cvv))
        .await
        .unwrap();
    assert_eq!(updated, token);
    assert_eq!(
        body_of(&server, 0),
        serde_json::json!({"account": "9418594164541111", "expiry": "0131", "cvv": "321"})
    );
}

#[tokio::test]
async fn a_token_update_with_nothing_to_update_sends_nothing() {
    let server = server().await;
    let token = Token::new("9418594164541111").unwrap();
    let err = tokenizer(&server)
        .update_token(&token, None, None)
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        Error::Invalid(ValidationError::NothingToUpdate)
    ));
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn echo_returns_the_message_and_refuses_long_ones_locally() {
    let server = server().await;
    let cardsecure = tokenizer(&server);
    assert_eq!(cardsecure.echo("Hello?").await.unwrap(), "Hello?");
    assert_eq!(server.requests()[0].path, "/cardsecure/api/v1/echo");
    let err = cardsecure.echo(&"x".repeat(251)).await.unwrap_err();
    assert!(matches!(
        err,
        Error::Invalid(ValidationError::EchoTooLong { length: 251 })
    ));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn cardsecure_error_codes_are_typed_whether_sent_with_200_or_400() {
    for status in [StatusCode::OK, StatusCode::BAD_REQUEST] {
        let server = TestServer::https(move |_| async move {
            json(
                status,
                r#"{"message":"Card number check (Luhn formula) failed","errorcode":54}"#,
            )
        })
        .await;
        let err = tokenizer(&server)
            .tokenize_card(&visa(), TokenizeOptions::default())
            .await
            .unwrap_err();
        match err {
            Error::Rejected { code, message } => {
                assert_eq!(code, ErrorCode::LuhnCheckFailed);
                assert!(message.contains("Luhn"));
            }
            other => panic!("{status}: {other:?}"),
        }
        assert_eq!(server.requests().len(), 1, "a refusal is not retried");
    }
}

#[tokio::test]
async fn undocumented_error_codes_keep_their_number() {
    let server = TestServer::https(|_| async {
        json(StatusCode::OK, r#"{"message":"?","errorcode":"0099"}"#)
    })
    .await;
    let err = tokenizer(&server)
        .tokenize_card(&visa(), TokenizeOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Rejected {
                code: ErrorCode::Unknown(99),
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_success_without_a_token_is_reported_not_invented() {
    let server = TestServer::https(|_| async {
        json(StatusCode::OK, r#"{"message":"No error","errorcode":0}"#)
    })
    .await;
    let err = tokenizer(&server)
        .tokenize_card(&visa(), TokenizeOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::MissingToken), "{err:?}");
}

#[tokio::test]
async fn unauthorized_is_a_transport_auth_error() {
    let server =
        TestServer::https(|_| async { text(StatusCode::UNAUTHORIZED, "Unauthorized") }).await;
    let err = tokenizer(&server)
        .tokenize_card(&visa(), TokenizeOptions::default())
        .await
        .unwrap_err();
    let Error::Transport(transport) = err else {
        panic!("{err:?}")
    };
    assert!(transport.is_auth());
}

#[tokio::test]
async fn a_404_json_page_is_a_transport_status_error() {
    let server = TestServer::https(|_| async {
        json(
            StatusCode::NOT_FOUND,
            r#"{"status":404,"error":"Not Found","path":"/cardsecure/api/v1/ccn/tokenize"}"#,
        )
    })
    .await;
    let err = tokenizer(&server)
        .tokenize_card(&visa(), TokenizeOptions::default())
        .await
        .unwrap_err();
    let Error::Transport(transport) = err else {
        panic!("{err:?}")
    };
    assert_eq!(transport.status(), Some(StatusCode::NOT_FOUND));
}

#[tokio::test]
async fn a_500_is_retried_for_a_card_but_not_for_single_use_reader_data() {
    let server =
        TestServer::https(|_| async { text(StatusCode::INTERNAL_SERVER_ERROR, "boom") }).await;
    let cardsecure = tokenizer(&server);
    let err = cardsecure
        .tokenize_card(&visa(), TokenizeOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Transport(t) if t.status() == Some(StatusCode::INTERNAL_SERVER_ERROR)),
        "{err:?}"
    );
    assert_eq!(
        server.requests().len(),
        3,
        "deterministic tokenize: first try + 2 retries"
    );

    let data = ReaderData::new(MSR, true, None).unwrap();
    let err = cardsecure
        .tokenize_reader_data(&data, TokenizeOptions::default())
        .await
        .unwrap_err();
    let Error::Transport(transport) = err else {
        panic!()
    };
    assert!(transport.maybe_sent());
    assert_eq!(
        server.requests().len(),
        4,
        "reader data is single-use: never resent"
    );
}

#[tokio::test]
async fn a_non_json_body_is_a_decode_error_without_card_data() {
    let server =
        TestServer::https(|_| async { text(StatusCode::OK, "<html>4111111111111111</html>") })
            .await;
    let err = tokenizer(&server)
        .tokenize_card(&visa(), TokenizeOptions::default())
        .await
        .unwrap_err();
    let Error::Transport(transport) = &err else {
        panic!("{err:?}")
    };
    assert!(transport.is_decode());
    assert!(!format!("{err} {err:?}").contains("4111111111111111"));
}

#[tokio::test]
async fn a_connection_reset_mid_response_is_not_resent_for_reader_data() {
    let server = TestServer::resetting_mid_response().await;
    let data = ReaderData::new(MSR, true, None).unwrap();
    let err = tokenizer(&server)
        .tokenize_reader_data(&data, TokenizeOptions::default())
        .await
        .unwrap_err();
    let Error::Transport(transport) = err else {
        panic!()
    };
    assert!(transport.maybe_sent());
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_slow_server_times_out_with_the_per_call_timeout() {
    let server = TestServer::https(|_| async {
        tokio::time::sleep(Duration::from_secs(5)).await;
        text(StatusCode::OK, "late")
    })
    .await;
    let data = ReaderData::new(MSR, true, None).unwrap();
    let options = TokenizeOptions::default().with_timeout(Duration::from_millis(200));
    let err = tokenizer(&server)
        .tokenize_reader_data(&data, options)
        .await
        .unwrap_err();
    let Error::Transport(transport) = err else {
        panic!()
    };
    assert!(transport.is_timeout());
}

#[tokio::test]
async fn an_untrusted_certificate_is_refused() {
    let server = server().await;
    let client = Client::builder(Environment::base_url(&server.base_url()).unwrap())
        .credentials(Credentials::new("u", "p"))
        .merchant_id(support::MERCHID)
        .build()
        .unwrap();
    let err = CardSecure::new(client)
        .tokenize_card(&visa(), TokenizeOptions::default())
        .await
        .unwrap_err();
    let Error::Transport(transport) = err else {
        panic!()
    };
    assert!(transport.is_connect() && !transport.maybe_sent());
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn plain_http_to_a_non_loopback_host_is_refused_before_any_tokenizing() {
    let err = Client::builder(Environment::base_url("http://192.0.2.10").unwrap())
        .credentials(Credentials::new("u", "p"))
        .merchant_id(support::MERCHID)
        .allow_plain_http_to_loopback()
        .build()
        .unwrap_err();
    assert!(err.is_config());
}
