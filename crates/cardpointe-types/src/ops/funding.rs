//! `funding`: what was deposited, with transactions, adjustments and chargebacks (spec §2.11).
//!
//! The 2014 UAT host sent integer cents and dashed dates, current docs show decimal strings and
//! `YYYYMMDD`: amounts read both (see [`Amount`]), ids read numbers or text, dates stay text.

use serde::{Deserialize, Serialize};

use crate::operation::{Method, RetrySafety, operation, parse_json, with_query};
use crate::ops::extras::MaskedAccount;
use crate::wire::model;
use crate::{Amount, MerchantId, ReportDate, RespProc, ResponseCode, Retref};

/// `GET /funding?merchid=…[&date=MMDD|YYYYMMDD]`; without a date, the funding data not yet
/// retrieved.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct FundingRequest {
    /// The merchant when not the client's (see [`Operation::merchid`](crate::Operation::merchid)); `None`: the client's.
    pub merchid: Option<MerchantId>,
    /// The funding day.
    pub date: Option<ReportDate>,
}

impl FundingRequest {
    /// Funding of the client's merchant, on `date` or not yet retrieved.
    #[must_use]
    pub const fn new(date: Option<ReportDate>) -> Self {
        Self {
            merchid: None,
            date,
        }
    }
}

model! {
    /// One deposit (`fundings[]`).
    #[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
    #[non_exhaustive]
    pub struct Funding {
        /// Master id.
        fundingmasterid: String,
        /// Id.
        fundingid: String,
        /// Merchant.
        merchid: MerchantId,
        /// Net sales.
        netsales: Amount,
        /// Third-party amount.
        thirdparty: Amount,
        /// Adjustments.
        adjustment: Amount,
        /// Interchange fees.
        interchangefee: Amount,
        /// Service charges.
        servicecharge: Amount,
        /// Fees.
        fee: Amount,
        /// Reversals.
        reversal: Amount,
        /// Other adjustments.
        otheradjustment: Amount,
        /// Total deposited.
        totalfunding: Amount,
        /// Funding date.
        fundingdate: String,
        /// Currency.
        currency: String,
        /// Masked bank account.
        ddanumber: String,
        /// Routing number.
        abanumber: String,
        /// Changed.
        datechanged: String,
        /// Added.
        dateadded: String,
        /// Deposit transaction code.
        deposittrancode: String,
        /// ACH trace number.
        depositachtracenumber: String,
    }
}

model! {
    /// One funded transaction (`txns[]`).
    #[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
    #[non_exhaustive]
    pub struct FundingTxn {
        /// Id.
        fundingtxnid: String,
        /// Deposit id.
        fundingid: String,
        /// The transaction.
        retref: Retref,
        /// Authorization code.
        authcode: String,
        /// Authorization date.
        authdate: String,
        /// Response code.
        respcode: ResponseCode,
        /// Batch.
        batchid: String,
        /// Host.
        cardproc: RespProc,
        /// Date.
        date: String,
        /// Masked card number.
        cardnumber: MaskedAccount,
        /// Card type.
        cardtype: String,
        /// Card brand.
        cardbrand: String,
        /// Amount.
        amount: Amount,
        /// Currency.
        currency: String,
        /// `SALE`, `REFUND`, …
        #[serde(rename = "type")]
        kind: String,
        /// `Processed`, `Settled`, …
        status: String,
        /// Interchange per-item fee (text: may carry sub-cent precision).
        interchangeunitfee: String,
        /// Interchange percentage fee (text).
        interchangepercentfee: String,
        /// Plan code.
        plancode: String,
        /// Downgrade reasons.
        downgradereasoncodes: String,
        /// Invoice number.
        invoicenumber: String,
        /// Source transaction id.
        sourcetransactionid: String,
        /// Terminal number.
        terminalnumber: String,
        /// ACH return code (R01…R83).
        achreturncode: String,
        /// Parent retref.
        parentretref: String,
    }
}

model! {
    /// One adjustment (`adjustments[]`).
    #[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
    #[non_exhaustive]
    pub struct FundingAdjustment {
        /// Id.
        fundingadjustmentid: String,
        /// Deposit id.
        fundingid: String,
        /// Merchant.
        merchid: MerchantId,
        /// Category.
        category: String,
        /// Description.
        description: String,
        /// Amount.
        amount: Amount,
        /// Currency.
        currency: String,
        /// Case number.
        casenumber: String,
        /// Date.
        date: String,
    }
}

model! {
    /// One chargeback (`chargebacks[]`).
    #[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
    #[non_exhaustive]
    pub struct Chargeback {
        /// Id.
        fundingchargebackid: String,
        /// Deposit id.
        fundingid: String,
        /// Chargeback date.
        chargebackdate: String,
        /// Deposit date.
        depositdate: String,
        /// Transaction date.
        transactiondate: String,
        /// Charged-back amount.
        amount: Amount,
        /// Original transaction amount.
        transactionamount: Amount,
        /// Reason code.
        reasoncode: String,
        /// Reason text.
        reasondescription: String,
        /// Case number.
        casenumber: String,
        /// Sequence number.
        sequencenumber: String,
        /// Acquirer reference number.
        acquirereferencenumber: String,
        /// Masked card number.
        cardnumber: MaskedAccount,
        /// The transaction.
        retref: Retref,
    }
}

model! {
    /// The answer to `funding`; `errormsg` says `No deposits match your request` when there is
    /// nothing, and empty lists may be omitted.
    #[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
    #[non_exhaustive]
    pub struct FundingResponse {
        /// Merchant.
        merchid: MerchantId,
        /// Master id.
        fundingmasterid: String,
        /// Funding date.
        fundingdate: String,
        /// Changed.
        datechanged: String,
        /// Deposits.
        fundings: Vec<Funding>,
        /// Transactions.
        txns: Vec<FundingTxn>,
        /// Adjustments.
        adjustments: Vec<FundingAdjustment>,
        /// Chargebacks.
        chargebacks: Vec<Chargeback>,
        /// Why there is no data.
        errormsg: String,
    }
}

operation!(
    FundingRequest => FundingResponse, name: "funding", method: Method::Get,
    retry: RetrySafety::Safe, merchant: merchid, body: nobody,
    path: |s, m| Ok(with_query("funding", &[
        ("merchid", Some(m.get()?.as_str())),
        ("date", s.date.map(|d| d.to_string()).as_deref()),
    ])),
    parse: parse_json,
);

/// `GET /deposit?merchid=…&date=MMDD`: the legacy deposit report (removed from the docs,
/// still in old recordings); superseded by [`FundingRequest`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct DepositRequest {
    /// The merchant when not the client's (see [`Operation::merchid`](crate::Operation::merchid)); `None`: the client's.
    pub merchid: Option<MerchantId>,
    /// The deposit day.
    pub date: Option<ReportDate>,
}

impl DepositRequest {
    /// Deposits of the client's merchant on `date`.
    #[must_use]
    pub const fn new(date: Option<ReportDate>) -> Self {
        Self {
            merchid: None,
            date,
        }
    }
}

model! {
    /// One transaction of a legacy deposit.
    #[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
    #[non_exhaustive]
    pub struct DepositTxn {
        /// Merchant batch.
        merchbatch: String,
        /// Processor batch.
        hostbatch: String,
        /// The transaction.
        retref: Retref,
        /// Deposited amount.
        depamnt: Amount,
        /// Fee amount.
        feeamnt: Amount,
        /// `DEB` or `REF`.
        action: String,
    }
}

model! {
    /// One legacy deposit.
    #[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
    #[non_exhaustive]
    pub struct Deposit {
        /// Deposit id.
        depositid: String,
        /// Merchant.
        merchid: MerchantId,
        /// Posting date.
        postdate: String,
        /// Action date.
        actdate: String,
        /// Amount.
        amount: Amount,
        /// Fees.
        feeamnt: Amount,
        /// Chargebacks.
        cbakamnt: Amount,
        /// Currency.
        currency: String,
        /// Account type.
        accttype: String,
        /// Host.
        respproc: RespProc,
        /// Response text.
        resptext: String,
        /// Action.
        action: String,
        /// Transactions.
        txns: Vec<DepositTxn>,
    }
}

operation!(
    DepositRequest => Vec<Deposit>, name: "deposit", method: Method::Get,
    retry: RetrySafety::Safe, merchant: merchid, body: nobody,
    path: |s, m| Ok(with_query("deposit", &[
        ("merchid", Some(m.get()?.as_str())),
        ("date", s.date.map(|d| d.to_string()).as_deref()),
    ])),
    parse: crate::operation::parse_list_or_one,
);
