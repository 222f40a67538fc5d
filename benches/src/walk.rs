//! The walkers the TLV bench compares that live in this crate: ours (`cardpointe-emv`, called
//! across the crate boundary as any dependent calls it), a naive recursive walker, and the
//! walk over `iso7816-tlv`'s parse that the bar is set against. They sit
//! in the library so that `examples/tlv_walk.rs` can run them under callgrind; each is a
//! non-inlined function so that its cost is one entry in the profile.

use cardpointe_emv::{Options, Walker};

/// Ours: the depth-first walker; sums tags and value lengths so nothing is optimised away.
///
/// # Panics
/// On malformed input (bench inputs are valid).
#[inline(never)]
pub fn ours(buf: &[u8], options: Options) -> usize {
    let mut acc = 0usize;
    for visit in Walker::new(buf, options) {
        let tlv = visit.expect("bench input is valid TLV").tlv;
        acc = acc.wrapping_add(tlv.tag().value() as usize ^ tlv.len());
    }
    acc
}

/// The baseline any hand-written walker must meet: the obvious recursive zero-copy walk, with
/// no depth limit (hostile nesting overflows its stack), no offsets, no typed errors and no
/// padding; it checks only that every header and value fits.
pub mod naive {
    /// `(tag, header length, value length)` of the object at the start of `buf`.
    #[inline]
    fn header(buf: &[u8]) -> Option<(u32, usize, usize)> {
        let first = *buf.first()?;
        let mut tag = u32::from(first);
        let mut i = 1;
        if first & 0x1F == 0x1F {
            loop {
                let b = *buf.get(i)?;
                i += 1;
                tag = (tag << 8) | u32::from(b);
                if b & 0x80 == 0 {
                    break;
                }
                if i == 4 {
                    return None;
                }
            }
        }
        let l = *buf.get(i)?;
        i += 1;
        if l < 0x80 {
            return Some((tag, i, usize::from(l)));
        }
        let n = usize::from(l & 0x7F);
        let bytes = buf.get(i..i + n).filter(|_| (1..=4).contains(&n))?;
        let len = bytes.iter().fold(0, |a, &b| (a << 8) | usize::from(b));
        Some((tag, i + n, len))
    }

    /// Visits every object of `buf`, depth first; `None` on malformed input.
    pub fn walk(buf: &[u8], acc: &mut usize) -> Option<()> {
        let mut rest = buf;
        while let Some(&first) = rest.first() {
            let (tag, header_len, len) = header(rest)?;
            let value = rest.get(header_len..header_len + len)?;
            *acc = acc.wrapping_add(tag as usize ^ len);
            if first & 0x20 != 0 {
                walk(value, acc)?;
            }
            rest = &rest[header_len + len..];
        }
        Some(())
    }
}

/// [`naive::walk`] over `buf`, summing tags and value lengths as [`ours`] does.
///
/// # Panics
/// On malformed input (bench inputs are valid).
#[inline(never)]
pub fn naive_walk(buf: &[u8]) -> usize {
    let mut acc = 0;
    naive::walk(buf, &mut acc).expect("bench input is valid TLV");
    acc
}

/// `iso7816-tlv` 0.4: `ber::Tlv::parse` per top-level object, then a recursive visit.
///
/// # Panics
/// On malformed input (bench inputs are valid).
#[inline(never)]
pub fn iso7816_walk(buf: &[u8]) -> usize {
    use iso7816_tlv::ber::{Tlv, Value};
    fn visit(t: &Tlv, acc: &mut usize) {
        *acc = acc.wrapping_add(t.tag().to_bytes().len() ^ t.length());
        if let Value::Constructed(children) = t.value() {
            for c in children {
                visit(c, acc);
            }
        }
    }
    let mut acc = 0;
    let mut rest = buf;
    while !rest.is_empty() {
        let (t, next) = Tlv::parse(rest);
        visit(&t.expect("bench input is valid TLV"), &mut acc);
        rest = next;
    }
    acc
}
