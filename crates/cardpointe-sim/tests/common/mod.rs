//! Raw-HTTP test client: writes request bytes by hand over TLS or plain TCP and parses the
//! response bytes by hand, so no HTTP library shared with the emulator can hide a mistake.

#![allow(dead_code, unreachable_pub, reason = "shared by several test binaries")]

use std::sync::Arc;
use std::time::Duration;

use cardpointe_sim::Sim;
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

pub const AUTH: &str = "Basic dGVzdGluZzp0ZXN0aW5nMTIz"; // testing:testing123
pub const MID: &str = "496160873888";
pub const RPCT_MID: &str = "800000009033";

/// A parsed HTTP/1.1 response.
#[derive(Debug)]
pub struct Raw {
    pub status_line: String,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Raw {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.text()))
    }
}

/// Writes an HTTP/1.1 request by hand.
pub fn request_bytes(
    method: &str,
    path: &str,
    auth: Option<&str>,
    body: Option<&str>,
    close: bool,
) -> Vec<u8> {
    let mut out =
        format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: raw-test\r\n");
    if let Some(auth) = auth {
        out.push_str(&format!("Authorization: {auth}\r\n"));
    }
    if let Some(body) = body {
        out.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    if close {
        out.push_str("Connection: close\r\n");
    }
    out.push_str("\r\n");
    if let Some(body) = body {
        out.push_str(body);
    }
    out.into_bytes()
}

/// Parses one response from the front of `buf`; returns it and the bytes it used, or `None`
/// if incomplete.
pub fn parse_response(buf: &[u8]) -> Option<(Raw, usize)> {
    let head_end = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&buf[..head_end]).expect("head is ASCII");
    let mut lines = head.split("\r\n");
    let status_line = lines.next()?.to_owned();
    let status: u16 = status_line.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| {
            l.split_once(':')
                .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        })
        .collect();
    let body_start = head_end + 4;
    let find = |n: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(n))
            .map(|(_, v)| v.clone())
    };
    if let Some(len) = find("content-length") {
        let len: usize = len.parse().ok()?;
        if buf.len() < body_start + len {
            return None;
        }
        let body = buf[body_start..body_start + len].to_vec();
        return Some((
            Raw {
                status_line,
                status,
                headers,
                body,
            },
            body_start + len,
        ));
    }
    if find("transfer-encoding").is_some_and(|t| t.eq_ignore_ascii_case("chunked")) {
        let mut pos = body_start;
        let mut body = Vec::new();
        loop {
            let line_end = pos + buf[pos..].windows(2).position(|w| w == b"\r\n")?;
            let size =
                usize::from_str_radix(std::str::from_utf8(&buf[pos..line_end]).ok()?.trim(), 16)
                    .ok()?;
            pos = line_end + 2;
            if size == 0 {
                return Some((
                    Raw {
                        status_line,
                        status,
                        headers,
                        body,
                    },
                    pos + 2,
                ));
            }
            if buf.len() < pos + size + 2 {
                return None;
            }
            body.extend_from_slice(&buf[pos..pos + size]);
            pos += size + 2;
        }
    }
    Some((
        Raw {
            status_line,
            status,
            headers,
            body: buf[body_start..].to_vec(),
        },
        buf.len(),
    ))
}

/// Connects (TLS when the emulator is HTTPS, trusting its root) and returns a boxed stream.
pub async fn connect(sim: &Sim) -> Box<dyn Stream> {
    let tcp = TcpStream::connect(sim.addr()).await.expect("connect");
    if sim.root_certificate_der().is_empty() {
        return Box::new(tcp);
    }
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(rustls::pki_types::CertificateDer::from(
            sim.root_certificate_der().to_vec(),
        ))
        .expect("root");
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_root_certificates(roots)
    .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let name = rustls::pki_types::ServerName::try_from("127.0.0.1").expect("name");
    Box::new(
        connector
            .connect(name, tcp)
            .await
            .expect("TLS handshake with the emulator's certificate"),
    )
}

pub trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// Sends raw bytes on a fresh connection and reads the answer until the server closes.
pub async fn send_raw(sim: &Sim, bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut stream = connect(sim).await;
    stream.write_all(bytes).await?;
    stream.flush().await?;
    let mut buf = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut buf))
        .await
        .map_err(std::io::Error::other)??;
    Ok(buf)
}

/// One request, one parsed response (connection closed after).
pub async fn call(sim: &Sim, method: &str, path: &str, body: Option<&str>) -> Raw {
    let bytes = request_bytes(method, path, Some(AUTH), body, true);
    let buf = send_raw(sim, &bytes).await.expect("exchange");
    parse_response(&buf)
        .unwrap_or_else(|| panic!("incomplete response: {:?}", String::from_utf8_lossy(&buf)))
        .0
}

/// `call` for a gateway endpoint with a JSON body, returning the JSON.
pub async fn gw(sim: &Sim, method: &str, endpoint: &str, body: &Value) -> Value {
    let raw = call(
        sim,
        method,
        &format!("/cardconnect/rest/{endpoint}"),
        Some(&body.to_string()),
    )
    .await;
    assert_eq!(raw.status, 200, "{endpoint}: {}", raw.text());
    raw.json()
}

/// GET a gateway path, returning the JSON.
pub async fn get(sim: &Sim, path: &str) -> Value {
    let raw = call(sim, "GET", &format!("/cardconnect/rest/{path}"), None).await;
    assert_eq!(raw.status, 200, "{path}: {}", raw.text());
    raw.json()
}

/// How a field of a recorded response is compared.
pub enum Expect {
    /// Exactly this string.
    Eq(&'static str),
    /// Any value the predicate accepts (random values: retref digits, authcodes, ids).
    Like(&'static str, fn(&str) -> bool),
}

pub fn is_retref(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

pub fn is_pps_authcode(s: &str) -> bool {
    s.len() == 6 && s.starts_with("PPS") && s[3..].bytes().all(|b| b.is_ascii_digit())
}

pub fn is_batchid(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

pub fn luhn(s: &str) -> bool {
    let sum: u32 = s
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                if d * 2 > 9 { d * 2 - 9 } else { d * 2 }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

pub fn is_token(s: &str) -> bool {
    s.len() == 16 && s.starts_with('9') && s.bytes().all(|b| b.is_ascii_digit()) && luhn(s)
}

/// Compares a response field by field against a recorded example; extra keys are allowed
/// only when `allow_extra`.
pub fn assert_matches(actual: &Value, expected: &[(&str, Expect)], allow_extra: bool) {
    let object = actual
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {actual}"));
    for (key, expect) in expected {
        let value = object
            .get(*key)
            .unwrap_or_else(|| panic!("missing key {key:?} in {actual}"));
        let text = value
            .as_str()
            .unwrap_or_else(|| panic!("{key:?} is not a string in {actual}"));
        match expect {
            Expect::Eq(want) => assert_eq!(text, *want, "field {key:?} in {actual}"),
            Expect::Like(what, check) => assert!(
                check(text),
                "field {key:?} = {text:?} is not {what} in {actual}"
            ),
        }
    }
    if !allow_extra {
        for key in object.keys() {
            assert!(
                expected.iter().any(|(k, _)| k == key),
                "unexpected key {key:?} in {actual}"
            );
        }
    }
}

pub async fn start() -> Sim {
    Sim::builder().start().await.expect("emulator starts")
}

pub async fn start_plain() -> Sim {
    Sim::builder()
        .plain()
        .start()
        .await
        .expect("emulator starts")
}
