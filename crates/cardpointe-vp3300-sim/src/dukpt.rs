//! TDES DUKPT (ANSI X9.24-1:2009) key derivation and the ID TECH data-key cipher.
//!
//! A reader injected with an initial key (IPEK) derived from a base derivation key (BDK) and its
//! key serial number (KSN) derives a fresh *transaction key* for every transaction by running
//! the non-reversible key generation process once per one-bit of the 21-bit transaction counter.
//! ID TECH readers (VP3300, Augusta) then encrypt card data with the **data-key variant** of
//! that key: XOR with `0000000000FF0000 0000000000FF0000`, then each 8-byte half TDES-encrypted
//! (EDE2) under the whole 16-byte variant; data is TDES-CBC with an all-zero IV and zero padding
//! (`vp3300-protocol.md` section 6).
//!
//! KSNs are `cardpointe-vp3300`'s [`Ksn`] (the reader's own type); only its TDES form is
//! derived here.
//!
//! The emulator (`cardpointe-sim`) uses [`decrypt_data`] to recover the card number behind a
//! payload made by the virtual reader; the virtual reader uses [`encrypt_data`] to make one. Both are checked in the
//! tests against the published ANSI X9.24-1 test vectors.
//!
//! ```
//! use cardpointe_vp3300::Ksn;
//! use cardpointe_vp3300_sim::dukpt::{Bdk, decrypt_data, encrypt_data};
//! let bdk = Bdk::ANSI_TEST;
//! let ksn = Ksn::from_hex("FFFF9876543210E00008").unwrap();
//! let sealed = encrypt_data(&bdk, &ksn, b";4111111111111111=2512?").unwrap();
//! assert_eq!(sealed.len() % 8, 0);
//! let opened = decrypt_data(&bdk, &ksn, &sealed).unwrap();
//! assert!(opened.starts_with(b";4111111111111111=2512?"));
//! ```

use cardpointe_vp3300::Ksn;
use des::Des;
use des::TdesEde2;
use des::cipher::generic_array::GenericArray;
use des::cipher::{BlockDecrypt, BlockEncrypt, KeyInit};
use zeroize::Zeroize;

/// Why a DUKPT operation could not run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DukptError {
    /// An AES DUKPT KSN (12 bytes) was given to this TDES DUKPT code.
    #[error(
        "the KSN is an AES DUKPT KSN (12 bytes); this derivation is TDES DUKPT (10-byte KSNs, ANSI X9.24-1)"
    )]
    AesKsn,
    /// A key was not 16 bytes (32 hex digits) long.
    #[error("a double-length TDES key is 16 bytes (32 hex digits), got {0} bytes")]
    KeyLength(usize),
    /// Hex text held a character that is not a hex digit.
    #[error("not hex: the character at offset {0} is not 0-9 or A-F")]
    NotHex(usize),
    /// Hex text had an odd number of digits.
    #[error("hex text has an odd number of digits ({0}); every byte is two digits")]
    OddHexLength(usize),
    /// The transaction counter has more than ten one-bits, which no reader ever uses.
    #[error(
        "transaction counter {0:#x} has more than 10 one-bits; ANSI X9.24-1 devices never use such counters"
    )]
    CounterTooManyBits(u32),
    /// Ciphertext length is not a multiple of the 8-byte TDES block.
    #[error("ciphertext length {0} is not a multiple of 8 bytes (TDES block size)")]
    CiphertextLength(usize),
}

/// A 16-byte double-length TDES key (BDK, IPEK, transaction key or a variant); zeroed on drop,
/// masked in `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Key16([u8; 16]);

impl Key16 {
    /// Wraps raw key bytes.
    #[must_use]
    pub const fn new(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }

    /// Parses 32 hex digits.
    ///
    /// # Errors
    /// [`DukptError::NotHex`] / [`DukptError::OddHexLength`] for text that is not hex,
    /// [`DukptError::KeyLength`] for other than 32 digits.
    pub fn from_hex(text: &str) -> Result<Self, DukptError> {
        let bytes = zeroize::Zeroizing::new(decode_hex(text)?);
        let array: [u8; 16] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| DukptError::KeyLength(bytes.len()))?;
        Ok(Self(array))
    }

    /// The key bytes.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// Upper-case hex of the key (for test vectors; never log a live key).
    #[must_use]
    pub fn to_hex(&self) -> String {
        encode_hex(&self.0)
    }

    fn halves(&self) -> ([u8; 8], [u8; 8]) {
        let mut left = [0u8; 8];
        let mut right = [0u8; 8];
        left.copy_from_slice(&self.0[..8]);
        right.copy_from_slice(&self.0[8..]);
        (left, right)
    }

    fn xor(&self, mask: &[u8; 16]) -> Self {
        let mut out = self.0;
        for (byte, m) in out.iter_mut().zip(mask) {
            *byte ^= m;
        }
        Self(out)
    }
}

impl Drop for Key16 {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl core::fmt::Debug for Key16 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Key16(****)")
    }
}

/// A base derivation key.
pub type Bdk = Key16;

impl Key16 {
    /// The ANSI X9.24-1 Annex A test BDK `0123456789ABCDEFFEDCBA9876543210`: the key set the
    /// emulator (and the virtual VP3300) use.
    pub const ANSI_TEST: Self = Self([
        0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF, 0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32,
        0x10,
    ]);
}

/// The 10 bytes of a TDES KSN; AES DUKPT KSNs are refused.
fn tdes_bytes(ksn: &Ksn) -> Result<[u8; 10], DukptError> {
    match ksn {
        Ksn::Tdes(bytes) => Ok(*bytes),
        _ => Err(DukptError::AesKsn),
    }
}

const KEY_MASK_C0: [u8; 16] = [
    0xC0, 0xC0, 0xC0, 0xC0, 0, 0, 0, 0, 0xC0, 0xC0, 0xC0, 0xC0, 0, 0, 0, 0,
];
const PIN_VARIANT: [u8; 16] = [0, 0, 0, 0, 0, 0, 0, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0xFF];
const DATA_VARIANT: [u8; 16] = [0, 0, 0, 0, 0, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0, 0];

fn tdes_encrypt_block(key: &Key16, block: &mut [u8; 8]) {
    // A 16-byte key is always a valid EDE2 key; `new` cannot fail for this length.
    let cipher = TdesEde2::new(GenericArray::from_slice(key.as_bytes()));
    cipher.encrypt_block(GenericArray::from_mut_slice(block));
}

fn tdes_decrypt_block(key: &Key16, block: &mut [u8; 8]) {
    let cipher = TdesEde2::new(GenericArray::from_slice(key.as_bytes()));
    cipher.decrypt_block(GenericArray::from_mut_slice(block));
}

fn des_encrypt(key: &[u8; 8], data: [u8; 8]) -> [u8; 8] {
    let cipher = Des::new(GenericArray::from_slice(key));
    let mut block = data;
    cipher.encrypt_block(GenericArray::from_mut_slice(&mut block));
    block
}

fn xor8(a: [u8; 8], b: &[u8; 8]) -> [u8; 8] {
    let mut out = a;
    for (x, y) in out.iter_mut().zip(b) {
        *x ^= y;
    }
    out
}

/// The initial PIN encryption key (IPEK) of the device whose KSN is `ksn` under `bdk`.
///
/// # Errors
/// [`DukptError::AesKsn`] for an AES DUKPT KSN.
pub fn ipek(bdk: &Bdk, ksn: &Ksn) -> Result<Key16, DukptError> {
    let initial = tdes_bytes(&ksn.initial())?;
    let mut seed = [0u8; 8];
    seed.copy_from_slice(&initial[..8]);
    let mut left = seed;
    tdes_encrypt_block(bdk, &mut left);
    let mut right = seed;
    tdes_encrypt_block(&bdk.xor(&KEY_MASK_C0), &mut right);
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&left);
    out[8..].copy_from_slice(&right);
    Ok(Key16(out))
}

/// The non-reversible key generation process: one step of the future-key derivation.
fn non_reversible_step(key: &Key16, data: [u8; 8]) -> Key16 {
    let (left, right) = key.halves();
    let new_right = xor8(des_encrypt(&left, xor8(data, &right)), &right);
    let masked = key.xor(&KEY_MASK_C0);
    let (mleft, mright) = masked.halves();
    let new_left = xor8(des_encrypt(&mleft, xor8(data, &mright)), &mright);
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&new_left);
    out[8..].copy_from_slice(&new_right);
    Key16(out)
}

/// The transaction key (before any variant) for `ksn`, derived from the device's IPEK.
///
/// # Errors
/// [`DukptError::CounterTooManyBits`] when the counter has more than ten one-bits,
/// [`DukptError::AesKsn`] for an AES DUKPT KSN.
pub fn transaction_key(ipek: &Key16, ksn: &Ksn) -> Result<Key16, DukptError> {
    let initial = tdes_bytes(&ksn.initial())?;
    let counter = ksn.counter();
    if counter.count_ones() > 10 {
        return Err(DukptError::CounterTooManyBits(counter));
    }
    // The KSN register: the rightmost 64 bits of the KSN with the counter cleared.
    let mut register = [0u8; 8];
    register.copy_from_slice(&initial[2..]);
    let mut key = ipek.clone();
    for bit in (0..21).rev() {
        let shift = 1u32 << bit;
        if counter & shift != 0 {
            register[5] |= (shift >> 16) as u8;
            register[6] |= (shift >> 8) as u8;
            register[7] |= shift as u8;
            key = non_reversible_step(&key, register);
        }
    }
    Ok(key)
}

/// The PIN-encryption variant of a transaction key (`XOR 00000000000000FF 00000000000000FF`).
#[must_use]
pub fn pin_key(transaction_key: &Key16) -> Key16 {
    transaction_key.xor(&PIN_VARIANT)
}

/// The data-encryption key ID TECH readers use: the data variant
/// (`XOR 0000000000FF0000 0000000000FF0000`), then each half TDES-encrypted under the variant.
#[must_use]
pub fn data_key(transaction_key: &Key16) -> Key16 {
    let variant = transaction_key.xor(&DATA_VARIANT);
    let (mut left, mut right) = variant.halves();
    tdes_encrypt_block(&variant, &mut left);
    tdes_encrypt_block(&variant, &mut right);
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&left);
    out[8..].copy_from_slice(&right);
    left.zeroize();
    right.zeroize();
    Key16(out)
}

/// The data key for `ksn` under `bdk` (IPEK → transaction key → data variant).
///
/// # Errors
/// [`DukptError::CounterTooManyBits`], [`DukptError::AesKsn`].
pub fn data_key_for(bdk: &Bdk, ksn: &Ksn) -> Result<Key16, DukptError> {
    Ok(data_key(&transaction_key(&ipek(bdk, ksn)?, ksn)?))
}

/// Encrypts `plaintext` as an ID TECH reader does: data key of `ksn`, TDES-CBC, zero IV, zero
/// padding to a multiple of 8 bytes.
///
/// # Errors
/// [`DukptError::CounterTooManyBits`], [`DukptError::AesKsn`].
pub fn encrypt_data(bdk: &Bdk, ksn: &Ksn, plaintext: &[u8]) -> Result<Vec<u8>, DukptError> {
    let key = data_key_for(bdk, ksn)?;
    let mut out = plaintext.to_vec();
    let padded = out.len().div_ceil(8) * 8;
    out.resize(padded, 0);
    let mut chain = [0u8; 8];
    for chunk in out.chunks_exact_mut(8) {
        let mut block = [0u8; 8];
        block.copy_from_slice(chunk);
        block = xor8(block, &chain);
        tdes_encrypt_block(&key, &mut block);
        chunk.copy_from_slice(&block);
        chain = block;
    }
    Ok(out)
}

/// Decrypts ID TECH ciphertext (TDES-CBC, zero IV) under the data key of `ksn`; the zero padding
/// is left in place (the caller knows the clear length from the record).
///
/// # Errors
/// [`DukptError::CiphertextLength`], [`DukptError::CounterTooManyBits`] or
/// [`DukptError::AesKsn`].
pub fn decrypt_data(bdk: &Bdk, ksn: &Ksn, ciphertext: &[u8]) -> Result<Vec<u8>, DukptError> {
    if !ciphertext.len().is_multiple_of(8) {
        return Err(DukptError::CiphertextLength(ciphertext.len()));
    }
    let key = data_key_for(bdk, ksn)?;
    let mut out = Vec::with_capacity(ciphertext.len());
    let mut chain = [0u8; 8];
    for chunk in ciphertext.chunks_exact(8) {
        let mut block = [0u8; 8];
        block.copy_from_slice(chunk);
        let saved = block;
        tdes_decrypt_block(&key, &mut block);
        out.extend_from_slice(&xor8(block, &chain));
        chain = saved;
    }
    Ok(out)
}

/// Bytes from hex text (either case, surrounding whitespace ignored): the form keys, KSNs and
/// `devicedata` payloads are written in.
///
/// # Errors
/// [`DukptError::NotHex`] for a character that is not a hex digit,
/// [`DukptError::OddHexLength`] for an odd number of digits.
pub fn decode_hex(text: &str) -> Result<Vec<u8>, DukptError> {
    let text = text.trim();
    let mut out = Vec::with_capacity(text.len() / 2);
    let mut high: Option<u8> = None;
    for (offset, ch) in text.char_indices() {
        let nibble = ch.to_digit(16).ok_or(DukptError::NotHex(offset))? as u8;
        match high.take() {
            Some(h) => out.push((h << 4) | nibble),
            None => high = Some(nibble),
        }
    }
    if high.is_some() {
        return Err(DukptError::OddHexLength(text.len()));
    }
    Ok(out)
}

/// Upper-case hex (`cardpointe-emv`'s [`Hex`](cardpointe_emv::Hex) display).
#[must_use]
pub fn encode_hex(bytes: &[u8]) -> String {
    cardpointe_emv::Hex(bytes).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ksn(hex: &str) -> Ksn {
        Ksn::from_hex(hex).unwrap()
    }

    #[test]
    fn ipek_matches_the_ansi_x9_24_annex_a_vector() {
        let key = ipek(&Bdk::ANSI_TEST, &ksn("FFFF9876543210E00000")).unwrap();
        assert_eq!(key.to_hex(), "6AC292FAA1315B4D858AB3A3D7D5933A");
        // The counter bits never enter the IPEK.
        let key = ipek(&Bdk::ANSI_TEST, &ksn("FFFF9876543210E00008")).unwrap();
        assert_eq!(key.to_hex(), "6AC292FAA1315B4D858AB3A3D7D5933A");
    }

    /// PIN-variant keys published with the X9.24-1 2009 Annex A worked examples (also in the
    /// DUKPT2000 verification tables of several open-source implementations).
    #[test]
    fn pin_keys_match_the_published_per_counter_vectors() {
        let ipek = Key16::from_hex("6AC292FAA1315B4D858AB3A3D7D5933A").unwrap();
        let vectors = [
            ("FFFF9876543210E00001", "042666B49184CF5C68DE9628D0397B36"),
            ("FFFF9876543210E00002", "C46551CEF9FD244FAA9AD834130D3B38"),
            ("FFFF9876543210E00003", "0DF3D9422ACA561A47676D07AD6BAD05"),
            ("FFFF9876543210E00008", "27F66D5244FF621EAA6F6120EDEB427F"),
            ("FFFF9876543210E00015", "E161D1956A61F62DF37AFD7F9CC36965"),
            ("FFFF9876543210E10000", "2F9A0C0B46ECCBA1F8287A7A071AF54B"),
            ("FFFF9876543210EFF800", "F9CDFEBF4F5B1D61B3EC12454527E189"),
            ("FFFF9876543210EFF801", "5BEE92627E9782A3911BF619DF72CAC4"),
            ("FFFF9876543210F00000", "AA4D58DB653EC7B548C75F2F047DD24A"),
        ];
        for (k, expected) in vectors {
            let tk = transaction_key(&ipek, &ksn(k)).unwrap();
            assert_eq!(pin_key(&tk).to_hex(), expected, "KSN {k}");
        }
    }

    #[test]
    fn transaction_key_at_counter_one_matches_the_published_base_key() {
        let tk = transaction_key(
            &ipek(&Bdk::ANSI_TEST, &Ksn::ANSI_TEST_INITIAL).unwrap(),
            &ksn("FFFF9876543210E00001"),
        )
        .unwrap();
        assert_eq!(tk.to_hex(), "042666B49184CFA368DE9628D0397BC9");
    }

    #[test]
    fn data_key_at_counter_one_matches_the_published_data_request_key() {
        let key = data_key_for(&Bdk::ANSI_TEST, &ksn("FFFF9876543210E00001")).unwrap();
        assert_eq!(key.to_hex(), "448D3F076D8304036A55A3D7E0055A78");
    }

    #[test]
    fn pin_block_encrypts_to_the_published_ciphertext() {
        // Annex A: PIN block 041274EDCBA9876F under the counter-1 PIN key.
        let tk = transaction_key(
            &ipek(&Bdk::ANSI_TEST, &Ksn::ANSI_TEST_INITIAL).unwrap(),
            &ksn("FFFF9876543210E00001"),
        )
        .unwrap();
        let mut block = [0x04, 0x12, 0x74, 0xED, 0xCB, 0xA9, 0x87, 0x6F];
        tdes_encrypt_block(&pin_key(&tk), &mut block);
        assert_eq!(encode_hex(&block), "1B9C1845EB993A7A");
    }

    #[test]
    fn counters_with_more_than_ten_bits_are_refused() {
        let ipek = ipek(&Bdk::ANSI_TEST, &Ksn::ANSI_TEST_INITIAL).unwrap();
        let err = transaction_key(&ipek, &ksn("FFFF9876543210E007FF")).unwrap_err();
        assert_eq!(err, DukptError::CounterTooManyBits(0x7FF));
    }

    #[test]
    fn data_round_trips_and_is_cbc_chained() {
        let k = ksn("FFFF9876543210E00003");
        let clear = b"0123456701234567";
        let sealed = encrypt_data(&Bdk::ANSI_TEST, &k, clear).unwrap();
        // CBC: two equal plaintext blocks give different ciphertext blocks.
        assert_ne!(sealed[..8], sealed[8..16]);
        assert_eq!(decrypt_data(&Bdk::ANSI_TEST, &k, &sealed).unwrap(), clear);
        // Another counter gives another key.
        let other = encrypt_data(&Bdk::ANSI_TEST, &k.with_counter(4), clear).unwrap();
        assert_ne!(other, sealed);
    }

    #[test]
    fn aes_ksns_and_bad_hex_are_refused_with_what_was_wrong() {
        let aes = Ksn::Aes([1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 1]);
        assert_eq!(
            encrypt_data(&Bdk::ANSI_TEST, &aes, b"x").unwrap_err(),
            DukptError::AesKsn
        );
        assert_eq!(
            Key16::from_hex("0123").unwrap_err(),
            DukptError::KeyLength(2)
        );
        assert_eq!(decode_hex("ABC").unwrap_err(), DukptError::OddHexLength(3));
        assert_eq!(decode_hex("AZ").unwrap_err(), DukptError::NotHex(1));
    }

    #[test]
    fn keys_never_show_in_debug_output() {
        assert_eq!(format!("{:?}", Bdk::ANSI_TEST), "Key16(****)");
    }
}
