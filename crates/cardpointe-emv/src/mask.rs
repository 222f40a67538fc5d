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

/// PAN digits (BCD, `cn`, or ASCII digits in ID TECH masked copies), shown by the one
/// masking rule ([`PanMask::FIRST_SIX_LAST_FOUR`]); nothing for non-PAN data.
fn fmt_pan(value: &[u8], f: &mut fmt::Formatter<'_>) -> fmt::Result {
    const MAX: usize = 24;
    let mut digits = [b'*'; MAX];
    let mut n = 0;
    let ascii = !value.is_empty() && value.iter().all(|b| b.is_ascii_digit() || *b == b'*');
    let mut ok = true;
    if ascii {
        for &b in value {
            if let Some(d) = digits.get_mut(n) {
                *d = b;
            }
            n += 1;
        }
    } else {
        'bytes: for &b in value {
            for nibble in [b >> 4, b & 0x0F] {
                match pan_char(nibble) {
                    Ok(Some(c)) => {
                        if let Some(d) = digits.get_mut(n) {
                            // `pan_char` yields ASCII only.
                            *d = u8::try_from(c).unwrap_or(b'*');
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
    let text = core::str::from_utf8(digits.get(..n).unwrap_or_default()).unwrap_or_default();
    fmt::Display::fmt(&PanMask::FIRST_SIX_LAST_FOUR.apply(text), f)
}

/// How much of a card number (PAN) a masked form shows: the one masking rule of the workspace.
///
/// Whatever the format, a PAN of 13 or more digits shows at most its first six and last four
/// digits (the PCI DSS maximum), one of 10 to 12 digits at most its last four, and a shorter
/// one nothing, so the shown parts never overlap or reveal a short number. A format can show
/// less than that (only the last four, or the first two and last four as the gateway echoes a
/// PAN), never more.
///
/// ```
/// use cardpointe_emv::PanMask;
///
/// assert_eq!(PanMask::FIRST_SIX_LAST_FOUR.apply("4111111111111111").to_string(), "411111******1111");
/// assert_eq!(PanMask::LAST_FOUR.grouped().apply("371449635398431").to_string(), "**** ****** *8431");
/// assert_eq!(PanMask::GATEWAY.apply("4111111111111111").to_string(), "41XXXXXXXXXX1111");
/// assert_eq!(PanMask::FIRST_SIX_LAST_FOUR.apply("1234567890").to_string(), "******7890");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PanMask {
    head: u8,
    tail: u8,
    fill: char,
    grouped: bool,
}

impl PanMask {
    /// The first six (the BIN) and the last four: `411111******1111`.
    pub const FIRST_SIX_LAST_FOUR: Self = Self {
        head: 6,
        tail: 4,
        fill: '*',
        grouped: false,
    };
    /// Only the last four: `************1111`.
    pub const LAST_FOUR: Self = Self {
        head: 0,
        tail: 4,
        fill: '*',
        grouped: false,
    };
    /// The gateway's own echo of a PAN (the `account` of a `tokenize:"Y"` answer): the first
    /// two and the last four, `X` for the rest, `41XXXXXXXXXX1111`.
    pub const GATEWAY: Self = Self {
        head: 2,
        tail: 4,
        fill: 'X',
        grouped: false,
    };

    /// The same, with the digits grouped as the card prints them (`4-6-5` for 15 digits, as
    /// American Express, `4-6-4` for 14, as Diners Club, otherwise groups of four).
    #[must_use]
    pub const fn grouped(mut self) -> Self {
        self.grouped = true;
        self
    }

    /// The same, with `fill` for hidden digits.
    #[must_use]
    pub const fn with_fill(mut self, fill: char) -> Self {
        self.fill = fill;
        self
    }

    /// `pan`, to be shown masked by this format. Digits and already-masked positions (`*`,
    /// `X`, `x`) count as PAN characters; anything else (spaces, dashes) is dropped.
    #[must_use]
    pub const fn apply(self, pan: &str) -> MaskedPan<'_> {
        MaskedPan { pan, mask: self }
    }

    /// How many leading and trailing characters of a PAN of `len` characters may show.
    const fn shown(self, len: usize) -> (usize, usize) {
        let head = if len >= 13 { self.head as usize } else { 0 };
        let tail = if len >= 10 { self.tail as usize } else { 0 };
        (head, tail)
    }

    /// The digit groups a PAN of `len` digits prints in.
    const fn groups(len: usize) -> &'static [usize] {
        match len {
            15 => &[4, 6, 5],
            14 => &[4, 6, 4],
            _ => &[4, 4, 4, 4],
        }
    }
}

/// A PAN shown masked ([`PanMask::apply`]): `Display` writes the masked form, and allocates
/// nothing.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct MaskedPan<'a> {
    pan: &'a str,
    mask: PanMask,
}

impl MaskedPan<'_> {
    fn chars(&self) -> impl Iterator<Item = char> + '_ {
        self.pan
            .chars()
            .filter(|c| c.is_ascii_digit() || matches!(c, '*' | 'X' | 'x'))
    }
}

impl fmt::Display for MaskedPan<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use fmt::Write as _;
        let len = self.chars().count();
        let (head, tail) = self.mask.shown(len);
        let groups = PanMask::groups(len);
        let (mut group, mut in_group) = (0, 0);
        for (i, c) in self.chars().enumerate() {
            if self.mask.grouped && i > 0 {
                let size = groups.get(group).copied().unwrap_or(usize::MAX);
                if in_group == size {
                    f.write_char(' ')?;
                    group += 1;
                    in_group = 0;
                }
            }
            let shown = (i < head || i + tail >= len) && c.is_ascii_digit();
            f.write_char(if shown { c } else { self.mask.fill })?;
            in_group += 1;
        }
        Ok(())
    }
}

impl fmt::Debug for MaskedPan<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// `pan` masked by `mask` ([`PanMask`]), as a `String`.
///
/// ```
/// use cardpointe_emv::{PanMask, mask_pan};
/// assert_eq!(mask_pan("4111 1111 1111 1111", PanMask::FIRST_SIX_LAST_FOUR.grouped()), "4111 11** **** 1111");
/// assert_eq!(mask_pan("6011********6668", PanMask::FIRST_SIX_LAST_FOUR), "6011********6668");
/// ```
#[cfg(feature = "alloc")]
#[must_use]
pub fn mask_pan(pan: &str, mask: PanMask) -> alloc::string::String {
    alloc::string::ToString::to_string(&mask.apply(pan))
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
    fn pan_masks_never_show_more_than_six_and_four() {
        let m = |pan: &str, mask: PanMask| format!("{}", mask.apply(pan));
        assert_eq!(
            m("4111111111111111", PanMask::FIRST_SIX_LAST_FOUR),
            "411111******1111"
        );
        assert_eq!(
            m("4111111111111111", PanMask::LAST_FOUR.grouped()),
            "**** **** **** 1111"
        );
        assert_eq!(
            m("36227206271667", PanMask::LAST_FOUR.grouped()),
            "**** ****** 1667"
        );
        assert_eq!(
            m(
                "4111111111111111111",
                PanMask::FIRST_SIX_LAST_FOUR.grouped()
            ),
            "4111 11** **** ***1 111"
        );
        assert_eq!(
            m("378282246310005", PanMask::FIRST_SIX_LAST_FOUR.grouped()),
            "3782 82**** *0005"
        );
        assert_eq!(m("1234567890", PanMask::FIRST_SIX_LAST_FOUR), "******7890");
        assert_eq!(m("123456789", PanMask::LAST_FOUR), "*********");
        assert_eq!(m("12", PanMask::LAST_FOUR), "**");
        assert_eq!(m("", PanMask::LAST_FOUR.grouped()), "");
        assert_eq!(
            m("4111-1111 1111-1111", PanMask::GATEWAY),
            "41XXXXXXXXXX1111"
        );
        assert_eq!(
            m("541333******0011", PanMask::FIRST_SIX_LAST_FOUR),
            "541333******0011"
        );
        assert_eq!(
            m(
                "6011********6668",
                PanMask::FIRST_SIX_LAST_FOUR.with_fill('X')
            ),
            "6011XXXXXXXX6668"
        );
        assert_eq!(
            m(
                "4111111111111111",
                PanMask::FIRST_SIX_LAST_FOUR.with_fill('#')
            ),
            "411111######1111"
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
