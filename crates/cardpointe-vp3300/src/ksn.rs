//! The DUKPT key serial number (KSN): 10 bytes for TDES DUKPT, 12 for AES DUKPT (spec section 6).

use core::fmt;

use nom::Parser;
use nom::bytes::complete::take;
use nom::combinator::{all_consuming, map_res};

/// A key serial number as the reader returns it (tag `DFEE12`, the MSR record's field 23).
///
/// ```
/// use cardpointe_vp3300::Ksn;
/// let ksn = Ksn::parse(&[0xFF, 0xFF, 0x98, 0x76, 0x54, 0x32, 0x10, 0xE1, 0x23, 0x45])?;
/// assert_eq!(ksn.counter(), 0x012345);
/// assert_eq!(ksn.to_string(), "FFFF9876543210E12345");
/// # Ok::<(), cardpointe_vp3300::KsnError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Ksn {
    /// TDES DUKPT (ANSI X9.24-1): 59-bit initial KSN then a 21-bit transaction counter.
    Tdes([u8; 10]),
    /// AES DUKPT (X9.24-3): 4-byte BDK ID, 4-byte derivation ID, 4-byte counter.
    Aes([u8; 12]),
}

/// Why bytes or text are not a KSN.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KsnError {
    /// A length that is neither 10 nor 12 bytes.
    #[error(
        "a KSN is 10 bytes (TDES DUKPT, 20 hex digits) or 12 bytes (AES DUKPT, 24 hex digits), not {len} bytes"
    )]
    Length {
        /// The length received, in bytes (hex digits / 2, rounded up).
        len: usize,
    },
    /// Hex text with a character that is not a hex digit.
    #[error("a KSN in hex has only the digits 0-9 and A-F; offset {offset} holds something else")]
    NotHex {
        /// The byte offset of the first character that is not a hex digit.
        offset: usize,
    },
}

/// The transaction counter of a TDES KSN: the low 21 bits.
const TDES_COUNTER_MASK: u32 = 0x1F_FFFF;

impl Ksn {
    /// A KSN from its 10- or 12-byte form.
    ///
    /// # Errors
    /// [`KsnError`] for any other length.
    pub fn parse(bytes: &[u8]) -> Result<Self, KsnError> {
        let err = KsnError::Length { len: bytes.len() };
        let tdes = map_res(take(10usize), <[u8; 10]>::try_from).map(Self::Tdes);
        let aes = map_res(take(12usize), <[u8; 12]>::try_from).map(Self::Aes);
        match bytes.len() {
            10 => all_consuming(tdes)
                .parse(bytes)
                .map(|(_, k)| k)
                .map_err(|_: nom::Err<nom::error::Error<&[u8]>>| err),
            12 => all_consuming(aes)
                .parse(bytes)
                .map(|(_, k)| k)
                .map_err(|_: nom::Err<nom::error::Error<&[u8]>>| err),
            _ => Err(err),
        }
    }

    /// The ANSI X9.24-1 Annex A test initial KSN `FFFF9876543210E00000`: key set
    /// `FFFF987654` under the ANSI test BDK, counter zero.
    pub const ANSI_TEST_INITIAL: Self =
        Self::Tdes([0xFF, 0xFF, 0x98, 0x76, 0x54, 0x32, 0x10, 0xE0, 0x00, 0x00]);

    /// A KSN from 20 (TDES) or 24 (AES) hex digits, either case, surrounding whitespace ignored:
    /// the form key-management tools and reader logs print.
    ///
    /// ```
    /// use cardpointe_vp3300::Ksn;
    /// let ksn = Ksn::from_hex("629949012C000000000A")?;
    /// assert_eq!(ksn.key_set_id(), [0x62, 0x99, 0x49, 0x01, 0x2C]);
    /// assert_eq!(ksn.counter(), 10);
    /// # Ok::<(), cardpointe_vp3300::KsnError>(())
    /// ```
    ///
    /// # Errors
    /// [`KsnError::NotHex`] for a character that is not a hex digit, [`KsnError::Length`] for
    /// any other number of digits.
    pub fn from_hex(text: &str) -> Result<Self, KsnError> {
        let text = text.trim();
        let mut buf = [0u8; 12];
        let mut len = 0usize;
        let mut high: Option<u8> = None;
        for (offset, ch) in text.char_indices() {
            let nibble = ch.to_digit(16).ok_or(KsnError::NotHex { offset })?;
            // to_digit(16) is below 16: the cast keeps every bit.
            let nibble = nibble as u8;
            match high.take() {
                None => high = Some(nibble),
                Some(h) => {
                    if let Some(slot) = buf.get_mut(len) {
                        *slot = (h << 4) | nibble;
                    }
                    len += 1;
                }
            }
        }
        if high.is_some() || len > buf.len() {
            return Err(KsnError::Length {
                len: text.len().div_ceil(2),
            });
        }
        Self::parse(buf.get(..len).unwrap_or_default())
    }

    /// The bytes of the KSN.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Self::Tdes(b) => b,
            Self::Aes(b) => b,
        }
    }

    /// The transaction counter: the low 21 bits (TDES) or the last 4 bytes (AES).
    #[must_use]
    pub fn counter(&self) -> u32 {
        match self {
            Self::Tdes([.., b7, b8, b9]) => {
                (u32::from(b7 & 0x1F) << 16) | (u32::from(*b8) << 8) | u32::from(*b9)
            }
            Self::Aes([.., c0, c1, c2, c3]) => u32::from_be_bytes([*c0, *c1, *c2, *c3]),
        }
    }

    /// The same KSN with its transaction counter replaced by `counter`: the low 21 bits of it
    /// for TDES (the device-id bits above them are kept), all 32 for AES.
    ///
    /// ```
    /// use cardpointe_vp3300::Ksn;
    /// let ksn = Ksn::ANSI_TEST_INITIAL.with_counter(8);
    /// assert_eq!(ksn.to_string(), "FFFF9876543210E00008");
    /// assert_eq!(ksn.initial(), Ksn::ANSI_TEST_INITIAL);
    /// ```
    #[must_use]
    pub fn with_counter(&self, counter: u32) -> Self {
        match *self {
            Self::Tdes([b0, b1, b2, b3, b4, b5, b6, b7, _, _]) => {
                let counter = counter & TDES_COUNTER_MASK;
                let [_, c16, c8, c0] = counter.to_be_bytes();
                Self::Tdes([b0, b1, b2, b3, b4, b5, b6, (b7 & 0xE0) | c16, c8, c0])
            }
            Self::Aes([b0, b1, b2, b3, b4, b5, b6, b7, ..]) => {
                let [c0, c1, c2, c3] = counter.to_be_bytes();
                Self::Aes([b0, b1, b2, b3, b4, b5, b6, b7, c0, c1, c2, c3])
            }
        }
    }

    /// The KSN with its counter cleared: the initial KSN of the device, which its initial key
    /// (IPEK) is derived from.
    #[must_use]
    pub fn initial(&self) -> Self {
        self.with_counter(0)
    }

    /// The key-set identifier that says which base derivation key (BDK) a host needs: the first
    /// five bytes of a TDES KSN (`FFFF987654` for the ANSI test key set, `629949…` for ID
    /// TECH's demo readers), the 4-byte BDK ID of an AES KSN.
    #[must_use]
    pub fn key_set_id(&self) -> &[u8] {
        match self {
            Self::Tdes(b) => b.as_slice().get(..5).unwrap_or_default(),
            Self::Aes(b) => b.as_slice().get(..4).unwrap_or_default(),
        }
    }

    /// True for the AES DUKPT form.
    #[must_use]
    pub const fn is_aes(&self) -> bool {
        matches!(self, Self::Aes(_))
    }
}

impl core::str::FromStr for Ksn {
    type Err = KsnError;

    /// [`Ksn::from_hex`].
    fn from_str(text: &str) -> Result<Self, KsnError> {
        Self::from_hex(text)
    }
}

impl fmt::Display for Ksn {
    /// Uppercase hex, as gateways and key-management tools print KSNs (a KSN is not secret).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.as_bytes() {
            write!(f, "{b:02X}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Ksn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.is_aes() { "Aes" } else { "Tdes" };
        write!(f, "Ksn::{kind}({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn ansi_test_ksn_has_counter_8_and_the_documented_initial_ksn() {
        let ksn =
            Ksn::parse(&[0xFF, 0xFF, 0x98, 0x76, 0x54, 0x32, 0x10, 0xE0, 0x00, 0x08]).unwrap();
        assert_eq!(ksn.counter(), 8);
        assert_eq!(
            ksn.initial(),
            Ksn::Tdes([0xFF, 0xFF, 0x98, 0x76, 0x54, 0x32, 0x10, 0xE0, 0x00, 0x00])
        );
    }

    #[test]
    fn device_id_bits_of_byte_7_are_not_part_of_the_counter() {
        let ksn =
            Ksn::parse(&[0xFF, 0xFF, 0x98, 0x76, 0x54, 0x32, 0x10, 0xE1, 0x23, 0x45]).unwrap();
        assert_eq!(ksn.counter(), 0x01_2345);
        assert_eq!(ksn.initial().as_bytes()[7], 0xE0);
    }

    #[test]
    fn aes_ksn_counter_is_the_last_four_bytes() {
        let ksn = Ksn::parse(&[1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0x01, 0x02]).unwrap();
        assert!(ksn.is_aes());
        assert_eq!(ksn.counter(), 0x0102);
        assert_eq!(ksn.initial().counter(), 0);
    }

    #[test]
    fn other_lengths_are_rejected_with_the_length() {
        assert_eq!(Ksn::parse(&[0; 11]), Err(KsnError::Length { len: 11 }));
        assert_eq!(Ksn::parse(&[]), Err(KsnError::Length { len: 0 }));
    }

    #[test]
    fn hex_ksns_of_both_lengths_parse_and_bad_text_says_where() {
        assert_eq!(
            Ksn::from_hex(" ffff9876543210e00008 "),
            Ok(Ksn::ANSI_TEST_INITIAL.with_counter(8))
        );
        assert!(Ksn::from_hex("0102030405060708000000FF").unwrap().is_aes());
        assert_eq!("FFFF".parse::<Ksn>(), Err(KsnError::Length { len: 2 }));
        assert_eq!(Ksn::from_hex("FFF"), Err(KsnError::Length { len: 2 }));
        assert_eq!(
            Ksn::from_hex("00112233445566778899AABBCC"),
            Err(KsnError::Length { len: 13 })
        );
        assert_eq!(Ksn::from_hex("FFZZ"), Err(KsnError::NotHex { offset: 2 }));
    }

    #[test]
    fn with_counter_keeps_the_device_bits_and_masks_a_tdes_counter_to_21_bits() {
        let ksn = Ksn::from_hex("629949012C0000E12345").unwrap();
        assert_eq!(ksn.with_counter(0xFF_FFFF).counter(), 0x1F_FFFF);
        assert_eq!(ksn.with_counter(7).to_string(), "629949012C0000E00007");
        let aes = Ksn::Aes([1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0]);
        assert_eq!(aes.with_counter(0xDEAD_BEEF).counter(), 0xDEAD_BEEF);
    }

    #[test]
    fn key_set_id_is_five_bytes_for_tdes_and_the_bdk_id_for_aes() {
        assert_eq!(
            Ksn::ANSI_TEST_INITIAL.key_set_id(),
            [0xFF, 0xFF, 0x98, 0x76, 0x54]
        );
        let aes = Ksn::Aes([1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 9]);
        assert_eq!(aes.key_set_id(), [1, 2, 3, 4]);
    }
}
