//! CardSecure tokenization from the phone: keyed cards, reader cards, bank accounts, Apple Pay
//! and Google Pay payloads. The clear card data goes from the app (or the reader) to CardSecure
//! only; the app's server sees the token.
//!
//! Every call is `cardpointe-cardsecure`'s (local validation, then the CardSecure operation of
//! `cardpointe-types` through `cardpointe-transport`'s one send path).

use std::sync::Arc;
use std::time::Duration;

use cardpointe_cardsecure::{
    ApplePayPayload, BankAccount, CardSecure, Error as CardSecureError, GooglePayToken, ManualCard,
    ReaderData, TokenizeOptions,
};
use cardpointe_transport::{Client, Credentials, Environment, Timeouts};
use cardpointe_types::Token;

use crate::card::{CardBrand, CardEntryError};
use crate::reader::ReaderCard;
use crate::runtime::{self, RuntimeFailure};

/// Where and as whom to tokenize.
///
/// Its Rust `Debug` leaves the password out, but the generated Kotlin data class's `toString`
/// (and Swift's reflection of the struct) show every field, the password included: do not log
/// this record in the app.
#[derive(Clone, uniffi::Record)]
#[allow(
    clippy::exhaustive_structs,
    reason = "a record the app builds field by field (Kotlin and Swift name every field)"
)]
pub struct CardSecureConfig {
    /// The site's base URL, `https://<site>.cardconnect.com` (UAT: `https://<site>-uat.cardconnect.com`),
    /// or a loopback emulator's.
    pub url: String,
    /// The API user name.
    pub username: String,
    /// The API password.
    pub password: String,
    /// The merchant id the calls are made for.
    pub merchant_id: String,
    /// Extra root certificates to trust, PEM (a test emulator's own CA); `None` for the public
    /// roots only.
    #[uniffi(default = None)]
    pub root_certificates_pem: Option<String>,
    /// The time a tokenize may take, in milliseconds; `None` for the client's default.
    #[uniffi(default = None)]
    pub timeout_ms: Option<u64>,
}

impl std::fmt::Debug for CardSecureConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CardSecureConfig")
            .field("url", &self.url)
            .field("username", &self.username)
            .field("merchant_id", &self.merchant_id)
            .finish_non_exhaustive()
    }
}

/// A CardSecure token and what may be shown of the card it stands for.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
#[non_exhaustive]
pub struct CardToken {
    /// The token (`9…`): send it to your server, which authorizes with it.
    pub token: String,
    /// Its last four digits (the card's or the account's).
    pub last_four: String,
    /// The brand the token's digits hint at, for cards.
    pub brand: Option<CardBrand>,
}

impl From<Token> for CardToken {
    fn from(token: Token) -> Self {
        Self {
            last_four: token.last_four().to_owned(),
            brand: token.brand_hint().as_ref().and_then(CardBrand::from_types),
            token: token.as_str().to_owned(),
        }
    }
}

/// Why a tokenize failed. Messages never hold card data.
#[derive(Debug, thiserror::Error, uniffi::Error)]
#[uniffi(flat_error)]
#[non_exhaustive]
pub enum TokenizeError {
    /// Local validation refused the input; nothing was sent (see [`CardEntryError`]).
    #[error("invalid input: {0}")]
    Invalid(CardEntryError),
    /// CardSecure refused the request with one of its error codes.
    #[error("CardSecure refused the request: {code_text} (code {code})")]
    Rejected {
        /// CardSecure's error code (spec 6.3).
        code: u32,
        /// Its documented text.
        code_text: String,
    },
    /// The configuration is unusable (URL, certificate): the message says which setting.
    #[error("the CardSecure configuration is unusable: {0}")]
    Configuration(String),
    /// No connection could be made (network down, TLS, certificate): nothing was sent.
    #[error("could not reach CardSecure: {0}")]
    Connect(String),
    /// CardSecure did not answer in time. A reader or wallet payload is single-use: read or
    /// ask for a new one before trying again.
    #[error("CardSecure did not answer in time: {0}")]
    Timeout(String),
    /// The user name or password is wrong, or does not cover the merchant id.
    #[error("CardSecure refused the credentials: {0}")]
    Unauthorized(String),
    /// Any other failure of the call (an unexpected HTTP status, an unreadable answer).
    #[error("the CardSecure call failed: {0}")]
    Call(String),
    /// The SDK's runtime could not run the call.
    #[error("the SDK's background runtime is unavailable")]
    Runtime,
}

impl From<CardSecureError> for TokenizeError {
    fn from(error: CardSecureError) -> Self {
        match error {
            CardSecureError::Invalid(invalid) => Self::Invalid(invalid.into()),
            CardSecureError::Rejected { code, .. } => Self::Rejected {
                code: code.code(),
                code_text: code.text().to_owned(),
            },
            CardSecureError::Transport(transport) => Self::from(transport),
            other => Self::Call(other.to_string()),
        }
    }
}

impl From<cardpointe_transport::Error> for TokenizeError {
    fn from(error: cardpointe_transport::Error) -> Self {
        let message = error.to_string();
        if error.is_config() {
            Self::Configuration(message)
        } else if error.is_connect() {
            Self::Connect(message)
        } else if error.is_timeout() {
            Self::Timeout(message)
        } else if error.is_auth() {
            Self::Unauthorized(message)
        } else {
            Self::Call(message)
        }
    }
}

impl From<CardEntryError> for TokenizeError {
    fn from(error: CardEntryError) -> Self {
        Self::Invalid(error)
    }
}

impl From<RuntimeFailure> for TokenizeError {
    fn from(_: RuntimeFailure) -> Self {
        Self::Runtime
    }
}

/// The CardSecure tokenizer.
#[derive(Debug, uniffi::Object)]
pub struct Tokenizer {
    cardsecure: CardSecure,
}

#[uniffi::export]
impl Tokenizer {
    /// A tokenizer for `config` (nothing is sent yet).
    ///
    /// # Errors
    /// [`TokenizeError::Configuration`] for an unusable URL or certificate.
    #[uniffi::constructor]
    pub fn new(config: CardSecureConfig) -> Result<Arc<Self>, TokenizeError> {
        let mut builder = Client::builder(Environment::base_url(&config.url)?)
            .credentials(Credentials::new(config.username, config.password))
            .merchant_id(config.merchant_id)
            .app_info("cardpointe-mobile", env!("CARGO_PKG_VERSION"));
        if let Some(pem) = &config.root_certificates_pem {
            builder = builder.add_root_certificates_pem(pem.as_bytes())?;
        }
        if let Some(ms) = config.timeout_ms {
            builder =
                builder.timeouts(Timeouts::default().with_tokenize(Duration::from_millis(ms)));
        }
        Ok(Arc::new(Self {
            cardsecure: CardSecure::new(builder.build()?),
        }))
    }

    /// Validates a keyed card (number, expiry, optional CVV) and tokenizes it; CardSecure keeps
    /// the expiry and CVV with the token for the next auth.
    ///
    /// # Errors
    /// [`TokenizeError::Invalid`] before anything is sent; otherwise CardSecure's or the
    /// network's error.
    pub async fn tokenize_card(
        &self,
        number: String,
        expiry: String,
        cvv: Option<String>,
    ) -> Result<CardToken, TokenizeError> {
        let card =
            ManualCard::new(&number, &expiry, cvv.as_deref()).map_err(CardEntryError::from)?;
        let cardsecure = self.cardsecure.clone();
        let token = runtime::run(async move {
            cardsecure
                .tokenize_card(&card, TokenizeOptions::default())
                .await
        })
        .await??;
        Ok(token.into())
    }

    /// Tokenizes the encrypted card data of a reader read ([`ReaderCard`]); single-use, never
    /// resent.
    ///
    /// # Errors
    /// As [`Tokenizer::tokenize_card`].
    pub async fn tokenize_reader_card(
        &self,
        card: Arc<ReaderCard>,
    ) -> Result<CardToken, TokenizeError> {
        let data = ReaderData::from_encrypted_card_data(card.encrypted_data())
            .map_err(CardEntryError::from)?;
        let cardsecure = self.cardsecure.clone();
        let token = runtime::run(async move {
            cardsecure
                .tokenize_reader_data(&data, TokenizeOptions::default())
                .await
        })
        .await??;
        Ok(token.into())
    }

    /// Validates a US bank account (ABA routing number check digit, 4–17 digit account) and
    /// tokenizes it for ACH.
    ///
    /// # Errors
    /// As [`Tokenizer::tokenize_card`].
    pub async fn tokenize_ach(
        &self,
        routing_number: String,
        account_number: String,
    ) -> Result<CardToken, TokenizeError> {
        let account =
            BankAccount::new(&routing_number, &account_number).map_err(CardEntryError::from)?;
        let cardsecure = self.cardsecure.clone();
        let token = runtime::run(async move {
            cardsecure
                .tokenize_ach(&account, TokenizeOptions::default())
                .await
        })
        .await??;
        Ok(token.into())
    }

    /// Tokenizes an Apple Pay payment (`PKPaymentToken.paymentData`, as JSON). Within two
    /// minutes of its creation; the token is single-use.
    ///
    /// # Errors
    /// As [`Tokenizer::tokenize_card`].
    pub async fn tokenize_apple_pay(
        &self,
        payment_data_json: String,
    ) -> Result<CardToken, TokenizeError> {
        let payload = ApplePayPayload::from_payment_data_json(&payment_data_json)
            .map_err(CardEntryError::from)?;
        let cardsecure = self.cardsecure.clone();
        let token = runtime::run(async move {
            cardsecure
                .tokenize_apple_pay(&payload, TokenizeOptions::default())
                .await
        })
        .await??;
        Ok(token.into())
    }

    /// Tokenizes a Google Pay payment token (the wallet's JSON token string).
    ///
    /// # Errors
    /// As [`Tokenizer::tokenize_card`].
    pub async fn tokenize_google_pay(
        &self,
        token_json: String,
    ) -> Result<CardToken, TokenizeError> {
        let token = GooglePayToken::new(&token_json).map_err(CardEntryError::from)?;
        let cardsecure = self.cardsecure.clone();
        let token = runtime::run(async move {
            cardsecure
                .tokenize_google_pay(&token, TokenizeOptions::default())
                .await
        })
        .await??;
        Ok(token.into())
    }
}
