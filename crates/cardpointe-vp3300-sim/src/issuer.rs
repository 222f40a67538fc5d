//! The emulated issuer's half of EMV issuer authentication, shared by the virtual reader (which
//! checks it) and the `cardpointe-sim` gateway (which answers it in `emv`).
//!
//! The emulated issuer holds no card keys, so instead of EMV Book 2's ARPC method 1 (a TDES MAC
//! under the card's session key) its ARPC is a stable 8-byte hash of the card's ARQC and the ARC.
//! What matters is that it belongs to the card: an ARPC made for another cryptogram or another
//! ARC fails issuer authentication in the virtual reader, as a forged one fails in a real card.

/// FNV-1a (64-bit) over `bytes`: the stable, dependency-free hash behind the virtual card's
/// cryptograms and the emulated issuer's ARPC (not a cryptographic MAC; nothing here needs one).
pub(crate) fn fnv1a(bytes: impl IntoIterator<Item = u8>) -> u64 {
    let mut state: u64 = 0xCBF2_9CE4_8422_2325;
    for byte in bytes {
        state ^= u64::from(byte);
        state = state.wrapping_mul(0x0100_0000_01B3);
    }
    state
}

/// The value of tag 91 (Issuer Authentication Data) the emulated issuer answers a card's ARQC
/// (9F26) with: an 8-byte ARPC, then the 2-byte ARC (`00` approves).
///
/// ```
/// use cardpointe_vp3300_sim::issuer_authentication;
/// let arqc = [0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0xDE, 0xF0];
/// let approve = issuer_authentication(&arqc, *b"00");
/// assert_eq!(&approve[8..], b"00");
/// // Stable for one cryptogram and ARC; another ARC or cryptogram gives another ARPC.
/// assert_eq!(approve, issuer_authentication(&arqc, *b"00"));
/// assert_ne!(approve[..8], issuer_authentication(&arqc, *b"05")[..8]);
/// assert_ne!(approve[..8], issuer_authentication(&[0; 8], *b"00")[..8]);
/// ```
#[must_use]
pub fn issuer_authentication(arqc: &[u8], arc: [u8; 2]) -> [u8; 10] {
    // The ARQC's length is hashed in, so no two (ARQC, ARC) pairs share an input.
    let len = u32::try_from(arqc.len()).unwrap_or(u32::MAX).to_be_bytes();
    let arpc = fnv1a(b"ARPC".iter().chain(&len).chain(arqc).chain(&arc).copied()).to_be_bytes();
    let mut iad = [0u8; 10];
    iad[..8].copy_from_slice(&arpc);
    iad[8..].copy_from_slice(&arc);
    iad
}
