//! The EMV part of a card-present auth answer (gateway spec section 7 and the auth response
//! table): `emvTagData`, **a string holding a JSON object** with the receipt items, built
//! from the tags the reader actually sent, and `emv`, the issuer's answer that the reader's
//! 60-12 completion takes.
//!
//! Choices where the spec is silent, all made here:
//!
//! - `emv` is the hex of the Issuer Authentication Data, the value of tag 91 in the 60-12
//!   Apply Host Response: an 8-byte ARPC followed by the 2-byte ARC (EMV Book 2's ARPC
//!   method 1). The emulated issuer has no card keys, so the ARPC is a stable hash of the
//!   card's ARQC (9F26) and the ARC (`cardpointe_vp3300_sim::issuer_authentication`, the one
//!   definition the virtual VP3300 checks it with), so an ARPC that does not belong to the
//!   card fails issuer authentication.
//! - `ARC` is `00` for an approval and `05` for any decline; a timeout card (PPS 62, the host
//!   never answered) carries neither field.
//! - `Mode` is `Issuer` (every auth goes online); `Entry method` is `Chip Read` or
//!   `Contactless`; `PIN` and `Signature` follow the CVM Results (9F34); `Network Label` is
//!   the card brand.
//! - Items whose tag the reader did not send (`Application Preferred Name`, `IAD`, …) are left
//!   out, as in the gateway's recorded answers; the derived items are always there.

use serde::{Deserialize, Serialize};

use cardpointe_emv::bits::{CvmMethod, CvmResults};

use cardpointe_vp3300_sim::issuer_authentication;

use crate::wire::Obj;

/// What the reader said about an EMV read that the auth answer needs. None of it is
/// cardholder data (AID, labels, TVR, TSI, IAD, CVM results, cryptogram), so it may be kept
/// in the ledger and the state file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct EmvRead {
    /// Tapped (9F39 = 07) rather than inserted.
    pub(crate) contactless: bool,
    /// AID (4F, else 84, else 9F06), hex.
    pub(crate) aid: Option<String>,
    /// TVR (95), hex.
    pub(crate) tvr: Option<String>,
    /// TSI (9B), hex.
    pub(crate) tsi: Option<String>,
    /// Issuer Application Data (9F10), hex.
    pub(crate) iad: Option<String>,
    /// Application Label (50), text.
    pub(crate) label: Option<String>,
    /// Application Preferred Name (9F12), text.
    pub(crate) preferred_name: Option<String>,
    /// CVM Results (9F34), 3 bytes.
    pub(crate) cvm_results: Option<Vec<u8>>,
    /// The first GENERATE AC's cryptogram (9F26): the ARPC is derived from it.
    pub(crate) arqc: Option<Vec<u8>>,
}

/// Upper-case hex of a tag value.
pub(crate) use crate::dukpt::encode_hex as hex;

/// A label as text: printable ASCII kept, anything else dropped, trimmed.
pub(crate) fn label_text(bytes: &[u8]) -> Option<String> {
    let text: String = bytes
        .iter()
        .filter(|b| b.is_ascii_graphic() || **b == b' ')
        .map(|b| char::from(*b))
        .collect();
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// The ARC the emulated issuer answers with, as `emvTagData` shows it.
pub(crate) const fn arc(approved: bool) -> &'static str {
    if approved { "00" } else { "05" }
}

/// `emv`: hex of the tag 91 value for this read.
pub(crate) fn issuer_authentication_data(read: &EmvRead, approved: bool) -> String {
    let arc: [u8; 2] = if approved { *b"00" } else { *b"05" };
    hex(&issuer_authentication(
        read.arqc.as_deref().unwrap_or_default(),
        arc,
    ))
}

/// `PIN` and `Signature` from the CVM Results' method.
fn cvm_items(cvm_results: Option<&[u8]>) -> (&'static str, bool) {
    let method = cvm_results
        .and_then(|v| CvmResults::from_value(v).ok())
        .map(|r| r.rule().method);
    match method {
        Some(CvmMethod::EncipheredPinOnline) => ("Online PIN", false),
        Some(CvmMethod::PlaintextPinByIcc | CvmMethod::EncipheredPinByIcc) => {
            ("Offline PIN", false)
        }
        Some(
            CvmMethod::PlaintextPinByIccAndSignature | CvmMethod::EncipheredPinByIccAndSignature,
        ) => ("Offline PIN", true),
        Some(CvmMethod::Signature) => ("None", true),
        _ => ("None", false),
    }
}

/// `emvTagData`: the JSON object's text, keys in the order the gateway documents them.
pub(crate) fn tag_data(read: &EmvRead, approved: bool, network_label: &str) -> String {
    let (pin, signature) = cvm_items(read.cvm_results.as_deref());
    let mut obj = Obj::new();
    obj.opt("TVR", read.tvr.clone())
        .s("ARC", arc(approved))
        .s("PIN", pin)
        .s("Signature", if signature { "true" } else { "false" })
        .s("Mode", "Issuer")
        .opt("TSI", read.tsi.clone())
        .opt("AID", read.aid.clone())
        .opt("IAD", read.iad.clone())
        .opt("Application Label", read.label.clone())
        .opt("Application Preferred Name", read.preferred_name.clone())
        .s(
            "Entry method",
            if read.contactless {
                "Contactless"
            } else {
                "Chip Read"
            },
        )
        .s("Network Label", network_label);
    let mut out = Vec::with_capacity(320);
    obj.write(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read() -> EmvRead {
        EmvRead {
            contactless: false,
            aid: Some("A0000000031010".to_owned()),
            tvr: Some("0000008000".to_owned()),
            tsi: Some("E800".to_owned()),
            iad: Some("06010A03A00000".to_owned()),
            label: Some("VISA CREDIT".to_owned()),
            preferred_name: None,
            cvm_results: Some(vec![0x1E, 0x03, 0x00]),
            arqc: Some(vec![1, 2, 3, 4, 5, 6, 7, 8]),
        }
    }

    #[test]
    fn tag_data_is_a_json_object_with_the_documented_items() {
        let text = tag_data(&read(), true, "VISA");
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(json["TVR"], "0000008000");
        assert_eq!(json["ARC"], "00");
        assert_eq!(json["PIN"], "None");
        assert_eq!(json["Signature"], "true");
        assert_eq!(json["Mode"], "Issuer");
        assert_eq!(json["AID"], "A0000000031010");
        assert_eq!(json["Entry method"], "Chip Read");
        assert_eq!(json["Network Label"], "VISA");
        assert!(json.get("Application Preferred Name").is_none());
    }

    #[test]
    fn online_pin_is_reported_without_signature() {
        let mut read = read();
        read.cvm_results = Some(vec![0x42, 0x03, 0x02]);
        let json: serde_json::Value =
            serde_json::from_str(&tag_data(&read, false, "VISA")).unwrap();
        assert_eq!(
            (json["PIN"].as_str(), json["Signature"].as_str()),
            (Some("Online PIN"), Some("false"))
        );
        assert_eq!(json["ARC"], "05");
    }

    #[test]
    fn the_issuer_data_is_an_arpc_followed_by_the_arc() {
        let approved = issuer_authentication_data(&read(), true);
        assert_eq!(approved.len(), 20);
        assert!(approved.ends_with("3030"), "{approved}");
        let declined = issuer_authentication_data(&read(), false);
        assert!(declined.ends_with("3035"), "{declined}");
        assert_ne!(approved[..16], declined[..16]);
        // Stable: the same card cryptogram and ARC give the same ARPC.
        assert_eq!(approved, issuer_authentication_data(&read(), true));
    }
}
