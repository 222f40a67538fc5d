//! [`EncryptedCardData`]: what every read path hands the app, ready for CardSecure.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use cardpointe_emv::{Hex, PanMask, Tag};
use zeroize::Zeroizing;

use crate::ksn::Ksn;
use crate::msr::{MsrError, MsrRecordBuf, STX};
use crate::result::TransactionOutput;

/// How the reader read the card (swipe, fallback swipe, chip, tap) — the reader's own fact.
///
/// Not the gateway's `entrymode` field (`cardpointe_types::EntryMode`, which also has keyed,
/// MOTO, e-commerce and wallet values): [`ReadMethod::gateway_name`] is the one mapping from
/// this to that field's wire value (this crate is `no_std` and below `cardpointe-types`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReadMethod {
    /// Magnetic stripe swipe.
    Swipe,
    /// Swipe after a failed chip read (MSR fallback).
    FallbackSwipe,
    /// Contact chip (EMV).
    Contact,
    /// Contactless (EMV or MSD).
    Contactless,
}

impl ReadMethod {
    /// The gateway's name for it (`entrymode` in auth responses).
    #[must_use]
    pub const fn gateway_name(self) -> &'static str {
        match self {
            Self::Swipe | Self::FallbackSwipe => "Swipe(Non EMV)",
            Self::Contact => "EMVContact",
            Self::Contactless => "Contactless",
        }
    }
}

/// Errors building [`EncryptedCardData`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CardDataError {
    /// The MSR record did not verify.
    #[error("the swipe record is invalid: {0}")]
    Msr(#[from] MsrError),
    /// The transaction answer carries no card data (no DFEE23 and no EMV tags).
    #[error("the transaction answer carries no card data (no DFEE23 record, no EMV tags)")]
    NoCardData,
}

/// Encrypted card data from any read path, in the form CardSecure's `devicedata` (or the
/// gateway's `track`) takes (gateway spec section 7):
///
/// - swipe: ID TECH's enhanced record in its hex-ASCII form (`02…` hex fields, masked tracks
///   as ASCII, ciphertext, KSN, LRC, checksum, `03`), as CardPointe's Augusta emits it;
/// - contact and contactless EMV: the reader's TLV data as uppercase hex (`DFEE25…`).
///
/// Alongside: the masked PAN, expiry, entry mode, KSN and the EMV tags a receipt needs.
/// `Debug` and `Display` show at most the first 6 and last 4 PAN digits and never the
/// payload; every buffer is zeroed on drop.
///
/// ```
/// use cardpointe_vp3300::{EncryptedCardData, ReadMethod, MsrRecord};
/// let mut card = vec![0x80, 0x03, 23, 0x00, 0x00, 0x02, 0x00];
/// card.extend_from_slice(b";5413330089020011=2512?");
/// card[3] = 23;
/// let data = EncryptedCardData::from_msr_record(&MsrRecord::build(&card), ReadMethod::Swipe)?;
/// assert_eq!(data.masked_pan(), Some("541333******0011"));
/// assert_eq!(data.expiry_mmyy().as_deref(), Some("1225"));
/// assert!(!format!("{data:?}").contains("5413330089"));
/// # Ok::<(), cardpointe_vp3300::card_data::CardDataError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct EncryptedCardData {
    payload: Zeroizing<String>,
    encrypted: bool,
    entry_mode: ReadMethod,
    masked_pan: Option<Zeroizing<String>>,
    expiry: Option<(u8, u8)>,
    cardholder_name: Option<Zeroizing<String>>,
    ksn: Option<Ksn>,
    receipt: Vec<(Tag, Vec<u8>)>,
}

impl EncryptedCardData {
    /// From a binary enhanced MSR record (a swipe).
    ///
    /// # Errors
    /// [`CardDataError::Msr`] when the record does not verify.
    pub fn from_msr_record(record: &[u8], entry_mode: ReadMethod) -> Result<Self, CardDataError> {
        let buf = MsrRecordBuf::from_binary(record)?;
        Self::from_msr_buf(&buf, entry_mode, Vec::new())
    }

    fn from_msr_buf(
        buf: &MsrRecordBuf,
        entry_mode: ReadMethod,
        receipt: Vec<(Tag, Vec<u8>)>,
    ) -> Result<Self, CardDataError> {
        let record = buf.record()?;
        let encrypted = record.encrypted_status.0 & 0x07 != 0;
        Ok(Self {
            payload: buf.to_hex_ascii()?,
            encrypted,
            entry_mode,
            masked_pan: pan_from_tracks(&record.masked_tracks).map(|p| mask_reader_pan(&p)),
            expiry: expiry_from_tracks(&record.masked_tracks),
            cardholder_name: name_from_track1(record.masked_tracks[0]),
            ksn: record.ksn,
            receipt,
        })
    }

    /// From a transaction answer (02-40, 03-40, 60-10/11/12): a DFEE23 swipe record if there
    /// is one, else the EMV TLVs.
    ///
    /// # Errors
    /// [`CardDataError::NoCardData`] when the answer has neither; [`CardDataError::Msr`] when
    /// its record does not verify.
    pub fn from_transaction(
        output: &TransactionOutput,
        entry_mode: ReadMethod,
    ) -> Result<Self, CardDataError> {
        let receipt = output.receipt_tags();
        if let Some(msr) = output.msr_data() {
            if msr.first() == Some(&STX) {
                let buf = MsrRecordBuf::from_binary(msr)?;
                return Self::from_msr_buf(&buf, entry_mode, receipt);
            }
            // Encryption off: DFEE23 holds the clear ASCII tracks (only `auth.track` takes it).
            let tracks = split_tracks(msr);
            let text = String::from_utf8_lossy(msr).into_owned();
            return Ok(Self {
                payload: Zeroizing::new(text),
                encrypted: false,
                entry_mode,
                masked_pan: pan_from_tracks(&tracks).map(|p| mask_reader_pan(&p)),
                expiry: expiry_from_tracks(&tracks),
                cardholder_name: name_from_track1(tracks[0]),
                ksn: output.ksn(),
                receipt,
            });
        }
        let tlv = output.tlv_bytes();
        if tlv.is_empty() {
            return Err(CardDataError::NoCardData);
        }
        let encrypted = output.ksn().is_some();
        let mut payload = Zeroizing::new(String::with_capacity(tlv.len() * 2));
        use fmt::Write as _;
        let _ = write!(payload, "{}", Hex(tlv));
        Ok(Self {
            payload,
            encrypted,
            entry_mode,
            masked_pan: output.masked_pan().map(|p| mask_reader_pan(&p)),
            expiry: output.expiry(),
            cardholder_name: output.cardholder_name(),
            ksn: output.ksn(),
            receipt,
        })
    }

    /// The string for CardSecure's `devicedata` (or the gateway's `track`). Card data: never
    /// log it.
    #[must_use]
    pub fn payload(&self) -> &str {
        &self.payload
    }

    /// Whether the payload is encrypted (CardSecure refuses clear track data; only the
    /// gateway's `auth.track` accepts it).
    #[must_use]
    pub const fn is_encrypted(&self) -> bool {
        self.encrypted
    }

    /// How the card was read.
    #[must_use]
    pub const fn entry_mode(&self) -> ReadMethod {
        self.entry_mode
    }

    /// The PAN with at most the first 6 and last 4 digits shown (`541333******0011`).
    #[must_use]
    pub fn masked_pan(&self) -> Option<&str> {
        self.masked_pan.as_deref().map(String::as_str)
    }

    /// The expiry as `(YY, MM)`.
    #[must_use]
    pub const fn expiry(&self) -> Option<(u8, u8)> {
        self.expiry
    }

    /// The expiry as the gateway's `MMYY`.
    #[must_use]
    pub fn expiry_mmyy(&self) -> Option<String> {
        self.expiry.map(|(yy, mm)| alloc::format!("{mm:02}{yy:02}"))
    }

    /// The cardholder name, when the card gives one. Personal data: never log it.
    #[must_use]
    pub fn cardholder_name(&self) -> Option<&str> {
        self.cardholder_name.as_deref().map(String::as_str)
    }

    /// The DUKPT KSN the payload is encrypted under.
    #[must_use]
    pub const fn ksn(&self) -> Option<Ksn> {
        self.ksn
    }

    /// The EMV tags a receipt needs (AID, label, TVR, TSI, ARC, ...), as `(tag, value)`.
    #[must_use]
    pub fn receipt_tags(&self) -> &[(Tag, Vec<u8>)] {
        &self.receipt
    }
}

impl fmt::Debug for EncryptedCardData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncryptedCardData")
            .field("entry_mode", &self.entry_mode)
            .field("masked_pan", &self.masked_pan())
            .field("encrypted", &self.encrypted)
            .field("ksn", &self.ksn)
            .field("payload_len", &self.payload.len())
            .finish_non_exhaustive()
    }
}

impl fmt::Display for EncryptedCardData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} card {} ({} payload characters)",
            self.entry_mode.gateway_name(),
            self.masked_pan().unwrap_or("(no PAN)"),
            self.payload.len()
        )
    }
}

impl Drop for EncryptedCardData {
    fn drop(&mut self) {
        use zeroize::Zeroize as _;
        for (_, value) in &mut self.receipt {
            value.zeroize();
        }
    }
}

/// Keeps at most the first 6 and last 4 digits of a (possibly already masked) PAN: the one
/// masking rule, [`PanMask::FIRST_SIX_LAST_FOUR`].
fn mask_reader_pan(pan: &str) -> Zeroizing<String> {
    Zeroizing::new(cardpointe_emv::mask_pan(pan, PanMask::FIRST_SIX_LAST_FOUR))
}

/// Splits clear ASCII tracks `%...?;...?;...?` into track 1, 2 and 3.
fn split_tracks(text: &[u8]) -> [&[u8]; 3] {
    let mut tracks: [&[u8]; 3] = [&[], &[], &[]];
    let mut rest = text;
    while let Some(start) = rest.iter().position(|&b| b == b'%' || b == b';') {
        let tail = rest.get(start..).unwrap_or_default();
        let end = tail
            .iter()
            .position(|&b| b == b'?')
            .map_or(tail.len(), |i| i + 1);
        let track = tail.get(..end).unwrap_or_default();
        let slot = if track.first() == Some(&b'%') {
            0
        } else if tracks[1].is_empty() {
            1
        } else {
            2
        };
        if let Some(s) = tracks.get_mut(slot) {
            *s = track;
        }
        rest = tail.get(end..).unwrap_or_default();
    }
    tracks
}

/// The PAN (digits and mask characters) from a masked track 2 (`;PAN=`) or track 1
/// (`%B PAN ^`).
pub(crate) fn pan_from_tracks(tracks: &[&[u8]; 3]) -> Option<String> {
    let from = |track: &[u8], start: &[u8], end: u8| -> Option<String> {
        let body = track.strip_prefix(start)?;
        let stop = body.iter().position(|&b| b == end)?;
        let pan = body.get(..stop)?;
        Some(pan.iter().map(|&b| char::from(b)).collect())
    };
    from(tracks[1], b";", b'=')
        .or_else(|| from(tracks[0], b"%B", b'^'))
        .or_else(|| from(tracks[0], b"%*", b'^'))
        .filter(|p| !p.is_empty())
}

/// `(YY, MM)` from the first four characters of `digits` when they are digits.
pub(crate) fn expiry_from_digits(digits: &str) -> Option<(u8, u8)> {
    let d: Vec<u8> = digits.bytes().take(4).collect();
    let &[y1, y2, m1, m2] = &d[..] else {
        return None;
    };
    if !d.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mm = (m1 - b'0') * 10 + (m2 - b'0');
    (1..=12)
        .contains(&mm)
        .then_some(((y1 - b'0') * 10 + (y2 - b'0'), mm))
}

/// The expiry after `=` in track 2 or after the second `^` in track 1.
pub(crate) fn expiry_from_tracks(tracks: &[&[u8]; 3]) -> Option<(u8, u8)> {
    let after = |track: &[u8], sep: u8, nth: usize| -> Option<(u8, u8)> {
        let mut parts = track.split(|&b| b == sep);
        let part = parts.nth(nth)?;
        expiry_from_digits(&String::from_utf8_lossy(part))
    };
    after(tracks[1], b'=', 1).or_else(|| after(tracks[0], b'^', 2))
}

/// The name field of track 1 (`%B...^SURNAME/FIRST^...`), trimmed.
fn name_from_track1(track: &[u8]) -> Option<Zeroizing<String>> {
    let name = track.split(|&b| b == b'^').nth(1)?;
    let name = String::from_utf8_lossy(name).trim().into();
    Some(Zeroizing::new(name)).filter(|n: &Zeroizing<String>| !n.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msr::MsrRecord;
    use crate::test_util::hex;

    fn spec_record() -> Zeroizing<Vec<u8>> {
        let mut card = alloc::vec![0x80, 0x3F, 49, 35, 0, 0x03, 0x00];
        card.extend_from_slice(b"%B5413330089020011^TEST/CARD^2512101000000000000?");
        card.extend_from_slice(b";5413330089020011=2512101000000000?");
        MsrRecord::build(&card)
    }

    #[test]
    fn a_swipe_gives_masked_pan_expiry_name_and_the_keyboard_form() {
        let data = EncryptedCardData::from_msr_record(&spec_record(), ReadMethod::Swipe).unwrap();
        assert_eq!(data.masked_pan(), Some("541333******0011"));
        assert_eq!(data.expiry(), Some((25, 12)));
        assert_eq!(data.cardholder_name(), Some("TEST/CARD"));
        assert!(!data.is_encrypted());
        assert!(data.payload().starts_with("026200803F3123000300%B5413"));
        assert!(data.payload().ends_with("03"));
    }

    #[test]
    fn debug_and_display_never_show_the_middle_digits_or_the_name() {
        let data = EncryptedCardData::from_msr_record(&spec_record(), ReadMethod::Swipe).unwrap();
        for text in [alloc::format!("{data:?}"), alloc::format!("{data}")] {
            assert!(!text.contains("33008902"), "{text}");
            assert!(!text.contains("TEST"), "{text}");
            assert!(text.contains("541333******0011"), "{text}");
        }
    }

    #[test]
    fn an_emv_answer_becomes_a_hex_tlv_payload() {
        let data = hex(
            "DF EE 25 02 00 04 DF EE 12 0A 62 99 49 00 00 00 00 20 00 05 \
             DF EF 5B 08 65 10 CC CC CC CC 01 33 5F 24 03 23 12 31 95 05 00 00 00 00 00",
        );
        let output = TransactionOutput::parse(&data).unwrap();
        let card = EncryptedCardData::from_transaction(&output, ReadMethod::Contact).unwrap();
        assert!(card.payload().starts_with("DFEE25020004DFEE120A"));
        assert_eq!(card.masked_pan(), Some("6510********0133"));
        assert_eq!(card.expiry_mmyy().as_deref(), Some("1223"));
        assert!(card.is_encrypted());
        assert_eq!(card.receipt_tags().len(), 1);
        assert_eq!(card.entry_mode().gateway_name(), "EMVContact");
    }

    #[test]
    fn clear_tracks_in_dfee23_are_kept_but_marked_unencrypted() {
        let mut data = hex("DF EE 23");
        let tracks = b"%B4111111111111111^DOE/J^2812101?;4111111111111111=2812101?";
        data.push(tracks.len() as u8);
        data.extend_from_slice(tracks);
        let output = TransactionOutput::parse(&data).unwrap();
        let card = EncryptedCardData::from_transaction(&output, ReadMethod::Swipe).unwrap();
        assert!(!card.is_encrypted());
        assert_eq!(card.masked_pan(), Some("411111******1111"));
        assert_eq!(card.expiry(), Some((28, 12)));
    }
}
