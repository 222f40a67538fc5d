//! Inputs for the TLV bench (`benches/tlv.rs`): a realistic EMV transaction result, an ID TECH
//! result record (nested proprietary templates, two- and three-byte tags, `81`/`82` lengths),
//! and the larger shapes built from them. All plain BER (no ID TECH quirk tags, no padding), so
//! every parser in the comparison reads the same bytes.

use cardpointe_emv::{EncodeError, Encoder, Tag, encode_header};

fn t(v: u32) -> Tag {
    Tag::new(v)
}

/// A ~300-byte contactless transaction result as a reader returns it: the FCI of the
/// selected application (`6F` > `A5` > `BF0C`), the card's GENERATE AC response data in a
/// format-2 template (`77`), the terminal's data, and an ID TECH group (`FFEE01`).
///
/// # Errors
/// Never in practice (the values are small); kept as a `Result` because encoding is fallible.
pub fn transaction_record() -> Result<Vec<u8>, EncodeError> {
    let mut e = Encoder::new();
    e.constructed(t(0x6F), |e| {
        e.primitive(t(0x84), &[0xA0, 0x00, 0x00, 0x00, 0x03, 0x10, 0x10])?;
        e.constructed(t(0xA5), |e| {
            e.primitive(t(0x50), b"VISA CREDIT")?;
            e.primitive(t(0x87), &[0x01])?;
            e.primitive(
                t(0x9F38),
                &[
                    0x9F, 0x66, 0x04, 0x9F, 0x02, 0x06, 0x9F, 0x03, 0x06, 0x9F, 0x1A, 0x02, 0x95,
                    0x05, 0x5F, 0x2A, 0x02, 0x9A, 0x03, 0x9C, 0x01, 0x9F, 0x37, 0x04,
                ],
            )?;
            e.primitive(t(0x5F2D), b"enfr")?;
            e.constructed(t(0xBF0C), |e| {
                e.primitive(t(0x9F4D), &[0x0B, 0x0A])?;
                e.primitive(t(0x9F0A), &[0x00, 0x01, 0x05, 0x02, 0x00, 0x00, 0x00, 0x00])?;
                Ok(())
            })?;
            Ok(())
        })?;
        Ok(())
    })?;
    e.constructed(t(0x77), |e| {
        e.primitive(t(0x82), &[0x20, 0x00])?;
        e.primitive(t(0x94), &[0x10, 0x01, 0x01, 0x00, 0x18, 0x01, 0x02, 0x01])?;
        e.primitive(t(0x9F36), &[0x00, 0x2A])?;
        e.primitive(t(0x9F26), &[0x8A, 0x1F, 0x33, 0x4C, 0x02, 0xB7, 0x19, 0xE4])?;
        e.primitive(t(0x9F27), &[0x80])?;
        e.primitive(
            t(0x9F10),
            &[
                0x06, 0x01, 0x12, 0x03, 0xA0, 0x00, 0x00, 0x0F, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00,
                0x00, 0x00, 0x00, 0x00,
            ],
        )?;
        e.primitive(
            t(0x57),
            &[
                0x47, 0x61, 0x73, 0x90, 0x01, 0x01, 0x01, 0x19, 0xD2, 0x81, 0x22, 0x01, 0x00, 0x00,
                0x00, 0x00, 0x00, 0x00, 0x1F,
            ],
        )?;
        e.primitive(t(0x5F20), b"CARDHOLDER/VISA")?;
        e.primitive(t(0x5A), &[0x47, 0x61, 0x73, 0x90, 0x01, 0x01, 0x01, 0x19])?;
        e.primitive(t(0x5F24), &[0x28, 0x12, 0x31])?;
        e.primitive(t(0x5F34), &[0x01])?;
        e.primitive(t(0x9F6C), &[0x00, 0x00])?;
        e.primitive(t(0x9F6E), &[0x20, 0x70, 0x00, 0x00])?;
        Ok(())
    })?;
    e.primitive(t(0x9F02), &[0x00, 0x00, 0x00, 0x00, 0x12, 0x34])?;
    e.primitive(t(0x9F03), &[0x00; 6])?;
    e.primitive(t(0x9F1A), &[0x08, 0x40])?;
    e.primitive(t(0x95), &[0x00, 0x00, 0x00, 0x80, 0x00])?;
    e.primitive(t(0x5F2A), &[0x08, 0x40])?;
    e.primitive(t(0x9A), &[0x26, 0x11, 0x25])?;
    e.primitive(t(0x9C), &[0x00])?;
    e.primitive(t(0x9F37), &[0x11, 0x22, 0x33, 0x44])?;
    e.primitive(t(0x9F33), &[0xE0, 0xF8, 0xC8])?;
    e.primitive(t(0x9F34), &[0x1F, 0x03, 0x02])?;
    e.primitive(t(0x9F35), &[0x22])?;
    e.primitive(t(0x9F40), &[0x60, 0x00, 0xF0, 0xB0, 0x01])?;
    e.primitive(t(0x9B), &[0xE8, 0x00])?;
    e.primitive(t(0x9F21), &[0x14, 0x05, 0x09])?;
    e.primitive(t(0x9F1E), b"12345678")?;
    e.primitive(t(0x9F09), &[0x00, 0x8C])?;
    e.primitive(t(0x9F41), &[0x00, 0x00, 0x00, 0x17])?;
    e.primitive(t(0x8A), b"00")?;
    e.primitive(t(0xDFEE25), &[0x00, 0x02])?;
    e.constructed(t(0xFFEE01), |e| {
        e.primitive(t(0xDFEE30), &[0x00])?;
        Ok(())
    })?;
    Ok(e.into_bytes())
}

/// A deterministic stand-in for ciphertext and MACs (no RNG dependency).
fn filler(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(151).wrapping_add(seed))
        .collect()
}

/// A 334-byte ID TECH transaction result as a VP3300 returns it (the `DFEE23`-style record):
/// the proprietary template `FFEE01` (an `82` length) holding the KSN `DFEE12`, the encrypted
/// sensitive data `DFEF4D` (an `81` length) and the nested template `FFEE02` (an `81` length)
/// with the card's and the terminal's data, then the outcome tags beside it. Most tags have two
/// or three bytes.
///
/// # Errors
/// Never in practice (the values are small); kept as a `Result` because encoding is fallible.
pub fn id_tech_record() -> Result<Vec<u8>, EncodeError> {
    let mut e = Encoder::new();
    e.constructed(t(0xFFEE01), |e| {
        e.primitive(t(0xDFEE30), &[0x01])?;
        e.primitive(t(0xDFEE12), &filler(10, 0x62))?;
        e.primitive(t(0xDFEF4D), &filler(136, 0x11))?;
        e.primitive(t(0xDFEF4C), &[0x00, 0x13, 0x00, 0x00, 0x00, 0x00])?;
        e.constructed(t(0xFFEE02), |e| {
            e.primitive(t(0x9F39), &[0x07])?;
            e.primitive(t(0xDFEE26), &[0x21, 0x00])?;
            e.primitive(
                t(0xDF8129),
                &[0x10, 0xF0, 0xF0, 0x00, 0xB0, 0xF0, 0xFF, 0x00],
            )?;
            e.primitive(t(0x9F06), &[0xA0, 0x00, 0x00, 0x00, 0x03, 0x10, 0x10])?;
            e.primitive(t(0x5F2A), &[0x08, 0x40])?;
            e.primitive(t(0x9F02), &[0x00, 0x00, 0x00, 0x00, 0x12, 0x34])?;
            e.primitive(t(0x9F03), &[0x00; 6])?;
            e.primitive(t(0x9F1A), &[0x08, 0x40])?;
            e.primitive(t(0x9F36), &[0x00, 0x2A])?;
            e.primitive(t(0x9F26), &filler(8, 0x8A))?;
            e.primitive(t(0x9F27), &[0x80])?;
            e.primitive(t(0x9F10), &filler(18, 0x06))?;
            e.primitive(t(0x9F37), &[0x11, 0x22, 0x33, 0x44])?;
            e.primitive(t(0x9F6E), &[0x20, 0x70, 0x00, 0x00])?;
            e.primitive(t(0xDFEE2D), &[0x00, 0x00, 0x00, 0x00, 0x01])?;
            e.primitive(
                t(0xDFEF5B),
                &[0x47, 0x61, 0x73, 0xCC, 0xCC, 0xCC, 0x00, 0x19],
            )?;
            Ok(())
        })?;
        Ok(())
    })?;
    e.primitive(t(0xDFEE25), &[0x00, 0x02])?;
    e.primitive(t(0xDF8101), &[0x01])?;
    e.primitive(t(0x9F33), &[0xE0, 0xF8, 0xC8])?;
    Ok(e.into_bytes())
}

/// Records from [`transaction_record`] back to back, up to `size` bytes (whole records).
///
/// # Errors
/// As [`transaction_record`].
pub fn concatenated(size: usize) -> Result<Vec<u8>, EncodeError> {
    Ok(repeated(&transaction_record()?, size))
}

/// Records from [`id_tech_record`] back to back, up to `size` bytes (whole records).
///
/// # Errors
/// As [`id_tech_record`].
pub fn id_tech_concatenated(size: usize) -> Result<Vec<u8>, EncodeError> {
    Ok(repeated(&id_tech_record()?, size))
}

/// `record` back to back, up to `size` bytes (whole records).
fn repeated(record: &[u8], size: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(size);
    while out.len() + record.len() <= size {
        out.extend_from_slice(record);
    }
    out
}

/// One constructed object (`E1`) holding `children` three-byte primitives (`9C 01 nn`).
///
/// # Errors
/// When the value would not fit four length bytes.
pub fn wide(children: usize) -> Result<Vec<u8>, EncodeError> {
    let mut e = Encoder::new();
    e.constructed(t(0xE1), |e| {
        for i in 0..children {
            e.primitive(t(0x9C), &[(i % 251) as u8])?;
        }
        Ok(())
    })?;
    Ok(e.into_bytes())
}

/// `depth` constructed objects (`E1`) nested in one another around one primitive, built
/// inside out without recursion.
///
/// # Errors
/// When a length would not fit four length bytes.
pub fn deep(depth: usize) -> Result<Vec<u8>, EncodeError> {
    let inner = [0x9C, 0x01, 0x00];
    // Headers from the innermost level out, each enclosing everything inside it.
    let mut headers = Vec::with_capacity(depth);
    let mut size = inner.len();
    for _ in 0..depth {
        let (h, n) = encode_header(t(0xE1), size)?;
        size += n;
        headers.push((h, n));
    }
    let mut out = Vec::with_capacity(size);
    for (h, n) in headers.iter().rev() {
        out.extend_from_slice(&h[..*n]);
    }
    out.extend_from_slice(&inner);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_tech_record_has_the_shapes_the_bench_is_for() {
        let r = id_tech_record().unwrap();
        assert_eq!(r.len(), 334);
        // FFEE01 with an 82 length; DFEF4D and FFEE02 with 81 lengths.
        assert_eq!(r[..4], [0xFF, 0xEE, 0x01, 0x82]);
        let at = |tag: &[u8]| r.windows(tag.len()).position(|w| w == tag).unwrap();
        assert_eq!(r[at(&[0xDF, 0xEF, 0x4D]) + 3], 0x81);
        assert_eq!(r[at(&[0xFF, 0xEE, 0x02]) + 3], 0x81);
        let walked: Vec<_> = cardpointe_emv::Walker::new(&r, cardpointe_emv::Options::id_tech())
            .map(|v| v.map(|v| (v.tlv.tag().value(), v.depth)))
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(walked.contains(&(0xFFEE02, 1)) && walked.contains(&(0xDFEE2D, 2)));
        assert!(walked.iter().all(|(tag, _)| *tag > 0xFF), "{walked:X?}");
    }

    #[test]
    fn concatenations_hold_whole_records_only() {
        let one = id_tech_record().unwrap();
        let many = id_tech_concatenated(64 * 1024).unwrap();
        assert_eq!(many.len(), (64 * 1024 / one.len()) * one.len());
        assert_eq!(&many[..one.len()], &one[..]);
    }
}
