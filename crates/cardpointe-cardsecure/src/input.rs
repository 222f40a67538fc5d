//! What can be tokenized: a manually entered card, reader output, a bank account, a wallet
//! payload. Each validates locally first; each masks itself and zeroes its memory on drop.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use cardpointe_emv::{PanMask, mask_pan};
use cardpointe_types::{
    AchAccount, BankAccountNumber, CardBrand, CardNumber, Cvv, Expiry, RoutingNumber, ValueError,
    luhn_valid,
};
use serde::Deserialize;
use zeroize::Zeroizing;

use crate::ValidationError;

/// A manually entered card, validated: Luhn, brand by IIN, length for the brand, expiry not
/// before the current month, CVV length for the brand.
#[derive(Clone)]
pub struct ManualCard {
    pub(crate) number: CardNumber,
    pub(crate) expiry: Expiry,
    pub(crate) cvv: Option<Cvv>,
}

impl ManualCard {
    /// Validates a card as typed, against the current month of the system clock.
    ///
    /// ```
    /// use cardpointe_cardsecure::{ManualCard, ValidationError};
    /// use cardpointe_types::CardBrand;
    /// let card = ManualCard::new("4111 1111 1111 1111", "12/99", Some("123"))?;
    /// assert_eq!(card.number().last_four(), "1111");
    /// assert_eq!(
    ///     ManualCard::new("378282246310005", "12/99", Some("123")).unwrap_err(),
    ///     ValidationError::CvvLength { brand: CardBrand::Amex, length: 3, expected: 4 },
    /// );
    /// # Ok::<(), ValidationError>(())
    /// ```
    ///
    /// # Errors
    /// The first [`ValidationError`] found, in the order number, expiry, CVV.
    pub fn new(number: &str, expiry: &str, cvv: Option<&str>) -> Result<Self, ValidationError> {
        Self::new_at(number, expiry, cvv, current_month())
    }

    /// Like [`new`](Self::new) with an explicit current month (for tests and replays).
    ///
    /// # Errors
    /// As [`new`](Self::new).
    pub fn new_at(
        number: &str,
        expiry: &str,
        cvv: Option<&str>,
        now: Expiry,
    ) -> Result<Self, ValidationError> {
        let number = validate_card_number(number)?;
        let brand = number.brand().unwrap_or(CardBrand::Visa);
        let expiry = validate_expiry_format(expiry)?;
        if expiry.is_expired_at(now.year(), now.month()) {
            return Err(ValidationError::Expired {
                month: expiry.month(),
                year: expiry.year(),
            });
        }
        let cvv = match cvv.map(str::trim).filter(|c| !c.is_empty()) {
            None => None,
            Some(raw) => Some(validate_cvv(raw, brand)?),
        };
        Ok(Self {
            number,
            expiry,
            cvv,
        })
    }

    /// The validated card number.
    pub fn number(&self) -> &CardNumber {
        &self.number
    }

    /// The brand (always known: an unknown brand is refused).
    pub fn brand(&self) -> CardBrand {
        self.number.brand().unwrap_or(CardBrand::Visa)
    }

    /// The expiry.
    pub fn expiry(&self) -> Expiry {
        self.expiry
    }

    /// Whether a CVV was given.
    pub fn has_cvv(&self) -> bool {
        self.cvv.is_some()
    }

    /// The CVV, when one was given.
    pub fn cvv(&self) -> Option<&Cvv> {
        self.cvv.as_ref()
    }
}

impl fmt::Debug for ManualCard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManualCard")
            .field("number", &self.number)
            .field("expiry", &self.expiry)
            .field("cvv", &self.cvv.as_ref().map(|_| "***"))
            .finish()
    }
}

/// Validates a card number as a person types it (spaces and dashes between digits allowed and
/// dropped): digits only, 12–19 of them, a known brand ([`CardBrand::from_pan_prefix`]), a
/// length the brand issues, not a CardSecure token, the Luhn check. [`ManualCard::new`] runs
/// it first; a card-entry form runs it alone, field by field.
///
/// ```
/// use cardpointe_cardsecure::{validate_card_number, ValidationError};
/// assert_eq!(validate_card_number("4111-1111-1111-1111")?.last_four(), "1111");
/// assert_eq!(validate_card_number("4111 1111 1111 1112"), Err(ValidationError::LuhnCheckFailed));
/// # Ok::<(), ValidationError>(())
/// ```
///
/// # Errors
/// The first rule broken, as a [`ValidationError`] (never holding the number).
pub fn validate_card_number(input: &str) -> Result<CardNumber, ValidationError> {
    let mut digits = Zeroizing::new(String::with_capacity(19));
    for (position, c) in input.trim().chars().enumerate() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' => {}
            _ => return Err(ValidationError::PanCharacter { position }),
        }
    }
    let length = digits.len();
    if length == 0 {
        return Err(ValidationError::PanEmpty);
    }
    if length < 12 {
        return Err(ValidationError::PanTooShort { length });
    }
    if length > 19 {
        return Err(ValidationError::PanTooLong { length });
    }
    let Some(brand) = CardBrand::from_pan_prefix(&digits) else {
        if digits.starts_with('9') {
            return Err(ValidationError::PanLooksLikeToken);
        }
        return Err(ValidationError::UnknownBrand {
            iin: digits.get(..6).unwrap_or_default().to_owned(),
        });
    };
    if !brand.issues_length(length) {
        return Err(ValidationError::PanLengthForBrand {
            allowed: brand.pan_lengths(),
            brand,
            length,
        });
    }
    if !luhn_valid(&digits) {
        return Err(ValidationError::LuhnCheckFailed);
    }
    CardNumber::new(digits.as_str()).map_err(|_| ValidationError::LuhnCheckFailed)
}

/// Reads a typed expiry ([`Expiry::parse_typed`]), keeping what was typed for the message (an
/// expiry is not secret).
fn validate_expiry_format(input: &str) -> Result<Expiry, ValidationError> {
    Expiry::parse_typed(input).map_err(|e| match e {
        ValueError::Range {
            kind: "expiry month",
            value,
            ..
        } => ValidationError::ExpiryMonth {
            month: u8::try_from(value).unwrap_or(u8::MAX),
        },
        _ => ValidationError::ExpiryFormat {
            found: input.chars().take(12).collect(),
        },
    })
}

/// Validates a typed expiry (`MMYY`, `MM/YY`, `MM/YYYY`, ...): a date, and not before the
/// current month of the system clock, as [`ManualCard::new`] checks it.
///
/// # Errors
/// [`ValidationError::ExpiryFormat`], [`ValidationError::ExpiryMonth`] or
/// [`ValidationError::Expired`].
pub fn validate_expiry(input: &str) -> Result<Expiry, ValidationError> {
    let expiry = validate_expiry_format(input)?;
    let now = current_month();
    if expiry.is_expired_at(now.year(), now.month()) {
        return Err(ValidationError::Expired {
            month: expiry.month(),
            year: expiry.year(),
        });
    }
    Ok(expiry)
}

/// Validates a CVV for a card of `brand`: digits only, [`CardBrand::cvv_length`] of them
/// (4 for American Express, 3 otherwise), as [`ManualCard::new`] checks it.
///
/// ```
/// use cardpointe_cardsecure::{validate_cvv, ValidationError};
/// use cardpointe_types::CardBrand;
/// assert!(validate_cvv("1234", CardBrand::Amex).is_ok());
/// assert!(matches!(validate_cvv("123", CardBrand::Amex), Err(ValidationError::CvvLength { .. })));
/// ```
///
/// # Errors
/// [`ValidationError::CvvCharacter`] or [`ValidationError::CvvLength`].
pub fn validate_cvv(input: &str, brand: CardBrand) -> Result<Cvv, ValidationError> {
    let raw = input.trim();
    if !raw.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ValidationError::CvvCharacter);
    }
    let expected = brand.cvv_length();
    if raw.len() != expected {
        return Err(ValidationError::CvvLength {
            brand,
            length: raw.len(),
            expected,
        });
    }
    Cvv::new(raw).map_err(|_| ValidationError::CvvCharacter)
}

/// The current month, from the system clock (UTC).
fn current_month() -> Expiry {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (year, month) = civil_from_days(i64::try_from(secs / 86_400).unwrap_or(0));
    let year = u16::try_from(year).unwrap_or(u16::MAX).clamp(2000, 2099);
    Expiry::new(year, month).unwrap_or(Expiry::LATEST)
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

/// A US bank account for ACH: ABA routing number and account number. `Debug` shows the
/// routing number's first two digits and the account's last four.
#[derive(Clone)]
pub struct BankAccount {
    routing: Zeroizing<String>,
    account: Zeroizing<String>,
}

impl BankAccount {
    /// Validates the routing number (9 digits, ABA check digit) and the account number
    /// (4–17 digits).
    ///
    /// # Errors
    /// [`ValidationError::RoutingFormat`], [`ValidationError::RoutingChecksum`] or
    /// [`ValidationError::AccountFormat`].
    pub fn new(routing: &str, account: &str) -> Result<Self, ValidationError> {
        let routing = Zeroizing::new(routing.trim().to_owned());
        let account = Zeroizing::new(account.trim().to_owned());
        if routing.len() != 9 || !routing.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ValidationError::RoutingFormat {
                length: routing.len(),
            });
        }
        let aba =
            RoutingNumber::new(routing.as_str()).map_err(|_| ValidationError::RoutingFormat {
                length: routing.len(),
            })?;
        if !aba.checksum_valid() {
            return Err(ValidationError::RoutingChecksum);
        }
        if !(4..=17).contains(&account.len()) || !account.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ValidationError::AccountFormat {
                length: account.len(),
            });
        }
        Ok(Self { routing, account })
    }

    /// The last four digits of the account number.
    pub fn last_four(&self) -> &str {
        self.account
            .get(self.account.len().saturating_sub(4)..)
            .unwrap_or_default()
    }

    /// The account as `cardpointe-types` models it (what the tokenize request carries).
    ///
    /// # Errors
    /// Never for a validated account; a [`ValueError`] otherwise.
    pub fn to_ach_account(&self) -> Result<AchAccount, ValueError> {
        Ok(AchAccount::new(
            RoutingNumber::new(self.routing.as_str())?,
            BankAccountNumber::new(self.account.as_str())?,
        ))
    }
}

impl fmt::Debug for BankAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "BankAccount(routing {}*******, account …{})",
            self.routing.get(..2).unwrap_or_default(),
            self.last_four()
        )
    }
}

/// Encrypted reader output (swipe or EMV) for CardSecure's `devicedata` (spec 7): the ID TECH
/// enhanced-encrypted MSR string or the hex TLV string, sent verbatim, with no
/// `encryptionhandler`.
///
/// Build it from `cardpointe-vp3300`'s `EncryptedCardData` with
/// [`ReaderData::from_encrypted_card_data`] (or [`ReaderData::new`] from the parts of another
/// reader's output). `Debug`
/// shows only the masked PAN and the payload's length; the payload is zeroed on drop.
#[derive(Clone)]
pub struct ReaderData {
    payload: Zeroizing<String>,
    masked_pan: Option<String>,
    expiry: Option<Expiry>,
}

impl ReaderData {
    /// From the reader payload and whether the reader encrypted it. `masked_pan` (at most first
    /// six and last four digits) is kept for receipts and logs; anything longer is re-masked.
    ///
    /// # Errors
    /// [`ValidationError::ReaderDataNotEncrypted`] for clear data (CardSecure refuses it; send
    /// it in `auth.track` instead), [`ValidationError::ReaderDataFormat`] for an empty payload
    /// or one that is not printable ASCII.
    pub fn new(
        payload: &str,
        encrypted: bool,
        masked_pan: Option<&str>,
    ) -> Result<Self, ValidationError> {
        if !encrypted {
            return Err(ValidationError::ReaderDataNotEncrypted);
        }
        if payload.is_empty() || !payload.bytes().all(|b| b.is_ascii_graphic() || b == b' ') {
            return Err(ValidationError::ReaderDataFormat);
        }
        Ok(Self {
            payload: Zeroizing::new(payload.to_owned()),
            masked_pan: masked_pan.map(|p| {
                // Keep reader masks like `541333******0011`, but never more digits than 6 + 4.
                let digits = p.bytes().filter(u8::is_ascii_digit).count();
                if digits <= 10 {
                    p.to_owned()
                } else {
                    mask_pan(p, PanMask::FIRST_SIX_LAST_FOUR)
                }
            }),
            expiry: None,
        })
    }

    /// From `cardpointe-vp3300`'s `EncryptedCardData` (swipe or EMV): its payload, encryption
    /// flag, masked PAN and expiry.
    ///
    /// # Errors
    /// As [`new`](Self::new): clear (unencrypted) reader output is refused.
    pub fn from_encrypted_card_data(
        data: &cardpointe_vp3300::EncryptedCardData,
    ) -> Result<Self, ValidationError> {
        let expiry = data
            .expiry()
            .and_then(|(yy, mm)| Expiry::new(2000 + u16::from(yy), mm).ok());
        Ok(Self::new(data.payload(), data.is_encrypted(), data.masked_pan())?.with_expiry(expiry))
    }

    /// Keeps the reader's expiry alongside, for the `auth` that follows.
    #[must_use]
    pub fn with_expiry(mut self, expiry: Option<Expiry>) -> Self {
        self.expiry = expiry;
        self
    }

    /// The masked PAN, when the reader gave one.
    pub fn masked_pan(&self) -> Option<&str> {
        self.masked_pan.as_deref()
    }

    /// The card's expiry, when the reader gave one (the gateway's `auth` needs it with the
    /// token, spec 7).
    pub fn expiry(&self) -> Option<Expiry> {
        self.expiry
    }

    pub(crate) fn payload(&self) -> &str {
        &self.payload
    }
}

impl fmt::Debug for ReaderData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReaderData")
            .field("masked_pan", &self.masked_pan)
            .field("payload_len", &self.payload.len())
            .finish()
    }
}

/// An Apple Pay payment token's `paymentData` (PKPaymentToken), for CardSecure with
/// `encryptionhandler: "EC_APPLE_PAY"`.
#[derive(Clone)]
pub struct ApplePayPayload {
    data: Zeroizing<String>,
    signature: String,
    ephemeral_public_key: String,
    transaction_id: String,
    application_data: Option<String>,
    public_key_hash: Option<String>,
}

#[derive(Deserialize)]
struct ApplePayJson {
    data: String,
    signature: String,
    header: ApplePayHeader,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ApplePayHeader {
    ephemeral_public_key: String,
    transaction_id: String,
    #[serde(default)]
    public_key_hash: Option<String>,
    #[serde(default)]
    application_data: Option<String>,
}

impl ApplePayPayload {
    /// From the parts of `paymentData`.
    ///
    /// # Errors
    /// [`ValidationError::ApplePayField`] naming an empty required field.
    pub fn new(
        data: &str,
        signature: &str,
        ephemeral_public_key: &str,
        transaction_id: &str,
        application_data: Option<&str>,
        public_key_hash: Option<&str>,
    ) -> Result<Self, ValidationError> {
        for (field, value) in [
            ("data", data),
            ("signature", signature),
            ("ephemeralPublicKey", ephemeral_public_key),
            ("transactionId", transaction_id),
        ] {
            if value.trim().is_empty() {
                return Err(ValidationError::ApplePayField { field });
            }
        }
        Ok(Self {
            data: Zeroizing::new(data.to_owned()),
            signature: signature.to_owned(),
            ephemeral_public_key: ephemeral_public_key.to_owned(),
            transaction_id: transaction_id.to_owned(),
            application_data: application_data.map(str::to_owned),
            public_key_hash: public_key_hash.map(str::to_owned),
        })
    }

    /// From the `paymentData` JSON as Apple Pay JS / PassKit gives it
    /// (`{"data":…,"signature":…,"header":{"ephemeralPublicKey":…,"transactionId":…,…},"version":"EC_v1"}`).
    ///
    /// # Errors
    /// [`ValidationError::ApplePayJson`] or [`ValidationError::ApplePayField`].
    pub fn from_payment_data_json(json: &str) -> Result<Self, ValidationError> {
        let parsed: ApplePayJson =
            serde_json::from_str(json).map_err(|_| ValidationError::ApplePayJson)?;
        let data = Zeroizing::new(parsed.data);
        Self::new(
            &data,
            &parsed.signature,
            &parsed.header.ephemeral_public_key,
            &parsed.header.transaction_id,
            parsed.header.application_data.as_deref(),
            parsed.header.public_key_hash.as_deref(),
        )
    }

    /// CardSecure's `devicedata` (spec 6.2): `<data>` first, then the `ec*` keys, no URL
    /// encoding; `echash` present (possibly empty) whenever `ecpublickeyhash` is.
    pub(crate) fn device_data(&self) -> Zeroizing<String> {
        let mut out = Zeroizing::new(String::with_capacity(self.data.len() + 512));
        out.push_str(&self.data);
        out.push_str("&ectype=apple&ecsig=");
        out.push_str(&self.signature);
        out.push_str("&eckey=");
        out.push_str(&self.ephemeral_public_key);
        out.push_str("&ectid=");
        out.push_str(&self.transaction_id);
        if self.application_data.is_some() || self.public_key_hash.is_some() {
            out.push_str("&echash=");
            out.push_str(self.application_data.as_deref().unwrap_or(""));
        }
        if let Some(hash) = &self.public_key_hash {
            out.push_str("&ecpublickeyhash=");
            out.push_str(hash);
        }
        out
    }
}

impl fmt::Debug for ApplePayPayload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApplePayPayload")
            .field("data_len", &self.data.len())
            .field("transaction_id", &self.transaction_id)
            .finish_non_exhaustive()
    }
}

/// A Google Pay payment token (the wallet's JSON string), for CardSecure with
/// `encryptionhandler: "EC_GOOGLE_PAY"`.
#[derive(Clone)]
pub struct GooglePayToken(Zeroizing<String>);

impl GooglePayToken {
    /// Checks that the token is a JSON object with `signedMessage` (and sends it verbatim).
    ///
    /// # Errors
    /// [`ValidationError::GooglePayToken`] otherwise.
    pub fn new(token_json: &str) -> Result<Self, ValidationError> {
        let value: serde_json::Value =
            serde_json::from_str(token_json).map_err(|_| ValidationError::GooglePayToken)?;
        if value
            .get("signedMessage")
            .and_then(serde_json::Value::as_str)
            .is_none()
        {
            return Err(ValidationError::GooglePayToken);
        }
        Ok(Self(Zeroizing::new(token_json.to_owned())))
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for GooglePayToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "GooglePayToken({} bytes)", self.0.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Expiry {
        Expiry::new(2026, 6).unwrap()
    }

    fn manual(pan: &str, expiry: &str, cvv: Option<&str>) -> Result<ManualCard, ValidationError> {
        ManualCard::new_at(pan, expiry, cvv, now())
    }

    #[test]
    fn a_valid_manual_card_passes() {
        let card = manual("4111111111111111", "12/30", Some("123")).unwrap();
        assert_eq!(card.brand(), CardBrand::Visa);
        assert!(card.has_cvv());
        let debug = format!("{card:?}");
        assert!(
            !debug.contains("4111111111111111") && !debug.contains("123\""),
            "{debug}"
        );
        assert!(manual("378282246310005", "0626", Some("1234")).is_ok());
        assert!(manual("5454545454545454", "0626", None).is_ok());
        assert!(manual("5454545454545454", "0626", Some("  ")).is_ok());
    }

    #[test]
    fn every_card_validation_failure_is_reported_precisely() {
        use ValidationError as V;
        let cases: [(&str, &str, Option<&str>, V); 13] = [
            ("", "1230", None, V::PanEmpty),
            (
                "4111x11111111111",
                "1230",
                None,
                V::PanCharacter { position: 4 },
            ),
            ("41111111111", "1230", None, V::PanTooShort { length: 11 }),
            (
                "41111111111111111111",
                "1230",
                None,
                V::PanTooLong { length: 20 },
            ),
            (
                "1234567812345670",
                "1230",
                None,
                V::UnknownBrand {
                    iin: "123456".into(),
                },
            ),
            ("9418594164541111", "1230", None, V::PanLooksLikeToken),
            (
                "411111111111111",
                "1230",
                None,
                V::PanLengthForBrand {
                    brand: CardBrand::Visa,
                    length: 15,
                    allowed: CardBrand::Visa.pan_lengths(),
                },
            ),
            ("4111111111111112", "1230", None, V::LuhnCheckFailed),
            (
                "4111111111111111",
                "12/3",
                None,
                V::ExpiryFormat {
                    found: "12/3".into(),
                },
            ),
            (
                "4111111111111111",
                "1330",
                None,
                V::ExpiryMonth { month: 13 },
            ),
            (
                "4111111111111111",
                "0526",
                None,
                V::Expired {
                    month: 5,
                    year: 2026,
                },
            ),
            ("4111111111111111", "1230", Some("12a"), V::CvvCharacter),
            (
                "4111111111111111",
                "1230",
                Some("1234"),
                V::CvvLength {
                    brand: CardBrand::Visa,
                    length: 4,
                    expected: 3,
                },
            ),
        ];
        for (pan, expiry, cvv, expected) in cases {
            let err = manual(pan, expiry, cvv).unwrap_err();
            assert_eq!(err, expected, "{pan} {expiry} {cvv:?}");
            let text = err.to_string();
            assert!(
                !text.contains("4111111111111111") && !text.contains("9418594164541111"),
                "{text}"
            );
        }
        assert_eq!(
            manual("378282246310005", "1230", Some("123")).unwrap_err(),
            V::CvvLength {
                brand: CardBrand::Amex,
                length: 3,
                expected: 4
            }
        );
    }

    #[test]
    fn bank_accounts_check_the_aba_digit_and_lengths() {
        let account = BankAccount::new("011401533", "1234123412341234").unwrap();
        let ach = account.to_ach_account().unwrap();
        assert_eq!(ach.routing.as_str(), "011401533");
        assert_eq!(ach.account.expose(), "1234123412341234");
        assert_eq!(account.last_four(), "1234");
        assert_eq!(
            format!("{account:?}"),
            "BankAccount(routing 01*******, account …1234)"
        );
        assert!(BankAccount::new("124001545", "123123123123").is_ok());
        assert_eq!(
            BankAccount::new("01140153", "1234").unwrap_err(),
            ValidationError::RoutingFormat { length: 8 }
        );
        assert_eq!(
            BankAccount::new("01140153x", "1234").unwrap_err(),
            ValidationError::RoutingFormat { length: 9 }
        );
        assert_eq!(
            BankAccount::new("011401534", "1234").unwrap_err(),
            ValidationError::RoutingChecksum
        );
        assert_eq!(
            BankAccount::new("011401533", "123").unwrap_err(),
            ValidationError::AccountFormat { length: 3 }
        );
        assert_eq!(
            BankAccount::new("011401533", "123456789012345678").unwrap_err(),
            ValidationError::AccountFormat { length: 18 }
        );
        assert_eq!(
            BankAccount::new("011401533", "12-34").unwrap_err(),
            ValidationError::AccountFormat { length: 5 }
        );
    }

    #[test]
    fn reader_data_must_be_encrypted_printable_and_non_empty() {
        assert_eq!(
            ReaderData::new("02A0…03", false, None).unwrap_err(),
            ValidationError::ReaderDataNotEncrypted
        );
        assert_eq!(
            ReaderData::new("", true, None).unwrap_err(),
            ValidationError::ReaderDataFormat
        );
        assert_eq!(
            ReaderData::new("02\u{7}03", true, None).unwrap_err(),
            ValidationError::ReaderDataFormat
        );
        let data = ReaderData::new("02A001801F3723", true, Some("6011000000006668")).unwrap();
        assert_eq!(data.masked_pan(), Some("601100******6668"));
        assert!(!format!("{data:?}").contains("02A001801F3723"));
    }

    #[test]
    fn clear_swipes_from_the_vp3300_are_refused_before_cardsecure() {
        use cardpointe_vp3300::{EncryptedCardData, MsrRecord, ReadMethod};
        let mut card = vec![0x80, 0x03, 23, 0x00, 0x00, 0x02, 0x00];
        card.extend_from_slice(b";5413330089020011=2512?");
        let data = EncryptedCardData::from_msr_record(&MsrRecord::build(&card), ReadMethod::Swipe)
            .unwrap();
        assert!(!data.is_encrypted());
        assert_eq!(
            ReaderData::from_encrypted_card_data(&data).unwrap_err(),
            ValidationError::ReaderDataNotEncrypted
        );
    }

    #[test]
    fn apple_pay_device_data_puts_data_first_and_echash_with_the_key_hash() {
        let json = r#"{"version":"EC_v1","data":"DATA64","signature":"SIG64","header":{"ephemeralPublicKey":"KEY64","publicKeyHash":"PKH","transactionId":"TID"}}"#;
        let payload = ApplePayPayload::from_payment_data_json(json).unwrap();
        assert_eq!(
            payload.device_data().as_str(),
            "DATA64&ectype=apple&ecsig=SIG64&eckey=KEY64&ectid=TID&echash=&ecpublickeyhash=PKH"
        );
        let bare = ApplePayPayload::new("D", "S", "K", "T", None, None).unwrap();
        assert_eq!(
            bare.device_data().as_str(),
            "D&ectype=apple&ecsig=S&eckey=K&ectid=T"
        );
        assert_eq!(
            ApplePayPayload::new("D", "", "K", "T", None, None).unwrap_err(),
            ValidationError::ApplePayField { field: "signature" }
        );
        assert_eq!(
            ApplePayPayload::from_payment_data_json("{}").unwrap_err(),
            ValidationError::ApplePayJson
        );
    }

    #[test]
    fn google_pay_tokens_must_be_wallet_json() {
        assert!(
            GooglePayToken::new(
                r#"{"signature":"s","protocolVersion":"ECv2","signedMessage":"{}"}"#
            )
            .is_ok()
        );
        assert_eq!(
            GooglePayToken::new("not json").unwrap_err(),
            ValidationError::GooglePayToken
        );
        assert_eq!(
            GooglePayToken::new(r#"{"signature":"s"}"#).unwrap_err(),
            ValidationError::GooglePayToken
        );
    }
}
