//! `cardpointe sim`: the emulator as a server, with `cardpointe-sim`'s own configuration
//! (a merchants TOML file, a state file, chaos and rate-limit modes).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use cardpointe_sim::{Sim, SiteConfig};

use crate::error::CliError;

/// `sim` flags (the same as the `cardpointe-sim` binary's).
#[derive(Debug, clap::Args)]
pub(crate) struct SimArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8443")]
    listen: SocketAddr,
    /// Serve plain HTTP (loopback only) instead of HTTPS.
    #[arg(long)]
    plain: bool,
    /// Merchants and credentials (TOML, as `cardpointe-sim --merchants`); default: the public
    /// UAT test identity.
    #[arg(long)]
    merchants: Option<PathBuf>,
    /// Keep the ledger in this file across restarts.
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
    /// Write the CA certificate (PEM) here, for `--ca-cert` / CARDPOINTE_CA_CERT.
    #[arg(long)]
    ca_out: Option<PathBuf>,
}

/// Runs the emulator until Ctrl-C.
pub(crate) async fn run(args: SimArgs) -> Result<(), CliError> {
    let config = match &args.merchants {
        Some(path) => SiteConfig::from_file(path).map_err(|e| CliError::new(e.to_string()))?,
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
    let sim = builder.start().await.map_err(|e| {
        CliError::new(e.to_string()).hint("choose another address with --listen 127.0.0.1:0")
    })?;
    println!("CardPointe emulator (site {:?})", config.site);
    println!("  gateway     {}", sim.gateway_url());
    println!("  cardsecure  {}", sim.cardsecure_url());
    println!("  admin       {}/__sim/ledger", sim.base_url());
    for credential in &config.credentials {
        println!(
            "  login       {} / {}  (merchants {:?})",
            credential.username, credential.password, credential.merchants
        );
    }
    if let Some(path) = &args.ca_out {
        std::fs::write(path, sim.root_certificate_pem()).map_err(|e| {
            CliError::new(format!(
                "cannot write the CA certificate to {}: {e}",
                path.display()
            ))
        })?;
        println!("  CA cert     {}", path.display());
    }
    println!("\nTry, in another shell:");
    println!(
        "  CARDPOINTE_BASE_URL={} CARDPOINTE_MERCHID={} CARDPOINTE_USERNAME={} CARDPOINTE_PASSWORD={}{} \\\n    cardpointe auth --amount 12.34 --card 4111111111111111 --expiry 1230",
        sim.base_url(),
        sim.merchid(),
        sim.credentials().0,
        sim.credentials().1,
        args.ca_out
            .as_ref()
            .map(|p| format!(" CARDPOINTE_CA_CERT={}", p.display()))
            .unwrap_or_default()
    );
    println!("\nCtrl-C stops it.");
    tokio::signal::ctrl_c().await?;
    sim.shutdown().await;
    Ok(())
}
