//! The CardSecure token: stands in for a card or bank account on the gateway.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use zeroize::Zeroizing;

use crate::{Brand, ValidationError};

/// A CardSecure token (spec 6.4): 16 digits for cards, `9` + the first two PAN digits + opaque
/// digits + the PAN's last four (`9418594164541111` for `4111111111111111`); ACH tokens carry
/// the routing number's first two digits and the account's last four instead.
///
/// `Debug` and `Display` show only the last four (`Token(…1111)`): a token is as good as a card
/// on the site that issued it. [`as_str`](Self::as_str) gives the whole value for a request.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(Zeroizing<String>);

impl Token {
    /// Checks the shape: 12 to 20 ASCII letters or digits, beginning with `9` (tokens "may in
    /// principle be alphanumeric", spec 6.4).
    ///
    /// # Errors
    /// [`ValidationError::TokenFormat`] otherwise.
    pub fn new(value: impl Into<String>) -> Result<Self, ValidationError> {
        let value = Zeroizing::new(value.into());
        let ok = (12..=20).contains(&value.len())
            && value.starts_with('9')
            && value.bytes().all(|b| b.is_ascii_alphanumeric());
        if ok {
            Ok(Self(value))
        } else {
            Err(ValidationError::TokenFormat {
                length: value.len(),
            })
        }
    }

    /// The whole token, for a gateway request (`account`). Never log it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The last four digits (of the PAN, or of the bank account for ACH tokens).
    pub fn last_four(&self) -> &str {
        self.0
            .get(self.0.len().saturating_sub(4)..)
            .unwrap_or_default()
    }

    /// Digits 2–3: the first two digits of the PAN (or routing number for ACH).
    pub fn brand_prefix(&self) -> &str {
        self.0.get(1..3).unwrap_or_default()
    }

    /// The card brand the prefix suggests (coarse: two digits; meaningless for ACH tokens).
    pub fn brand_hint(&self) -> Option<Brand> {
        Brand::from_first_two_digits(self.brand_prefix())
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Token(…{})", self.last_four())
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "…{}", self.last_four())
    }
}

impl Serialize for Token {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Token {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Zeroizing::new(String::deserialize(deserializer)?);
        Self::new(value.as_str()).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_knows_its_last_four_and_brand_prefix() {
        let token = Token::new("9418594164541111").unwrap();
        assert_eq!(token.last_four(), "1111");
        assert_eq!(token.brand_prefix(), "41");
        assert_eq!(token.brand_hint(), Some(Brand::Visa));
        assert_eq!(format!("{token:?}"), "Token(…1111)");
        assert_eq!(token.to_string(), "…1111");
        assert_eq!(
            serde_json::to_string(&token).unwrap(),
            "\"9418594164541111\""
        );
    }

    #[test]
    fn card_numbers_and_junk_are_not_tokens() {
        for bad in [
            "4111111111111111",
            "94185",
            "9418-5941-6454-1111",
            "",
            "9".repeat(21).as_str(),
        ] {
            let err = Token::new(bad).unwrap_err();
            assert!(!err.to_string().contains("4111111111111111"));
        }
        assert!(serde_json::from_str::<Token>("\"4111111111111111\"").is_err());
    }
}
