//! # cardpointe-sim — a faithful CardPointe Gateway + CardSecure emulator
//!
//! A real HTTPS server on loopback that behaves like CardPointe's UAT environment, so tests,
//! examples, the demo and the benches never need credentials or the flaky live test site:
//!
//! - every gateway endpoint (`auth`, `capture`, `void`, `voidByOrderId`, `refund`, `inquire`,
//!   `inquireByOrderid`, `inquireMerchant`, `settlestat`, `settlestatByBatchSource`,
//!   `openbatch`, `closebatch`, `funding`, `deposit`, `profile`, `sigcap`, `bin`,
//!   `surcharge`) with its exact path casing and PUT/POST where the gateway takes both, the HTML
//!   credential-test greeting, 401 (non-JSON) for bad credentials or a foreign MID, the JSON 404;
//! - validation with the gateway's PPS codes (HTTP 200, `respstat` C, a retref), the UAT test
//!   cards, partial approval, timeout cards, amount-driven codes and AVS/CVV triggers for FNOR
//!   and RPCT merchants;
//! - a ledger per retref through the settlement states, with the lifecycle rules (capture,
//!   void, refund, batches closing on a schedule or on demand, settlestat and funding);
//! - CardSecure tokenize/echo, including reader `devicedata` decrypted with TDES DUKPT
//!   (`cardpointe_vp3300_sim::dukpt`, shared with the virtual VP3300) under the ANSI X9.24
//!   test key;
//! - test modes: UAT chaos, the 429 rate limit, fault injection ([`FaultRule`]) and a ledger
//!   endpoint, all under the `/__sim/` admin prefix ([`admin`]);
//! - chip and contactless auths (by `track`, or by a token CardSecure made from `devicedata`)
//!   answer `emv` and `emvTagData` built from the card's own tags;
//! - as a program (feature `serve`): `serve::ServeArgs` and `serve::serve`, the one set of
//!   flags the `cardpointe-sim` binary and `cardpointe sim` share.
//!
//! ## One vocabulary with the client
//!
//! The emulator writes the gateway's words from `cardpointe-types`: the response-code tables
//! (every `respcode`/`resptext`/`respstat` it answers), [`cardpointe_types::RespStat`] and the
//! Luhn check, and it masks numbers with `cardpointe-emv`'s one masking routine. It could have
//! been written independently, as a second opinion on the spec; it is not, on purpose: a code
//! table fixed once is fixed for the client and the emulator together, and the emulator's own
//! HTTP types are named [`HttpRequest`] and [`HttpResponse`] so that no name means two things
//! across the workspace. What keeps it honest instead are the recorded UAT answers replayed in
//! its tests and the README's list of what it does and does not reproduce.
//!
//! ## Features
//!
//! The default library is the emulator alone (hyper server, rustls, a certificate made at
//! start-up): what a test suite embeds. Off by default:
//!
//! - `toml` — `SiteConfig::from_toml` / `from_file`: merchants and credentials from a TOML
//!   file (`--merchants`).
//! - `serve` — the `serve` module: command-line flags (clap), logging to stderr
//!   (tracing-subscriber), Ctrl-C; implies `toml`. The `cardpointe-sim` binary needs it
//!   (`cargo run -p cardpointe-sim --features serve`), and `cardpointe sim` turns it on.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), cardpointe_sim::SimError> {
//! use cardpointe_sim::Sim;
//! let sim = Sim::builder().start().await?;
//! assert!(sim.gateway_url().starts_with("https://127.0.0.1:"));
//! assert_eq!(sim.credentials(), ("testing", "testing123"));
//! assert!(sim.root_certificate_pem().contains("BEGIN CERTIFICATE"));
//! // Drive it with any HTTPS client that trusts `sim.root_certificate_der()`, then:
//! assert_eq!(sim.settle_now(), 0);
//! sim.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! ## Load
//!
//! Measured on the project's 2-core VM, release build, `--quiet`, `wrk -t2` on loopback with
//! the scripts in `load/`, a fresh emulator per run after a 2 s warm-up, several 8 s runs per
//! row. The machine is shared with other engineers' builds: "busy" runs had a load average of
//! 4–7 from them, "quiet" runs had the machine to themselves (load 0.2–3, most of it wrk and
//! the emulator); figures swing up to 2× between runs.
//!
//! | workload | busy, requests/s | quiet, requests/s | server CPU per request |
//! |---|---|---|---|
//! | `auth` + capture, plain HTTP keep-alive, 64 connections, one request in flight each | 16,600–29,400 | 30,300–41,400 | 30–45 µs |
//! | the same over TLS (rustls, keep-alive) | 12,400–24,900 | 23,500–28,300 | 33–50 µs |
//! | the same, 8 requests pipelined per connection (32 connections) | 51,200–60,700 | 66,700–68,400 | 17–23 µs |
//!
//! Pipelined answers are written once per batch (hyper's `pipeline_flush`): before that the
//! pipelined row was 27,100–44,900 requests/s (busy) at 25–42 µs.
//!
//! Where the time goes (perf with DWARF stacks under wrk, plain HTTP): about half in the
//! kernel's loopback TCP (one `recvfrom` and one `writev` per request, no spurious syscalls),
//! a sixth in hyper's HTTP/1 parsing and encoding, a third in [`Engine::handle`] — of which
//! the ledger's growth (page faults of new memory, the retref index) is the largest single
//! part, then JSON parsing and rendering. Contention on the engine's state lock is below
//! 0.1% of samples; the TLS record ciphers take under 1.5%; a single tokio worker does
//! no better than two. Per-connection TLS cost does not show with keep-alive.
//!
//! In process (criterion, `benches/sim.rs`, load average 0.3–4) the handler takes 6.5–6.8 µs
//! per keyed auth+capture, about 29 µs per chip auth by `track` (most of it the DUKPT key
//! derivation and decryption) and 2.1 µs per inquire. Memory grows only with the ledger:
//! about 1.16 KB per recorded transaction (1.19 GB RSS after 1,018,684 auths), and stays
//! flat over non-recording calls (+1.2 MB over 560,000 inquires).
//!
//! ## Answers and `cardpointe-types`
//!
//! The simplest answers — `inquireMerchant` and CardSecure's tokenize and echo successes — are
//! built from `cardpointe-types`' response models, so the emulator and the client share one
//! definition of them; `tests/typed_answers.rs` checks them over raw HTTP against literal
//! JSON, so a mistake in a model cannot hide behind the client that shares it. Transaction
//! answers keep the emulator's own builder: the gateway echoes what it was sent even when it
//! is invalid (`"account":"larry"` with PPS 11, a bad `expiry`, `"batchid":"-1"`), which the
//! models' validating newtypes rightly refuse to hold, and the replay tests pin those shapes.
//!
//! ## Choices where the spec is uncertain
//!
//! Each is made in one place in the code and may change if the real gateway is observed:
//!
//! | question (spec "Uncertain") | the emulator's answer |
//! |---|---|
//! | 401 body and headers | `text/html` `<h1>401 Unauthorized</h1>` with `WWW-Authenticate: Basic` |
//! | wrong verb on a known path | 405 in the gateway's JSON error shape (`timestamp`, `status`, `error`, `path`) |
//! | unparsable or non-object body | 400 in the same JSON shape |
//! | missing `merchid` | 401 (no MID, no entitlement) |
//! | keyed card without `expiry` | PPS 15 |
//! | void `amount` in the answer | the amount still authorized (`0.00` after a full void) |
//! | partial void once captured, over-capture without entitlement, refund above what is left | PPS 43 |
//! | capture/void of a transmitted or settled transaction | PPS 27 "Txn Batched" |
//! | capture/void/refund of a declined or voided one | PPS 29; repeating a void answers the approval again |
//! | refund `retref` | a new retref; offline `PPS` `00` `REFUND` unless an amount-driven code applies |
//! | `inquireByOrderid` with several matches | a JSON array (one match: an object) |
//! | profile GET not found | a one-element array holding the PPS 96 object |
//! | `sigcap` answer | `respcode` `00`, `resptext` `signature stored` |
//! | CardSecure errors | HTTP 400 `{"message","errorcode"}` with the documented texts |
//! | amount-driven code unknown to the host's table | a normal approval |
//! | default AVS / CVV | `Z` with address data, `" "` without; CVV `M` when sent, `P` when not |
//! | settlestat `setlamount` of refunds | negative |
//! | RPCT approval text | "Approval" (UAT recordings) rather than the table's "Approve" |
//! | `emv` of a chip/contactless auth | hex of tag 91's value: an 8-byte ARPC (a stable hash of the card's ARQC and the ARC) then the ARC |
//! | `emvTagData` items | built from the reader's tags (AID 4F/84/9F06, TVR 95, TSI 9B, IAD 9F10, labels 50/9F12, CVM results 9F34); `ARC` `00`/`05`; `Mode` `Issuer`; items whose tag was not sent are left out; none for a timeout card |
//!
//! `Rejected` settlement has no UAT trigger; `POST /__sim/reject` marks a transaction for it.
//! Not emulated: the PIN-debit simulation cards, RSA-encrypted `account` (answers CardSecure 12),
//! Apple/Google Pay decryption (payloads are accepted opaquely and stand for a test card).
// docs.rs (`--cfg docsrs`, nightly) marks each feature-gated item with the feature it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod admin;
mod cardsecure;
mod clock;
mod codes;
pub mod config;
mod devicedata;
mod emv;
pub mod engine;
mod faults;
mod gateway;
mod profile;
mod public_tokens;
mod reply;
mod reports;
mod rules;
#[cfg(feature = "serve")]
#[cfg_attr(docsrs, doc(cfg(feature = "serve")))]
pub mod serve;
mod server;
mod state;
mod wire;

#[cfg(test)]
mod virtual_reader_tests;

/// TDES DUKPT lives with the virtual VP3300 that encrypts with it; the emulated CardSecure
/// decrypts with the same code.
use cardpointe_vp3300_sim::dukpt;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::watch;
use tokio::task::JoinHandle;

#[cfg(feature = "toml")]
pub use config::ConfigError;
pub use config::{Credential, Merchant, Processor, SiteConfig};
pub use engine::{Disconnect, Engine, HttpRequest, HttpResponse, Modes};
pub use faults::{FaultKind, FaultRule};

/// Why the emulator could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    /// Binding the listen address failed.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Plain HTTP was asked for on a non-loopback address.
    #[error(
        "plain HTTP is only served on loopback; {0} is not a loopback address (drop --plain or listen on 127.0.0.1)"
    )]
    PlainNotLoopback(SocketAddr),
    /// The start-up certificate could not be made.
    #[error("cannot make the TLS certificate: {0}")]
    Certificate(String),
    /// The state file could not be read.
    #[error("cannot load the state file: {0}")]
    State(std::io::Error),
}

/// One ledger entry as the `/__sim/ledger` endpoint and [`Sim::ledger`] show it (card data
/// masked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct LedgerEntry {
    /// Retrieval reference.
    pub retref: String,
    /// Merchant.
    pub merchid: String,
    /// `sale`, `verification`, `forced_credit` or `refund`.
    pub kind: &'static str,
    /// The merchant's order id.
    pub orderid: Option<String>,
    /// Current amount (after partial voids/captures), minor units.
    pub amount: i64,
    /// Amount approved at authorization, minor units.
    pub auth_amount: i64,
    /// Refunded so far, minor units.
    pub refunded: i64,
    /// `A`, `B` or `C`.
    pub respstat: &'static str,
    /// Response code.
    pub respcode: String,
    /// Settlement status (long form).
    pub setlstat: &'static str,
    /// Batch, once captured.
    pub batchid: Option<String>,
    /// The token.
    pub token: Option<String>,
    /// Masked account (first two, last four).
    pub masked: Option<String>,
    /// Authorization code.
    pub authcode: Option<String>,
    /// For refunds: the refunded retref.
    pub parent: Option<String>,
}

impl LedgerEntry {
    pub(crate) fn from_txn(txn: &state::Txn) -> Self {
        Self {
            retref: txn.retref.clone(),
            merchid: txn.merchid.clone(),
            kind: match txn.kind {
                state::Kind::Sale => "sale",
                state::Kind::Verification => "verification",
                state::Kind::ForcedCredit => "forced_credit",
                state::Kind::Refund => "refund",
            },
            orderid: txn.orderid.clone(),
            amount: txn.amount,
            auth_amount: txn.auth_amount,
            refunded: txn.refunded,
            respstat: txn.respstat.as_str(),
            respcode: txn.respcode.clone(),
            setlstat: txn.setlstat.as_str(),
            batchid: txn.batchid.map(|b| b.to_string()),
            token: txn.token.clone(),
            masked: txn.masked.clone(),
            authcode: txn.authcode.clone(),
            parent: txn.parent.clone(),
        }
    }
}

/// Configures and starts an emulator.
#[derive(Debug)]
#[must_use]
pub struct SimBuilder {
    config: SiteConfig,
    listen: SocketAddr,
    plain: bool,
    modes: Modes,
    state_file: Option<PathBuf>,
    limits: server::Limits,
}

impl SimBuilder {
    /// Serves this site instead of the UAT test identity.
    pub fn site(mut self, config: SiteConfig) -> Self {
        self.config = config;
        self
    }

    /// Listens here (default `127.0.0.1:0`, a free port).
    pub const fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }

    /// Serves plain HTTP instead of HTTPS (loopback addresses only).
    pub const fn plain(mut self) -> Self {
        self.plain = true;
        self
    }

    /// How long the timeout test cards take (default here 200 ms; the binary and UAT: 32 s).
    pub const fn timeout_delay(mut self, delay: Duration) -> Self {
        self.modes.timeout_delay = delay;
        self
    }

    /// Starts in UAT chaos mode (shuffled keys, junk keys).
    pub const fn chaos(mut self, on: bool) -> Self {
        self.modes.chaos = on;
        self
    }

    /// Applies the UAT rate limit (429 after `per_minute` calls to funding/inquire/profile/
    /// settlestat per client IP and minute).
    pub const fn rate_limit(mut self, per_minute: Option<u32>) -> Self {
        self.modes.rate_limit_per_minute = per_minute;
        self
    }

    /// How long a client may take to send a request head, body or TLS handshake, and how long
    /// an idle keep-alive connection is kept (default 20 s, Tomcat's `connectionTimeout`).
    pub const fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.limits.header_read_timeout = timeout;
        self
    }

    /// How many connections are served at once (default 8192); more wait to be accepted.
    pub const fn max_connections(mut self, max: usize) -> Self {
        self.limits.max_connections = max;
        self
    }

    /// Keeps the ledger in this file across restarts.
    pub fn state_file(mut self, path: PathBuf) -> Self {
        self.state_file = Some(path);
        self
    }

    /// Binds, makes the certificate and starts serving on the current tokio runtime.
    ///
    /// # Errors
    /// [`SimError`].
    pub async fn start(self) -> Result<Sim, SimError> {
        if self.plain && !self.listen.ip().is_loopback() {
            return Err(SimError::PlainNotLoopback(self.listen));
        }
        let mut engine = Engine::new(self.config, self.modes);
        if let Some(path) = self.state_file {
            engine = engine.with_state_file(path).map_err(SimError::State)?;
        }
        let engine = Arc::new(engine);
        let listener = tokio::net::TcpListener::bind(self.listen)
            .await
            .map_err(|source| SimError::Bind {
                addr: self.listen,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| SimError::Bind {
            addr: self.listen,
            source,
        })?;
        let (tls, ca_pem, ca_der) = if self.plain {
            (None, String::new(), Vec::new())
        } else {
            let tls = server::make_tls(&[addr.ip().to_string()])?;
            (Some(tls.acceptor), tls.ca_pem, tls.ca_der)
        };
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let task = tokio::spawn(server::run(
            listener,
            tls,
            Arc::clone(&engine),
            self.limits,
            shutdown_rx,
        ));
        let saver = engine.state_file.is_some().then(|| {
            let engine = Arc::clone(&engine);
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(Duration::from_secs(2)).await;
                    if let Err(error) = engine.save() {
                        tracing::warn!(%error, "cannot write the state file");
                    }
                }
            })
        });
        Ok(Sim {
            addr,
            plain: self.plain,
            engine,
            ca_pem,
            ca_der,
            shutdown: shutdown_tx,
            task,
            saver,
        })
    }
}

/// A running emulator.
#[derive(Debug)]
pub struct Sim {
    addr: SocketAddr,
    plain: bool,
    engine: Arc<Engine>,
    ca_pem: String,
    ca_der: Vec<u8>,
    shutdown: watch::Sender<bool>,
    task: JoinHandle<()>,
    saver: Option<JoinHandle<()>>,
}

impl Sim {
    /// A builder with the UAT test identity, `127.0.0.1:0`, HTTPS, a 200 ms timeout-card delay.
    pub fn builder() -> SimBuilder {
        SimBuilder {
            config: SiteConfig::uat(),
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            plain: false,
            modes: Modes {
                timeout_delay: Duration::from_millis(200),
                ..Modes::default()
            },
            state_file: None,
            limits: server::Limits::default(),
        }
    }

    /// The bound address.
    #[must_use]
    pub const fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `https://127.0.0.1:PORT` (or `http://` with [`SimBuilder::plain`]).
    #[must_use]
    pub fn base_url(&self) -> String {
        format!(
            "{}://{}",
            if self.plain { "http" } else { "https" },
            self.addr
        )
    }

    /// The gateway base: `…/cardconnect/rest/`.
    #[must_use]
    pub fn gateway_url(&self) -> String {
        format!("{}/cardconnect/rest/", self.base_url())
    }

    /// The CardSecure base: `…/cardsecure/api/v1/`.
    #[must_use]
    pub fn cardsecure_url(&self) -> String {
        format!("{}/cardsecure/api/v1/", self.base_url())
    }

    /// The first configured username and password.
    #[must_use]
    pub fn credentials(&self) -> (&str, &str) {
        self.engine
            .config()
            .credentials
            .first()
            .map_or(("", ""), |c| (c.username.as_str(), c.password.as_str()))
    }

    /// The first configured merchant id (UAT: `496160873888`).
    #[must_use]
    pub fn merchid(&self) -> &str {
        self.engine
            .config()
            .merchants
            .first()
            .map_or("", |m| m.merchid.as_str())
    }

    /// The CA certificate (PEM) that signed the server's certificate; empty when plain.
    #[must_use]
    pub fn root_certificate_pem(&self) -> &str {
        &self.ca_pem
    }

    /// The CA certificate (DER); empty when plain.
    #[must_use]
    pub fn root_certificate_der(&self) -> &[u8] {
        &self.ca_der
    }

    /// The engine (modes, faults, clock, ledger).
    #[must_use]
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Closes and settles every open batch now.
    pub fn settle_now(&self) -> usize {
        self.engine.settle_now()
    }

    /// Moves the emulator's clock forward.
    pub fn advance_clock(&self, by: Duration) {
        self.engine.advance_clock(by);
    }

    /// Adds a fault rule.
    pub fn inject(&self, rule: FaultRule) {
        self.engine.inject(rule);
    }

    /// Back to a fresh start between tests: empty ledger, profiles and tokens, no faults, the
    /// starting modes and clock ([`Engine::reset`]; `POST /__sim/reset` over HTTP).
    pub fn reset(&self) {
        self.engine.reset();
    }

    /// Every recorded transaction.
    #[must_use]
    pub fn ledger(&self) -> Vec<LedgerEntry> {
        self.engine.ledger()
    }

    /// Stops accepting, drains open connections (≤ 5 s) and writes the state file.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        let _ = self.task.await;
        if let Some(saver) = self.saver {
            saver.abort();
        }
        if let Err(error) = self.engine.save() {
            tracing::warn!(%error, "cannot write the state file");
        }
    }
}
