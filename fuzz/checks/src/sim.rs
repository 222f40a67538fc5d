//! Invariants of the `cardpointe-sim` request handler: every request — any target, any
//! method, any body bytes — gets a well-formed answer (a status in 200..=599, and valid JSON
//! whenever the answer says `application/json`), and the handler never panics.

use cardpointe_sim::SiteConfig;
use cardpointe_sim::engine::{Engine, HttpRequest, Modes};

const AUTH: &str = "Basic dGVzdGluZzp0ZXN0aW5nMTIz";

const TARGETS: &[(&str, &str)] = &[
    ("PUT", "/cardconnect/rest/auth"),
    ("POST", "/cardconnect/rest/capture"),
    ("PUT", "/cardconnect/rest/void"),
    ("PUT", "/cardconnect/rest/voidByOrderId"),
    ("PUT", "/cardconnect/rest/refund"),
    ("PUT", "/cardconnect/rest/profile"),
    ("PUT", "/cardconnect/rest/sigcap"),
    ("POST", "/cardconnect/rest/settlestatByBatchSource"),
    ("PUT", "/cardconnect/rest/"),
    ("POST", "/cardsecure/api/v1/ccn/tokenize"),
    ("POST", "/cardsecure/api/v1/echo"),
    ("POST", "/__sim/faults"),
];

/// `sim_request`: the first byte picks an endpoint, the rest is the body; when the input
/// starts with `/`, its first line is the request target itself (a GET) and the rest the body.
pub fn sim_request(data: &[u8]) {
    let engine = Engine::new(SiteConfig::uat(), Modes::default());
    let (method, target, body): (&str, String, &[u8]) = if data.first() == Some(&b'/') {
        let end = data.iter().position(|b| *b == b'\n').unwrap_or(data.len());
        let target = String::from_utf8_lossy(&data[..end]).into_owned();
        ("GET", target, data.get(end + 1..).unwrap_or(&[]))
    } else {
        let Some((&pick, body)) = data.split_first() else {
            return;
        };
        let (method, path) = TARGETS[usize::from(pick) % TARGETS.len()];
        (method, path.to_owned(), body)
    };
    // Run the same body twice: the second sees the state the first one left.
    for _ in 0..2 {
        let response = engine.handle(&HttpRequest::new(method, &target, Some(AUTH), body));
        if response.disconnect.is_some() {
            continue;
        }
        assert!(
            (200..=599).contains(&response.status),
            "status {} for {target}",
            response.status
        );
        let json = response
            .headers
            .iter()
            .any(|(k, v)| *k == "Content-Type" && v == "application/json");
        if json && response.body != b"Null batches" {
            assert!(
                serde_json::from_slice::<serde_json::Value>(&response.body).is_ok(),
                "{target}: answer is not JSON: {:?}",
                String::from_utf8_lossy(&response.body)
            );
        }
    }
}
