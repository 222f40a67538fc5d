//! Invariants of the card-input validators (`cardpointe-cardsecure`) and of the transport's
//! body-excerpt redaction (`cardpointe-transport`): no panics, and masked output never shows
//! more digits than PCI DSS allows.

use cardpointe_cardsecure::{
    ApplePayPayload, BankAccount, CardNumber, Expiry, GooglePayToken, MaskFormat, Token,
    luhn_valid, mask_pan,
};

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
    if let Ok(card) = CardNumber::parse(&text) {
        let digits = card.expose();
        assert!(luhn_valid(digits), "accepted a PAN failing Luhn");
        assert!(card.brand().valid_lengths().contains(&digits.len()));
        assert!(
            digit_count(&format!("{card:?}")) <= 10,
            "Debug shows more than 6 + 4"
        );
        assert!(digit_count(&card.to_string()) <= 10);
    }
    for grouped in [false, true] {
        assert!(digit_count(&mask_pan(&text, MaskFormat::FirstSixLastFour, grouped)) <= 10);
        assert!(digit_count(&mask_pan(&text, MaskFormat::LastFour, grouped)) <= 4);
    }
    if let Ok(expiry) = Expiry::parse(&text) {
        assert!((1..=12).contains(&expiry.month()));
        let mmyy = expiry.mmyy();
        assert_eq!(mmyy.len(), 4);
        assert_eq!(Expiry::parse(&mmyy).map(|e| e.mmyy()), Ok(mmyy));
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
