//! `sigcap`: attach a signature to an authorization (spec §2.14).

use serde::{Deserialize, Serialize};

use crate::operation::{Method, RetrySafety, operation, parse_json};
use crate::outcome::has_outcome;
use crate::wire::model;
use crate::{MerchantId, RespProc, RespStat, ResponseCode, Retref};

model! {
    /// `PUT /sigcap`: stores (or, with no `signature`, erases) the signature of `retref`.
    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
    #[non_exhaustive]
    pub struct SigcapRequest {
        @required {
            /// The authorization.
            retref: Retref,
        }
        /// The merchant when not the client's (see [`Operation::merchid`](crate::Operation::merchid)); `None`: the client's.
        merchid: MerchantId,
        /// Base64 of a gzipped BMP (~200×100 px).
        signature: String,
    }
}

impl SigcapRequest {
    /// Attaches `signature` to `retref`.
    #[must_use]
    pub fn new(retref: Retref, signature: impl Into<String>) -> Self {
        Self {
            merchid: None,
            retref,
            signature: Some(signature.into()),
        }
    }
}

model! {
    /// The answer to `sigcap` (`resptext:"signature stored"` in the official SDK test; spec
    /// uncertain item 8).
    #[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
    #[non_exhaustive]
    pub struct SigcapResponse {
        /// `A`, `B` or `C`, when sent.
        respstat: RespStat,
        /// Response code.
        respcode: ResponseCode,
        /// Response text.
        resptext: String,
        /// `PPS` or the host.
        respproc: RespProc,
        /// Merchant.
        merchid: MerchantId,
        /// The authorization.
        retref: Retref,
    }
}

has_outcome!(SigcapResponse);

operation!(
    SigcapRequest => SigcapResponse, name: "sigcap", method: Method::WRITE,
    retry: RetrySafety::Safe, merchant: merchid, body: json_merchant,
    path: |_s, _m| Ok("sigcap".to_owned()), parse: parse_json,
);
