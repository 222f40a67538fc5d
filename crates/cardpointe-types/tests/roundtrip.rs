//! Property tests: every response type survives serialise → parse unchanged; requests with
//! random junk keys in shuffled order parse to the same value; amounts round-trip in both
//! notations.

use cardpointe_types::*;
use proptest::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// The kind of value a field holds, to generate valid wire text for it.
#[derive(Clone, Copy)]
enum K {
    Text,
    Amount,
    Merchid,
    Retref,
    Token,
    Expiry,
    Flag,
    Bool,
    Stat,
    Proc,
    Code,
    Pick(&'static [&'static str]),
    Count,
    OrderId,
    ProfileId,
    AcctId,
    Currency,
    Postal,
    Masked,
    Emv,
    Receipt,
    UserFields,
    Txns,
    Bin,
    Pan,
    Cvv,
}

fn luhn_complete(body: &str) -> String {
    for d in 0..10 {
        let s = format!("{body}{d}");
        if luhn_valid(&s) {
            return s;
        }
    }
    unreachable!("one check digit always fits")
}

fn value(k: K) -> BoxedStrategy<Value> {
    match k {
        K::Text => "[ -~]{0,24}".prop_map(Value::from).boxed(),
        K::Amount => (-Amount::MAX_MINOR..=Amount::MAX_MINOR, 0..3_u8)
            .prop_map(|(m, form)| {
                let a = Amount::from_minor(m).unwrap();
                match form {
                    0 => json!(a.to_string()),
                    1 => json!(a.to_minor_notation()),
                    _ => json!(m),
                }
            })
            .boxed(),
        K::Merchid => "[0-9A-Z]{1,16}".prop_map(Value::from).boxed(),
        K::Retref => "[0-9]{12}".prop_map(Value::from).boxed(),
        K::Token => "9[0-9]{15}".prop_map(Value::from).boxed(),
        K::Expiry => (1..=12_u8, 0..100_u16, any::<bool>())
            .prop_map(|(m, y, long)| {
                if long {
                    json!(format!("{:04}{m:02}", 2000 + y))
                } else {
                    json!(format!("{m:02}{y:02}"))
                }
            })
            .boxed(),
        K::Flag => prop_oneof![
            Just(json!("Y")),
            Just(json!("y")),
            Just(json!("N")),
            Just(json!("n")),
            any::<bool>().prop_map(Value::from)
        ]
        .boxed(),
        K::Bool => prop_oneof![any::<bool>().prop_map(Value::from), Just(json!("Y"))].boxed(),
        K::Stat => prop_oneof![Just(json!("A")), Just(json!("B")), Just(json!("C"))].boxed(),
        K::Proc => prop_oneof![
            Just(json!("PPS")),
            Just(json!("FNOR")),
            Just(json!("RPCT")),
            "[A-Z]{2,5}".prop_map(Value::from)
        ]
        .boxed(),
        K::Code => "[0-9A-Z]{1,4}".prop_map(Value::from).boxed(),
        K::Pick(list) => proptest::sample::select(list).prop_map(Value::from).boxed(),
        K::Count => any::<u32>().prop_map(Value::from).boxed(),
        K::OrderId => "[A-Z]{1,3}-[0-9]{1,10}".prop_map(Value::from).boxed(),
        K::ProfileId => "[0-9]{20}".prop_map(Value::from).boxed(),
        K::AcctId => "[1-9][0-9]{0,2}".prop_map(Value::from).boxed(),
        K::Currency => "[A-Z]{3}".prop_map(Value::from).boxed(),
        K::Postal => "[0-9]{5}".prop_map(Value::from).boxed(),
        K::Masked => prop_oneof![
            "4[0-9]XXXXXXXXXX[0-9]{4}".prop_map(Value::from),
            "9[0-9]{15}".prop_map(Value::from),
            "[a-z]{1,8}".prop_map(Value::from)
        ]
        .boxed(),
        K::Emv => proptest::collection::btree_map("[A-Z][A-Za-z ]{0,10}", "[ -~]{0,12}", 0..5)
            .prop_map(|m| json!(serde_json::to_string(&m).unwrap()))
            .boxed(),
        K::Receipt => ("[ -~]{0,10}", "[0-9]{14}", "[a-z]{3,8}", "[ -~]{0,6}")
            .prop_map(|(dba, dt, k, v)| json!({"dba": dba, "dateTime": dt, format!("x{k}"): v}))
            .boxed(),
        K::UserFields => proptest::collection::vec(("[a-z]{1,8}", "[ -~]{0,8}"), 0..4)
            .prop_map(|v| Value::Array(v.into_iter().map(|(k, x)| json!({ k: x })).collect()))
            .boxed(),
        K::Txns => proptest::collection::vec(
            (
                "[0-9]{12}",
                proptest::sample::select(&["Y", "N", "F", "P", "T", "W"][..]),
                0..1_000_000_i64,
                "[ -~]{0,8}",
            ),
            0..4,
        )
        .prop_map(|v| {
            Value::Array(
                v.into_iter()
                    .map(|(r, s, a, d)| {
                        json!({"retref": r, "setlstat": s, "setlamount": a, "salesdoc": d})
                    })
                    .collect(),
            )
        })
        .boxed(),
        K::Bin => (any::<bool>(), "[0-9]{6}", "[A-Z]{3}")
            .prop_map(|(b, bin, c)| json!({"prepaid": b, "bin": bin, "country": c, "gsa": !b}))
            .boxed(),
        K::Pan => "4[0-9]{14}"
            .prop_map(|b| Value::from(luhn_complete(&b)))
            .boxed(),
        K::Cvv => "[0-9]{3,4}".prop_map(Value::from).boxed(),
    }
}

/// A JSON object text with `required` fields always present, a random subset of `optional`
/// ones, optional junk keys, in a random order.
fn object(
    required: &'static [(&'static str, K)],
    optional: &'static [(&'static str, K)],
    junk: bool,
) -> BoxedStrategy<String> {
    let req: Vec<_> = required
        .iter()
        .map(|(n, k)| value(*k).prop_map(move |v| (n.to_string(), v)))
        .collect();
    let opt: Vec<_> = optional
        .iter()
        .map(|(n, k)| proptest::option::of(value(*k).prop_map(move |v| (n.to_string(), v))))
        .collect();
    let junk_keys = if junk {
        proptest::collection::vec(("jk[A-Za-z]{3,6}", junk_value()), 0..4).boxed()
    } else {
        Just(Vec::new()).boxed()
    };
    (req, opt, junk_keys)
        .prop_flat_map(|(req, opt, junk)| {
            let mut entries: Vec<(String, Value)> = req;
            entries.extend(opt.into_iter().flatten());
            entries.extend(junk);
            Just(entries).prop_shuffle()
        })
        .prop_map(|entries| {
            let body: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{}:{}", json!(k), v))
                .collect();
            format!("{{{}}}", body.join(","))
        })
        .boxed()
}

fn junk_value() -> BoxedStrategy<Value> {
    prop_oneof![
        Just(json!({})),
        Just(json!([1, "a", {"b": null}])),
        any::<i32>().prop_map(Value::from),
        "[ -~]{0,8}".prop_map(Value::from),
        Just(Value::Null)
    ]
    .boxed()
}

const RESP: [(&str, K); 4] = [
    ("respstat", K::Stat),
    ("respcode", K::Code),
    ("resptext", K::Text),
    ("respproc", K::Proc),
];

const AUTH_RESP: &[(&str, K)] = &[
    RESP[0],
    RESP[1],
    RESP[2],
    RESP[3],
    ("retref", K::Retref),
    ("merchid", K::Merchid),
    ("amount", K::Amount),
    ("account", K::Masked),
    ("token", K::Token),
    ("expiry", K::Expiry),
    ("authcode", K::Text),
    ("batchid", K::Text),
    ("avsresp", K::Pick(&["Y", "Z", " ", "N", "I1", "Q9"])),
    ("cvvresp", K::Pick(&["M", "N", "P", ""])),
    ("commcard", K::Pick(&[" C ", "AC ", "Y", "N"])),
    ("cardproc", K::Proc),
    ("profileid", K::ProfileId),
    ("acctid", K::AcctId),
    ("orderId", K::OrderId),
    ("currency", K::Currency),
    (
        "entrymode",
        K::Pick(&["Keyed", "EMVContact", "Swipe(Non EMV)", "New mode"]),
    ),
    ("binInfo", K::Bin),
    ("emvTagData", K::Emv),
    ("receiptData", K::Receipt),
    ("receiptObj", K::Receipt),
    (
        "setlstat",
        K::Pick(&["Declined", "zero amount", "Authorized"]),
    ),
    ("declineCategory", K::Pick(&["1", "2", "3", "4"])),
    ("merchAdviceCode", K::Pick(&["01", "21", "R3", "99"])),
    ("fee_amount", K::Amount),
    ("fee_type", K::Text),
    ("userfields", K::UserFields),
];

const INQUIRE_RESP: &[(&str, K)] = &[
    RESP[0],
    RESP[1],
    RESP[2],
    RESP[3],
    ("retref", K::Retref),
    ("merchid", K::Merchid),
    ("amount", K::Amount),
    ("account", K::Masked),
    (
        "setlstat",
        K::Pick(&["Queued for Capture", "Accepted", "Voided"]),
    ),
    ("voidable", K::Flag),
    ("refundable", K::Flag),
    ("authdate", K::Text),
    ("orderid", K::OrderId),
    ("emvTagData", K::Emv),
    ("userfields", K::UserFields),
];

const SIMPLE_RESP: &[(&str, K)] = &[
    RESP[0],
    RESP[1],
    RESP[2],
    RESP[3],
    ("retref", K::Retref),
    ("merchid", K::Merchid),
    ("amount", K::Amount),
    ("authcode", K::Text),
    ("currency", K::Currency),
    ("setlstat", K::Pick(&["Queued for Capture"])),
    ("batchid", K::Text),
];

const PROFILE_RESP: &[(&str, K)] = &[
    RESP[0],
    RESP[1],
    RESP[2],
    RESP[3],
    ("profileid", K::ProfileId),
    ("acctid", K::AcctId),
    ("defaultacct", K::Flag),
    ("token", K::Token),
    ("accttype", K::Pick(&["VISA", "MC", "ECHK", "XYZ"])),
    ("expiry", K::Expiry),
    ("postal", K::Postal),
    ("gsacard", K::Flag),
    ("name", K::Text),
];

const BATCH: &[(&str, K)] = &[
    ("merchid", K::Merchid),
    ("batchid", K::Text),
    ("hostbatch", K::Text),
    ("respproc", K::Proc),
    ("hoststat", K::Pick(&["GB", "MB", "", "ZZ"])),
    ("txns", K::Txns),
    ("chargecnt", K::Count),
    ("chargetotal", K::Amount),
    ("refundcnt", K::Count),
    ("refundtotal", K::Amount),
];

const FUNDING_RESP: &[(&str, K)] = &[
    ("merchid", K::Merchid),
    ("fundingmasterid", K::Text),
    ("fundingdate", K::Text),
    ("errormsg", K::Text),
];

const MERCHANT_RESP: &[(&str, K)] = &[
    ("site", K::Text),
    ("cardproc", K::Proc),
    ("merchid", K::Merchid),
    ("enabled", K::Bool),
    ("echeck", K::Flag),
    ("cvv", K::Flag),
    ("fee_value", K::Text),
];

const TOKENIZE_RESP: &[(&str, K)] = &[
    ("message", K::Text),
    ("errorcode", K::Count),
    ("token", K::Token),
];

const SURCHARGE_RESP: &[(&str, K)] = &[
    ("token", K::Pick(&["CREDIT", "DEBIT", "UNKNOWN"])),
    ("postal", K::Text),
    ("fee_amount", K::Amount),
];

const BIN_RESP: &[(&str, K)] = &[
    ("country", K::Text),
    ("product", K::Pick(&["A", "D", "M"])),
    ("bin", K::Text),
    ("gsa", K::Bool),
    ("prepaid", K::Bool),
    ("binlo", K::Text),
    ("success", K::Bool),
    ("errormsg", K::Text),
];

const BATCH_RESP: &[(&str, K)] = &[("batchid", K::Text), ("respcode", K::Code)];

/// Parses `text` as `T`, then checks serialise → parse gives the same value.
fn round_trip<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(
    text: &str,
) -> Result<(), TestCaseError> {
    let v: T = serde_json::from_str(text)
        .map_err(|e| TestCaseError::fail(format!("generated body did not parse: {e}: {text}")))?;
    let out = serde_json::to_string(&v).unwrap();
    let back: T = serde_json::from_str(&out)
        .map_err(|e| TestCaseError::fail(format!("re-parse failed: {e}: {out}")))?;
    prop_assert_eq!(&back, &v, "{}", out);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn auth_responses_survive_serialise_then_parse(t in object(&[], AUTH_RESP, true)) {
        round_trip::<AuthResponse>(&t)?;
    }

    #[test]
    fn inquire_responses_survive_serialise_then_parse(t in object(&[], INQUIRE_RESP, true)) {
        round_trip::<InquireResponse>(&t)?;
    }

    #[test]
    fn capture_void_refund_sigcap_responses_survive_serialise_then_parse(
        t in object(&[], SIMPLE_RESP, true)
    ) {
        round_trip::<CaptureResponse>(&t)?;
        round_trip::<VoidResponse>(&t)?;
        round_trip::<RefundResponse>(&t)?;
        let no_amount: Value = serde_json::from_str(&t).unwrap();
        let mut obj = no_amount.as_object().cloned().unwrap();
        for k in ["amount", "authcode", "currency", "setlstat", "batchid"] {
            obj.remove(k);
        }
        round_trip::<SigcapResponse>(&Value::Object(obj).to_string())?;
    }

    #[test]
    fn profile_responses_survive_serialise_then_parse(t in object(&[], PROFILE_RESP, true)) {
        round_trip::<ProfileResponse>(&t)?;
    }

    #[test]
    fn settlement_batches_survive_serialise_then_parse(t in object(&[], BATCH, true)) {
        round_trip::<SettlementBatch>(&t)?;
        let list = format!("[{t}]");
        let batches = SettlestatRequest::parse_response(list.as_bytes()).unwrap();
        let again = serde_json::to_vec(&batches).unwrap();
        prop_assert_eq!(SettlestatRequest::parse_response(&again).unwrap(), batches);
    }

    #[test]
    fn the_other_responses_survive_serialise_then_parse(
        f in object(&[], FUNDING_RESP, true),
        m in object(&[], MERCHANT_RESP, true),
        tk in object(&[], TOKENIZE_RESP, true),
        s in object(&[], SURCHARGE_RESP, true),
        b in object(&[], BIN_RESP, true),
        ob in object(&[], BATCH_RESP, true),
    ) {
        round_trip::<FundingResponse>(&f)?;
        round_trip::<MerchantInfo>(&m)?;
        round_trip::<TokenizeResponse>(&tk)?;
        round_trip::<EchoResponse>(&tk.replace("\"token\"", "\"jktoken\""))?;
        round_trip::<SurchargeResponse>(&s)?;
        round_trip::<BinInfo>(&b)?;
        round_trip::<BatchResponse>(&ob)?;
    }
}

const AUTH_REQ_REQUIRED: &[(&str, K)] = &[
    ("merchid", K::Merchid),
    ("amount", K::Amount),
    ("account", K::Pan),
];
const AUTH_REQ_OPTIONAL: &[(&str, K)] = &[
    ("expiry", K::Expiry),
    ("cvv2", K::Cvv),
    ("currency", K::Currency),
    ("capture", K::Flag),
    ("tokenize", K::Flag),
    ("orderid", K::OrderId),
    ("ecomind", K::Pick(&["E", "T", "R"])),
    ("cof", K::Pick(&["C", "M"])),
    ("receipt", K::Pick(&["Y", "N", "json"])),
    ("name", K::Text),
    ("postal", K::Postal),
    ("taxamnt", K::Amount),
    ("userfields", K::UserFields),
];
const CAPTURE_REQ_REQUIRED: &[(&str, K)] = &[("merchid", K::Merchid), ("retref", K::Retref)];
const CAPTURE_REQ_OPTIONAL: &[(&str, K)] = &[
    ("amount", K::Amount),
    ("authcode", K::Text),
    ("ponumber", K::Text),
    ("frtamnt", K::Amount),
    ("receipt", K::Pick(&["Y"])),
];
const PROFILE_REQ_REQUIRED: &[(&str, K)] = &[("merchid", K::Merchid)];
const PROFILE_REQ_OPTIONAL: &[(&str, K)] = &[
    ("account", K::Token),
    ("expiry", K::Expiry),
    ("profile", K::ProfileId),
    ("profileupdate", K::Flag),
    ("defaultacct", K::Flag),
    ("name", K::Text),
    ("postal", K::Postal),
];

/// Parses `text` as `T`; then the same body with junk keys shuffled in parses to the same value,
/// and the value's own body parses back to it.
fn same_with_junk<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(
    clean: &str,
    noisy: &str,
) -> Result<(), TestCaseError> {
    let a: T = serde_json::from_str(clean)
        .map_err(|e| TestCaseError::fail(format!("clean body did not parse: {e}: {clean}")))?;
    let b: T = serde_json::from_str(noisy)
        .map_err(|e| TestCaseError::fail(format!("noisy body did not parse: {e}: {noisy}")))?;
    prop_assert_eq!(&a, &b);
    let written = serde_json::to_string(&a).unwrap();
    let c: T = serde_json::from_str(&written).unwrap();
    prop_assert_eq!(&a, &c);
    Ok(())
}

/// The clean body (fields only) and a noisy one (the same fields plus junk, reshuffled).
fn clean_and_noisy(
    required: &'static [(&'static str, K)],
    optional: &'static [(&'static str, K)],
) -> BoxedStrategy<(String, String)> {
    object(required, optional, false)
        .prop_flat_map(|clean| {
            let fields: Vec<(String, Value)> =
                serde_json::from_str::<serde_json::Map<_, _>>(&clean)
                    .unwrap()
                    .into_iter()
                    .collect();
            let junk = proptest::collection::vec(("jk[A-Za-z]{3,6}", junk_value()), 1..5);
            (Just(clean), Just(fields), junk)
        })
        .prop_flat_map(|(clean, mut fields, junk)| {
            fields.extend(junk);
            (Just(clean), Just(fields).prop_shuffle())
        })
        .prop_map(|(clean, fields)| {
            let body: Vec<String> = fields
                .iter()
                .map(|(k, v)| format!("{}:{}", json!(k), v))
                .collect();
            (clean, format!("{{{}}}", body.join(",")))
        })
        .boxed()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn auth_requests_with_junk_keys_in_any_order_parse_the_same(
        (clean, noisy) in clean_and_noisy(AUTH_REQ_REQUIRED, AUTH_REQ_OPTIONAL)
    ) {
        same_with_junk::<AuthRequest>(&clean, &noisy)?;
        let req: AuthRequest = serde_json::from_str(&clean).unwrap();
        prop_assert!(matches!(req.source(), Ok(PaymentSource::Card(_))));
    }

    #[test]
    fn capture_void_refund_requests_with_junk_keys_parse_the_same(
        (clean, noisy) in clean_and_noisy(CAPTURE_REQ_REQUIRED, CAPTURE_REQ_OPTIONAL)
    ) {
        same_with_junk::<CaptureRequest>(&clean, &noisy)?;
        same_with_junk::<VoidRequest>(&clean, &noisy)?;
        same_with_junk::<RefundRequest>(&clean, &noisy)?;
        same_with_junk::<SigcapRequest>(&clean, &noisy)?;
    }

    #[test]
    fn profile_requests_with_junk_keys_parse_the_same(
        (clean, noisy) in clean_and_noisy(PROFILE_REQ_REQUIRED, PROFILE_REQ_OPTIONAL)
    ) {
        same_with_junk::<ProfileRequest>(&clean, &noisy)?;
    }

    #[test]
    fn amounts_round_trip_in_both_notations(m in -Amount::MAX_MINOR..=Amount::MAX_MINOR) {
        let a = Amount::from_minor(m).unwrap();
        prop_assert_eq!(a.to_string().parse::<Amount>(), Ok(a));
        prop_assert_eq!(a.to_minor_notation().parse::<Amount>(), Ok(a));
        let json_text: Amount = serde_json::from_str(&serde_json::to_string(&a).unwrap()).unwrap();
        prop_assert_eq!(json_text, a);
        let json_int: Amount = serde_json::from_str(&m.to_string()).unwrap();
        prop_assert_eq!(json_int, a);
        prop_assert!(a.to_string().contains('.'));
    }

    #[test]
    fn amount_parsing_never_panics_on_any_text(s in "\\PC{0,24}") {
        let _ = s.parse::<Amount>();
        let _ = s.parse::<Expiry>();
        let _ = s.parse::<ReportDate>();
        let _ = OrderId::new(s.clone());
        let _ = s.parse::<ProfileRef>();
        let _ = s.parse::<ProfileField>();
    }
}
