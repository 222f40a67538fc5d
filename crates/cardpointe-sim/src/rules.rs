//! The UAT rules of section 4: which cards approve, the fixed-response and special cards, the
//! amount-driven response codes, and the AVS/CVV triggers — per processor flavour.

use crate::codes;
use crate::config::Processor;
use crate::wire::RespStat;
use cardpointe_types::CardBrand;

/// The `accttype` the gateway reports for a card brand.
pub(crate) fn accttype(brand: CardBrand) -> &'static str {
    match brand {
        CardBrand::Visa => "VISA",
        CardBrand::Mastercard | CardBrand::Maestro => "MC",
        CardBrand::Amex => "AMEX",
        // Diners Club and UnionPay are acquired on the Discover network in the US.
        CardBrand::Discover | CardBrand::Diners | CardBrand::UnionPay => "DISC",
        CardBrand::Jcb => "JCB",
        _ => "VISA",
    }
}

/// The card network as `emvTagData`'s `Network Label` names it.
pub(crate) fn network_label(brand: CardBrand) -> &'static str {
    match brand {
        CardBrand::Visa => "VISA",
        CardBrand::Mastercard | CardBrand::Maestro => "MASTERCARD",
        CardBrand::Amex => "AMERICAN EXPRESS",
        CardBrand::Discover | CardBrand::Diners | CardBrand::UnionPay => "DISCOVER",
        CardBrand::Jcb => "JCB",
        _ => "",
    }
}

/// Brand by prefix and length (section 4.2, with `cardpointe-types`' IIN ranges); `None` →
/// PPS 33 "Unknown card type".
pub(crate) fn brand(pan: &str) -> Option<CardBrand> {
    CardBrand::from_pan_prefix(pan).filter(|b| b.issues_length(pan.len()))
}

/// What the emulated host says to an authorization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Verdict {
    pub(crate) respstat: RespStat,
    pub(crate) respcode: String,
    pub(crate) resptext: String,
    pub(crate) respproc: &'static str,
    /// Fixed authcode of a test card, if any.
    pub(crate) authcode: Option<&'static str>,
    /// Approved amount (partial approval), if not the requested one.
    pub(crate) approved_amount: Option<i64>,
    /// A gateway timeout card: PPS 62 after the configured delay.
    pub(crate) timeout: bool,
}

/// The UAT approval text. Section 4.3 shows "Approval" for RPCT test cards too, while the
/// RPCT code table says "Approve"; the emulator follows the UAT recordings.
const APPROVAL: &str = "Approval";

fn approval(processor: Processor) -> (&'static str, &'static str) {
    match processor {
        Processor::Rpct => ("000", APPROVAL),
        Processor::Pstr => ("00", "Success"),
        Processor::Fnor | Processor::Nash => ("00", APPROVAL),
    }
}

fn table(processor: Processor) -> &'static [cardpointe_types::codes::CodeInfo] {
    match processor {
        Processor::Rpct => codes::RPCT,
        Processor::Pstr => codes::PSTR,
        Processor::Fnor | Processor::Nash => codes::FNOR,
    }
}

/// A host verdict for a code of the processor's table.
pub(crate) fn host_code(processor: Processor, code: &str) -> Option<Verdict> {
    let (respstat, text) = codes::lookup(table(processor), code)?;
    let text = if respstat == RespStat::Approved
        && processor != Processor::Pstr
        && (code == "00" || code == "000")
    {
        APPROVAL
    } else {
        text
    };
    Some(Verdict {
        respstat,
        respcode: code.to_owned(),
        resptext: text.to_owned(),
        respproc: processor.code(),
        authcode: None,
        approved_amount: None,
        timeout: false,
    })
}

fn approve(processor: Processor, authcode: Option<&'static str>) -> Verdict {
    let (code, text) = approval(processor);
    Verdict {
        respstat: RespStat::Approved,
        respcode: code.to_owned(),
        resptext: text.to_owned(),
        respproc: processor.code(),
        authcode,
        approved_amount: None,
        timeout: false,
    }
}

/// The fixed-response test cards of section 4.3: PAN → (FNOR code, RPCT code, authcode).
const FIXED_CARDS: &[(&str, &str, &str, Option<&str>)] = &[
    ("4788250000121443", "00", "000", Some("PPS009")),
    ("4387751111111020", "01", "107", None),
    ("4387751111111038", "05", "100", None),
    ("4387751111111046", "54", "101", None),
    ("4387751111111053", "NU", "500", None),
    ("5454545454545454", "00", "000", Some("PPS010")),
    ("5442981111111023", "01", "107", None),
    ("5442981111111031", "05", "100", None),
    ("5442981111111049", "54", "101", None),
    ("5442981111111056", "NU", "500", None),
    ("371449635398431", "00", "000", Some("PPS013")),
    ("6011000995500000", "00", "000", Some("PPS015")),
    ("6011000995511122", "01", "107", None),
    ("6011000995511130", "05", "100", None),
    ("6011000995511148", "54", "101", None),
    ("6011000995511155", "NU", "500", None),
    ("36438999960016", "00", "000", Some("PPS012")),
    ("3528000000000007", "00", "000", Some("PPS007")),
];

/// The gateway-timeout cards (FNOR/RPCT): PPS 62 after ~32 s.
pub(crate) const TIMEOUT_CARDS: &[&str] =
    &["4999006200620062", "5111006200620062", "6465006200620062"];

/// The partial-approval card: amounts ≥ 6.00 approve for 5.00.
pub(crate) const PARTIAL_CARD: &str = "4387750101010101";

/// The host's answer to a card authorization of `amount` (minor units, positive).
pub(crate) fn authorize(processor: Processor, pan: &str, amount: i64) -> Verdict {
    if TIMEOUT_CARDS.contains(&pan) && processor != Processor::Pstr {
        let (respstat, text) =
            codes::lookup(codes::PPS, "62").unwrap_or((RespStat::Retry, "Timed out"));
        return Verdict {
            respstat,
            respcode: "62".to_owned(),
            resptext: text.to_owned(),
            respproc: "PPS",
            authcode: None,
            approved_amount: Some(0),
            timeout: true,
        };
    }
    if let Some((_, fnor, rpct, authcode)) = FIXED_CARDS.iter().find(|(p, ..)| *p == pan) {
        let code = if processor == Processor::Rpct {
            rpct
        } else {
            fnor
        };
        if let Some(mut verdict) = host_code(processor, code) {
            verdict.authcode = *authcode;
            return verdict;
        }
    }
    if pan == PARTIAL_CARD && amount >= 600 {
        let (code, text) = match processor {
            Processor::Rpct => ("002", "Approve for Partial Amount"),
            _ => ("10", "Partial Approval"),
        };
        return Verdict {
            respstat: RespStat::Approved,
            respcode: code.to_owned(),
            resptext: text.to_owned(),
            respproc: processor.code(),
            authcode: None,
            approved_amount: Some(500),
            timeout: false,
        };
    }
    if let Some(verdict) = amount_driven(processor, amount) {
        return verdict;
    }
    approve(processor, None)
}

/// Section 4.4: $1000.00–$1999.99 (RPCT $1001–$1999) select the host code from the last three
/// digits of the whole-dollar part (two-digit codes with a leading zero). A code the host's
/// table does not know is a plain approval (the spec says only numeric codes can be triggered;
/// unknown ones are not documented).
pub(crate) fn amount_driven(processor: Processor, amount: i64) -> Option<Verdict> {
    let dollars = amount / 100;
    let range = match processor {
        Processor::Rpct => 1001..=1999,
        Processor::Fnor | Processor::Nash => 1000..=1999,
        Processor::Pstr => return None,
    };
    if !range.contains(&dollars) {
        return None;
    }
    let nnn = dollars % 1000;
    let code = match processor {
        Processor::Rpct => format!("{nnn:03}"),
        _ if nnn < 100 => format!("{nnn:02}"),
        _ => format!("{nnn:03}"),
    };
    host_code(processor, &code)
}

/// Section 4.5: the AVS answer from the last three characters of `postal` (or a 3-digit
/// number in `address`). Without a trigger: `Z` when a postal code or address was sent, blank
/// otherwise (recordings: `Z` for ordinary US ZIPs, `" "` with no address data).
pub(crate) fn avs(processor: Processor, postal: Option<&str>, address: Option<&str>) -> String {
    const TRIGGERS: &[(&[&str], &str)] = &[
        (&["1A1", "224"], "X"),
        (&["1A2", "225", "406"], "Y"),
        (&["1A3", "111", "201"], "A"),
        (&["1A4", "223"], "W"),
        (&["1A5", "113", "226"], "Z"),
        (&["1A6", "112", "214"], "N"),
        (&["1A7", "221"], "U"),
        (&["1A8", "207"], "G"),
        (&["1A9", "218"], "R"),
        (&["2B1", "205"], "E"),
        (&["2B2", "219"], "S"),
        (&["2B3", "228"], "Q"),
        (&["2B4", "204", "227"], "D"),
        (&["2B5", "202"], "B"),
        (&["2B6", "203"], "C"),
        (&["2B7", "216"], "P"),
        (&["2B8", "209"], "I"),
        (&["2B9", "213"], "M"),
    ];
    if processor == Processor::Pstr {
        return "U".to_owned();
    }
    let mut candidates: Vec<String> = Vec::new();
    if let Some(postal) = postal {
        let upper = postal.trim().to_ascii_uppercase();
        if upper.len() >= 3 {
            candidates.push(upper[upper.len() - 3..].to_owned());
        }
    }
    if let Some(address) = address {
        for word in address.split(|c: char| !c.is_ascii_alphanumeric()) {
            if word.len() == 3 && word.bytes().all(|b| b.is_ascii_digit()) {
                candidates.push(word.to_owned());
            }
        }
    }
    for candidate in &candidates {
        if let Some((_, code)) = TRIGGERS
            .iter()
            .find(|(keys, _)| keys.contains(&candidate.as_str()))
        {
            return (*code).to_owned();
        }
    }
    if postal.is_some() || address.is_some() {
        "Z".to_owned()
    } else {
        " ".to_owned()
    }
}

/// Section 4.5 CVV triggers: `112` M, `111` N, `222` P, `333` U; any other value M; none P.
pub(crate) fn cvv(processor: Processor, cvv2: Option<&str>) -> String {
    if processor == Processor::Pstr {
        return "U".to_owned();
    }
    match cvv2 {
        Some("111") => "N",
        Some("222") => "P",
        Some("333") => "U",
        Some(_) => "M",
        None => "P",
    }
    .to_owned()
}

/// ABA routing-number checksum (3-7-1 weights): `cardpointe-types`' [`RoutingNumber`] rule.
///
/// [`RoutingNumber`]: cardpointe_types::RoutingNumber
pub(crate) fn aba_valid(routing: &str) -> bool {
    cardpointe_types::RoutingNumber::new(routing).is_ok_and(|r| r.checksum_valid())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brands_follow_prefix_and_length() {
        assert_eq!(brand("4111111111111111"), Some(CardBrand::Visa));
        assert_eq!(brand("5454545454545454"), Some(CardBrand::Mastercard));
        assert_eq!(brand("371449635398431"), Some(CardBrand::Amex));
        assert_eq!(brand("6011000995500000"), Some(CardBrand::Discover));
        assert_eq!(brand("36438999960016"), Some(CardBrand::Diners));
        assert_eq!(brand("3528000000000007"), Some(CardBrand::Jcb));
        assert_eq!(brand("1234567812345670"), None);
        assert_eq!(brand("37144963539843"), None);
    }

    #[test]
    fn fixed_cards_answer_per_processor() {
        let v = authorize(Processor::Fnor, "4387751111111053", 100);
        assert_eq!(
            (v.respstat, v.respcode.as_str(), v.resptext.as_str()),
            (RespStat::Declined, "NU", "Insufficient funds")
        );
        let v = authorize(Processor::Rpct, "4387751111111053", 100);
        assert_eq!(
            (v.respcode.as_str(), v.resptext.as_str()),
            ("500", "Decline")
        );
        let v = authorize(Processor::Rpct, "4788250000121443", 100);
        assert_eq!((v.respcode.as_str(), v.authcode), ("000", Some("PPS009")));
    }

    #[test]
    fn amount_driven_codes_use_the_whole_dollar_digits() {
        let v = authorize(Processor::Rpct, "4111111111111111", 111_695);
        assert_eq!(
            (v.respcode.as_str(), v.resptext.as_str()),
            ("116", "Not sufficient funds")
        );
        let v = authorize(Processor::Fnor, "4111111111111111", 100_599);
        assert_eq!(
            (v.respcode.as_str(), v.resptext.as_str()),
            ("05", "Do not honor")
        );
        // RPCT's range starts at $1001: $1000 is a normal approval.
        assert_eq!(
            authorize(Processor::Rpct, "4111111111111111", 100_000).respcode,
            "000"
        );
    }

    #[test]
    fn partial_and_timeout_cards_are_special() {
        let v = authorize(Processor::Fnor, PARTIAL_CARD, 600);
        assert_eq!((v.respcode.as_str(), v.approved_amount), ("10", Some(500)));
        assert_eq!(authorize(Processor::Fnor, PARTIAL_CARD, 599).respcode, "00");
        let v = authorize(Processor::Rpct, "5111006200620062", 100);
        assert!(v.timeout);
        assert_eq!((v.respstat, v.respproc), (RespStat::Retry, "PPS"));
    }

    #[test]
    fn avs_and_cvv_triggers() {
        assert_eq!(avs(Processor::Fnor, Some("55112"), None), "N");
        assert_eq!(avs(Processor::Fnor, Some("K1A1A1"), None), "X");
        assert_eq!(avs(Processor::Fnor, None, Some("112 Main Street")), "N");
        assert_eq!(avs(Processor::Fnor, Some("19406"), None), "Y");
        assert_eq!(avs(Processor::Fnor, Some("19000"), None), "Z");
        assert_eq!(avs(Processor::Fnor, None, None), " ");
        assert_eq!(cvv(Processor::Fnor, Some("112")), "M");
        assert_eq!(cvv(Processor::Rpct, Some("111")), "N");
        assert_eq!(cvv(Processor::Fnor, None), "P");
    }

    #[test]
    fn routing_numbers_are_checksummed() {
        assert!(aba_valid("036001808"));
        assert!(aba_valid("011401533"));
        assert!(!aba_valid("036001809"));
    }
}
