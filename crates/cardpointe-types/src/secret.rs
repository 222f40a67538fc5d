//! Card data and bank data: types whose `Debug` and `Display` mask the value (first 6 / last 4
//! at most) and whose memory is zeroed on drop. Only [`expose`](CardNumber::expose) and the
//! serializer (writing a request body) see the clear value.

use std::fmt;
use std::str::FromStr;

use cardpointe_emv::PanMask;
use zeroize::Zeroizing;

use crate::ValueError;
use crate::ids::{check_chars, check_len, luhn_valid};

/// How much of a secret its `Debug`/`Display` may show.
#[derive(Clone, Copy)]
enum Reveal {
    /// A digit string by the one PAN masking rule (`cardpointe_emv::PanMask`): first 6 and
    /// last 4 for 13+ digits, last 4 for 10–12, nothing below; text that is not all digits
    /// shows nothing but its length.
    Pan(PanMask),
    /// Nothing but the length (CVV, track and device data).
    Nothing,
}

/// Writes the masked form of `s` according to `reveal`.
fn write_masked(f: &mut fmt::Formatter<'_>, s: &str, reveal: Reveal) -> fmt::Result {
    match reveal {
        Reveal::Pan(mask) if s.len() >= 10 && s.bytes().all(|b| b.is_ascii_digit()) => {
            fmt::Display::fmt(&mask.apply(s), f)
        }
        _ => write!(f, "<{} chars masked>", s.len()),
    }
}

/// Declares a secret text type: zeroed on drop, masked `Debug`/`Display`, clear only through
/// `expose()` and `Serialize`.
macro_rules! secret_text {
    ($(#[$meta:meta])* pub struct $name:ident, $reveal:expr, $validate:path) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name(Zeroizing<String>);

        impl $name {
            /// Validates and wraps the value (the argument's buffer is moved in, not copied).
            ///
            /// # Errors
            /// A [`ValueError`] saying what was wrong; it never repeats the value's digits.
            pub fn new(value: impl Into<String>) -> Result<Self, ValueError> {
                let value = Zeroizing::new(value.into());
                $validate(&value)?;
                Ok(Self(value))
            }

            /// The clear value. Do not log it.
            #[must_use]
            pub fn expose(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "("))?;
                write_masked(f, &self.0, $reveal)?;
                f.write_str(")")
            }
        }

        impl fmt::Display for $name {
            /// The masked value, never the clear one.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write_masked(f, &self.0, $reveal)
            }
        }

        impl FromStr for $name {
            type Err = ValueError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::new(s)
            }
        }

        impl crate::wire::FromWire for $name {
            fn from_wire<'de, D: ::serde::Deserializer<'de>>(
                d: D,
            ) -> Result<Option<Self>, D::Error> {
                match crate::wire::scalar(d)? {
                    crate::wire::Scalar::Null => Ok(None),
                    crate::wire::Scalar::Text(t) => {
                        let t = Zeroizing::new(t.into_owned());
                        if t.trim().is_empty() {
                            return Ok(None);
                        }
                        $validate(&t).map_err(::serde::de::Error::custom)?;
                        Ok(Some(Self(t)))
                    }
                }
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                crate::wire::req(d)
            }
        }

    };
}

fn digits_only(kind: &'static str, s: &str) -> Result<(), ValueError> {
    // Reports only non-digit characters, so no card digit is ever repeated in an error.
    check_chars(kind, s, "digits", |c| c.is_ascii_digit())
}

fn validate_pan_shape(s: &str) -> Result<(), ValueError> {
    check_len("card number", s, 12, 19)?;
    digits_only("card number", s)
}

fn validate_pan(s: &str) -> Result<(), ValueError> {
    validate_pan_shape(s)?;
    if !luhn_valid(s) {
        return Err(ValueError::LuhnCheckFailed {
            kind: "card number",
        });
    }
    Ok(())
}

secret_text!(
    /// A clear primary account number (PAN): 12–19 digits passing the Luhn check. Shows at most
    /// the first 6 and last 4 digits; zeroed on drop. Only PCI-scoped servers should hold one:
    /// tokenize with CardSecure instead where possible.
    pub struct CardNumber,
    Reveal::Pan(PanMask::FIRST_SIX_LAST_FOUR),
    validate_pan
);

impl CardNumber {
    /// Wraps a 12–19 digit string **without** the Luhn check — only for exercising the gateway's
    /// own check (PPS 13 "Bad card check digit") in tests.
    ///
    /// # Errors
    /// [`ValueError`] for a wrong length or a non-digit.
    pub fn without_luhn_check(value: impl Into<String>) -> Result<Self, ValueError> {
        let value = Zeroizing::new(value.into());
        validate_pan_shape(&value)?;
        Ok(Self(value))
    }

    /// The first six digits (the BIN).
    #[must_use]
    pub fn bin(&self) -> &str {
        self.0.get(..6).unwrap_or("")
    }

    /// The last four digits.
    #[must_use]
    pub fn last_four(&self) -> &str {
        self.0.get(self.0.len().saturating_sub(4)..).unwrap_or("")
    }

    /// The card brand from the prefix (spec §4.2), if known.
    #[must_use]
    pub fn brand(&self) -> Option<crate::CardBrand> {
        crate::CardBrand::from_pan_prefix(&self.0)
    }
}

fn validate_cvv(s: &str) -> Result<(), ValueError> {
    check_len("CVV", s, 3, 4)?;
    digits_only("CVV", s)
}

secret_text!(
    /// A card verification value (`cvv2`): 3 or 4 digits. Never shown; zeroed on drop. Must not
    /// be stored after authorization (PCI).
    pub struct Cvv,
    Reveal::Nothing,
    validate_cvv
);

fn validate_bank_account(s: &str) -> Result<(), ValueError> {
    check_len("bank account number", s, 1, 17)?;
    digits_only("bank account number", s)
}

secret_text!(
    /// A clear bank (DDA) account number for ACH: 1–17 digits (the NACHA maximum). Shows the last
    /// 4 of 10 or more digits at most; zeroed on drop.
    pub struct BankAccountNumber,
    Reveal::Pan(PanMask::LAST_FOUR),
    validate_bank_account
);

fn validate_printable(kind: &'static str, s: &str, max: usize) -> Result<(), ValueError> {
    check_len(kind, s, 1, max)?;
    check_chars(kind, s, "printable US-ASCII", |c| {
        c.is_ascii() && !c.is_ascii_control()
    })
}

fn validate_account_field(s: &str) -> Result<(), ValueError> {
    validate_printable("account", s, 512)
}

secret_text!(
    /// The raw `account` field of a request: a token, a clear PAN, a bank account number, an
    /// ACH `routing/account` pair or an RSA-encrypted Base64 blob (CardSecure). Read as text
    /// (1–512 printable ASCII characters) and interpreted by the request's `source()`; a digit
    /// string is masked like a PAN, anything else shows only its length; zeroed on drop.
    pub struct AccountNumber,
    Reveal::Pan(PanMask::FIRST_SIX_LAST_FOUR),
    validate_account_field
);

fn validate_track(s: &str) -> Result<(), ValueError> {
    validate_printable("track data", s, 8192)
}

secret_text!(
    /// Card-present data for the `track` field: clear Track 1/2, or an encrypted MSR/EMV string
    /// from a CardPointe-injected reader (about 1000 characters for EMV). Never shown; zeroed on
    /// drop.
    pub struct TrackData,
    Reveal::Nothing,
    validate_track
);

fn validate_device_data(s: &str) -> Result<(), ValueError> {
    // Google Pay payloads are JSON (quotes, braces); all printable ASCII is accepted.
    validate_printable("device data", s, 65_536)
}

secret_text!(
    /// CardSecure `devicedata`: encrypted reader output, or an Apple Pay / Google Pay payload.
    /// Never shown; zeroed on drop.
    pub struct DeviceData,
    Reveal::Nothing,
    validate_device_data
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_numbers_show_first_six_and_last_four_only() {
        let pan = CardNumber::new("4111111111111111").unwrap();
        assert_eq!(format!("{pan}"), "411111******1111");
        assert_eq!(format!("{pan:?}"), "CardNumber(411111******1111)");
        assert_eq!(pan.bin(), "411111");
        assert_eq!(pan.last_four(), "1111");
    }

    #[test]
    fn a_mistyped_card_number_fails_luhn_without_echoing_it() {
        let err = CardNumber::new("4111111111111112").unwrap_err();
        assert_eq!(
            err,
            ValueError::LuhnCheckFailed {
                kind: "card number"
            }
        );
        assert!(!err.to_string().contains("4111"));
        assert!(CardNumber::without_luhn_check("4111111111111112").is_ok());
    }

    #[test]
    fn cvv_is_never_shown() {
        let cvv = Cvv::new("123").unwrap();
        assert_eq!(format!("{cvv:?}"), "Cvv(<3 chars masked>)");
        assert!(Cvv::new("12a").is_err());
        assert!(Cvv::new("12345").is_err());
    }

    #[test]
    fn secrets_serialize_in_clear_for_the_request_body() {
        let pan = CardNumber::new("4111111111111111").unwrap();
        assert_eq!(serde_json::to_string(&pan).unwrap(), "\"4111111111111111\"");
        let back: CardNumber = serde_json::from_str("\"4111111111111111\"").unwrap();
        assert_eq!(back, pan);
    }

    #[test]
    fn bank_accounts_show_the_last_four_at_most() {
        let a = BankAccountNumber::new("1234123412341234").unwrap();
        assert_eq!(a.to_string(), "************1234");
        let short = BankAccountNumber::new("12345").unwrap();
        assert_eq!(short.to_string(), "<5 chars masked>");
    }
}
