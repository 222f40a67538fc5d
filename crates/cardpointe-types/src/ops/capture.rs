//! `capture`: queue an authorized amount for settlement (spec §2.2).

use serde::{Deserialize, Serialize};

use crate::operation::{Method, operation, parse_json};
use crate::ops::extras::{LineItem, MaskedAccount, Receipt};
use crate::outcome::has_outcome;
use crate::wire::{Flag, model};
use crate::{
    Amount, MerchantId, OrderId, ReceiptRequest, RespProc, RespStat, ResponseCode, Retref,
    SettlementStatus, Token,
};

model! {
    /// A capture request (`PUT /capture`), with optional Level 2/3 data.
    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
    #[non_exhaustive]
    pub struct CaptureRequest {
        @required {
            /// The authorization to capture.
            retref: Retref,
        }
        /// The merchant when not the client's (see [`Operation::merchid`](crate::Operation::merchid)); `None`: the client's.
        merchid: MerchantId,
        /// Omitted: the full authorized amount; less: a partial capture; more (tips): only if
        /// the merchant is entitled.
        amount: Amount,
        /// The original authorization code.
        authcode: String,
        /// Level 2: invoice id.
        invoiceid: String,
        /// Level 2: purchase order number.
        ponumber: String,
        /// Level 2: tax amount.
        taxamnt: Amount,
        /// Level 2: tax exempt.
        taxexempt: Flag,
        /// Level 3: freight amount.
        frtamnt: Amount,
        /// Level 3: duty amount.
        dutyamnt: Amount,
        /// Level 3: order date `YYYYMMDD`.
        orderdate: String,
        /// Level 3: ship-to postal code.
        shiptozip: String,
        /// Level 3: ship-from postal code.
        shipfromzip: String,
        /// Level 3: ship-to country.
        shiptocountry: String,
        /// Level 3: line items.
        items: Vec<LineItem>,
        /// Receipt data to return.
        receipt: ReceiptRequest,
    }
}

impl CaptureRequest {
    /// Captures the full authorized amount of `retref`.
    #[must_use]
    pub fn new(retref: Retref) -> Self {
        Self {
            merchid: None,
            retref,
            amount: None,
            authcode: None,
            invoiceid: None,
            ponumber: None,
            taxamnt: None,
            taxexempt: None,
            frtamnt: None,
            dutyamnt: None,
            orderdate: None,
            shiptozip: None,
            shipfromzip: None,
            shiptocountry: None,
            items: None,
            receipt: None,
        }
    }

    /// Captures `amount` (partial capture or tip adjustment) instead of the full amount.
    #[must_use]
    pub fn with_amount(mut self, amount: Amount) -> Self {
        self.amount = Some(amount);
        self
    }
}

model! {
    /// The answer to `capture`.
    #[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
    #[non_exhaustive]
    pub struct CaptureResponse {
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
        /// Same as the auth's.
        retref: Retref,
        /// Captured amount.
        amount: Amount,
        /// Normally `Queued for Capture`.
        setlstat: SettlementStatus,
        /// Batch (`-1` on a failed capture).
        batchid: String,
        /// Token or masked PAN.
        account: MaskedAccount,
        /// Token.
        token: Token,
        /// Commercial card flag.
        commcard: String,
        /// Authorization code.
        authcode: String,
        /// Order id.
        #[serde(rename = "orderId", alias = "orderid")]
        order_id: OrderId,
        /// Receipt (with `receipt:"Y"`).
        #[serde(rename = "receiptData")]
        receipt_data: Receipt,
    }
}

has_outcome!(CaptureResponse);

operation!(
    CaptureRequest => CaptureResponse, name: "capture", method: Method::WRITE,
    merchant: merchid, body: json_merchant, path: |_s, _m| Ok("capture".to_owned()),
    parse: parse_json,
);
