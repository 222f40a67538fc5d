//! Hex input as support engineers paste it: with or without spaces, `0x` prefixes or `:`
//! separators, from the argument or from stdin (one item per line).

use std::io::BufRead;

use zeroize::Zeroizing;

/// One hex item that could not be read.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct HexError {
    /// What is wrong and how to fix it.
    pub(crate) message: String,
}

/// Decodes one item: whitespace, `:` and `-` separators and `0x` prefixes are ignored.
pub(crate) fn decode(text: &str) -> Result<Zeroizing<Vec<u8>>, HexError> {
    let mut digits = Zeroizing::new(Vec::with_capacity(text.len()));
    for (i, token) in text
        .split(|c: char| c.is_whitespace() || c == ':' || c == '-' || c == ',')
        .enumerate()
    {
        let token = token
            .strip_prefix("0x")
            .or_else(|| token.strip_prefix("0X"))
            .unwrap_or(token);
        for (j, c) in token.char_indices() {
            if !c.is_ascii_hexdigit() {
                return Err(HexError {
                    message: format!(
                        "{c:?} (in group {} at character {}) is not a hex digit; give bytes as hex \
                         like \"02 40 00\" or \"024000\"",
                        i + 1,
                        j + 1
                    ),
                });
            }
            digits.push(c as u8);
        }
    }
    if digits.is_empty() {
        return Err(HexError {
            message: "no hex digits were given".to_owned(),
        });
    }
    if digits.len() % 2 != 0 {
        return Err(HexError {
            message: format!(
                "{} hex digits is an odd count: every byte takes two digits (a digit was lost \
                 when copying?)",
                digits.len()
            ),
        });
    }
    let mut out = Zeroizing::new(Vec::with_capacity(digits.len() / 2));
    for pair in digits.chunks(2) {
        let nibble = |b: u8| char::from(b).to_digit(16).unwrap_or(0) as u8;
        let (hi, lo) = match pair {
            [hi, lo] => (*hi, *lo),
            _ => (0, 0),
        };
        out.push(nibble(hi) << 4 | nibble(lo));
    }
    Ok(out)
}

/// The items to work on: the argument, or every non-empty line of stdin when the argument is
/// absent or `-`.
pub(crate) fn items(arg: Option<&str>) -> std::io::Result<Vec<Zeroizing<String>>> {
    match arg {
        Some(text) if text != "-" => Ok(vec![Zeroizing::new(text.to_owned())]),
        _ => {
            let mut out = Vec::new();
            for line in std::io::stdin().lock().lines() {
                let line = Zeroizing::new(line?);
                if !line.trim().is_empty() {
                    out.push(Zeroizing::new(line.trim().to_owned()));
                }
            }
            Ok(out)
        }
    }
}

/// Upper-case hex, no spaces.
pub(crate) fn upper(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02X}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaces_prefixes_and_separators_are_ignored() {
        assert_eq!(&*decode("02 40 0x00").unwrap(), &[0x02, 0x40, 0x00]);
        assert_eq!(&*decode("0240:00").unwrap(), &[0x02, 0x40, 0x00]);
        assert_eq!(&*decode("de ad\tBE EF").unwrap(), &[0xDE, 0xAD, 0xBE, 0xEF]);
    }

    #[test]
    fn an_odd_digit_count_is_explained() {
        let e = decode("024").unwrap_err();
        assert!(e.message.contains("odd"), "{}", e.message);
    }

    #[test]
    fn a_non_hex_character_is_named() {
        let e = decode("02 4G").unwrap_err();
        assert!(e.message.contains("'G'"), "{}", e.message);
    }

    #[test]
    fn upper_case_hex_has_no_spaces() {
        assert_eq!(upper(&[0xAB, 0x01]), "AB01");
    }
}
