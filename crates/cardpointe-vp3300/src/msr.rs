//! ID TECH's enhanced encrypted MSR record (spec section 7), binary and hex-ASCII forms.
//!
//! Binary form: `STX(02) len_lo len_hi <card data> LRC checksum ETX(03)`, the length counting
//! the card data, LRC = XOR and checksum = sum mod 256 of the card-data bytes. The card data
//! is parsed field by field: encode type, track status, three track lengths, clear/masked
//! status, encrypted/hash status, optional bytes, masked tracks, encrypted tracks, session ID,
//! hashes, reader serial, KSN, MAC fields.
//!
//! Hex-ASCII (keyboard) form, as CardPointe Desktop's Augusta emits and the gateway's `track`
//! and CardSecure's `devicedata` take: every binary field is written as two uppercase hex
//! characters per byte, except the masked tracks, which are their ASCII characters; the length
//! counts the transmitted card-data characters and LRC/checksum are computed over them (spec
//! section 7; the gateway spec's sample `02A001801F37…` declares 0x01A0 = 416 characters, which
//! is exactly 14 + 55 + 35 + 2 × 156 for its fields).

use core::fmt;

use nom::Parser;
use nom::number::complete::u8 as byte;

use crate::ksn::Ksn;

/// Start of text: the first byte of a record.
pub const STX: u8 = 0x02;
/// End of text: the last byte of a record.
pub const ETX: u8 = 0x03;

/// LRC (XOR) and checksum (sum mod 256) of `data`.
#[must_use]
pub fn lrc_and_checksum(data: &[u8]) -> (u8, u8) {
    data.iter()
        .fold((0u8, 0u8), |(x, s), &b| (x ^ b, s.wrapping_add(b)))
}

/// Errors of MSR record parsing; offsets count from the record's first byte (STX).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MsrError {
    /// The record does not start with STX.
    #[error("an MSR record starts with STX (02), found {found:02X} at offset 0")]
    MissingStx {
        /// The first byte.
        found: u8,
    },
    /// The record ended before a field.
    #[error("the MSR record ends at offset {offset} but its {field} needs {needed} more bytes")]
    Truncated {
        /// Where the field starts.
        offset: usize,
        /// Which field.
        field: &'static str,
        /// Bytes missing.
        needed: usize,
    },
    /// The declared length disagrees with the bytes present.
    #[error(
        "the MSR record declares {declared} card-data bytes but {actual} sit between the length and the LRC"
    )]
    LengthMismatch {
        /// The length field.
        declared: usize,
        /// What the record holds.
        actual: usize,
    },
    /// The byte after the checksum is not ETX.
    #[error("the MSR record ends with {found:02X} at offset {offset}, expected ETX (03)")]
    MissingEtx {
        /// Where ETX was expected.
        offset: usize,
        /// What was there.
        found: u8,
    },
    /// The LRC does not match the card data.
    #[error(
        "MSR record LRC mismatch: the card data XORs to {computed:02X}, the record says {found:02X}"
    )]
    BadLrc {
        /// XOR of the card data.
        computed: u8,
        /// The record's LRC byte.
        found: u8,
    },
    /// The checksum does not match the card data.
    #[error(
        "MSR record checksum mismatch: the card data sums to {computed:02X}, the record says {found:02X}"
    )]
    BadChecksum {
        /// Sum of the card data.
        computed: u8,
        /// The record's checksum byte.
        found: u8,
    },
    /// An "original" (non-enhanced) format record.
    #[error(
        "card encode type {encode_type:02X} is ID TECH's original format; only the enhanced format (8x) is supported"
    )]
    UnsupportedFormat {
        /// Byte 3 of the record.
        encode_type: u8,
    },
    /// The hex-ASCII form would be longer than its 16-bit length field can count.
    #[error("the hex-ASCII form of this record would be {len} characters, more than 65535")]
    TooLong {
        /// Characters of card data.
        len: usize,
    },
    /// A hex-ASCII record has a character that is not a hex digit where hex is expected.
    #[error("the hex-ASCII MSR record has a non-hex character at offset {offset}")]
    BadHex {
        /// Character offset.
        offset: usize,
    },
}

/// Byte 3: how the card was encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CardEncodeType {
    /// `80`: ISO/ABA (payment cards).
    IsoAba,
    /// `81`: AAMVA (driver licences).
    Aamva,
    /// `83`: other.
    Other,
    /// `84`: raw/undecoded; no masked data, all tracks encrypted as one block.
    Raw,
    /// `85`: JIS II on NEO 2 readers (a test script's reading; manual entry on SREDKey).
    JisII,
    /// Any other enhanced (8x) value, kept verbatim.
    Unknown(u8),
}

impl CardEncodeType {
    /// The type for byte 3.
    #[must_use]
    pub const fn from_byte(byte: u8) -> Self {
        match byte {
            0x80 => Self::IsoAba,
            0x81 => Self::Aamva,
            0x83 => Self::Other,
            0x84 => Self::Raw,
            0x85 => Self::JisII,
            other => Self::Unknown(other),
        }
    }

    /// The byte.
    #[must_use]
    pub const fn byte(self) -> u8 {
        match self {
            Self::IsoAba => 0x80,
            Self::Aamva => 0x81,
            Self::Other => 0x83,
            Self::Raw => 0x84,
            Self::JisII => 0x85,
            Self::Unknown(b) => b,
        }
    }
}

/// A byte of flags with named bits.
macro_rules! flags {
    ($(#[$m:meta])* $name:ident { $($(#[$fm:meta])* $f:ident = $bit:expr;)* }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
        #[non_exhaustive]
        pub struct $name(pub u8);
        impl $name {
            $($(#[$fm])* #[must_use] pub const fn $f(self) -> bool { self.0 & (1 << $bit) != 0 })*
        }
    };
}

flags! {
    /// Byte 4: track status.
    TrackStatus {
        /// Track 1 decoded.
        track1_decoded = 0;
        /// Track 2 decoded.
        track2_decoded = 1;
        /// Track 3 decoded.
        track3_decoded = 2;
        /// Track 1 sampling data present.
        track1_sampled = 3;
        /// Track 2 sampling data present.
        track2_sampled = 4;
        /// Track 3 sampling data present.
        track3_sampled = 5;
        /// Field 10 (optional bytes) present.
        optional_present = 6;
    }
}

flags! {
    /// Byte 8: clear/masked data sent status.
    ClearStatus {
        /// Track 1 clear/masked data included.
        track1_included = 0;
        /// Track 2 clear/masked data included.
        track2_included = 1;
        /// Track 3 clear/masked data included.
        track3_included = 2;
        /// Fixed key (else DUKPT).
        fixed_key = 3;
        /// AES (else TDES).
        aes = 4;
        /// The card has a chip (service code 2xx/6xx), newer firmware.
        chip_card = 5;
        /// PIN key variant (else data key).
        pin_key = 6;
        /// Reader serial number included.
        serial_included = 7;
    }
}

flags! {
    /// Byte 9: encrypted/hash data sent status.
    EncryptedStatus {
        /// Track 1 encrypted data present.
        track1_encrypted = 0;
        /// Track 2 encrypted data present.
        track2_encrypted = 1;
        /// Track 3 encrypted data present.
        track3_encrypted = 2;
        /// Track 1 hash present.
        track1_hash = 3;
        /// Track 2 hash present.
        track2_hash = 4;
        /// Track 3 hash present.
        track3_hash = 5;
        /// Session ID present.
        session_id = 6;
        /// KSN present.
        ksn = 7;
    }
}

/// A parsed enhanced MSR record, borrowing from its input.
///
/// `Debug` shows lengths and flags only; the masked tracks may be clear when the reader's
/// encryption is off, so they are never printed.
///
/// ```
/// use cardpointe_vp3300::MsrRecord;
/// let mut card = vec![0x80, 0x02, 0x00, 0x05, 0x00, 0x02, 0x00];
/// card.extend_from_slice(b";1=2?");
/// let record = MsrRecord::build(&card);
/// let parsed = MsrRecord::parse(&record)?;
/// assert_eq!(parsed.masked_tracks[1], b";1=2?");
/// # Ok::<(), cardpointe_vp3300::MsrError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct MsrRecord<'a> {
    /// Byte 3.
    pub encode_type: CardEncodeType,
    /// Byte 4.
    pub track_status: TrackStatus,
    /// Bytes 5..7: the clear/masked track lengths.
    pub track_lengths: [u8; 3],
    /// Byte 8.
    pub clear_status: ClearStatus,
    /// Byte 9.
    pub encrypted_status: EncryptedStatus,
    /// Field 11: optional status bytes (empty unless the track status says present).
    pub optional: &'a [u8],
    /// Fields 12..14: masked (or clear) tracks, ASCII with sentinels; empty when absent.
    pub masked_tracks: [&'a [u8]; 3],
    /// Fields 15..17: encrypted tracks (for encode type 84, one block in slot 0).
    pub encrypted_tracks: [&'a [u8]; 3],
    /// Field 18.
    pub session_id: Option<&'a [u8]>,
    /// Fields 19..21: hashes (20 bytes, or 32 for SHA-256).
    pub hashes: [Option<&'a [u8]>; 3],
    /// Field 22: reader serial number (10 bytes ASCII).
    pub serial: Option<&'a [u8]>,
    /// Field 23.
    pub ksn: Option<Ksn>,
    /// Fields 24..26 as one slice (MAC length, MAC, MAC KSN), when optional status b5 is set.
    pub mac: Option<&'a [u8]>,
    /// Card-data bytes after the last known field (kept, not rejected: newer firmware).
    pub trailing: &'a [u8],
}

impl fmt::Debug for MsrRecord<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MsrRecord")
            .field("encode_type", &self.encode_type)
            .field("track_status", &self.track_status)
            .field("track_lengths", &self.track_lengths)
            .field("clear_status", &self.clear_status)
            .field("encrypted_status", &self.encrypted_status)
            .field("encrypted_lengths", &self.encrypted_tracks.map(<[u8]>::len))
            .field("ksn", &self.ksn)
            .finish_non_exhaustive()
    }
}

/// Walks card data, reporting offsets relative to the record start.
struct Cursor<'a> {
    rest: &'a [u8],
    offset: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], MsrError> {
        let Some((head, rest)) = self.rest.split_at_checked(n) else {
            return Err(MsrError::Truncated {
                offset: self.offset,
                field,
                needed: n - self.rest.len(),
            });
        };
        self.rest = rest;
        self.offset += n;
        Ok(head)
    }

    fn take_if(
        &mut self,
        present: bool,
        n: usize,
        field: &'static str,
    ) -> Result<Option<&'a [u8]>, MsrError> {
        if present {
            self.take(n, field).map(Some)
        } else {
            Ok(None)
        }
    }
}

/// The fixed fields 3..9.
type Fixed = (u8, u8, u8, u8, u8, u8, u8);

fn fixed_fields(input: &[u8]) -> nom::IResult<&[u8], Fixed> {
    (byte, byte, byte, byte, byte, byte, byte).parse(input)
}

const fn round_up(len: usize, block: usize) -> usize {
    len.div_ceil(block) * block
}

impl<'a> MsrRecord<'a> {
    /// Parses a binary record, verifying length, LRC, checksum and ETX.
    ///
    /// # Errors
    /// An [`MsrError`] naming the field and offset that failed.
    pub fn parse(record: &'a [u8]) -> Result<Self, MsrError> {
        let card = envelope(record, |card| Ok(lrc_and_checksum(card)))?;
        Self::parse_card_data(card, 3)
    }

    /// Parses the card data (fields 3..26) alone; `base` is its offset in the record.
    ///
    /// # Errors
    /// An [`MsrError`] naming the field and offset that failed.
    pub fn parse_card_data(card: &'a [u8], base: usize) -> Result<Self, MsrError> {
        let (rest, (encode, track_status, l1, l2, l3, clear, enc)) =
            fixed_fields(card).map_err(|_| MsrError::Truncated {
                offset: base,
                field: "fixed fields 3..9",
                needed: 7usize.saturating_sub(card.len()),
            })?;
        if encode & 0x80 == 0 {
            return Err(MsrError::UnsupportedFormat {
                encode_type: encode,
            });
        }
        let mut c = Cursor {
            rest,
            offset: base + 7,
        };
        let encode_type = CardEncodeType::from_byte(encode);
        let track_status = TrackStatus(track_status);
        let clear_status = ClearStatus(clear);
        let encrypted_status = EncryptedStatus(enc);
        let track_lengths = [l1, l2, l3];
        let optional = if track_status.optional_present() {
            let n = c.take(1, "optional bytes length")?;
            c.take(
                usize::from(n.first().copied().unwrap_or(0)),
                "optional bytes",
            )?
        } else {
            &[]
        };
        let opt0 = optional.first().copied().unwrap_or(0);
        let raw = encode_type == CardEncodeType::Raw;
        let mut masked_tracks: [&[u8]; 3] = [&[], &[], &[]];
        if !raw {
            for (i, (slot, &len)) in masked_tracks.iter_mut().zip(&track_lengths).enumerate() {
                if clear & (1 << i) != 0 {
                    *slot = c.take(usize::from(len), "masked track")?;
                }
            }
        }
        let block = if clear_status.aes() { 16 } else { 8 };
        let mut encrypted_tracks: [&[u8]; 3] = [&[], &[], &[]];
        if raw {
            // Encode type 84: all tracks encrypted as one block. Its size is not documented;
            // we take the sum of the track lengths rounded up to the block (one choice, here).
            if enc & 0x07 != 0 {
                let total = track_lengths.iter().map(|&l| usize::from(l)).sum();
                encrypted_tracks[0] = c.take(round_up(total, block), "encrypted tracks")?;
            }
        } else {
            for (i, (slot, &len)) in encrypted_tracks.iter_mut().zip(&track_lengths).enumerate() {
                if enc & (1 << i) != 0 {
                    let n = round_up(usize::from(len), block);
                    *slot = c.take(n, "encrypted track")?;
                }
            }
        }
        let session_id = c.take_if(encrypted_status.session_id(), 8, "session ID")?;
        let hash_len = if opt0 & 0x01 != 0 { 32 } else { 20 };
        let mut hashes = [None; 3];
        for (i, slot) in hashes.iter_mut().enumerate() {
            *slot = c.take_if(enc & (1 << (3 + i)) != 0, hash_len, "track hash")?;
        }
        let serial = c.take_if(clear_status.serial_included(), 10, "reader serial number")?;
        let mac_present = opt0 & 0x20 != 0;
        // The KSN is 10 bytes; an AES-mode record whose remaining bytes are exactly 12 carries
        // an AES DUKPT KSN (the spec's table says 10; ID TECH's scripts use 12 for AES).
        let ksn_len = if clear_status.aes() && !mac_present && c.rest.len() == 12 {
            12
        } else {
            10
        };
        let ksn = match c.take_if(encrypted_status.ksn(), ksn_len, "KSN")? {
            Some(bytes) => Ksn::parse(bytes).ok(),
            None => None,
        };
        // Fields 24..26 are not laid out byte by byte in any source we have: we read a 1-byte
        // MAC length, the MAC, then a 10-byte MAC KSN, and keep them as one slice.
        let mac = if mac_present {
            let start = c.offset;
            let len = c.take(1, "MAC length")?;
            let n = usize::from(len.first().copied().unwrap_or(0));
            let _ = c.take(n + 10, "MAC and MAC KSN")?;
            card.get(start - base..c.offset - base)
        } else {
            None
        };
        Ok(Self {
            encode_type,
            track_status,
            track_lengths,
            clear_status,
            encrypted_status,
            optional,
            masked_tracks,
            encrypted_tracks,
            session_id,
            hashes,
            serial,
            ksn,
            mac,
            trailing: c.rest,
        })
    }
}

/// Checks STX, length, LRC, checksum and ETX, returning the card data.
fn envelope(
    record: &[u8],
    sums: impl Fn(&[u8]) -> Result<(u8, u8), MsrError>,
) -> Result<&[u8], MsrError> {
    let Some((&first, rest)) = record.split_first() else {
        return Err(MsrError::Truncated {
            offset: 0,
            field: "STX",
            needed: 1,
        });
    };
    if first != STX {
        return Err(MsrError::MissingStx { found: first });
    }
    let Some((&[lo, hi], rest)) = rest.split_first_chunk::<2>() else {
        return Err(MsrError::Truncated {
            offset: 1,
            field: "length",
            needed: 3 - record.len(),
        });
    };
    let declared = usize::from(u16::from_le_bytes([lo, hi]));
    let Some((card, &[lrc, checksum, etx])) = rest.split_last_chunk::<3>() else {
        return Err(MsrError::Truncated {
            offset: 3,
            field: "LRC, checksum and ETX",
            needed: 3 - rest.len(),
        });
    };
    if etx != ETX {
        return Err(MsrError::MissingEtx {
            offset: record.len() - 1,
            found: etx,
        });
    }
    if card.len() != declared {
        return Err(MsrError::LengthMismatch {
            declared,
            actual: card.len(),
        });
    }
    let (computed_lrc, computed_sum) = sums(card)?;
    if computed_lrc != lrc {
        return Err(MsrError::BadLrc {
            computed: computed_lrc,
            found: lrc,
        });
    }
    if computed_sum != checksum {
        return Err(MsrError::BadChecksum {
            computed: computed_sum,
            found: checksum,
        });
    }
    Ok(card)
}

#[cfg(feature = "alloc")]
pub use owned::MsrRecordBuf;

#[cfg(feature = "alloc")]
mod owned {
    use alloc::string::String;
    use alloc::vec::Vec;
    use core::fmt;

    use zeroize::Zeroizing;

    use super::{ETX, MsrError, MsrRecord, STX, envelope, lrc_and_checksum};

    const HEX: &[u8; 16] = b"0123456789ABCDEF";

    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }

    /// Decodes `n` bytes of hex from `text` at `*pos` into `out`.
    fn unhex(text: &[u8], pos: &mut usize, n: usize, out: &mut Vec<u8>) -> Result<(), MsrError> {
        for _ in 0..n {
            let start = *pos;
            let (Some(&h), Some(&l)) = (text.get(start), text.get(start + 1)) else {
                return Err(MsrError::Truncated {
                    offset: start,
                    field: "hex field",
                    needed: 2,
                });
            };
            let (Some(h), Some(l)) = (nibble(h), nibble(l)) else {
                return Err(MsrError::BadHex { offset: start });
            };
            out.push((h << 4) | l);
            *pos += 2;
        }
        Ok(())
    }

    fn push_hex(out: &mut Vec<u8>, bytes: &[u8]) {
        for &b in bytes {
            let [hi, lo] =
                [b >> 4, b & 0x0F].map(|n| HEX.get(usize::from(n)).copied().unwrap_or(b'0'));
            out.push(hi);
            out.push(lo);
        }
    }

    /// An MSR record's binary card data, owned and zeroed on drop.
    ///
    /// Holds records decoded from the hex-ASCII (keyboard) form, and produces that form for
    /// CardSecure from a binary record.
    #[derive(Clone, PartialEq, Eq)]
    pub struct MsrRecordBuf {
        card: Zeroizing<Vec<u8>>,
    }

    impl fmt::Debug for MsrRecordBuf {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self.record() {
                Ok(record) => record.fmt(f),
                Err(_) => f.write_str("MsrRecordBuf(..)"),
            }
        }
    }

    impl MsrRecordBuf {
        /// Copies the card data of a verified binary record.
        ///
        /// # Errors
        /// As [`MsrRecord::parse`].
        pub fn from_binary(record: &[u8]) -> Result<Self, MsrError> {
            let card = envelope(record, |card| Ok(lrc_and_checksum(card)))?;
            MsrRecord::parse_card_data(card, 3)?;
            Ok(Self {
                card: Zeroizing::new(card.to_vec()),
            })
        }

        /// Parses the hex-ASCII (keyboard) form: hex fields, ASCII masked tracks; length, LRC
        /// and checksum over the transmitted characters.
        ///
        /// # Errors
        /// As [`MsrRecord::parse`], plus [`MsrError::BadHex`]; offsets count characters.
        pub fn from_hex_ascii(text: &[u8]) -> Result<Self, MsrError> {
            let mut head = Vec::with_capacity(3);
            let mut pos = 0;
            unhex(text, &mut pos, 3, &mut head)?;
            let mut tail = Vec::with_capacity(3);
            let mut tail_pos = text.len().saturating_sub(6).max(pos);
            unhex(text, &mut tail_pos, 3, &mut tail)?;
            let mut record = head;
            record.extend_from_slice(
                text.get(6..text.len().saturating_sub(6))
                    .unwrap_or_default(),
            );
            record.extend_from_slice(&tail);
            let record = Zeroizing::new(record);
            let chars = envelope(&record, |chars| Ok(lrc_and_checksum(chars)))?;
            // Rebuild the binary card data: hex up to the masked tracks, ASCII tracks, hex rest.
            let mut card = Zeroizing::new(Vec::with_capacity(chars.len() / 2 + 8));
            let mut pos = 0;
            unhex(chars, &mut pos, 7, &mut card)?;
            let at = |i: usize| card.get(i).copied().unwrap_or(0);
            let (track_status, clear, encode) = (at(1), at(5), at(0));
            let lengths = [at(2), at(3), at(4)];
            if track_status & 0x40 != 0 {
                unhex(chars, &mut pos, 1, &mut card)?;
                let n = usize::from(card.last().copied().unwrap_or(0));
                unhex(chars, &mut pos, n, &mut card)?;
            }
            if encode != 0x84 {
                for (i, &len) in lengths.iter().enumerate() {
                    if clear & (1 << i) != 0 {
                        let len = usize::from(len);
                        let Some(track) = chars.get(pos..pos + len) else {
                            return Err(MsrError::Truncated {
                                offset: pos + 6,
                                field: "masked track",
                                needed: pos + len - chars.len(),
                            });
                        };
                        card.extend_from_slice(track);
                        pos += len;
                    }
                }
            }
            let rest = chars.get(pos..).unwrap_or_default();
            if rest.len() % 2 != 0 {
                return Err(MsrError::BadHex {
                    offset: 6 + chars.len() - 1,
                });
            }
            let mut hex_pos = 0;
            unhex(rest, &mut hex_pos, rest.len() / 2, &mut card).map_err(|e| match e {
                MsrError::BadHex { offset } => MsrError::BadHex {
                    offset: offset + pos + 6,
                },
                other => other,
            })?;
            MsrRecord::parse_card_data(&card, 3)?;
            Ok(Self { card })
        }

        /// The parsed record.
        ///
        /// # Errors
        /// Never for a value built by this type's constructors (they verify); kept fallible so
        /// no path can panic.
        pub fn record(&self) -> Result<MsrRecord<'_>, MsrError> {
            MsrRecord::parse_card_data(&self.card, 3)
        }

        /// The binary record: STX, length, card data, LRC, checksum, ETX.
        #[must_use]
        pub fn to_binary(&self) -> Zeroizing<Vec<u8>> {
            MsrRecord::build(&self.card)
        }

        /// The hex-ASCII (keyboard) form: the string CardSecure's `devicedata` takes.
        ///
        /// # Errors
        /// [`MsrError::TooLong`] when the form would exceed the 65535 characters its length
        /// field can count.
        pub fn to_hex_ascii(&self) -> Result<Zeroizing<String>, MsrError> {
            let record = self.record()?;
            let mut chars = Zeroizing::new(Vec::with_capacity(self.card.len() * 2));
            let fixed = self.card.get(..7).unwrap_or_default();
            push_hex(&mut chars, fixed);
            let mut consumed = 7;
            if record.track_status.optional_present() {
                let n = u8::try_from(record.optional.len()).unwrap_or(u8::MAX);
                push_hex(&mut chars, &[n]);
                push_hex(&mut chars, record.optional);
                consumed += 1 + record.optional.len();
            }
            for track in record.masked_tracks {
                chars.extend_from_slice(track);
                consumed += track.len();
            }
            push_hex(&mut chars, self.card.get(consumed..).unwrap_or_default());
            let Ok(len) = u16::try_from(chars.len()) else {
                return Err(MsrError::TooLong { len: chars.len() });
            };
            let (lrc, sum) = lrc_and_checksum(&chars);
            let mut out = Zeroizing::new(Vec::with_capacity(chars.len() + 12));
            push_hex(&mut out, &[STX]);
            push_hex(&mut out, &len.to_le_bytes());
            out.extend_from_slice(&chars);
            push_hex(&mut out, &[lrc, sum, ETX]);
            // Hex digits are ASCII; track bytes map one to one onto chars (Latin-1), so a
            // record with non-ASCII track bytes does not survive the text form byte for byte.
            let text: String = out.iter().map(|&b| char::from(b)).collect();
            Ok(Zeroizing::new(text))
        }
    }

    impl MsrRecord<'_> {
        /// Wraps card data in STX, little-endian length, LRC, checksum and ETX (for
        /// simulators and tests; the length saturates at 65535).
        #[must_use]
        pub fn build(card: &[u8]) -> Zeroizing<Vec<u8>> {
            let (lrc, sum) = lrc_and_checksum(card);
            let len = u16::try_from(card.len()).unwrap_or(u16::MAX);
            let mut out = Zeroizing::new(Vec::with_capacity(card.len() + 6));
            out.push(STX);
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(card);
            out.extend_from_slice(&[lrc, sum, ETX]);
            out
        }
    }
}
