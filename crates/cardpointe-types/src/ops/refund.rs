//! `refund`: return money of a settled transaction (spec §2.5).

use serde::{Deserialize, Serialize};

use crate::operation::{Method, operation, parse_json};
use crate::outcome::has_outcome;
use crate::wire::model;
use crate::{
    Amount, Currency, DeclineCategory, MerchantId, OrderId, RespProc, RespStat, ResponseCode,
    Retref,
};

model! {
    /// A refund request (`PUT /refund`).
    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
    #[non_exhaustive]
    pub struct RefundRequest {
        @required {
            /// The original transaction.
            retref: Retref,
        }
        /// The merchant when not the client's (see [`Operation::merchid`](crate::Operation::merchid)); `None`: the client's.
        merchid: MerchantId,
        /// Omitted: full refund; a positive partial amount otherwise.
        amount: Amount,
        /// A new order id for the refund (else it inherits the auth's).
        orderid: OrderId,
    }
}

impl RefundRequest {
    /// Refunds all of `retref`.
    #[must_use]
    pub const fn new(retref: Retref) -> Self {
        Self {
            merchid: None,
            retref,
            amount: None,
            orderid: None,
        }
    }

    /// Refunds only `amount`.
    #[must_use]
    pub const fn with_amount(mut self, amount: Amount) -> Self {
        self.amount = Some(amount);
        self
    }
}

model! {
    /// The answer to `refund`: offline (`PPS`, `00`, authcode `REFUND`) or an online refund
    /// authorization with host codes, which may decline like a sale.
    #[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
    #[non_exhaustive]
    pub struct RefundResponse {
        /// `A`, `B` or `C`.
        respstat: RespStat,
        /// Response code.
        respcode: ResponseCode,
        /// Response text.
        resptext: String,
        /// `PPS` or the host.
        respproc: RespProc,
        /// Merchant.
        merchid: MerchantId,
        /// The refund's retrieval reference (a new one, per the recordings).
        retref: Retref,
        /// Refunded amount.
        amount: Amount,
        /// Currency.
        currency: Currency,
        /// `REFUND` for offline refunds.
        authcode: String,
        /// Order id (with receipt; either casing).
        #[serde(rename = "orderid", alias = "orderId")]
        orderid: OrderId,
        /// Visa decline category.
        #[serde(rename = "declineCategory")]
        decline_category: DeclineCategory,
        /// Its text.
        #[serde(rename = "declineCategoryText")]
        decline_category_text: String,
    }
}

has_outcome!(RefundResponse);

operation!(
    RefundRequest => RefundResponse, name: "refund", method: Method::WRITE,
    merchant: merchid, body: json_merchant, path: |_s, _m| Ok("refund".to_owned()),
    parse: parse_json,
);
