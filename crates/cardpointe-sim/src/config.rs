//! Who may call the emulator and which merchants it serves: sites, credentials, merchants and
//! their processor flavour. Loaded from TOML (`--merchants FILE`, feature `toml`) or built in
//! code; the default is the public UAT test identity.

use cardpointe_vp3300_sim::dukpt::Bdk;
use serde::{Deserialize, Serialize};

/// The host a merchant's transactions are emulated on; selects response codes and UAT rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Processor {
    /// First Data North (`FNOR`), the default UAT host; two-character codes (`00`).
    #[serde(rename = "FNOR")]
    Fnor,
    /// First Data Nashville (`NASH`), the FNOR code table.
    #[serde(rename = "NASH")]
    Nash,
    /// First Data Rapid Connect (`RPCT`), three-digit codes (`000`); required by VP3300 devices.
    #[serde(rename = "RPCT")]
    Rpct,
    /// ProfitStars ACH (`PSTR`), for the ACH merchant linked to a card merchant.
    #[serde(rename = "PSTR")]
    Pstr,
}

impl Processor {
    /// The `respproc` / `cardproc` abbreviation.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Fnor => "FNOR",
            Self::Nash => "NASH",
            Self::Rpct => "RPCT",
            Self::Pstr => "PSTR",
        }
    }
}

/// One merchant (MID) of the emulated site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Merchant {
    /// The MID, e.g. `496160873888`.
    pub merchid: String,
    /// The emulated host.
    pub processor: Processor,
    /// The linked ACH MID that receives `ECHK`/`ESAV` and `bankaba` requests (UAT: `542041`).
    #[serde(default)]
    pub ach_merchid: Option<String>,
    /// The MID's currency (PPS 32 for others).
    #[serde(default = "default_currency")]
    pub currency: String,
    /// Doing-business-as name for receipts and `inquireMerchant`.
    #[serde(default = "default_dba")]
    pub dba: String,
    /// Whether refunds of unsettled transactions are allowed (default: no → PPS 28).
    #[serde(default)]
    pub refund_unsettled: bool,
    /// Whether partial refunds are allowed (default: yes; no → PPS 46).
    #[serde(default = "yes")]
    pub partial_refunds: bool,
    /// Whether negative-amount auths (forced credit) are allowed (default: no → PPS 45).
    #[serde(default)]
    pub forced_credit: bool,
    /// Whether capture may exceed the authorized amount (tips; default: no → PPS 43).
    #[serde(default)]
    pub overcapture: bool,
    /// Whether a $0 verification needs `cvv2` (PPS 38 without it).
    #[serde(default)]
    pub cvv_required: bool,
    /// Hour of the day (UTC) at which open batches close and settle on the emulator's clock.
    #[serde(default = "default_settle_hour")]
    pub settle_hour_utc: u8,
}

fn default_currency() -> String {
    "USD".to_owned()
}
fn default_dba() -> String {
    "CardPointe Sim Merchant".to_owned()
}
const fn yes() -> bool {
    true
}
const fn default_settle_hour() -> u8 {
    6
}

impl Merchant {
    /// A merchant with the UAT defaults (USD, partial refunds on, unsettled refunds off).
    #[must_use]
    pub fn new(merchid: impl Into<String>, processor: Processor) -> Self {
        Self {
            merchid: merchid.into(),
            processor,
            ach_merchid: None,
            currency: default_currency(),
            dba: default_dba(),
            refund_unsettled: false,
            partial_refunds: true,
            forced_credit: false,
            overcapture: false,
            cvv_required: false,
            settle_hour_utc: default_settle_hour(),
        }
    }

    /// Links an ACH MID.
    #[must_use]
    pub fn with_ach(mut self, ach_merchid: impl Into<String>) -> Self {
        self.ach_merchid = Some(ach_merchid.into());
        self
    }

    /// Allows refunds of unsettled transactions.
    #[must_use]
    pub const fn with_refund_unsettled(mut self, allowed: bool) -> Self {
        self.refund_unsettled = allowed;
        self
    }
}

/// A username/password pair and the MIDs it may use (empty: every MID of the site).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Credential {
    /// Basic-auth user.
    pub username: String,
    /// Basic-auth password.
    pub password: String,
    /// MIDs this pair may use; empty means all.
    #[serde(default)]
    pub merchants: Vec<String>,
}

impl Credential {
    /// A credential pair for the given MIDs (empty: all).
    #[must_use]
    pub fn new(
        username: impl Into<String>,
        password: impl Into<String>,
        merchants: Vec<String>,
    ) -> Self {
        Self {
            username: username.into(),
            password: password.into(),
            merchants,
        }
    }

    pub(crate) fn allows(&self, merchid: &str) -> bool {
        self.merchants.is_empty() || self.merchants.iter().any(|m| m == merchid)
    }
}

/// The emulated site: its name (tokens are scoped to it), credentials and merchants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SiteConfig {
    /// Site name, e.g. `fts-uat`.
    pub site: String,
    /// Accepted credentials.
    pub credentials: Vec<Credential>,
    /// Served merchants.
    pub merchants: Vec<Merchant>,
    /// Base derivation keys reader data (`devicedata`, `auth.track`) is decrypted with, tried
    /// after the ANSI X9.24 test BDK (always tried first). In the merchants file:
    /// `bdks = ["0123456789ABCDEFFEDCBA9876543210"]` (32 hex digits each); on the command
    /// line: `--bdk`. Never serialized.
    #[serde(default, skip_serializing, deserialize_with = "bdks_from_hex")]
    pub bdks: Vec<Bdk>,
}

/// `bdks` of a merchants file: 32 hex digits each.
fn bdks_from_hex<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<Bdk>, D::Error> {
    let texts = zeroize::Zeroizing::new(Vec::<String>::deserialize(deserializer)?);
    texts
        .iter()
        .enumerate()
        .map(|(i, text)| {
            Bdk::from_hex(text).map_err(|e| {
                serde::de::Error::custom(format!(
                    "bdks[{i}] is not a BDK ({e}); write each as 32 hex digits, e.g. \"0123456789ABCDEFFEDCBA9876543210\""
                ))
            })
        })
        .collect()
}

/// Why a merchants file could not be used.
#[cfg(feature = "toml")]
#[cfg_attr(docsrs, doc(cfg(feature = "toml")))]
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read merchants file {path}: {source}")]
    Read {
        /// The path given.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The TOML did not parse or did not fit the schema.
    #[error(
        "merchants file is not valid (expected `site`, [[credentials]] and [[merchants]] tables): {0}"
    )]
    Toml(#[from] toml::de::Error),
    /// A credential names a MID that is not configured.
    #[error("credential {username:?} names merchant {merchid:?}, which is not in [[merchants]]")]
    UnknownMerchant {
        /// The user.
        username: String,
        /// The missing MID.
        merchid: String,
    },
}

impl SiteConfig {
    /// The public UAT test identity: site `fts-uat`, `testing`/`testing123`, FNOR merchant
    /// `496160873888` with ACH merchant `542041`, and RPCT merchant `800000009033`.
    #[must_use]
    pub fn uat() -> Self {
        Self {
            site: "fts-uat".to_owned(),
            credentials: vec![Credential::new(
                "testing",
                "testing123",
                vec![
                    "496160873888".to_owned(),
                    "542041".to_owned(),
                    "800000009033".to_owned(),
                ],
            )],
            merchants: vec![
                Merchant::new("496160873888", Processor::Fnor).with_ach("542041"),
                Merchant::new("542041", Processor::Pstr),
                Merchant::new("800000009033", Processor::Rpct),
            ],
            bdks: Vec::new(),
        }
    }

    /// The same site, decrypting reader data with `bdk` too (after the ANSI test BDK and the
    /// keys already given).
    ///
    /// ```
    /// use cardpointe_sim::SiteConfig;
    /// use cardpointe_vp3300_sim::dukpt::Bdk;
    /// let bdk = Bdk::from_hex("0123456789ABCDEF0123456789ABCDEF")?;
    /// let site = SiteConfig::uat().with_bdk(bdk);
    /// assert_eq!(site.bdks.len(), 1);
    /// # Ok::<(), cardpointe_vp3300_sim::dukpt::DukptError>(())
    /// ```
    #[must_use]
    pub fn with_bdk(mut self, bdk: Bdk) -> Self {
        self.bdks.push(bdk);
        self
    }

    /// Parses the TOML form:
    ///
    /// ```toml
    /// site = "fts-uat"
    /// [[credentials]]
    /// username = "testing"
    /// password = "testing123"
    /// merchants = ["496160873888"]
    /// [[merchants]]
    /// merchid = "496160873888"
    /// processor = "FNOR"
    /// ```
    ///
    /// # Errors
    /// [`ConfigError::Toml`] or [`ConfigError::UnknownMerchant`].
    #[cfg(feature = "toml")]
    #[cfg_attr(docsrs, doc(cfg(feature = "toml")))]
    pub fn from_toml(text: &str) -> Result<Self, ConfigError> {
        let config: Self = toml::from_str(text)?;
        for credential in &config.credentials {
            for merchid in &credential.merchants {
                if config.merchant(merchid).is_none() {
                    return Err(ConfigError::UnknownMerchant {
                        username: credential.username.clone(),
                        merchid: merchid.clone(),
                    });
                }
            }
        }
        Ok(config)
    }

    /// Reads and parses a merchants file.
    ///
    /// # Errors
    /// [`ConfigError`].
    #[cfg(feature = "toml")]
    #[cfg_attr(docsrs, doc(cfg(feature = "toml")))]
    pub fn from_file(path: &std::path::Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_toml(&text)
    }

    /// The merchant with this MID.
    #[must_use]
    pub fn merchant(&self, merchid: &str) -> Option<&Merchant> {
        self.merchants.iter().find(|m| m.merchid == merchid)
    }
}

#[cfg(all(test, feature = "toml"))]
mod tests {
    use super::*;

    #[test]
    fn merchants_file_parses_with_defaults() {
        let config = SiteConfig::from_toml(
            r#"
            site = "acme-uat"
            [[credentials]]
            username = "u"
            password = "p"
            merchants = ["1"]
            [[merchants]]
            merchid = "1"
            processor = "RPCT"
            refund_unsettled = true
            "#,
        )
        .unwrap();
        let m = config.merchant("1").unwrap();
        assert_eq!(m.processor, Processor::Rpct);
        assert!(m.refund_unsettled && m.partial_refunds);
        assert_eq!(m.currency, "USD");
        assert!(config.bdks.is_empty());
    }

    #[test]
    fn merchants_file_bdks_are_read_and_a_bad_one_is_named() {
        let config = SiteConfig::from_toml(
            "site = \"s\"\nbdks = [\"0123456789abcdef0123456789ABCDEF\"]\ncredentials = []\nmerchants = []\n",
        )
        .unwrap();
        assert_eq!(
            config.bdks,
            vec![Bdk::from_hex("0123456789ABCDEF0123456789ABCDEF").unwrap()]
        );
        let err = SiteConfig::from_toml(
            "site = \"s\"\nbdks = [\"0123\"]\ncredentials = []\nmerchants = []\n",
        )
        .unwrap_err();
        assert!(err.to_string().contains("bdks[0]"), "{err}");
    }

    #[test]
    fn merchants_file_naming_an_unknown_mid_is_rejected() {
        let err = SiteConfig::from_toml(
            "site = \"s\"\n[[credentials]]\nusername=\"u\"\npassword=\"p\"\nmerchants=[\"9\"]\nmerchants_ = 1\n",
        );
        assert!(err.is_err());
        let err = SiteConfig::from_toml(
            "site = \"s\"\nmerchants = []\n[[credentials]]\nusername=\"u\"\npassword=\"p\"\nmerchants=[\"9\"]\n",
        )
        .unwrap_err();
        assert!(err.to_string().contains("\"9\""), "{err}");
    }
}
