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

/// A KSN of a length that is neither 10 nor 12 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a KSN is 10 bytes (TDES DUKPT) or 12 bytes (AES DUKPT), not {len}")]
#[non_exhaustive]
pub struct KsnError {
    /// The length received.
    pub len: usize,
}

impl Ksn {
    /// A KSN from its 10- or 12-byte form.
    ///
    /// # Errors
    /// [`KsnError`] for any other length.
    pub fn parse(bytes: &[u8]) -> Result<Self, KsnError> {
        let err = KsnError { len: bytes.len() };
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

    /// The KSN with its counter cleared: the initial KSN of the device.
    #[must_use]
    pub fn initial(&self) -> Self {
        match *self {
            Self::Tdes(mut b) => {
                b[7] &= 0xE0;
                b[8] = 0;
                b[9] = 0;
                Self::Tdes(b)
            }
            Self::Aes(mut b) => {
                b[8..].fill(0);
                Self::Aes(b)
            }
        }
    }

    /// True for the AES DUKPT form.
    #[must_use]
    pub const fn is_aes(&self) -> bool {
        matches!(self, Self::Aes(_))
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
        assert_eq!(Ksn::parse(&[0; 11]), Err(KsnError { len: 11 }));
        assert_eq!(Ksn::parse(&[]), Err(KsnError { len: 0 }));
    }
}
