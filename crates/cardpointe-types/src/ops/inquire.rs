//! `inquire` and `inquireByOrderid`: read a transaction's state (spec §2.6–2.7).

use serde::{Deserialize, Serialize};

use crate::operation::{
    Method, RetrySafety, encode_component, operation, parse_json, parse_list_or_one,
};
use crate::ops::extras::{EmvTagData, MaskedAccount, Receipt, UserFields};
use crate::outcome::has_outcome;
use crate::wire::{Flag, model};
use crate::{
    AccountId, Amount, Currency, DeclineCategory, EntryMode, Expiry, MerchantAdvice, MerchantId,
    OrderId, ProfileId, RespProc, RespStat, ResponseCode, Retref, SettlementStatus, Token,
};

/// `GET /inquire/{retref}/{merchid}`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct InquireRequest {
    /// The transaction.
    pub retref: Retref,
    /// The merchant when not the client's (see [`Operation::merchid`](crate::Operation::merchid)); `None`: the client's.
    pub merchid: Option<MerchantId>,
}

impl InquireRequest {
    /// Asks for the state of `retref`.
    #[must_use]
    pub const fn new(retref: Retref) -> Self {
        Self {
            retref,
            merchid: None,
        }
    }
}

/// `GET /inquireByOrderid/{orderid}/{merchid}[/1]`: the first step of recovering an `auth` that
/// got no answer (PPS 29 "Txn not found" means it never reached the gateway).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct InquireByOrderIdRequest {
    /// The order id given at auth time.
    pub orderid: OrderId,
    /// The merchant when not the client's (see [`Operation::merchid`](crate::Operation::merchid)); `None`: the client's.
    pub merchid: Option<MerchantId>,
    /// `true` (`/1`): search this merchant only; `false`: every merchant of the site.
    pub this_merchant_only: bool,
}

impl InquireByOrderIdRequest {
    /// Searches the client's merchant only (the form the timeout guide uses).
    #[must_use]
    pub const fn new(orderid: OrderId) -> Self {
        Self {
            orderid,
            merchid: None,
            this_merchant_only: true,
        }
    }
}

model! {
    /// A transaction's state as `inquire` reports it (a superset; fields appear when they apply).
    /// `respstat`/`respcode`/`resptext`/`respproc` are those **of the original authorization**.
    #[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
    #[non_exhaustive]
    pub struct InquireResponse {
        /// `A`, `B` or `C` (of the authorization, or `C` with PPS 29 when not found).
        respstat: RespStat,
        /// Response code.
        respcode: ResponseCode,
        /// Response text.
        resptext: String,
        /// `PPS` or the host.
        respproc: RespProc,
        /// Merchant.
        merchid: MerchantId,
        /// Token or masked PAN.
        account: MaskedAccount,
        /// Token.
        token: Token,
        /// `MMYY` (since 3/2020).
        expiry: Expiry,
        /// Amount.
        amount: Amount,
        /// Currency.
        currency: Currency,
        /// The transaction.
        retref: Retref,
        /// Order id (either casing).
        #[serde(rename = "orderId", alias = "orderid")]
        order_id: OrderId,
        /// Settlement status.
        setlstat: SettlementStatus,
        /// Batch.
        batchid: String,
        /// Authorization code.
        authcode: String,
        /// `YYYYMMDD`.
        authdate: String,
        /// `YYYYMMDDHHMMSS`.
        capturedate: String,
        /// `YYYYMMDDHHMMSS`.
        settledate: String,
        /// Last four of the card.
        lastfour: String,
        /// Cardholder name.
        name: String,
        /// Profile.
        profileid: ProfileId,
        /// Account of the profile.
        acctid: AccountId,
        /// Whether a void is possible now.
        voidable: Flag,
        /// Whether a refund is possible now.
        refundable: Flag,
        /// How the card was presented.
        entrymode: EntryMode,
        /// BIN type.
        bintype: String,
        /// EMV receipt items.
        #[serde(rename = "emvTagData")]
        emv_tag_data: EmvTagData,
        /// Signature.
        signature: String,
        /// Receipt (if the auth used `receipt:"Y"`).
        #[serde(rename = "receiptData")]
        receipt_data: Receipt,
        /// User fields.
        userfields: UserFields,
        /// Fee amount.
        fee_amount: Amount,
        /// Fee type.
        fee_type: String,
        /// Fee format.
        fee_format: String,
        /// Fee value.
        fee_value: String,
        /// Fee merchant.
        fee_merchid: String,
        /// Fee retref.
        fee_retref: String,
        /// Fee authorization code.
        fee_authcode: String,
        /// Visa decline category.
        #[serde(rename = "declineCategory")]
        decline_category: DeclineCategory,
        /// Its text.
        #[serde(rename = "declineCategoryText")]
        decline_category_text: String,
        /// Merchant advice code.
        #[serde(rename = "merchAdviceCode")]
        merch_advice_code: MerchantAdvice,
        /// Its text.
        #[serde(rename = "merchAdviceText")]
        merch_advice_text: String,
        /// 3-D Secure DS transaction id.
        securedstid: String,
        /// 3-D Secure exemption.
        secureexemption: String,
        /// 3-D Secure ECI.
        secureflag: String,
        /// 3-D Secure CAVV.
        securevalue: String,
    }
}

has_outcome!(InquireResponse);

operation!(
    InquireRequest => InquireResponse, name: "inquire", method: Method::Get,
    retry: RetrySafety::Safe, merchant: merchid, body: nobody,
    path: |s, m| Ok(format!("inquire/{}/{}", s.retref, m.get()?)),
    parse: parse_json,
);

operation!(
    InquireByOrderIdRequest => Vec<InquireResponse>, name: "inquireByOrderid", method: Method::Get,
    retry: RetrySafety::Safe, merchant: merchid, body: nobody,
    path: |s, m| Ok(format!(
        "inquireByOrderid/{}/{}{}",
        encode_component(s.orderid.as_str()),
        m.get()?,
        if s.this_merchant_only { "/1" } else { "" }
    )),
    parse: parse_list_or_one,
);
