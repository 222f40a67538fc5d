//! The CardSecure calls, over the transport's [`Client`].

use std::time::Duration;

use cardpointe_transport::{Client, Method, Request, Service, StatusCode, redact};
use serde::{Deserialize, Serialize};

use crate::{
    ApplePayPayload, BankAccount, Cvv, Error, ErrorCode, Expiry, GooglePayToken, ManualCard,
    ReaderData, Token, ValidationError,
};

/// The tokenize path under `/cardsecure/api/v1` (spec 6.1).
const TOKENIZE_PATH: &str = "ccn/tokenize";
/// The echo path: no `/ccn/` (spec 6.1).
const ECHO_PATH: &str = "echo";

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
}

/// The CardSecure tokenizer, on a transport [`Client`] (same origin, credentials and pool as
/// the gateway; CardSecure accepts the Basic header, spec 6.1).
#[derive(Debug, Clone)]
pub struct CardSecure {
    client: Client,
}

#[derive(Serialize)]
struct TokenizeBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    account: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    devicedata: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    encryptionhandler: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expiry: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cvv: Option<&'a str>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    unique: bool,
}

impl TokenizeBody<'_> {
    fn empty() -> Self {
        Self {
            account: None,
            devicedata: None,
            encryptionhandler: None,
            expiry: None,
            cvv: None,
            unique: false,
        }
    }
}

/// CardSecure's answer: `{"message":"No error","errorcode":0,"token":"…"}`.
#[derive(Deserialize)]
struct Answer {
    #[serde(default)]
    message: String,
    #[serde(default)]
    errorcode: Option<serde_json::Value>,
    #[serde(default)]
    token: Option<String>,
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
    /// keeps with the token until the next auth, spec 6.2).
    ///
    /// # Errors
    /// [`Error::Rejected`] with CardSecure's code, [`Error::Transport`] for HTTP failures.
    pub async fn tokenize_card(
        &self,
        card: &ManualCard,
        options: TokenizeOptions,
    ) -> Result<Token, Error> {
        let body = TokenizeBody {
            account: Some(card.number.expose()),
            expiry: Some(card.expiry.mmyy()),
            cvv: card.cvv.as_ref().map(Cvv::expose),
            unique: options.unique,
            ..TokenizeBody::empty()
        };
        // The same PAN always yields the same token, so a plain tokenize may be repeated.
        self.tokenize("tokenize_card", &body, !options.unique, options)
            .await
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
        let body = TokenizeBody {
            devicedata: Some(data.payload()),
            unique: options.unique,
            ..TokenizeBody::empty()
        };
        self.tokenize("tokenize_reader_data", &body, false, options)
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
        let wire = account.wire_account();
        let body = TokenizeBody {
            account: Some(&wire),
            unique: options.unique,
            ..TokenizeBody::empty()
        };
        self.tokenize("tokenize_ach", &body, !options.unique, options)
            .await
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
        let device = payload.device_data();
        let body = TokenizeBody {
            devicedata: Some(&device),
            encryptionhandler: Some("EC_APPLE_PAY"),
            unique: options.unique,
            ..TokenizeBody::empty()
        };
        self.tokenize("tokenize_apple_pay", &body, false, options)
            .await
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
        let body = TokenizeBody {
            devicedata: Some(token.as_str()),
            encryptionhandler: Some("EC_GOOGLE_PAY"),
            unique: options.unique,
            ..TokenizeBody::empty()
        };
        self.tokenize("tokenize_google_pay", &body, false, options)
            .await
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
        let body = TokenizeBody {
            account: Some(token.as_str()),
            expiry: expiry.map(Expiry::mmyy),
            cvv: cvv.map(Cvv::expose),
            ..TokenizeBody::empty()
        };
        self.tokenize("update_token", &body, true, TokenizeOptions::default())
            .await
    }

    /// CardSecure's echo: sends `message` (at most 250 characters) and returns what came back.
    ///
    /// # Errors
    /// [`ValidationError::EchoTooLong`]; otherwise as [`tokenize_card`](Self::tokenize_card).
    pub async fn echo(&self, message: &str) -> Result<String, Error> {
        let length = message.chars().count();
        if length > 250 {
            return Err(ValidationError::EchoTooLong { length }.into());
        }
        #[derive(Serialize)]
        struct Echo<'a> {
            message: &'a str,
        }
        let request = Request::new(Service::CardSecure, Method::POST, ECHO_PATH, "echo")
            .with_idempotent(true)
            .with_json(&Echo { message })?;
        let response = self.client.execute(request).await?;
        let answer = read_answer(&response)?;
        Ok(answer.message)
    }

    async fn tokenize(
        &self,
        operation: &'static str,
        body: &TokenizeBody<'_>,
        idempotent: bool,
        options: TokenizeOptions,
    ) -> Result<Token, Error> {
        let mut request = Request::new(Service::CardSecure, Method::POST, TOKENIZE_PATH, operation)
            .with_idempotent(idempotent)
            .with_json(body)?;
        if let Some(timeout) = options.timeout {
            request = request.with_timeout(timeout);
        }
        let response = self.client.execute(request).await?;
        let answer = read_answer(&response)?;
        match answer.token.as_deref().filter(|t| !t.is_empty()) {
            Some(token) => Token::new(token).map_err(|_| Error::MissingToken {
                excerpt: redact::excerpt(response.body()),
            }),
            None => Err(Error::MissingToken {
                excerpt: redact::excerpt(response.body()),
            }),
        }
    }
}

/// Reads CardSecure's JSON answer, whatever the status: an `errorcode` other than 0 is
/// [`Error::Rejected`] (documented under HTTP 400/404, spec 6.3, so those statuses are read too);
/// a status with no such body is a transport status error.
fn read_answer(response: &cardpointe_transport::Response) -> Result<Answer, Error> {
    let status = response.status();
    let parsed: Result<Answer, _> = response.json();
    match parsed {
        Ok(answer) => {
            // `errorcode` is documented as an integer, sometimes as a string with leading zeros.
            let code = match &answer.errorcode {
                Some(serde_json::Value::Number(n)) => n.as_u64(),
                Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
                _ => None,
            };
            match code {
                Some(0) if status.is_success() => Ok(answer),
                Some(code) if code != 0 => Err(Error::Rejected {
                    code: ErrorCode::from_code(u32::try_from(code).unwrap_or(u32::MAX)),
                    message: redact::excerpt(answer.message.as_bytes()),
                }),
                None if status.is_success()
                    && answer.errorcode.is_none()
                    && answer.token.is_some() =>
                {
                    Ok(answer)
                }
                _ => Err(non_answer(response, status)),
            }
        }
        Err(decode) if status.is_success() => Err(decode.into()),
        Err(_) => Err(non_answer(response, status)),
    }
}

fn non_answer(response: &cardpointe_transport::Response, status: StatusCode) -> Error {
    if status.is_success() {
        return Error::MissingToken {
            excerpt: redact::excerpt(response.body()),
        };
    }
    // Not CardSecure's JSON: the transport's status error (with a redacted excerpt).
    match response.error_for_status_ref() {
        Err(e) => e.into(),
        Ok(()) => Error::MissingToken {
            excerpt: redact::excerpt(response.body()),
        },
    }
}
