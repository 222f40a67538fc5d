//! Bad input, table-driven: every parser entry point of the workspace and every emulator
//! endpoint gets the classic hostile inputs — empty, truncated at every byte of a valid input,
//! huge lengths, deep nesting, invalid UTF-8, NUL bytes, numbers out of range. A parser must
//! answer with a typed error whose message names the problem (or, where the format says so,
//! "incomplete" / a valid shorter value), never panic; an endpoint must answer with the
//! gateway's documented error shapes (400 JSON, 401, PPS codes with `respstat` C, CardSecure's
//! 400 `{message, errorcode}`), never 5xx or a dropped connection.

mod support;

use std::panic::{AssertUnwindSafe, catch_unwind};

use cardpointe::cardsecure::{ApplePayPayload, BankAccount, GooglePayToken, ManualCard};
use cardpointe::emv::{Dol, Node, Options, Tlvs, Walker};
use cardpointe::transport::{Method, Request, RetryPolicy, Service, Timeouts};
use cardpointe::types::{
    AuthRequest, BinRequest, CaptureRequest, CloseBatchRequest, FundingRequest,
    InquireByOrderIdRequest, InquireMerchantRequest, InquireRequest, Operation,
    ProfileDeleteRequest, ProfileReadRequest, ProfileRequest, RefundRequest, SettlestatRequest,
    SigcapRequest, SurchargeRequest, TokenizeRequest, VoidByOrderIdRequest, VoidRequest,
};
use cardpointe::vp3300::command::{RtcDate, RtcTime};
use cardpointe::vp3300::frame::{Status, parse_frame};
use cardpointe::vp3300::msr::MsrRecordBuf;
use cardpointe::vp3300::result::TransactionOutput;
use cardpointe::vp3300::{
    Decoded, Direction, EncryptedCardData, Frame, FrameDecoder, Ksn, MsrRecord, ReadMethod,
    StatusCode,
};
use cardpointe_sim::Sim;
use serde_json::Value;

/// What a parser made of an input.
#[derive(Debug)]
enum Verdict {
    /// A typed error, rendered with `Display`.
    Refused(String),
    /// Accepted.
    Accepted,
    /// "Need more bytes" (streaming formats only).
    Incomplete,
}

fn verdict<T, E: std::fmt::Display>(r: Result<T, E>) -> Verdict {
    match r {
        Ok(_) => Verdict::Accepted,
        Err(e) => Verdict::Refused(e.to_string()),
    }
}

/// A parser entry point with a valid input to mutate.
struct Parser {
    name: &'static str,
    parse: fn(&[u8]) -> Verdict,
    valid: Vec<u8>,
    /// Whether a strict prefix of `valid` of this length is itself valid (a shorter list).
    prefix_ok: fn(&[u8]) -> bool,
    /// Whether empty input is a valid (empty) value in this format.
    empty_ok: bool,
    /// Crafted inputs: huge lengths, deep nesting, numbers out of range, odd bytes.
    hostile: Vec<(&'static str, Vec<u8>)>,
    /// Crafted inputs that are valid in this format (each with its reason at the table).
    may_accept: &'static [&'static str],
}

fn never(_: &[u8]) -> bool {
    false
}

fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

// ---- EMV ---------------------------------------------------------------------------------------

const FCI: &str = "6F1A840E315041592E5359532E4444463031A5088801025F2D02656E";
const PDOL: &str = "9F66049F02069F03069F1A0295055F2A029A039C019F3704";

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("test hex"))
        .collect()
}

fn tlv_list(data: &[u8]) -> Verdict {
    for item in Tlvs::new(data, Options::emv()) {
        if let Err(e) = item {
            assert!(e.offset() <= data.len(), "offset past the input: {e}");
            return Verdict::Refused(e.to_string());
        }
    }
    Verdict::Accepted
}

fn tlv_walk(data: &[u8]) -> Verdict {
    for options in [Options::emv(), Options::id_tech()] {
        for item in Walker::new(data, options) {
            if let Err(e) = item {
                return Verdict::Refused(e.to_string());
            }
        }
    }
    Verdict::Accepted
}

fn tlv_tree(data: &[u8]) -> Verdict {
    verdict(Node::decode_all(data, Options::emv()))
}

fn dol(data: &[u8]) -> Verdict {
    verdict(Dol::new(data, Options::emv()).data_len())
}

/// `n` nested constructed templates (E1) around one primitive, definite lengths.
fn nested_tlv(n: usize) -> Vec<u8> {
    let mut inner = vec![0x9F, 0x02, 0x01, 0x00];
    for _ in 0..n {
        let len = inner.len();
        let mut outer = vec![0xE1];
        if len < 0x80 {
            outer.push(len as u8);
        } else if len <= 0xFF {
            outer.extend_from_slice(&[0x81, len as u8]);
        } else if len <= 0xFFFF {
            outer.extend_from_slice(&[0x82, (len >> 8) as u8, len as u8]);
        } else {
            outer.extend_from_slice(&[0x83, (len >> 16) as u8, (len >> 8) as u8, len as u8]);
        }
        outer.extend_from_slice(&inner);
        inner = outer;
    }
    inner
}

fn emv_hostile() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("length 4 GiB - 1", hex("9F0284FFFFFFFF00")),
        ("length field of 9 bytes", hex("9F0289FFFFFFFFFFFFFFFFFF00")),
        ("indefinite length", hex("E18000")),
        ("tag that never ends", hex("9FFFFFFFFFFFFFFF")),
        ("child overruns parent", hex("E1039F020500")),
        ("deep nesting (10,000 levels)", nested_tlv(10_000)),
        ("invalid UTF-8 / 0xFF filler", vec![0xFF; 64]),
        ("NUL bytes", vec![0x00; 64]),
    ]
}

// ---- VP3300 ------------------------------------------------------------------------------------

fn frame_bytes() -> Vec<u8> {
    Frame::response(0x02, StatusCode::Ok, hex("DFEE25020004"))
        .encode()
        .to_vec()
}

fn frame_parse(data: &[u8]) -> Verdict {
    match parse_frame(data, Direction::ReaderToHost, 1024) {
        Ok(Status::Partial) => Verdict::Incomplete,
        Ok(Status::Complete(parsed)) => {
            assert!(parsed.len <= data.len());
            Verdict::Accepted
        }
        Err(e) => Verdict::Refused(e.to_string()),
        Ok(_) => Verdict::Accepted,
    }
}

/// The streaming decoder: fed byte by byte, it must report garbage or an error for bad bytes,
/// wait for more on a truncated frame, and produce a frame only for a whole one.
fn frame_decoder(data: &[u8]) -> Verdict {
    let mut decoder = FrameDecoder::new(Direction::ReaderToHost).with_max_data_len(1024);
    let mut refused = None;
    // Whole frames after the input, more than the longest frame the input could announce: the
    // decoder must find them again after any bad bytes, so nothing is left unfinished.
    let good = frame_bytes();
    let trailer = good.repeat(1_100 / good.len() + 1);
    let mut last_is_good = false;
    for byte in data.iter().chain(&trailer) {
        decoder.push(std::slice::from_ref(byte));
        while let Some(item) = decoder.decode() {
            last_is_good =
                matches!(&item, Ok(Decoded::Frame(f)) if f.encode().as_ref() == good.as_slice());
            match item {
                Ok(Decoded::Garbage { offset, len }) => {
                    refused = Some(format!("{len} bytes of garbage at offset {offset}"));
                }
                Err(e) => refused = Some(e.to_string()),
                Ok(_) => {}
            }
        }
    }
    assert!(
        last_is_good,
        "the decoder did not find the frames after the input again"
    );
    // Bad bytes must be reported (as garbage or an error); bytes that vanish without a report
    // count as accepted, which the table flags.
    match refused {
        Some(why) => Verdict::Refused(why),
        None => Verdict::Accepted,
    }
}

/// An encrypted enhanced MSR record of 5413 33** **** 0011.
fn msr_record() -> Vec<u8> {
    let track2 = b";541333******0011=2512?";
    let mut card = vec![0x80, 0x12, 0, 23, 0, 0x02, 0x82];
    card.extend_from_slice(track2);
    card.extend_from_slice(&[0xA5; 24]);
    card.extend_from_slice(&[0x62, 0x99, 0x49, 0x01, 0x23, 0x45, 0x60, 0x00, 0x00, 0x07]);
    MsrRecord::build(&card).to_vec()
}

fn msr_binary(data: &[u8]) -> Verdict {
    let parsed = verdict(MsrRecord::parse(data));
    let owned = verdict(MsrRecordBuf::from_binary(data));
    assert_eq!(
        matches!(parsed, Verdict::Accepted),
        matches!(owned, Verdict::Accepted),
        "MsrRecord::parse and MsrRecordBuf::from_binary disagree"
    );
    let card = verdict(EncryptedCardData::from_msr_record(data, ReadMethod::Swipe));
    match (parsed, card) {
        (Verdict::Refused(why), _) | (_, Verdict::Refused(why)) => Verdict::Refused(why),
        _ => Verdict::Accepted,
    }
}

fn msr_hex_ascii(data: &[u8]) -> Verdict {
    verdict(MsrRecordBuf::from_hex_ascii(data))
}

fn transaction_result(data: &[u8]) -> Verdict {
    match TransactionOutput::parse(data) {
        Ok(out) => {
            // Every accessor on whatever was accepted: none may panic.
            let _ = (
                out.prefix(),
                out.attribution(),
                out.tlv_bytes(),
                out.tlvs().count(),
            );
            let _ = (
                out.result_code(),
                out.ksn(),
                out.msr_record(),
                out.msr_data(),
            );
            let _ = (
                out.masked_pan(),
                out.expiry(),
                out.cardholder_name(),
                out.tvr(),
            );
            let _ = (
                out.tsi(),
                out.arc(),
                out.pos_entry_mode(),
                out.receipt_tags(),
            );
            Verdict::Accepted
        }
        Err(e) => Verdict::Refused(e.to_string()),
    }
}

/// A reader's answer to 25-02 (get time) / 25-04 (get date) carrying `data`.
fn rtc_time(data: &[u8]) -> Verdict {
    let frame = Frame::response(0x25, StatusCode::Ok, data.to_vec());
    verdict(RtcTime::from_response(&frame))
}

fn rtc_date(data: &[u8]) -> Verdict {
    let frame = Frame::response(0x25, StatusCode::Ok, data.to_vec());
    verdict(RtcDate::from_response(&frame))
}

fn ksn(data: &[u8]) -> Verdict {
    verdict(Ksn::parse(data))
}

fn msr_hostile() -> Vec<(&'static str, Vec<u8>)> {
    let mut huge = msr_record();
    huge[1] = 0xFF; // card data length 0xFFFF in a short record
    huge[2] = 0xFF;
    let mut track_len = msr_record();
    track_len[6] = 0xFF; // track 1 length 255
    vec![
        ("length 65535 in a short record", huge),
        ("track length out of range", track_len),
        ("invalid UTF-8 / 0xFF", vec![0xFF; 80]),
        ("NUL bytes", vec![0x00; 80]),
        ("STX then nothing", vec![0x02]),
    ]
}

// ---- Gateway JSON ------------------------------------------------------------------------------

const AUTH_RESPONSE: &str = r#"{"respproc":"FNOR","amount":"0.00","resptext":"Insufficient funds","cardproc":"FNOR","commcard":" C ","retref":"005533134378","respstat":"C","respcode":"NU","account":"9435885049491053","merchid":"496160873888","token":"9435885049491053"}"#;

fn json_of<O: Operation>(data: &[u8]) -> Verdict {
    verdict(O::parse_response(data))
}

fn json_hostile() -> Vec<(&'static str, Vec<u8>)> {
    let deep = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
    let deep_object = format!(
        r#"{{"respstat":"A","x":{}null{}}}"#,
        r#"{"a":"#.repeat(50_000),
        "}".repeat(50_000)
    );
    vec![
        ("deep nesting (arrays)", deep.into_bytes()),
        ("deep nesting (objects)", deep_object.into_bytes()),
        (
            "invalid UTF-8 in a string",
            b"{\"respstat\":\"A\",\"resptext\":\"\xFF\xFE\"}".to_vec(),
        ),
        ("raw NUL bytes", b"{\"respstat\":\"A\0\"}".to_vec()),
        ("only NUL bytes", vec![0; 32]),
        (
            "amount out of range",
            br#"{"respstat":"A","amount":"99999999999999999999999.99"}"#.to_vec(),
        ),
        (
            "amount 1e400",
            br#"{"respstat":"A","amount":1e400}"#.to_vec(),
        ),
        (
            "amount with three decimals",
            br#"{"respstat":"A","amount":"1.234"}"#.to_vec(),
        ),
        (
            "retref of 10,000 digits",
            format!(r#"{{"retref":"{}"}}"#, "1".repeat(10_000)).into_bytes(),
        ),
        ("respstat a number", br#"{"respstat":7}"#.to_vec()),
        ("not JSON at all", b"<html><body>500</body></html>".to_vec()),
    ]
}

/// Unknown keys are skipped (tolerant reading), iteratively: a deep value under one is harmless.
const JSON_LENIENT: &[&str] = &["deep nesting (objects)"];
/// Models without an `amount`.
const NO_AMOUNT: &[&str] = &[
    "deep nesting (objects)",
    "amount out of range",
    "amount 1e400",
    "amount with three decimals",
];
/// Models without an `amount` or a `retref`.
const NO_AMOUNT_OR_RETREF: &[&str] = &[
    "deep nesting (objects)",
    "amount out of range",
    "amount 1e400",
    "amount with three decimals",
    "retref of 10,000 digits",
];
/// Models with none of the transaction fields (`amount`, `retref`, `respstat`, `resptext`).
const NO_TXN_FIELDS: &[&str] = &[
    "deep nesting (objects)",
    "amount out of range",
    "amount 1e400",
    "amount with three decimals",
    "retref of 10,000 digits",
    "respstat a number",
    "invalid UTF-8 in a string",
];

// ---- CardSecure input --------------------------------------------------------------------------

fn card_number(data: &[u8]) -> Verdict {
    verdict(ManualCard::new(&text(data), "12/99", None))
}

fn card_prefix_ok(prefix: &[u8]) -> bool {
    let digits: String = text(prefix).chars().filter(char::is_ascii_digit).collect();
    cardpointe::types::luhn_valid(&digits)
        && cardpointe::types::CardBrand::from_pan_prefix(&digits)
            .is_some_and(|b| b.issues_length(digits.len()))
}

fn expiry(data: &[u8]) -> Verdict {
    verdict(cardpointe::types::Expiry::parse_typed(&text(data)))
}

fn manual_card(data: &[u8]) -> Verdict {
    // "number|expiry|cvv", as a form would hand them over.
    let text = text(data);
    let mut parts = text.splitn(3, '|');
    let number = parts.next().unwrap_or("");
    let expiry = parts.next().unwrap_or("");
    let cvv = parts.next();
    verdict(ManualCard::new(number, expiry, cvv))
}

fn bank_account(data: &[u8]) -> Verdict {
    let text = text(data);
    let (routing, account) = text.split_once('/').unwrap_or((&text, ""));
    verdict(BankAccount::new(routing, account))
}

fn token(data: &[u8]) -> Verdict {
    verdict(cardpointe::types::Token::new(text(data)))
}

fn apple_pay(data: &[u8]) -> Verdict {
    verdict(ApplePayPayload::from_payment_data_json(&text(data)))
}

fn google_pay(data: &[u8]) -> Verdict {
    verdict(GooglePayToken::new(&text(data)))
}

fn text_hostile() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("10,000 digits", "4".repeat(10_000).into_bytes()),
        ("invalid UTF-8", b"4111\xFF\xFE1111111111".to_vec()),
        ("NUL bytes", b"4111\x001111\x0011111111".to_vec()),
        ("only NUL bytes", vec![0; 16]),
        ("month 13 / year 99999", b"13/99999".to_vec()),
        ("negative numbers", b"-4111111111111111".to_vec()),
        (
            "deep nesting",
            format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)).into_bytes(),
        ),
        ("whitespace only", b"   \t\n".to_vec()),
    ]
}

fn parsers() -> Vec<Parser> {
    let mut all = vec![
        Parser {
            name: "emv: Tlvs (top-level list)",
            parse: tlv_list,
            valid: hex(FCI),
            prefix_ok: never,
            empty_ok: true,
            hostile: emv_hostile(),
            may_accept: // The top level only: children are not read; 00 is EMV padding between objects.
            &["child overruns parent", "deep nesting (10,000 levels)", "NUL bytes"],
        },
        Parser {
            name: "emv: Walker (EMV and ID TECH)",
            parse: tlv_walk,
            valid: hex(FCI),
            prefix_ok: never,
            empty_ok: true,
            hostile: emv_hostile(),
            may_accept: &["NUL bytes"] // padding,
        },
        Parser {
            name: "emv: Node::decode_all",
            parse: tlv_tree,
            valid: hex(FCI),
            prefix_ok: never,
            empty_ok: true,
            hostile: emv_hostile(),
            may_accept: &["NUL bytes"] // padding,
        },
        Parser {
            name: "emv: Dol::data_len",
            parse: dol,
            valid: hex(PDOL),
            // A DOL cut between entries is a shorter DOL.
            prefix_ok: |p| Dol::new(p, Options::emv()).data_len().is_ok(),
            empty_ok: true,
            hostile: vec![
                ("length field of 9 bytes", hex("9F0289FFFFFFFFFFFFFFFFFF")),
                ("tag that never ends", hex("9FFFFFFFFFFFFFFF")),
                ("0xFF filler", vec![0xFF; 64]),
            ],
            may_accept: // A DOL is tag-length pairs: a 00 reads as a one-byte tag.
            &["a NUL byte in the middle"],
        },
        Parser {
            name: "vp3300: parse_frame",
            parse: frame_parse,
            valid: frame_bytes(),
            prefix_ok: never,
            empty_ok: false,
            hostile: frame_hostile(),
            may_accept: &[],
        },
        Parser {
            name: "vp3300: FrameDecoder (byte by byte)",
            parse: frame_decoder,
            valid: frame_bytes(),
            prefix_ok: never,
            empty_ok: true, // nothing before the trailing frame

            hostile: frame_hostile(),
            may_accept: &[],
        },
        Parser {
            name: "vp3300: MSR record (binary) + EncryptedCardData",
            parse: msr_binary,
            valid: msr_record(),
            prefix_ok: never,
            empty_ok: false,
            hostile: msr_hostile(),
            may_accept: &[],
        },
        Parser {
            name: "vp3300: MSR record (hex-ASCII keyboard form)",
            parse: msr_hex_ascii,
            valid: MsrRecordBuf::from_binary(&msr_record())
                .and_then(|r| r.to_hex_ascii())
                .expect("the record's text form")
                .as_bytes()
                .to_vec(),
            prefix_ok: never,
            empty_ok: false,
            hostile: msr_hostile(),
            may_accept: &[],
        },
        Parser {
            name: "vp3300: TransactionOutput::parse",
            parse: transaction_result,
            valid: hex("DFEE250200045A0841111111111111119F0206000000001000"),
            // The data is a TLV list: cut between items, it is a shorter list.
            // A TLV list cut between items is a shorter list; one byte is the attribution byte.
            prefix_ok: |p| p.len() == 1 || matches!(tlv_list(p), Verdict::Accepted),
            empty_ok: true,
            hostile: emv_hostile(),
            may_accept: // Read lazily: the top-level list is checked at parse, the rest when looked up (every
            // accessor is called above and must not panic).
            &["indefinite length", "child overruns parent", "deep nesting (10,000 levels)", "NUL bytes"],
        },
        Parser {
            name: "vp3300: Ksn::parse",
            parse: ksn,
            valid: hex("62994901234560000007"),
            prefix_ok: never,
            empty_ok: false,
            hostile: vec![
                ("11 bytes", vec![0x62; 11]),
                ("4 KiB", vec![0xFF; 4096]),
            ],
            may_accept: &[],
        },
        Parser {
            name: "vp3300: RtcTime::from_response (25-02 answer)",
            parse: rtc_time,
            valid: vec![0x12, 0x30],
            prefix_ok: never,
            empty_ok: false,
            hostile: vec![
                ("hour 99 (out of range)", vec![0x99, 0x00]),
                ("minute 60 (out of range)", vec![0x12, 0x60]),
                ("not BCD", vec![0xFF, 0xFF]),
                ("NUL bytes", vec![0x00; 64]),
                ("4 KiB", vec![0x12; 4096]),
            ],
            may_accept: &[],
        },
        Parser {
            name: "vp3300: RtcDate::from_response (25-04 answer)",
            parse: rtc_date,
            valid: vec![0x20, 0x26, 0x11, 0x25],
            prefix_ok: never,
            empty_ok: false,
            hostile: vec![
                ("month 13 (out of range)", vec![0x20, 0x26, 0x13, 0x01]),
                ("day 32 (out of range)", vec![0x20, 0x26, 0x01, 0x32]),
                ("February 30", vec![0x20, 0x26, 0x02, 0x30]),
                ("not BCD", vec![0xFF; 4]),
                ("NUL bytes", vec![0x00; 64]),
                ("4 KiB", vec![0x20; 4096]),
            ],
            may_accept: &[],
        },
        Parser {
            name: "cardsecure: ManualCard::new (card number)",
            parse: card_number,
            valid: b"4111 1111 1111 1111".to_vec(),
            prefix_ok: card_prefix_ok,
            empty_ok: false,
            hostile: text_hostile(),
            may_accept: &["negative numbers"] // '-' separates digit groups, as in 4111-1111-…,
        },
        Parser {
            name: "types: Expiry::parse_typed",
            parse: expiry,
            valid: b"12/30".to_vec(),
            prefix_ok: never,
            empty_ok: false,
            hostile: text_hostile(),
            may_accept: &[],
        },
        Parser {
            name: "cardsecure: ManualCard::new",
            parse: manual_card,
            valid: b"4111111111111111|12/30|123".to_vec(),
            // Without its CVV (or a whole card number and expiry), a keyed card is still valid.
            prefix_ok: |p| p == b"4111111111111111|12/30|".as_slice() || p == b"4111111111111111|12/30",
            empty_ok: false,
            hostile: text_hostile(),
            may_accept: &[],
        },
        Parser {
            name: "cardsecure: BankAccount::new",
            parse: bank_account,
            valid: b"036001808/1234567890".to_vec(),
            // A bank account number of 4 or more digits is valid.
            prefix_ok: |p| p.len() >= b"036001808/1234".len(),
            empty_ok: false,
            hostile: text_hostile(),
            may_accept: &[],
        },
        Parser {
            name: "types: Token::new",
            parse: token,
            valid: b"9418594164541111".to_vec(),
            // A token is 16 to 19 characters.
            prefix_ok: |p| p.len() >= 16,
            empty_ok: false,
            hostile: text_hostile(),
            may_accept: &[],
        },
        Parser {
            name: "cardsecure: ApplePayPayload::from_payment_data_json",
            parse: apple_pay,
            valid: br#"{"version":"EC_v1","data":"3+f4oOTwPa6f1UZ6tG","signature":"MIAGCSqGSIb3DQEHAqCAMIACAQExDzANBglghkgBZQMEAgEFADCABgkqhkiG9w0BBwEAAKCAMIID4jCCA4igAwIBAgIIJEPyqAad9XcwCgYIKoZIzj0EAwIwejEuMCwGA1UEAwwlQXBwbGUgQXBwbGljYXRpb24gSW50ZWdyYXRpb24gQ0EgLSBHMzEmMCQGA1UECwwdQXBwbGUgQ2VydGlmaWNhdGlvbiBBdXRob3JpdHkxEzARBgNVBAoMCkFwcGxlIEluYy4xCzAJBgNVBAYTAlVTMB4XDTE0MDkyNTIyMDYxMVoXDTE5MDkyNDIyMDYxMVowXzElMCMGA1UEAwwcZWNjLXNtcC1icm9rZXItc2lnbl9VQzQtUFJPRDEUMBIGA1UECwwLaU9TIFN5c3RlbXMxEzARBgNVBAoMCkFwcGxlIEluYy4xCzAJBgNVBAYTAlVT","header":{"ephemeralPublicKey":"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE","publicKeyHash":"LbsUwAT6w1JV9tFXocU813TCHks+LSuFF0R/eBkrWnQ=","transactionId":"0c4352c073ad460044517596dbbf8fe503a837138c8c2de18fddb37ca3ec5295"}}"#.to_vec(),
            prefix_ok: never,
            empty_ok: false,
            hostile: text_hostile(),
            may_accept: &[],
        },
        Parser {
            name: "cardsecure: GooglePayToken::new",
            parse: google_pay,
            valid: br#"{"signature":"MEQCIH6Q4OwQ0jAceFEkGF0JID6sJNXxOEi4r+mA7biRxqBQAiAondqoUpU/bdsrAOpZIsrHQS9nwiiNwOrr24RyPeHA0Q==","protocolVersion":"ECv2","signedMessage":"{\"encryptedMessage\":\"ZW5jcnlwdGVkTWVzc2FnZQ==\",\"ephemeralPublicKey\":\"ZXBoZW1lcmFsUHVibGljS2V5\",\"tag\":\"c2lnbmF0dXJl\"}"}"#.to_vec(),
            prefix_ok: never,
            empty_ok: false,
            hostile: text_hostile(),
            may_accept: &[],
        },
    ];
    // Each response model reads only its own fields (unknown keys are skipped), so a hostile
    // value under a key the model does not have is not its concern.
    macro_rules! json_parsers {
        ($($op:ty: $may:expr, $empty:expr;)*) => {
            $(all.push(Parser {
                name: concat!("types: ", stringify!($op), "::parse_response"),
                parse: json_of::<$op>,
                valid: AUTH_RESPONSE.as_bytes().to_vec(),
                prefix_ok: never,
                empty_ok: $empty,
                hostile: json_hostile(),
                may_accept: $may,
            });)*
        };
    }
    json_parsers!(
        AuthRequest: JSON_LENIENT, false;
        CaptureRequest: JSON_LENIENT, false;
        VoidRequest: JSON_LENIENT, false;
        VoidByOrderIdRequest: JSON_LENIENT, false;
        RefundRequest: JSON_LENIENT, false;
        InquireRequest: JSON_LENIENT, false;
        InquireByOrderIdRequest: JSON_LENIENT, false;
        SigcapRequest: NO_AMOUNT, false;
        InquireMerchantRequest: NO_AMOUNT_OR_RETREF, false;
        ProfileRequest: NO_AMOUNT_OR_RETREF, false;
        ProfileReadRequest: NO_AMOUNT_OR_RETREF, false;
        ProfileDeleteRequest: NO_AMOUNT_OR_RETREF, false;
        // settlestat answers an empty body (or "Null batches") when there is no batch.
        SettlestatRequest: NO_TXN_FIELDS, true;
        CloseBatchRequest: NO_TXN_FIELDS, false;
        FundingRequest: NO_TXN_FIELDS, false;
        BinRequest: NO_TXN_FIELDS, false;
        SurchargeRequest: NO_TXN_FIELDS, false;
        TokenizeRequest: NO_TXN_FIELDS, false;
    );
    all
}

fn frame_hostile() -> Vec<(&'static str, Vec<u8>)> {
    let good = frame_bytes();
    let mut huge = good.clone();
    huge[12] = 0xFF; // data length 0xFFFF, far above the 1 KiB limit
    huge[13] = 0xFF;
    let mut bad_crc = good.clone();
    let last = bad_crc.len() - 1;
    bad_crc[last] ^= 0x5A;
    let mut nul_header = good.clone();
    nul_header[3] = 0;
    vec![
        ("data length 65535", huge),
        ("bad CRC", bad_crc),
        ("NUL inside the header", nul_header),
        ("0xFF filler", vec![0xFF; 64]),
        ("NUL bytes", vec![0x00; 64]),
    ]
}

/// The generic cases every parser gets, then its own.
fn cases(p: &Parser) -> Vec<(String, Vec<u8>, bool)> {
    let mut cases = vec![("empty".to_owned(), Vec::new(), p.empty_ok)];
    for cut in 1..p.valid.len() {
        let prefix = p.valid[..cut].to_vec();
        let ok = (p.prefix_ok)(&prefix);
        cases.push((
            format!("truncated to {cut} of {} bytes", p.valid.len()),
            prefix,
            ok,
        ));
    }
    let mut with_nul = p.valid.clone();
    with_nul.insert(p.valid.len() / 2, 0);
    cases.push(("a NUL byte in the middle".to_owned(), with_nul, false));
    for (name, input) in &p.hostile {
        cases.push(((*name).to_owned(), input.clone(), false));
    }
    cases
}

#[test]
fn every_parser_refuses_hostile_input_with_a_typed_error_and_never_panics() {
    let mut failures = Vec::new();
    let mut total = 0;
    for parser in parsers() {
        // The valid input itself is accepted (so the refusals below mean something).
        match catch_unwind(AssertUnwindSafe(|| (parser.parse)(&parser.valid))) {
            Ok(Verdict::Accepted) => {}
            other => failures.push(format!("{}: the valid input gives {other:?}", parser.name)),
        }
        for (case, input, may_accept) in cases(&parser) {
            total += 1;
            let must_refuse = !may_accept && !parser.may_accept.contains(&case.as_str());
            match catch_unwind(AssertUnwindSafe(|| (parser.parse)(&input))) {
                Err(_) => failures.push(format!("{}: {case}: PANICKED", parser.name)),
                Ok(Verdict::Refused(message)) => {
                    if message.trim().len() < 10 {
                        failures.push(format!(
                            "{}: {case}: an empty message {message:?}",
                            parser.name
                        ));
                    }
                }
                // Streaming formats wait for the rest of a cut frame: that is not an error.
                Ok(Verdict::Incomplete) if case.starts_with("truncated") || case == "empty" => {}
                Ok(verdict) if must_refuse => {
                    failures.push(format!("{}: {case}: accepted ({verdict:?})", parser.name));
                }
                Ok(_) => {}
            }
        }
    }
    println!(
        "bad input: {total} hostile cases over {} parser entry points",
        parsers().len()
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn parser_errors_name_the_problem_and_where_it_is() {
    // A few exact answers, so "an error" is not all the table above proves.
    let cut = hex(FCI);
    let Verdict::Refused(message) = tlv_tree(&cut[..10]) else {
        panic!("a cut TLV must be refused");
    };
    assert!(
        message.contains("offset") || message.chars().any(|c| c.is_ascii_digit()),
        "{message}"
    );
    let Verdict::Refused(message) = tlv_tree(&nested_tlv(10_000)) else {
        panic!("10,000 levels must be refused");
    };
    assert!(
        message.to_lowercase().contains("deep") || message.contains("depth"),
        "{message}"
    );
    let Verdict::Refused(message) = frame_parse(&frame_hostile()[1].1) else {
        panic!("a bad CRC must be refused");
    };
    assert!(message.to_uppercase().contains("CRC"), "{message}");
    let Verdict::Refused(message) = card_number(b"4111111111111112") else {
        panic!("a bad Luhn digit must be refused");
    };
    assert!(message.to_lowercase().contains("luhn"), "{message}");
    assert!(
        !message.contains("4111111111111112"),
        "the error echoes the number: {message}"
    );
    let Verdict::Refused(message) = expiry(b"13/30") else {
        panic!("month 13 must be refused");
    };
    assert!(message.to_lowercase().contains("month"), "{message}");
}

// ---- The emulator's endpoints over the real TLS client -----------------------------------------

/// What the emulator answered.
#[derive(Debug)]
struct Answer {
    status: u16,
    body: String,
}

/// Checks an answer of `endpoint` against the gateway's documented answers to bad requests
/// (spec 1.5 and each endpoint's section).
fn documented_refusal(endpoint: &str, case: &str, answer: &Answer) -> Result<(), String> {
    let cardsecure = endpoint.starts_with("ccn/") || endpoint == "echo";
    let json = serde_json::from_str::<Value>(&answer.body);
    let field = |name: &str| json.as_ref().ok().and_then(|v| v.get(name)).cloned();
    match (answer.status, cardsecure) {
        // The emulator's body limit (hyper `Limited`); only the body over it may get this.
        (413, _) if case.contains("over the 1 MiB limit") => Ok(()),
        (401, _) => Ok(()), // non-JSON by design: bad credentials or a merchant not covered
        (400 | 404 | 405, false) => match field("status").and_then(|s| s.as_u64()) {
            Some(s) if s == u64::from(answer.status) && field("error").is_some() => Ok(()),
            _ => Err(format!("{} without the JSON error shape", answer.status)),
        },
        (400, true) => match (field("message"), field("errorcode")) {
            (Some(_), Some(_)) => Ok(()),
            _ => Err("400 without CardSecure's {message, errorcode}".to_owned()),
        },
        // settlestat: an array, or the text `Null batches` (spec 2.9).
        (200, false) if endpoint.starts_with("settlestat") => match &json {
            Ok(Value::Array(_)) => Ok(()),
            _ if answer.body.trim() == "Null batches" => Ok(()),
            _ => Err("settlestat answered neither a list nor `Null batches`".to_owned()),
        },
        // openbatch/closebatch: `{batchid, respcode: success|noBatch}` (spec 2.10).
        (200, false) if endpoint.starts_with("openbatch") || endpoint.starts_with("closebatch") => {
            match field("respcode").as_ref().and_then(Value::as_str) {
                Some("success" | "noBatch") => Ok(()),
                _ => Err("a batch answer without respcode success/noBatch".to_owned()),
            }
        }
        // funding: `{"errormsg": …}` when nothing matches, else the funding object (2.11).
        (200, false) if endpoint.starts_with("funding") => {
            if field("errormsg").is_some() || field("fundings").is_some() {
                Ok(())
            } else {
                Err("a funding answer without errormsg or fundings".to_owned())
            }
        }
        // bin: `{"success": bool, "errormsg": …}` on a miss (2.12).
        (200, false) if endpoint.starts_with("bin") => match field("success") {
            Some(Value::Bool(_)) if field("errormsg").is_some() => Ok(()),
            _ => Err("a bin miss without success/errormsg".to_owned()),
        },
        (200, false) => match &json {
            Ok(Value::Object(v)) => match v.get("respstat").and_then(Value::as_str) {
                Some("C" | "B") => Ok(()),
                Some("A") => Err("APPROVED a hostile request".to_owned()),
                _ => Err("200 without a respstat".to_owned()),
            },
            // Lists (inquireByOrderid, profile) hold PPS objects.
            Ok(Value::Array(items))
                if items
                    .iter()
                    .all(|i| i.get("respstat").and_then(Value::as_str) != Some("A")) =>
            {
                Ok(())
            }
            _ => Err("200 that is not a gateway JSON answer".to_owned()),
        },
        (status, _) => Err(format!("HTTP {status}")),
    }
}

/// Whether a hostile body's case applies to `endpoint` (a hostile value under a key the
/// endpoint does not read is not a hostile request to it).
fn applies(endpoint: &str, case: &str) -> bool {
    let takes_amount = matches!(
        endpoint,
        "auth" | "capture" | "void" | "voidByOrderId" | "refund"
    );
    let gateway = !(endpoint.starts_with("ccn/") || endpoint == "echo");
    match case {
        "huge amount" | "amount 1e400" | "negative amount" => takes_amount,
        "merchid out of range" | "expiry month 13" => gateway,
        _ => true,
    }
}

const MERCHID: &str = "496160873888";

fn auth_body() -> String {
    format!(
        r#"{{"merchid":"{MERCHID}","account":"4111111111111111","expiry":"1230","amount":"10.00","currency":"USD","orderid":"BAD-INPUT-1","cvv2":"123"}}"#
    )
}

/// Bodies every JSON endpoint gets (besides the cuts of its valid body).
fn hostile_bodies() -> Vec<(&'static str, Vec<u8>)> {
    let m = MERCHID;
    vec![
        ("empty", Vec::new()),
        ("huge string (over the 1 MiB limit)", format!(r#"{{"merchid":"{m}","account":"{}","amount":"1.00","expiry":"1230"}}"#, "4".repeat(1 << 20)).into_bytes()),
        ("huge string (512 KiB account)", format!(r#"{{"merchid":"{m}","account":"{}","amount":"1.00","expiry":"1230","retref":"{}"}}"#, "4".repeat(1 << 19), "1".repeat(1000)).into_bytes()),
        ("huge amount", format!(r#"{{"merchid":"{m}","account":"4111111111111111","expiry":"1230","amount":"99999999999999999999999.99","retref":"1"}}"#).into_bytes()),
        ("amount 1e400", format!(r#"{{"merchid":"{m}","account":"4111111111111111","expiry":"1230","amount":1e400,"retref":"1"}}"#).into_bytes()),
        ("negative amount", format!(r#"{{"merchid":"{m}","account":"4111111111111111","expiry":"1230","amount":"-5.00","retref":"1"}}"#).into_bytes()),
        ("expiry month 13", format!(r#"{{"merchid":"{m}","account":"4111111111111111","expiry":"1399","amount":"1.00","retref":"1"}}"#).into_bytes()),
        ("merchid out of range", br#"{"merchid":99999999999999999999999,"account":"4111111111111111","amount":"1.00"}"#.to_vec()),
        ("deep nesting", format!(r#"{{"merchid":"{m}","x":{}1{}}}"#, "[".repeat(100_000), "]".repeat(100_000)).into_bytes()),
        ("invalid UTF-8", [format!(r#"{{"merchid":"{m}","name":""#).as_bytes(), &[0xFF, 0xFE], b"\"}"].concat()),
        ("raw NUL bytes", format!("{{\"merchid\":\"{m}\",\"account\":\"4111\0111111111111\",\"amount\":\"1.00\",\"expiry\":\"1230\"}}").into_bytes()),
        ("escaped NUL in the card number", format!(r#"{{"merchid":"{m}","account":"4111\u0000111111111111","amount":"1.00","expiry":"1230","retref":"\u0000"}}"#).into_bytes()),
        ("only NUL bytes", vec![0; 64]),
        ("a JSON array", b"[1,2,3]".to_vec()),
        ("a JSON string", b"\"auth\"".to_vec()),
    ]
}

/// Hostile path segments for the GET endpoints.
fn hostile_segments() -> Vec<(&'static str, String)> {
    vec![
        ("empty", String::new()),
        ("10,000 digits", "9".repeat(10_000)),
        ("out of range", "99999999999999999999999999".to_owned()),
        ("negative", "-1".to_owned()),
        ("percent-encoded NUL", "12%0034".to_owned()),
        ("percent-encoded invalid UTF-8", "%FF%FE".to_owned()),
        ("bad percent escape", "%ZZ".to_owned()),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_endpoint_answers_hostile_requests_with_the_documented_errors() {
    let sim = Sim::builder().start().await.expect("the emulator starts");
    let client = support::client_for(
        &sim,
        Timeouts::default()
            .with_payment(std::time::Duration::from_secs(20))
            .with_inquiry(std::time::Duration::from_secs(20))
            .with_tokenize(std::time::Duration::from_secs(20)),
        RetryPolicy::never(),
        None,
    );
    let send = |service: Service, method: Method, path: String, body: Option<Vec<u8>>| {
        let client = client.clone();
        async move {
            let mut request = Request::new(service, method, path, "bad_input");
            if let Some(body) = body {
                request = request.with_json_bytes(body);
            }
            match client.execute(request).await {
                Ok(response) => Ok(Answer {
                    status: response.status().as_u16(),
                    body: String::from_utf8_lossy(response.body()).into_owned(),
                }),
                Err(e) if e.is_auth() => Ok(Answer {
                    status: 401,
                    body: String::new(),
                }),
                Err(e) => Err(format!("no answer: {e}")),
            }
        }
    };

    let mut failures = Vec::new();
    let mut total = 0usize;
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();

    // JSON endpoints (PUT/POST): the cuts of a valid body at every byte, and the hostile bodies.
    let writes: &[(Service, &str)] = &[
        (Service::Gateway, "auth"),
        (Service::Gateway, "capture"),
        (Service::Gateway, "void"),
        (Service::Gateway, "voidByOrderId"),
        (Service::Gateway, "refund"),
        (Service::Gateway, "profile"),
        (Service::Gateway, "sigcap"),
        (Service::CardSecure, "ccn/tokenize"),
        (Service::CardSecure, "echo"),
    ];
    let valid = auth_body().into_bytes();
    for (service, path) in writes {
        let mut bodies: Vec<(String, Vec<u8>)> = hostile_bodies()
            .into_iter()
            .filter(|(n, _)| applies(path, n))
            .map(|(n, b)| (n.to_owned(), b))
            .collect();
        // Every byte for auth and tokenize; every 5th for the rest (the same parser behind).
        let step = if matches!(*path, "auth" | "ccn/tokenize") {
            1
        } else {
            5
        };
        for cut in (0..valid.len()).step_by(step) {
            bodies.push((format!("cut to {cut} bytes"), valid[..cut].to_vec()));
        }
        for (case, body) in bodies {
            total += 1;
            match send(*service, Method::PUT, (*path).to_owned(), Some(body)).await {
                Ok(answer) => {
                    *statuses.entry(answer.status).or_default() += 1;
                    if let Err(why) = documented_refusal(path, &case, &answer) {
                        let excerpt: String = answer.body.chars().take(200).collect();
                        failures.push(format!("PUT {path} ({case}): {why}: {excerpt}"));
                    }
                }
                Err(why) => failures.push(format!("PUT {path} ({case}): {why}")),
            }
        }
    }

    // GET endpoints: hostile path segments where an id goes.
    let reads: &[&dyn Fn(&str) -> String] = &[
        &|s| format!("inquire/{s}/{MERCHID}"),
        &|s| format!("inquire/123456789012/{s}"),
        &|s| format!("inquireByOrderid/{s}/{MERCHID}/1"),
        &|s| format!("inquireMerchant/{s}"),
        &|s| format!("settlestat?merchid={MERCHID}&date={s}"),
        &|s| format!("settlestat?merchid={s}&date=1125"),
        &|s| format!("funding?merchid={MERCHID}&date={s}"),
        &|s| format!("profile/{s}/1/{MERCHID}"),
        &|s| format!("bin/{MERCHID}/{s}"),
        &|s| format!("openbatch/{MERCHID}/{s}"),
        &|s| format!("closebatch/{MERCHID}/{s}"),
        &|s| format!("settlestatByBatchSource?merchid={MERCHID}&batchsource={s}"),
    ];
    for make in reads {
        for (case, segment) in hostile_segments() {
            total += 1;
            let path = make(&segment);
            let shown: String = path.chars().take(80).collect();
            match send(Service::Gateway, Method::GET, path, None).await {
                Ok(answer) => {
                    *statuses.entry(answer.status).or_default() += 1;
                    if let Err(why) = documented_refusal(&shown, case, &answer) {
                        let excerpt: String = answer.body.chars().take(200).collect();
                        failures.push(format!("GET {shown} ({case}): {why}: {excerpt}"));
                    }
                }
                // The client itself refuses a URL it cannot build: the request never left.
                Err(why)
                    if why.contains("invalid") || why.contains("URL") || why.contains("uri") => {}
                Err(why) => failures.push(format!("GET {shown} ({case}): {why}")),
            }
        }
    }

    // Nothing hostile got onto the books, and the emulator still works.
    let approved: Vec<_> = sim
        .ledger()
        .into_iter()
        .filter(|e| e.respstat == "A")
        .collect();
    assert!(
        approved.is_empty(),
        "hostile requests were approved: {approved:?}"
    );
    let alive = send(
        Service::Gateway,
        Method::PUT,
        "auth".to_owned(),
        Some(auth_body().into_bytes()),
    )
    .await
    .expect("the emulator still answers");
    assert_eq!(alive.status, 200, "{}", alive.body);
    assert!(alive.body.contains(r#""respstat":"A""#), "{}", alive.body);

    println!("bad input over HTTPS: {total} hostile requests, answers by status: {statuses:?}");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    sim.shutdown().await;
}
