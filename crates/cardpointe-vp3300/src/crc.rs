//! CRC-16/CCITT-FALSE (CRC-16/IBM-3740), the checksum of every NEO 2 frame.
//!
//! Width 16, polynomial 0x1021, initial value 0xFFFF, no reflection, no final XOR; the check
//! value of ASCII `123456789` is 0x29B1 (spec section 2.3). The implementation is
//! slicing-by-32: thirty-two 256-entry tables (16 KiB) built at compile time let the inner
//! loop fold 32 input bytes per step with independent table look-ups, several times faster
//! than the classic byte-at-a-time table (see the crate README for the figures).
#![allow(
    clippy::indexing_slicing,
    reason = "u8 indices into 256-entry tables and constant indices into fixed-size arrays cannot be out of bounds"
)]

/// The generator polynomial (x^16 + x^12 + x^5 + 1), not reflected.
pub const POLYNOMIAL: u16 = 0x1021;
/// The register's initial value.
pub const INITIAL: u16 = 0xFFFF;

const SLICES: usize = 32;

/// `TABLES[k][b]`: the CRC contribution of byte `b` followed by `k` zero bytes.
static TABLES: [[u16; 256]; SLICES] = build_tables();

const fn build_tables() -> [[u16; 256]; SLICES] {
    let mut tables = [[0u16; 256]; SLICES];
    let mut b = 0;
    while b < 256 {
        let mut crc = (b as u16) << 8;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ POLYNOMIAL
            } else {
                crc << 1
            };
            bit += 1;
        }
        tables[0][b] = crc;
        b += 1;
    }
    let mut k = 1;
    while k < SLICES {
        let mut b = 0;
        while b < 256 {
            let prev = tables[k - 1][b];
            tables[k][b] = (prev << 8) ^ tables[0][(prev >> 8) as usize];
            b += 1;
        }
        k += 1;
    }
    tables
}

/// Folds one block of `N` bytes (N ≤ 32) into the register: each byte's contribution comes
/// from the table for its distance to the block's end, so the look-ups are independent.
#[inline(always)]
fn fold<const N: usize>(crc: u16, block: &[u8; N]) -> u16 {
    let [hi, lo] = crc.to_be_bytes();
    let mut x =
        TABLES[N - 1][usize::from(block[0] ^ hi)] ^ TABLES[N - 2][usize::from(block[1] ^ lo)];
    let mut i = 2;
    while i < N {
        x ^= TABLES[N - 1 - i][usize::from(block[i])];
        i += 1;
    }
    x
}

/// An incremental CRC-16/CCITT-FALSE computation.
///
/// ```
/// use cardpointe_vp3300::crc::Crc16;
/// let mut crc = Crc16::new();
/// crc.update(b"1234");
/// crc.update(b"56789");
/// assert_eq!(crc.finish(), 0x29B1);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Crc16 {
    state: u16,
}

impl Default for Crc16 {
    fn default() -> Self {
        Self::new()
    }
}

impl Crc16 {
    /// A fresh computation (register = 0xFFFF).
    #[must_use]
    pub const fn new() -> Self {
        Self { state: INITIAL }
    }

    /// Feeds `data` into the register.
    pub fn update(&mut self, data: &[u8]) {
        self.state = update(self.state, data);
    }

    /// The CRC of everything fed so far.
    #[must_use]
    pub const fn finish(self) -> u16 {
        self.state
    }
}

/// The CRC-16/CCITT-FALSE of `data`.
///
/// ```
/// assert_eq!(cardpointe_vp3300::crc::crc16(b"123456789"), 0x29B1);
/// ```
#[must_use]
pub fn crc16(data: &[u8]) -> u16 {
    update(INITIAL, data)
}

fn update(mut crc: u16, data: &[u8]) -> u16 {
    // Slicing-by-32 for the bulk, then the 0..=31 bytes left in ONE fold of exactly their
    // length (a jump to a fully unrolled fold per length): a short frame's CRC is one step of
    // independent look-ups instead of a chain of 16-, 8-, 4- and 1-byte steps.
    let mut rest = data;
    while let Some((block, tail)) = rest.split_first_chunk::<32>() {
        crc = fold(crc, block);
        rest = tail;
    }
    fold_tail(crc, rest)
}

/// Folds the last `rest.len()` < 32 bytes in one step of that exact width.
#[inline(always)]
fn fold_tail(crc: u16, rest: &[u8]) -> u16 {
    macro_rules! by_len {
        ($($n:literal)*) => {
            match rest.len() {
                0 => crc,
                1 => (crc << 8) ^ TABLES[0][usize::from((crc >> 8) as u8 ^ rest[0])],
                $($n => rest.first_chunk::<$n>().map_or(crc, |block| fold(crc, block)),)*
                // Unreachable (callers pass fewer than 32 bytes); byte at a time keeps it total.
                _ => rest.iter().fold(crc, |crc, &byte| {
                    (crc << 8) ^ TABLES[0][usize::from((crc >> 8) as u8 ^ byte)]
                }),
            }
        };
    }
    by_len!(2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The bit-at-a-time definition, as the reference the fast path must match.
    fn reference(data: &[u8]) -> u16 {
        let mut crc = INITIAL;
        for &byte in data {
            crc ^= u16::from(byte) << 8;
            for _ in 0..8 {
                crc = if crc & 0x8000 != 0 {
                    (crc << 1) ^ POLYNOMIAL
                } else {
                    crc << 1
                };
            }
        }
        crc
    }

    #[test]
    fn check_value_of_123456789_is_29b1() {
        assert_eq!(crc16(b"123456789"), 0x29B1);
        assert_eq!(reference(b"123456789"), 0x29B1);
    }

    #[test]
    fn every_tail_length_matches_the_bitwise_definition() {
        let data: [u8; 97] = core::array::from_fn(|i| (i as u8).wrapping_mul(37) ^ 0xA5);
        for len in 0..=data.len() {
            assert_eq!(crc16(&data[..len]), reference(&data[..len]), "length {len}");
        }
    }

    #[test]
    fn empty_input_leaves_the_initial_value() {
        assert_eq!(crc16(&[]), 0xFFFF);
    }

    #[test]
    fn set_poll_mode_example_of_spec_2_4_has_crc_34d7() {
        let bytes = [
            0x56, 0x69, 0x56, 0x4F, 0x74, 0x65, 0x63, 0x68, 0x32, 0x00, 0x01, 0x01, 0x00, 0x01,
            0x01,
        ];
        assert_eq!(crc16(&bytes), 0x34D7);
    }

    proptest! {
        #[test]
        fn sliced_crc_matches_the_bitwise_definition(data in proptest::collection::vec(any::<u8>(), 0..300)) {
            prop_assert_eq!(crc16(&data), reference(&data));
        }

        #[test]
        fn incremental_crc_matches_one_shot(data in proptest::collection::vec(any::<u8>(), 0..200), cut in 0usize..200) {
            let cut = cut.min(data.len());
            let mut crc = Crc16::new();
            crc.update(&data[..cut]);
            crc.update(&data[cut..]);
            prop_assert_eq!(crc.finish(), crc16(&data));
        }
    }
}
