//! The CardSecure calls: local validation, then `cardpointe-types`' CardSecure operations
//! ([`TokenizeRequest`], [`EchoRequest`]) through the transport's one send path
//! ([`Client::call_with`]).

use std::time::Duration;

use cardpointe_transport::{CallOptions, Client, RetryPolicy, redact};
use cardpointe_types::{
    Cvv, DeviceData, EchoRequest, EncryptionHandler, Expiry, Token, TokenizeRequest,
    TokenizeResponse,
};

use crate::{
    ApplePayPayload, BankAccount, Error, ErrorCode, GooglePayToken, ManualCard, ReaderData,
    ValidationError,
};

/// Options of a tokenize call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenizeOptions {
    /// Ask for a fresh token instead of the site's deterministic one (`unique: true`).
    pub unique: bool,
    /// Overrides the client's CardSecure timeout for this call.
    pub timeout: Option<Duration>,
}

impl TokenizeOptions {
    /// Asks for a fresh token.
    #[must_use]
    pub fn unique(mut self) -> Self {
        self.unique = true;
        self
    }

    /// Sets this call's timeout.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The transport options of one call: the timeout, and no resend at all for a single-use
    /// payload (reader or wallet data, which CardSecure consumes: a resend could only fail).
    fn call_options(self, single_use: bool) -> CallOptions {
        let mut options = CallOptions::new();
        if let Some(timeout) = self.timeout {
            options = options.with_timeout(timeout);
        }
        if single_use {
            options = options.with_retry_policy(RetryPolicy::never());
        }
        options
    }
}

/// The CardSecure tokenizer, on a transport [`Client`] (same origin, credentials and pool as
/// the gateway; CardSecure accepts the Basic header, spec 6.1).
#[derive(Debug, Clone)]
pub struct CardSecure {
    client: Client,
}

impl CardSecure {
    /// A tokenizer on `client`.
    pub fn new(client: Client) -> Self {
        Self { client }
    }

    /// The underlying transport client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Tokenizes a validated, manually entered card (with its expiry and CVV, which CardSecure
    /// keeps with the token until the next auth, spec 6.2). The same card always yields the same
    /// token, so the transport may resend this call.
    ///
    /// # Errors
    /// [`Error::Rejected`] with CardSecure's code, [`Error::Transport`] for HTTP failures.
    pub async fn tokenize_card(
        &self,
        card: &ManualCard,
        options: TokenizeOptions,
    ) -> Result<Token, Error> {
        let mut request = TokenizeRequest::card(card.number());
        request.expiry = Some(card.expiry());
        request.cvv = card.cvv().cloned();
        self.tokenize(request, options, false).await
    }

    /// Tokenizes encrypted reader output as `devicedata` (no `encryptionhandler`, spec 7).
    /// Reader data is single-use on CardSecure's side, so this call is never resent once it
    /// may have arrived.
    ///
    /// # Errors
    /// As [`tokenize_card`](Self::tokenize_card).
    pub async fn tokenize_reader_data(
        &self,
        data: &ReaderData,
        options: TokenizeOptions,
    ) -> Result<Token, Error> {
        let device =
            DeviceData::new(data.payload()).map_err(|_| ValidationError::ReaderDataFormat)?;
        self.tokenize(TokenizeRequest::device(device), options, true)
            .await
    }

    /// Tokenizes a bank account for ACH (`account` = `"<routing>/<account>"`).
    ///
    /// # Errors
    /// As [`tokenize_card`](Self::tokenize_card).
    pub async fn tokenize_ach(
        &self,
        account: &BankAccount,
        options: TokenizeOptions,
    ) -> Result<Token, Error> {
        let ach = account
            .to_ach_account()
            .map_err(|_| ValidationError::AccountFormat {
                length: account.last_four().len(),
            })?;
        let request = TokenizeRequest::ach(&ach).map_err(|_| ValidationError::AccountFormat {
            length: account.last_four().len(),
        })?;
        self.tokenize(request, options, false).await
    }

    /// Tokenizes an Apple Pay payload (`encryptionhandler: "EC_APPLE_PAY"`). The payload must
    /// be tokenized within 2 minutes of its creation and the token is single-use (spec 6.2).
    ///
    /// # Errors
    /// As [`tokenize_card`](Self::tokenize_card); an expired payload is
    /// [`ErrorCode::DecryptionFailure`].
    pub async fn tokenize_apple_pay(
        &self,
        payload: &ApplePayPayload,
        options: TokenizeOptions,
    ) -> Result<Token, Error> {
        let device = DeviceData::new(payload.device_data().as_str())
            .map_err(|_| ValidationError::ApplePayJson)?;
        let request = TokenizeRequest::wallet(device, EncryptionHandler::ApplePay);
        self.tokenize(request, options, true).await
    }

    /// Tokenizes a Google Pay token (`encryptionhandler: "EC_GOOGLE_PAY"`).
    ///
    /// # Errors
    /// As [`tokenize_card`](Self::tokenize_card).
    pub async fn tokenize_google_pay(
        &self,
        token: &GooglePayToken,
        options: TokenizeOptions,
    ) -> Result<Token, Error> {
        let device =
            DeviceData::new(token.as_str()).map_err(|_| ValidationError::GooglePayToken)?;
        let request = TokenizeRequest::wallet(device, EncryptionHandler::GooglePay);
        self.tokenize(request, options, true).await
    }

    /// Attaches an expiry and/or a CVV to an existing token (token update, since 2/2020: the
    /// token goes in `account`). Do not use it on tokens made from reader data (spec 6.2).
    ///
    /// # Errors
    /// [`ValidationError::NothingToUpdate`] when both are `None`; otherwise as
    /// [`tokenize_card`](Self::tokenize_card).
    pub async fn update_token(
        &self,
        token: &Token,
        expiry: Option<Expiry>,
        cvv: Option<&Cvv>,
    ) -> Result<Token, Error> {
        if expiry.is_none() && cvv.is_none() {
            return Err(ValidationError::NothingToUpdate.into());
        }
        let request = TokenizeRequest::token_update(token, expiry, cvv.cloned());
        self.tokenize(request, TokenizeOptions::default(), false)
            .await
    }

    /// CardSecure's echo: sends `message` (at most 250 characters) and returns what came back.
    ///
    /// # Errors
    /// [`ValidationError::EchoTooLong`]; otherwise as [`tokenize_card`](Self::tokenize_card).
    pub async fn echo(&self, message: &str) -> Result<String, Error> {
        let request = EchoRequest::new(message).map_err(|_| ValidationError::EchoTooLong {
            length: message.chars().count(),
        })?;
        let answer = self.client.call(&request).await?;
        match answer.errorcode.filter(|code| *code != 0) {
            Some(code) => Err(rejected(code, answer.message.as_deref())),
            None => Ok(answer.message.unwrap_or_default()),
        }
    }

    async fn tokenize(
        &self,
        mut request: TokenizeRequest,
        options: TokenizeOptions,
        single_use: bool,
    ) -> Result<Token, Error> {
        if options.unique {
            request.unique = Some(true);
        }
        let answer: TokenizeResponse = self
            .client
            .call_with(&request, options.call_options(single_use))
            .await?;
        if let Some(code) = answer.errorcode.filter(|code| *code != 0) {
            return Err(rejected(code, answer.message.as_deref()));
        }
        answer.token.ok_or(Error::MissingToken)
    }
}

/// CardSecure's refusal as a typed error; its message is redacted like every body excerpt.
fn rejected(code: u32, message: Option<&str>) -> Error {
    Error::Rejected {
        code: ErrorCode::from_code(code),
        message: redact::excerpt(message.unwrap_or_default().as_bytes()),
    }
}
