//! The emulator as a program: one set of command-line flags ([`ServeArgs`]) and one
//! [`serve`] function, shared by the `cardpointe-sim` binary and the `cardpointe sim`
//! subcommand so the two cannot drift apart.
//!
//! ```
//! use clap::Parser;
//! use cardpointe_sim::serve::ServeArgs;
//!
//! #[derive(Parser)]
//! struct Cli {
//!     #[command(flatten)]
//!     serve: ServeArgs,
//! }
//! let cli = Cli::parse_from(["sim", "--plain", "--listen", "127.0.0.1:0", "--quiet"]);
//! assert!(cli.serve.plain && cli.serve.quiet);
//! assert_eq!(cli.serve.timeout_secs, 32);
//! ```

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::{ConfigError, FaultRule, Sim, SimError, SiteConfig};

/// The flags of `cardpointe-sim` and `cardpointe sim`.
#[derive(Debug, Clone, clap::Args)]
#[non_exhaustive]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8443")]
    pub listen: SocketAddr,
    /// Serve plain HTTP (loopback only) instead of HTTPS.
    #[arg(long)]
    pub plain: bool,
    /// Merchants and credentials (TOML); default: the public UAT test identity.
    #[arg(long)]
    pub merchants: Option<PathBuf>,
    /// A base derivation key (32 hex digits) to decrypt reader data with, after the ANSI test
    /// BDK and the merchants file's `bdks`; repeat for more.
    #[arg(long = "bdk", value_name = "HEX", value_parser = parse_bdk)]
    pub bdks: Vec<crate::dukpt::Bdk>,
    /// Keep the ledger in this file across restarts (default: memory only).
    #[arg(long)]
    pub state: Option<PathBuf>,
    /// Seconds the timeout test cards take (UAT: 32).
    #[arg(long, default_value_t = 32)]
    pub timeout_secs: u64,
    /// UAT chaos mode: shuffled keys and junk keys in gateway JSON.
    #[arg(long)]
    pub chaos: bool,
    /// The UAT rate limit (requests per minute on funding/inquire/profile/settlestat).
    #[arg(long)]
    pub rate_limit: Option<u32>,
    /// Fault rules to start with: a JSON file holding an array of rules such as
    /// `[{"endpoint":"auth","fault":"close_after","times":1}]` (also settable at
    /// `/__sim/faults`).
    #[arg(long)]
    pub faults: Option<PathBuf>,
    /// Write the CA certificate (PEM) here, for a client's `--ca-cert` / CARDPOINTE_CA_CERT.
    #[arg(long)]
    pub ca_out: Option<PathBuf>,
    /// Log only warnings, not each request (for load tests).
    #[arg(long, short)]
    pub quiet: bool,
    /// Print one JSON line when ready ([`ready_line`]) instead of the text banner, for a test
    /// harness to read. Not a flag of its own: the program sets it from its `--json` (the
    /// `cardpointe` CLI's is global, so it cannot be declared twice).
    #[arg(skip)]
    pub json: bool,
}

/// What `--help` adds after the flags: the admin API a test suite in any language uses.
pub const ADMIN_HELP: &str = "\
Test helpers (no credentials; JSON answers), under the base URL:
  GET  /__sim/health                      readiness probe: 200 {\"status\":\"ok\",...}
  POST /__sim/reset                       empty ledger, profiles, tokens; no faults; starting modes and clock
  GET  /__sim/ledger[?orderid=&merchid=]  what was recorded (card data masked)
  POST /__sim/settle                      close and settle every open batch now
  POST /__sim/batches/close               transmit open batches (captures then get PPS 27)
  POST /__sim/reject {\"retref\":...}       reject that transaction at settlement
  GET  /__sim/clock | POST /__sim/clock/advance {\"seconds\":n}
  GET|POST|DELETE /__sim/faults            e.g. {\"endpoint\":\"auth\",\"fault\":\"close_after\",\"times\":1}
                                          faults: delay close_before close_after server_error
                                          malformed_json too_many_requests
  GET|POST /__sim/modes                   {\"chaos\":true,\"rate_limit_per_minute\":60,\"timeout_delay_ms\":500}
Every answer carries X-Request-Id (the client's, echoed, or a new one).
Stops gracefully on Ctrl-C or SIGTERM.";

/// `--bdk`: 32 hex digits (the message never repeats the key).
fn parse_bdk(text: &str) -> Result<crate::dukpt::Bdk, String> {
    crate::dukpt::Bdk::from_hex(text)
        .map_err(|e| format!("{e}; a BDK is 32 hex digits, e.g. 0123456789ABCDEFFEDCBA9876543210"))
}

/// Why [`serve`] stopped with an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The merchants file could not be used.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The fault-rules file could not be read or parsed.
    #[error("cannot read fault rules from {path}: {message} (expected a JSON array of rules)")]
    Faults {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The emulator could not start.
    #[error(transparent)]
    Start(#[from] SimError),
    /// The CA certificate could not be written.
    #[error("cannot write the CA certificate to {path}: {source}")]
    CaOut {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Waiting for Ctrl-C or SIGTERM failed.
    #[error("cannot wait for Ctrl-C or SIGTERM: {0}")]
    Signal(std::io::Error),
}

impl ServeArgs {
    /// The site these flags serve: the merchants file, or the UAT test identity.
    ///
    /// # Errors
    /// [`ServeError::Config`] when the merchants file cannot be read or is invalid.
    pub fn site(&self) -> Result<SiteConfig, ServeError> {
        let site = match &self.merchants {
            Some(path) => SiteConfig::from_file(path)?,
            None => SiteConfig::uat(),
        };
        Ok(self.bdks.iter().cloned().fold(site, SiteConfig::with_bdk))
    }

    fn fault_rules(&self) -> Result<Vec<FaultRule>, ServeError> {
        let Some(path) = &self.faults else {
            return Ok(Vec::new());
        };
        std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|text| serde_json::from_str(&text).map_err(|e| e.to_string()))
            .map_err(|message| ServeError::Faults {
                path: path.clone(),
                message,
            })
    }

    /// Starts the emulator these flags describe (on the current tokio runtime), with its
    /// fault rules injected.
    ///
    /// # Errors
    /// [`ServeError`] for a bad merchants or faults file, or when the emulator cannot start.
    pub async fn start(&self) -> Result<Sim, ServeError> {
        let mut builder = Sim::builder()
            .site(self.site()?)
            .listen(self.listen)
            .timeout_delay(Duration::from_secs(self.timeout_secs))
            .chaos(self.chaos)
            .rate_limit(self.rate_limit);
        if self.plain {
            builder = builder.plain();
        }
        if let Some(state) = &self.state {
            builder = builder.state_file(state.clone());
        }
        let rules = self.fault_rules()?;
        let sim = builder.start().await?;
        for rule in rules {
            sim.inject(rule);
        }
        Ok(sim)
    }
}

/// Runs the emulator until Ctrl-C or SIGTERM: logs to stderr (each request, redacted, unless
/// `--quiet`; a subscriber the program already installed wins), prints the URLs, credentials
/// and merchants (or, with `--json`, one JSON ready line), writes the CA certificate if asked,
/// calls `on_ready` (for a program's own hints), then waits and shuts down gracefully.
///
/// # Errors
/// [`ServeError`].
pub async fn serve(args: ServeArgs, on_ready: impl FnOnce(&Sim)) -> Result<(), ServeError> {
    let level = if args.quiet {
        tracing::Level::WARN
    } else {
        tracing::Level::INFO
    };
    // Fails only when the program installed its own subscriber first; that one is kept.
    let _ = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .try_init();
    let sim = args.start().await?;
    if let Some(path) = &args.ca_out {
        std::fs::write(path, sim.root_certificate_pem()).map_err(|source| ServeError::CaOut {
            path: path.clone(),
            source,
        })?;
    }
    if args.json {
        println!("{}", ready_line(&sim, args.ca_out.as_deref()));
    } else {
        print_banner(&sim, args.ca_out.as_deref());
    }
    on_ready(&sim);
    if !args.json {
        println!("Ctrl-C or SIGTERM stops it.");
    }
    let waited = stop_signal().await;
    if !args.json {
        println!("shutting down");
    }
    sim.shutdown().await;
    waited.map_err(ServeError::Signal)
}

/// The text banner: URLs, credentials, merchants, the CA certificate.
fn print_banner(sim: &Sim, ca_out: Option<&std::path::Path>) {
    let config = sim.engine().config();
    println!("CardPointe emulator serving site {:?}", config.site);
    println!("  gateway     {}", sim.gateway_url());
    println!("  cardsecure  {}", sim.cardsecure_url());
    println!(
        "  admin       {}/__sim/health  (reset, ledger, settle, clock, faults, modes: see --help)",
        sim.base_url()
    );
    for credential in &config.credentials {
        println!(
            "  login       {} / {}  (merchants {:?})",
            credential.username, credential.password, credential.merchants
        );
    }
    for merchant in &config.merchants {
        println!(
            "  merchant    {} ({:?})",
            merchant.merchid, merchant.processor
        );
    }
    if let Some(path) = ca_out {
        println!("  CA cert     {}", path.display());
    } else if !sim.root_certificate_pem().is_empty() {
        println!("  trust this CA:\n{}", sim.root_certificate_pem());
    }
}

/// The one machine-readable line `--json` prints when the emulator is ready:
/// `{"event":"ready","base_url":…,"gateway_url":…,"cardsecure_url":…,"health_url":…,
/// "tls":…,"ca_cert":…,"username":…,"password":…,"merchid":…}`.
#[must_use]
pub fn ready_line(sim: &Sim, ca_out: Option<&std::path::Path>) -> String {
    let (username, password) = sim.credentials();
    serde_json::json!({
        "event": "ready",
        "base_url": sim.base_url(),
        "gateway_url": sim.gateway_url(),
        "cardsecure_url": sim.cardsecure_url(),
        "health_url": format!("{}/__sim/health", sim.base_url()),
        "tls": !sim.root_certificate_pem().is_empty(),
        "ca_cert": ca_out.map(|p| p.display().to_string()),
        "username": username,
        "password": password,
        "merchid": sim.merchid(),
    })
    .to_string()
}

/// Waits for Ctrl-C, or (on Unix) SIGTERM as sent by `kill`, `docker stop` and CI runners.
async fn stop_signal() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            waited = tokio::signal::ctrl_c() => waited,
            _ = term.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::ServeArgs;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        serve: ServeArgs,
    }

    #[test]
    fn bdk_flags_add_keys_after_the_site_and_a_bad_one_is_refused_without_echoing_it() {
        let cli = Cli::try_parse_from([
            "sim",
            "--bdk",
            "00112233445566778899AABBCCDDEEFF",
            "--bdk",
            "0123456789abcdef0123456789abcdef",
        ])
        .unwrap();
        let site = cli.serve.site().unwrap();
        assert_eq!(site.site, "fts-uat");
        assert_eq!(site.bdks.len(), 2);
        assert!(!format!("{:?}", cli.serve).contains("00112233"));
        let err = Cli::try_parse_from(["sim", "--bdk", "0011ZZ"])
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("32 hex digits"), "{err}");
    }
}
