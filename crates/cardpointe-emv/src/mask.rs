//! Card data never leaks: which tags carry it, and how their values are shown.
//!
//! PANs show the first 6 and last 4 digits at most; track data, names, PIN data and
//! ciphertext are never shown, only their length.

use core::fmt;

use crate::hex::Hex;
use crate::tag::Tag;

/// What kind of card data a tag carries, which decides how its value is masked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Sensitivity {
    /// No card data: the value may be shown.
    Public,
    /// A PAN (`5A`, ID TECH masked copy `DFEF5B`): first 6 / last 4 digits at most.
    Pan,
    /// Track data, clear, masked or encrypted (`57`, `56`, `9F6B`, `9F1F`, `9F20`, ID TECH
    /// `DFEF17`/`DFEF18`, `FFEE13`/`FFEE14`, `DFEE23`, `DFEF5D`, `DFEE31`/`DFEE32`):
    /// fully hidden.
    Track,
    /// The cardholder's name (`5F20`, `9F0B`): fully hidden.
    Name,
    /// PIN data or encrypted card data (`99`, `DFEF4D`, anything with the Protocol-3
    /// "encrypted" marker): fully hidden.
    Secret,
}

/// The sensitivity of `tag`. This list is the one place that decides it.
#[must_use]
pub const fn sensitivity(tag: Tag) -> Sensitivity {
    match tag.value() {
        0x5A | 0xDF_EF5B => Sensitivity::Pan,
        0x57 | 0x56 | 0x9F6B | 0x9F1F | 0x9F20 | 0xDF_EF17 | 0xDF_EF18 | 0xFF_EE13 | 0xFF_EE14
        | 0xDF_EE23 | 0xDF_EF5D | 0xDF_EE31 | 0xDF_EE32 => Sensitivity::Track,
        0x5F20 | 0x9F0B => Sensitivity::Name,
        0x99 | 0xDF_EF4D => Sensitivity::Secret,
        _ => Sensitivity::Public,
    }
}

/// Whether values of `tag` carry card data and are masked wherever they are shown.
#[must_use]
pub const fn is_sensitive(tag: Tag) -> bool {
    !matches!(sensitivity(tag), Sensitivity::Public)
}

/// A value shown with its card data masked: `Display` and `Debug` print hex for public tags,
/// `411111******1111` for PANs, and only a length for tracks, names and secrets.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct MaskedValue<'a> {
    sensitivity: Sensitivity,
    value: &'a [u8],
}

impl<'a> MaskedValue<'a> {
    /// The value of `tag`, to be shown masked.
    #[must_use]
    pub const fn new(tag: Tag, value: &'a [u8]) -> Self {
        MaskedValue {
            sensitivity: sensitivity(tag),
            value,
        }
    }

    /// A value of the given sensitivity (for values that are not under their own tag).
    #[must_use]
    pub const fn with_sensitivity(sensitivity: Sensitivity, value: &'a [u8]) -> Self {
        MaskedValue { sensitivity, value }
    }

    /// The sensitivity applied.
    #[must_use]
    pub const fn sensitivity(&self) -> Sensitivity {
        self.sensitivity
    }
}

impl fmt::Display for MaskedValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.value.len();
        match self.sensitivity {
            Sensitivity::Public => write!(f, "{}", Hex(self.value)),
            Sensitivity::Pan => fmt_pan(self.value, f),
            Sensitivity::Track => write!(f, "<track data masked, {n} bytes>"),
            Sensitivity::Name => write!(f, "<name masked, {n} bytes>"),
            Sensitivity::Secret => write!(f, "<secret masked, {n} bytes>"),
        }
    }
}

impl fmt::Debug for MaskedValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// The digit (or mask character) of a PAN nibble; `None` for the `F` filler, `Err` for a
/// nibble that no PAN holds (then the value is ciphertext).
fn pan_char(nibble: u8) -> Result<Option<char>, ()> {
    match nibble {
        0..=9 => Ok(Some(char::from(b'0' + nibble))),
        // ID TECH masked copies replace hidden digits with C nibbles.
        0xC => Ok(Some('*')),
        0xF => Ok(None),
        _ => Err(()),
    }
}

/// PAN digits (BCD, `cn`, or ASCII digits in ID TECH masked copies), shown as first 6 /
/// last 4 for 13+ digits, last 4 for 10..12, nothing for shorter or non-PAN data.
fn fmt_pan(value: &[u8], f: &mut fmt::Formatter<'_>) -> fmt::Result {
    const MAX: usize = 24;
    let mut digits = ['*'; MAX];
    let mut n = 0;
    let ascii = !value.is_empty() && value.iter().all(|b| b.is_ascii_digit() || *b == b'*');
    let mut ok = true;
    if ascii {
        for &b in value {
            if let Some(d) = digits.get_mut(n) {
                *d = char::from(b);
            }
            n += 1;
        }
    } else {
        'bytes: for &b in value {
            for nibble in [b >> 4, b & 0x0F] {
                match pan_char(nibble) {
                    Ok(Some(c)) => {
                        if let Some(d) = digits.get_mut(n) {
                            *d = c;
                        }
                        n += 1;
                    }
                    Ok(None) => break 'bytes,
                    Err(()) => {
                        ok = false;
                        break 'bytes;
                    }
                }
            }
        }
    }
    if !ok || n > MAX {
        return write!(f, "<card data masked, {} bytes>", value.len());
    }
    let (head, tail) = match n {
        13.. => (6, 4),
        10..=12 => (0, 4),
        _ => (0, 0),
    };
    for (i, c) in digits.iter().take(n).enumerate() {
        let shown = i < head || i >= n - tail;
        write!(f, "{}", if shown { *c } else { '*' })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    #[test]
    fn pan_shows_first_six_and_last_four_digits_only() {
        let v = [0x41, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11];
        assert_eq!(
            format!("{}", MaskedValue::new(Tag::new(0x5A), &v)),
            "411111******1111"
        );
        let v = [0x54, 0x13, 0x33, 0x00, 0x89, 0x02, 0x00, 0x1F];
        assert_eq!(
            format!("{}", MaskedValue::new(Tag::new(0x5A), &v)),
            "541333*****2001"
        );
    }

    #[test]
    fn short_or_encrypted_pans_show_less_or_nothing() {
        let v = [0x12, 0x34, 0x56, 0x78, 0x90];
        assert_eq!(
            format!("{}", MaskedValue::new(Tag::new(0x5A), &v)),
            "******7890"
        );
        let v = [0x12, 0x34, 0x56, 0x78, 0x9F];
        assert_eq!(
            format!("{}", MaskedValue::new(Tag::new(0x5A), &v)),
            "*********"
        );
        let v = [0xA7, 0x3B, 0x11, 0xE0, 0x42, 0x19, 0x88, 0x01];
        assert_eq!(
            format!("{}", MaskedValue::new(Tag::new(0x5A), &v)),
            "<card data masked, 8 bytes>"
        );
    }

    #[test]
    fn tracks_names_and_secrets_show_only_their_length() {
        let t2 = [
            0x41, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0xD2, 0x51, 0x22,
        ];
        let shown = format!("{:?}", MaskedValue::new(Tag::new(0x57), &t2));
        assert_eq!(shown, "<track data masked, 11 bytes>");
        let shown = format!("{}", MaskedValue::new(Tag::new(0x5F20), b"DOE/JOHN"));
        assert_eq!(shown, "<name masked, 8 bytes>");
        assert!(!shown.contains("DOE"));
        for tag in [0x56, 0x9F6B, 0x9F1F, 0x9F20, 0xDFEF4D, 0xFFEE13, 0xDFEF5D] {
            assert!(is_sensitive(Tag::new(tag)), "{tag:X}");
        }
        assert!(!is_sensitive(Tag::new(0x9F02)));
    }
}
