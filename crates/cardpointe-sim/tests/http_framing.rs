//! HTTP as production servers take it, over raw sockets (plain and TLS): a request is answered
//! before the bytes after it are judged, pipelined answers included; half-sent requests are
//! dropped after the header-read timeout while keep-alive clients keep working; the number of
//! open connections is bounded.

mod common;

use std::time::{Duration, Instant};

use cardpointe_sim::Sim;
use common::{AUTH, MID, Raw, Stream};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// What Node's `http` module sends for `http.request({method: "GET"})` followed by
/// `req.write(json)`: the head has no `Content-Length` and no `Transfer-Encoding`, so by the
/// framing rules the request has no body and the JSON is stray bytes.
fn get_with_unframed_body(path: &str, close: bool) -> Vec<u8> {
    format!(
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {AUTH}\r\n\
         Content-Type: application/json\r\n{}\r\n{{\"merchid\":\"{MID}\"}}",
        if close { "Connection: close\r\n" } else { "" }
    )
    .into_bytes()
}

/// Reads until the server closes (or 5 s pass) and splits the bytes into responses.
async fn read_responses(stream: &mut Box<dyn Stream>) -> (Vec<Raw>, bool) {
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut buf)).await;
    let closed = matches!(read, Ok(Ok(_)) | Ok(Err(_)));
    let mut responses = Vec::new();
    let mut at = 0;
    while let Some((raw, used)) = common::parse_response(&buf[at..]) {
        if used == 0 {
            break;
        }
        at += used;
        responses.push(raw);
    }
    (responses, closed)
}

/// Reads exactly `n` responses from a connection that stays open.
async fn read_n(stream: &mut Box<dyn Stream>, n: usize) -> Vec<Raw> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let mut responses = Vec::new();
        let mut at = 0;
        while let Some((raw, used)) = common::parse_response(&buf[at..]) {
            if raw.header("content-length").is_none() {
                break;
            }
            at += used;
            responses.push(raw);
        }
        if responses.len() == n {
            assert_eq!(at, buf.len(), "more than {n} responses");
            return responses;
        }
        let got = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut chunk))
            .await
            .expect("answers within 5 s")
            .expect("read");
        assert!(
            got > 0,
            "closed before answering: {:?}",
            String::from_utf8_lossy(&buf)
        );
        buf.extend_from_slice(&chunk[..got]);
    }
}

async fn read_one(stream: &mut Box<dyn Stream>) -> Raw {
    read_n(stream, 1).await.remove(0)
}

async fn both() -> [Sim; 2] {
    [common::start_plain().await, common::start().await]
}

fn assert_answered_then_stray_dealt_with(responses: &[Raw], closed: bool, what: &str) {
    let first = responses
        .first()
        .unwrap_or_else(|| panic!("{what}: the request got no answer"));
    assert_eq!(first.status, 200, "{what}: {}", first.text());
    assert_eq!(first.json()["merchid"], MID, "{what}");
    // Then the stray bytes: seen in time, they close the connection after this answer, which
    // says so; seen later, they are answered 400 and the connection closes.
    if first.header("connection") == Some("close") {
        assert_eq!(
            responses.len(),
            1,
            "{what}: answers after Connection: close"
        );
    } else {
        assert_eq!(responses.len(), 2, "{what}: no 400 for the stray bytes");
        assert_eq!(
            responses[1].status, 400,
            "{what}: {}",
            responses[1].status_line
        );
        assert_eq!(responses[1].header("connection"), Some("close"), "{what}");
    }
    assert!(closed, "{what}: connection left open after stray bytes");
}

#[tokio::test]
async fn a_get_with_an_unframed_json_body_is_answered_before_its_stray_bytes_are_judged() {
    for sim in both().await {
        for close in [false, true] {
            let what = format!("{} close={close}", sim.base_url());
            let mut stream = common::connect(&sim).await;
            let path = format!("/cardconnect/rest/inquireMerchant/{MID}");
            stream
                .write_all(&get_with_unframed_body(&path, close))
                .await
                .unwrap();
            stream.flush().await.unwrap();
            let (responses, closed) = read_responses(&mut stream).await;
            assert_answered_then_stray_dealt_with(&responses, closed, &what);
        }
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn stray_bytes_arriving_after_the_answer_are_answered_400_and_the_connection_closed() {
    for sim in both().await {
        let what = sim.base_url();
        let mut stream = common::connect(&sim).await;
        let bytes =
            get_with_unframed_body(&format!("/cardconnect/rest/inquireMerchant/{MID}"), false);
        let body_at = bytes.len() - format!("{{\"merchid\":\"{MID}\"}}").len();
        stream.write_all(&bytes[..body_at]).await.unwrap();
        stream.flush().await.unwrap();
        // The answer comes before the stray bytes are even sent: it keeps the connection.
        let answer = read_one(&mut stream).await;
        assert_eq!(answer.json()["merchid"], MID);
        assert_eq!(answer.header("connection"), None, "{what}");
        stream.write_all(&bytes[body_at..]).await.unwrap();
        stream.flush().await.unwrap();
        let (responses, closed) = read_responses(&mut stream).await;
        assert_eq!(responses.len(), 1, "{what}");
        assert_eq!(responses[0].status, 400, "{what}");
        assert!(
            responses[0].text().contains("Content-Length"),
            "{what}: {}",
            responses[0].text()
        );
        assert!(closed, "{what}");
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn pipelined_answers_are_not_lost_to_stray_bytes_after_them() {
    for sim in both().await {
        let mut stream = common::connect(&sim).await;
        let path = format!("/cardconnect/rest/inquireMerchant/{MID}");
        let mut bytes = common::request_bytes("GET", &path, Some(AUTH), None, false);
        bytes.extend(common::request_bytes(
            "PUT",
            "/cardconnect/rest/",
            Some(AUTH),
            Some(&format!("{{\"merchid\":\"{MID}\"}}")),
            false,
        ));
        bytes.extend(get_with_unframed_body(&path, false));
        // One write: the three requests and the stray body reach the server together.
        stream.write_all(&bytes).await.unwrap();
        stream.flush().await.unwrap();
        let (responses, closed) = read_responses(&mut stream).await;
        assert!(responses.len() >= 3, "{} answers", responses.len());
        assert_eq!(responses[0].json()["merchid"], MID);
        assert!(responses[1].text().contains("CardConnect REST Servlet"));
        assert_answered_then_stray_dealt_with(&responses[2..], closed, &sim.base_url());
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn pipelined_requests_with_bodies_and_chunks_keep_the_connection() {
    for sim in both().await {
        let mut stream = common::connect(&sim).await;
        let echo = r#"{"message":"hi"}"#;
        let mut bytes = common::request_bytes(
            "POST",
            "/cardsecure/api/v1/echo",
            Some(AUTH),
            Some(echo),
            false,
        );
        bytes.extend(
            format!(
                "POST /cardsecure/api/v1/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\
                 Content-Type: application/json\r\n\r\n{:x}\r\n{echo}\r\n0\r\n\r\n",
                echo.len()
            )
            .into_bytes(),
        );
        stream.write_all(&bytes).await.unwrap();
        stream.flush().await.unwrap();
        for raw in read_n(&mut stream, 2).await {
            assert_eq!(raw.json()["message"], "hi");
        }
        stream
            .write_all(&common::request_bytes(
                "GET",
                &format!("/cardconnect/rest/inquireMerchant/{MID}"),
                Some(AUTH),
                None,
                false,
            ))
            .await
            .unwrap();
        assert_eq!(read_one(&mut stream).await.status, 200);
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn a_client_that_half_closes_after_pipelining_gets_every_answer() {
    for sim in both().await {
        let mut stream = common::connect(&sim).await;
        let path = format!("/cardconnect/rest/inquireMerchant/{MID}");
        let mut bytes = Vec::new();
        for _ in 0..3 {
            bytes.extend(common::request_bytes("GET", &path, Some(AUTH), None, false));
        }
        stream.write_all(&bytes).await.unwrap();
        stream.shutdown().await.unwrap();
        let (responses, closed) = read_responses(&mut stream).await;
        assert_eq!(responses.len(), 3, "{}", sim.base_url());
        assert!(responses.iter().all(|r| r.status == 200));
        assert!(closed);
        sim.shutdown().await;
    }
}

async fn start_with(plain: bool, timeout: Duration, max_connections: usize) -> Sim {
    let mut builder = Sim::builder()
        .header_read_timeout(timeout)
        .max_connections(max_connections);
    if plain {
        builder = builder.plain();
    }
    builder.start().await.expect("emulator starts")
}

/// Waits for the server to close `stream`; returns how long it took.
async fn closed_after(mut stream: Box<dyn Stream>) -> (Duration, Vec<u8>) {
    let started = Instant::now();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "still open after 10 s");
    (started.elapsed(), buf)
}

#[tokio::test]
async fn half_sent_requests_are_dropped_after_the_header_read_timeout() {
    let timeout = Duration::from_millis(600);
    for plain in [true, false] {
        let sim = start_with(plain, timeout, 8192).await;
        let head =
            format!("PUT /cardconnect/rest/auth HTTP/1.1\r\nHost: x\r\nAuthorization: {AUTH}\r\n");
        let partial_body = format!(
            "PUT /cardconnect/rest/auth HTTP/1.1\r\nHost: x\r\nAuthorization: {AUTH}\r\n\
             Content-Length: 100\r\n\r\n{{\"merchid\""
        );
        let cases: [(&str, &[u8]); 5] = [
            ("nothing sent", b""),
            ("one byte", b"P"),
            ("half a head", head.as_bytes()),
            ("half an h2 preface", b"PRI * HTTP/2.0\r\n"),
            ("half a body", partial_body.as_bytes()),
        ];
        let mut silent = Vec::new();
        for (what, bytes) in cases {
            let mut stream = common::connect(&sim).await;
            stream.write_all(bytes).await.unwrap();
            stream.flush().await.unwrap();
            silent.push((what, stream));
        }
        // Many of them at once, as a client flood leaves them.
        let mut flood = Vec::new();
        for _ in 0..50 {
            let mut stream = common::connect(&sim).await;
            stream.write_all(head.as_bytes()).await.unwrap();
            flood.push(stream);
        }
        for (what, stream) in silent {
            let (waited, answer) = closed_after(stream).await;
            assert!(
                waited < timeout * 4,
                "{what} (plain={plain}): closed after {waited:?}"
            );
            if what == "half a body" {
                let (raw, _) = common::parse_response(&answer).expect("a 408 for the body");
                assert_eq!(raw.status, 408);
            }
        }
        for stream in flood {
            let (waited, _) = closed_after(stream).await;
            assert!(waited < timeout * 4, "flood (plain={plain}): {waited:?}");
        }
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn a_tls_client_that_never_finishes_its_handshake_is_dropped() {
    let timeout = Duration::from_millis(500);
    let sim = start_with(false, timeout, 8192).await;
    let mut tcp = tokio::net::TcpStream::connect(sim.addr()).await.unwrap();
    tcp.write_all(&[0x16, 0x03, 0x01]).await.unwrap();
    let started = Instant::now();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), tcp.read_to_end(&mut buf)).await;
    assert!(read.is_ok() && started.elapsed() < timeout * 4);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_keep_alive_client_idle_shorter_than_the_timeout_keeps_its_connection() {
    let timeout = Duration::from_millis(1500);
    for plain in [true, false] {
        let sim = start_with(plain, timeout, 8192).await;
        let mut stream = common::connect(&sim).await;
        let path = format!("/cardconnect/rest/inquireMerchant/{MID}");
        for round in 0..4 {
            stream
                .write_all(&common::request_bytes(
                    "GET",
                    &path,
                    Some(AUTH),
                    None,
                    false,
                ))
                .await
                .unwrap();
            let raw = read_one(&mut stream).await;
            assert_eq!(raw.status, 200, "round {round}");
            assert!(raw.header("connection").is_none_or(|c| c != "close"));
            // Idle for half the timeout between requests: well inside it.
            tokio::time::sleep(timeout / 2).await;
        }
        // Idle past the timeout: the server closes the connection, as production servers do.
        let (waited, rest) = closed_after(stream).await;
        assert!(rest.is_empty() && waited < timeout * 3, "{waited:?}");
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn open_connections_are_bounded_and_a_freed_slot_is_reused() {
    let sim = start_with(true, Duration::from_secs(30), 2).await;
    let first = common::connect(&sim).await;
    let second = common::connect(&sim).await;
    // Let the server accept both.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut third = common::connect(&sim).await;
    let path = format!("/cardconnect/rest/inquireMerchant/{MID}");
    third
        .write_all(&common::request_bytes(
            "GET",
            &path,
            Some(AUTH),
            None,
            false,
        ))
        .await
        .unwrap();
    let mut byte = [0u8; 1];
    let early = tokio::time::timeout(Duration::from_millis(300), third.read(&mut byte)).await;
    assert!(
        early.is_err(),
        "a third connection was served while two were open"
    );
    drop(first);
    assert_eq!(read_one(&mut third).await.status, 200);
    drop(second);
    sim.shutdown().await;
}
