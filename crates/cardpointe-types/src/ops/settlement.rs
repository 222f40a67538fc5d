//! Settlement reports and manual batches: `settlestat`, `settlestatByBatchSource`, `openbatch`,
//! `closebatch` (spec §2.8–2.10).

use serde::{Deserialize, Serialize};

use crate::operation::{Method, RetrySafety, encode_component, operation, with_query};
use crate::wire::model;
use crate::{
    Amount, CardBrand, HostBatchStatus, MerchantId, ParseError, ReportDate, RespProc, ResponseCode,
    Retref, SettlementTxnStatus,
};

/// The plain-text body `settlestat` sends when there is nothing to report (with a JSON content
/// type).
pub const NULL_BATCHES: &str = "Null batches";

/// `GET /settlestat?merchid=…[&date=MMDD | &batchid=…]`. With neither, the gateway returns the
/// batches not yet returned to this caller (a server-side cursor).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct SettlestatRequest {
    /// The merchant when not the client's (see [`Operation::merchid`](crate::Operation::merchid)); `None`: the client's.
    pub merchid: Option<MerchantId>,
    /// Batches of this day (`MMDD`).
    pub date: Option<ReportDate>,
    /// One batch.
    pub batchid: Option<String>,
}

impl SettlestatRequest {
    /// The batches not yet reported to this caller.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            merchid: None,
            date: None,
            batchid: None,
        }
    }

    /// The batches of one day.
    #[must_use]
    pub const fn on(date: ReportDate) -> Self {
        Self {
            merchid: None,
            date: Some(date),
            batchid: None,
        }
    }
}

model! {
    /// `POST /settlestatByBatchSource`: the batches of a manual batch source.
    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
    #[non_exhaustive]
    pub struct SettlestatByBatchSourceRequest {
        @required {
            /// The batch source given on auth/capture.
            batchsource: String,
        }
        /// The merchant when not the client's (see [`Operation::merchid`](crate::Operation::merchid)); `None`: the client's.
        merchid: MerchantId,
    }
}

impl SettlestatByBatchSourceRequest {
    /// The batches of `batchsource`.
    #[must_use]
    pub fn new(batchsource: impl Into<String>) -> Self {
        Self {
            merchid: None,
            batchsource: batchsource.into(),
        }
    }
}

model! {
    /// One transaction of a settlement batch.
    #[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
    #[non_exhaustive]
    pub struct SettlementTxn {
        /// The transaction.
        retref: Retref,
        /// Short status: `Y` accepted, `N` rejected, `F`, `P`, `T`, `W`.
        setlstat: SettlementTxnStatus,
        /// Settled amount.
        setlamount: Amount,
        /// The auth's order id, if any (free text).
        salesdoc: String,
        /// Authorization code (since 11/2021).
        authcode: String,
        /// Card type (since 11/2021).
        cardtype: CardBrand,
    }
}

model! {
    /// One settlement batch.
    #[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
    #[non_exhaustive]
    pub struct SettlementBatch {
        /// Merchant.
        merchid: MerchantId,
        /// Gateway batch id.
        batchid: String,
        /// Processor batch id.
        hostbatch: String,
        /// Host.
        respproc: RespProc,
        /// Batch status (blank = queued, reads as `None`).
        hoststat: HostBatchStatus,
        /// Transactions.
        txns: Vec<SettlementTxn>,
        /// By batch source: number of charges (a JSON number).
        chargecnt: u64,
        /// By batch source: total charged.
        chargetotal: Amount,
        /// By batch source: number of refunds.
        refundcnt: u64,
        /// By batch source: total refunded.
        refundtotal: Amount,
        /// By batch source: the source.
        batchsource: String,
    }
}

/// Reads a settlestat body: a JSON array of batches (or one object), or the text `Null batches`
/// for none.
fn parse_batches(name: &'static str, body: &[u8]) -> Result<Vec<SettlementBatch>, ParseError> {
    let trimmed = body.trim_ascii();
    if trimmed.is_empty() || trimmed.eq_ignore_ascii_case(NULL_BATCHES.as_bytes()) {
        return Ok(Vec::new());
    }
    crate::operation::parse_list_or_one(name, trimmed)
}

operation!(
    SettlestatRequest => Vec<SettlementBatch>, name: "settlestat", method: Method::Get,
    retry: RetrySafety::Safe, merchant: merchid, body: nobody,
    path: |s, m| Ok(with_query("settlestat", &[
        ("merchid", Some(m.get()?.as_str())),
        ("date", s.date.map(|d| d.to_string()).as_deref()),
        ("batchid", s.batchid.as_deref()),
    ])),
    parse: parse_batches,
);

operation!(
    SettlestatByBatchSourceRequest => Vec<SettlementBatch>, name: "settlestatByBatchSource",
    method: Method::Post, retry: RetrySafety::Safe, merchant: merchid, body: json_merchant,
    path: |_s, _m| Ok("settlestatByBatchSource".to_owned()),
    parse: parse_batches,
);

/// `GET /openbatch/{merchid}[/{batchsource}]`: opens a manual batch.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct OpenBatchRequest {
    /// The merchant when not the client's (see [`Operation::merchid`](crate::Operation::merchid)); `None`: the client's.
    pub merchid: Option<MerchantId>,
    /// The batch source that auths/captures will name to join it.
    pub batchsource: Option<String>,
}

impl OpenBatchRequest {
    /// Opens a batch for `batchsource`.
    #[must_use]
    pub fn new(batchsource: impl Into<String>) -> Self {
        Self {
            merchid: None,
            batchsource: Some(batchsource.into()),
        }
    }
}

/// `GET /closebatch/{merchid}[/{batchid}]`: closes a batch (the lowest-numbered open one when
/// `batchid` is `None`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct CloseBatchRequest {
    /// The merchant when not the client's (see [`Operation::merchid`](crate::Operation::merchid)); `None`: the client's.
    pub merchid: Option<MerchantId>,
    /// The batch.
    pub batchid: Option<String>,
}

impl CloseBatchRequest {
    /// Closes `batchid`, or the lowest-numbered open batch.
    #[must_use]
    pub const fn new(batchid: Option<String>) -> Self {
        Self {
            merchid: None,
            batchid,
        }
    }
}

model! {
    /// The answer to `openbatch`/`closebatch`: `{"batchid":"2628","respcode":"success"}`, or
    /// `batchid:"null"`, `respcode:"noBatch"`.
    #[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
    #[non_exhaustive]
    pub struct BatchResponse {
        /// The batch (`null` as text on failure).
        batchid: String,
        /// `success` or `noBatch`.
        respcode: ResponseCode,
    }
}

impl BatchResponse {
    /// `true` when `respcode` is `success`.
    #[must_use]
    pub fn is_success(&self) -> bool {
        self.respcode
            .as_ref()
            .is_some_and(|c| c.as_str().eq_ignore_ascii_case("success"))
    }
}

fn path_tail(s: Option<&String>) -> String {
    s.map(|v| format!("/{}", encode_component(v)))
        .unwrap_or_default()
}

operation!(
    OpenBatchRequest => BatchResponse, name: "openbatch", method: Method::Get,
    merchant: merchid, body: nobody,
    path: |s, m| Ok(format!("openbatch/{}{}", m.get()?, path_tail(s.batchsource.as_ref()))),
    parse: crate::operation::parse_json,
);

operation!(
    CloseBatchRequest => BatchResponse, name: "closebatch", method: Method::Get,
    merchant: merchid, body: nobody,
    path: |s, m| Ok(format!("closebatch/{}{}", m.get()?, path_tail(s.batchid.as_ref()))),
    parse: crate::operation::parse_json,
);
