//! Checks for `cardpointe-types`: the gateway's JSON bodies.

use std::fmt::Debug;

use cardpointe_types::{
    AuthRequest, BinRequest, CaptureRequest, CloseBatchRequest, CredentialTestRequest,
    DepositRequest, EchoRequest, FundingRequest, InquireByOrderIdRequest, InquireMerchantRequest,
    InquireRequest, Operation, ProfileDeleteRequest, ProfileReadRequest, ProfileRequest,
    RefundRequest, SettlestatByBatchSourceRequest, SettlestatRequest, SigcapRequest,
    SurchargeRequest, TokenizeRequest, VoidByOrderIdRequest, VoidRequest,
};
use serde::Serialize;

/// Parses `data` as the response of `O`; whatever parses must write back as JSON that parses to
/// the same value (strict writing, tolerant reading, no information invented or lost).
fn round_trip<O>(data: &[u8])
where
    O: Operation,
    O::Response: Serialize + PartialEq + Debug,
{
    let Ok(first) = O::parse_response(data) else {
        return;
    };
    let written = match serde_json::to_vec(&first) {
        Ok(w) => w,
        Err(e) => panic!("{}: a parsed response failed to serialise: {e}", O::NAME),
    };
    match O::parse_response(&written) {
        Ok(second) => assert_eq!(
            first,
            second,
            "{}: serialise → parse changed the value; written: {}",
            O::NAME,
            String::from_utf8_lossy(&written)
        ),
        Err(e) => panic!(
            "{}: what we wrote does not parse: {e}; written: {}",
            O::NAME,
            String::from_utf8_lossy(&written)
        ),
    }
}

/// Fuzz target `gateway_json`: any bytes, read as every response type of the Gateway and
/// CardSecure, never panic; what parses re-serialises and re-parses to the same value. The same
/// bytes read as requests (the emulator's side) never panic either.
pub fn gateway_json(data: &[u8]) {
    round_trip::<AuthRequest>(data);
    round_trip::<CaptureRequest>(data);
    round_trip::<VoidRequest>(data);
    round_trip::<VoidByOrderIdRequest>(data);
    round_trip::<RefundRequest>(data);
    round_trip::<InquireRequest>(data);
    round_trip::<InquireByOrderIdRequest>(data);
    round_trip::<InquireMerchantRequest>(data);
    round_trip::<SettlestatRequest>(data);
    round_trip::<SettlestatByBatchSourceRequest>(data);
    round_trip::<CloseBatchRequest>(data);
    round_trip::<FundingRequest>(data);
    round_trip::<DepositRequest>(data);
    round_trip::<ProfileRequest>(data);
    round_trip::<ProfileReadRequest>(data);
    round_trip::<ProfileDeleteRequest>(data);
    round_trip::<SigcapRequest>(data);
    round_trip::<BinRequest>(data);
    round_trip::<SurchargeRequest>(data);
    round_trip::<TokenizeRequest>(data);
    round_trip::<EchoRequest>(data);
    let _ = CredentialTestRequest::parse_response(data);

    if let Ok(req) = serde_json::from_slice::<AuthRequest>(data) {
        let _ = req.source();
        let again: AuthRequest = match serde_json::to_vec(&req).map(|w| serde_json::from_slice(&w))
        {
            Ok(Ok(r)) => r,
            other => panic!("auth request: written form does not parse back: {other:?}"),
        };
        assert_eq!(
            req, again,
            "auth request: serialise → parse changed the value"
        );
    }
    let _ = serde_json::from_slice::<ProfileRequest>(data);
    let _ = serde_json::from_slice::<TokenizeRequest>(data);
}
