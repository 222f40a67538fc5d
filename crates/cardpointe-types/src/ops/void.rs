//! `void` and `voidByOrderId`: cancel an authorization before its batch is sent (spec §2.3–2.4).

use serde::{Deserialize, Serialize};

use crate::operation::{Method, RetrySafety, operation, parse_json};
use crate::outcome::has_outcome;
use crate::wire::model;
use crate::{
    Amount, Currency, DeclineCategory, MerchantId, OrderId, RespProc, RespStat, ResponseCode,
    Retref,
};

model! {
    /// A void request (`PUT /void`).
    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
    #[non_exhaustive]
    pub struct VoidRequest {
        @required {
            /// The transaction to void.
            retref: Retref,
        }
        /// The merchant when not the client's (see [`Operation::merchid`](crate::Operation::merchid)); `None`: the client's.
        merchid: MerchantId,
        /// Omitted or zero: void everything; a partial amount only while `Authorized`.
        amount: Amount,
    }
}

impl VoidRequest {
    /// Voids all of `retref`.
    #[must_use]
    pub const fn new(retref: Retref) -> Self {
        Self {
            merchid: None,
            retref,
            amount: None,
        }
    }
}

model! {
    /// A void-by-order-id request (`PUT /voidByOrderId`): the recovery path when an `auth` got no
    /// answer.
    ///
    /// The gateway recommends sending it up to three times; the facade's safe `auth` does, one
    /// counted request at a time with a pause between. A transport never resends it on its own
    /// (it is [`RetrySafety::Unsafe`](crate::RetrySafety::Unsafe), like `void`): a partial void
    /// sent twice would void twice, and a blind resend would hide how many reached the gateway.
    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
    #[non_exhaustive]
    pub struct VoidByOrderIdRequest {
        @required {
            /// The order id given at auth time.
            orderid: OrderId,
        }
        /// The merchant when not the client's (see [`Operation::merchid`](crate::Operation::merchid)); `None`: the client's.
        merchid: MerchantId,
        /// Omitted or zero: void everything.
        amount: Amount,
    }
}

impl VoidByOrderIdRequest {
    /// Voids the approved transaction carrying `orderid`.
    #[must_use]
    pub const fn new(orderid: OrderId) -> Self {
        Self {
            merchid: None,
            orderid,
            amount: None,
        }
    }
}

model! {
    /// The answer to `void` and `voidByOrderId`. After a full void `amount` has been `0.00` in
    /// every recording (spec uncertain item 4: probably the amount left authorized).
    #[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
    #[non_exhaustive]
    pub struct VoidResponse {
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
        /// The voided transaction.
        retref: Retref,
        /// See the type docs.
        amount: Amount,
        /// `REVERS` on a void.
        authcode: String,
        /// Currency.
        currency: Currency,
        /// Order id.
        #[serde(rename = "orderId", alias = "orderid")]
        order_id: OrderId,
        /// Visa decline category.
        #[serde(rename = "declineCategory")]
        decline_category: DeclineCategory,
        /// Its text.
        #[serde(rename = "declineCategoryText")]
        decline_category_text: String,
    }
}

has_outcome!(VoidResponse);

operation!(
    VoidRequest => VoidResponse, name: "void", method: Method::WRITE,
    merchant: merchid, body: json_merchant, path: |_s, _m| Ok("void".to_owned()),
    parse: parse_json,
);

operation!(
    VoidByOrderIdRequest => VoidResponse, name: "voidByOrderId", method: Method::WRITE,
    retry: RetrySafety::Unsafe,
    merchant: merchid, body: json_merchant, path: |_s, _m| Ok("voidByOrderId".to_owned()),
    parse: parse_json,
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Operation;

    #[test]
    fn voids_are_declared_unsafe_to_resend_once_here_and_nowhere_else() {
        assert_eq!(VoidRequest::RETRY, RetrySafety::Unsafe);
        assert_eq!(VoidByOrderIdRequest::RETRY, RetrySafety::Unsafe);
    }
}
