//! What pays: [`PaymentSource`] and the profile references of the `profile` field.

use std::fmt;
use std::str::FromStr;

use crate::ids::{check_chars, check_len};
use crate::{
    AccountId, AccountNumber, BankAccountNumber, CardNumber, ProfileId, Token, TrackData,
    ValueError,
};

/// An ABA routing number (`bankaba`): 9 digits. The ABA checksum is available as
/// [`RoutingNumber::checksum_valid`] but not enforced, so the gateway's own "not a valid routing
/// number" answer can be exercised.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RoutingNumber(String);

impl RoutingNumber {
    /// Validates 9 digits.
    ///
    /// # Errors
    /// [`ValueError`] for a wrong length or a non-digit.
    pub fn new(value: impl Into<String>) -> Result<Self, ValueError> {
        let value = value.into();
        check_len("routing number", &value, 9, 9)?;
        check_chars("routing number", &value, "digits", |c| c.is_ascii_digit())?;
        Ok(Self(value))
    }

    /// The digits.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The ABA check: 3·d1 + 7·d2 + d3 + 3·d4 + … ≡ 0 (mod 10).
    #[must_use]
    pub fn checksum_valid(&self) -> bool {
        const W: [u32; 9] = [3, 7, 1, 3, 7, 1, 3, 7, 1];
        let sum: u32 = self
            .0
            .bytes()
            .zip(W)
            .map(|(b, w)| u32::from(b - b'0') * w)
            .sum();
        sum.is_multiple_of(10)
    }
}

impl fmt::Display for RoutingNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for RoutingNumber {
    type Err = ValueError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

crate::wire::text_serde!(RoutingNumber);

/// A clear ACH bank account: routing number plus account number (a secret).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AchAccount {
    /// The ABA routing number (`bankaba`).
    pub routing: RoutingNumber,
    /// The account number (`account`).
    pub account: BankAccountNumber,
}

impl AchAccount {
    /// Pairs a routing number with an account number.
    #[must_use]
    pub const fn new(routing: RoutingNumber, account: BankAccountNumber) -> Self {
        Self { routing, account }
    }
}

/// A stored profile, optionally one account of it (`<profileid>/<acctid>`; the default account
/// when `account` is `None`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct ProfileRef {
    /// The profile.
    pub profile: ProfileId,
    /// One account of it, or the default one.
    pub account: Option<AccountId>,
}

impl ProfileRef {
    /// A reference to a profile (and optionally one of its accounts).
    #[must_use]
    pub const fn new(profile: ProfileId, account: Option<AccountId>) -> Self {
        Self { profile, account }
    }
}

impl fmt::Display for ProfileRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.account {
            Some(a) => write!(f, "{}/{a}", self.profile),
            None => write!(f, "{}", self.profile),
        }
    }
}

impl FromStr for ProfileRef {
    type Err = ValueError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (p, a) = match s.split_once('/') {
            Some((p, a)) => (p, Some(a)),
            None => (s, None),
        };
        let account = match a {
            None | Some("") => None,
            Some(a) => Some(AccountId::new(a)?),
        };
        Ok(Self::new(ProfileId::new(p)?, account))
    }
}

crate::wire::text_serde!(ProfileRef);

/// The request field `profile`: `Y` to store the payment source as a new profile when the call
/// is approved, `N` not to, or a [`ProfileRef`] naming what to charge or update.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProfileField {
    /// `Y`: create a profile from this request if approved.
    Create,
    /// `N`: do not (the default).
    No,
    /// `<profileid>[/<acctid>]`: use this stored profile.
    Use(ProfileRef),
}

impl fmt::Display for ProfileField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Create => f.write_str("Y"),
            Self::No => f.write_str("N"),
            Self::Use(r) => write!(f, "{r}"),
        }
    }
}

impl FromStr for ProfileField {
    type Err = ValueError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match crate::wire::parse_flag(s) {
            Ok(Some(true)) => Ok(Self::Create),
            Ok(Some(false)) => Ok(Self::No),
            _ => s.parse().map(Self::Use),
        }
    }
}

crate::wire::text_serde!(ProfileField);

/// What pays for a transaction.
///
/// On the wire this is spread over the `account`, `bankaba`, `profile` and `track` fields;
/// requests build them from this enum and read it back with their `source()` method.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PaymentSource {
    /// A CardSecure token (card or ACH): the normal case.
    Token(Token),
    /// A clear card number (PCI-scoped servers only).
    Card(CardNumber),
    /// A clear bank account (routing + account).
    Ach(AchAccount),
    /// A stored profile.
    Profile(ProfileRef),
    /// Card-present track or encrypted reader data.
    Track(TrackData),
}

/// The wire fields a [`PaymentSource`] occupies.
#[derive(Default)]
pub(crate) struct SourceFields {
    pub(crate) account: Option<AccountNumber>,
    pub(crate) bankaba: Option<RoutingNumber>,
    pub(crate) profile: Option<ProfileRef>,
    pub(crate) track: Option<TrackData>,
}

impl PaymentSource {
    /// Spreads the source over its wire fields.
    pub(crate) fn into_fields(self) -> SourceFields {
        // Every variant's text is valid `account` text, so the conversions cannot fail; the
        // fallbacks keep this total without a panic path.
        let acct = |s: &str| AccountNumber::new(s).ok();
        match self {
            Self::Token(t) => SourceFields {
                account: acct(t.as_str()),
                ..SourceFields::default()
            },
            Self::Card(c) => SourceFields {
                account: acct(c.expose()),
                ..SourceFields::default()
            },
            Self::Ach(a) => SourceFields {
                account: acct(a.account.expose()),
                bankaba: Some(a.routing),
                ..SourceFields::default()
            },
            Self::Profile(p) => SourceFields {
                profile: Some(p),
                ..SourceFields::default()
            },
            Self::Track(t) => SourceFields {
                track: Some(t),
                ..SourceFields::default()
            },
        }
    }

    /// Reads the source back from the wire fields, with the gateway's precedence: a profile
    /// reference, then track data, then `account` (+ `bankaba` for clear ACH; a `9…` value is a
    /// token; otherwise a card number, Luhn-checked).
    ///
    /// # Errors
    /// [`ValueError`] saying what is wrong with `account` (the gateway answers PPS 11 for a
    /// non-numeric account, 13 for a Luhn failure), or [`ValueError::Empty`] when no source is
    /// present.
    pub fn from_fields(
        account: Option<&AccountNumber>,
        bankaba: Option<&RoutingNumber>,
        profile: Option<&ProfileField>,
        track: Option<&TrackData>,
    ) -> Result<Self, ValueError> {
        if let Some(ProfileField::Use(r)) = profile {
            return Ok(Self::Profile(r.clone()));
        }
        if let Some(t) = track {
            return Ok(Self::Track(t.clone()));
        }
        let Some(account) = account else {
            return Err(ValueError::Empty {
                kind: "payment source (account, profile or track)",
            });
        };
        let text = account.expose();
        if let Some(routing) = bankaba {
            return Ok(Self::Ach(AchAccount::new(
                routing.clone(),
                BankAccountNumber::new(text)?,
            )));
        }
        if Token::looks_like_token(text) {
            return Token::new(text).map(Self::Token);
        }
        CardNumber::new(text).map(Self::Card)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routing_numbers_from_the_spec_pass_the_aba_check() {
        for r in ["036001808", "011401533", "124001545"] {
            assert!(RoutingNumber::new(r).unwrap().checksum_valid(), "{r}");
        }
        assert!(!RoutingNumber::new("123456789").unwrap().checksum_valid());
        assert!(RoutingNumber::new("12345678").is_err());
    }

    #[test]
    fn profile_field_reads_flags_and_references() {
        assert_eq!("Y".parse::<ProfileField>(), Ok(ProfileField::Create));
        assert_eq!("y".parse::<ProfileField>(), Ok(ProfileField::Create));
        let r: ProfileField = "18399859418147107070/1".parse().unwrap();
        assert_eq!(r.to_string(), "18399859418147107070/1");
        let bare: ProfileField = "18399859418147107070".parse().unwrap();
        assert!(matches!(
            bare,
            ProfileField::Use(ProfileRef { account: None, .. })
        ));
        assert!("x/1".parse::<ProfileField>().is_err());
    }

    #[test]
    fn account_text_is_classified_like_the_gateway_does() {
        let a = |s: &str| AccountNumber::new(s).unwrap();
        assert!(matches!(
            PaymentSource::from_fields(Some(&a("9418594164541111")), None, None, None),
            Ok(PaymentSource::Token(_))
        ));
        assert!(matches!(
            PaymentSource::from_fields(Some(&a("4111111111111111")), None, None, None),
            Ok(PaymentSource::Card(_))
        ));
        assert!(matches!(
            PaymentSource::from_fields(Some(&a("4111111111111112")), None, None, None),
            Err(ValueError::LuhnCheckFailed { .. })
        ));
        assert!(matches!(
            PaymentSource::from_fields(Some(&a("larry")), None, None, None),
            Err(ValueError::Character { .. } | ValueError::Length { .. })
        ));
        let aba = RoutingNumber::new("036001808").unwrap();
        assert!(matches!(
            PaymentSource::from_fields(Some(&a("1234123412341234")), Some(&aba), None, None),
            Ok(PaymentSource::Ach(_))
        ));
        assert!(PaymentSource::from_fields(None, None, None, None).is_err());
    }
}
