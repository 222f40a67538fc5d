//! `cardpointe-sim`: run the CardPointe Gateway + CardSecure emulator as a program.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use cardpointe_sim::{FaultRule, Sim, SiteConfig};
use clap::Parser;

/// A local, faithful emulator of the CardPointe Gateway and CardSecure (UAT behaviour).
#[derive(Debug, Parser)]
#[command(name = "cardpointe-sim", version, about)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Serve plain HTTP (loopback only) instead of HTTPS.
    #[arg(long)]
    plain: bool,
    /// Merchants and credentials (TOML); default: the public UAT test identity.
    #[arg(long)]
    merchants: Option<PathBuf>,
    /// Keep the ledger in this file across restarts (default: memory only).
    #[arg(long)]
    state: Option<PathBuf>,
    /// Seconds the timeout test cards take (UAT: 32).
    #[arg(long, default_value_t = 32)]
    timeout_secs: u64,
    /// UAT chaos mode: shuffled keys and junk keys in gateway JSON.
    #[arg(long)]
    chaos: bool,
    /// The UAT rate limit (requests per minute on funding/inquire/profile/settlestat).
    #[arg(long)]
    rate_limit: Option<u32>,
    /// Fault rules to start with: a JSON array of rules such as
    /// `[{"endpoint":"auth","fault":"close_after","times":1}]` (also settable at `/__sim/faults`).
    #[arg(long)]
    faults: Option<PathBuf>,
    /// Do not log each request (for load tests).
    #[arg(long, short)]
    quiet: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let level = if args.quiet {
        tracing::Level::WARN
    } else {
        tracing::Level::INFO
    };
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(error) => {
            eprintln!("cannot start the tokio runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(args))
}

async fn run(args: Args) -> ExitCode {
    let config = match &args.merchants {
        Some(path) => match SiteConfig::from_file(path) {
            Ok(c) => c,
            Err(error) => {
                eprintln!("{error}");
                return ExitCode::FAILURE;
            }
        },
        None => SiteConfig::uat(),
    };
    let mut builder = Sim::builder()
        .site(config.clone())
        .listen(args.listen)
        .timeout_delay(Duration::from_secs(args.timeout_secs))
        .chaos(args.chaos)
        .rate_limit(args.rate_limit);
    if args.plain {
        builder = builder.plain();
    }
    if let Some(state) = args.state {
        builder = builder.state_file(state);
    }
    let rules: Vec<FaultRule> = match &args.faults {
        Some(path) => match std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
        {
            Ok(rules) => rules,
            Err(error) => {
                eprintln!("cannot read fault rules from {}: {error}", path.display());
                return ExitCode::FAILURE;
            }
        },
        None => Vec::new(),
    };
    let sim = match builder.start().await {
        Ok(sim) => sim,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::FAILURE;
        }
    };
    for rule in rules {
        sim.inject(rule);
    }
    println!("cardpointe-sim serving site {:?}", config.site);
    println!("  gateway:    {}", sim.gateway_url());
    println!("  cardsecure: {}", sim.cardsecure_url());
    println!(
        "  admin:      {}/__sim/ledger  (settle, clock, faults, modes)",
        sim.base_url()
    );
    for credential in &config.credentials {
        println!(
            "  credentials: {} / {}  merchants {:?}",
            credential.username, credential.password, credential.merchants
        );
    }
    for merchant in &config.merchants {
        println!("  merchant {} ({:?})", merchant.merchid, merchant.processor);
    }
    if !sim.root_certificate_pem().is_empty() {
        println!("  trust this CA:\n{}", sim.root_certificate_pem());
    }
    if let Err(error) = tokio::signal::ctrl_c().await {
        eprintln!("cannot wait for Ctrl-C: {error}");
    }
    println!("shutting down");
    sim.shutdown().await;
    ExitCode::SUCCESS
}
