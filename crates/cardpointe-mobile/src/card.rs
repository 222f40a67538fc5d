//! Card entry: what a card form needs as the user types — the brand from the first digits, the
//! lengths and CVV length of that brand, the Luhn check, expiry rules and masked forms.
//!
//! Every rule is `cardpointe-types`' (brand table, Luhn, expiry forms), `cardpointe-cardsecure`'s
//! (the validation a tokenize runs first) or `cardpointe-emv`'s (the one PAN masking rule); this
//! module only carries them across the FFI boundary.

use cardpointe_cardsecure::{ManualCard, ValidationError};
use cardpointe_emv::{PanMask, mask_pan};
use cardpointe_types::CardBrand as TypesBrand;

/// A card brand, as the brand table of `cardpointe-types` recognises it from the leading digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, uniffi::Enum)]
#[non_exhaustive]
pub enum CardBrand {
    /// Visa.
    Visa,
    /// Mastercard.
    Mastercard,
    /// American Express.
    Amex,
    /// Discover (and the networks it carries).
    Discover,
    /// Diners Club.
    DinersClub,
    /// JCB.
    Jcb,
    /// China UnionPay.
    UnionPay,
    /// Maestro.
    Maestro,
}

impl CardBrand {
    /// The brand of `cardpointe-types`.
    pub(crate) const fn to_types(self) -> TypesBrand {
        match self {
            Self::Visa => TypesBrand::Visa,
            Self::Mastercard => TypesBrand::Mastercard,
            Self::Amex => TypesBrand::Amex,
            Self::Discover => TypesBrand::Discover,
            Self::DinersClub => TypesBrand::Diners,
            Self::Jcb => TypesBrand::Jcb,
            Self::UnionPay => TypesBrand::UnionPay,
            Self::Maestro => TypesBrand::Maestro,
        }
    }

    /// The card brand of `cardpointe-types`' brand, `None` for account types that are not
    /// card brands (ACH, PINless debit, ...).
    pub(crate) fn from_types(brand: &TypesBrand) -> Option<Self> {
        Some(match brand {
            TypesBrand::Visa => Self::Visa,
            TypesBrand::Mastercard => Self::Mastercard,
            TypesBrand::Amex => Self::Amex,
            TypesBrand::Discover => Self::Discover,
            TypesBrand::Diners => Self::DinersClub,
            TypesBrand::Jcb => Self::Jcb,
            TypesBrand::UnionPay => Self::UnionPay,
            TypesBrand::Maestro => Self::Maestro,
            _ => return None,
        })
    }
}

/// How much of a card number a masked form shows (at most the first six and last four digits,
/// whatever the format).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, uniffi::Enum)]
#[non_exhaustive]
pub enum MaskFormat {
    /// The first six and the last four: `411111******1111`.
    FirstSixLastFour,
    /// The last four only: `************1111`.
    LastFour,
    /// The gateway's echo: the first two and the last four, `X` for the rest.
    Gateway,
}

/// A card number that passed validation, as it may be shown: never the whole number.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
#[non_exhaustive]
pub struct ValidatedCardNumber {
    /// The brand.
    pub brand: CardBrand,
    /// The first six digits (the BIN), which PCI DSS allows to show.
    pub bin: String,
    /// The last four digits.
    pub last_four: String,
    /// First six and last four, grouped as the card prints them (`4111 11** **** 1111`).
    pub masked: String,
}

/// An expiry date that passed validation (not before the current month).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, uniffi::Record)]
#[non_exhaustive]
pub struct CardExpiry {
    /// The month, 1–12.
    pub month: u8,
    /// The year, four digits.
    pub year: u16,
}

/// Why card entry refused a value. The message says what is wrong and how to fix it, and never
/// contains the card number, CVV or account number.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, uniffi::Error)]
#[uniffi(flat_error)]
#[non_exhaustive]
pub enum CardEntryError {
    /// The card number is empty.
    #[error("{0}")]
    NumberEmpty(String),
    /// The card number holds a character other than a digit, space or dash.
    #[error("{0}")]
    NumberCharacter(String),
    /// The card number has too few or too many digits, for any card or for its brand.
    #[error("{0}")]
    NumberLength(String),
    /// No supported brand starts with these digits.
    #[error("{0}")]
    UnknownBrand(String),
    /// The number is a CardSecure token, not a card number.
    #[error("{0}")]
    NumberIsToken(String),
    /// The Luhn check digit is wrong: a digit was mistyped.
    #[error("{0}")]
    LuhnCheckFailed(String),
    /// The expiry is not a date, or its month is not 01–12.
    #[error("{0}")]
    ExpiryFormat(String),
    /// The card has expired.
    #[error("{0}")]
    Expired(String),
    /// The CVV has a non-digit, or the wrong length for the brand.
    #[error("{0}")]
    Cvv(String),
    /// The routing number is not 9 digits or fails its check digit.
    #[error("{0}")]
    RoutingNumber(String),
    /// The bank account number is not 4–17 digits.
    #[error("{0}")]
    AccountNumber(String),
    /// A wallet payload (Apple Pay, Google Pay) is not the wallet's JSON.
    #[error("{0}")]
    WalletPayload(String),
    /// Reader data that CardSecure cannot take (empty, or not encrypted).
    #[error("{0}")]
    ReaderData(String),
    /// Another rule of the tokenizer (named in the message).
    #[error("{0}")]
    Other(String),
}

impl From<ValidationError> for CardEntryError {
    fn from(error: ValidationError) -> Self {
        use ValidationError as V;
        let message = error.to_string();
        match error {
            V::PanEmpty => Self::NumberEmpty(message),
            V::PanCharacter { .. } => Self::NumberCharacter(message),
            V::PanTooShort { .. } | V::PanTooLong { .. } | V::PanLengthForBrand { .. } => {
                Self::NumberLength(message)
            }
            V::UnknownBrand { .. } => Self::UnknownBrand(message),
            V::PanLooksLikeToken => Self::NumberIsToken(message),
            V::LuhnCheckFailed => Self::LuhnCheckFailed(message),
            V::ExpiryFormat { .. } | V::ExpiryMonth { .. } => Self::ExpiryFormat(message),
            V::Expired { .. } => Self::Expired(message),
            V::CvvCharacter | V::CvvLength { .. } => Self::Cvv(message),
            V::RoutingFormat { .. } | V::RoutingChecksum => Self::RoutingNumber(message),
            V::AccountFormat { .. } => Self::AccountNumber(message),
            V::ApplePayField { .. } | V::ApplePayJson | V::GooglePayToken => {
                Self::WalletPayload(message)
            }
            V::ReaderDataFormat | V::ReaderDataNotEncrypted => Self::ReaderData(message),
            _ => Self::Other(message),
        }
    }
}

fn number_info(number: &cardpointe_types::CardNumber) -> ValidatedCardNumber {
    ValidatedCardNumber {
        brand: number
            .brand()
            .as_ref()
            .and_then(CardBrand::from_types)
            .unwrap_or(CardBrand::Visa),
        bin: number.bin().to_owned(),
        last_four: number.last_four().to_owned(),
        masked: mask_pan(number.expose(), PanMask::FIRST_SIX_LAST_FOUR.grouped()),
    }
}

/// The brand the leading digits announce, as the user types (spaces and dashes are ignored);
/// `None` until the digits decide it, or for a number no supported brand issues.
#[uniffi::export]
#[must_use]
pub fn card_brand(number: String) -> Option<CardBrand> {
    let digits: String = number.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    TypesBrand::from_pan_prefix(&digits)
        .as_ref()
        .and_then(CardBrand::from_types)
}

/// The card-number lengths `brand` issues (a form's maximum length is the largest).
#[uniffi::export]
#[must_use]
pub fn card_number_lengths(brand: CardBrand) -> Vec<u32> {
    brand
        .to_types()
        .pan_lengths()
        .iter()
        .map(|&len| u32::try_from(len).unwrap_or(u32::MAX))
        .collect()
}

/// The CVV length for `brand`: 4 for American Express, 3 otherwise.
#[uniffi::export]
#[must_use]
pub fn cvv_length(brand: CardBrand) -> u8 {
    u8::try_from(brand.to_types().cvv_length()).unwrap_or(u8::MAX)
}

/// The brand's display name (`American Express`).
#[uniffi::export]
#[must_use]
pub fn card_brand_name(brand: CardBrand) -> String {
    brand.to_types().name().to_owned()
}

/// The Luhn (mod 10) check over a string of digits; `false` for anything else.
#[uniffi::export]
#[must_use]
pub fn passes_luhn_check(digits: String) -> bool {
    cardpointe_types::luhn_valid(&digits)
}

/// Validates a card number as typed: 12–19 digits (spaces and dashes allowed), a supported
/// brand, a length that brand issues, not a CardSecure token, the Luhn check.
///
/// # Errors
/// The first rule broken, as a [`CardEntryError`].
#[uniffi::export]
pub fn validate_card_number(number: String) -> Result<ValidatedCardNumber, CardEntryError> {
    Ok(number_info(&cardpointe_cardsecure::validate_card_number(
        &number,
    )?))
}

/// Validates a typed expiry (`MMYY`, `MM/YY`, `MM/YYYY`, `MM-YY`): a date, not before the
/// current month.
///
/// # Errors
/// [`CardEntryError::ExpiryFormat`] or [`CardEntryError::Expired`].
#[uniffi::export]
pub fn validate_expiry(expiry: String) -> Result<CardExpiry, CardEntryError> {
    let expiry = cardpointe_cardsecure::validate_expiry(&expiry)?;
    Ok(CardExpiry {
        month: expiry.month(),
        year: expiry.year(),
    })
}

/// Validates a CVV for a card of `brand` (digits only; 4 for American Express, 3 otherwise).
///
/// # Errors
/// [`CardEntryError::Cvv`].
#[uniffi::export]
pub fn validate_cvv(cvv: String, brand: CardBrand) -> Result<(), CardEntryError> {
    cardpointe_cardsecure::validate_cvv(&cvv, brand.to_types())?;
    Ok(())
}

/// Validates a whole keyed card (number, expiry, optional CVV) with the rules a tokenize runs
/// first.
///
/// # Errors
/// The first rule broken, in the order number, expiry, CVV.
#[uniffi::export]
pub fn validate_card(
    number: String,
    expiry: String,
    cvv: Option<String>,
) -> Result<ValidatedCardNumber, CardEntryError> {
    let card = ManualCard::new(&number, &expiry, cvv.as_deref())?;
    Ok(number_info(card.number()))
}

/// A card number (whole, partly typed or already masked) masked by `format`, optionally grouped
/// as the card prints it (`4-6-5` for 15 digits, `4-6-4` for 14, fours otherwise). Never shows
/// more than the first six and last four digits.
#[uniffi::export]
#[must_use]
pub fn mask_card_number(number: String, format: MaskFormat, grouped: bool) -> String {
    let mask = match format {
        MaskFormat::FirstSixLastFour => PanMask::FIRST_SIX_LAST_FOUR,
        MaskFormat::LastFour => PanMask::LAST_FOUR,
        MaskFormat::Gateway => PanMask::GATEWAY,
    };
    mask_pan(&number, if grouped { mask.grouped() } else { mask })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_brand_shows_from_the_first_digits_typed() {
        assert_eq!(card_brand("4".into()), Some(CardBrand::Visa));
        assert_eq!(card_brand("3714 49".into()), Some(CardBrand::Amex));
        assert_eq!(card_brand("2223-0000".into()), Some(CardBrand::Mastercard));
        assert_eq!(card_brand("9418 5941".into()), None);
        assert_eq!(card_number_lengths(CardBrand::Amex), [15]);
        assert_eq!(cvv_length(CardBrand::Amex), 4);
        assert_eq!(cvv_length(CardBrand::Discover), 3);
        assert_eq!(card_brand_name(CardBrand::Amex), "American Express");
    }

    #[test]
    fn a_valid_number_is_described_without_its_middle_digits() {
        let info = validate_card_number("3714 496353 98431".into()).expect("valid");
        assert_eq!(info.brand, CardBrand::Amex);
        assert_eq!(info.bin, "371449");
        assert_eq!(info.last_four, "8431");
        assert_eq!(info.masked, "3714 49**** *8431");
    }

    #[test]
    fn each_broken_rule_has_its_own_error_and_no_card_number() {
        let luhn = validate_card_number("4111 1111 1111 1112".into()).unwrap_err();
        assert!(matches!(luhn, CardEntryError::LuhnCheckFailed(_)));
        assert!(!luhn.to_string().contains("41111111"));
        assert!(matches!(
            validate_card_number("4111 1111 1111".into()),
            Err(CardEntryError::NumberLength(_))
        ));
        assert!(matches!(
            validate_card_number("9418594164541111".into()),
            Err(CardEntryError::NumberIsToken(_))
        ));
        assert!(matches!(
            validate_card_number("4111a".into()),
            Err(CardEntryError::NumberCharacter(_))
        ));
        assert!(matches!(
            validate_expiry("13/30".into()),
            Err(CardEntryError::ExpiryFormat(_))
        ));
        assert!(matches!(
            validate_expiry("01/20".into()),
            Err(CardEntryError::Expired(_))
        ));
        assert_eq!(
            validate_expiry("12/2099".into()),
            Ok(CardExpiry {
                month: 12,
                year: 2099
            })
        );
        assert!(validate_cvv("1234".into(), CardBrand::Amex).is_ok());
        assert!(matches!(
            validate_cvv("123".into(), CardBrand::Amex),
            Err(CardEntryError::Cvv(_))
        ));
        let cvv = validate_card(
            "4111111111111111".into(),
            "12/99".into(),
            Some("12a".into()),
        );
        assert!(matches!(cvv, Err(CardEntryError::Cvv(_))));
    }

    #[test]
    fn masks_never_show_more_than_six_and_four() {
        let pan = "4111111111111111".to_owned();
        assert_eq!(
            mask_card_number(pan.clone(), MaskFormat::FirstSixLastFour, false),
            "411111******1111"
        );
        assert_eq!(
            mask_card_number(pan.clone(), MaskFormat::LastFour, true),
            "**** **** **** 1111"
        );
        assert_eq!(
            mask_card_number(pan, MaskFormat::Gateway, false),
            "41XXXXXXXXXX1111"
        );
    }
}
