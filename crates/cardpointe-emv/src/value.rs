//! Value decoders: `n` (BCD) numbers and amounts, `cn` digits, dates and times, currency and
//! country codes, text.

use core::fmt;

/// A value that does not hold what its format promises.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValueError {
    /// A nibble that is not a decimal digit in a numeric (`n`/`cn`) value.
    #[error("byte {index} of a numeric value is {byte:02X}: each nibble must be a digit 0..9")]
    NotBcd {
        /// Index of the offending byte in the value.
        index: usize,
        /// The byte.
        byte: u8,
    },
    /// The value has the wrong number of bytes.
    #[error("value has {actual} byte(s), expected {expected}")]
    WrongLength {
        /// The length the element has.
        expected: usize,
        /// The length found.
        actual: usize,
    },
    /// A number too large for a `u64` (more than 19 or 20 digits).
    #[error("numeric value of {digits} digits does not fit 64 bits")]
    TooManyDigits {
        /// The number of digits.
        digits: usize,
    },
    /// A date or time whose fields are out of range.
    #[error("{what} field is {value}, which is out of range")]
    OutOfRange {
        /// Which field (`month`, `day`, `hour` ...).
        what: &'static str,
        /// Its value.
        value: u8,
    },
    /// A text value with a byte outside printable ASCII.
    #[error("byte {index} of a text value is {byte:02X}, not printable ASCII")]
    NotText {
        /// Index of the offending byte.
        index: usize,
        /// The byte.
        byte: u8,
    },
}

fn bcd_byte(index: usize, byte: u8) -> Result<u8, ValueError> {
    let (hi, lo) = (byte >> 4, byte & 0x0F);
    if hi > 9 || lo > 9 {
        return Err(ValueError::NotBcd { index, byte });
    }
    Ok(hi * 10 + lo)
}

/// Decodes an `n` (BCD, right-justified) value to an integer: `00 00 00 00 12 34` is 1234.
///
/// # Errors
/// [`ValueError::NotBcd`] on a non-digit nibble, [`ValueError::TooManyDigits`] when the
/// number exceeds `u64::MAX`.
pub fn numeric(value: &[u8]) -> Result<u64, ValueError> {
    let mut n: u64 = 0;
    for (index, &byte) in value.iter().enumerate() {
        let two = bcd_byte(index, byte)?;
        n = n
            .checked_mul(100)
            .and_then(|n| n.checked_add(u64::from(two)))
            .ok_or(ValueError::TooManyDigits {
                digits: value.len() * 2,
            })?;
    }
    Ok(n)
}

/// Decodes an amount such as `9F02`/`9F03` (`n 12`, 6 bytes) to integer minor units:
/// `00 00 00 00 12 34` is 1234 (12.34 in a currency with exponent 2, see `5F36`).
///
/// # Errors
/// [`ValueError::WrongLength`] unless the value has 6 bytes, and those of [`numeric`].
pub fn amount(value: &[u8]) -> Result<u64, ValueError> {
    if value.len() != 6 {
        return Err(ValueError::WrongLength {
            expected: 6,
            actual: value.len(),
        });
    }
    numeric(value)
}

/// The digits of a `cn` value (compressed numeric: left-justified BCD, `F` filler), as
/// ASCII digits in `out`; returns how many were written.
///
/// # Errors
/// [`ValueError::NotBcd`] on a nibble that is neither a digit nor trailing `F` filler, and
/// [`ValueError::TooManyDigits`] when `out` is too small.
pub fn compressed_digits(value: &[u8], out: &mut [u8]) -> Result<usize, ValueError> {
    let mut n = 0;
    let mut ended = false;
    for (index, &byte) in value.iter().enumerate() {
        for nibble in [byte >> 4, byte & 0x0F] {
            match nibble {
                0..=9 if !ended => {
                    let Some(slot) = out.get_mut(n) else {
                        return Err(ValueError::TooManyDigits {
                            digits: value.len() * 2,
                        });
                    };
                    *slot = b'0' + nibble;
                    n += 1;
                }
                0xF => ended = true,
                _ => return Err(ValueError::NotBcd { index, byte }),
            }
        }
    }
    Ok(n)
}

/// A calendar date from an `n 6` YYMMDD value (`9A`, `5F24`, `5F25`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

impl Date {
    /// Decodes YYMMDD. Years 00..49 are 2000..2049 and 50..99 are 1950..1999 (the usual
    /// EMV reading of two-digit years).
    ///
    /// # Errors
    /// [`ValueError::WrongLength`] unless 3 bytes, [`ValueError::NotBcd`], and
    /// [`ValueError::OutOfRange`] for a month or a day the month does not have.
    pub fn from_yymmdd(value: &[u8]) -> Result<Self, ValueError> {
        let [y, m, d] = *value else {
            return Err(ValueError::WrongLength {
                expected: 3,
                actual: value.len(),
            });
        };
        let yy = bcd_byte(0, y)?;
        let month = bcd_byte(1, m)?;
        let day = bcd_byte(2, d)?;
        let year = if yy < 50 { 2000 } else { 1900 } + u16::from(yy);
        if !(1..=12).contains(&month) {
            return Err(ValueError::OutOfRange {
                what: "month",
                value: month,
            });
        }
        if day == 0 || day > days_in_month(year, month) {
            return Err(ValueError::OutOfRange {
                what: "day",
                value: day,
            });
        }
        Ok(Date { year, month, day })
    }

    /// The year (four digits).
    #[must_use]
    pub const fn year(self) -> u16 {
        self.year
    }

    /// The month, 1..=12.
    #[must_use]
    pub const fn month(self) -> u8 {
        self.month
    }

    /// The day of the month, 1..=31.
    #[must_use]
    pub const fn day(self) -> u8 {
        self.day
    }
}

const fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl fmt::Display for Date {
    /// ISO 8601: `2025-12-31`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// A time of day from an `n 6` HHMMSS value (`9F21`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Time {
    hour: u8,
    minute: u8,
    second: u8,
}

impl Time {
    /// Decodes HHMMSS.
    ///
    /// # Errors
    /// [`ValueError::WrongLength`] unless 3 bytes, [`ValueError::NotBcd`], and
    /// [`ValueError::OutOfRange`] for hours past 23 or minutes/seconds past 59.
    pub fn from_hhmmss(value: &[u8]) -> Result<Self, ValueError> {
        let [h, m, s] = *value else {
            return Err(ValueError::WrongLength {
                expected: 3,
                actual: value.len(),
            });
        };
        let (hour, minute, second) = (bcd_byte(0, h)?, bcd_byte(1, m)?, bcd_byte(2, s)?);
        for (what, v, max) in [
            ("hour", hour, 23),
            ("minute", minute, 59),
            ("second", second, 59),
        ] {
            if v > max {
                return Err(ValueError::OutOfRange { what, value: v });
            }
        }
        Ok(Time {
            hour,
            minute,
            second,
        })
    }

    /// Hours, 0..=23.
    #[must_use]
    pub const fn hour(self) -> u8 {
        self.hour
    }

    /// Minutes, 0..=59.
    #[must_use]
    pub const fn minute(self) -> u8 {
        self.minute
    }

    /// Seconds, 0..=59.
    #[must_use]
    pub const fn second(self) -> u8 {
        self.second
    }
}

impl fmt::Display for Time {
    /// `14:05:09`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}:{:02}", self.hour, self.minute, self.second)
    }
}

fn code3(value: &[u8]) -> Result<u16, ValueError> {
    if value.len() != 2 {
        return Err(ValueError::WrongLength {
            expected: 2,
            actual: value.len(),
        });
    }
    // Three digits right-justified in two bytes: at most 999.
    numeric(value).map(|n| (n % 1000) as u16)
}

/// An ISO 4217 numeric currency code (`5F2A`, `9F42`, `9F3C`): `08 40` is 840, US dollars.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CurrencyCode(u16);

impl CurrencyCode {
    /// Decodes the 2-byte `n 3` value.
    ///
    /// # Errors
    /// [`ValueError::WrongLength`] unless 2 bytes, [`ValueError::NotBcd`].
    pub fn from_value(value: &[u8]) -> Result<Self, ValueError> {
        code3(value).map(CurrencyCode)
    }

    /// The numeric code.
    #[must_use]
    pub const fn numeric(self) -> u16 {
        self.0
    }

    /// The alphabetic code for the currencies a US/Canadian merchant meets most.
    #[must_use]
    pub const fn alpha(self) -> Option<&'static str> {
        Some(match self.0 {
            36 => "AUD",
            124 => "CAD",
            156 => "CNY",
            392 => "JPY",
            484 => "MXN",
            756 => "CHF",
            826 => "GBP",
            840 => "USD",
            978 => "EUR",
            _ => return None,
        })
    }
}

impl fmt::Display for CurrencyCode {
    /// `840 (USD)`, or just the number.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.alpha() {
            Some(a) => write!(f, "{:03} ({a})", self.0),
            None => write!(f, "{:03}", self.0),
        }
    }
}

/// An ISO 3166-1 numeric country code (`5F28`, `9F1A`): `08 40` is 840, the United States.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CountryCode(u16);

impl CountryCode {
    /// Decodes the 2-byte `n 3` value.
    ///
    /// # Errors
    /// [`ValueError::WrongLength`] unless 2 bytes, [`ValueError::NotBcd`].
    pub fn from_value(value: &[u8]) -> Result<Self, ValueError> {
        code3(value).map(CountryCode)
    }

    /// The numeric code.
    #[must_use]
    pub const fn numeric(self) -> u16 {
        self.0
    }

    /// The alpha-3 code for the countries met most.
    #[must_use]
    pub const fn alpha(self) -> Option<&'static str> {
        Some(match self.0 {
            36 => "AUS",
            124 => "CAN",
            156 => "CHN",
            250 => "FRA",
            276 => "DEU",
            392 => "JPN",
            484 => "MEX",
            756 => "CHE",
            826 => "GBR",
            840 => "USA",
            _ => return None,
        })
    }
}

impl fmt::Display for CountryCode {
    /// `840 (USA)`, or just the number.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.alpha() {
            Some(a) => write!(f, "{:03} ({a})", self.0),
            None => write!(f, "{:03}", self.0),
        }
    }
}

/// A text value (`a`, `an`, `ans`) as `&str`, checked to be printable ASCII.
///
/// # Errors
/// [`ValueError::NotText`] at the first byte outside `20..=7E`.
pub fn text(value: &[u8]) -> Result<&str, ValueError> {
    if let Some((index, &byte)) = value
        .iter()
        .enumerate()
        .find(|(_, b)| !(0x20..=0x7E).contains(*b))
    {
        return Err(ValueError::NotText { index, byte });
    }
    core::str::from_utf8(value).map_err(|_| ValueError::NotText { index: 0, byte: 0 })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn bcd_amounts_become_integer_minor_units() {
        assert_eq!(amount(&[0, 0, 0, 0, 0x12, 0x34]), Ok(1234));
        assert_eq!(
            amount(&[0x99, 0x99, 0x99, 0x99, 0x99, 0x99]),
            Ok(999_999_999_999)
        );
        assert_eq!(
            amount(&[0, 0, 0, 0, 0x1A, 0x34]),
            Err(ValueError::NotBcd {
                index: 4,
                byte: 0x1A
            })
        );
        assert_eq!(
            amount(&[0x12, 0x34]),
            Err(ValueError::WrongLength {
                expected: 6,
                actual: 2
            })
        );
        assert_eq!(
            numeric(&[0x09, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99]),
            Ok(9_999_999_999_999_999_999)
        );
        assert!(matches!(
            numeric(&[0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
            Err(ValueError::TooManyDigits { .. })
        ));
    }

    #[test]
    fn dates_decode_and_reject_days_the_month_lacks() {
        let d = Date::from_yymmdd(&[0x25, 0x12, 0x31]).unwrap();
        assert_eq!((d.year(), d.month(), d.day()), (2025, 12, 31));
        assert_eq!(d.to_string(), "2025-12-31");
        assert_eq!(Date::from_yymmdd(&[0x99, 0x01, 0x01]).unwrap().year(), 1999);
        assert!(Date::from_yymmdd(&[0x24, 0x02, 0x29]).is_ok());
        assert_eq!(
            Date::from_yymmdd(&[0x25, 0x02, 0x29]),
            Err(ValueError::OutOfRange {
                what: "day",
                value: 29
            })
        );
        assert_eq!(
            Date::from_yymmdd(&[0x25, 0x13, 0x01]),
            Err(ValueError::OutOfRange {
                what: "month",
                value: 13
            })
        );
        assert_eq!(
            Time::from_hhmmss(&[0x14, 0x05, 0x09]).unwrap().to_string(),
            "14:05:09"
        );
        assert!(Time::from_hhmmss(&[0x24, 0x00, 0x00]).is_err());
    }

    #[test]
    fn currency_and_country_codes_name_the_common_ones() {
        assert_eq!(
            CurrencyCode::from_value(&[0x08, 0x40]).unwrap().to_string(),
            "840 (USD)"
        );
        assert_eq!(
            CountryCode::from_value(&[0x01, 0x24]).unwrap().to_string(),
            "124 (CAN)"
        );
        assert_eq!(
            CountryCode::from_value(&[0x09, 0x99]).unwrap().to_string(),
            "999"
        );
    }

    #[test]
    fn text_must_be_printable_ascii_and_cn_digits_stop_at_the_filler() {
        assert_eq!(text(b"VISA CREDIT"), Ok("VISA CREDIT"));
        assert_eq!(
            text(&[b'A', 0x07]),
            Err(ValueError::NotText { index: 1, byte: 7 })
        );
        let mut out = [0u8; 19];
        let n =
            compressed_digits(&[0x54, 0x13, 0x33, 0x00, 0x89, 0x02, 0x00, 0x1F], &mut out).unwrap();
        assert_eq!(&out[..n], b"541333008902001");
        assert!(compressed_digits(&[0x1F, 0x23], &mut out).is_err());
    }
}
