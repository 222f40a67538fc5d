//! Money: [`Amount`], integer minor units with both wire notations of the gateway.

use std::fmt;
use std::str::FromStr;

use crate::ValueError;

/// An amount of money in integer minor units (cents), signed.
///
/// The gateway reads two notations (spec §1.7): text **with** a decimal point is major units
/// (`"10.00"` = $10.00) and text **without** one is minor units (`"1000"` = $10.00). This type
/// parses both (and JSON numbers: integers are minor units, as the PHP client's `500` → `"5.00"`
/// shows), and always writes the explicit decimal form (`"10.00"`, `"-5.00"`), so the two can
/// never be confused on the way out.
///
/// The sign matters on `auth`: positive authorizes, zero verifies the account, negative is a
/// forced credit.
///
/// ```
/// use cardpointe_types::Amount;
///
/// let a: Amount = "998".parse()?;          // minor units
/// let b: Amount = "9.98".parse()?;         // major units
/// assert_eq!(a, b);
/// assert_eq!(a.minor_units(), 998);
/// assert_eq!(a.to_string(), "9.98");
/// assert_eq!(Amount::from_minor(-500)?.to_string(), "-5.00");
/// # Ok::<(), cardpointe_types::ValueError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Amount(i64);

impl Amount {
    /// Zero (an account verification on `auth`; what declines report).
    pub const ZERO: Self = Self(0);

    /// The largest magnitude accepted, in minor units: 14 digits, the widest field the
    /// gateway documents for an amount.
    pub const MAX_MINOR: i64 = 99_999_999_999_999;

    /// Builds an amount from minor units (cents).
    ///
    /// # Errors
    /// [`ValueError::Range`] when the magnitude exceeds [`Amount::MAX_MINOR`].
    pub const fn from_minor(minor: i64) -> Result<Self, ValueError> {
        if minor > Self::MAX_MINOR || minor < -Self::MAX_MINOR {
            return Err(ValueError::Range {
                kind: "amount in minor units",
                value: minor as i128,
                min: -(Self::MAX_MINOR as i128),
                max: Self::MAX_MINOR as i128,
            });
        }
        Ok(Self(minor))
    }

    /// The amount in minor units (cents).
    #[must_use]
    pub const fn minor_units(self) -> i64 {
        self.0
    }

    /// `true` for a zero amount.
    #[must_use]
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// `true` for a negative amount (a forced credit on `auth`).
    #[must_use]
    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// The sum, or `None` when it would leave the accepted range.
    #[must_use]
    pub fn checked_add(self, other: Self) -> Option<Self> {
        self.0
            .checked_add(other.0)
            .and_then(|v| Self::from_minor(v).ok())
    }

    /// The difference, or `None` when it would leave the accepted range.
    #[must_use]
    pub fn checked_sub(self, other: Self) -> Option<Self> {
        self.0
            .checked_sub(other.0)
            .and_then(|v| Self::from_minor(v).ok())
    }

    /// The minor-unit wire notation (`"998"`, `"-500"`): what old clients send. Prefer the
    /// canonical [`Display`](fmt::Display) form when writing requests.
    #[must_use]
    pub fn to_minor_notation(self) -> String {
        self.0.to_string()
    }

    /// Parses either wire notation (see the type docs). Leading/trailing blanks are ignored; one
    /// leading `-` is allowed; a decimal point needs at least one digit before it and one or two
    /// after (the gateway's handling of `"10.5"` is undocumented — spec uncertain item 14 — and
    /// this crate reads it as $10.50; extra zero digits such as `"5.000"` are accepted).
    ///
    /// # Errors
    /// [`ValueError`] naming the problem: empty, a stray character (with its position), too many
    /// decimals, or out of range.
    pub fn parse_wire(text: &str) -> Result<Self, ValueError> {
        const KIND: &str = "amount";
        let t = text.trim();
        if t.is_empty() {
            return Err(ValueError::Empty { kind: KIND });
        }
        let (negative, body) = match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t),
        };
        let offset = usize::from(negative);
        let (int_part, frac_part) = match body.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (body, None),
        };
        if int_part.is_empty() {
            return Err(ValueError::Format {
                kind: KIND,
                expected: "digits, optionally with a decimal point and 1-2 decimals, e.g. 10.00 or 1000",
            });
        }
        check_digits(int_part, offset)?;
        let int_value = digits_value(int_part)?;
        let minor = match frac_part {
            None => int_value,
            Some(f) => {
                if f.is_empty() {
                    return Err(ValueError::Format {
                        kind: KIND,
                        expected: "one or two digits after the decimal point, e.g. 10.00",
                    });
                }
                check_digits(f, offset + int_part.len() + 1)?;
                let (cents, extra) = f.split_at(f.len().min(2));
                if extra.bytes().any(|b| b != b'0') {
                    return Err(ValueError::AmountPrecision { digits: f.len() });
                }
                let cents_value = digits_value(cents)? * if cents.len() == 1 { 10 } else { 1 };
                int_value
                    .checked_mul(100)
                    .and_then(|v| v.checked_add(cents_value))
                    .ok_or(overflow())?
            }
        };
        Self::from_minor(if negative { -minor } else { minor })
    }
}

const fn overflow() -> ValueError {
    ValueError::Range {
        kind: "amount in minor units",
        value: i128::MAX,
        min: -(Amount::MAX_MINOR as i128),
        max: Amount::MAX_MINOR as i128,
    }
}

fn check_digits(s: &str, offset: usize) -> Result<(), ValueError> {
    match s.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, c)) => Err(ValueError::Character {
            kind: "amount",
            position: offset + i,
            found: c,
            allowed: "digits, one leading '-' and one '.'",
        }),
        None => Ok(()),
    }
}

fn digits_value(s: &str) -> Result<i64, ValueError> {
    s.bytes().try_fold(0_i64, |acc, b| {
        acc.checked_mul(10)
            .and_then(|v| v.checked_add(i64::from(b - b'0')))
            .filter(|v| *v <= Amount::MAX_MINOR)
            .ok_or(overflow())
    })
}

impl fmt::Display for Amount {
    /// The canonical wire form: explicit decimal point, two decimals, `-` for negatives.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl FromStr for Amount {
    type Err = ValueError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse_wire(s)
    }
}

crate::wire::text_serde!(Amount);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_text_is_major_units() {
        assert_eq!(
            Amount::parse_wire("10.00").map(Amount::minor_units),
            Ok(1000)
        );
        assert_eq!(
            Amount::parse_wire("106.00").map(Amount::minor_units),
            Ok(10600)
        );
        assert_eq!(Amount::parse_wire("0.99").map(Amount::minor_units), Ok(99));
    }

    #[test]
    fn text_without_point_is_minor_units() {
        assert_eq!(Amount::parse_wire("998").map(Amount::minor_units), Ok(998));
        assert_eq!(
            Amount::parse_wire("111695").map(Amount::minor_units),
            Ok(111_695)
        );
        assert_eq!(Amount::parse_wire("0").map(Amount::minor_units), Ok(0));
    }

    #[test]
    fn negatives_parse_in_both_notations() {
        assert_eq!(
            Amount::parse_wire("-5.00").map(Amount::minor_units),
            Ok(-500)
        );
        assert_eq!(
            Amount::parse_wire("-500").map(Amount::minor_units),
            Ok(-500)
        );
        assert_eq!(Amount::parse_wire("-0.00"), Ok(Amount::ZERO));
    }

    #[test]
    fn one_decimal_means_tens_of_cents() {
        assert_eq!(
            Amount::parse_wire("10.5").map(Amount::minor_units),
            Ok(1050)
        );
    }

    #[test]
    fn three_significant_decimals_are_refused_with_the_count() {
        assert_eq!(
            Amount::parse_wire("1.005"),
            Err(ValueError::AmountPrecision { digits: 3 })
        );
        assert_eq!(
            Amount::parse_wire("1.000").map(Amount::minor_units),
            Ok(100)
        );
    }

    #[test]
    fn stray_characters_are_reported_with_their_position() {
        assert_eq!(
            Amount::parse_wire("12a.00"),
            Err(ValueError::Character {
                kind: "amount",
                position: 2,
                found: 'a',
                allowed: "digits, one leading '-' and one '.'"
            })
        );
        assert!(Amount::parse_wire("").is_err());
        assert!(Amount::parse_wire("-").is_err());
        assert!(Amount::parse_wire(".5").is_err());
        assert!(Amount::parse_wire("5.").is_err());
        assert!(Amount::parse_wire("1e20").is_err());
        assert!(Amount::parse_wire("--5").is_err());
    }

    #[test]
    fn huge_amounts_are_out_of_range_not_wrapped() {
        assert!(Amount::parse_wire("99999999999999999999999").is_err());
        assert!(Amount::parse_wire("1000000000000.00").is_err());
        assert!(Amount::from_minor(i64::MIN).is_err());
    }

    #[test]
    fn display_always_has_two_decimals() {
        assert_eq!(Amount::ZERO.to_string(), "0.00");
        assert_eq!(Amount(5).to_string(), "0.05");
        assert_eq!(Amount(-5).to_string(), "-0.05");
        assert_eq!(Amount(123_456).to_string(), "1234.56");
    }

    #[test]
    fn json_numbers_are_read_like_text() {
        let int: Amount = serde_json::from_str("500").unwrap();
        assert_eq!(int.minor_units(), 500);
        let float: Amount = serde_json::from_str("5.0").unwrap();
        assert_eq!(float.minor_units(), 500);
        let s: Amount = serde_json::from_str("\"9.98\"").unwrap();
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"9.98\"");
    }
}
