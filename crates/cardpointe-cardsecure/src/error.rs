//! Errors: local validation failures, CardSecure's own error codes, and transport failures.

use cardpointe_types::CardBrand;

/// Why local validation refused the input. Nothing was sent.
///
/// Messages say what is wrong and how to fix it; they never contain the card number, CVV or
/// account number (at most a position, a length, or the first six digits of the PAN).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValidationError {
    /// The card number is empty.
    #[error("the card number is empty")]
    PanEmpty,
    /// A character other than a digit, space or dash.
    #[error(
        "the card number has a character that is not a digit at position {position} (only digits, spaces and dashes are allowed)"
    )]
    PanCharacter {
        /// Zero-based character position in the input.
        position: usize,
    },
    /// Fewer than 12 digits.
    #[error("the card number has {length} digits; card numbers have 12 to 19")]
    PanTooShort {
        /// Digits found.
        length: usize,
    },
    /// More than 19 digits.
    #[error("the card number has {length} digits; card numbers have 12 to 19")]
    PanTooLong {
        /// Digits found.
        length: usize,
    },
    /// The leading digits match no supported brand.
    #[error("no supported card brand starts with {iin}; check the first digits")]
    UnknownBrand {
        /// The first six digits (the IIN), which PCI DSS allows to show.
        iin: String,
    },
    /// The number starts with 9: it is a CardSecure token, not a card number.
    #[error(
        "the number starts with 9, which marks a CardSecure token rather than a card number; use it as the account directly"
    )]
    PanLooksLikeToken,
    /// The brand does not issue cards of this length.
    #[error("{} card numbers have {} digits, not {length}", brand.name(), lengths(allowed))]
    PanLengthForBrand {
        /// The detected brand.
        brand: CardBrand,
        /// Digits found.
        length: usize,
        /// Lengths the brand issues.
        allowed: &'static [usize],
    },
    /// The Luhn check digit is wrong: a typing mistake.
    #[error("the card number fails the Luhn check: a digit was probably mistyped")]
    LuhnCheckFailed,
    /// The expiry is not in a format this crate reads.
    #[error("the expiry {found:?} is not a date: write it as MMYY, MM/YY or MM/YYYY")]
    ExpiryFormat {
        /// What was given (an expiry is not secret).
        found: String,
    },
    /// The month is not 01–12.
    #[error("the expiry month {month} is not between 01 and 12")]
    ExpiryMonth {
        /// The month given.
        month: u8,
    },
    /// The card expired before the current month.
    #[error("the card expired at the end of {month:02}/{year}")]
    Expired {
        /// Expiry month.
        month: u8,
        /// Expiry year (four digits).
        year: u16,
    },
    /// The CVV has a character that is not a digit.
    #[error("the CVV must be digits only")]
    CvvCharacter,
    /// The CVV length does not match the brand (4 for American Express, 3 otherwise).
    #[error("a {} CVV has {expected} digits, not {length}", brand.name())]
    CvvLength {
        /// The card's brand.
        brand: CardBrand,
        /// Digits given.
        length: usize,
        /// Digits expected.
        expected: usize,
    },
    /// The ABA routing number is not 9 digits.
    #[error("the routing number must be 9 digits (it has {length} characters)")]
    RoutingFormat {
        /// Characters given.
        length: usize,
    },
    /// The ABA routing number fails its check digit (weights 3-7-1).
    #[error("the routing number fails its ABA check digit: a digit was probably mistyped")]
    RoutingChecksum,
    /// The bank account number is not 4–17 digits.
    #[error("the bank account number must be 4 to 17 digits (it has {length} characters)")]
    AccountFormat {
        /// Characters given.
        length: usize,
    },
    /// Reader data that is empty or not printable ASCII.
    #[error("the reader data is empty or holds characters that are not printable ASCII")]
    ReaderDataFormat,
    /// Reader data in the clear: CardSecure refuses it (spec 7); only `auth.track` takes it.
    #[error(
        "the reader data is not encrypted; CardSecure accepts only encrypted reader output (turn encryption on in the reader, or send clear tracks in auth.track)"
    )]
    ReaderDataNotEncrypted,
    /// A required Apple Pay field is empty.
    #[error("the Apple Pay payment data has no {field}")]
    ApplePayField {
        /// The missing field (`data`, `signature`, `ephemeralPublicKey`, `transactionId`).
        field: &'static str,
    },
    /// The Apple Pay payment data is not the expected JSON (`data`, `signature`, `header`).
    #[error("the Apple Pay payment data is not the PKPaymentToken paymentData JSON")]
    ApplePayJson,
    /// The Google Pay token is not a JSON object with `signedMessage`.
    #[error("the Google Pay token is not the wallet's JSON token (an object with signedMessage)")]
    GooglePayToken,
    /// A token update needs an expiry or a CVV.
    #[error("a token update needs an expiry, a CVV, or both")]
    NothingToUpdate,
    /// The echo message is longer than CardSecure's 250 characters.
    #[error("the echo message has {length} characters; the limit is 250")]
    EchoTooLong {
        /// Characters given.
        length: usize,
    },
}

fn lengths(allowed: &[usize]) -> String {
    let parts: Vec<String> = allowed.iter().map(usize::to_string).collect();
    match parts.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// The typed names of CardSecure's error codes; their texts live once, in
/// `cardpointe_types::codes::CARDSECURE_ERRORS`, which [`ErrorCode::text`] reads.
macro_rules! error_codes {
    ($($variant:ident = $code:literal;)*) => {
        /// CardSecure's error codes (spec 6.3), with their documented texts.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $(
                #[doc = concat!("CardSecure `errorcode` ", stringify!($code), ".")]
                $variant,
            )*
            /// A code the documentation does not list.
            Unknown(u32),
        }

        impl ErrorCode {
            /// The code for a number.
            pub fn from_code(code: u32) -> Self {
                match code {
                    $($code => Self::$variant,)*
                    other => Self::Unknown(other),
                }
            }

            /// The number.
            pub fn code(self) -> u32 {
                match self {
                    $(Self::$variant => $code,)*
                    Self::Unknown(other) => other,
                }
            }

            /// The documented text (`"Unknown error code"` for undocumented codes).
            pub fn text(self) -> &'static str {
                cardpointe_types::codes::cardsecure_error_message(self.code())
                    .unwrap_or("Unknown error code")
            }
        }
    };
}

error_codes! {
    NoError = 0;
    WrongVersionNumber = 3;
    InvalidAction = 7;
    NotDecimalDigits = 8;
    KeyIdNotFound = 12;
    DataTooLong = 13;
    DataEmpty = 14;
    UnknownAlgorithm = 16;
    EncryptionFailure = 17;
    Base64DecodeFailure = 19;
    CryptoDataWrongLength = 20;
    DataTooShort = 21;
    CcnWrongLengthOnDecryption = 22;
    DecryptionFailure = 24;
    BadPkcs5Padding = 25;
    BadDecryptedLengthField = 26;
    KeystoreNotInitialized = 27;
    ApplicationNotInitialized = 33;
    BufferTooShort = 35;
    IllegalCharacters = 38;
    WrongMessageLength = 39;
    ServerFailed = 43;
    ConfigItemBad = 44;
    TokenDatabaseProblem = 46;
    UnauthorizedHost = 47;
    TokenPurged = 48;
    DataNotFound = 49;
    HashingError = 50;
    TokenOrDataDuplicate = 53;
    LuhnCheckFailed = 54;
    UnknownSiteName = 55;
    TokenFormatBad = 56;
    RequestSignatureInvalid = 57;
    RequestSignatureExpired = 58;
    RequestSignatureMismatch = 59;
    RequestSignatureFailure = 60;
    PinTranslationFailure = 61;
    KeystoreImportFailure = 63;
    KeystoreUserstoreFailure = 64;
    KeystoreInvalidProcessor = 65;
    UnauthorizedTerminal = 66;
    KeystoreRollbackFailure = 68;
    UnauthorizedDecrypt = 71;
    InvalidEmvTagData = 72;
    EmvTagDataEmpty = 73;
    MissingRequiredParameter = 74;
    InvalidEllipticCurveType = 75;
    JsonSerializationError = 76;
    JsonDeserializationError = 77;
    InvalidSwipeData = 78;
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.text(), self.code())
    }
}

/// An error from a CardSecure call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Local validation refused the input; nothing was sent.
    #[error("invalid input: {0}")]
    Invalid(#[from] ValidationError),
    /// CardSecure answered with an error code.
    #[error("CardSecure refused the request: {code} (message: {message:?})")]
    Rejected {
        /// The typed code.
        code: ErrorCode,
        /// CardSecure's message, redacted like every body excerpt.
        message: String,
    },
    /// CardSecure answered `errorcode` 0 but without a token.
    #[error("CardSecure answered without a token")]
    MissingToken,
    /// The HTTPS call failed (see the transport error's predicates, including `maybe_sent`).
    #[error(transparent)]
    Transport(#[from] cardpointe_transport::Error),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_code_round_trips_with_its_text() {
        for code in [
            0, 3, 7, 8, 12, 13, 14, 16, 17, 19, 20, 21, 22, 24, 25, 26, 27, 33, 35, 38, 39, 43, 44,
            46, 47, 48, 49, 50, 53, 54, 55, 56, 57, 58, 59, 60, 61, 63, 64, 65, 66, 68, 71, 72, 73,
            74, 75, 76, 77, 78,
        ] {
            let typed = ErrorCode::from_code(code);
            assert!(!matches!(typed, ErrorCode::Unknown(_)), "{code}");
            assert_eq!(typed.code(), code);
            assert_ne!(typed.text(), "Unknown error code");
        }
        assert_eq!(
            ErrorCode::from_code(54).text(),
            "Card number check (Luhn formula) failed"
        );
        assert_eq!(ErrorCode::from_code(999), ErrorCode::Unknown(999));
        assert_eq!(ErrorCode::from_code(999).code(), 999);
        assert_eq!(
            ErrorCode::from_code(24).to_string(),
            "Decryption failure (24)"
        );
    }

    #[test]
    fn brand_length_messages_list_the_allowed_lengths() {
        let err = ValidationError::PanLengthForBrand {
            brand: CardBrand::Visa,
            length: 15,
            allowed: CardBrand::Visa.pan_lengths(),
        };
        assert_eq!(
            err.to_string(),
            "Visa card numbers have 13, 16 or 19 digits, not 15"
        );
        let err = ValidationError::PanLengthForBrand {
            brand: CardBrand::Amex,
            length: 16,
            allowed: CardBrand::Amex.pan_lengths(),
        };
        assert_eq!(
            err.to_string(),
            "American Express card numbers have 15 digits, not 16"
        );
    }
}
