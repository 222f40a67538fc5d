//! Reading card-present data from ID TECH readers (section 7 of the gateway spec, sections 6-8
//! of the VP3300 spec): EMV TLV output (hex), enhanced encrypted MSR records (hex of the binary
//! record), keyboard-style Augusta strings, and clear tracks in `auth.track`.
//!
//! The formats themselves are read by the crates that own them: MSR records by
//! `cardpointe-vp3300` ([`MsrRecord`], [`MsrRecordBuf`]), BER-TLV in ID TECH's dialect by
//! `cardpointe-emv` ([`Walker`]). This module only decides what the emulated CardSecure makes
//! of them.
//!
//! When the data KSN belongs to the emulator's test key set (key-set id `FFFF987654`, the
//! ANSI X9.24 test BDK) the ciphertext is decrypted and the real card number is used. For any
//! other key set the card number cannot be known; the emulator then derives a stable stand-in
//! from the masked PAN (first and last digits kept, hidden digits filled deterministically,
//! Luhn-fixed), so the token still has the right prefix and last four, as spec section 7 says.

use cardpointe_emv::{Options, Walker};
use cardpointe_vp3300::{MsrRecord, MsrRecordBuf};
use zeroize::Zeroizing;

use crate::dukpt::{self, Bdk};
use crate::emv::{EmvRead, hex, label_text};
use crate::state::{Pan, luhn_fix};
use crate::wire::{all_digits, stable_hash};
use cardpointe_vp3300::Ksn;

/// The emulator's test key set: KSNs whose first five bytes are these use [`Bdk::ANSI_TEST`].
pub(crate) const TEST_KEY_SET_ID: [u8; 5] = [0xFF, 0xFF, 0x98, 0x76, 0x54];

/// Why reader data could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DeviceDataError {
    /// Not recognisable reader output (CardSecure 78 "Invalid swipe data").
    Unrecognised,
    /// Test-key ciphertext did not decrypt to a card number (CardSecure 24).
    Decryption,
    /// EMV data without any PAN (CardSecure 72 "Invalid EMV tag data").
    NoPan,
}

/// A card read from reader output.
#[derive(Debug)]
pub(crate) struct ReaderCard {
    pub(crate) pan: Pan,
    pub(crate) expiry: Option<String>,
    pub(crate) name: Option<String>,
    pub(crate) entrymode: &'static str,
    /// For chip and contactless reads: what the auth answer's `emv` / `emvTagData` are built
    /// from.
    pub(crate) emv: Option<EmvRead>,
}

const SWIPE: &str = "Swipe(Non EMV)";

impl ReaderCard {
    fn swipe(pan: &str, expiry: Option<String>, name: Option<String>) -> Self {
        Self {
            pan: Pan::new(pan),
            expiry,
            name,
            entrymode: SWIPE,
            emv: None,
        }
    }
}

/// Reads `devicedata` (or an encrypted `track`).
pub(crate) fn read(payload: &str) -> Result<ReaderCard, DeviceDataError> {
    let payload = payload.trim();
    if payload.len() >= 4
        && payload.len().is_multiple_of(2)
        && payload.bytes().all(|b| b.is_ascii_hexdigit())
    {
        let bytes = dukpt::decode_hex(payload).map_err(|_| DeviceDataError::Unrecognised)?;
        // A binary MSR record (STX … ETX) that verifies; anything else is read as TLV.
        if let Ok(record) = MsrRecord::parse(&bytes) {
            return read_record(&record);
        }
        return read_emv(&bytes);
    }
    read_keyboard(payload)
}

/// Reads `auth.track`: clear track 1/2 first, else reader output.
pub(crate) fn read_track(track: &str) -> Result<ReaderCard, DeviceDataError> {
    if let Some(card) = clear_track(track) {
        return Ok(card);
    }
    read(track)
}

/// `YYMM` (as tracks and 5F24 carry it) to the gateway's `MMYY`.
fn yymm_to_mmyy(yymm: &str) -> Option<String> {
    let (yy, mm) = (yymm.get(..2)?, yymm.get(2..4)?);
    (all_digits(yy) && all_digits(mm)).then(|| format!("{mm}{yy}"))
}

fn clear_track(track: &str) -> Option<ReaderCard> {
    let t = track.trim();
    // Track 2: `;PAN=YYMM...?` (sentinels optional).
    let t2 = t.trim_start_matches(';');
    if let Some((pan, rest)) = t2.split_once('=')
        && all_digits(pan)
        && (12..=19).contains(&pan.len())
    {
        return Some(ReaderCard::swipe(pan, yymm_to_mmyy(rest), None));
    }
    // Track 1: `%BPAN^NAME^YYMM...?`.
    let t1 = t.trim_start_matches('%');
    let t1 = t1.strip_prefix('B').or_else(|| t1.strip_prefix('b'))?;
    let mut parts = t1.split('^');
    let pan = parts.next()?;
    let name = parts.next().map(|n| n.trim().to_owned());
    let expiry = parts.next().and_then(yymm_to_mmyy);
    (all_digits(pan) && (12..=19).contains(&pan.len()))
        .then(|| ReaderCard::swipe(pan, expiry, name))
}

fn test_key(ksn: &Ksn) -> Option<Bdk> {
    (ksn.key_set_id() == TEST_KEY_SET_ID).then_some(Bdk::ANSI_TEST)
}

/// Replaces masked digits (`*`, `X`, `C`) with stable digits and fixes the Luhn digit. The
/// mask character does not matter: `6510CCCCCCCC0133` (a TLV's `C` nibbles) and
/// `6510********0133` (a track's asterisks) are the same card.
pub(crate) fn stand_in_pan(masked: &str) -> Option<String> {
    let masked: String = masked
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            'X' | 'x' | 'C' | 'c' => '*',
            other => other,
        })
        .collect();
    if masked.len() < 12 || masked.len() > 19 {
        return None;
    }
    let hidden: Vec<usize> = masked
        .char_indices()
        .filter(|(_, c)| *c == '*')
        .map(|(i, _)| i)
        .collect();
    let mut seed = stable_hash(&[masked.as_bytes()]);
    let mut digits: Vec<u8> = masked.bytes().collect();
    for i in &hidden {
        if let Some(slot) = digits.get_mut(*i) {
            *slot = b'0' + (seed % 10) as u8;
        }
        seed /= 10;
        if seed == 0 {
            seed = stable_hash(&[&digits]);
        }
    }
    let text = String::from_utf8(digits).ok()?;
    if !all_digits(&text) {
        return None;
    }
    Some(match hidden.last() {
        Some(last) => luhn_fix(&text, *last),
        None => text,
    })
}

/// The masked PAN of a masked track (`;4111********1111=…`, `%*4111********1111^…`,
/// `%B4111…^`): its digits and `*`s.
fn masked_pan_of_track(track: &str) -> String {
    track
        .trim_start_matches(['%', ';', '*', 'B'])
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '*')
        .collect()
}

/// A verified enhanced MSR record: track 2 (then track 1) decrypted under the test key set,
/// else the masked tracks.
fn read_record(record: &MsrRecord<'_>) -> Result<ReaderCard, DeviceDataError> {
    let ksn = record.ksn;
    let masked_name = || {
        let track1 = String::from_utf8_lossy(record.masked_tracks[0]);
        track1
            .split('^')
            .nth(1)
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty())
    };
    if let (Some(ksn), Some(bdk)) = (ksn, ksn.as_ref().and_then(test_key))
        && !record.clear_status.aes()
    {
        for i in [1, 0] {
            let enc = record.encrypted_tracks[i];
            if enc.is_empty() {
                continue;
            }
            let clear = Zeroizing::new(
                dukpt::decrypt_data(&bdk, &ksn, enc).map_err(|_| DeviceDataError::Decryption)?,
            );
            let len = usize::from(record.track_lengths[i]);
            let clear = Zeroizing::new(
                String::from_utf8_lossy(clear.get(..len).unwrap_or(&clear)).into_owned(),
            );
            let mut card = clear_track(&clear).ok_or(DeviceDataError::Decryption)?;
            if card.name.is_none() {
                card.name = masked_name();
            }
            return Ok(card);
        }
    }
    for track in [record.masked_tracks[1], record.masked_tracks[0]] {
        if let Some(pan) = stand_in_pan(&masked_pan_of_track(&String::from_utf8_lossy(track))) {
            return Ok(ReaderCard::swipe(&pan, None, masked_name()));
        }
    }
    Err(DeviceDataError::Unrecognised)
}

/// Augusta keyboard output: ASCII masked tracks with hex around them.
///
/// A well-formed enhanced MSR record in that form (what the VP3300 path of
/// `cardpointe-vp3300`'s `EncryptedCardData` sends for a swipe) is decoded with
/// [`MsrRecordBuf`] and read like the binary record, so a swipe under the test key yields the
/// real card; anything else falls back to the masked PAN.
fn read_keyboard(payload: &str) -> Result<ReaderCard, DeviceDataError> {
    if let Ok(buf) = MsrRecordBuf::from_hex_ascii(payload.as_bytes())
        && let Ok(record) = buf.record()
    {
        return read_record(&record);
    }
    for start in [';', '%'] {
        for (i, _) in payload.match_indices(start) {
            let pan = masked_pan_of_track(payload.get(i + 1..).unwrap_or(""));
            if pan.contains('*')
                && let Some(pan) = stand_in_pan(&pan)
            {
                return Ok(ReaderCard::swipe(&pan, None, None));
            }
        }
    }
    Err(DeviceDataError::Unrecognised)
}

/// The tags of a reader's EMV answer this module uses, borrowed from one walk over it.
#[derive(Default)]
struct EmvTags<'a> {
    msr_record: Option<&'a [u8]>,
    ksn: Option<&'a [u8]>,
    pan: Option<&'a [u8]>,
    track2: Option<&'a [u8]>,
    masked_pan: Option<&'a [u8]>,
    masked_track2: Option<&'a [u8]>,
    expiry: Option<&'a [u8]>,
    name: Option<&'a [u8]>,
    pos_entry_mode: Option<&'a [u8]>,
    aid: Option<&'a [u8]>,
    df_name: Option<&'a [u8]>,
    terminal_aid: Option<&'a [u8]>,
    label: Option<&'a [u8]>,
    preferred_name: Option<&'a [u8]>,
    tvr: Option<&'a [u8]>,
    tsi: Option<&'a [u8]>,
    iad: Option<&'a [u8]>,
    cvm_results: Option<&'a [u8]>,
    arqc: Option<&'a [u8]>,
    any: bool,
}

impl<'a> EmvTags<'a> {
    /// Walks every object (ID TECH dialect, nested templates included); the first occurrence
    /// of each tag wins.
    fn walk(bytes: &'a [u8]) -> Result<Self, DeviceDataError> {
        let mut tags = Self::default();
        for visit in Walker::new(bytes, Options::id_tech()) {
            let tlv = visit.map_err(|_| DeviceDataError::Unrecognised)?.tlv;
            tags.any = true;
            let slot = match tlv.tag().value() {
                0xDF_EE23 => &mut tags.msr_record,
                0xDF_EE12 => &mut tags.ksn,
                0x5A => &mut tags.pan,
                0x57 => &mut tags.track2,
                0xDF_EF5B => &mut tags.masked_pan,
                0xDF_EF5D => &mut tags.masked_track2,
                0x5F24 => &mut tags.expiry,
                0x5F20 => &mut tags.name,
                0x9F39 => &mut tags.pos_entry_mode,
                0x4F => &mut tags.aid,
                0x84 => &mut tags.df_name,
                0x9F06 => &mut tags.terminal_aid,
                0x50 => &mut tags.label,
                0x9F12 => &mut tags.preferred_name,
                0x95 => &mut tags.tvr,
                0x9B => &mut tags.tsi,
                0x9F10 => &mut tags.iad,
                0x9F34 => &mut tags.cvm_results,
                0x9F26 => &mut tags.arqc,
                _ => continue,
            };
            if slot.is_none() {
                *slot = Some(tlv.value());
            }
        }
        Ok(tags)
    }

    fn contactless(&self) -> bool {
        self.pos_entry_mode == Some(&[0x07])
    }

    fn emv_read(&self) -> EmvRead {
        EmvRead {
            contactless: self.contactless(),
            aid: self.aid.or(self.df_name).or(self.terminal_aid).map(hex),
            tvr: self.tvr.map(hex),
            tsi: self.tsi.map(hex),
            iad: self.iad.map(hex),
            label: self.label.and_then(label_text),
            preferred_name: self.preferred_name.and_then(label_text),
            cvm_results: self.cvm_results.map(<[u8]>::to_vec),
            arqc: self.arqc.map(<[u8]>::to_vec),
        }
    }
}

/// The digits of a BCD PAN (or masked PAN with `C` nibbles when `masked`), up to the filler.
fn bcd_digits(value: &[u8], masked: bool) -> String {
    hex(value)
        .chars()
        .take_while(|c| c.is_ascii_digit() || (masked && *c == 'C'))
        .collect()
}

fn read_emv(bytes: &[u8]) -> Result<ReaderCard, DeviceDataError> {
    let tags = EmvTags::walk(bytes)?;
    if let Some(record) = tags.msr_record {
        if let Ok(record) = MsrRecord::parse(record) {
            return read_record(&record);
        }
        if let Some(card) = clear_track(&String::from_utf8_lossy(record)) {
            return Ok(card);
        }
    }
    if !tags.any {
        return Err(DeviceDataError::Unrecognised);
    }
    let expiry = tags.expiry.and_then(|e| yymm_to_mmyy(&hex(e)));
    let name = tags
        .name
        .map(|n| String::from_utf8_lossy(n).trim().to_owned())
        .filter(|n| !n.is_empty());
    let entrymode = if tags.contactless() {
        "Contactless"
    } else {
        "EMVContact"
    };
    let card = |pan: &str| ReaderCard {
        pan: Pan::new(pan),
        expiry: expiry.clone(),
        name: name.clone(),
        entrymode,
        emv: Some(tags.emv_read()),
    };
    let ksn = tags.ksn.and_then(|k| Ksn::parse(k).ok());
    if let (Some(ksn), Some(bdk)) = (ksn, ksn.as_ref().and_then(test_key))
        && let Some(enc) = tags.pan.or(tags.track2)
    {
        let clear = Zeroizing::new(
            dukpt::decrypt_data(&bdk, &ksn, enc).map_err(|_| DeviceDataError::Decryption)?,
        );
        let pan = Zeroizing::new(bcd_digits(&clear, false));
        if pan.len() < 12 || pan.len() > 19 {
            return Err(DeviceDataError::Decryption);
        }
        // The clear PAN must agree with the reader's masked copy, if it sent one.
        if let Some(masked) = tags.masked_pan.map(|m| bcd_digits(m, true)) {
            let agrees = masked.len() >= 8
                && masked.get(..4) == pan.get(..4)
                && masked.get(masked.len() - 4..) == pan.get(pan.len() - 4..);
            if !agrees {
                return Err(DeviceDataError::Decryption);
            }
        }
        return Ok(card(&pan));
    }
    // Clear tags (encryption off) or a foreign key set: masked copies.
    if ksn.is_none()
        && let Some(pan) = [tags.pan, tags.track2]
            .into_iter()
            .flatten()
            .map(|v| bcd_digits(v, false))
            .find(|p| (12..=19).contains(&p.len()))
    {
        return Ok(card(&pan));
    }
    for masked in [tags.masked_pan, tags.masked_track2].into_iter().flatten() {
        if let Some(pan) = stand_in_pan(&bcd_digits(masked, true)) {
            return Ok(card(&pan));
        }
    }
    Err(DeviceDataError::NoPan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dukpt::encode_hex;

    fn tlv(tag: &[u8], value: &[u8]) -> Vec<u8> {
        let mut out = tag.to_vec();
        if value.len() > 127 {
            out.push(0x81);
        }
        out.push(value.len() as u8);
        out.extend_from_slice(value);
        out
    }

    #[test]
    fn emv_payload_under_the_test_key_yields_the_real_pan() {
        let ksn = Ksn::from_hex("FFFF9876543210E00005").unwrap();
        let pan_bcd = dukpt::decode_hex("4761739001010119").unwrap();
        let enc = dukpt::encrypt_data(&Bdk::ANSI_TEST, &ksn, &pan_bcd).unwrap();
        let mut payload = tlv(&[0xDF, 0xEE, 0x12], ksn.as_bytes());
        payload.extend(tlv(&[0x5A], &enc));
        payload.extend(tlv(
            &[0xDF, 0xEF, 0x5B],
            &dukpt::decode_hex("4761CCCCCCCC0119").unwrap(),
        ));
        payload.extend(tlv(&[0x5F, 0x24], &[0x27, 0x12, 0x31]));
        let card = read(&encode_hex(&payload)).unwrap();
        assert_eq!(card.pan.as_str(), "4761739001010119");
        assert_eq!(card.expiry.as_deref(), Some("1227"));
        assert_eq!(card.entrymode, "EMVContact");
    }

    #[test]
    fn emv_payload_under_a_foreign_key_uses_the_masked_pan() {
        // The spec's Augusta sample: KSN CDCDCD94030006C00104, masked PAN 6510CCCCCCCC0133.
        let mut payload = tlv(
            &[0xDF, 0xEE, 0x12],
            &dukpt::decode_hex("CDCDCD94030006C00104").unwrap(),
        );
        payload.extend(tlv(&[0x5A], &[0x11; 8]));
        payload.extend(tlv(
            &[0xDF, 0xEF, 0x5B],
            &dukpt::decode_hex("6510CCCCCCCC0133").unwrap(),
        ));
        let card = read(&encode_hex(&payload)).unwrap();
        let pan = card.pan.as_str();
        assert!(
            pan.starts_with("6510") && pan.ends_with("0133") && cardpointe_types::luhn_valid(pan),
            "{pan:?}"
        );
        // Stable: the same masked PAN gives the same stand-in.
        assert_eq!(read(&encode_hex(&payload)).unwrap().pan.as_str(), pan);
    }

    #[test]
    fn msr_record_under_the_test_key_decrypts_track_two() {
        let ksn = Ksn::from_hex("FFFF9876543210E00001").unwrap();
        let t2 = b";4111111111111111=25121011234567890?";
        let masked = b";4111********1111=*****************?";
        assert_eq!(masked.len(), t2.len());
        let enc = dukpt::encrypt_data(&Bdk::ANSI_TEST, &ksn, t2).unwrap();
        let mut data = vec![0x80, 0x02, 0x00, t2.len() as u8, 0x00, 0x02, 0x82];
        data.extend_from_slice(masked);
        data.extend_from_slice(&enc);
        data.extend_from_slice(ksn.as_bytes());
        let record = MsrRecord::build(&data);
        let card = read(&encode_hex(&record)).unwrap();
        assert_eq!(card.pan.as_str(), "4111111111111111");
        assert_eq!(card.expiry.as_deref(), Some("1225"));
        assert!(card.emv.is_none());
    }

    #[test]
    fn an_msr_record_whose_lrc_does_not_verify_is_not_read_as_a_swipe() {
        let t2 = b";4111111111111111=25121011234567890?";
        let mut data = vec![0x80, 0x02, 0x00, t2.len() as u8, 0x00, 0x02, 0x00];
        data.extend_from_slice(t2);
        let mut record = MsrRecord::build(&data).to_vec();
        let lrc = record.len() - 3;
        record[lrc] ^= 0xFF;
        assert_eq!(
            read(&encode_hex(&record)).unwrap_err(),
            DeviceDataError::Unrecognised
        );
    }

    #[test]
    fn an_emv_read_keeps_the_receipt_tags_and_the_contactless_entry() {
        let mut payload = tlv(&[0x5A], &dukpt::decode_hex("5454545454545454").unwrap());
        payload.extend(tlv(&[0x4F], &[0xA0, 0, 0, 0, 0x04, 0x10, 0x10]));
        payload.extend(tlv(&[0x50], b"MASTERCARD"));
        payload.extend(tlv(&[0x95], &[0, 0, 0, 0x80, 0]));
        payload.extend(tlv(&[0x9B], &[0xE8, 0]));
        payload.extend(tlv(&[0x9F, 0x10], &[1, 2, 3]));
        payload.extend(tlv(&[0x9F, 0x39], &[0x07]));
        let card = read(&encode_hex(&payload)).unwrap();
        assert_eq!(card.entrymode, "Contactless");
        let emv = card.emv.expect("an EMV read");
        assert!(emv.contactless);
        assert_eq!(emv.aid.as_deref(), Some("A0000000041010"));
        assert_eq!(emv.label.as_deref(), Some("MASTERCARD"));
        assert_eq!(emv.tvr.as_deref(), Some("0000008000"));
        assert_eq!(emv.tsi.as_deref(), Some("E800"));
        assert_eq!(emv.iad.as_deref(), Some("010203"));
    }

    #[test]
    fn augusta_keyboard_output_gives_the_masked_card() {
        let sample = "02A001801F372300839B%*6011********6668^DISCOVER TEST CARD^***************?*;6011********6668=***************?*10C1A6E1CDCDCD94030006C00106632303";
        let card = read(sample).unwrap();
        assert!(card.pan.as_str().starts_with("6011") && card.pan.as_str().ends_with("6668"));
    }

    proptest::proptest! {
        #[test]
        fn reader_data_of_any_shape_is_read_or_refused_without_panicking(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300),
            prefix in proptest::sample::select(vec![
                Vec::new(),
                vec![0xDF, 0xEE, 0x12, 0x0A, 0xFF, 0xFF, 0x98, 0x76, 0x54, 0x32, 0x10, 0xE0, 0x00, 0x01],
                vec![0x02],
                vec![0xFF, 0xEE, 0x01],
            ]),
        ) {
            let mut data = prefix;
            data.extend_from_slice(&bytes);
            let text = String::from_utf8_lossy(&bytes).into_owned();
            for card in [read(&encode_hex(&data)), read(&text), read_track(&text)]
                .into_iter()
                .flatten()
            {
                let pan = card.pan.as_str();
                proptest::prop_assert!(
                    (12..=19).contains(&pan.len()) && all_digits(pan),
                    "a card read must hold a 12-19 digit PAN"
                );
            }
        }
    }

    #[test]
    fn a_track_whose_pan_is_longer_than_19_digits_is_not_a_card() {
        assert!(read_track(";41111111111111111111111=2512?").is_err());
        assert!(read_track("%B41111111111111111111111^DOE/J^2512?").is_err());
        assert!(read_track(";4111111111111111111=2512?").is_ok());
    }

    #[test]
    fn clear_tracks_are_read_for_auth() {
        let card = read_track("%B4111111111111111^DOE/JANE^2512101?").unwrap();
        assert!(card.emv.is_none());
        assert_eq!(
            (
                card.pan.as_str(),
                card.name.as_deref(),
                card.expiry.as_deref()
            ),
            ("4111111111111111", Some("DOE/JANE"), Some("1225"))
        );
        assert!(read("not reader data").is_err());
    }
}
