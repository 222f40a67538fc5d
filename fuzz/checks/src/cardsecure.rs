//! Invariants of the card-input validators (`cardpointe-cardsecure`) and of the transport's
//! body-excerpt redaction (`cardpointe-transport`): no panics, and masked output never shows
//! more digits than PCI DSS allows.

use cardpointe_cardsecure::{ApplePayPayload, BankAccount, GooglePayToken, ManualCard};
use cardpointe_emv::{PanMask, mask_pan};
use cardpointe_types::{Expiry, Token, luhn_valid};

fn digit_count(s: &str) -> usize {
    s.bytes().filter(u8::is_ascii_digit).count()
}

fn longest_digit_run(s: &str) -> usize {
    let (mut best, mut run) = (0, 0);
    for b in s.bytes() {
        run = if b.is_ascii_digit() { run + 1 } else { 0 };
        best = best.max(run);
    }
    best
}

/// Every card-input parser on arbitrary text: accepted values satisfy their own rules, and
/// every masked or debug form shows at most the first six and last four digits.
pub fn card_input(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(card) = ManualCard::new(&text, "12/99", None) {
        let card = card.number();
        let digits = card.expose();
        assert!(luhn_valid(digits), "accepted a PAN failing Luhn");
        assert!(card.brand().is_some_and(|b| b.issues_length(digits.len())));
        assert!(
            digit_count(&format!("{card:?}")) <= 10,
            "Debug shows more than 6 + 4"
        );
        assert!(digit_count(&card.to_string()) <= 10);
    }
    for mask in [
        PanMask::FIRST_SIX_LAST_FOUR,
        PanMask::FIRST_SIX_LAST_FOUR.grouped(),
    ] {
        assert!(digit_count(&mask_pan(&text, mask)) <= 10);
    }
    for mask in [PanMask::LAST_FOUR, PanMask::LAST_FOUR.grouped()] {
        assert!(digit_count(&mask_pan(&text, mask)) <= 4);
    }
    assert!(digit_count(&mask_pan(&text, PanMask::GATEWAY)) <= 6);
    if let Ok(expiry) = Expiry::parse_typed(&text) {
        assert!((1..=12).contains(&expiry.month()));
        let mmyy = expiry.to_string();
        assert_eq!(mmyy.len(), 4);
        assert_eq!(Expiry::parse_typed(&mmyy), Ok(expiry));
    }
    if let Ok(token) = Token::new(text.as_ref()) {
        assert_eq!(token.last_four().len(), 4);
        assert!(
            digit_count(&format!("{token:?}")) <= 4,
            "token Debug beyond last four"
        );
    }
    let (routing, account) = text.split_once('/').unwrap_or((&text, ""));
    if let Ok(bank) = BankAccount::new(routing, account) {
        assert!(digit_count(&format!("{bank:?}")) <= 6);
    }
    let _ = ApplePayPayload::from_payment_data_json(&text);
    let _ = GooglePayToken::new(&text);
}

/// The transport's redacted body excerpt: bounded, and never five digits in a row (a PAN or
/// token keeps only its last four).
pub fn body_excerpt(data: &[u8]) {
    let excerpt = cardpointe_transport::redact::excerpt(data);
    assert!(excerpt.chars().count() <= cardpointe_transport::redact::EXCERPT_CHARS + 1);
    assert!(
        longest_digit_run(&excerpt) <= 4,
        "digits survived redaction: {excerpt:?}"
    );
    assert!(!excerpt.chars().any(char::is_control));
}
