//! Where the gateway is and who we are: flags, then `CARDPOINTE_*` environment variables
//! (clap reads both), then a TOML config file; or an in-process emulator with `--sim`.

use std::path::PathBuf;

use cardpointe::Gateway;
use cardpointe::transport::{Client, Credentials, Environment};
use cardpointe_sim::Sim;
use serde::Deserialize;

use crate::error::CliError;

/// Connection flags shared by every command that talks to the gateway or CardSecure.
#[derive(Debug, Clone, Default, clap::Args)]
pub(crate) struct ConnArgs {
    /// Site name (`fts` for production, `fts-uat` for UAT).
    #[arg(long, env = "CARDPOINTE_SITE")]
    pub(crate) site: Option<String>,
    /// Full base URL (wins over --site), e.g. https://127.0.0.1:8443 for an emulator.
    #[arg(long, env = "CARDPOINTE_BASE_URL")]
    pub(crate) base_url: Option<String>,
    /// Merchant id.
    #[arg(long, env = "CARDPOINTE_MERCHID")]
    pub(crate) merchid: Option<String>,
    /// API user name.
    #[arg(long, env = "CARDPOINTE_USERNAME")]
    pub(crate) username: Option<String>,
    /// API password (prefer the environment variable to keep it out of shell history).
    #[arg(long, env = "CARDPOINTE_PASSWORD", hide_env_values = true)]
    pub(crate) password: Option<String>,
    /// An extra trusted root certificate (PEM), e.g. the emulator's CA.
    #[arg(long, env = "CARDPOINTE_CA_CERT")]
    pub(crate) ca_cert: Option<PathBuf>,
    /// A TOML file with `site`, `base_url`, `merchid`, `username`, `password`, `ca_cert`.
    #[arg(long, env = "CARDPOINTE_CONFIG")]
    pub(crate) config: Option<PathBuf>,
    /// Talk to an emulator started in this process instead (no credentials needed).
    #[arg(long)]
    pub(crate) sim: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    site: Option<String>,
    base_url: Option<String>,
    merchid: Option<String>,
    username: Option<String>,
    password: Option<String>,
    ca_cert: Option<PathBuf>,
}

/// A connected gateway, with the emulator behind it when `--sim` started one.
pub(crate) struct Connection {
    pub(crate) gateway: Gateway,
    pub(crate) sim: Option<Sim>,
}

impl Connection {
    /// Stops the emulator, if one was started.
    pub(crate) async fn close(self) {
        if let Some(sim) = self.sim {
            sim.shutdown().await;
        }
    }
}

/// A client for an emulator.
pub(crate) fn sim_client(sim: &Sim) -> Result<Client, CliError> {
    let (user, password) = sim.credentials();
    Ok(Client::builder(Environment::base_url(&sim.base_url())?)
        .credentials(Credentials::new(user, password))
        .merchant_id(sim.merchid())
        .add_root_certificate_der(sim.root_certificate_der().to_vec())
        .build()?)
}

impl ConnArgs {
    /// Connects as configured.
    pub(crate) async fn connect(&self) -> Result<Connection, CliError> {
        if self.sim {
            let sim = Sim::builder()
                .start()
                .await
                .map_err(|e| CliError::new(format!("cannot start the emulator: {e}")))?;
            let gateway = Gateway::new(sim_client(&sim)?);
            return Ok(Connection {
                gateway,
                sim: Some(sim),
            });
        }
        let file = match &self.config {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    CliError::new(format!(
                        "cannot read the config file {}: {e}",
                        path.display()
                    ))
                })?;
                toml::from_str::<FileConfig>(&text).map_err(|e| {
                    CliError::new(format!(
                        "the config file {} is not valid: {e}",
                        path.display()
                    ))
                    .hint("keys: site, base_url, merchid, username, password, ca_cert")
                })?
            }
            None => FileConfig::default(),
        };
        let pick =
            |flag: &Option<String>, file: &Option<String>| flag.clone().or_else(|| file.clone());
        let base_url = pick(&self.base_url, &file.base_url);
        let site = pick(&self.site, &file.site);
        let plain = base_url
            .as_deref()
            .is_some_and(|u| u.starts_with("http://"));
        let environment = match (base_url, site) {
            (Some(url), _) => Environment::base_url(&url)?,
            (None, Some(site)) => Environment::from_site_name(&site)?,
            (None, None) => {
                return Err(CliError::new("no CardPointe site is configured")
                    .kind(crate::error::ErrorKind::Configuration)
                    .hint(
                    "pass --site fts-uat (or --base-url), set CARDPOINTE_SITE, use --config FILE, \
                     or add --sim to use an in-process emulator",
                ));
            }
        };
        let merchid = pick(&self.merchid, &file.merchid).ok_or_else(|| {
            CliError::new("no merchant id is configured")
                .hint("pass --merchid or set CARDPOINTE_MERCHID")
        })?;
        let username = pick(&self.username, &file.username).ok_or_else(|| {
            CliError::new("no API user name is configured")
                .hint("pass --username or set CARDPOINTE_USERNAME")
        })?;
        let password = pick(&self.password, &file.password).ok_or_else(|| {
            CliError::new("no API password is configured").hint("set CARDPOINTE_PASSWORD")
        })?;
        let mut builder = Client::builder(environment)
            .credentials(Credentials::new(username, password))
            .merchant_id(merchid);
        if plain {
            // The transport still refuses plain HTTP to anything but a loopback address.
            builder = builder.allow_plain_http_to_loopback();
        }
        if let Some(path) = self.ca_cert.clone().or(file.ca_cert) {
            let pem = std::fs::read(&path).map_err(|e| {
                CliError::new(format!(
                    "cannot read the CA certificate {}: {e}",
                    path.display()
                ))
            })?;
            builder = builder.add_root_certificates_pem(&pem)?;
        }
        Ok(Connection {
            gateway: Gateway::new(builder.build()?),
            sim: None,
        })
    }
}
