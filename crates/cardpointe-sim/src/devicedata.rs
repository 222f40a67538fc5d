//! Reading card-present data from ID TECH readers (section 7 of the gateway spec, sections 6-8
//! of the VP3300 spec): EMV TLV output (hex), enhanced encrypted MSR records (hex of the binary
//! record), keyboard-style Augusta strings, and clear tracks in `auth.track`.
//!
//! The formats themselves are read by the crates that own them: MSR records by
//! `cardpointe-vp3300` ([`MsrRecord`], [`MsrRecordBuf`]), BER-TLV in ID TECH's dialect by
//! `cardpointe-emv` ([`Walker`]). This module only decides what the emulated CardSecure makes
//! of them.
//!
//! Encrypted data is decrypted with every base derivation key (BDK) the site holds: the ANSI
//! X9.24 test BDK first (the key ID TECH demo and development readers ship with, under key
//! sets `FFFF987654` and the `629949…` family alike), then the site's own
//! ([`SiteConfig::bdks`](crate::SiteConfig::bdks), the merchants file's `bdks`, the
//! `--bdk` flag). A key is right when what it yields checks out ([`Proof`]): the SHA-1 (or
//! SHA-256) hash the enhanced MSR record carries of each clear track, else the shape of the
//! clear data (a track or BCD PAN with a valid Luhn digit, zero padding, agreeing with the
//! reader's masked copy). When no key fits, the card number cannot be known; the emulator
//! then derives a stable stand-in from the masked PAN (first and last digits kept, hidden
//! digits filled deterministically, Luhn-fixed), so the token still has the right prefix and
//! last four, as spec section 7 says — except under the emulator's own test key set
//! (`FFFF987654`), where ciphertext no key opens is corrupt (CardSecure 24). Which path was
//! taken is logged (key set, key index, proof; never card data).

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

/// Reads `devicedata` (or an encrypted `track`), decrypting with the ANSI test BDK and then
/// each of `bdks`.
pub(crate) fn read(payload: &str, bdks: &[Bdk]) -> Result<ReaderCard, DeviceDataError> {
    let keys = Keys(bdks);
    let payload = payload.trim();
    if payload.len() >= 4
        && payload.len().is_multiple_of(2)
        && payload.bytes().all(|b| b.is_ascii_hexdigit())
    {
        let bytes = dukpt::decode_hex(payload).map_err(|_| DeviceDataError::Unrecognised)?;
        // A binary MSR record (STX … ETX) that verifies; anything else is read as TLV.
        if let Ok(record) = MsrRecord::parse(&bytes) {
            return read_record(&record, keys);
        }
        return read_emv(&bytes, keys);
    }
    read_keyboard(payload, keys)
}

/// Reads `auth.track`: clear track 1/2 first, else reader output.
pub(crate) fn read_track(track: &str, bdks: &[Bdk]) -> Result<ReaderCard, DeviceDataError> {
    if let Some(card) = clear_track(track) {
        return Ok(card);
    }
    read(track, bdks)
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

/// The keys reader data is tried with: the ANSI test BDK, then the site's (in order).
#[derive(Clone, Copy)]
struct Keys<'a>(&'a [Bdk]);

impl Keys<'_> {
    /// Each key with its index (0: the ANSI test BDK; n: the site's n-th).
    fn iter(&self) -> impl Iterator<Item = (usize, &Bdk)> {
        static ANSI_TEST: Bdk = Bdk::ANSI_TEST;
        std::iter::once(&ANSI_TEST)
            .chain(self.0.iter())
            .enumerate()
            .filter(|(i, key)| *i == 0 || **key != Bdk::ANSI_TEST)
    }
}

/// How the emulator knew a key was right.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Proof {
    /// The clear track's hash equals the one the MSR record carries.
    Hash(&'static str),
    /// No hash to check: the clear data has the shape of a card read (a track or BCD PAN,
    /// Luhn-valid, zero padding, agreeing with the masked copy).
    Shape,
}

impl Proof {
    fn name(self) -> &'static str {
        match self {
            Self::Hash(algorithm) => algorithm,
            Self::Shape => "shape",
        }
    }
}

/// Logs which key opened reader data (key set and key index; no card data, no key).
fn log_decrypted(ksn: &Ksn, key: usize, proof: Proof) {
    tracing::info!(
        key_set = %hex(ksn.key_set_id()),
        key,
        proof = proof.name(),
        "reader data decrypted (key 0 is the ANSI test BDK, 1.. the site's bdks)"
    );
}

/// After no key fitted: the emulator's own test key set means corrupt data (CardSecure 24);
/// any other key set falls back to the stand-in card, and says so.
fn no_key_fits(ksn: &Ksn) -> Result<(), DeviceDataError> {
    if ksn.key_set_id() == TEST_KEY_SET_ID {
        tracing::info!(
            key_set = %hex(ksn.key_set_id()),
            "reader data under the ANSI test key set does not decrypt with the test BDK: corrupt (CardSecure 24)"
        );
        return Err(DeviceDataError::Decryption);
    }
    tracing::info!(
        key_set = %hex(ksn.key_set_id()),
        "no configured BDK decrypts this reader data (add it with --bdk or bdks in the merchants file); using the stand-in card of its masked PAN"
    );
    Ok(())
}

/// True when `hash` is the SHA-1 (20 bytes) or SHA-256 (32 bytes) of `clear`; `None` for a
/// null (all-zero) hash, which proves nothing.
fn hash_matches(hash: &[u8], clear: &[u8]) -> Option<(bool, &'static str)> {
    if hash.iter().all(|b| *b == 0) {
        return None;
    }
    let (algorithm, name) = match hash.len() {
        20 => (&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, "sha1"),
        32 => (&ring::digest::SHA256, "sha256"),
        _ => return None,
    };
    Some((
        ring::digest::digest(algorithm, clear).as_ref() == hash,
        name,
    ))
}

/// True when the visible digits of a masked PAN (`*`, `X` or `C` for hidden ones) agree with
/// `pan`, position by position.
fn agrees_with_mask(pan: &str, masked: &str) -> bool {
    masked.len() == pan.len()
        && masked.len() >= 8
        && masked
            .bytes()
            .zip(pan.bytes())
            .all(|(m, p)| matches!(m, b'*' | b'X' | b'x' | b'C' | b'c') || m == p)
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

/// One track of an MSR record decrypted under `bdk`, if the key fits: its clear text (the
/// track's length, from the record) and how that was known.
fn open_track(
    record: &MsrRecord<'_>,
    i: usize,
    bdk: &Bdk,
    ksn: &Ksn,
) -> Option<(Zeroizing<String>, Proof)> {
    let enc = record.encrypted_tracks.get(i)?;
    let clear = Zeroizing::new(dukpt::decrypt_data(bdk, ksn, enc).ok()?);
    let len = usize::from(*record.track_lengths.get(i)?);
    let (track, padding) = (clear.get(..len)?, clear.get(len..)?);
    // Zero padding to the block: any other byte means the wrong key.
    if padding.iter().any(|b| *b != 0) {
        return None;
    }
    let proof = match record
        .hashes
        .get(i)
        .copied()
        .flatten()
        .and_then(|h| hash_matches(h, track))
    {
        Some((true, algorithm)) => Proof::Hash(algorithm),
        Some((false, _)) => return None,
        None => Proof::Shape,
    };
    let text = Zeroizing::new(String::from_utf8(track.to_vec()).ok()?);
    if proof == Proof::Shape {
        let card = clear_track(&text)?;
        let masked = masked_pan_of_track(&String::from_utf8_lossy(record.masked_tracks.get(i)?));
        let agrees = masked.is_empty() || agrees_with_mask(card.pan.as_str(), &masked);
        if !cardpointe_types::luhn_valid(card.pan.as_str()) || !agrees {
            return None;
        }
    }
    Some((text, proof))
}

/// Track 2 (else track 1) of a verified enhanced MSR record, decrypted under the first key
/// whose every encrypted track checks out.
fn decrypt_record(record: &MsrRecord<'_>, ksn: &Ksn, bdk: &Bdk) -> Option<(ReaderCard, Proof)> {
    let mut card = None;
    let mut proof = Proof::Shape;
    for i in [1, 0, 2] {
        if record.encrypted_tracks.get(i).is_none_or(|t| t.is_empty()) {
            continue;
        }
        let (text, track_proof) = open_track(record, i, bdk, ksn)?;
        if let Proof::Hash(_) = track_proof {
            proof = track_proof;
        }
        if card.is_none() && i != 2 {
            card = Some(clear_track(&text)?);
        }
    }
    card.map(|c| (c, proof))
}

/// A verified enhanced MSR record: decrypted under the first key that fits, else the masked
/// tracks' stand-in card.
fn read_record(record: &MsrRecord<'_>, keys: Keys<'_>) -> Result<ReaderCard, DeviceDataError> {
    let masked_name = || {
        let track1 = String::from_utf8_lossy(record.masked_tracks[0]);
        track1
            .split('^')
            .nth(1)
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty())
    };
    let encrypted = record.encrypted_tracks.iter().any(|t| !t.is_empty());
    if let Some(ksn) = record.ksn.filter(|k| !k.is_aes())
        && encrypted
        && !record.clear_status.aes()
        && record.encode_type != cardpointe_vp3300::CardEncodeType::Raw
    {
        for (index, bdk) in keys.iter() {
            if let Some((mut card, proof)) = decrypt_record(record, &ksn, bdk) {
                log_decrypted(&ksn, index, proof);
                if card.name.is_none() {
                    card.name = masked_name();
                }
                return Ok(card);
            }
        }
        no_key_fits(&ksn)?;
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
fn read_keyboard(payload: &str, keys: Keys<'_>) -> Result<ReaderCard, DeviceDataError> {
    if let Ok(buf) = MsrRecordBuf::from_hex_ascii(payload.as_bytes())
        && let Ok(record) = buf.record()
    {
        return read_record(&record, keys);
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

/// The clear PAN of an EMV `5A` (BCD, `F` filler) or `57` (track 2 equivalent: PAN, `D`,
/// YYMM, service code, discretionary data, `F` filler) under `bdk`, if the key fits: digits
/// of a PAN, the field's own structure after them, zero padding to the block, a valid Luhn
/// digit, and agreement with the reader's masked PAN.
fn open_emv_pan(
    enc: &[u8],
    track2: bool,
    masked: Option<&str>,
    bdk: &Bdk,
    ksn: &Ksn,
) -> Option<Zeroizing<String>> {
    let clear = Zeroizing::new(dukpt::decrypt_data(bdk, ksn, enc).ok()?);
    let text = Zeroizing::new(hex(&clear));
    let pan = Zeroizing::new(bcd_digits(&clear, false));
    if !(12..=19).contains(&pan.len()) || !cardpointe_types::luhn_valid(&pan) {
        return None;
    }
    let mut rest = text.get(pan.len()..)?;
    if track2 {
        rest = rest.strip_prefix('D')?;
        rest = rest.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    let rest = rest.strip_prefix('F').unwrap_or(rest);
    if rest.bytes().any(|c| c != b'0') {
        return None;
    }
    if let Some(masked) = masked
        && !agrees_with_mask(&pan, masked)
    {
        return None;
    }
    Some(pan)
}

fn read_emv(bytes: &[u8], keys: Keys<'_>) -> Result<ReaderCard, DeviceDataError> {
    let tags = EmvTags::walk(bytes)?;
    if let Some(record) = tags.msr_record {
        if let Ok(record) = MsrRecord::parse(record) {
            return read_record(&record, keys);
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
    let encrypted = tags
        .pan
        .map(|v| (v, false))
        .or(tags.track2.map(|v| (v, true)));
    if let Some(ksn) = ksn.filter(|k| !k.is_aes())
        && let Some((enc, track2)) = encrypted
    {
        let masked = tags.masked_pan.map(|m| bcd_digits(m, true));
        for (index, bdk) in keys.iter() {
            if let Some(pan) = open_emv_pan(enc, track2, masked.as_deref(), bdk, &ksn) {
                log_decrypted(&ksn, index, Proof::Shape);
                return Ok(card(&pan));
            }
        }
        no_key_fits(&ksn)?;
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
        let card = read(&encode_hex(&payload), &[]).unwrap();
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
        let card = read(&encode_hex(&payload), &[]).unwrap();
        let pan = card.pan.as_str();
        assert!(
            pan.starts_with("6510") && pan.ends_with("0133") && cardpointe_types::luhn_valid(pan),
            "{pan:?}"
        );
        // Stable: the same masked PAN gives the same stand-in.
        assert_eq!(read(&encode_hex(&payload), &[]).unwrap().pan.as_str(), pan);
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
        let card = read(&encode_hex(&record), &[]).unwrap();
        assert_eq!(card.pan.as_str(), "4111111111111111");
        assert_eq!(card.expiry.as_deref(), Some("1225"));
        assert!(card.emv.is_none());
    }

    /// An enhanced MSR record of track 2 encrypted under `bdk` and `ksn`, with the SHA-1 of
    /// the clear track unless `hash` says otherwise.
    fn swipe_record(bdk: &Bdk, ksn: &Ksn, hash: Option<[u8; 20]>) -> Vec<u8> {
        let t2 = b";4788250000121443=30122011234567890?";
        let masked = b";4788********1443=*****************?";
        let enc = dukpt::encrypt_data(bdk, ksn, t2).unwrap();
        let sha1 = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, t2);
        let hash = hash.unwrap_or_else(|| sha1.as_ref().try_into().unwrap());
        // Track 2 decoded, masked, encrypted and hashed (field 9 = 0x92), KSN present.
        let mut data = vec![0x80, 0x02, 0x00, t2.len() as u8, 0x00, 0x02, 0x92];
        data.extend_from_slice(masked);
        data.extend_from_slice(&enc);
        data.extend_from_slice(&hash);
        data.extend_from_slice(ksn.as_bytes());
        MsrRecord::build(&data).to_vec()
    }

    /// An ID TECH demo reader's KSN: the ANSI test BDK under a `629949` key set.
    fn demo_ksn() -> Ksn {
        Ksn::from_hex("629949012C0000E00017").unwrap()
    }

    #[test]
    fn a_demo_reader_swipe_under_a_629949_key_set_decrypts_verified_by_its_sha1_hash() {
        let record = swipe_record(&Bdk::ANSI_TEST, &demo_ksn(), None);
        let parsed = MsrRecord::parse(&record).unwrap();
        let (card, proof) = decrypt_record(&parsed, &demo_ksn(), &Bdk::ANSI_TEST).unwrap();
        assert_eq!(proof, Proof::Hash("sha1"));
        assert_eq!(card.pan.as_str(), "4788250000121443");
        let card = read(&encode_hex(&record), &[]).unwrap();
        assert_eq!(
            (card.pan.as_str(), card.expiry.as_deref()),
            ("4788250000121443", Some("1230"))
        );
    }

    #[test]
    fn a_hash_that_does_not_match_means_the_key_is_wrong_and_the_stand_in_is_used() {
        let record = swipe_record(&Bdk::ANSI_TEST, &demo_ksn(), Some([0x5A; 20]));
        let parsed = MsrRecord::parse(&record).unwrap();
        assert!(decrypt_record(&parsed, &demo_ksn(), &Bdk::ANSI_TEST).is_none());
        let pan = read(&encode_hex(&record), &[]).unwrap().pan;
        let pan = pan.as_str();
        assert!(pan.starts_with("4788") && pan.ends_with("1443"), "{pan:?}");
        assert_ne!(pan, "4788250000121443");
    }

    #[test]
    fn a_swipe_under_a_key_the_site_lacks_falls_back_and_decrypts_once_configured() {
        let other = Bdk::from_hex("00112233445566778899AABBCCDDEEFF").unwrap();
        let record = encode_hex(&swipe_record(&other, &demo_ksn(), None));
        let stand_in = read(&record, &[]).unwrap();
        assert_ne!(stand_in.pan.as_str(), "4788250000121443");
        assert!(stand_in.pan.as_str().ends_with("1443"));
        let keys = [Bdk::ANSI_TEST, other];
        assert_eq!(
            read(&record, &keys).unwrap().pan.as_str(),
            "4788250000121443"
        );
        // The same bytes as keyboard (hex-ASCII) output decrypt the same way.
        let binary = dukpt::decode_hex(&record).unwrap();
        let text = MsrRecordBuf::from_binary(&binary)
            .unwrap()
            .to_hex_ascii()
            .unwrap();
        assert_eq!(read(&text, &keys).unwrap().pan.as_str(), "4788250000121443");
    }

    #[test]
    fn an_emv_read_under_a_629949_key_set_decrypts_with_the_ansi_test_bdk() {
        let ksn = demo_ksn();
        let pan_bcd = dukpt::decode_hex("4761739001010119").unwrap();
        let enc = dukpt::encrypt_data(&Bdk::ANSI_TEST, &ksn, &pan_bcd).unwrap();
        let mut payload = tlv(&[0xDF, 0xEE, 0x12], ksn.as_bytes());
        payload.extend(tlv(&[0x5A], &enc));
        payload.extend(tlv(
            &[0xDF, 0xEF, 0x5B],
            &dukpt::decode_hex("4761CCCCCCCC0119").unwrap(),
        ));
        assert_eq!(
            read(&encode_hex(&payload), &[]).unwrap().pan.as_str(),
            "4761739001010119"
        );
        // Under a key nobody configured: the masked PAN's stand-in, not an error.
        let other = Bdk::from_hex("00112233445566778899AABBCCDDEEFF").unwrap();
        let enc = dukpt::encrypt_data(&other, &ksn, &pan_bcd).unwrap();
        let mut payload = tlv(&[0xDF, 0xEE, 0x12], ksn.as_bytes());
        payload.extend(tlv(&[0x5A], &enc));
        payload.extend(tlv(
            &[0xDF, 0xEF, 0x5B],
            &dukpt::decode_hex("4761CCCCCCCC0119").unwrap(),
        ));
        let pan = read(&encode_hex(&payload), &[]).unwrap().pan;
        assert!(pan.as_str().starts_with("4761") && pan.as_str().ends_with("0119"));
        assert_ne!(pan.as_str(), "4761739001010119");
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
            read(&encode_hex(&record), &[]).unwrap_err(),
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
        let card = read(&encode_hex(&payload), &[]).unwrap();
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
        let card = read(sample, &[]).unwrap();
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
            for card in [read(&encode_hex(&data), &[]), read(&text, &[]), read_track(&text, &[])]
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
        assert!(read_track(";41111111111111111111111=2512?", &[]).is_err());
        assert!(read_track("%B41111111111111111111111^DOE/J^2512?", &[]).is_err());
        assert!(read_track(";4111111111111111111=2512?", &[]).is_ok());
    }

    #[test]
    fn clear_tracks_are_read_for_auth() {
        let card = read_track("%B4111111111111111^DOE/JANE^2512101?", &[]).unwrap();
        assert!(card.emv.is_none());
        assert_eq!(
            (
                card.pan.as_str(),
                card.name.as_deref(),
                card.expiry.as_deref()
            ),
            ("4111111111111111", Some("DOE/JANE"), Some("1225"))
        );
        assert!(read("not reader data", &[]).is_err());
    }
}
