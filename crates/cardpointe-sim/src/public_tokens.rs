//! The tokens the public UAT site is known to issue, in one table.
//!
//! CardSecure tokens are deterministic per site (spec section 6.4), and a few of the UAT site's
//! are published: in the gateway's own documentation, in recorded answers, in the documented
//! Augusta reader samples (spec section 7). Scripts, docs and old test suites hard-code them
//! (a profile created with `account: "9418594164541111"`), so the emulator's site `fts-uat`
//! issues exactly these for those inputs and knows them without having issued them first;
//! every other account gets the emulator's own deterministic token.
//!
//! A reader sample cannot be decrypted (its key is CardPointe's, not the ANSI test key), so
//! it is known by its masked card number: the emulator's stand-in card for that masked number
//! is what the token stands for.

use std::sync::OnceLock;

use crate::devicedata::stand_in_pan;

/// The public UAT site: the only site whose tokens are published.
pub(crate) const PUBLIC_UAT_SITE: &str = "fts-uat";

/// What a published token stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PublicAccount {
    /// A card number, keyed or tokenized.
    Card(&'static str),
    /// A bank account: ABA routing number and account number.
    Ach {
        routing: &'static str,
        account: &'static str,
    },
    /// Reader data under a key the emulator does not hold, known by its masked card number
    /// (`*` for each hidden digit).
    MaskedCard(&'static str),
}

/// One published token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PublicToken {
    pub(crate) token: &'static str,
    pub(crate) account: PublicAccount,
    /// Where it is published.
    pub(crate) source: &'static str,
}

/// The published UAT tokens (spec sections 2.7, 6.4 and 7).
pub(crate) const PUBLIC_TOKENS: &[PublicToken] = &[
    PublicToken {
        token: "9418594164541111",
        account: PublicAccount::Card("4111111111111111"),
        source: "UAT recordings from 2014 and 2015 (spec 6.4, 2.7, 2.13)",
    },
    PublicToken {
        token: "9441149619831111",
        account: PublicAccount::Card("4444333322221111"),
        source: "CardSecure documentation (spec 6.1, 6.4)",
    },
    PublicToken {
        token: "9124468384113123",
        account: PublicAccount::Ach {
            routing: "124001545",
            account: "123123123123",
        },
        source: "UAT recording of an ACH tokenization (spec 6.4)",
    },
    PublicToken {
        token: "9603982807976668",
        account: PublicAccount::MaskedCard("6011********6668"),
        source: "the documented Augusta swipe sample (spec 7)",
    },
    PublicToken {
        token: "9656535197710133",
        account: PublicAccount::MaskedCard("6510********0133"),
        source: "the documented Augusta EMV sample (spec 7)",
    },
];

/// The card or bank account a table row stands for: `(pan or account, routing)`.
fn resolved() -> &'static [(String, Option<&'static str>)] {
    static RESOLVED: OnceLock<Vec<(String, Option<&'static str>)>> = OnceLock::new();
    RESOLVED.get_or_init(|| {
        PUBLIC_TOKENS
            .iter()
            .map(|row| match row.account {
                PublicAccount::Card(pan) => (pan.to_owned(), None),
                PublicAccount::Ach { routing, account } => (account.to_owned(), Some(routing)),
                PublicAccount::MaskedCard(masked) => {
                    (stand_in_pan(masked).unwrap_or_default(), None)
                }
            })
            .collect()
    })
}

/// The published token of `pan` (with `routing` for a bank account) on `site`, if any.
pub(crate) fn token_for(site: &str, pan: &str, routing: Option<&str>) -> Option<&'static str> {
    if site != PUBLIC_UAT_SITE {
        return None;
    }
    PUBLIC_TOKENS
        .iter()
        .zip(resolved())
        .find(|(_, (p, r))| p == pan && r.as_deref() == routing)
        .map(|(row, _)| row.token)
}

/// What a published `token` of `site` stands for: `(pan or account, routing)`.
pub(crate) fn account_of(site: &str, token: &str) -> Option<(&'static str, Option<&'static str>)> {
    if site != PUBLIC_UAT_SITE {
        return None;
    }
    PUBLIC_TOKENS
        .iter()
        .zip(resolved())
        .find(|(row, _)| row.token == token)
        .map(|(_, (pan, routing))| (pan.as_str(), *routing))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cardpointe_types::luhn_valid;

    #[test]
    fn every_published_token_has_the_section_6_4_shape() {
        for (row, (pan, routing)) in PUBLIC_TOKENS.iter().zip(resolved()) {
            let t = row.token;
            assert!(t.len() == 16 && t.starts_with('9') && luhn_valid(t), "{t}");
            let prefix_source = routing.unwrap_or(pan);
            assert_eq!(t.get(1..3), prefix_source.get(..2), "{t}");
            assert_eq!(t.get(12..), pan.get(pan.len() - 4..), "{t}");
            if routing.is_none() {
                assert!(luhn_valid(pan), "{t} stands for a Luhn-valid card");
            }
        }
    }

    #[test]
    fn the_table_answers_only_for_the_public_uat_site() {
        assert_eq!(
            token_for("fts-uat", "4111111111111111", None),
            Some("9418594164541111")
        );
        assert_eq!(token_for("acme-uat", "4111111111111111", None), None);
        assert_eq!(
            account_of("fts-uat", "9124468384113123"),
            Some(("123123123123", Some("124001545")))
        );
        assert_eq!(token_for("fts-uat", "123123123123", None), None);
        assert_eq!(account_of("fts-uat", "9418594164541112"), None);
    }
}
