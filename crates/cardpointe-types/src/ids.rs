//! Identifier newtypes that cannot hold nonsense: merchant ids, retrieval references, order ids,
//! tokens, profile and account ids, currencies and postal codes (spec §1.8).

use std::fmt;
use std::str::FromStr;

use crate::ValueError;

/// Declares a validated text newtype with `new`, `as_str`, `Display`, `FromStr`, serde.
macro_rules! text_id {
    ($(#[$meta:meta])* pub struct $name:ident, $validate:path) => {
        text_id!(@define $(#[$meta])* pub struct $name, $validate);

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_tuple(stringify!($name)).field(&self.0).finish()
            }
        }
    };
    (@define $(#[$meta:meta])* pub struct $name:ident, $validate:path) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            /// Validates and wraps the value.
            ///
            /// # Errors
            /// A [`ValueError`] saying what was wrong.
            pub fn new(value: impl Into<String>) -> Result<Self, ValueError> {
                let value = value.into();
                $validate(&value)?;
                Ok(Self(value))
            }

            /// The value as the gateway writes it.
            #[must_use]
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl FromStr for $name {
            type Err = ValueError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::new(s)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        crate::wire::text_serde!($name);
    };
}

/// Checks length bounds (in characters; every accepted value is ASCII).
pub(crate) fn check_len(
    kind: &'static str,
    s: &str,
    min: usize,
    max: usize,
) -> Result<(), ValueError> {
    if s.is_empty() {
        return Err(ValueError::Empty { kind });
    }
    let len = s.chars().count();
    if len < min || len > max {
        return Err(ValueError::Length {
            kind,
            len,
            min,
            max,
        });
    }
    Ok(())
}

/// Checks that every character satisfies `ok`.
pub(crate) fn check_chars(
    kind: &'static str,
    s: &str,
    allowed: &'static str,
    ok: impl Fn(char) -> bool,
) -> Result<(), ValueError> {
    match s.chars().enumerate().find(|(_, c)| !ok(*c)) {
        Some((position, found)) => Err(ValueError::Character {
            kind,
            position,
            found,
            allowed,
        }),
        None => Ok(()),
    }
}

/// The Luhn (mod 10) check over a digit string; `false` for anything that is not all digits.
#[must_use]
pub fn luhn_valid(digits: &str) -> bool {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

fn validate_merchid(s: &str) -> Result<(), ValueError> {
    check_len("merchant id", s, 1, 16)?;
    check_chars("merchant id", s, "ASCII letters and digits", |c| {
        c.is_ascii_alphanumeric()
    })
}

text_id!(
    /// A merchant id (`merchid`): usually 12 digits (`496160873888`), up to 16 ASCII letters and
    /// digits (processor MIDs such as `RCTST1000084487`, short ACH MIDs such as `542041`).
    pub struct MerchantId,
    validate_merchid
);

fn validate_retref(s: &str) -> Result<(), ValueError> {
    check_len("retref", s, 1, 14)?;
    check_chars("retref", s, "digits", |c| c.is_ascii_digit())
}

text_id!(
    /// A retrieval reference (`retref`): the gateway's id of a transaction, 12 digits in every
    /// observed value (the API schema allows 14; this type accepts 1–14 digits). Leading zeros are
    /// significant (`005533134378`). Treat as opaque.
    pub struct Retref,
    validate_retref
);

/// The shortest digit string an order id may not be when it passes Luhn: PANs are 12–19 digits.
const PAN_LENGTHS: std::ops::RangeInclusive<usize> = 12..=19;

fn validate_orderid(s: &str) -> Result<(), ValueError> {
    check_len("order id", s, 1, 50)?;
    check_chars("order id", s, "printable US-ASCII", |c| {
        c.is_ascii() && !c.is_ascii_control()
    })?;
    // The gateway masks order ids that look like card numbers (spec §1.8); we refuse digit
    // strings of card-number length that pass the Luhn check, the only ones it could take for
    // a PAN. This rule lives here and nowhere else.
    if PAN_LENGTHS.contains(&s.len()) && luhn_valid(s) {
        return Err(ValueError::LooksLikeCardNumber { kind: "order id" });
    }
    Ok(())
}

text_id!(
    /// A merchant order id (`orderid`): 1–50 printable US-ASCII characters, chosen by the merchant
    /// and meant to be unique; the key for recovering an unanswered `auth` with
    /// `inquireByOrderid` / `voidByOrderId`. A digit string of card-number length (12–19) that
    /// passes the Luhn check is refused, because the gateway would mask it and later look-ups
    /// would fail.
    pub struct OrderId,
    validate_orderid
);

fn validate_token(s: &str) -> Result<(), ValueError> {
    check_len("token", s, 16, 19)?;
    check_chars("token", s, "ASCII letters and digits", |c| {
        c.is_ascii_alphanumeric()
    })?;
    if !s.starts_with('9') {
        return Err(ValueError::Prefix {
            kind: "token",
            expected: '9',
        });
    }
    Ok(())
}

text_id!(
    @define
    /// A CardSecure token: 16 characters (up to 19 accepted), first character `9`, digits 2–3
    /// the first two of the PAN (or routing number), last four the last four of the PAN (or bank
    /// account).
    ///
    /// A token is not card data, but it charges the card at this merchant, so `Debug` (what logs
    /// and error chains print) shows only its last four, `Token(…1111)`; `Display` and
    /// [`Token::as_str`] give the whole value for storing and sending.
    pub struct Token,
    validate_token
);

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Token(…{})", self.last_four())
    }
}

impl Token {
    /// The last four characters (the last four of the card or bank account).
    #[must_use]
    pub fn last_four(&self) -> &str {
        let n = self.0.len();
        self.0.get(n.saturating_sub(4)..).unwrap_or("")
    }

    /// Digits 2–3: the first two digits of the card number (or of the routing number, for an
    /// ACH token).
    #[must_use]
    pub fn brand_prefix(&self) -> &str {
        self.0.get(1..3).unwrap_or("")
    }

    /// The card brand the prefix suggests (coarse: two digits; meaningless for ACH tokens).
    #[must_use]
    pub fn brand_hint(&self) -> Option<crate::CardBrand> {
        crate::CardBrand::from_first_two_digits(self.brand_prefix())
    }

    /// `true` when the string has the shape of a token (used to tell tokens from PANs in an
    /// `account` field: closed-loop cards never start with `9`).
    #[must_use]
    pub fn looks_like_token(s: &str) -> bool {
        validate_token(s).is_ok()
    }
}

fn validate_profileid(s: &str) -> Result<(), ValueError> {
    check_len("profile id", s, 1, 20)?;
    check_chars("profile id", s, "digits", |c| c.is_ascii_digit())
}

text_id!(
    /// A stored-profile id (`profileid`): 20 digits in every observed value (1–20 accepted).
    pub struct ProfileId,
    validate_profileid
);

fn validate_acctid(s: &str) -> Result<(), ValueError> {
    check_len("account id", s, 1, 3)?;
    check_chars("account id", s, "digits", |c| c.is_ascii_digit())?;
    if s.bytes().all(|b| b == b'0') {
        return Err(ValueError::Range {
            kind: "account id",
            value: 0,
            min: 1,
            max: 999,
        });
    }
    Ok(())
}

text_id!(
    /// An account within a profile (`acctid`): 1–3 digits, starting at `1`.
    pub struct AccountId,
    validate_acctid
);

fn validate_currency(s: &str) -> Result<(), ValueError> {
    check_len("currency", s, 3, 3)?;
    check_chars("currency", s, "upper-case ASCII letters (ISO 4217)", |c| {
        c.is_ascii_uppercase()
    })
}

text_id!(
    /// An ISO 4217 currency code (`USD`, `CAD`); must equal the merchant's currency or the
    /// gateway answers PPS 32.
    pub struct Currency,
    validate_currency
);

impl Currency {
    /// US dollars.
    #[must_use]
    pub fn usd() -> Self {
        Self("USD".to_owned())
    }
}

fn validate_postal(s: &str) -> Result<(), ValueError> {
    check_len("postal code", s, 1, 10)?;
    check_chars(
        "postal code",
        s,
        "ASCII letters, digits, spaces and '-'",
        |c| c.is_ascii_alphanumeric() || c == ' ' || c == '-',
    )?;
    if !s.chars().any(|c| c.is_ascii_alphanumeric()) {
        return Err(ValueError::Format {
            kind: "postal code",
            expected: "at least one letter or digit",
        });
    }
    Ok(())
}

text_id!(
    /// A postal code: 5 or 9 digits in the US, free alphanumeric elsewhere (`K1A 0B1`); up to 9
    /// characters per the API (10 accepted so `12345-6789` fits). The last three characters
    /// drive the UAT AVS answers.
    pub struct Postal,
    validate_postal
);

impl Postal {
    /// `true` for a US ZIP: 5 digits, 9 digits, or `12345-6789`.
    #[must_use]
    pub fn is_us_zip(&self) -> bool {
        let b = self.0.as_bytes();
        let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
        match b.len() {
            5 | 9 => digits(b),
            10 => match (b.get(..5), b.get(5), b.get(6..)) {
                (Some(head), Some(b'-'), Some(tail)) => digits(head) && digits(tail),
                _ => false,
            },
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merchant_ids_of_every_observed_shape_are_accepted() {
        for m in ["496160873888", "RCTST1000084487", "542041", "larry"] {
            assert!(MerchantId::new(m).is_ok(), "{m}");
        }
        assert!(MerchantId::new("").is_err());
        assert!(MerchantId::new("12345678901234567").is_err());
        assert!(MerchantId::new("4961 6087").is_err());
    }

    #[test]
    fn retrefs_keep_leading_zeros_and_refuse_letters() {
        assert_eq!(
            Retref::new("005533134378").unwrap().as_str(),
            "005533134378"
        );
        assert!(Retref::new("34303016024x").is_err());
        assert!(Retref::new("123456789012345").is_err());
    }

    #[test]
    fn order_ids_that_look_like_card_numbers_are_refused() {
        assert_eq!(
            OrderId::new("4111111111111111"),
            Err(ValueError::LooksLikeCardNumber { kind: "order id" })
        );
        assert!(OrderId::new("4111111111111112").is_ok());
        assert!(OrderId::new("ORDER-4111111111111111").is_ok());
        assert!(OrderId::new("1").is_ok());
        assert!(OrderId::new("x".repeat(51)).is_err());
        assert!(OrderId::new("a\nb").is_err());
    }

    #[test]
    fn tokens_start_with_nine() {
        let t = Token::new("9418594164541111").unwrap();
        assert_eq!(format!("{t:?}"), "Token(…1111)");
        assert_eq!(t.to_string(), "9418594164541111");
        assert_eq!(t.last_four(), "1111");
        assert_eq!(t.brand_prefix(), "41");
        assert_eq!(t.brand_hint(), Some(crate::CardBrand::Visa));
        assert_eq!(
            Token::new("4111111111111111"),
            Err(ValueError::Prefix {
                kind: "token",
                expected: '9'
            })
        );
        assert!(Token::new("941859416454").is_err());
    }

    #[test]
    fn account_id_zero_is_out_of_range() {
        assert!(AccountId::new("0").is_err());
        assert!(AccountId::new("1").is_ok());
        assert!(AccountId::new("1000").is_err());
    }

    #[test]
    fn currency_is_three_upper_case_letters() {
        assert!(Currency::new("USD").is_ok());
        assert!(Currency::new("usd").is_err());
        assert!(Currency::new("US").is_err());
    }

    #[test]
    fn us_zip_shapes_are_recognised() {
        assert!(Postal::new("55555").unwrap().is_us_zip());
        assert!(Postal::new("123456789").unwrap().is_us_zip());
        assert!(Postal::new("12345-6789").unwrap().is_us_zip());
        assert!(!Postal::new("K1A 0B1").unwrap().is_us_zip());
        assert!(Postal::new("---").is_err());
    }

    #[test]
    fn luhn_accepts_test_cards_and_refuses_typos() {
        assert!(luhn_valid("4111111111111111"));
        assert!(luhn_valid("9418594164541111"));
        assert!(!luhn_valid("4111111111111112"));
        assert!(!luhn_valid(""));
        assert!(!luhn_valid("41x1"));
    }
}
