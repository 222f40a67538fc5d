//! What must never show in logs, error messages or a program's output, and a search for it.
//! Shared by the facade's `tests/leak.rs` and the CLI's `tests/leak.rs` (included by path).
#![allow(dead_code)]

use std::collections::BTreeSet;

/// The sim's card table as source text: every Luhn-valid 13–19 digit number in it is a UAT
/// test card (the fixed-response, timeout and partial-approval cards of spec 4.3).
const SIM_CARD_TABLE: &str = include_str!("../../../cardpointe-sim/src/rules.rs");

/// The secrets a test run handles.
#[derive(Debug, Clone)]
pub(crate) struct Secrets {
    /// Card numbers (clear PANs).
    pub(crate) pans: Vec<String>,
    /// Card verification values used by the flows.
    pub(crate) cvvs: Vec<String>,
    /// Passwords and `Authorization` header values.
    pub(crate) credentials: Vec<String>,
}

fn luhn_valid(digits: &str) -> bool {
    let mut sum = 0;
    for (i, c) in digits.bytes().rev().enumerate() {
        let mut d = u32::from(c - b'0');
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum % 10 == 0
}

/// Every maximal run of ASCII digits in `text`.
fn digit_runs(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_ascii_digit())
        .filter(|run| !run.is_empty())
}

/// The char boundary at or before `at` (clamped to the text).
fn boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Standard base64 (with padding), for the `Authorization: Basic` values.
fn base64(input: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(input)
}

impl Secrets {
    /// The UAT cards of the sim's table and of its virtual reader, the CVVs the flows use, and
    /// the credentials `user` / each of `passwords` (plain and as a Basic header value).
    pub(crate) fn uat(user: &str, passwords: &[&str], cvvs: &[&str]) -> Self {
        let mut pans: BTreeSet<String> = digit_runs(SIM_CARD_TABLE)
            .filter(|run| (13..=19).contains(&run.len()) && luhn_valid(run))
            .map(str::to_owned)
            .collect();
        pans.extend(
            cardpointe_vp3300_sim::TestCard::uat_cards()
                .iter()
                .map(|card| card.pan().to_owned()),
        );
        pans.insert("4111111111111111".to_owned());
        let mut credentials = Vec::new();
        for password in passwords {
            credentials.push((*password).to_owned());
            credentials.push(base64(format!("{user}:{password}").as_bytes()));
        }
        Self {
            pans: pans.into_iter().collect(),
            cvvs: cvvs.iter().map(|c| (*c).to_owned()).collect(),
            credentials,
        }
    }

    /// Every place in `text` where a secret shows, with a little context (empty: clean).
    pub(crate) fn leaks(&self, text: &str) -> Vec<String> {
        let mut found = Vec::new();
        let mut report = |what: &str, at: usize| {
            let from = boundary(text, at.saturating_sub(60));
            let to = boundary(text, at + 60);
            found.push(format!("{what} at byte {at}: …{}…", &text[from..to]));
        };
        for pan in &self.pans {
            // The number as is, and keyed in groups of four.
            let grouped: String = pan
                .as_bytes()
                .chunks(4)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect::<Vec<_>>()
                .join(" ");
            for form in [pan.as_str(), grouped.as_str()] {
                for (at, _) in text.match_indices(form) {
                    report("card number", at);
                }
            }
        }
        for secret in &self.credentials {
            for (at, _) in text.match_indices(secret.as_str()) {
                report("credential", at);
            }
        }
        // A CVV in context: a CVV value within a few characters after "cvv" / "cvc".
        let lower = text.to_ascii_lowercase();
        for key in ["cvv", "cvc"] {
            for (at, _) in lower.match_indices(key) {
                let window = &lower[at + 3..boundary(&lower, at + 3 + 16)];
                if digit_runs(window).any(|run| self.cvvs.iter().any(|c| c == run)) {
                    report("CVV", at);
                }
            }
        }
        // Track data: ";PAN=" (track 2) and "%BPAN^" (track 1) with a clear PAN.
        let bytes = text.as_bytes();
        for (i, window) in bytes.windows(2).enumerate() {
            let (start, stop) = match window {
                [b';', d] if d.is_ascii_digit() => (i + 1, b'='),
                [b'%', b'B'] => (i + 2, b'^'),
                _ => continue,
            };
            let digits = bytes[start..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            if (12..=19).contains(&digits) && bytes.get(start + digits) == Some(&stop) {
                report("track data", i);
            }
        }
        found
    }

    /// A text with one of each kind of secret in it, for the positive control.
    pub(crate) fn planted(&self) -> String {
        let pan = self.pans.first().cloned().unwrap_or_default();
        let cvv = self.cvvs.first().cloned().unwrap_or_default();
        let credential = self.credentials.last().cloned().unwrap_or_default();
        format!(
            "request {{\"account\":\"{pan}\",\"cvv2\":\"{cvv}\"}}\n\
             track2 ;{pan}=30121010000000000000?\n\
             track1 %B{pan}^CARDHOLDER/TEST^3012101?\n\
             header Authorization: Basic {credential}\n"
        )
    }
}

#[test]
fn the_leak_search_finds_each_kind_of_secret_it_is_shown() {
    let secrets = Secrets::uat("testing", &["testing123"], &["123"]);
    assert!(
        secrets.pans.len() >= 20,
        "the sim's card table: {:?}",
        secrets.pans
    );
    assert!(secrets.pans.iter().any(|p| p == "4387751111111038"));
    assert_eq!(base64(b"testing:testing123"), "dGVzdGluZzp0ZXN0aW5nMTIz");
    assert_eq!(base64(b"ab"), "YWI=");
    let planted = secrets.planted();
    let leaks = secrets.leaks(&planted);
    for kind in ["card number", "CVV", "track data", "credential"] {
        assert!(
            leaks.iter().any(|l| l.starts_with(kind)),
            "the search missed the {kind} in {planted}: {leaks:?}"
        );
    }
    // Masked forms are not leaks.
    let masked = "411111******1111 ;411111******1111=3012? cvv2 present, cvvresp M";
    assert!(
        secrets.leaks(masked).is_empty(),
        "{:?}",
        secrets.leaks(masked)
    );
}
