//! [`ReportDate`]: the `date` parameter of `settlestat` (`MMDD`) and `funding` (`MMDD` or
//! `YYYYMMDD`).

use std::fmt;
use std::str::FromStr;

use crate::ValueError;

/// A report date: `MMDD` (the current year, as the gateway reads it) or `YYYYMMDD`. Month and
/// day are range-checked; written back exactly in the form it was given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReportDate {
    year: Option<u16>,
    month: u8,
    day: u8,
}

impl ReportDate {
    /// A month and day of the current year (`MMDD`).
    ///
    /// # Errors
    /// [`ValueError::Range`] for a month outside 1–12 or a day outside 1–31.
    pub fn month_day(month: u8, day: u8) -> Result<Self, ValueError> {
        check(month, day)?;
        Ok(Self {
            year: None,
            month,
            day,
        })
    }

    /// A full date (`YYYYMMDD`).
    ///
    /// # Errors
    /// [`ValueError::Range`] for a year outside 1970–9999, a month outside 1–12 or a day outside
    /// 1–31.
    pub fn full(year: u16, month: u8, day: u8) -> Result<Self, ValueError> {
        if !(1970..=9999).contains(&year) {
            return Err(ValueError::Range {
                kind: "report year",
                value: i128::from(year),
                min: 1970,
                max: 9999,
            });
        }
        check(month, day)?;
        Ok(Self {
            year: Some(year),
            month,
            day,
        })
    }

    /// The year, when given.
    #[must_use]
    pub const fn year(self) -> Option<u16> {
        self.year
    }

    /// The month.
    #[must_use]
    pub const fn month(self) -> u8 {
        self.month
    }

    /// The day.
    #[must_use]
    pub const fn day(self) -> u8 {
        self.day
    }
}

fn check(month: u8, day: u8) -> Result<(), ValueError> {
    if !(1..=12).contains(&month) {
        return Err(ValueError::Range {
            kind: "report month",
            value: i128::from(month),
            min: 1,
            max: 12,
        });
    }
    if !(1..=31).contains(&day) {
        return Err(ValueError::Range {
            kind: "report day",
            value: i128::from(day),
            min: 1,
            max: 31,
        });
    }
    Ok(())
}

impl FromStr for ReportDate {
    type Err = ValueError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        crate::ids::check_chars("report date", s, "digits", |c| c.is_ascii_digit())?;
        let n = |r: std::ops::Range<usize>| {
            s.get(r).map_or(0, |t| {
                t.bytes().fold(0_u16, |a, b| {
                    a.saturating_mul(10).saturating_add(u16::from(b - b'0'))
                })
            })
        };
        let small = |v: u16| u8::try_from(v).unwrap_or(u8::MAX);
        match s.len() {
            4 => Self::month_day(small(n(0..2)), small(n(2..4))),
            8 => Self::full(n(0..4), small(n(4..6)), small(n(6..8))),
            0 => Err(ValueError::Empty {
                kind: "report date",
            }),
            _ => Err(ValueError::Format {
                kind: "report date",
                expected: "MMDD or YYYYMMDD",
            }),
        }
    }
}

impl fmt::Display for ReportDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(y) = self.year {
            write!(f, "{y:04}")?;
        }
        write!(f, "{:02}{:02}", self.month, self.day)
    }
}

crate::wire::text_serde!(ReportDate);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_forms_round_trip() {
        for s in ["1209", "20141209"] {
            assert_eq!(s.parse::<ReportDate>().unwrap().to_string(), s);
        }
        assert!("1309".parse::<ReportDate>().is_err());
        assert!("1200".parse::<ReportDate>().is_err());
        assert!("120".parse::<ReportDate>().is_err());
        assert!("12-9".parse::<ReportDate>().is_err());
    }
}
