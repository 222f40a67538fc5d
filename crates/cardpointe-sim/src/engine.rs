//! The emulator without I/O: one request in, one response out. Routing (exact paths and
//! casing), Basic auth and merchant entitlement (401), JSON 404/405/400, rate limit (429),
//! fault injection, UAT chaos, and dispatch to the gateway, CardSecure and admin handlers.
//! The server (`server.rs`) only moves bytes; tests and fuzzers call [`Engine::handle`]
//! directly.

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use std::collections::HashMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::Duration;

use serde_json::{Map, Value};

use crate::clock::{self, SimClock};
use crate::config::{Credential, Merchant, SiteConfig};
use crate::faults::{FaultKind, FaultRule};
use crate::gateway::Ctx;
use crate::reply::{Body, Reply};
use crate::state::State;
use crate::wire::{Fields, Obj, SplitMix};
use crate::{admin, cardsecure, profile};

/// RFC 4648 Base64 for Basic credentials; padding optional when decoding (clients differ).
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The body of a 429 from the rate limiter (and the `TooManyRequests` fault).
const RATE_LIMITED: &str = "Too Many Requests: rate limit exceeded";

/// Switchable behaviour of a running emulator.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Modes {
    /// UAT chaos: shuffled keys and random junk keys in gateway JSON.
    pub chaos: bool,
    /// The UAT rate limit (requests per minute per client IP on `funding`, `inquire`,
    /// `profile`, `settlestat`); `None` = off.
    pub rate_limit_per_minute: Option<u32>,
    /// How long the timeout test cards take to answer (UAT: ~32 s).
    pub timeout_delay: Duration,
}

impl Default for Modes {
    fn default() -> Self {
        Self {
            chaos: false,
            rate_limit_per_minute: None,
            timeout_delay: Duration::from_secs(32),
        }
    }
}

/// A request as the engine sees it.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct HttpRequest<'a> {
    /// HTTP method, upper case (`GET`, `PUT`, …).
    pub method: &'a str,
    /// Path and optional query, e.g. `/cardconnect/rest/inquire/1/2` or `/…/funding?merchid=1`.
    pub target: &'a str,
    /// The `Authorization` header, if any.
    pub authorization: Option<&'a str>,
    /// The body bytes.
    pub body: &'a [u8],
    /// The client address (rate limiting).
    pub peer: Option<IpAddr>,
}

impl<'a> HttpRequest<'a> {
    /// A request without a peer address.
    #[must_use]
    pub const fn new(
        method: &'a str,
        target: &'a str,
        authorization: Option<&'a str>,
        body: &'a [u8],
    ) -> Self {
        Self {
            method,
            target,
            authorization,
            body,
            peer: None,
        }
    }
}

/// What the connection should do besides (or instead of) answering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Disconnect {
    /// Drop the connection without an answer; the request did not run.
    Before,
    /// Drop the connection without an answer; the request ran and was recorded.
    After,
}

/// The engine's answer.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct HttpResponse {
    /// HTTP status.
    pub status: u16,
    /// Headers (including `Content-Type`).
    pub headers: Vec<(&'static str, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
    /// Wait this long before answering.
    pub delay: Option<Duration>,
    /// Drop the connection instead of answering.
    pub disconnect: Option<Disconnect>,
}

/// The emulator core shared by all connections.
#[derive(Debug)]
pub struct Engine {
    pub(crate) config: SiteConfig,
    pub(crate) clock: SimClock,
    pub(crate) state: Mutex<State>,
    pub(crate) modes: Mutex<Modes>,
    /// The modes it started with, restored by [`Engine::reset`].
    initial_modes: Modes,
    pub(crate) faults: Mutex<Vec<FaultRule>>,
    rate: Mutex<HashMap<IpAddr, (i64, u32)>>,
    chaos_rng: Mutex<SplitMix>,
    pub(crate) state_file: Option<PathBuf>,
    pub(crate) dirty: AtomicBool,
    next_schedule_ms: AtomicI64,
    /// `Basic base64(user:password)` of each credential, in the config's order: the header a
    /// client almost always sends, compared without decoding.
    basic_headers: Vec<String>,
}

const REST: &str = "/cardconnect/rest";
const GREETING: &str = "<html><body><h1>CardConnect REST Servlet</h1></body></html>";

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Engine {
    /// An engine serving `config` with `modes`, its state in memory (seeded from the clock).
    #[must_use]
    pub fn new(config: SiteConfig, modes: Modes) -> Self {
        let clock = SimClock::default();
        let seed = clock.now_ms().unsigned_abs() ^ 0x5EED_CA4D_0000_0000;
        let basic_headers = config
            .credentials
            .iter()
            .map(|c| {
                let pair = format!("{}:{}", c.username, c.password);
                format!("Basic {}", BASE64.encode(pair.as_bytes()))
            })
            .collect();
        Self {
            config,
            clock,
            state: Mutex::new(State::new(seed)),
            initial_modes: modes.clone(),
            modes: Mutex::new(modes),
            faults: Mutex::new(Vec::new()),
            rate: Mutex::new(HashMap::new()),
            chaos_rng: Mutex::new(SplitMix(seed.rotate_left(17))),
            state_file: None,
            dirty: AtomicBool::new(false),
            next_schedule_ms: AtomicI64::new(i64::MIN),
            basic_headers,
        }
    }

    /// Keeps the ledger in `path`: loads it now if it exists, and [`Engine::save`] writes it.
    ///
    /// # Errors
    /// An I/O error reading the file, or [`std::io::ErrorKind::InvalidData`] if it is not a
    /// state file.
    pub fn with_state_file(mut self, path: PathBuf) -> std::io::Result<Self> {
        if path.exists() {
            let text = std::fs::read_to_string(&path)?;
            let mut state: State = serde_json::from_str(&text).map_err(|e| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("{}: {e}", path.display()),
                )
            })?;
            state.reindex();
            self.state = Mutex::new(state);
        }
        self.state_file = Some(path);
        Ok(self)
    }

    /// Writes the state file (if one is configured and something changed).
    ///
    /// # Errors
    /// The I/O error of writing the file.
    pub fn save(&self) -> std::io::Result<()> {
        let Some(path) = &self.state_file else {
            return Ok(());
        };
        if !self.dirty.swap(false, Ordering::AcqRel) {
            return Ok(());
        }
        let text = serde_json::to_string(&*lock(&self.state)).map_err(std::io::Error::other)?;
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, text)?;
        std::fs::rename(tmp, path)
    }

    /// The site configuration.
    #[must_use]
    pub const fn config(&self) -> &SiteConfig {
        &self.config
    }

    /// The current modes.
    #[must_use]
    pub fn modes(&self) -> Modes {
        lock(&self.modes).clone()
    }

    /// Replaces the modes.
    pub fn set_modes(&self, modes: Modes) {
        *lock(&self.modes) = modes;
    }

    /// Back to a fresh start, as a test suite wants between tests: an empty ledger (no
    /// transactions, batches, profiles or stored tokens), no fault rules, the modes it started
    /// with, the clock back at wall time and the rate-limit counters cleared. The site
    /// configuration (merchants, credentials) stays. With a state file, the next save writes
    /// the empty state.
    pub fn reset(&self) {
        let seed = self.clock.now_ms().unsigned_abs() ^ 0x5EED_CA4D_0000_0000;
        self.clock.reset();
        *lock(&self.state) = State::new(seed);
        lock(&self.faults).clear();
        *lock(&self.modes) = self.initial_modes.clone();
        lock(&self.rate).clear();
        self.next_schedule_ms.store(i64::MIN, Ordering::Release);
        self.dirty.store(true, Ordering::Release);
    }

    /// Adds a fault rule.
    pub fn inject(&self, rule: FaultRule) {
        lock(&self.faults).push(rule);
    }

    /// Removes every fault rule.
    pub fn clear_faults(&self) {
        lock(&self.faults).clear();
    }

    /// Closes and settles every open batch now ("settle now"); returns how many settled.
    pub fn settle_now(&self) -> usize {
        let now = self.clock.now_ms();
        self.dirty.store(true, Ordering::Release);
        lock(&self.state).settle_all(None, now)
    }

    /// Moves the emulator's clock forward (scheduled batch closing, 30-day void limit).
    pub fn advance_clock(&self, by: Duration) {
        self.clock
            .advance_ms(i64::try_from(by.as_millis()).unwrap_or(i64::MAX));
        self.run_schedule();
    }

    /// The emulator's current time in milliseconds since the Unix epoch.
    #[must_use]
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    pub(crate) fn state_lock(&self) -> std::sync::MutexGuard<'_, State> {
        lock(&self.state)
    }

    pub(crate) fn faults_lock(&self) -> std::sync::MutexGuard<'_, Vec<FaultRule>> {
        lock(&self.faults)
    }

    /// Runs the batch schedule at most once per (emulated) second on the request path.
    fn maybe_run_schedule(&self) {
        let now = self.clock.now_ms();
        let next = self.next_schedule_ms.load(Ordering::Relaxed);
        if now < next {
            return;
        }
        self.next_schedule_ms.store(now + 1000, Ordering::Relaxed);
        self.run_schedule();
    }

    fn run_schedule(&self) {
        let now = self.clock.now_ms();
        let hours: HashMap<&str, u8> = self
            .config
            .merchants
            .iter()
            .map(|m| (m.merchid.as_str(), m.settle_hour_utc))
            .collect();
        lock(&self.state).run_schedule(now, |m| hours.get(m).copied().unwrap_or(6));
    }

    /// Every transaction recorded so far (the ledger endpoint's data).
    #[must_use]
    pub fn ledger(&self) -> Vec<crate::LedgerEntry> {
        lock(&self.state)
            .txns
            .iter()
            .map(crate::LedgerEntry::from_txn)
            .collect()
    }

    /// Handles one request. Never panics; every input yields a well-formed response.
    #[must_use]
    pub fn handle(&self, request: &HttpRequest<'_>) -> HttpResponse {
        let (path, query) = match request.target.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (request.target, None),
        };
        if path == "/__sim" || path.starts_with("/__sim/") {
            return self.render(
                admin::handle(self, request.method, path, query, request.body),
                false,
            );
        }
        let is_gateway = path == REST || path.starts_with("/cardconnect/rest/");
        let is_cardsecure = path.starts_with("/cardsecure/");
        if !is_gateway && !is_cardsecure {
            return self.render(not_found_json(path, self.clock.now_ms()), false);
        }
        let endpoint = endpoint_name(path);
        let body_json: Option<Value> = if request.body.iter().all(u8::is_ascii_whitespace) {
            None
        } else {
            match serde_json::from_slice::<Value>(request.body) {
                Ok(v) => Some(v),
                Err(_) => Some(Value::Null),
            }
        };
        let orderid = body_json
            .as_ref()
            .and_then(|v| v.get("orderid"))
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or_else(|| {
                (endpoint == "inquireByOrderid")
                    .then(|| path.split('/').nth(4).unwrap_or("").to_owned())
            });
        let fault = self.take_fault(endpoint, orderid.as_deref());
        match fault.as_ref().map(|f| f.fault) {
            Some(FaultKind::CloseBefore) => {
                return HttpResponse {
                    status: 0,
                    headers: Vec::new(),
                    body: Vec::new(),
                    delay: None,
                    disconnect: Some(Disconnect::Before),
                };
            }
            Some(FaultKind::ServerError) => {
                return self.render(
                    Reply::text(
                        500,
                        "text/html",
                        "<html><body><h1>500 Internal Server Error</h1></body></html>",
                    ),
                    false,
                );
            }
            Some(FaultKind::TooManyRequests) => {
                return self.render(Reply::text(429, "text/plain", RATE_LIMITED), false);
            }
            _ => {}
        }
        self.maybe_run_schedule();
        let reply = if is_cardsecure {
            self.cardsecure(request.method, path, query, body_json.as_ref())
        } else {
            self.gateway(request, path, query, body_json.as_ref())
        };
        self.dirty.store(true, Ordering::Release);
        let mut response = self.render(reply, is_gateway);
        if let Some(rule) = fault {
            match rule.fault {
                FaultKind::Delay => {
                    let extra = Duration::from_millis(rule.delay_ms);
                    response.delay = Some(response.delay.unwrap_or_default() + extra);
                }
                FaultKind::CloseAfter => response.disconnect = Some(Disconnect::After),
                FaultKind::MalformedJson => {
                    let keep = response.body.len() / 2;
                    response.body.truncate(keep);
                    response.body.extend_from_slice(b"{\"respstat\":");
                }
                FaultKind::CloseBefore | FaultKind::ServerError | FaultKind::TooManyRequests => {}
            }
        }
        response
    }

    fn take_fault(&self, endpoint: &str, orderid: Option<&str>) -> Option<FaultRule> {
        let mut faults = lock(&self.faults);
        if faults.is_empty() {
            return None;
        }
        let index = faults.iter().position(|r| r.matches(endpoint, orderid))?;
        let rule = faults.get_mut(index)?;
        if let Some(p) = rule.probability {
            let roll = lock(&self.chaos_rng).below(1_000_000) as f64 / 1_000_000.0;
            if roll >= p {
                return None;
            }
        }
        if let Some(times) = rule.times.as_mut() {
            *times = times.saturating_sub(1);
        }
        let hit = rule.clone();
        faults.retain(|r| r.times != Some(0));
        Some(hit)
    }

    fn credential(&self, authorization: Option<&str>) -> Option<&Credential> {
        let header = authorization?.trim();
        if let Some(i) = self.basic_headers.iter().position(|h| h == header) {
            return self.config.credentials.get(i);
        }
        let (scheme, encoded) = header.split_once(' ')?;
        if !scheme.eq_ignore_ascii_case("basic") {
            return None;
        }
        let decoded = BASE64.decode(encoded.trim()).ok()?;
        let text = std::str::from_utf8(&decoded).ok()?;
        let (user, pass) = text.split_once(':')?;
        self.config
            .credentials
            .iter()
            .find(|c| c.username == user && c.password == pass)
    }

    fn entitled(&self, credential: &Credential, merchid: Option<&str>) -> Option<&Merchant> {
        let merchid = merchid?;
        if !credential.allows(merchid) {
            return None;
        }
        self.config.merchant(merchid)
    }

    fn rate_limited(&self, endpoint: &str, peer: Option<IpAddr>) -> Result<Option<u32>, Reply> {
        let Some(limit) = lock(&self.modes).rate_limit_per_minute else {
            return Ok(None);
        };
        if !matches!(endpoint, "funding" | "inquire" | "profile" | "settlestat") {
            return Ok(None);
        }
        let ip = peer.unwrap_or(IpAddr::from([127, 0, 0, 1]));
        let now = self.clock.now_ms();
        let minute = now.div_euclid(60_000);
        let mut rate = lock(&self.rate);
        let slot = rate.entry(ip).or_insert((minute, 0));
        if slot.0 != minute {
            *slot = (minute, 0);
        }
        if slot.1 >= limit {
            let retry = 60 - (now.rem_euclid(60_000) / 1000);
            let mut reply = Reply::text(429, "text/plain", RATE_LIMITED);
            reply
                .headers
                .push(("X-Rate-Limit-Retry-After-Seconds", retry.to_string()));
            return Err(reply);
        }
        slot.1 += 1;
        Ok(Some(limit - slot.1))
    }

    fn gateway(
        &self,
        request: &HttpRequest<'_>,
        path: &str,
        query: Option<&str>,
        body: Option<&Value>,
    ) -> Reply {
        let rest = path.strip_prefix(REST).unwrap_or("");
        let rest = rest.strip_prefix('/').unwrap_or(rest);
        let segments: Vec<&str> = rest.split('/').collect();
        let name = segments.first().copied().unwrap_or("");
        let method = request.method;
        let Some(credential) = self.credential(request.authorization) else {
            return unauthorized();
        };
        // Which methods each path takes (section 2.0).
        let body_methods = ["PUT", "POST"];
        let allowed: &[&str] = match name {
            "" => &["GET", "PUT", "POST"],
            "auth" | "capture" | "void" | "voidByOrderId" | "refund" | "sigcap" => &body_methods,
            "profile" => &["GET", "PUT", "POST", "DELETE"],
            "settlestatByBatchSource" => &["POST"],
            "inquire" | "inquireByOrderid" | "inquireMerchant" | "settlestat" | "openbatch"
            | "closebatch" | "funding" | "deposit" | "bin" | "surcharge" => &["GET"],
            _ => return not_found_json(path, self.clock.now_ms()),
        };
        if !allowed.contains(&method) {
            return method_not_allowed(path, self.clock.now_ms());
        }
        let needs_body = body_methods.contains(&method) && !(name.is_empty() && method == "GET");
        let object = match (needs_body, body) {
            (true, Some(Value::Object(map))) => Some(map),
            (true, _) => return bad_request(path, self.clock.now_ms()),
            (false, _) => None,
        };
        let params = query.map(parse_query).unwrap_or_default();
        let param = |k: &str| {
            params
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
                .filter(|v| !v.is_empty())
        };
        let body_merchid = object.and_then(|o| Fields(o).text("merchid"));
        // The merchant a request acts for, for the entitlement check.
        let merchid: Option<String> = match name {
            "" if method == "GET" => {
                return Reply::text(200, "text/html", GREETING);
            }
            "" => body_merchid,
            "inquire" => segments.get(2).map(|s| (*s).to_owned()),
            "inquireByOrderid" => segments.get(2).map(|s| (*s).to_owned()),
            "inquireMerchant" | "openbatch" | "closebatch" => {
                segments.get(1).map(|s| (*s).to_owned())
            }
            "bin" => segments.get(1).map(|s| (*s).to_owned()),
            "profile" if method == "GET" || method == "DELETE" => {
                segments.get(3).map(|s| (*s).to_owned())
            }
            "settlestat" | "funding" | "deposit" | "surcharge" => {
                param("merchid").map(str::to_owned)
            }
            _ => body_merchid,
        };
        let Some(merchant) = self.entitled(credential, merchid.as_deref()) else {
            return unauthorized();
        };
        if name.is_empty() {
            return Reply::text(200, "text/html", GREETING);
        }
        let remaining = match self.rate_limited(name, request.peer) {
            Ok(r) => r,
            Err(reply) => return reply,
        };
        let timeout_delay = lock(&self.modes).timeout_delay;
        let mut state = lock(&self.state);
        let mut ctx = Ctx {
            config: &self.config,
            state: &mut state,
            now: self.clock.now_ms(),
            credential,
            timeout_delay,
        };
        let seg = |i: usize| segments.get(i).copied().unwrap_or("");
        let mut reply = match (name, object.map(Fields)) {
            ("auth", Some(f)) => ctx.auth(merchant, f),
            ("capture", Some(f)) => ctx.capture(merchant, f),
            ("void", Some(f)) => ctx.void(merchant, f),
            ("voidByOrderId", Some(f)) => ctx.void_by_orderid(merchant, f),
            ("refund", Some(f)) => ctx.refund(merchant, f),
            ("sigcap", Some(f)) => ctx.sigcap(merchant, f),
            ("profile", Some(f)) => profile::save(&mut ctx, merchant, f),
            ("profile", None) if method == "DELETE" => {
                profile::delete(&mut ctx, seg(1), seg(2), &merchant.merchid)
            }
            ("profile", None) => profile::read(&ctx, seg(1), seg(2), &merchant.merchid),
            ("inquire", _) => ctx.inquire(seg(1), &merchant.merchid),
            ("inquireByOrderid", _) => {
                ctx.inquire_by_orderid(seg(1), &merchant.merchid, seg(3) == "1")
            }
            ("inquireMerchant", _) => ctx.inquire_merchant(merchant),
            ("settlestat", _) => ctx.settlestat(&merchant.merchid, param("date"), param("batchid")),
            ("settlestatByBatchSource", Some(f)) => ctx.settlestat_by_batch_source(
                &merchant.merchid,
                &f.text("batchsource").unwrap_or_default(),
            ),
            ("openbatch", _) => {
                ctx.openbatch(&merchant.merchid, Some(seg(2)).filter(|s| !s.is_empty()))
            }
            ("closebatch", _) => {
                ctx.closebatch(&merchant.merchid, Some(seg(2)).filter(|s| !s.is_empty()))
            }
            ("funding", _) => ctx.funding(&merchant.merchid, param("date")),
            ("deposit", _) => ctx.deposit(&merchant.merchid, param("date")),
            ("bin", _) => ctx.bin(seg(2)),
            ("surcharge", _) => ctx.surcharge(param("token"), param("postal")),
            _ => not_found_json(path, self.clock.now_ms()),
        };
        if let Some(remaining) = remaining {
            reply
                .headers
                .push(("X-Rate-Limit-Remaining", remaining.to_string()));
        }
        reply
    }

    fn cardsecure(
        &self,
        method: &str,
        path: &str,
        query: Option<&str>,
        body: Option<&Value>,
    ) -> Reply {
        let mut state = lock(&self.state);
        match (method, path) {
            ("POST" | "PUT", "/cardsecure/api/v1/ccn/tokenize") => match body {
                Some(Value::Object(map)) => cardsecure::tokenize(&mut state, &self.config, map),
                Some(Value::Null) => cardsecure_error(77, "JSON deserialization error"),
                _ => cardsecure_error(74, "Missing required parameter"),
            },
            ("POST" | "PUT", "/cardsecure/api/v1/echo") => match body {
                Some(Value::Object(map)) => cardsecure::echo(map),
                Some(Value::Null) => cardsecure_error(77, "JSON deserialization error"),
                _ => cardsecure_error(74, "Missing required parameter"),
            },
            ("GET" | "POST", "/cardsecure/cs") => {
                cardsecure::legacy(&mut state, &self.config.site, query.unwrap_or(""))
            }
            (
                _,
                "/cardsecure/api/v1/ccn/tokenize" | "/cardsecure/api/v1/echo" | "/cardsecure/cs",
            ) => method_not_allowed(path, self.clock.now_ms()),
            _ => not_found_json(path, self.clock.now_ms()),
        }
    }

    fn render(&self, reply: Reply, chaos_allowed: bool) -> HttpResponse {
        let chaos = chaos_allowed && lock(&self.modes).chaos;
        let mut headers: Vec<(&'static str, String)> = Vec::with_capacity(4 + reply.headers.len());
        let mut body: Vec<u8> = Vec::with_capacity(512);
        match reply.body {
            Body::Obj(obj) => {
                headers.push(("Content-Type", "application/json".to_owned()));
                self.write_obj(obj, chaos, &mut body);
            }
            Body::Array(items) => {
                headers.push(("Content-Type", "application/json".to_owned()));
                body.push(b'[');
                for (i, item) in items.into_iter().enumerate() {
                    if i > 0 {
                        body.push(b',');
                    }
                    self.write_obj(item, chaos, &mut body);
                }
                body.push(b']');
            }
            Body::Text(content_type, text) => {
                headers.push(("Content-Type", content_type.to_owned()));
                body = text.into_bytes();
            }
        }
        headers.push(("X-FRAME-OPTIONS", "DENY".to_owned()));
        headers.push(("Server", "CardConnect".to_owned()));
        if reply.status == 401 {
            headers.push(("WWW-Authenticate", "Basic realm=\"CardConnect\"".to_owned()));
        }
        headers.extend(reply.headers);
        HttpResponse {
            status: reply.status,
            headers,
            body,
            delay: reply.delay,
            disconnect: None,
        }
    }

    fn write_obj(&self, mut obj: Obj, chaos: bool, out: &mut Vec<u8>) {
        if chaos {
            let mut rng = lock(&self.chaos_rng);
            let junk = 1 + rng.below(3);
            for _ in 0..junk {
                let len = 4 + rng.below(3) as usize;
                let name: String = (0..len)
                    .map(|_| {
                        let c = rng.below(52) as u8;
                        char::from(if c < 26 { b'a' + c } else { b'A' + c - 26 })
                    })
                    .collect();
                let value = match rng.below(3) {
                    0 => Value::Object(Map::new()),
                    1 => Value::Array(vec![
                        Value::from(rng.below(1000)),
                        Value::String("x".to_owned()),
                    ]),
                    _ => Value::String(format!("{}", rng.below(100_000))),
                };
                if obj.get(&name).is_none() {
                    obj.v(name, value);
                }
            }
            for i in (1..obj.0.len()).rev() {
                let j = rng.below(i as u64 + 1) as usize;
                obj.0.swap(i, j);
            }
        }
        obj.write(out);
    }
}

fn cardsecure_error(code: i64, message: &str) -> Reply {
    let mut obj = Obj::new();
    obj.s("message", message).v("errorcode", Value::from(code));
    Reply::status_obj(400, obj)
}

/// The endpoint name used by fault rules.
fn endpoint_name(path: &str) -> &str {
    if let Some(rest) = path.strip_prefix("/cardconnect/rest/") {
        return rest.split('/').next().unwrap_or("");
    }
    match path {
        "/cardsecure/api/v1/ccn/tokenize" => "tokenize",
        "/cardsecure/api/v1/echo" => "echo",
        "/cardsecure/cs" => "cs",
        _ => "",
    }
}

fn spring_error(status: u16, error: &str, path: &str, now: i64) -> Reply {
    let mut obj = Obj::new();
    obj.s("timestamp", clock::iso8601(now));
    obj.v("status", Value::from(status));
    obj.s("error", error);
    obj.s("path", path);
    Reply::status_obj(status, obj)
}

/// The gateway's JSON 404 (since 8/2023).
fn not_found_json(path: &str, now: i64) -> Reply {
    spring_error(404, "Not Found", path, now)
}

/// A wrong verb on a known path: the spec does not say; the emulator answers 405 in the shape
/// of the gateway's JSON errors.
fn method_not_allowed(path: &str, now: i64) -> Reply {
    spring_error(405, "Method Not Allowed", path, now)
}

/// An unparsable (or non-object) body.
fn bad_request(path: &str, now: i64) -> Reply {
    spring_error(400, "Bad Request", path, now)
}

/// 401 with a non-JSON body: clients must never parse it.
fn unauthorized() -> Reply {
    Reply::text(
        401,
        "text/html",
        "<html><body><h1>401 Unauthorized</h1></body></html>",
    )
}

pub(crate) fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

/// Decodes `%XX` and `+` in a query component.
pub(crate) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(v) => {
                        out.push(v);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            _ => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_decode_with_or_without_padding() {
        assert_eq!(
            BASE64.encode(b"testing:testing123"),
            "dGVzdGluZzp0ZXN0aW5nMTIz"
        );
        assert_eq!(BASE64.decode("YWI=").unwrap(), b"ab");
        assert_eq!(BASE64.decode("YWI").unwrap(), b"ab");
        assert!(BASE64.decode("YW*=").is_err());
    }

    #[test]
    fn credentials_are_recognised_with_or_without_the_precomputed_header() {
        let engine = Engine::new(SiteConfig::uat(), Modes::default());
        let exact = engine.credential(Some("Basic dGVzdGluZzp0ZXN0aW5nMTIz"));
        assert_eq!(exact.map(|c| c.username.as_str()), Some("testing"));
        // Another scheme case and no padding take the decoding path, to the same answer.
        let decoded = engine.credential(Some("basic  dGVzdGluZzp0ZXN0aW5nMTIz "));
        assert_eq!(decoded.map(|c| c.username.as_str()), Some("testing"));
        assert!(
            engine
                .credential(Some("Basic dGVzdGluZzp3cm9uZw=="))
                .is_none()
        );
        assert!(engine.credential(None).is_none());
    }

    #[test]
    fn queries_are_percent_decoded() {
        assert_eq!(
            parse_query("merchid=1&date=1209&x=a%20b+c"),
            vec![
                ("merchid".to_owned(), "1".to_owned()),
                ("date".to_owned(), "1209".to_owned()),
                ("x".to_owned(), "a b c".to_owned()),
            ]
        );
    }
}
