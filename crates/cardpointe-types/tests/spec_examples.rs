//! Every observed and documented example body of the spec parses, and its fields read back as
//! the spec says.

use cardpointe_types::codes::Category;
use cardpointe_types::{
    Amount, AuthRequest, AvsResult, BatchResponse, BinRequest, CaptureRequest, CardBrand,
    CloseBatchRequest, CredentialTestRequest, CvvResult, DeclineCategory, Defaults, EchoRequest,
    EntryMode, Expiry, Flag, FundingRequest, HasOutcome, HostBatchStatus, InquireByOrderIdRequest,
    InquireMerchantRequest, InquireRequest, MerchantAdvice, OpenBatchRequest, Operation,
    ParseError, PaymentSource, ProfileDeleteRequest, ProfileReadRequest, ProfileRequest,
    RefundRequest, RespProc, RespStat, SettlementStatus, SettlementTxnStatus,
    SettlestatByBatchSourceRequest, SettlestatRequest, SigcapRequest, SurchargeRequest,
    TokenizeRequest, VoidByOrderIdRequest, VoidRequest,
};

fn amount(s: &str) -> Option<Amount> {
    Some(s.parse().unwrap())
}

fn text<T: std::fmt::Display>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

#[test]
fn approved_fnor_sale_with_capture_reads_back_field_by_field() {
    let r = AuthRequest::parse_response(
        br#"{"amount":"1.00","resptext":"Approval","commcard":" C ","cvvresp":"M","batchid":"1900941444",
 "avsresp":" ","respcode":"00","merchid":"496160873888","token":"9405701444882224",
 "authcode":"PPS568","respproc":"FNOR","retref":"363743267882","respstat":"A","account":"9405701444882224"}"#,
    )
    .unwrap();
    assert_eq!(r.amount, amount("1.00"));
    assert_eq!(r.resptext.as_deref(), Some("Approval"));
    assert_eq!(r.commcard.as_deref(), Some(" C "));
    assert_eq!(r.cvvresp, Some(CvvResult::Match));
    assert_eq!(r.batchid.as_deref(), Some("1900941444"));
    assert_eq!(r.avsresp, None, "a blank AVS answer means not attempted");
    assert_eq!(text(&r.respcode), "00");
    assert_eq!(text(&r.merchid), "496160873888");
    assert_eq!(text(&r.token), "9405701444882224");
    assert_eq!(r.authcode.as_deref(), Some("PPS568"));
    assert_eq!(r.respproc, Some(RespProc::Fnor));
    assert_eq!(text(&r.retref), "363743267882");
    assert_eq!(r.respstat, Some(RespStat::Approved));
    assert_eq!(text(&r.account), "9405701444882224");
    let o = r.outcome();
    assert!(o.is_approved());
    assert_eq!(o.category(), Category::Approved);
    assert_eq!(o.info.map(|i| i.text), Some("Approval"));
}

#[test]
fn issuer_decline_is_an_ordinary_value_with_a_meaning() {
    let r = AuthRequest::parse_response(
        br#"{"respproc":"FNOR","amount":"0.00","resptext":"Insufficient funds","cardproc":"FNOR","commcard":" C ",
 "retref":"005533134378","respstat":"C","respcode":"NU","account":"9435885049491053",
 "merchid":"496160873888","token":"9435885049491053"}"#,
    )
    .unwrap();
    assert_eq!(r.amount, Some(Amount::ZERO));
    assert_eq!(r.cardproc, Some(RespProc::Fnor));
    assert_eq!(text(&r.retref), "005533134378");
    assert_eq!(r.respstat, Some(RespStat::Declined));
    assert_eq!(r.outcome().category(), Category::InsufficientFunds);
    assert_eq!(r.token.as_ref().map(|t| t.last_four()), Some("1053"));
}

#[test]
fn gateway_validation_failure_keeps_the_echoed_account() {
    let r = AuthRequest::parse_response(
        br#"{"account":"larry","amount":"0.00","expiry":"0925","merchid":"800000009033","respcode":"11","respstat":"C","resptext":"Invalid card","respproc":"PPS"}"#,
    )
    .unwrap();
    assert_eq!(text(&r.account), "larry");
    assert_eq!(r.expiry, Some(Expiry::new(2025, 9).unwrap()));
    assert_eq!(text(&r.merchid), "800000009033");
    assert_eq!(r.outcome().category(), Category::InvalidCard);
    assert_eq!(r.outcome().info.map(|i| i.text), Some("Invalid card"));
}

#[test]
fn ach_approval_and_invalid_routing_read_back() {
    let ok = AuthRequest::parse_response(
        br#"{"respproc":"PSTR","resptext":"Success","cvvresp":"U","avsresp":"U","merchid":"542041","authcode":"D81931","respstat":"A","respcode":"00","amount":"10.00","retref":"363168131400","token":"9036412253351111","account":"9036412253351111"}"#,
    )
    .unwrap();
    assert_eq!(ok.respproc, Some(RespProc::Pstr));
    assert_eq!(ok.avsresp, Some(AvsResult::Unavailable));
    assert_eq!(ok.cvvresp, Some(CvvResult::IssuerNotCertified));
    assert_eq!(text(&ok.merchid), "542041");
    assert_eq!(ok.outcome().info.map(|i| i.text), Some("Success"));
    let bad = AuthRequest::parse_response(
        br#"{"respproc":"PPS","respcode":"11","resptext":"Invalid card","cardproc":"PSTR","respstat":"C","token":"9011443244441234","amount":"0.00"}"#,
    )
    .unwrap();
    assert_eq!(bad.cardproc, Some(RespProc::Pstr));
    assert!(!bad.is_approved());
}

#[test]
fn amount_driven_rpct_decline_reads_back() {
    let r = AuthRequest::parse_response(
        br#"{"amount":"0.00","resptext":"Not sufficient funds","cardproc":"RPCT","respstat":"C","respcode":"116"}"#,
    )
    .unwrap();
    assert_eq!(text(&r.respcode), "116");
    assert_eq!(r.cardproc, Some(RespProc::Rpct));
    // Without respproc the table is unknown; respstat still says declined.
    assert_eq!(r.outcome().category(), Category::Declined);
}

#[test]
fn gateway_timeout_is_retry_with_declined_settlement() {
    let r = AuthRequest::parse_response(
        br#"{"respproc":"PPS","respcode":"62","resptext":"Timed out","respstat":"B","setlstat":"Declined","retref":"329001234567","token":"9499006200620062","amount":"0.00"}"#,
    )
    .unwrap();
    assert_eq!(r.respstat, Some(RespStat::Retry));
    assert_eq!(r.setlstat, Some(SettlementStatus::Declined));
    assert_eq!(r.outcome().category(), Category::RetryLater);
}

#[test]
fn uat_chaos_junk_keys_and_shuffled_order_are_ignored() {
    let r = AuthRequest::parse_response(
        br#"{"kePFkt":[1,{"a":null}],"respstat":"A","nNBcv":{},"respcode":"00","zz":null,"respproc":"FNOR","amount":"5.00","x":1.5}"#,
    )
    .unwrap();
    assert_eq!(r.amount, amount("5.00"));
    assert!(r.is_approved());
}

#[test]
fn emv_auth_response_carries_tag_data_receipt_bin_and_decline_fields() {
    let r = AuthRequest::parse_response(
        br#"{"respstat":"C","respcode":"100","resptext":"Do not honor","respproc":"RPCT","entrymode":"EMVContact","bintype":"Prepaid",
 "emv":"8A023035","emvTagData":"{\"TVR\":\"0000008000\",\"PIN\":\"None\",\"Signature\":\"true\",\"Mode\":\"Issuer\",\"ARC\":\"05\",\"TSI\":\"E800\",\"AID\":\"A0000001523010\",\"Application Label\":\"DISCOVER\",\"Entry method\":\"Chip Read\",\"Network Label\":\"DISCOVER\"}",
 "receiptData":{"dba":"Test Store","address1":"1 Main St","dateTime":"20240101120000","nameOnCard":"A CARDHOLDER","items":""},
 "receiptObj":{"dba":"Test Store","routeIndicator":"Credit","AID":"A0000001523010"},
 "binInfo":{"country":"USA","product":"V","bin":"441111","gsa":false,"corporate":"false","fsa":false,"prepaid":true,"binlo":"441111XXX","binhi":"441111XXX"},
 "declineCategory":"1","declineCategoryText":"Do not retry","merchAdviceCode":"21","merchAdviceText":"Stop recurring for this merchant",
 "fee_amount":"3.00","fee_type":"SURCHRG","fee_format":"flat","fee_value":"3.00","orderId":"AB-1","userfields":[{"custommerchant":"SHOP"}]}"#,
    )
    .unwrap();
    assert_eq!(r.entrymode, Some(EntryMode::EmvContact));
    let emv = r.emv_tag_data.as_ref().unwrap();
    assert_eq!(emv.aid(), Some("A0000001523010"));
    assert_eq!(emv.get("Entry method"), Some("Chip Read"));
    let receipt = r.receipt_data.as_ref().unwrap();
    assert_eq!(receipt.dba.as_deref(), Some("Test Store"));
    assert_eq!(receipt.date_time.as_deref(), Some("20240101120000"));
    let obj = r.receipt_obj.as_ref().unwrap();
    assert_eq!(obj.route_indicator.as_deref(), Some("Credit"));
    assert_eq!(
        obj.extra.get("AID").and_then(|v| v.as_str()),
        Some("A0000001523010")
    );
    let bin = r.bin_info.as_ref().unwrap();
    assert_eq!(bin.prepaid, Some(true));
    assert_eq!(bin.corporate, Some(false));
    assert_eq!(bin.binlo.as_deref(), Some("441111XXX"));
    assert_eq!(r.decline_category, Some(DeclineCategory::DoNotRetry));
    let advice = r.merch_advice_code.as_ref().unwrap();
    assert!(advice.forbids_retry());
    assert_eq!(r.fee_amount, amount("3.00"));
    assert_eq!(text(&r.order_id), "AB-1");
    assert_eq!(
        r.userfields.as_ref().and_then(|u| u.get("custommerchant")),
        Some("SHOP")
    );
    assert_eq!(r.outcome().category(), Category::DoNotHonor);
    assert_eq!(advice, &MerchantAdvice::Code21);
}

#[test]
fn capture_success_and_unknown_retref_read_back() {
    let ok = CaptureRequest::parse_response(
        br#"{"respproc":"FNOR","amount":"1.00","resptext":"Approval","setlstat":"Queued for Capture","commcard":"N","retref":"363743267882","respstat":"A","respcode":"00","batchid":"1900941444","account":"9405701444882224","merchid":"496160873888","token":"9405701444882224"}"#,
    )
    .unwrap();
    assert_eq!(ok.setlstat, Some(SettlementStatus::QueuedForCapture));
    assert_eq!(ok.batchid.as_deref(), Some("1900941444"));
    let missing = CaptureRequest::parse_response(
        br#"{"respproc":"PPS","resptext":"Txn not found","retref":"363743267999","respstat":"C","respcode":"29","batchid":"-1","account":""}"#,
    )
    .unwrap();
    assert_eq!(missing.batchid.as_deref(), Some("-1"));
    assert_eq!(missing.account, None, "a blank account reads as absent");
    assert_eq!(missing.outcome().category(), Category::NotFound);
}

#[test]
fn void_response_reads_back() {
    let r = VoidRequest::parse_response(
        br#"{"authcode":"REVERS","respproc":"FNOR","amount":"0.00","resptext":"Approval","currency":"USD","retref":"343030160242","respstat":"A","respcode":"00","merchid":"496160873888"}"#,
    )
    .unwrap();
    assert_eq!(r.authcode.as_deref(), Some("REVERS"));
    assert_eq!(r.amount, Some(Amount::ZERO));
    assert_eq!(text(&r.currency), "USD");
    assert!(r.is_approved());
    let by_order = VoidByOrderIdRequest::parse_response(
        br#"{"authcode":"REVERS","respproc":"FNOR","amount":"0.00","resptext":"Approval","retref":"343030160242","respstat":"A","respcode":"00","orderId":"ORDER-7"}"#,
    )
    .unwrap();
    assert_eq!(text(&by_order.order_id), "ORDER-7");
}

#[test]
fn refunds_offline_and_online_read_back() {
    let offline = RefundRequest::parse_response(
        br#"{"respproc":"PPS","amount":"1.00","resptext":"Approval","retref":"363168252003","respstat":"A","respcode":"00","authcode":"REFUND","merchid":"496160873888"}"#,
    )
    .unwrap();
    assert_eq!(offline.authcode.as_deref(), Some("REFUND"));
    assert_eq!(offline.outcome().category(), Category::Approved);
    let online = RefundRequest::parse_response(
        br#"{"authcode":"PPS655","respproc":"AMEX","amount":"3.00","resptext":"Approval","respstat":"A","respcode":"000"}"#,
    )
    .unwrap();
    assert_eq!(online.respproc, Some(RespProc::Amex));
    assert_eq!(online.outcome().info.map(|i| i.code), Some("000"));
    let unsettled = RefundRequest::parse_response(
        br#"{"respproc":"PPS","resptext":"Txn not settled","retref":"363168252003","respstat":"C","respcode":"28"}"#,
    )
    .unwrap();
    assert_eq!(unsettled.outcome().category(), Category::InvalidState);
}

#[test]
fn inquire_found_and_not_found_read_back() {
    let r = InquireRequest::parse_response(
        br#"{"amount":"0.99","resptext":"Approval","setlstat":"Authorized","respcode":"00","retref":"343030160242","merchid":"496160873888","account":"9418594164541111","currency":"USD","respstat":"A","respproc":"FNOR"}"#,
    )
    .unwrap();
    assert_eq!(r.amount, amount("0.99"));
    assert_eq!(r.setlstat, Some(SettlementStatus::Authorized));
    assert_eq!(text(&r.account), "9418594164541111");
    let missing = InquireRequest::parse_response(
        br#"{"resptext":"Txn not found","respcode":"29","retref":"343030160299","respstat":"C","respproc":"PPS"}"#,
    )
    .unwrap();
    assert_eq!(missing.outcome().category(), Category::NotFound);
    let full = InquireRequest::parse_response(
        br#"{"voidable":"Y","refundable":"n","authdate":"20141209","capturedate":"20141209120000","settledate":"20141210080000","expiry":"1218","lastfour":"1111","orderid":"ORDER-9","profileid":"18399859418147107070","acctid":"1"}"#,
    )
    .unwrap();
    assert_eq!(full.voidable, Some(Flag::Yes));
    assert_eq!(full.refundable, Some(Flag::No));
    assert_eq!(full.authdate.as_deref(), Some("20141209"));
    assert_eq!(text(&full.order_id), "ORDER-9");
    assert_eq!(text(&full.acctid), "1");
}

#[test]
fn inquire_by_orderid_reads_an_object_or_an_array() {
    let one = InquireByOrderIdRequest::parse_response(
        br#"{"retref":"343030160242","respstat":"A","respcode":"00","respproc":"FNOR"}"#,
    )
    .unwrap();
    assert_eq!(one.len(), 1);
    let two = InquireByOrderIdRequest::parse_response(
        br#"[{"retref":"343030160242","respstat":"C"},{"retref":"343030160243","respstat":"A"}]"#,
    )
    .unwrap();
    assert_eq!(two.len(), 2);
    assert_eq!(text(&two[1].retref), "343030160243");
}

#[test]
fn settlestat_reads_batches_and_the_null_batches_text() {
    assert!(
        SettlestatRequest::parse_response(b"Null batches")
            .unwrap()
            .is_empty()
    );
    assert!(
        SettlestatRequest::parse_response(b"Null batches\n")
            .unwrap()
            .is_empty()
    );
    let batches = SettlestatRequest::parse_response(
        br#"[{"respproc":"FNOR","hostbatch":"1900940055","batchid":"1900940055","hoststat":"GB","merchid":"496160873888",
  "txns":[{"setlamount":"1.00","setlstat":"Y","salesdoc":"ORDER-1","retref":"343005134513","authcode":"PPS568","cardtype":"VISA"},
          {"setlamount":"2.50","setlstat":"N","salesdoc":"","retref":"343005134514"}]},
 {"respproc":"FNOR","batchid":"1900940056","hoststat":"","merchid":"496160873888","txns":[]}]"#,
    )
    .unwrap();
    assert_eq!(batches.len(), 2);
    let b = &batches[0];
    assert_eq!(b.hoststat, Some(HostBatchStatus::Accepted));
    let txns = b.txns.as_ref().unwrap();
    assert_eq!(txns[0].setlstat, Some(SettlementTxnStatus::Accepted));
    assert_eq!(txns[0].setlamount, amount("1.00"));
    assert_eq!(txns[0].cardtype, Some(CardBrand::Visa));
    assert_eq!(txns[1].setlstat, Some(SettlementTxnStatus::Rejected));
    assert_eq!(batches[1].hoststat, None, "blank hoststat means queued");
}

#[test]
fn settlestat_by_batch_source_reads_counts_as_numbers() {
    let batches = SettlestatByBatchSourceRequest::parse_response(
        br#"[{"respproc":"RPCH","hostbatch":"106","chargecnt":2,"batchsource":"SRC1","refundtotal":"0.00","batchid":"106","chargetotal":"12.00","refundcnt":0,"hoststat":"GB","merchid":"800000009033","txns":[{"setlamount":"6.00","setlstat":"Y","salesdoc":"A1","retref":"100001000001"}]}]"#,
    )
    .unwrap();
    let b = &batches[0];
    assert_eq!(b.chargecnt, Some(2));
    assert_eq!(b.refundcnt, Some(0));
    assert_eq!(b.chargetotal, amount("12.00"));
    assert_eq!(b.respproc, Some(RespProc::Rpch));
}

#[test]
fn open_and_close_batch_answers_read_back() {
    let ok: BatchResponse =
        OpenBatchRequest::parse_response(br#"{"batchid":"2628","respcode":"success"}"#).unwrap();
    assert!(ok.is_success());
    assert_eq!(ok.batchid.as_deref(), Some("2628"));
    let none =
        CloseBatchRequest::parse_response(br#"{"batchid":"null","respcode":"noBatch"}"#).unwrap();
    assert!(!none.is_success());
}

#[test]
fn funding_reads_current_and_2014_shapes() {
    let none = FundingRequest::parse_response(br#"{"errormsg":"No deposits match your request"}"#)
        .unwrap();
    assert_eq!(
        none.errormsg.as_deref(),
        Some("No deposits match your request")
    );
    let old = FundingRequest::parse_response(
        br#"{"merchid":496160873888,"fundingdate":"2014-12-08","fundings":[{"fundingid":123,"totalfunding":55014,"fundingdate":"2014-12-08"}],
 "txns":[{"retref":"343005134513","amount":55014,"cardnumber":"4111XXXXXXXX1111","type":"SALE","status":"Processed"}]}"#,
    )
    .unwrap();
    assert_eq!(text(&old.merchid), "496160873888");
    let f = &old.fundings.as_ref().unwrap()[0];
    assert_eq!(f.totalfunding, amount("550.14"));
    assert_eq!(f.fundingid.as_deref(), Some("123"));
    let t = &old.txns.as_ref().unwrap()[0];
    assert_eq!(t.amount, amount("55014"));
    assert_eq!(t.kind.as_deref(), Some("SALE"));
    let new = FundingRequest::parse_response(
        br#"{"merchid":"496160873888","fundingmasterid":"77","fundingdate":"20241202","fundings":[{"netsales":"100.00","fee":"2.10","totalfunding":"97.90","currency":"USD","ddanumber":"XXXX1234"}],"chargebacks":[{"amount":"10.00","reasoncode":"4837","casenumber":"C1"}],"adjustments":[]}"#,
    )
    .unwrap();
    assert_eq!(new.fundings.as_ref().unwrap()[0].fee, amount("2.10"));
    assert_eq!(
        new.chargebacks.as_ref().unwrap()[0].reasoncode.as_deref(),
        Some("4837")
    );
}

#[test]
fn bin_answers_read_back() {
    let found = BinRequest::parse_response(
        br#"{"country":"USA","product":"M","bin":"545454","cardusestring":"Credit Hybrid (PIN and Signature)","gsa":false,"corporate":false,"fsa":false,"subtype":"","purchase":false,"prepaid":false,"issuer":"BANK","binlo":"545454XXX","binhi":"545454XXX"}"#,
    )
    .unwrap();
    assert_eq!(
        found.cardusestring.as_deref(),
        Some("Credit Hybrid (PIN and Signature)")
    );
    assert_eq!(found.gsa, Some(false));
    let none =
        BinRequest::parse_response(br#"{"success":true,"errormsg":"No bin information found."}"#)
            .unwrap();
    assert_eq!(none.success, Some(true));
    assert_eq!(none.errormsg.as_deref(), Some("No bin information found."));
}

#[test]
fn profile_answers_read_back() {
    let created = ProfileRequest::parse_response(
        br#"{"profileid":"18399859418147107070","acctid":"1","defaultacct":"Y","token":"9418594164541111","accttype":"VISA","expiry":"1215","name":"Tom Jones","address":"123 Main","city":"Anytown","region":"PA","country":"US","postal":"19406","phone":"5555555555","email":"tom@example.com","auoptout":"N","gsacard":"N","respproc":"PPS","respcode":"09","resptext":"Profile Saved","respstat":"A"}"#,
    )
    .unwrap();
    assert_eq!(text(&created.profileid), "18399859418147107070");
    assert_eq!(created.defaultacct, Some(Flag::Yes));
    assert_eq!(created.accttype, Some(CardBrand::Visa));
    assert_eq!(created.expiry, Some(Expiry::new(2015, 12).unwrap()));
    assert_eq!(
        created.outcome().info.map(|i| i.text),
        Some("Profile Saved")
    );
    let read = ProfileReadRequest::parse_response(
        br#"[{"profileid":"18399859418147107070","acctid":"1","defaultacct":"Y","token":"9418594164541111","accttype":"VISA"},
 {"profileid":"18399859418147107070","acctid":"2","defaultacct":"N","token":"9124468384113123","accttype":"ECHK"}]"#,
    )
    .unwrap();
    assert_eq!(read.len(), 2);
    assert_eq!(read[1].accttype, Some(CardBrand::Checking));
    assert_eq!(read[0].respstat, None, "reads carry no resp fields");
    let deleted = ProfileDeleteRequest::parse_response(
        br#"{"respproc":"PPS","respcode":"08","resptext":"Profile Deleted","respstat":"A"}"#,
    )
    .unwrap();
    assert!(deleted.is_approved());
    let refused = ProfileDeleteRequest::parse_response(
        br#"{"resptext":"Invalid field","respcode":"34","respproc":"PPS","respstat":"C"}"#,
    )
    .unwrap();
    assert_eq!(refused.outcome().category(), Category::InvalidRequest);
    let unknown = ProfileReadRequest::parse_response(
        br#"{"respproc":"PPS","resptext":"Profile not found","respstat":"C","respcode":"96"}"#,
    )
    .unwrap();
    assert_eq!(unknown[0].outcome().category(), Category::NotFound);
}

#[test]
fn sigcap_merchant_and_surcharge_answers_read_back() {
    let s = SigcapRequest::parse_response(
        br#"{"merchid":"496160873888","retref":"343030160242","respcode":"00","resptext":"signature stored"}"#,
    )
    .unwrap();
    assert_eq!(s.resptext.as_deref(), Some("signature stored"));
    let m = InquireMerchantRequest::parse_response(
        br#"{"site":"fts-uat","cardproc":"RPCT","merchid":"800000009033","enabled":true,"echeck":"N","cvv":"Y","avs":"Y","acctupdater":"N","fee_type":"N","fee_format":"","fee_value":"","fee_merchid":""}"#,
    )
    .unwrap();
    assert_eq!(m.enabled, Some(true));
    assert_eq!(m.cardproc, Some(RespProc::Rpct));
    assert_eq!(m.cvv, Some(Flag::Yes));
    assert_eq!(m.fee_format.as_deref(), Some(""));
    let sur = SurchargeRequest::parse_response(
        br#"{"token":"CREDIT","postal":"NOT_RESTRICTED","fee_amount":"3.00","messages":[]}"#,
    )
    .unwrap();
    assert_eq!(sur.fee_amount, amount("3.00"));
    assert_eq!(sur.messages.as_ref().map(Vec::len), Some(0));
    let bad = SurchargeRequest::parse_response(
        br#"{"token":"UNKNOWN","postal":"UNKNOWN","messages":[{"field":"postal","message":"postal is missing or empty"}]}"#,
    )
    .unwrap();
    assert_eq!(
        bad.messages.as_ref().unwrap()[0].message.as_deref(),
        Some("postal is missing or empty")
    );
}

#[test]
fn cardsecure_answers_read_back() {
    let ok = TokenizeRequest::parse_response(
        br#"{"message":"No error","errorcode":0,"token":"9603982807976668"}"#,
    )
    .unwrap();
    assert!(ok.is_success());
    assert_eq!(text(&ok.token), "9603982807976668");
    let err = TokenizeRequest::parse_response(
        br#"{"message":"Card number check failed","errorcode":54}"#,
    )
    .unwrap();
    assert!(!err.is_success());
    assert_eq!(
        err.error_text(),
        Some("Card number check (Luhn formula) failed")
    );
    let echo = EchoRequest::parse_response(br#"{"message":"Hello?","errorcode":0}"#).unwrap();
    assert_eq!(echo.message.as_deref(), Some("Hello?"));
}

#[test]
fn credential_test_finds_the_servlet_greeting() {
    let ok = CredentialTestRequest::parse_response(
        b"<html><body><h1>CardConnect REST Servlet</h1></body></html>",
    );
    assert!(ok.is_ok());
    assert!(matches!(
        CredentialTestRequest::parse_response(b"Unauthorized"),
        Err(ParseError::NoGreeting)
    ));
}

#[test]
fn documented_requests_parse_and_classify_their_source() {
    // The amount-driven sample: minor units, capture as "y".
    let req: AuthRequest = serde_json::from_str(
        r#"{"merchid":"800000009033","account":"4000065433421984","expiry":"202512","amount":"111695","capture":"y","currency":"USD","ecomind":"E","orderid":"ORD-1","userfields":{"a":"1"}}"#,
    )
    .unwrap();
    assert_eq!(req.amount.minor_units(), 111_695);
    assert_eq!(req.capture, Some(Flag::Yes));
    assert!(matches!(req.source(), Ok(PaymentSource::Card(_))));
    // The body writes the canonical forms back.
    // The request names its own merchant, so no client default is needed.
    let body = String::from_utf8(req.body(Defaults::none()).unwrap().unwrap()).unwrap();
    assert!(body.contains(r#""merchid":"800000009033""#), "{body}");
    assert!(body.contains(r#""amount":"1116.95""#), "{body}");
    assert!(body.contains(r#""capture":"Y""#), "{body}");
    assert!(body.contains(r#""expiry":"1225""#), "{body}");
    // Profile charge and clear ACH.
    let p: AuthRequest = serde_json::from_str(
        r#"{"merchid":"496160873888","amount":"500","profile":"18399859418147107070/1"}"#,
    )
    .unwrap();
    assert!(matches!(p.source(), Ok(PaymentSource::Profile(_))));
    let ach: AuthRequest = serde_json::from_str(
        r#"{"merchid":"496160873888","amount":"10.00","account":"1234123412341234","bankaba":"036001808","accttype":"ECHK"}"#,
    )
    .unwrap();
    assert!(matches!(ach.source(), Ok(PaymentSource::Ach(_))));
    // PHP sends integer amounts (minor units): 500 → 5.00.
    let php: AuthRequest = serde_json::from_str(
        r#"{"merchid":"496160873888","amount":500,"account":"9418594164541111","capture":true}"#,
    )
    .unwrap();
    assert_eq!(php.amount.to_string(), "5.00");
    assert_eq!(php.capture, Some(Flag::Yes));
}

#[test]
fn every_operation_has_the_documented_method_and_path() {
    use cardpointe_types::{
        Api, Defaults, MerchantId, Method, OrderId, ProfileId, ProfileRef, ReportDate, Retref,
        Token,
    };
    let m = MerchantId::new("496160873888").unwrap();
    let d = Defaults::merchant(&m);
    let r = Retref::new("343030160242").unwrap();
    let o = OrderId::new("A B/1").unwrap();
    let t = Token::new("9418594164541111").unwrap();
    let p = ProfileRef::new(ProfileId::new("18399859418147107070").unwrap(), None);
    let check = |method: Method, path: String, want_m: Method, want_p: &str| {
        assert_eq!((method, path.as_str()), (want_m, want_p));
    };
    let inq = InquireRequest::new(r.clone());
    check(
        inq.method(),
        inq.path(d).unwrap(),
        Method::Get,
        "inquire/343030160242/496160873888",
    );
    let by = InquireByOrderIdRequest::new(o.clone());
    check(
        by.method(),
        by.path(d).unwrap(),
        Method::Get,
        "inquireByOrderid/A%20B%2F1/496160873888/1",
    );
    let read = ProfileReadRequest::new(p.clone());
    check(
        read.method(),
        read.path(d).unwrap(),
        Method::Get,
        "profile/18399859418147107070//496160873888",
    );
    let del = ProfileDeleteRequest::new(p);
    check(
        del.method(),
        del.path(d).unwrap(),
        Method::Delete,
        "profile/18399859418147107070//496160873888",
    );
    let st = SettlestatRequest::on("1209".parse::<ReportDate>().unwrap());
    check(
        st.method(),
        st.path(d).unwrap(),
        Method::Get,
        "settlestat?merchid=496160873888&date=1209",
    );
    let f = FundingRequest::new(None);
    check(
        f.method(),
        f.path(d).unwrap(),
        Method::Get,
        "funding?merchid=496160873888",
    );
    let b = BinRequest::new(t.clone());
    check(
        b.method(),
        b.path(d).unwrap(),
        Method::Get,
        "bin/496160873888/9418594164541111",
    );
    let ob = OpenBatchRequest::new("SRC1");
    check(
        ob.method(),
        ob.path(d).unwrap(),
        Method::Get,
        "openbatch/496160873888/SRC1",
    );
    let cb = CloseBatchRequest::new(None);
    check(
        cb.method(),
        cb.path(d).unwrap(),
        Method::Get,
        "closebatch/496160873888",
    );
    let v = VoidByOrderIdRequest::new(o);
    check(v.method(), v.path(d).unwrap(), Method::Put, "voidByOrderId");
    let bs = SettlestatByBatchSourceRequest::new("SRC1");
    check(
        bs.method(),
        bs.path(d).unwrap(),
        Method::Post,
        "settlestatByBatchSource",
    );
    let c = CredentialTestRequest::credentials_only();
    check(c.method(), c.path(d).unwrap(), Method::Get, "");
    assert_eq!(c.body(d).unwrap(), None);
    let c2 = CredentialTestRequest::for_merchant(m.clone());
    assert_eq!(c2.method(), Method::Put);
    assert_eq!(
        c2.body(d).unwrap().as_deref(),
        Some(&br#"{"merchid":"496160873888"}"#[..])
    );
    assert_eq!(TokenizeRequest::API, Api::CardSecure);
    let tok = TokenizeRequest::default();
    check(
        tok.method(),
        tok.path(d).unwrap(),
        Method::Post,
        "ccn/tokenize",
    );
    let echo = EchoRequest::new("Hello?").unwrap();
    check(echo.method(), echo.path(d).unwrap(), Method::Post, "echo");
    let sur = SurchargeRequest::new(t, "19406".parse().unwrap(), "10.00".parse().unwrap());
    assert_eq!(
        sur.path(d).unwrap(),
        "surcharge?merchid=496160873888&token=9418594164541111&postal=19406&amount=10.00"
    );
    assert_eq!(
        InquireMerchantRequest::new().path(d).unwrap(),
        "inquireMerchant/496160873888"
    );
    let s = SigcapRequest::new(r.clone(), "H4sI");
    check(s.method(), s.path(d).unwrap(), Method::Put, "sigcap");
    let profile = ProfileRequest::create(PaymentSource::Token(
        Token::new("9418594164541111").unwrap(),
    ))
    .unwrap();
    check(
        profile.method(),
        profile.path(d).unwrap(),
        Method::Put,
        "profile",
    );
}

#[test]
fn an_emulator_can_answer_from_a_table_row() {
    use cardpointe_types::{AuthResponse, codes};
    let mut r = AuthResponse::default();
    r.set_outcome(
        RespProc::Pps,
        codes::lookup(&RespProc::Pps, "29").expect("PPS 29 is in the table"),
    );
    r.amount = Some(Amount::ZERO);
    let body = serde_json::to_string(&r).unwrap();
    assert_eq!(
        body,
        r#"{"respstat":"C","respcode":"29","resptext":"Txn not found","respproc":"PPS","amount":"0.00"}"#
    );
    let back = AuthRequest::parse_response(body.as_bytes()).unwrap();
    assert_eq!(back.outcome().category(), Category::NotFound);
}

#[test]
fn legacy_deposit_report_reads_back() {
    use cardpointe_types::DepositRequest;
    let d = DepositRequest::parse_response(
        br#"[{"depositid":7,"merchid":"496160873888","postdate":"20141209","actdate":"20141209","amount":"550.14","feeamnt":"1.20","cbakamnt":"0.00","currency":"USD","accttype":"VISA","respproc":"FNOR","resptext":"","action":"DEP",
 "txns":[{"merchbatch":"106","hostbatch":"1900940055","retref":"343005134513","depamnt":"1.00","feeamnt":"0.02","action":"DEB"}]}]"#,
    )
    .unwrap();
    assert_eq!(d[0].depositid.as_deref(), Some("7"));
    assert_eq!(d[0].amount, amount("550.14"));
    let t = &d[0].txns.as_ref().unwrap()[0];
    assert_eq!(t.action.as_deref(), Some("DEB"));
    assert_eq!(t.depamnt, amount("1.00"));
}

#[test]
fn the_merchant_id_is_given_once_and_may_be_overridden_per_request() {
    use cardpointe_types::{Defaults, EncodeError, MerchantId, Retref};
    let client = MerchantId::new("496160873888").unwrap();
    let other = MerchantId::new("800000009033").unwrap();
    let r = Retref::new("343030160242").unwrap();

    // The client's merchant fills the body and the path.
    let void = VoidRequest::new(r.clone());
    assert_eq!(void.merchid(), None);
    let body = String::from_utf8(void.body(Defaults::merchant(&client)).unwrap().unwrap()).unwrap();
    assert_eq!(
        body,
        r#"{"merchid":"496160873888","retref":"343030160242"}"#
    );
    let inq = InquireRequest::new(r.clone());
    assert_eq!(
        inq.path(Defaults::merchant(&client)).unwrap(),
        "inquire/343030160242/496160873888"
    );

    // A request's own merchant wins, in the body (written once) and in the path.
    let void = VoidRequest::new(r.clone()).with_merchid(other.clone());
    assert_eq!(void.merchid(), Some(&other));
    let body = String::from_utf8(void.body(Defaults::merchant(&client)).unwrap().unwrap()).unwrap();
    assert_eq!(body.matches("merchid").count(), 1, "{body}");
    assert!(body.contains(r#""merchid":"800000009033""#), "{body}");
    let inq = InquireRequest::new(r.clone()).with_merchid(other);
    assert_eq!(
        inq.path(Defaults::merchant(&client)).unwrap(),
        "inquire/343030160242/800000009033"
    );

    // No merchant anywhere: a typed error that says where to give one.
    let err = VoidRequest::new(r.clone())
        .body(Defaults::none())
        .unwrap_err();
    assert_eq!(err, EncodeError::NoMerchantId { operation: "void" });
    assert!(
        err.to_string().contains("ClientBuilder::merchant_id"),
        "{err}"
    );
    let err = InquireRequest::new(r).path(Defaults::none()).unwrap_err();
    assert_eq!(
        err,
        EncodeError::NoMerchantId {
            operation: "inquire"
        }
    );
}
