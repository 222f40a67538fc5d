//! Redaction of response-body excerpts carried in errors.
//!
//! An excerpt helps diagnose "the gateway sent something we could not read", but a gateway
//! body can hold card data. The rules, applied before anything is stored in an [`Error`]:
//!
//! - the string value of a sensitive JSON key (`account`, `token`, `cvv`, `cvv2`, `track`,
//!   `devicedata`, `password`, `expiry`, `name`…) becomes `***`;
//! - any run of 5 or more digits keeps only its last 4 (`************1111`), which hides PANs,
//!   tokens beyond their last four, and routing/account numbers;
//! - any run of 24 or more hex or base64 characters (encrypted track or device data) becomes
//!   `[…]`;
//! - control characters become spaces, and the excerpt stops after [`EXCERPT_CHARS`] characters.
//!
//! [`Error`]: crate::Error

/// The longest excerpt kept, in characters (after redaction).
pub const EXCERPT_CHARS: usize = 120;

/// JSON keys whose string values are always hidden.
const SENSITIVE_KEYS: &[&str] = &[
    "account",
    "token",
    "cvv",
    "cvv2",
    "track",
    "devicedata",
    "password",
    "expiry",
    "name",
    "pin",
    "signature",
];

/// A short, redacted, printable excerpt of a response body.
pub fn excerpt(body: &[u8]) -> String {
    // Look at a bounded prefix only: a long body needs no full scan to make a short excerpt.
    let window = body
        .get(..body.len().min(EXCERPT_CHARS * 4))
        .unwrap_or(body);
    let text = String::from_utf8_lossy(window);
    let masked = mask_sensitive_values(&text);
    let masked = mask_long_runs(&masked);
    let mut out: String = masked
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(EXCERPT_CHARS)
        .collect();
    if masked.chars().count() > EXCERPT_CHARS || window.len() < body.len() {
        out.push('…');
    }
    out
}

/// Replaces the string value of each sensitive key with `***`.
fn mask_sensitive_values(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(quote) = rest.find('"') {
        let (before, after_quote) = rest.split_at(quote);
        out.push_str(before);
        let key_and_more = &after_quote[1..];
        let Some(key_end) = key_and_more.find('"') else {
            out.push_str(after_quote);
            return out;
        };
        let key = &key_and_more[..key_end];
        let after_key = &key_and_more[key_end + 1..];
        out.push('"');
        out.push_str(key);
        out.push('"');
        rest = after_key;
        if !SENSITIVE_KEYS.iter().any(|k| k.eq_ignore_ascii_case(key)) {
            continue;
        }
        let trimmed = after_key.trim_start();
        let Some(after_colon) = trimmed.strip_prefix(':') else {
            continue;
        };
        let value = after_colon.trim_start();
        if let Some(string_body) = value.strip_prefix('"') {
            let end = string_body.find('"').unwrap_or(string_body.len());
            out.push_str(":\"***\"");
            rest = string_body.get(end + 1..).unwrap_or("");
        } else {
            // A number (or anything unquoted): hide up to the next delimiter.
            let end = value
                .find([',', '}', ']', ' ', '\n'])
                .unwrap_or(value.len());
            out.push_str(":***");
            rest = &value[end..];
        }
    }
    out.push_str(rest);
    out
}

/// Keeps the last four of long digit runs and hides long hex/base64 blobs.
fn mask_long_runs(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        let digits_only = run.bytes().all(|b| b.is_ascii_digit());
        let has_digit = run.bytes().any(|b| b.is_ascii_digit());
        let len = run.len();
        if digits_only && len >= 5 {
            out.extend(std::iter::repeat_n('*', len - 4));
            out.push_str(&run[len - 4..]);
        } else if len >= 24 && has_digit {
            out.push_str("[…]");
        } else if has_digit && len >= 5 {
            // Mixed letters and digits (e.g. `4111x1111y1111z1111`): mask every digit but the
            // last four.
            let total = run.bytes().filter(u8::is_ascii_digit).count();
            let mut seen = 0;
            for c in run.chars() {
                if c.is_ascii_digit() {
                    seen += 1;
                    out.push(if total - seen >= 4 { '*' } else { c });
                } else {
                    out.push(c);
                }
            }
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || c == '+' || c == '/' || c == '=' {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pans_keep_only_their_last_four() {
        assert_eq!(
            excerpt(b"card 4111111111111111 here"),
            "card ************1111 here"
        );
    }

    #[test]
    fn sensitive_json_values_are_hidden() {
        let text = excerpt(br#"{"token":"9418594164541111","cvv2":"123","respstat":"A"}"#);
        assert!(!text.contains("123\""), "{text}");
        assert!(!text.contains("94185"), "{text}");
        assert!(text.contains(r#""respstat":"A""#), "{text}");
    }

    #[test]
    fn numeric_sensitive_values_are_hidden() {
        let text = excerpt(br#"{"cvv": 1234, "ok":1}"#);
        assert!(!text.contains("1234"), "{text}");
        assert!(text.contains(r#""ok":1"#), "{text}");
    }

    #[test]
    fn hex_blobs_are_hidden() {
        let text = excerpt(b"02A001801F372300839B10C1A6E1CDCDCD94030006C00106632303");
        assert_eq!(text, "[…]");
    }

    #[test]
    fn plain_text_is_kept_and_long_bodies_are_cut() {
        assert_eq!(excerpt(b"Unauthorized"), "Unauthorized");
        let long = "x ".repeat(500);
        let text = excerpt(long.as_bytes());
        assert!(text.ends_with('…'));
        assert!(text.chars().count() <= EXCERPT_CHARS + 1);
    }

    #[test]
    fn timestamps_and_status_codes_survive() {
        let text = excerpt(br#"{"status":404,"error":"Not Found"}"#);
        assert_eq!(text, r#"{"status":404,"error":"Not Found"}"#);
    }

    #[test]
    fn unterminated_and_odd_input_never_panics() {
        for input in [
            &b"\""[..],
            b"\"token",
            b"\"token\":",
            b"\"token\":\"41111111",
            b"\xff\xfe\"cvv\":",
        ] {
            let _ = excerpt(input);
        }
    }
}
