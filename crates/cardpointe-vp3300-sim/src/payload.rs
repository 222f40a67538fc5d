//! What the virtual VP3300 says about a card: the enhanced encrypted MSR record (spec section
//! 7) and the EMV TLV answers (sections 4.3, 4.4, 8), with real TDES DUKPT ciphertext.

use cardpointe_emv::{Options, Tag, Tlvs, write_primitive};
use cardpointe_vp3300::MsrRecord;
use zeroize::Zeroizing;

use crate::cards::TestCard;
use crate::dukpt::{self, Bdk};
use crate::issuer::fnv1a;
use cardpointe_vp3300::Ksn;

/// Appends one TLV with `cardpointe-emv`'s writer (minimal length field).
pub(crate) fn put_tlv(out: &mut Vec<u8>, tag: u32, value: &[u8]) {
    // Values here are a few hundred bytes at most, far below the 4 GiB a length field can
    // count, so the writer cannot refuse them (and leaves `out` unchanged if it did).
    let _ = write_primitive(out, Tag::new(tag), value);
}

/// Finds a top-level tag in request TLVs, read in ID TECH's dialect by `cardpointe-emv`.
/// `Err(())` when the TLVs are malformed before the tag.
pub(crate) fn find_tag(tlvs: &[u8], wanted: u32) -> Result<Option<&[u8]>, ()> {
    Tlvs::new(tlvs, Options::id_tech())
        .find_tag(Tag::new(wanted))
        .map(|found| found.map(|tlv| tlv.value()))
        .map_err(|_| ())
}

/// Whether request TLVs are well-formed.
pub(crate) fn well_formed(tlvs: &[u8]) -> bool {
    Tlvs::new(tlvs, Options::id_tech()).all(|item| item.is_ok())
}

/// The key material one card read uses.
pub(crate) struct Keys<'a> {
    pub(crate) bdk: &'a Bdk,
    pub(crate) ksn: Ksn,
    pub(crate) serial: &'a str,
}

impl Keys<'_> {
    fn encrypt(&self, plaintext: &[u8]) -> Zeroizing<Vec<u8>> {
        // The KSN comes from the device's counter, which never exceeds the DUKPT range, so
        // encryption cannot fail; an empty value keeps the answer well-formed regardless.
        Zeroizing::new(dukpt::encrypt_data(self.bdk, &self.ksn, plaintext).unwrap_or_default())
    }
}

/// The binary enhanced encrypted MSR record of a swipe (spec section 7): encode type 80,
/// tracks 1 and 2 masked in clear and TDES-encrypted under the data-key variant of the DUKPT
/// transaction key, the reader serial and the KSN. No hashes (field 9 bits 3..5 clear).
pub(crate) fn msr_record(card: &TestCard, keys: &Keys<'_>) -> Zeroizing<Vec<u8>> {
    let t1 = card.track1();
    let t2 = card.track2();
    let masked1 = card.masked_track1();
    let masked2 = card.masked_track2();
    let mut data = Zeroizing::new(Vec::with_capacity(256));
    data.push(0x80); // enhanced format, ISO/ABA
    data.push(0x03); // tracks 1 and 2 decoded
    data.push(u8::try_from(t1.len()).unwrap_or(u8::MAX));
    data.push(u8::try_from(t2.len()).unwrap_or(u8::MAX));
    data.push(0);
    // Field 8: masked T1 + T2 included, DUKPT, TDES, data key, serial included; bit 5 when
    // the service code says the card has a chip.
    data.push(0x83 | if card.has_chip() { 0x20 } else { 0 });
    // Field 9: T1 + T2 encrypted, KSN included.
    data.push(0x83);
    data.extend_from_slice(masked1.as_bytes());
    data.extend_from_slice(masked2.as_bytes());
    data.extend_from_slice(&keys.encrypt(t1.as_bytes()));
    data.extend_from_slice(&keys.encrypt(t2.as_bytes()));
    let mut serial = [b'0'; 10];
    let tail = keys.serial.as_bytes();
    let keep = tail.len().min(10);
    if let (Some(dst), Some(src)) = (serial.get_mut(10 - keep..), tail.get(tail.len() - keep..)) {
        dst.copy_from_slice(src);
    }
    data.extend_from_slice(&serial);
    data.extend_from_slice(keys.ksn.as_bytes());
    MsrRecord::build(&data)
}

/// How the chip or contactless answer describes the read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ChipRead {
    Contact,
    Contactless,
}

/// The request's payment tags (9F02, 9C, 5F2A) echoed into answers, when present.
pub(crate) fn echo_payment(request_tlvs: &[u8], out: &mut Vec<u8>) {
    for tag in [0x9F02, 0x9C, 0x5F2A] {
        if let Ok(Some(value)) = find_tag(request_tlvs, tag) {
            put_tlv(out, tag, value);
        }
    }
}

/// The ARQC of the first GENERATE AC (9F26 of the online request).
pub(crate) fn arqc(card: &TestCard, counter: u32) -> [u8; 8] {
    cryptogram(card, counter, 0x80)
}

/// A deterministic 8-byte cryptogram for a card, counter and kind (not a real cryptogram: the
/// emulated issuer only hashes it into its ARPC).
fn cryptogram(card: &TestCard, counter: u32, kind: u8) -> [u8; 8] {
    fnv1a(
        card.pan()
            .bytes()
            .chain(counter.to_be_bytes())
            .chain([kind]),
    )
    .to_be_bytes()
}

/// The EMV TLVs of a chip or contactless read that asks to go online: outcome 0004, KSN,
/// encryption status, AID, label and preferred name, encrypted 5A and 57 with their masked copies, expiry,
/// name, the first GENERATE AC's ARQC and the terminal's view (TVR, TSI, CVM, entry mode).
pub(crate) fn online_request_tlvs(
    card: &TestCard,
    keys: &Keys<'_>,
    read: ChipRead,
    request_tlvs: &[u8],
) -> Zeroizing<Vec<u8>> {
    let counter = keys.ksn.counter();
    let mut out = Zeroizing::new(Vec::with_capacity(320));
    put_tlv(&mut out, 0xDF_EE25, &[0x00, 0x04]);
    put_tlv(&mut out, 0xDF_EE12, keys.ksn.as_bytes());
    put_tlv(&mut out, 0xDF_EE26, &[0x40, 0x00]);
    put_tlv(&mut out, 0x4F, card.aid());
    put_tlv(&mut out, 0x84, card.aid());
    put_tlv(&mut out, 0x50, card.label().as_bytes());
    put_tlv(&mut out, 0x9F12, card.label().as_bytes());
    put_tlv(&mut out, 0x5A, &keys.encrypt(&card.pan_bcd()));
    put_tlv(&mut out, 0xDF_EF5B, &card.masked_pan_bcd());
    put_tlv(&mut out, 0x57, &keys.encrypt(&card.track2_equivalent()));
    put_tlv(&mut out, 0xDF_EF5D, &card.masked_track2_equivalent());
    put_tlv(&mut out, 0x5F24, &card.expiry_bcd());
    put_tlv(&mut out, 0x5F20, card.name().as_bytes());
    put_tlv(&mut out, 0x5F34, &[0x01]);
    put_tlv(&mut out, 0x82, &[0x19, 0x80]);
    put_tlv(&mut out, 0x95, &[0x00, 0x00, 0x00, 0x80, 0x00]);
    put_tlv(&mut out, 0x9B, &[0xE8, 0x00]);
    put_tlv(&mut out, 0x9F26, &arqc(card, counter));
    put_tlv(&mut out, 0x9F27, &[0x80]);
    put_tlv(
        &mut out,
        0x9F10,
        &[0x06, 0x01, 0x0A, 0x03, 0xA0, 0x00, 0x00],
    );
    let atc = u16::try_from(counter & 0xFFFF).unwrap_or(0);
    put_tlv(&mut out, 0x9F36, &atc.to_be_bytes());
    put_tlv(&mut out, 0x9F37, &cryptogram(card, counter, 0x37)[..4]);
    put_tlv(&mut out, 0x9F33, &[0xE0, 0xF8, 0xC8]);
    put_tlv(&mut out, 0x9F34, &[0x1E, 0x03, 0x00]);
    put_tlv(&mut out, 0x9F35, &[0x22]);
    let entry = match read {
        ChipRead::Contact => 0x05,
        ChipRead::Contactless => 0x07,
    };
    put_tlv(&mut out, 0x9F39, &[entry]);
    echo_payment(request_tlvs, &mut out);
    out
}

/// The TLVs answering 60-12: the card's final decision (0002 approved, 0003 declined) with the
/// second GENERATE AC's cryptogram (TC or AAC), the ARC the host sent, TVR (byte 5 bit 7 set
/// when issuer authentication failed) and TSI.
pub(crate) fn completion_tlvs(
    card: &TestCard,
    counter: u32,
    approved: bool,
    arc: [u8; 2],
    issuer_authenticated: bool,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    let (result, cid) = if approved { (0x02, 0x40) } else { (0x03, 0x00) };
    put_tlv(&mut out, 0xDF_EE25, &[0x00, result]);
    put_tlv(&mut out, 0x8A, &arc);
    put_tlv(&mut out, 0x9F26, &cryptogram(card, counter, cid));
    put_tlv(&mut out, 0x9F27, &[cid]);
    let byte5 = if issuer_authenticated { 0x00 } else { 0x40 };
    put_tlv(&mut out, 0x95, &[0x00, 0x00, 0x00, 0x80, byte5]);
    put_tlv(&mut out, 0x9B, &[0xF8, 0x00]);
    out
}

/// The TLVs of a swipe answer (02-40 or 60-10): outcome 0011 "MSR success", the record in
/// DFEE23, POS entry mode 90 and the track source "swiped" (spec 4.3's observed example).
pub(crate) fn swipe_tlvs(record: &[u8], fallback: bool) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(record.len() + 32));
    put_tlv(&mut out, 0xDF_EE25, &[0x00, 0x11]);
    put_tlv(&mut out, 0xDF_EE23, record);
    // POS entry mode: 90 swipe, 80 fallback swipe after a failed chip read.
    put_tlv(&mut out, 0x9F39, &[if fallback { 0x80 } else { 0x90 }]);
    let mut group = Vec::new();
    put_tlv(&mut group, 0xDF_EE30, &[0x0C]);
    put_tlv(&mut out, 0xFF_EE01, &group);
    put_tlv(&mut out, 0xDF_EE26, &[0xEC, 0x06]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use cardpointe_vp3300::MsrRecord;

    fn keys(bdk: &Bdk) -> Keys<'_> {
        Keys {
            bdk,
            ksn: Ksn::ANSI_TEST_INITIAL.with_counter(1),
            serial: "538T100042",
        }
    }

    #[test]
    fn the_swipe_record_verifies_and_its_track2_decrypts_under_the_test_bdk() {
        let bdk = Bdk::ANSI_TEST;
        let card = TestCard::uat_visa();
        let record = msr_record(&card, &keys(&bdk));
        let parsed = MsrRecord::parse(&record).expect("a valid record");
        let ksn = parsed.ksn.expect("the record carries the KSN");
        assert_eq!(
            ksn.as_bytes(),
            Ksn::ANSI_TEST_INITIAL.with_counter(1).as_bytes()
        );
        let t2_len = card.track2().len();
        // Layout: 7 header bytes, masked T1 + T2, then encrypted T1, encrypted T2.
        let start = 3 + 7 + card.track1().len() + t2_len + card.track1().len().div_ceil(8) * 8;
        let sealed = &record[start..start + t2_len.div_ceil(8) * 8];
        let clear =
            dukpt::decrypt_data(&bdk, &Ksn::ANSI_TEST_INITIAL.with_counter(1), sealed).unwrap();
        assert_eq!(&clear[..t2_len], card.track2().as_bytes());
    }

    #[test]
    fn the_online_request_encrypts_5a_so_the_test_bdk_recovers_the_pan() {
        let bdk = Bdk::ANSI_TEST;
        let card = TestCard::uat_mastercard();
        let tlvs = online_request_tlvs(&card, &keys(&bdk), ChipRead::Contact, &[]);
        let sealed = find_tag(&tlvs, 0x5A).unwrap().unwrap();
        assert_eq!(sealed.len(), 8);
        let clear =
            dukpt::decrypt_data(&bdk, &Ksn::ANSI_TEST_INITIAL.with_counter(1), sealed).unwrap();
        assert_eq!(clear, *card.pan_bcd());
        assert_eq!(find_tag(&tlvs, 0x9F39).unwrap(), Some(&[0x05][..]));
        assert_eq!(find_tag(&tlvs, 0xDFEE25).unwrap(), Some(&[0x00, 0x04][..]));
    }

    #[test]
    fn long_values_use_the_long_length_form() {
        let mut out = Vec::new();
        put_tlv(&mut out, 0xDF_EE23, &[0u8; 200]);
        assert_eq!(&out[..5], &[0xDF, 0xEE, 0x23, 0x81, 200]);
        let (tlv, rest) = cardpointe_emv::Tlv::parse_prefix(&out, Options::id_tech()).unwrap();
        assert_eq!(
            (tlv.tag().value(), tlv.len(), rest.len()),
            (0xDFEE23, 200, 0)
        );
    }

    #[test]
    fn malformed_request_tlvs_are_reported_not_panicked_on() {
        assert!(!well_formed(&[0x9F]));
        assert!(!well_formed(&[0x9F, 0x02, 0x06, 0x00]));
        assert!(!well_formed(&[0xDF, 0xEE, 0x81, 0x80, 0x80, 0x80, 0x01]));
        assert!(well_formed(&[0x9C, 0x01, 0x00, 0xFF, 0xF1, 0x01, 0x00]));
    }
}
