//! CardSecure: `ccn/tokenize` (card, ACH, reader data, wallets, token update) and `echo`
//! (spec §6).

use serde::{Deserialize, Serialize};

use crate::enums::open_enum;
use crate::operation::{Api, Method, RetrySafety, operation, parse_json};
use crate::wire::model;
use crate::{
    AccountNumber, AchAccount, CardNumber, Cvv, DeviceData, Expiry, Token, ValueError, codes,
};

open_enum! {
    /// How `account`/`devicedata` is encrypted (`encryptionhandler`); omitted for reader data
    /// and clear PANs.
    pub enum EncryptionHandler {
        /// Client-side RSA/ECB/PKCS1 with a key pair issued by support.
        Rsa = "RSA",
        /// An Apple Pay payload in `devicedata`.
        ApplePay = "EC_APPLE_PAY",
        /// A Google Pay payload in `devicedata`.
        GooglePay = "EC_GOOGLE_PAY",
    }
}

model! {
    /// `POST /cardsecure/api/v1/ccn/tokenize`: exactly one of `account` / `devicedata`. This is
    /// the body `cardpointe-cardsecure` sends, built by the constructors below.
    #[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
    #[non_exhaustive]
    pub struct TokenizeRequest {
        /// Clear PAN, `routing/account` for ACH, an RSA-encrypted blob, or an existing token
        /// (to attach `expiry`/`cvv` to it).
        account: AccountNumber,
        /// Encrypted reader output, or an Apple Pay / Google Pay payload.
        devicedata: DeviceData,
        /// Encryption of the above.
        encryptionhandler: EncryptionHandler,
        /// Expiry to store with the token.
        expiry: Expiry,
        /// CVV to store with the token (cleared after its first auth).
        cvv: Cvv,
        /// Base64 gzipped BMP signature.
        signature: String,
        /// `true`: a fresh token instead of the deterministic one.
        unique: bool,
    }
}

impl TokenizeRequest {
    /// Tokenizes a clear card number.
    #[must_use]
    pub fn card(pan: &CardNumber) -> Self {
        Self {
            account: AccountNumber::new(pan.expose()).ok(),
            ..Self::default()
        }
    }

    /// Tokenizes a clear bank account (`"<routing>/<account>"`).
    ///
    /// # Errors
    /// Never for valid parts; kept fallible so the wire text is validated like every other.
    pub fn ach(account: &AchAccount) -> Result<Self, ValueError> {
        let text =
            zeroize::Zeroizing::new(format!("{}/{}", account.routing, account.account.expose()));
        Ok(Self {
            account: Some(AccountNumber::new(text.as_str())?),
            ..Self::default()
        })
    }

    /// Tokenizes encrypted reader output (MSR/EMV/NFC from a CardPointe-injected reader).
    #[must_use]
    pub fn device(data: DeviceData) -> Self {
        Self {
            devicedata: Some(data),
            ..Self::default()
        }
    }

    /// Tokenizes an Apple Pay or Google Pay payload.
    #[must_use]
    pub fn wallet(data: DeviceData, handler: EncryptionHandler) -> Self {
        Self {
            devicedata: Some(data),
            encryptionhandler: Some(handler),
            ..Self::default()
        }
    }

    /// Attaches an expiry and/or CVV to an existing token (not for tokens carrying track data).
    #[must_use]
    pub fn token_update(token: &Token, expiry: Option<Expiry>, cvv: Option<Cvv>) -> Self {
        Self {
            account: AccountNumber::new(token.as_str()).ok(),
            expiry,
            cvv,
            ..Self::default()
        }
    }
}

model! {
    /// The answer to `tokenize`: `{"message":"No error","errorcode":0,"token":"96…"}`, or an
    /// error code and message without a token.
    #[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
    #[non_exhaustive]
    pub struct TokenizeResponse {
        /// `No error` (capitalisation varies) or the error text.
        message: String,
        /// `0` on success; see [`codes::CARDSECURE_ERRORS`].
        errorcode: u32,
        /// The token.
        token: Token,
    }
}

impl TokenizeResponse {
    /// `true` when `errorcode` is 0 (or absent) and a token came back.
    #[must_use]
    pub fn is_success(&self) -> bool {
        self.errorcode.unwrap_or(0) == 0 && self.token.is_some()
    }

    /// The documented message of the error code, if any.
    #[must_use]
    pub fn error_text(&self) -> Option<&'static str> {
        self.errorcode
            .filter(|c| *c != 0)
            .and_then(codes::cardsecure_error_message)
    }
}

// Tokenizing never moves money: a resend is safe. A reader or wallet payload is single-use, so
// a resend of one CardSecure already consumed can only fail; `cardpointe-cardsecure` gives those
// calls no resend budget. CardSecure documents its refusals (`errorcode`) under HTTP 400.
operation!(
    TokenizeRequest => TokenizeResponse, name: "tokenize", method: Method::Post,
    api: Api::CardSecure, retry: RetrySafety::Safe, body: json,
    path: |_s, _m| Ok("ccn/tokenize".to_owned()), parse: parse_json,
    error_status: |status| status == 400,
);

model! {
    /// `POST /cardsecure/api/v1/echo`: `message` must be present (may be empty, ≤ 250).
    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
    #[non_exhaustive]
    pub struct EchoRequest {
        @required {
            /// The text to echo.
            message: String,
        }
    }
}

impl EchoRequest {
    /// Echoes `message`.
    ///
    /// # Errors
    /// [`ValueError::Length`] beyond 250 characters.
    pub fn new(message: impl Into<String>) -> Result<Self, ValueError> {
        let message = message.into();
        let len = message.chars().count();
        if len > 250 {
            return Err(ValueError::Length {
                kind: "echo message",
                len,
                min: 0,
                max: 250,
            });
        }
        Ok(Self { message })
    }
}

model! {
    /// The answer to `echo`.
    #[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
    #[non_exhaustive]
    pub struct EchoResponse {
        /// The echoed text.
        message: String,
        /// `0` on success.
        errorcode: u32,
    }
}

operation!(
    EchoRequest => EchoResponse, name: "echo", method: Method::Post, api: Api::CardSecure,
    retry: RetrySafety::Safe, body: json,
    path: |_s, _m| Ok("echo".to_owned()), parse: parse_json,
    error_status: |status| status == 400,
);
