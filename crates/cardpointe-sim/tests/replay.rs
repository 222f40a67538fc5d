//! Replays the spec's observed request/response pairs (section 2, [O] examples) over raw HTTP
//! bytes on a TLS loopback socket and compares the answers field by field, ignoring only the
//! values the spec calls random (retref digits, authcodes, token middle digits, batch ids).

mod common;

use common::*;
use serde_json::json;

#[tokio::test]
async fn approved_sale_with_capture_matches_the_fnor_uat_recording() {
    let sim = start().await;
    let body = json!({"merchid": MID, "account": "4000065433421984", "expiry": "1225", "cvv2": "123",
                      "amount": "100", "capture": "y", "currency": "USD"});
    let answer = gw(&sim, "PUT", "auth", &body).await;
    // {"amount":"1.00","resptext":"Approval","commcard":" C ","cvvresp":"M","batchid":"1900941444",
    //  "avsresp":" ","respcode":"00","merchid":"496160873888","token":"9405701444882224",
    //  "authcode":"PPS568","respproc":"FNOR","retref":"363743267882","respstat":"A","account":"9405701444882224"}
    // (commcard is "N" since 3/2020; expiry is returned since 10/2019.)
    assert_matches(
        &answer,
        &[
            ("amount", Expect::Eq("1.00")),
            ("resptext", Expect::Eq("Approval")),
            ("commcard", Expect::Eq("N")),
            ("cvvresp", Expect::Eq("M")),
            ("batchid", Expect::Like("a batch id", is_batchid)),
            ("avsresp", Expect::Eq(" ")),
            ("respcode", Expect::Eq("00")),
            ("merchid", Expect::Eq(MID)),
            ("token", Expect::Like("a token", is_token)),
            ("authcode", Expect::Like("PPS + 3 digits", is_pps_authcode)),
            ("respproc", Expect::Eq("FNOR")),
            ("retref", Expect::Like("a retref", is_retref)),
            ("respstat", Expect::Eq("A")),
            ("account", Expect::Like("a token", is_token)),
            ("expiry", Expect::Eq("1225")),
        ],
        false,
    );
    let token = answer["token"].as_str().unwrap();
    assert!(
        token.starts_with("940") && token.ends_with("1984"),
        "{token}"
    );
    assert_eq!(answer["account"], answer["token"]);
    sim.shutdown().await;
}

#[tokio::test]
async fn issuer_decline_matches_the_recorded_insufficient_funds_answer() {
    let sim = start().await;
    let body =
        json!({"merchid": MID, "account": "4387751111111053", "expiry": "0925", "amount": "998"});
    let answer = gw(&sim, "POST", "auth", &body).await;
    // {"respproc":"FNOR","amount":"0.00","resptext":"Insufficient funds","cardproc":"FNOR","commcard":" C ",
    //  "retref":"005533134378","respstat":"C","respcode":"NU","account":"9435885049491053",
    //  "merchid":"496160873888","token":"9435885049491053"}
    assert_matches(
        &answer,
        &[
            ("respproc", Expect::Eq("FNOR")),
            ("amount", Expect::Eq("0.00")),
            ("resptext", Expect::Eq("Insufficient funds")),
            ("cardproc", Expect::Eq("FNOR")),
            ("commcard", Expect::Eq("N")),
            ("retref", Expect::Like("a retref", is_retref)),
            ("respstat", Expect::Eq("C")),
            ("respcode", Expect::Eq("NU")),
            ("account", Expect::Like("a token", is_token)),
            ("merchid", Expect::Eq(MID)),
            ("token", Expect::Like("a token", is_token)),
            ("expiry", Expect::Eq("0925")),
        ],
        false,
    );
    assert!(answer["token"].as_str().unwrap().ends_with("1053"));
    sim.shutdown().await;
}

#[tokio::test]
async fn non_numeric_account_is_pps_11_invalid_card_with_a_retref() {
    let sim = start().await;
    let body = json!({"merchid": RPCT_MID, "account": "larry", "expiry": "0925", "amount": "1.00"});
    let answer = gw(&sim, "PUT", "auth", &body).await;
    // {"account":"larry","amount":"0.00","expiry":"0925","merchid":"800000009033","respcode":"11",
    //  "respstat":"C","resptext":"Invalid card", …} (respproc PPS)
    assert_matches(
        &answer,
        &[
            ("account", Expect::Eq("larry")),
            ("amount", Expect::Eq("0.00")),
            ("expiry", Expect::Eq("0925")),
            ("merchid", Expect::Eq(RPCT_MID)),
            ("respcode", Expect::Eq("11")),
            ("respstat", Expect::Eq("C")),
            ("resptext", Expect::Eq("Invalid card")),
            ("respproc", Expect::Eq("PPS")),
            ("retref", Expect::Like("a retref", is_retref)),
        ],
        false,
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn capture_of_an_unknown_retref_matches_the_recorded_txn_not_found() {
    let sim = start().await;
    let answer = gw(
        &sim,
        "PUT",
        "capture",
        &json!({"merchid": MID, "retref": "123456789012"}),
    )
    .await;
    // {"respproc":"PPS","resptext":"Txn not found","retref":"<echo>","respstat":"C","respcode":"29",
    //  "batchid":"-1","account":""}
    assert_matches(
        &answer,
        &[
            ("respproc", Expect::Eq("PPS")),
            ("resptext", Expect::Eq("Txn not found")),
            ("retref", Expect::Eq("123456789012")),
            ("respstat", Expect::Eq("C")),
            ("respcode", Expect::Eq("29")),
            ("batchid", Expect::Eq("-1")),
            ("account", Expect::Eq("")),
        ],
        false,
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn void_and_inquire_match_the_recorded_answers() {
    let sim = start().await;
    let auth = gw(
        &sim,
        "PUT",
        "auth",
        &json!({"merchid": MID, "account": "4111111111111111", "expiry": "1225", "amount": "0.99"}),
    )
    .await;
    let retref = auth["retref"].as_str().unwrap().to_owned();
    // Inquire before the void:
    // {"amount":"0.99","resptext":"Approval","setlstat":"Authorized","respcode":"00","retref":"343030160242",
    //  "merchid":"496160873888","account":"9418594164541111","currency":"USD","respstat":"A","respproc":"FNOR"}
    let inquiry = get(&sim, &format!("inquire/{retref}/{MID}")).await;
    assert_matches(
        &inquiry,
        &[
            ("amount", Expect::Eq("0.99")),
            ("resptext", Expect::Eq("Approval")),
            ("setlstat", Expect::Eq("Authorized")),
            ("respcode", Expect::Eq("00")),
            ("merchid", Expect::Eq(MID)),
            ("account", Expect::Like("a token", is_token)),
            ("currency", Expect::Eq("USD")),
            ("respstat", Expect::Eq("A")),
            ("respproc", Expect::Eq("FNOR")),
            ("voidable", Expect::Eq("Y")),
            ("refundable", Expect::Eq("N")),
        ],
        true,
    );
    assert_eq!(inquiry["retref"], retref.as_str());
    assert!(inquiry["account"].as_str().unwrap().starts_with("941"));
    // {"authcode":"REVERS","respproc":"FNOR","amount":"0.00","resptext":"Approval","currency":"USD",
    //  "retref":"<same retref>","respstat":"A","respcode":"00","merchid":"…"}
    let void = gw(
        &sim,
        "PUT",
        "void",
        &json!({"merchid": MID, "retref": retref}),
    )
    .await;
    assert_matches(
        &void,
        &[
            ("authcode", Expect::Eq("REVERS")),
            ("respproc", Expect::Eq("FNOR")),
            ("amount", Expect::Eq("0.00")),
            ("resptext", Expect::Eq("Approval")),
            ("currency", Expect::Eq("USD")),
            ("retref", Expect::Like("the same retref", is_retref)),
            ("respstat", Expect::Eq("A")),
            ("respcode", Expect::Eq("00")),
            ("merchid", Expect::Eq(MID)),
        ],
        false,
    );
    assert_eq!(void["retref"], retref.as_str());
    assert_eq!(
        get(&sim, &format!("inquire/{retref}/{MID}")).await["setlstat"],
        "Voided"
    );
    // Unknown: {"resptext":"Txn not found","respcode":"29","retref":"<echo>","respstat":"C","respproc":"PPS"}
    let missing = get(&sim, &format!("inquire/000000000001/{MID}")).await;
    assert_matches(
        &missing,
        &[
            ("resptext", Expect::Eq("Txn not found")),
            ("respcode", Expect::Eq("29")),
            ("retref", Expect::Eq("000000000001")),
            ("respstat", Expect::Eq("C")),
            ("respproc", Expect::Eq("PPS")),
        ],
        false,
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn rpct_amount_driven_code_matches_the_documented_example() {
    let sim = start().await;
    let body = json!({"merchid": RPCT_MID, "account": "4000065433421984", "expiry": "1225", "amount": "111695"});
    let answer = gw(&sim, "PUT", "auth", &body).await;
    // {"amount":"0.00","resptext":"Not sufficient funds","cardproc":"RPCT","respstat":"C","respcode":"116"}
    assert_matches(
        &answer,
        &[
            ("amount", Expect::Eq("0.00")),
            ("resptext", Expect::Eq("Not sufficient funds")),
            ("cardproc", Expect::Eq("RPCT")),
            ("respstat", Expect::Eq("C")),
            ("respcode", Expect::Eq("116")),
        ],
        true,
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn profile_create_read_and_delete_match_the_recordings() {
    let sim = start().await;
    let body = json!({"merchid": MID, "account": "4111111111111111", "expiry": "1215", "name": "Tom Jones",
                      "address": "123 Main", "city": "Philadelphia", "region": "PA", "country": "US",
                      "postal": "19406", "phone": "5555555555", "email": "tom@example.com"});
    let saved = gw(&sim, "PUT", "profile", &body).await;
    // {"profileid":"18399859418147107070","acctid":"1","defaultacct":"Y","token":"9418594164541111",
    //  "accttype":"VISA","expiry":"1215","name":…,"address":…,"city","region","country","postal","phone",
    //  "email","auoptout":"N","gsacard":"N","respproc":"PPS","respcode":"09","resptext":"Profile Saved","respstat":"A"}
    fn profileid(s: &str) -> bool {
        s.len() == 20 && s.bytes().all(|b| b.is_ascii_digit())
    }
    assert_matches(
        &saved,
        &[
            ("profileid", Expect::Like("20 digits", profileid)),
            ("acctid", Expect::Eq("1")),
            ("defaultacct", Expect::Eq("Y")),
            ("token", Expect::Like("a token", is_token)),
            ("accttype", Expect::Eq("VISA")),
            ("expiry", Expect::Eq("1215")),
            ("name", Expect::Eq("Tom Jones")),
            ("address", Expect::Eq("123 Main")),
            ("city", Expect::Eq("Philadelphia")),
            ("region", Expect::Eq("PA")),
            ("country", Expect::Eq("US")),
            ("postal", Expect::Eq("19406")),
            ("phone", Expect::Eq("5555555555")),
            ("email", Expect::Eq("tom@example.com")),
            ("auoptout", Expect::Eq("N")),
            ("gsacard", Expect::Eq("N")),
            ("respproc", Expect::Eq("PPS")),
            ("respcode", Expect::Eq("09")),
            ("resptext", Expect::Eq("Profile Saved")),
            ("respstat", Expect::Eq("A")),
        ],
        false,
    );
    let pid = saved["profileid"].as_str().unwrap().to_owned();
    // A second account: acctid 2, not default.
    let second = gw(
        &sim,
        "PUT",
        "profile",
        &json!({"merchid": MID, "profile": pid, "account": "5454545454545454", "expiry": "0127"}),
    )
    .await;
    assert_eq!(
        (second["acctid"].as_str(), second["defaultacct"].as_str()),
        (Some("2"), Some("N"))
    );
    // Read all accounts: an array without resp* fields.
    let all = get(&sim, &format!("profile/{pid}//{MID}")).await;
    let items = all.as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert!(items.iter().all(|i| i.get("respstat").is_none()));
    // Deleting the default account of a multi-account profile is refused with PPS 34.
    let raw = call(
        &sim,
        "DELETE",
        &format!("/cardconnect/rest/profile/{pid}/1/{MID}"),
        None,
    )
    .await;
    assert_matches(
        &raw.json(),
        &[
            ("resptext", Expect::Eq("Invalid field")),
            ("respcode", Expect::Eq("34")),
            ("respproc", Expect::Eq("PPS")),
            ("respstat", Expect::Eq("C")),
        ],
        false,
    );
    // {"respproc":"PPS","respcode":"08","resptext":"Profile Deleted","respstat":"A"}
    let raw = call(
        &sim,
        "DELETE",
        &format!("/cardconnect/rest/profile/{pid}//{MID}"),
        None,
    )
    .await;
    assert_matches(
        &raw.json(),
        &[
            ("respproc", Expect::Eq("PPS")),
            ("respcode", Expect::Eq("08")),
            ("resptext", Expect::Eq("Profile Deleted")),
            ("respstat", Expect::Eq("A")),
            ("profileid", Expect::Like("20 digits", profileid)),
        ],
        false,
    );
    // {"respproc":"PPS","resptext":"Profile not found","respstat":"C","respcode":"96"}
    let raw = call(
        &sim,
        "DELETE",
        &format!("/cardconnect/rest/profile/{pid}//{MID}"),
        None,
    )
    .await;
    assert_matches(
        &raw.json(),
        &[
            ("respproc", Expect::Eq("PPS")),
            ("resptext", Expect::Eq("Profile not found")),
            ("respstat", Expect::Eq("C")),
            ("respcode", Expect::Eq("96")),
        ],
        false,
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn ach_auth_routes_to_the_linked_merchant_with_profitstars_codes() {
    let sim = start().await;
    let body = json!({"merchid": MID, "account": "1234123412341234", "bankaba": "036001808", "accttype": "ECHK", "amount": "10.00"});
    let answer = gw(&sim, "PUT", "auth", &body).await;
    fn ach_authcode(s: &str) -> bool {
        s.len() == 6 && s.bytes().all(|b| b.is_ascii_alphanumeric())
    }
    assert_matches(
        &answer,
        &[
            ("respproc", Expect::Eq("PSTR")),
            ("resptext", Expect::Eq("Success")),
            ("respcode", Expect::Eq("00")),
            ("cvvresp", Expect::Eq("U")),
            ("avsresp", Expect::Eq("U")),
            ("merchid", Expect::Eq("542041")),
            ("authcode", Expect::Like("6 alphanumerics", ach_authcode)),
        ],
        true,
    );
    let token = answer["token"].as_str().unwrap();
    assert!(
        token.starts_with("903") && token.ends_with("1234") && is_token(token),
        "{token}"
    );
    // An invalid routing number: PPS 11 with cardproc PSTR, and a token still returned.
    let bad = gw(&sim, "PUT", "auth", &json!({"merchid": MID, "account": "1234123412341234", "bankaba": "036001809", "amount": "10.00"})).await;
    assert_matches(
        &bad,
        &[
            ("respproc", Expect::Eq("PPS")),
            ("respcode", Expect::Eq("11")),
            ("resptext", Expect::Eq("Invalid card")),
            ("cardproc", Expect::Eq("PSTR")),
        ],
        true,
    );
    assert!(bad["token"].is_string());
    sim.shutdown().await;
}

#[tokio::test]
async fn timeout_card_answers_pps_62_after_the_configured_delay() {
    let sim = start().await; // 200 ms in tests
    let started = std::time::Instant::now();
    let answer = gw(
        &sim,
        "PUT",
        "auth",
        &json!({"merchid": MID, "account": "4999006200620062", "expiry": "1225", "amount": "5.00"}),
    )
    .await;
    assert!(started.elapsed() >= std::time::Duration::from_millis(200));
    assert_matches(
        &answer,
        &[
            ("respproc", Expect::Eq("PPS")),
            ("respcode", Expect::Eq("62")),
            ("resptext", Expect::Eq("Timed out")),
            ("respstat", Expect::Eq("B")),
            ("setlstat", Expect::Eq("Declined")),
            ("amount", Expect::Eq("0.00")),
            ("retref", Expect::Like("a retref", is_retref)),
            ("token", Expect::Like("a token", is_token)),
        ],
        true,
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn partial_approval_card_approves_five_dollars() {
    let sim = start().await;
    let fnor = gw(
        &sim,
        "PUT",
        "auth",
        &json!({"merchid": MID, "account": "4387750101010101", "expiry": "1225", "amount": "6.00"}),
    )
    .await;
    assert_matches(
        &fnor,
        &[
            ("respcode", Expect::Eq("10")),
            ("resptext", Expect::Eq("Partial Approval")),
            ("amount", Expect::Eq("5.00")),
            ("respstat", Expect::Eq("A")),
        ],
        true,
    );
    let rpct = gw(&sim, "PUT", "auth", &json!({"merchid": RPCT_MID, "account": "4387750101010101", "expiry": "1225", "amount": "20.00"})).await;
    assert_matches(
        &rpct,
        &[
            ("respcode", Expect::Eq("002")),
            ("amount", Expect::Eq("5.00")),
            ("respproc", Expect::Eq("RPCT")),
        ],
        true,
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn cardsecure_tokenize_and_echo_match_the_documented_shapes() {
    let sim = start().await;
    let raw = call(
        &sim,
        "POST",
        "/cardsecure/api/v1/ccn/tokenize",
        Some(r#"{"account":"4444333322221111"}"#),
    )
    .await;
    assert_eq!(raw.status, 200);
    let answer = raw.json();
    assert_eq!(answer["message"], "No error");
    assert_eq!(answer["errorcode"], 0);
    let token = answer["token"].as_str().unwrap();
    assert!(is_token(token) && token.starts_with("944") && token.ends_with("1111"));
    // The same card always gives the same token (per site), also through auth.
    let again = call(
        &sim,
        "POST",
        "/cardsecure/api/v1/ccn/tokenize",
        Some(r#"{"account":"4444 3333 2222 1111"}"#),
    )
    .await
    .json();
    assert_eq!(again["token"], token);
    let auth = gw(
        &sim,
        "PUT",
        "auth",
        &json!({"merchid": MID, "account": "4444333322221111", "expiry": "1225", "amount": "1"}),
    )
    .await;
    assert_eq!(auth["token"], token);
    // Luhn failure → 54; echo.
    let bad = call(
        &sim,
        "POST",
        "/cardsecure/api/v1/ccn/tokenize",
        Some(r#"{"account":"4444333322221112"}"#),
    )
    .await;
    assert_eq!(
        (bad.status, bad.json()["errorcode"].as_i64()),
        (400, Some(54))
    );
    let echo = call(
        &sim,
        "POST",
        "/cardsecure/api/v1/echo",
        Some(r#"{"message":"Hello?"}"#),
    )
    .await
    .json();
    assert_eq!(echo, json!({"message": "Hello?", "errorcode": 0}));
    // ACH: 124001545 + 123123123123 → 9 12 … 3123.
    let ach = call(
        &sim,
        "POST",
        "/cardsecure/api/v1/ccn/tokenize",
        Some(r#"{"account":"124001545/123123123123"}"#),
    )
    .await
    .json();
    let ach = ach["token"].as_str().unwrap();
    assert!(ach.starts_with("912") && ach.ends_with("3123") && is_token(ach));
    sim.shutdown().await;
}

#[tokio::test]
async fn credential_test_greeting_401_and_json_404_are_faithful() {
    let sim = start().await;
    let raw = call(&sim, "GET", "/cardconnect/rest/", None).await;
    assert_eq!(raw.status, 200);
    assert!(raw.header("content-type").unwrap().starts_with("text/html"));
    assert!(raw.text().contains("<h1>CardConnect REST Servlet</h1>"));
    // No reason phrase on the status line (since 5/2022).
    assert_eq!(raw.status_line.trim_end(), "HTTP/1.1 200");
    let raw = call(
        &sim,
        "PUT",
        "/cardconnect/rest/",
        Some(r#"{"merchid":"496160873888"}"#),
    )
    .await;
    assert!(raw.text().contains("CardConnect REST Servlet"));
    // A foreign merchid → 401, body not JSON.
    let raw = call(
        &sim,
        "PUT",
        "/cardconnect/rest/",
        Some(r#"{"merchid":"larry"}"#),
    )
    .await;
    assert_eq!(raw.status, 401);
    assert!(serde_json::from_slice::<serde_json::Value>(&raw.body).is_err());
    // Bad credentials → 401.
    let bytes = request_bytes(
        "GET",
        "/cardconnect/rest/",
        Some("Basic dGVzdGluZzp3cm9uZw=="),
        None,
        true,
    );
    let (raw, _) = parse_response(&send_raw(&sim, &bytes).await.unwrap()).unwrap();
    assert_eq!(raw.status, 401);
    // The JSON 404: {"timestamp":"…","status":404,"error":"Not Found","path":"/cardconnect/rest/inquireByOderid"}
    let raw = call(&sim, "GET", "/cardconnect/rest/inquireByOderid", None).await;
    assert_eq!(raw.status, 404);
    let json = raw.json();
    assert_eq!(
        (
            json["status"].as_i64(),
            json["error"].as_str(),
            json["path"].as_str()
        ),
        (
            Some(404),
            Some("Not Found"),
            Some("/cardconnect/rest/inquireByOderid")
        )
    );
    assert!(json["timestamp"].as_str().unwrap().ends_with("+00:00"));
    // Unparsable body → 400.
    let raw = call(&sim, "PUT", "/cardconnect/rest/auth", Some("{not json")).await;
    assert_eq!(raw.status, 400);
    // Headers the gateway sends.
    let raw = call(
        &sim,
        "GET",
        &format!("/cardconnect/rest/inquire/1/{MID}"),
        None,
    )
    .await;
    assert_eq!(raw.header("x-frame-options"), Some("DENY"));
    assert_eq!(raw.header("content-type"), Some("application/json"));
    sim.shutdown().await;
}

#[tokio::test]
async fn settlestat_without_batches_is_the_text_null_batches() {
    let sim = start().await;
    let raw = call(
        &sim,
        "GET",
        &format!("/cardconnect/rest/settlestat?merchid={MID}&date=0101"),
        None,
    )
    .await;
    assert_eq!((raw.status, raw.text().as_str()), (200, "Null batches"));
    assert_eq!(raw.header("content-type"), Some("application/json"));
    sim.shutdown().await;
}

#[tokio::test]
async fn keep_alive_connection_serves_several_requests_in_order() {
    let sim = start().await;
    let mut stream = connect(&sim).await;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut pipeline = Vec::new();
    for amount in ["1.00", "2.00", "3.00"] {
        let body = json!({"merchid": MID, "account": "4111111111111111", "expiry": "1225", "amount": amount}).to_string();
        pipeline.extend(request_bytes(
            "PUT",
            "/cardconnect/rest/auth",
            Some(AUTH),
            Some(&body),
            false,
        ));
    }
    stream.write_all(&pipeline).await.unwrap();
    let mut buf = Vec::new();
    let mut answers = Vec::new();
    while answers.len() < 3 {
        let mut chunk = [0u8; 4096];
        let n = tokio::time::timeout(std::time::Duration::from_secs(5), stream.read(&mut chunk))
            .await
            .unwrap()
            .unwrap();
        assert!(n > 0, "server closed a keep-alive connection early");
        buf.extend_from_slice(&chunk[..n]);
        while let Some((raw, used)) = parse_response(&buf) {
            answers.push(raw.json()["amount"].as_str().unwrap().to_owned());
            buf.drain(..used);
        }
    }
    assert_eq!(answers, ["1.00", "2.00", "3.00"]);
    sim.shutdown().await;
}

#[tokio::test]
async fn plain_http_on_loopback_speaks_the_same_protocol() {
    let sim = start_plain().await;
    assert!(sim.base_url().starts_with("http://127.0.0.1:"));
    let answer = gw(
        &sim,
        "POST",
        "auth",
        &json!({"merchid": MID, "account": "5454545454545454", "expiry": "1225", "amount": "1.00"}),
    )
    .await;
    assert_eq!(
        (answer["respstat"].as_str(), answer["authcode"].as_str()),
        (Some("A"), Some("PPS010"))
    );
    sim.shutdown().await;
    let err = cardpointe_sim::Sim::builder()
        .plain()
        .listen("0.0.0.0:0".parse().unwrap())
        .start()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("loopback"));
}
