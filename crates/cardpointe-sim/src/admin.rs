//! The admin API under `/__sim/…` (never a gateway path): ledger, settle now, batch close,
//! clock, fault rules and modes.
//!
//! The admin API needs no credentials: the emulator listens on loopback only, and its
//! callers are test harnesses. Every answer is JSON.
//!
//! | call | effect |
//! |---|---|
//! | `GET /__sim/health` | readiness probe: `{"status":"ok","gateway":…,"cardsecure":…}` (200 once the listener accepts) |
//! | `POST /__sim/reset` | back to a fresh start: empty ledger, profiles and tokens, no faults, the starting modes and clock → `{"reset":true}` |
//! | `GET /__sim/ledger[?orderid=&merchid=&offset=&limit=]` | the transactions (masked) as `{"transactions":[…]}`, written entry by entry |
//! | `POST /__sim/settle` | close and settle every open batch → `{"settled":n}` |
//! | `POST /__sim/reject` `{"retref":…}` | the host will reject that captured transaction when its batch settles (`Rejected`, settlestat `N`, not funded) |
//! | `POST /__sim/batches/close` | transmit every open batch (captures then get PPS 27) |
//! | `GET /__sim/clock`, `POST /__sim/clock/advance` `{"seconds":n}` | read / move the clock |
//! | `GET`, `POST`, `DELETE /__sim/faults` | list, add (a [`FaultRule`] as JSON), clear |
//! | `GET`, `POST /__sim/modes` | read / change `chaos`, `rate_limit_per_minute`, `timeout_delay_ms` |

use std::sync::atomic::Ordering;
use std::time::Duration;

use serde_json::{Value, json};

use crate::clock;
use crate::engine::Engine;
use crate::faults::FaultRule;
use crate::reply::Reply;
use crate::wire::Obj;

fn json_reply(status: u16, value: &Value) -> Reply {
    let mut obj = Obj::new();
    if let Value::Object(map) = value {
        for (k, v) in map {
            obj.v(k.clone(), v.clone());
        }
    }
    Reply::status_obj(status, obj)
}

fn error(status: u16, message: &str) -> Reply {
    json_reply(status, &json!({ "error": message }))
}

pub(crate) fn handle(
    engine: &Engine,
    method: &str,
    path: &str,
    query: Option<&str>,
    body: &[u8],
) -> Reply {
    let body: Value = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Object(serde_json::Map::new())
    } else {
        match serde_json::from_slice(body) {
            Ok(v) => v,
            Err(e) => return error(400, &format!("body is not JSON: {e}")),
        }
    };
    match (method, path) {
        ("GET", "/__sim/health") => json_reply(
            200,
            &json!({
                "status": "ok",
                "gateway": "/cardconnect/rest/",
                "cardsecure": "/cardsecure/api/v1/",
                "merchants": engine.config().merchants.len(),
            }),
        ),
        ("POST", "/__sim/reset") => {
            engine.reset();
            json_reply(200, &json!({ "reset": true }))
        }
        ("GET", "/__sim/ledger") => ledger(engine, query.unwrap_or("")),
        ("POST", "/__sim/settle") => {
            let merchid = body.get("merchid").and_then(Value::as_str);
            let now = engine.clock.now_ms();
            engine.dirty.store(true, Ordering::Release);
            let settled = engine.state_lock().settle_all(merchid, now);
            json_reply(200, &json!({ "settled": settled }))
        }
        ("POST", "/__sim/reject") => {
            let retref = body.get("retref").and_then(Value::as_str).unwrap_or("");
            let mut state = engine.state_lock();
            let index = state.find(retref);
            match index.and_then(|i| state.txns.get_mut(i)) {
                Some(txn)
                    if matches!(
                        txn.setlstat,
                        crate::state::Setlstat::Authorized
                            | crate::state::Setlstat::QueuedForCapture
                            | crate::state::Setlstat::Batched
                    ) =>
                {
                    txn.reject_at_settlement = true;
                    engine.dirty.store(true, Ordering::Release);
                    json_reply(200, &json!({ "ok": true }))
                }
                Some(_) => error(
                    409,
                    "only an unsettled transaction can be marked for rejection",
                ),
                None => error(404, "no transaction with that retref"),
            }
        }
        ("POST", "/__sim/batches/close") => {
            let merchid = body.get("merchid").and_then(Value::as_str);
            let now = engine.clock.now_ms();
            let mut state = engine.state_lock();
            let open: Vec<usize> = state
                .batches
                .iter()
                .enumerate()
                .filter(|(_, b)| {
                    b.state == crate::state::BatchState::Open
                        && merchid.is_none_or(|m| b.merchid == m)
                })
                .map(|(i, _)| i)
                .collect();
            for i in &open {
                state.transmit_batch(*i, now);
            }
            json_reply(200, &json!({ "closed": open.len() }))
        }
        ("GET", "/__sim/clock") => json_reply(
            200,
            &json!({ "now": clock::iso8601(engine.clock.now_ms()), "now_ms": engine.clock.now_ms() }),
        ),
        ("POST", "/__sim/clock/advance") => {
            let seconds = body.get("seconds").and_then(Value::as_u64).unwrap_or(0)
                + body.get("days").and_then(Value::as_u64).unwrap_or(0) * 86_400;
            engine.advance_clock(Duration::from_secs(seconds));
            json_reply(
                200,
                &json!({ "now": clock::iso8601(engine.clock.now_ms()), "now_ms": engine.clock.now_ms() }),
            )
        }
        ("GET", "/__sim/faults") => {
            let rules = serde_json::to_value(&*engine.faults_lock()).unwrap_or(Value::Null);
            json_reply(200, &json!({ "faults": rules }))
        }
        ("POST", "/__sim/faults") => match serde_json::from_value::<FaultRule>(body) {
            Ok(rule) => {
                engine.inject(rule);
                json_reply(200, &json!({ "ok": true }))
            }
            Err(e) => error(
                400,
                &format!(
                    "expected a fault rule like {{\"endpoint\":\"auth\",\"fault\":\"close_after\",\"times\":1}}: {e}"
                ),
            ),
        },
        ("DELETE", "/__sim/faults") => {
            engine.clear_faults();
            json_reply(200, &json!({ "ok": true }))
        }
        ("GET", "/__sim/modes") => modes_reply(engine),
        ("POST", "/__sim/modes") => {
            let mut modes = engine.modes();
            if let Some(chaos) = body.get("chaos").and_then(Value::as_bool) {
                modes.chaos = chaos;
            }
            if let Some(limit) = body.get("rate_limit_per_minute") {
                modes.rate_limit_per_minute =
                    limit.as_u64().map(|l| u32::try_from(l).unwrap_or(u32::MAX));
            }
            if let Some(ms) = body.get("timeout_delay_ms").and_then(Value::as_u64) {
                modes.timeout_delay = Duration::from_millis(ms);
            }
            engine.set_modes(modes);
            modes_reply(engine)
        }
        _ => error(
            404,
            "unknown admin call; the admin API is /__sim/health, /__sim/reset, /__sim/ledger, /__sim/settle, /__sim/reject, /__sim/batches/close, /__sim/clock, /__sim/faults, /__sim/modes (see `cardpointe sim --help` or the cardpointe_sim::admin docs)",
        ),
    }
}

/// Writes the ledger entry by entry (no intermediate JSON tree: a million transactions stay a
/// few hundred bytes each), optionally filtered and paged.
fn ledger(engine: &Engine, query: &str) -> Reply {
    let params = crate::engine::parse_query(query);
    let param = |k: &str| {
        params
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    let offset = param("offset")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(0);
    let limit = param("limit")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(usize::MAX);
    let orderid = param("orderid");
    let merchid = param("merchid");
    let state = engine.state_lock();
    let mut out: Vec<u8> = Vec::with_capacity(32 + state.txns.len().min(limit).min(100_000) * 360);
    out.extend_from_slice(b"{\"transactions\":[");
    let entries = state
        .txns
        .iter()
        .filter(|t| {
            orderid.is_none_or(|o| t.orderid.as_deref() == Some(o))
                && merchid.is_none_or(|m| t.merchid == m)
        })
        .skip(offset)
        .take(limit);
    for (i, txn) in entries.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        // Writing JSON into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut out, &crate::LedgerEntry::from_txn(txn));
    }
    drop(state);
    out.extend_from_slice(b"]}");
    Reply::text(
        200,
        "application/json",
        String::from_utf8(out)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
    )
}

fn modes_reply(engine: &Engine) -> Reply {
    let modes = engine.modes();
    json_reply(
        200,
        &json!({
            "chaos": modes.chaos,
            "rate_limit_per_minute": modes.rate_limit_per_minute,
            "timeout_delay_ms": u64::try_from(modes.timeout_delay.as_millis()).unwrap_or(u64::MAX),
        }),
    )
}
