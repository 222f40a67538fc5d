//! The credential test (spec §1.4) and `inquireMerchant` (spec §2.15).

use serde::{Deserialize, Serialize};

use crate::operation::{Defaults, Method, RetrySafety, json_body, operation, parse_json};
use crate::outcome::has_outcome;
use crate::wire::{Flag, model};
use crate::{EncodeError, MerchantId, Operation, ParseError, RespProc, RespStat, ResponseCode};

/// The greeting a healthy gateway answers the credential test with.
pub const SERVLET_GREETING: &str = "CardConnect REST Servlet";

/// The credential test: `GET /` (credentials only) or `PUT /` with `{"merchid"}` (credentials
/// **and** the merchant's pairing with them). Bad credentials or a foreign merchant give HTTP 401,
/// which the transport reports; a 200 carries an HTML greeting.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CredentialTestRequest {
    /// The merchant to check the credentials against, if any.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::wire::opt"
    )]
    pub merchid: Option<MerchantId>,
}

impl CredentialTestRequest {
    /// Checks the credentials only (`GET /`).
    #[must_use]
    pub const fn credentials_only() -> Self {
        Self { merchid: None }
    }

    /// Checks that the credentials may act for `merchid` (`PUT /`).
    #[must_use]
    pub const fn for_merchant(merchid: MerchantId) -> Self {
        Self {
            merchid: Some(merchid),
        }
    }
}

/// A successful credential test: the greeting was found.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct CredentialTestResponse {
    /// The greeting text found in the body (`CardConnect REST Servlet`).
    pub greeting: String,
}

impl Operation for CredentialTestRequest {
    type Response = CredentialTestResponse;
    const NAME: &'static str = "credential test";
    const RETRY: RetrySafety = RetrySafety::Safe;

    fn method(&self) -> Method {
        if self.merchid.is_some() {
            Method::Put
        } else {
            Method::Get
        }
    }

    fn merchid(&self) -> Option<&MerchantId> {
        self.merchid.as_ref()
    }

    /// Always the site root; the credential test never takes the client's merchant id on its
    /// own (`credentials_only` checks the credentials alone).
    fn path(&self, _defaults: Defaults<'_>) -> Result<String, EncodeError> {
        Ok(String::new())
    }

    fn body(&self, _defaults: Defaults<'_>) -> Result<Option<Vec<u8>>, EncodeError> {
        if self.merchid.is_some() {
            json_body(Self::NAME, self)
        } else {
            Ok(None)
        }
    }

    fn parse_response(body: &[u8]) -> Result<CredentialTestResponse, ParseError> {
        let text = String::from_utf8_lossy(body);
        if text.contains(SERVLET_GREETING) {
            Ok(CredentialTestResponse {
                greeting: SERVLET_GREETING.to_owned(),
            })
        } else {
            Err(ParseError::NoGreeting)
        }
    }
}

/// `GET /inquireMerchant/{merchid}`: validates a merchant/site pairing and reports its set-up.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct InquireMerchantRequest {
    /// The merchant when not the client's (see [`Operation::merchid`](crate::Operation::merchid)); `None`: the client's.
    pub merchid: Option<MerchantId>,
}

impl InquireMerchantRequest {
    /// Asks about the client's merchant (another one with `with_merchid`).
    #[must_use]
    pub const fn new() -> Self {
        Self { merchid: None }
    }
}

model! {
    /// A merchant's set-up as `inquireMerchant` reports it.
    #[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
    #[non_exhaustive]
    pub struct MerchantInfo {
        /// The site.
        site: String,
        /// The processor host.
        cardproc: RespProc,
        /// The merchant.
        merchid: MerchantId,
        /// Whether the merchant is enabled (a JSON boolean).
        enabled: bool,
        /// ACH enabled.
        echeck: Flag,
        /// CVV verification enabled.
        cvv: Flag,
        /// AVS enabled.
        avs: Flag,
        /// Card Account Updater enabled.
        acctupdater: Flag,
        /// Fee type.
        fee_type: String,
        /// Fee format.
        fee_format: String,
        /// Fee value.
        fee_value: String,
        /// Fee merchant.
        fee_merchid: String,
        /// `A`, `B` or `C`, when the gateway reports a problem.
        respstat: RespStat,
        /// Response code.
        respcode: ResponseCode,
        /// Response text.
        resptext: String,
        /// `PPS` or the host.
        respproc: RespProc,
    }
}

has_outcome!(MerchantInfo);

operation!(
    InquireMerchantRequest => MerchantInfo, name: "inquireMerchant", method: Method::Get,
    retry: RetrySafety::Safe, merchant: merchid, body: nobody,
    path: |_s, m| Ok(format!("inquireMerchant/{}", m.get()?)),
    parse: parse_json,
);
