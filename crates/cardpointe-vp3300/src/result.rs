//! Transaction results (02-40, 03-40, 60-10/11/12 response data), read with `cardpointe-emv` in
//! its ID TECH dialect.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use cardpointe_emv::{Options, Tag, Tlv, Tlvs, Walker};
use zeroize::Zeroizing;

use crate::ksn::Ksn;
use crate::msr::{MsrRecord, STX};
use crate::status::EmvResultCode;

/// Tags this module reads.
pub mod tags {
    use cardpointe_emv::Tag;

    /// Application PAN (ciphertext when encryption is on).
    pub const PAN: Tag = Tag::new(0x5A);
    /// Track 2 equivalent (ciphertext when encryption is on).
    pub const TRACK2: Tag = Tag::new(0x57);
    /// Cardholder name.
    pub const CARDHOLDER_NAME: Tag = Tag::new(0x5F20);
    /// Application expiration date, YYMMDD.
    pub const EXPIRY: Tag = Tag::new(0x5F24);
    /// Authorisation response code.
    pub const ARC: Tag = Tag::new(0x8A);
    /// Terminal verification results.
    pub const TVR: Tag = Tag::new(0x95);
    /// Transaction status information.
    pub const TSI: Tag = Tag::new(0x9B);
    /// Application cryptogram.
    pub const CRYPTOGRAM: Tag = Tag::new(0x9F26);
    /// Cryptogram information data.
    pub const CID: Tag = Tag::new(0x9F27);
    /// POS entry mode.
    pub const POS_ENTRY_MODE: Tag = Tag::new(0x9F39);
    /// Data KSN.
    pub const KSN: Tag = Tag::new(0xDFEE12);
    /// MSR data (enhanced record or clear tracks).
    pub const MSR_DATA: Tag = Tag::new(0xDFEE23);
    /// Transaction result code.
    pub const RESULT_CODE: Tag = Tag::new(0xDFEE25);
    /// Encryption status.
    pub const ENCRYPTION_STATUS: Tag = Tag::new(0xDFEE26);
    /// Track data source (inside FFEE01).
    pub const TRACK_SOURCE: Tag = Tag::new(0xDFEE30);
    /// Masked PAN (masked copy of 5A, `C` nibbles hidden).
    pub const MASKED_PAN: Tag = Tag::new(0xDFEF5B);
    /// Masked track 2 equivalent (masked copy of 57).
    pub const MASKED_TRACK2: Tag = Tag::new(0xDFEF5D);
    /// Contactless error: code, SW1, SW2, RF state.
    pub const CTLS_ERROR: Tag = Tag::new(0xFFEE1F);
    /// Error code (chip failures / fallback).
    pub const ERROR_CODE: Tag = Tag::new(0xDFEF61);

    /// The tags a receipt shows (gateway spec section 7: AID, TVR, TSI, ARC, application
    /// label / preferred name, entry method), plus amount, cryptogram and CVM results.
    pub const RECEIPT: &[Tag] = &[
        Tag::new(0x4F),
        Tag::new(0x84),
        Tag::new(0x9F06),
        Tag::new(0x50),
        Tag::new(0x9F12),
        Tag::new(0x95),
        Tag::new(0x9B),
        Tag::new(0x8A),
        Tag::new(0x9F26),
        Tag::new(0x9F27),
        Tag::new(0x9F34),
        Tag::new(0x9F39),
        Tag::new(0x9F02),
        Tag::new(0x5F34),
        Tag::new(0x9F36),
    ];
}

/// Errors reading transaction data.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResultError {
    /// Neither the data nor the data past a one-byte attribution prefix is well-formed TLV.
    #[error("the transaction data is not TLV (even after an attribution byte): {source}")]
    NotTlv {
        /// The TLV reader's finding at prefix 0 (with the byte offset).
        source: cardpointe_emv::Error,
    },
}

/// The first data byte of encrypted 02-40 / 03-40 answers (spec 4.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Attribution(pub u8);

/// How the card was captured, from the attribution byte (bits 4, 3, 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CapturedType {
    /// `000`: contact EMV.
    Contact,
    /// `001`: contactless EMV.
    ContactlessEmv,
    /// `101`: contactless MSD.
    ContactlessMsd,
    /// `01x`: MSR (swipe).
    Msr,
    /// Another combination.
    Other(u8),
}

impl Attribution {
    /// The captured type.
    #[must_use]
    pub const fn captured_type(self) -> CapturedType {
        let b4 = (self.0 >> 4) & 1;
        let b3 = (self.0 >> 3) & 1;
        let b0 = self.0 & 1;
        match (b4, b3, b0) {
            (0, 0, 0) => CapturedType::Contact,
            (0, 0, 1) => CapturedType::ContactlessEmv,
            (1, 0, 1) => CapturedType::ContactlessMsd,
            (0, 1, _) => CapturedType::Msr,
            _ => CapturedType::Other((b4 << 2) | (b3 << 1) | b0),
        }
    }

    /// Bits 7..6: whether any encryption applies (01 EMV, 10 MSR, 11 both).
    #[must_use]
    pub const fn encrypted(self) -> bool {
        self.0 & 0xC0 != 0
    }

    /// Bits 2..1 = 01: AES (else TDES).
    #[must_use]
    pub const fn aes(self) -> bool {
        (self.0 >> 1) & 0x03 == 0x01
    }
}

/// The TLV data of a transaction answer, owned and zeroed on drop.
///
/// `Debug` lists tags (with sensitive values masked by `cardpointe-emv`), never card data.
#[derive(Clone, PartialEq, Eq)]
pub struct TransactionOutput {
    data: Zeroizing<Vec<u8>>,
    prefix: usize,
}

impl fmt::Debug for TransactionOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_list();
        for tlv in self.tlvs().flatten() {
            list.entry(&tlv);
        }
        list.finish()
    }
}

/// Where the TLVs start in response data: 0, or 1 when the data does not read as TLV from
/// its first byte but does from its second (the attribution byte of 02-40 / 03-40 answers).
/// Leading `00` bytes (the `00 00 00` of an unencrypted protocol 3 sample) are TLV padding
/// and need no prefix. The one place that decides what the spec leaves open (spec 4.3 and
/// "Uncertain"); longer prefixes are refused because short garbage reads as TLV too often.
fn tlv_start(data: &[u8]) -> Result<usize, cardpointe_emv::Error> {
    let mut first_error = None;
    for prefix in 0..=1usize.min(data.len()) {
        let rest = data.get(prefix..).unwrap_or_default();
        match Tlvs::new(rest, Options::id_tech()).find_map(Result::err) {
            None => return Ok(prefix),
            Some(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.unwrap_or(cardpointe_emv::Error::TruncatedTag { offset: 0 }))
}

impl TransactionOutput {
    /// Reads the data of a transaction answer.
    ///
    /// ```
    /// use cardpointe_vp3300::result::TransactionOutput;
    /// use cardpointe_vp3300::EmvResultCode;
    /// let out = TransactionOutput::parse(&[0xDF, 0xEE, 0x25, 0x02, 0x00, 0x04])?;
    /// assert_eq!(out.result_code(), Some(EmvResultCode::GoOnline));
    /// # Ok::<(), cardpointe_vp3300::result::ResultError>(())
    /// ```
    ///
    /// # Errors
    /// [`ResultError::NotTlv`].
    pub fn parse(data: &[u8]) -> Result<Self, ResultError> {
        let prefix = tlv_start(data).map_err(|source| ResultError::NotTlv { source })?;
        Ok(Self {
            data: Zeroizing::new(data.to_vec()),
            prefix,
        })
    }

    /// The bytes before the TLVs (attribution byte or padding).
    #[must_use]
    pub fn prefix(&self) -> &[u8] {
        self.data.get(..self.prefix).unwrap_or_default()
    }

    /// The attribution byte, when the answer has a one-byte prefix that is not padding.
    #[must_use]
    pub fn attribution(&self) -> Option<Attribution> {
        match self.prefix() {
            [b] if *b != 0 => Some(Attribution(*b)),
            _ => None,
        }
    }

    /// The TLV part of the data.
    #[must_use]
    pub fn tlv_bytes(&self) -> &[u8] {
        self.data.get(self.prefix..).unwrap_or_default()
    }

    /// The top-level objects.
    #[must_use]
    pub fn tlvs(&self) -> Tlvs<'_> {
        Tlvs::new(self.tlv_bytes(), Options::id_tech())
    }

    /// The first object with `tag`, at any depth (so `DFEE30` inside `FFEE01` is found).
    #[must_use]
    pub fn find(&self, tag: Tag) -> Option<Tlv<'_>> {
        Walker::new(self.tlv_bytes(), Options::id_tech())
            .find_tag(tag)
            .ok()
            .flatten()
    }

    fn value(&self, tag: Tag) -> Option<&[u8]> {
        self.find(tag).map(|t| t.value())
    }

    /// DFEE25, the outcome.
    #[must_use]
    pub fn result_code(&self) -> Option<EmvResultCode> {
        match self.value(tags::RESULT_CODE)? {
            &[hi, lo] => Some(EmvResultCode::from_u16(u16::from_be_bytes([hi, lo]))),
            _ => None,
        }
    }

    /// DFEE12, the data KSN (10 or 12 bytes).
    #[must_use]
    pub fn ksn(&self) -> Option<Ksn> {
        Ksn::parse(self.value(tags::KSN)?).ok()
    }

    /// DFEE23 when it holds an enhanced MSR record (starts with STX and verifies).
    #[must_use]
    pub fn msr_record(&self) -> Option<MsrRecord<'_>> {
        let value = self.value(tags::MSR_DATA)?;
        if value.first() != Some(&STX) {
            return None;
        }
        MsrRecord::parse(value).ok()
    }

    /// DFEE23's raw value (record or clear ASCII tracks), if present and not empty.
    #[must_use]
    pub fn msr_data(&self) -> Option<&[u8]> {
        self.value(tags::MSR_DATA).filter(|v| !v.is_empty())
    }

    /// The masked PAN as digits with `*` for hidden ones: from DFEF5B (C nibbles hidden),
    /// else the masked track 2 (DFEF5D), else the MSR record's masked tracks.
    #[must_use]
    pub fn masked_pan(&self) -> Option<String> {
        if let Some(v) = self.value(tags::MASKED_PAN) {
            return Some(pan_from_nibbles(v));
        }
        if let Some(v) = self.value(tags::MASKED_TRACK2) {
            let digits = pan_from_nibbles(v);
            let pan: String = digits.chars().take_while(|c| *c != 'D').collect();
            return Some(pan);
        }
        let record = self.msr_record()?;
        crate::card_data::pan_from_tracks(&record.masked_tracks)
    }

    /// The expiry as `(YY, MM)`: from 5F24, else the masked track 2.
    #[must_use]
    pub fn expiry(&self) -> Option<(u8, u8)> {
        if let Some(&[yy, mm, _]) = self.value(tags::EXPIRY) {
            return Some((bcd(yy)?, bcd(mm)?));
        }
        if let Some(v) = self.value(tags::MASKED_TRACK2) {
            let digits = pan_from_nibbles(v);
            let (_, after) = digits.split_once('D')?;
            return crate::card_data::expiry_from_digits(after);
        }
        let record = self.msr_record()?;
        crate::card_data::expiry_from_tracks(&record.masked_tracks)
    }

    /// 5F20, the cardholder name (trailing spaces trimmed).
    #[must_use]
    pub fn cardholder_name(&self) -> Option<Zeroizing<String>> {
        let v = self.value(tags::CARDHOLDER_NAME)?;
        let name = String::from_utf8_lossy(v).trim_end().into();
        Some(Zeroizing::new(name))
    }

    /// 95, the TVR.
    #[must_use]
    pub fn tvr(&self) -> Option<[u8; 5]> {
        self.value(tags::TVR)?.try_into().ok()
    }

    /// 9B, the TSI.
    #[must_use]
    pub fn tsi(&self) -> Option<[u8; 2]> {
        self.value(tags::TSI)?.try_into().ok()
    }

    /// 8A, the authorisation response code.
    #[must_use]
    pub fn arc(&self) -> Option<[u8; 2]> {
        self.value(tags::ARC)?.try_into().ok()
    }

    /// 9F39, the POS entry mode (05 chip, 07 contactless, 80 fallback, 90 swipe, 91 MSD).
    #[must_use]
    pub fn pos_entry_mode(&self) -> Option<u8> {
        match self.value(tags::POS_ENTRY_MODE)? {
            &[b] => Some(b),
            _ => None,
        }
    }

    /// The receipt tags present, in [`tags::RECEIPT`] order, as `(tag, value)`.
    #[must_use]
    pub fn receipt_tags(&self) -> Vec<(Tag, Vec<u8>)> {
        tags::RECEIPT
            .iter()
            .filter_map(|&tag| self.value(tag).map(|v| (tag, v.to_vec())))
            .collect()
    }
}

fn bcd(b: u8) -> Option<u8> {
    let (hi, lo) = (b >> 4, b & 0x0F);
    (hi < 10 && lo < 10).then_some(hi * 10 + lo)
}

/// Nibbles as characters: digits as themselves, `C` (ID TECH's mask) as `*`, `D` (track 2
/// separator) as `D`, `F` padding dropped, anything else as `?`.
fn pan_from_nibbles(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for nibble in bytes.iter().flat_map(|b| [b >> 4, b & 0x0F]) {
        match nibble {
            0..=9 => out.push(char::from(b'0' + nibble)),
            0xC => out.push('*'),
            0xD => out.push('D'),
            0xF => {}
            _ => out.push('?'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::hex;

    #[test]
    fn an_msr_swipe_answer_with_attribution_byte_is_read() {
        let record = MsrRecord::build(&{
            let mut card = alloc::vec![0x80, 0x02, 0x00, 0x11, 0x00, 0x02, 0x00];
            card.extend_from_slice(b";5413********0011=2512?");
            card[3] = 23;
            card
        });
        let mut data = hex("EC DF EE 25 02 00 11");
        data.extend_from_slice(&hex("DF EE 23"));
        data.push(record.len() as u8);
        data.extend_from_slice(&record);
        data.extend_from_slice(&hex(
            "9F 39 01 90 FF EE 01 05 DF EE 30 01 0C DF EE 26 02 EC 06",
        ));
        let out = TransactionOutput::parse(&data).unwrap();
        assert_eq!(out.attribution(), Some(Attribution(0xEC)));
        assert_eq!(
            out.attribution().unwrap().captured_type(),
            CapturedType::Msr
        );
        assert_eq!(out.result_code(), Some(EmvResultCode::MsrSuccess));
        assert_eq!(out.pos_entry_mode(), Some(0x90));
        assert_eq!(out.find(tags::TRACK_SOURCE).unwrap().value(), [0x0C]);
        assert_eq!(out.masked_pan().as_deref(), Some("5413********0011"));
        assert_eq!(out.expiry(), Some((25, 12)));
    }

    #[test]
    fn an_emv_answer_gives_masked_pan_expiry_name_ksn_tvr_and_tsi() {
        let data = hex(
            "DF EE 25 02 00 04 DF EE 12 0A 62 99 49 00 00 00 00 20 00 05 \
             DF EF 5B 08 65 10 CC CC CC CC 01 33 5F 24 03 23 12 31 5F 20 05 54 45 53 54 20 \
             95 05 80 00 00 80 00 9B 02 E8 00 57 08 01 02 03 04 05 06 07 08",
        );
        let out = TransactionOutput::parse(&data).unwrap();
        assert_eq!(out.prefix(), b"");
        assert_eq!(out.result_code(), Some(EmvResultCode::GoOnline));
        let ksn = out.ksn().unwrap();
        assert_eq!(ksn.counter(), 5);
        assert_eq!(out.masked_pan().as_deref(), Some("6510********0133"));
        assert_eq!(out.expiry(), Some((23, 12)));
        assert_eq!(
            out.cardholder_name().as_deref().map(String::as_str),
            Some("TEST")
        );
        assert_eq!(out.tvr(), Some([0x80, 0, 0, 0x80, 0]));
        assert_eq!(out.tsi(), Some([0xE8, 0]));
        let receipt = out.receipt_tags();
        assert_eq!(
            receipt.iter().map(|(t, _)| t.value()).collect::<Vec<_>>(),
            [0x95, 0x9B]
        );
    }

    #[test]
    fn a_12_byte_ksn_is_an_aes_ksn() {
        let out = TransactionOutput::parse(&hex("DF EE 12 0C 01 02 03 04 05 06 07 08 00 00 01 00"))
            .unwrap();
        assert!(out.ksn().unwrap().is_aes());
        assert_eq!(out.ksn().unwrap().counter(), 0x100);
    }

    #[test]
    fn masked_track_2_gives_pan_and_expiry_when_dfef5b_is_absent() {
        let out = TransactionOutput::parse(&hex("DF EF 5D 0C 65 10 CC CC CC CC 01 33 D2 31 21 01"))
            .unwrap();
        assert_eq!(out.masked_pan().as_deref(), Some("6510********0133"));
        assert_eq!(out.expiry(), Some((23, 12)));
    }

    #[test]
    fn data_that_is_not_tlv_is_an_error() {
        assert!(TransactionOutput::parse(&[0x9F, 0x02, 0x06, 0x00]).is_err());
    }
}
