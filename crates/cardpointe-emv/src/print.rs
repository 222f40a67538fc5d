//! A human-readable tree of TLV data (tag, name, length, decoded value), with card data
//! masked. No heap: [`Tree`] implements `Display` over the borrowed input.
//!
//! ```
//! use cardpointe_emv::{Options, print};
//!
//! let data = [
//!     0x77, 0x11, 0x9F, 0x02, 0x06, 0x00, 0x00, 0x00, 0x00, 0x12, 0x34, 0x5A, 0x04, 0x41, 0x11,
//!     0x11, 0x1F, 0x9A, 0x00,
//! ];
//! let text = print::tree(&data, Options::emv()).to_string();
//! assert_eq!(
//!     text,
//!     "77 Response Message Template Format 2 (17 bytes)\n\
//!      \x20 9F02 Amount, Authorised (Numeric) (6 bytes): 1234 minor units\n\
//!      \x20 5A Application PAN (4 bytes): *******\n\
//!      \x20 9A Transaction Date (0 bytes): (empty)\n"
//! );
//! ```

use core::fmt;

use crate::bits::{
    AdditionalTerminalCapabilities, Aip, Auc, CvmList, CvmResults, TerminalCapabilities, Tsi, Tvr,
};
use crate::dict::{Format, format_of, name_of};
use crate::dol::Dol;
use crate::hex::Hex;
use crate::mask::{MaskedValue, is_sensitive};
use crate::options::Options;
use crate::tag::Tag;
use crate::value::{CountryCode, CurrencyCode, Date, Time, amount, text};
use crate::walk::Walker;

/// The tree of the TLV objects in a buffer, one object per line, indented by depth. A
/// malformation ends the tree with an `error:` line that says what and where.
#[derive(Clone, Copy, Debug)]
pub struct Tree<'a> {
    buf: &'a [u8],
    options: Options,
}

/// The tree of `buf` read with `options`.
#[must_use]
pub const fn tree(buf: &[u8], options: Options) -> Tree<'_> {
    Tree { buf, options }
}

impl fmt::Display for Tree<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for visit in Walker::new(self.buf, self.options) {
            let visit = match visit {
                Ok(v) => v,
                Err(e) => return writeln!(f, "error: {e}"),
            };
            let tlv = visit.tlv;
            for _ in 0..visit.depth {
                f.write_str("  ")?;
            }
            write!(
                f,
                "{} {} ({} bytes)",
                tlv.tag(),
                name_of(tlv.tag()),
                tlv.len()
            )?;
            if let Some(m) = tlv.marker() {
                write!(f, " [{m:?}]")?;
            }
            if tlv.is_constructed() {
                writeln!(f)?;
            } else if tlv.marker().is_some() {
                writeln!(f, ": <card data masked>")?;
            } else {
                writeln!(f, ": {}", describe(tlv.tag(), tlv.value()))?;
            }
        }
        Ok(())
    }
}

/// A value shown the way the tree shows it: decoded where the tag is known (amounts, dates,
/// codes, bit maps, DOLs, text), hex otherwise, masked when it carries card data.
#[derive(Clone, Copy, Debug)]
pub struct Described<'a> {
    tag: Tag,
    value: &'a [u8],
}

/// Describes the value of `tag`.
#[must_use]
pub const fn describe(tag: Tag, value: &[u8]) -> Described<'_> {
    Described { tag, value }
}

impl fmt::Display for Described<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.value;
        if is_sensitive(self.tag) {
            return write!(f, "{}", MaskedValue::new(self.tag, v));
        }
        if v.is_empty() {
            return f.write_str("(empty)");
        }
        // Each arm returns Some(result) when it could decode, None to fall back to hex.
        let shown: Option<fmt::Result> = match self.tag.value() {
            0x9F02 | 0x9F03 => amount(v).ok().map(|a| write!(f, "{a} minor units")),
            0x81 | 0x9F04 | 0x9F3A => <[u8; 4]>::try_from(v)
                .ok()
                .map(|b| write!(f, "{} minor units", u32::from_be_bytes(b))),
            0x9A | 0x5F24 | 0x5F25 => Date::from_yymmdd(v).ok().map(|d| write!(f, "{d}")),
            0x9F21 => Time::from_hhmmss(v).ok().map(|t| write!(f, "{t}")),
            0x5F2A | 0x9F42 | 0x9F3C => CurrencyCode::from_value(v).ok().map(|c| write!(f, "{c}")),
            0x5F28 | 0x9F1A => CountryCode::from_value(v).ok().map(|c| write!(f, "{c}")),
            0x95 => Tvr::from_value(v)
                .ok()
                .map(|b| write!(f, "{} ({b})", Hex(v))),
            0x9B => Tsi::from_value(v)
                .ok()
                .map(|b| write!(f, "{} ({b})", Hex(v))),
            0x9F33 => TerminalCapabilities::from_value(v)
                .ok()
                .map(|b| write!(f, "{} ({b})", Hex(v))),
            0x9F40 => AdditionalTerminalCapabilities::from_value(v)
                .ok()
                .map(|b| write!(f, "{} ({b})", Hex(v))),
            0x82 => Aip::from_value(v)
                .ok()
                .map(|b| write!(f, "{} ({b})", Hex(v))),
            0x9F07 => Auc::from_value(v)
                .ok()
                .map(|b| write!(f, "{} ({b})", Hex(v))),
            0x9F34 => CvmResults::from_value(v)
                .ok()
                .map(|b| write!(f, "{} ({b})", Hex(v))),
            0x8E => CvmList::from_value(v)
                .ok()
                .map(|b| write!(f, "{} ({b})", Hex(v))),
            0x8C | 0x8D | 0x9F38 | 0x9F49 | 0x97 => Some(write_dol(f, v)),
            0x9C => Some(write_code(f, v, transaction_type(v))),
            0x9F27 => Some(write_code(f, v, cryptogram_type(v))),
            0x9F39 => Some(write_code(f, v, pos_entry_mode(v))),
            _ => None,
        };
        if let Some(r) = shown {
            return r;
        }
        match format_of(self.tag) {
            Format::A | Format::An | Format::Ans => match text(v) {
                Ok(s) => write!(f, "\"{s}\""),
                Err(_) => write!(f, "{}", Hex(v)),
            },
            _ => write!(f, "{}", Hex(v)),
        }
    }
}

fn write_dol(f: &mut fmt::Formatter<'_>, v: &[u8]) -> fmt::Result {
    // DOL bytes are not card data; show them, then the entries when they parse.
    write!(f, "{}", Hex(v))?;
    if Dol::new(v, Options::emv()).data_len().is_err() {
        return Ok(());
    }
    f.write_str(" (")?;
    for (i, e) in Dol::new(v, Options::emv()).flatten().enumerate() {
        if i > 0 {
            f.write_str(" ")?;
        }
        write!(f, "{}:{}", e.tag, e.length)?;
    }
    f.write_str(")")
}

fn write_code(f: &mut fmt::Formatter<'_>, v: &[u8], meaning: Option<&str>) -> fmt::Result {
    match meaning {
        Some(m) => write!(f, "{} ({m})", Hex(v)),
        None => write!(f, "{}", Hex(v)),
    }
}

fn transaction_type(v: &[u8]) -> Option<&'static str> {
    Some(match v {
        [0x00] => "goods and services",
        [0x01] => "cash",
        [0x09] => "purchase with cashback",
        [0x20] => "refund",
        [0x30] => "balance inquiry",
        _ => return None,
    })
}

fn cryptogram_type(v: &[u8]) -> Option<&'static str> {
    let [b] = *v else { return None };
    Some(match b >> 6 {
        0 => "AAC, declined",
        1 => "TC, approved offline",
        2 => "ARQC, go online",
        _ => "RFU",
    })
}

fn pos_entry_mode(v: &[u8]) -> Option<&'static str> {
    Some(match v {
        [0x01] => "manual key entry",
        [0x05] => "contact chip",
        [0x07] => "contactless chip",
        [0x80] => "fallback to magstripe",
        [0x90] => "magstripe",
        [0x91] => "contactless magstripe",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn the_tree_decodes_known_values_and_masks_card_data() {
        let data = [
            0x70, 0x1E, 0x57, 0x04, 0x41, 0x11, 0xD2, 0x51, 0x5F, 0x20, 0x03, b'D', b'O', b'E',
            0x95, 0x05, 0x80, 0x00, 0x00, 0x80, 0x00, 0x5F, 0x2A, 0x02, 0x08, 0x40, 0x50, 0x04,
            b'V', b'I', b'S', b'A',
        ];
        let text = tree(&data, Options::emv()).to_string();
        assert!(
            text.contains("  57 Track 2 Equivalent Data (4 bytes): <track data masked, 4 bytes>"),
            "{text}"
        );
        assert!(
            text.contains("5F20 Cardholder Name (3 bytes): <name masked, 3 bytes>"),
            "{text}"
        );
        assert!(!text.contains("DOE") && !text.contains("4111"), "{text}");
        assert!(text.contains("95 Terminal Verification Results (5 bytes): 8000008000 (Offline data authentication was not performed, Transaction exceeds floor limit)"), "{text}");
        assert!(
            text.contains("5F2A Transaction Currency Code (2 bytes): 840 (USD)"),
            "{text}"
        );
        assert!(
            text.contains("50 Application Label (4 bytes): \"VISA\""),
            "{text}"
        );
    }

    #[test]
    fn a_broken_input_ends_the_tree_with_the_error() {
        let text = tree(&[0x9C, 0x01, 0x00, 0x9F, 0x02, 0x06, 0x00], Options::emv()).to_string();
        assert!(
            text.starts_with("9C Transaction Type (1 bytes): 00 (goods and services)\n"),
            "{text}"
        );
        assert!(
            text.contains("error: truncated value of tag 9F02 at byte 3"),
            "{text}"
        );
    }

    #[test]
    fn dols_and_code_tables_are_spelled_out() {
        let data = [0x9F, 0x38, 0x03, 0x9F, 0x02, 0x06, 0x9F, 0x27, 0x01, 0x80];
        let text = tree(&data, Options::emv()).to_string();
        assert!(text.contains("9F02:6"), "{text}");
        assert!(text.contains("80 (ARQC, go online)"), "{text}");
    }
}
