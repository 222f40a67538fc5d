//! Where the gateway is: production, UAT, or an explicit base URL (the emulator).

use std::fmt;
use std::net::IpAddr;

use http::Uri;
use http::uri::{Authority, Scheme};

use crate::Error;

/// The servlet prefix of the Gateway REST API (spec 1.1).
pub(crate) const GATEWAY_PREFIX: &str = "/cardconnect/rest";
/// The prefix of the CardSecure JSON API (spec 6.1).
pub(crate) const CARDSECURE_PREFIX: &str = "/cardsecure/api/v1";

/// Which CardPointe deployment a [`Client`](crate::Client) talks to.
///
/// - [`production`](Environment::production)`("fts")` → `https://fts.cardconnect.com`
/// - [`uat`](Environment::uat)`("fts")` → `https://fts-uat.cardconnect.com`
/// - [`base_url`](Environment::base_url)`("https://127.0.0.1:8443")` → an emulator or proxy
///
/// The Gateway lives under `/cardconnect/rest` and CardSecure under `/cardsecure/api/v1` of the
/// same origin; both are appended by the client, so a base URL is only scheme, host, port and
/// an optional path prefix in front of both.
#[derive(Clone, PartialEq, Eq)]
pub struct Environment {
    kind: EnvironmentKind,
}

#[derive(Clone, PartialEq, Eq)]
enum EnvironmentKind {
    Production { site: String },
    Uat { site: String },
    Custom { origin: Origin },
}

/// A parsed base URL: scheme, authority and a path prefix without a trailing `/`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub(crate) struct Origin {
    pub(crate) scheme: Scheme,
    pub(crate) authority: Authority,
    pub(crate) prefix: String,
}

impl Origin {
    /// Whether the host is `localhost` or a loopback IP address.
    pub(crate) fn is_loopback(&self) -> bool {
        let host = self.authority.host();
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        host.eq_ignore_ascii_case("localhost")
            || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }

    pub(crate) fn is_plain_http(&self) -> bool {
        self.scheme == Scheme::HTTP
    }
}

impl Environment {
    /// The production gateway of a site: `https://{site}.cardconnect.com`.
    pub fn production(site: &str) -> Result<Self, Error> {
        validate_site(site)?;
        Ok(Self {
            kind: EnvironmentKind::Production {
                site: site.to_ascii_lowercase(),
            },
        })
    }

    /// The UAT (sandbox) gateway of a site: `https://{site}-uat.cardconnect.com`.
    ///
    /// Pass the bare site name (`"fts"`); a name that already ends in `-uat` is refused so that
    /// the host never becomes `fts-uat-uat`.
    pub fn uat(site: &str) -> Result<Self, Error> {
        validate_site(site)?;
        if site.to_ascii_lowercase().ends_with("-uat") {
            return Err(Error::config(format!(
                "site {site:?} already ends in \"-uat\": pass the bare site name to \
                 Environment::uat (for example \"fts\" for fts-uat.cardconnect.com)"
            )));
        }
        Ok(Self {
            kind: EnvironmentKind::Uat {
                site: site.to_ascii_lowercase(),
            },
        })
    }

    /// A site name as written in `CARDPOINTE_SITE`: a name ending in `-uat` (`"fts-uat"`) means
    /// the UAT environment of the bare site, any other name means production.
    pub fn from_site_name(name: &str) -> Result<Self, Error> {
        let lower = name.to_ascii_lowercase();
        match lower.strip_suffix("-uat") {
            Some(bare) => Self::uat(bare),
            None => Self::production(&lower),
        }
    }

    /// An explicit base URL, such as a local emulator's `https://127.0.0.1:8443`.
    ///
    /// `https` is the norm. `http` is accepted here but refused when the client is built unless
    /// the host is a loopback address *and* the configuration calls
    /// [`allow_plain_http_to_loopback`](crate::ClientBuilder::allow_plain_http_to_loopback).
    /// A trailing `/cardconnect/rest` is tolerated and dropped, since that is how the gateway's
    /// own documentation writes base URLs.
    pub fn base_url(url: &str) -> Result<Self, Error> {
        let uri: Uri = url.parse().map_err(|e| {
            Error::config(format!("base URL {url:?} is not a valid URL")).with_source(e)
        })?;
        let scheme = uri.scheme().cloned().ok_or_else(|| {
            Error::config(format!(
                "base URL {url:?} has no scheme: write it as https://host[:port]"
            ))
        })?;
        if scheme != Scheme::HTTPS && scheme != Scheme::HTTP {
            return Err(Error::config(format!(
                "base URL {url:?} must use https (or http to a loopback emulator)"
            )));
        }
        let authority = uri
            .authority()
            .cloned()
            .ok_or_else(|| Error::config(format!("base URL {url:?} has no host")))?;
        if authority.as_str().contains('@') {
            return Err(Error::config(
                "base URL must not carry credentials (user:password@host); configure them with \
                 ClientBuilder::credentials instead",
            ));
        }
        if uri.query().is_some() {
            return Err(Error::config(format!(
                "base URL {url:?} must not have a query string"
            )));
        }
        let mut prefix = uri.path().trim_end_matches('/').to_owned();
        if let Some(stripped) = prefix.strip_suffix(GATEWAY_PREFIX) {
            prefix = stripped.to_owned();
        }
        Ok(Self {
            kind: EnvironmentKind::Custom {
                origin: Origin {
                    scheme,
                    authority,
                    prefix,
                },
            },
        })
    }

    /// Whether this is the production environment of a site.
    pub fn is_production(&self) -> bool {
        matches!(self.kind, EnvironmentKind::Production { .. })
    }

    pub(crate) fn origin(&self) -> Result<Origin, Error> {
        let host = match &self.kind {
            EnvironmentKind::Custom { origin } => return Ok(origin.clone()),
            EnvironmentKind::Production { site } => format!("{site}.cardconnect.com"),
            EnvironmentKind::Uat { site } => format!("{site}-uat.cardconnect.com"),
        };
        let authority = Authority::try_from(host.as_str())
            .map_err(|e| Error::config(format!("site host {host:?} is invalid")).with_source(e))?;
        Ok(Origin {
            scheme: Scheme::HTTPS,
            authority,
            prefix: String::new(),
        })
    }
}

impl fmt::Debug for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            EnvironmentKind::Production { site } => write!(f, "Production({site})"),
            EnvironmentKind::Uat { site } => write!(f, "Uat({site})"),
            EnvironmentKind::Custom { origin } => write!(
                f,
                "BaseUrl({}://{}{})",
                origin.scheme, origin.authority, origin.prefix
            ),
        }
    }
}

fn validate_site(site: &str) -> Result<(), Error> {
    let valid = !site.is_empty()
        && site.len() <= 63
        && site.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !site.starts_with('-')
        && !site.ends_with('-');
    if valid {
        Ok(())
    } else {
        Err(Error::config(format!(
            "site name {site:?} is not a host label: use the name assigned at onboarding, such \
             as \"fts\" (letters, digits and '-', at most 63)"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(env: &Environment) -> String {
        let origin = env.origin().expect("valid origin");
        format!("{}://{}{}", origin.scheme, origin.authority, origin.prefix)
    }

    #[test]
    fn production_and_uat_build_the_documented_hosts() {
        assert_eq!(
            url(&Environment::production("fts").unwrap()),
            "https://fts.cardconnect.com"
        );
        assert_eq!(
            url(&Environment::uat("fts").unwrap()),
            "https://fts-uat.cardconnect.com"
        );
    }

    #[test]
    fn site_names_from_the_environment_pick_uat_by_suffix() {
        assert_eq!(
            Environment::from_site_name("fts-uat").unwrap(),
            Environment::uat("fts").unwrap()
        );
        assert!(Environment::from_site_name("fts").unwrap().is_production());
    }

    #[test]
    fn uat_refuses_a_site_that_already_ends_in_uat() {
        let err = Environment::uat("fts-uat").unwrap_err();
        assert!(err.is_config());
        assert!(err.to_string().contains("bare site name"));
    }

    #[test]
    fn invalid_site_names_are_config_errors() {
        for site in ["", "fts.evil.com", "-fts", "fts/", "a b"] {
            assert!(
                Environment::production(site).unwrap_err().is_config(),
                "{site:?}"
            );
        }
    }

    #[test]
    fn base_urls_drop_a_trailing_servlet_prefix_and_slash() {
        let env = Environment::base_url("https://127.0.0.1:8443/cardconnect/rest/").unwrap();
        assert_eq!(url(&env), "https://127.0.0.1:8443");
        let env = Environment::base_url("https://proxy.example/cp/").unwrap();
        assert_eq!(url(&env), "https://proxy.example/cp");
    }

    #[test]
    fn base_urls_without_scheme_or_with_userinfo_are_refused() {
        for bad in [
            "127.0.0.1:8443",
            "ftp://x",
            "https://u:p@host",
            "https://h/?q=1",
            "not a url",
        ] {
            assert!(
                Environment::base_url(bad).unwrap_err().is_config(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn loopback_detection_covers_ipv4_ipv6_and_localhost() {
        for (base, loopback) in [
            ("http://127.0.0.1:1", true),
            ("http://127.9.9.9", true),
            ("http://[::1]:80", true),
            ("http://localhost:8080", true),
            ("http://10.0.0.1", false),
            ("http://localhost.evil.com", false),
        ] {
            let origin = Environment::base_url(base).unwrap().origin().unwrap();
            assert_eq!(origin.is_loopback(), loopback, "{base}");
        }
    }
}
