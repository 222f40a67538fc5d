//! Card expiry dates and the current month, without a calendar dependency.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::ValidationError;

/// A card's expiry month. A card is valid through the last day of that month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Expiry {
    // Field order makes the derived ordering chronological.
    year: u16,
    month: u8,
}

impl Expiry {
    /// From a month (1–12) and a four-digit year.
    ///
    /// # Errors
    /// [`ValidationError::ExpiryMonth`] for a month outside 1–12.
    pub fn new(month: u8, year: u16) -> Result<Self, ValidationError> {
        if !(1..=12).contains(&month) {
            return Err(ValidationError::ExpiryMonth { month });
        }
        Ok(Self { year, month })
    }

    /// Parses what a person types: `MMYY`, `MM/YY`, `M/YY`, `MM/YYYY`, `MM-YY` or `MMYYYY`.
    /// Two-digit years are 20YY.
    ///
    /// # Errors
    /// [`ValidationError::ExpiryFormat`] or [`ValidationError::ExpiryMonth`].
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let format_error = || ValidationError::ExpiryFormat {
            found: input.chars().take(12).collect(),
        };
        let compact: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        let (month, year) = match compact.split_once(['/', '-']) {
            Some((month, year)) if (1..=2).contains(&month.len()) => (month, year),
            Some(_) => return Err(format_error()),
            // `split_at_checked`: four or six *bytes* need not be ASCII (`'\u{FFFD}` is four).
            None if compact.len() == 4 || compact.len() == 6 => {
                compact.split_at_checked(2).ok_or_else(format_error)?
            }
            None => return Err(format_error()),
        };
        let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(month) || !all_digits(year) {
            return Err(format_error());
        }
        let year = match year.len() {
            2 => Some(format!("20{year}")),
            4 => Some(year.to_owned()),
            _ => return Err(format_error()),
        };
        let month = Some(month);
        let month: u8 = month
            .and_then(|m| m.parse().ok())
            .ok_or_else(format_error)?;
        let year: u16 = year.and_then(|y| y.parse().ok()).ok_or_else(format_error)?;
        Self::new(month, year)
    }

    /// The month, 1–12.
    pub fn month(self) -> u8 {
        self.month
    }

    /// The four-digit year.
    pub fn year(self) -> u16 {
        self.year
    }

    /// The gateway's and CardSecure's `MMYY`.
    pub fn mmyy(self) -> String {
        format!("{:02}{:02}", self.month, self.year % 100)
    }

    /// Whether the card is still valid during `now` (the expiry month itself counts).
    pub fn is_valid_in(self, now: Self) -> bool {
        self >= now
    }

    /// The current month, from the system clock (UTC).
    pub fn current_month() -> Self {
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let (year, month) = civil_from_days(i64::try_from(secs / 86_400).unwrap_or(0));
        Self {
            year: u16::try_from(year).unwrap_or(u16::MAX),
            month,
        }
    }
}

impl fmt::Display for Expiry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}/{:02}", self.month, self.year % 100)
    }
}

/// Year and month of a day count since 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, u8::try_from(month).unwrap_or(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_ascii_input_of_four_or_six_bytes_is_a_format_error_not_a_panic() {
        // Found by the card_input fuzz target: `'` + U+FFFD is four bytes, split inside a char.
        for input in ["'\u{FFFD}", "1\u{e9}1", "\u{20ac}\u{20ac}", "12\u{20ac}4"] {
            assert!(
                matches!(
                    Expiry::parse(input),
                    Err(ValidationError::ExpiryFormat { .. })
                ),
                "{input:?}"
            );
        }
    }

    #[test]
    fn typed_expiry_formats_parse_to_the_same_month() {
        for input in ["1230", "12/30", "12/2030", "12-30", "122030", " 12 / 30 "] {
            assert_eq!(
                Expiry::parse(input).unwrap(),
                Expiry::new(12, 2030).unwrap(),
                "{input}"
            );
        }
        assert_eq!(Expiry::parse("0127").unwrap().mmyy(), "0127");
    }

    #[test]
    fn malformed_expiries_are_refused_precisely() {
        assert!(matches!(
            Expiry::parse("1330"),
            Err(ValidationError::ExpiryMonth { month: 13 })
        ));
        assert!(matches!(
            Expiry::parse("0030"),
            Err(ValidationError::ExpiryMonth { month: 0 })
        ));
        for bad in ["", "12", "12/3", "ab/cd", "12/300", "1/1/30"] {
            assert!(
                matches!(
                    Expiry::parse(bad),
                    Err(ValidationError::ExpiryFormat { .. })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_expiry_month_itself_is_still_valid() {
        let now = Expiry::new(6, 2026).unwrap();
        assert!(Expiry::new(6, 2026).unwrap().is_valid_in(now));
        assert!(Expiry::new(1, 2027).unwrap().is_valid_in(now));
        assert!(!Expiry::new(5, 2026).unwrap().is_valid_in(now));
        assert!(!Expiry::new(12, 2025).unwrap().is_valid_in(now));
    }

    #[test]
    fn civil_dates_match_known_days() {
        assert_eq!(civil_from_days(0), (1970, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2)); // 2000-02-29
        assert_eq!(civil_from_days(20_597), (2026, 5)); // 2026-05-24
        assert_eq!(civil_from_days(20_454), (2026, 1)); // 2026-01-01
        assert!(Expiry::current_month().year() >= 2025);
    }
}
