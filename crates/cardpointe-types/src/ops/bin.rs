//! `bin` look-up and `surcharge` eligibility (spec §2.12, §2.16).

use serde::{Deserialize, Serialize};

use crate::operation::{Method, RetrySafety, operation, parse_json, with_query};
use crate::ops::extras::BinInfo;
use crate::wire::{from_wire_via_deserialize, model};
use crate::{Amount, MerchantId, Postal, Token};

/// `GET /bin/{merchid}/{token}`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct BinRequest {
    /// The merchant when not the client's (see [`Operation::merchid`](crate::Operation::merchid)); `None`: the client's.
    pub merchid: Option<MerchantId>,
    /// The card's token.
    pub token: Token,
}

impl BinRequest {
    /// Looks up the BIN of `token`.
    #[must_use]
    pub const fn new(token: Token) -> Self {
        Self {
            merchid: None,
            token,
        }
    }
}

operation!(
    BinRequest => BinInfo, name: "bin", method: Method::Get, retry: RetrySafety::Safe,
    merchant: merchid, body: nobody,
    path: |s, m| Ok(format!("bin/{}/{}", m.get()?, s.token)), parse: parse_json,
);

/// `GET /surcharge?merchid=…&token=…&postal=…&amount=…` (informational, 11/2023+).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct SurchargeRequest {
    /// The merchant when not the client's (see [`Operation::merchid`](crate::Operation::merchid)); `None`: the client's.
    pub merchid: Option<MerchantId>,
    /// The card's token.
    pub token: Token,
    /// The cardholder's postal code (surcharging is restricted in some states).
    pub postal: Postal,
    /// The sale amount.
    pub amount: Amount,
}

impl SurchargeRequest {
    /// Asks whether and how much a sale of `amount` may be surcharged.
    #[must_use]
    pub const fn new(token: Token, postal: Postal, amount: Amount) -> Self {
        Self {
            merchid: None,
            token,
            postal,
            amount,
        }
    }
}

model! {
    /// One problem reported by `surcharge`.
    #[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
    #[non_exhaustive]
    pub struct SurchargeMessage {
        /// The field concerned.
        field: String,
        /// What is wrong (`postal is missing or empty`, `Invalid Token`, …).
        message: String,
    }
}

from_wire_via_deserialize!(SurchargeMessage);

model! {
    /// The answer to `surcharge`.
    #[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
    #[non_exhaustive]
    pub struct SurchargeResponse {
        /// `CREDIT`, `DEBIT` or `UNKNOWN` (debit cards may not be surcharged).
        token: String,
        /// `NOT_RESTRICTED`, `UNKNOWN`, …
        postal: String,
        /// The fee, rounded half-up at the cent.
        fee_amount: Amount,
        /// Problems.
        messages: Vec<SurchargeMessage>,
    }
}

operation!(
    SurchargeRequest => SurchargeResponse, name: "surcharge", method: Method::Get,
    retry: RetrySafety::Safe, merchant: merchid, body: nobody,
    path: |s, m| Ok(with_query("surcharge", &[
        ("merchid", Some(m.get()?.as_str())),
        ("token", Some(s.token.as_str())),
        ("postal", Some(s.postal.as_str())),
        ("amount", Some(&s.amount.to_string())),
    ])),
    parse: parse_json,
);
