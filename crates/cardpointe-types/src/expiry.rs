//! Card expiry dates: [`Expiry`].

use std::fmt;
use std::str::FromStr;

use crate::ValueError;

/// A card expiry month, read from every form the gateway accepts (`MMYY`, `YYYYM`, `YYYYMM`,
/// `YYYYMMDD`) and written as `MMYY`, the form of its responses. A day, if given, is checked and
/// dropped (cards expire at the end of a month). Years are 2000–2099 (`MMYY` cannot say more).
///
/// ```
/// use cardpointe_types::Expiry;
///
/// let e: Expiry = "202512".parse()?;
/// assert_eq!((e.year(), e.month()), (2025, 12));
/// assert_eq!(e.to_string(), "1225");
/// assert_eq!("1225".parse::<Expiry>()?, e);
/// # Ok::<(), cardpointe_types::ValueError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Expiry {
    year: u16,
    month: u8,
}

impl Expiry {
    /// The latest expiry this type holds: December 2099.
    pub const LATEST: Self = Self {
        year: 2099,
        month: 12,
    };

    /// Builds an expiry from a four-digit year (2000–2099) and a month (1–12).
    ///
    /// # Errors
    /// [`ValueError::Range`] for a month or year out of range.
    pub const fn new(year: u16, month: u8) -> Result<Self, ValueError> {
        if month < 1 || month > 12 {
            return Err(ValueError::Range {
                kind: "expiry month",
                value: month as i128,
                min: 1,
                max: 12,
            });
        }
        if year < 2000 || year > 2099 {
            return Err(ValueError::Range {
                kind: "expiry year",
                value: year as i128,
                min: 2000,
                max: 2099,
            });
        }
        Ok(Self { year, month })
    }

    /// The four-digit year.
    #[must_use]
    pub const fn year(self) -> u16 {
        self.year
    }

    /// The month, 1–12.
    #[must_use]
    pub const fn month(self) -> u8 {
        self.month
    }

    /// Reads an expiry as a person types it: `MMYY`, `MM/YY`, `M/YY`, `MM/YYYY`, `MM-YY`,
    /// `MMYYYY`, blanks anywhere; and every form [`FromStr`] reads (`YYYYMM`, `YYYYMMDD`, …).
    /// Two-digit years are 20YY.
    ///
    /// ```
    /// use cardpointe_types::Expiry;
    /// let want = Expiry::new(2030, 12)?;
    /// for typed in ["1230", "12/30", "12/2030", "12-30", "122030", " 12 / 30 ", "203012"] {
    ///     assert_eq!(Expiry::parse_typed(typed)?, want);
    /// }
    /// # Ok::<(), cardpointe_types::ValueError>(())
    /// ```
    ///
    /// # Errors
    /// [`ValueError::Range`] (kind `"expiry month"`) for a month outside 1–12, otherwise
    /// [`ValueError::Format`] or [`ValueError::Empty`].
    pub fn parse_typed(input: &str) -> Result<Self, ValueError> {
        const KIND: &str = "expiry";
        let format = || ValueError::Format {
            kind: KIND,
            expected: "MMYY, MM/YY or MM/YYYY",
        };
        let compact: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        if compact.is_empty() {
            return Err(ValueError::Empty { kind: KIND });
        }
        let (month, year) = match compact.split_once(['/', '-']) {
            Some((month, year)) if (1..=2).contains(&month.len()) => (month, year),
            Some(_) => return Err(format()),
            // `YYYYMM` and `YYYYMMDD` (no month is 20): the gateway's own forms.
            None if compact.starts_with("20") && matches!(compact.len(), 5 | 6 | 8) => {
                return compact.parse();
            }
            // `split_at_checked`: four or six bytes need not be ASCII (`'\u{FFFD}` is four).
            None if compact.len() == 4 || compact.len() == 6 => {
                compact.split_at_checked(2).ok_or_else(format)?
            }
            None => return Err(format()),
        };
        let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(month) || !all_digits(year) {
            return Err(format());
        }
        let year = match year.len() {
            2 => 2000 + num(year),
            4 => num(year),
            _ => return Err(format()),
        };
        Self::new(year, u8::try_from(num(month)).unwrap_or(u8::MAX))
    }

    /// `true` when the card is expired at the end of the given month (`year`, `month`): the
    /// gateway itself does not decline expired dates, an app may want to.
    #[must_use]
    pub const fn is_expired_at(self, year: u16, month: u8) -> bool {
        self.year < year || (self.year == year && self.month < month)
    }
}

fn num(s: &str) -> u16 {
    s.bytes().fold(0_u16, |acc, b| {
        acc.saturating_mul(10).saturating_add(u16::from(b - b'0'))
    })
}

impl FromStr for Expiry {
    type Err = ValueError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        const KIND: &str = "expiry";
        let s = s.trim();
        if s.is_empty() {
            return Err(ValueError::Empty { kind: KIND });
        }
        crate::ids::check_chars(KIND, s, "digits", |c| c.is_ascii_digit())?;
        let part = |r: std::ops::Range<usize>| s.get(r).map(num).unwrap_or(0);
        let (year, month) = match s.len() {
            4 => (2000 + part(2..4), part(0..2)),
            5 => (part(0..4), part(4..5)),
            6 => (part(0..4), part(4..6)),
            8 => {
                let day = part(6..8);
                if !(1..=31).contains(&day) {
                    return Err(ValueError::Range {
                        kind: "expiry day",
                        value: i128::from(day),
                        min: 1,
                        max: 31,
                    });
                }
                (part(0..4), part(4..6))
            }
            _ => {
                return Err(ValueError::Format {
                    kind: KIND,
                    expected: "MMYY, YYYYM, YYYYMM or YYYYMMDD",
                });
            }
        };
        let month = u8::try_from(month).unwrap_or(u8::MAX);
        Self::new(year, month)
    }
}

impl fmt::Display for Expiry {
    /// `MMYY`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}{:02}", self.month, self.year % 100)
    }
}

crate::wire::text_serde!(Expiry);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_request_form_parses_to_the_same_month() {
        let want = Expiry::new(2025, 9).unwrap();
        for s in ["0925", "20259", "202509", "20250930"] {
            assert_eq!(s.parse::<Expiry>(), Ok(want), "{s}");
        }
        assert_eq!(want.to_string(), "0925");
    }

    #[test]
    fn month_thirteen_is_out_of_range() {
        assert!(matches!(
            "1325".parse::<Expiry>(),
            Err(ValueError::Range {
                kind: "expiry month",
                ..
            })
        ));
        assert!("0025".parse::<Expiry>().is_err());
        assert!("12/25".parse::<Expiry>().is_err());
        assert!("123".parse::<Expiry>().is_err());
        assert!("20251200".parse::<Expiry>().is_err());
    }

    #[test]
    fn typed_forms_parse_and_mistakes_are_refused() {
        let want = Expiry::new(2030, 12).unwrap();
        for typed in [
            "1230",
            "12/30",
            "12/2030",
            "12-30",
            "122030",
            " 12 / 30 ",
            "203012",
            "20301231",
        ] {
            assert_eq!(Expiry::parse_typed(typed), Ok(want), "{typed}");
        }
        assert_eq!(
            Expiry::parse_typed("1/31"),
            Ok(Expiry::new(2031, 1).unwrap())
        );
        assert!(matches!(
            Expiry::parse_typed("1330"),
            Err(ValueError::Range {
                kind: "expiry month",
                value: 13,
                ..
            })
        ));
        assert!(matches!(
            Expiry::parse_typed("0030"),
            Err(ValueError::Range {
                kind: "expiry month",
                value: 0,
                ..
            })
        ));
        for bad in [
            "12",
            "12/3",
            "ab/cd",
            "12/300",
            "1/1/30",
            "'\u{FFFD}",
            "\u{20ac}\u{20ac}",
        ] {
            assert!(
                matches!(Expiry::parse_typed(bad), Err(ValueError::Format { .. })),
                "{bad:?}"
            );
        }
        assert!(matches!(
            Expiry::parse_typed(" "),
            Err(ValueError::Empty { .. })
        ));
    }

    #[test]
    fn expiry_compares_by_month() {
        let e = Expiry::new(2025, 9).unwrap();
        assert!(!e.is_expired_at(2025, 9));
        assert!(e.is_expired_at(2025, 10));
    }
}
