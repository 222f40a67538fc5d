//! Card utilities: Luhn, brand by IIN range, lengths per brand, masking, and a validated
//! [`CardNumber`] that masks itself and zeroes its memory.

use std::fmt;

use zeroize::Zeroizing;

use crate::ValidationError;

/// Whether a string of ASCII digits passes the Luhn (mod 10) check.
///
/// Returns `false` for an empty string or any non-digit character.
///
/// ```
/// assert!(cardpointe_cardsecure::luhn_valid("4111111111111111"));
/// assert!(!cardpointe_cardsecure::luhn_valid("4111111111111112"));
/// ```
pub fn luhn_valid(digits: &str) -> bool {
    if digits.is_empty() {
        return false;
    }
    let mut sum = 0u32;
    for (i, b) in digits.bytes().rev().enumerate() {
        if !b.is_ascii_digit() {
            return false;
        }
        let mut d = u32::from(b - b'0');
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum.is_multiple_of(10)
}

/// A card brand, as told by the issuer identification number (the leading digits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Brand {
    /// Visa: IIN 4.
    Visa,
    /// Mastercard: IIN 51–55 and 2221–2720.
    Mastercard,
    /// American Express: IIN 34, 37.
    Amex,
    /// Discover (and the networks it acquires on the gateway): 6011, 644–649, 65, 622126–622925.
    Discover,
    /// Diners Club International: 300–305, 3095, 36, 38, 39.
    DinersClub,
    /// JCB: 3528–3589.
    Jcb,
    /// China UnionPay: 62 (outside the Discover co-brand range), 81.
    UnionPay,
    /// Maestro: 5018, 5020, 5038, 5893, 6304, 6759, 6761–6763.
    Maestro,
}

impl Brand {
    /// Detects the brand from the leading digits of a PAN (at least the first 6 for the
    /// narrow ranges; fewer digits give an answer when they already decide it).
    ///
    /// ```
    /// use cardpointe_cardsecure::Brand;
    /// assert_eq!(Brand::detect("4111111111111111"), Some(Brand::Visa));
    /// assert_eq!(Brand::detect("2223000048400011"), Some(Brand::Mastercard));
    /// assert_eq!(Brand::detect("9418594164541111"), None);
    /// ```
    pub fn detect(pan: &str) -> Option<Self> {
        let prefix = |n: usize| -> Option<u32> {
            let head = pan.get(..n)?;
            if head.bytes().all(|b| b.is_ascii_digit()) {
                head.parse().ok()
            } else {
                None
            }
        };
        let in_range =
            |n: usize, low: u32, high: u32| prefix(n).is_some_and(|p| (low..=high).contains(&p));
        // Most specific ranges first.
        if in_range(6, 622_126, 622_925) {
            return Some(Self::Discover);
        }
        if [5018, 5020, 5038, 5893, 6304, 6759, 6761, 6762, 6763]
            .iter()
            .any(|&iin| in_range(4, iin, iin))
        {
            return Some(Self::Maestro);
        }
        if in_range(4, 6011, 6011) || in_range(3, 644, 649) || in_range(2, 65, 65) {
            return Some(Self::Discover);
        }
        if in_range(4, 3528, 3589) {
            return Some(Self::Jcb);
        }
        if in_range(3, 300, 305)
            || in_range(4, 3095, 3095)
            || [36, 38, 39].iter().any(|&p| in_range(2, p, p))
        {
            return Some(Self::DinersClub);
        }
        if in_range(2, 34, 34) || in_range(2, 37, 37) {
            return Some(Self::Amex);
        }
        if in_range(2, 51, 55) || in_range(4, 2221, 2720) {
            return Some(Self::Mastercard);
        }
        if in_range(2, 62, 62) || in_range(2, 81, 81) {
            return Some(Self::UnionPay);
        }
        if in_range(1, 4, 4) {
            return Some(Self::Visa);
        }
        None
    }

    /// The brand suggested by the first two digits of a PAN, as carried in a token's digits
    /// 2–3 (spec 6.4). Coarser than [`detect`](Self::detect): two digits cannot separate every
    /// range (`62` is taken as UnionPay, `60` as Discover).
    pub fn from_first_two_digits(first_two: &str) -> Option<Self> {
        match first_two.parse::<u8>().ok()? {
            34 | 37 => Some(Self::Amex),
            40..=49 => Some(Self::Visa),
            22..=27 | 51..=55 => Some(Self::Mastercard),
            60 | 64 | 65 => Some(Self::Discover),
            35 => Some(Self::Jcb),
            30 | 36 | 38 | 39 => Some(Self::DinersClub),
            62 | 81 => Some(Self::UnionPay),
            50 | 56..=58 | 63 | 67 => Some(Self::Maestro),
            _ => None,
        }
    }

    /// The PAN lengths the brand issues.
    pub fn valid_lengths(self) -> &'static [usize] {
        match self {
            Self::Visa => &[13, 16, 19],
            Self::Mastercard => &[16],
            Self::Amex => &[15],
            Self::Discover | Self::Jcb | Self::UnionPay => &[16, 17, 18, 19],
            Self::DinersClub => &[14, 15, 16, 17, 18, 19],
            Self::Maestro => &[12, 13, 14, 15, 16, 17, 18, 19],
        }
    }

    /// The length of the card security code: 4 for Amex (CID), 3 for the others.
    pub fn cvv_length(self) -> usize {
        match self {
            Self::Amex => 4,
            _ => 3,
        }
    }

    /// The brand's display name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Visa => "Visa",
            Self::Mastercard => "Mastercard",
            Self::Amex => "American Express",
            Self::Discover => "Discover",
            Self::DinersClub => "Diners Club",
            Self::Jcb => "JCB",
            Self::UnionPay => "UnionPay",
            Self::Maestro => "Maestro",
        }
    }

    /// The digit groups the brand prints (`4-6-5` for Amex, `4-6-4` for 14-digit Diners,
    /// otherwise groups of four).
    fn groups(self, len: usize) -> &'static [usize] {
        match (self, len) {
            (Self::Amex, 15) => &[4, 6, 5],
            (Self::DinersClub, 14) => &[4, 6, 4],
            _ => &[4, 4, 4, 4, 4],
        }
    }
}

impl fmt::Display for Brand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How much of a card number a masked form shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MaskFormat {
    /// Only the last four digits: `************1111`.
    LastFour,
    /// The first six (the BIN) and the last four: `411111******1111` (the PCI DSS maximum).
    FirstSixLastFour,
}

/// Masks a card number (digits; spaces and dashes are ignored), with `*` for hidden digits.
/// With `grouped`, digits are grouped as the brand prints them (`**** ****** *1111` for Amex).
/// A number of 10 digits or fewer shows only its last four whatever the format, so that the
/// shown digits never overlap.
///
/// ```
/// use cardpointe_cardsecure::{MaskFormat, mask_pan};
/// assert_eq!(mask_pan("4111111111111111", MaskFormat::LastFour, false), "************1111");
/// assert_eq!(mask_pan("4111 1111 1111 1111", MaskFormat::FirstSixLastFour, true), "4111 11** **** 1111");
/// assert_eq!(mask_pan("378282246310005", MaskFormat::FirstSixLastFour, true), "3782 82**** *0005");
/// ```
pub fn mask_pan(pan: &str, format: MaskFormat, grouped: bool) -> String {
    let digits: Zeroizing<Vec<u8>> =
        Zeroizing::new(pan.bytes().filter(u8::is_ascii_digit).collect());
    let len = digits.len();
    let shown_head = match format {
        MaskFormat::FirstSixLastFour if len > 10 => 6,
        _ => 0,
    };
    let shown_tail = len.min(4);
    let masked: Vec<u8> = digits
        .iter()
        .enumerate()
        .map(|(i, &d)| {
            if i < shown_head || i >= len - shown_tail {
                d
            } else {
                b'*'
            }
        })
        .collect();
    let masked = String::from_utf8(masked).unwrap_or_default();
    if !grouped {
        return masked;
    }
    let groups = Brand::detect(&String::from_utf8_lossy(&digits))
        .map_or(&[4usize, 4, 4, 4, 4][..], |b| b.groups(len));
    group(&masked, groups)
}

fn group(text: &str, groups: &[usize]) -> String {
    let mut out = String::with_capacity(text.len() + groups.len());
    let mut rest = text;
    for &size in groups {
        if rest.is_empty() {
            break;
        }
        let (head, tail) = rest.split_at(size.min(rest.len()));
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(head);
        rest = tail;
    }
    // Longer than the pattern (19-digit PANs): the remainder is one last group.
    if !rest.is_empty() {
        out.push(' ');
        out.push_str(rest);
    }
    out
}

/// A card number that passed local validation: digits only, a known brand, a length the brand
/// issues, and the Luhn check.
///
/// `Debug` and `Display` show the first six and last four (`411111******1111`); the memory is
/// zeroed on drop. [`expose`](Self::expose) gives the digits for the request body.
#[derive(Clone, PartialEq, Eq)]
pub struct CardNumber {
    digits: Zeroizing<String>,
    brand: Brand,
}

impl CardNumber {
    /// Validates a manually entered card number. Spaces and dashes between digits are allowed
    /// and dropped.
    ///
    /// # Errors
    /// A [`ValidationError`] naming the first problem: a character that is not a digit (with
    /// its position), a length outside 12–19, an unknown brand, a length the brand does not
    /// issue, a number that looks like a CardSecure token, or a failed Luhn check.
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let mut digits = Zeroizing::new(String::with_capacity(19));
        for (position, c) in input.trim().chars().enumerate() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' => {}
                _ => return Err(ValidationError::PanCharacter { position }),
            }
        }
        let length = digits.len();
        if length == 0 {
            return Err(ValidationError::PanEmpty);
        }
        if length < 12 {
            return Err(ValidationError::PanTooShort { length });
        }
        if length > 19 {
            return Err(ValidationError::PanTooLong { length });
        }
        let Some(brand) = Brand::detect(&digits) else {
            if digits.starts_with('9') {
                return Err(ValidationError::PanLooksLikeToken);
            }
            return Err(ValidationError::UnknownBrand {
                iin: digits.get(..6).unwrap_or_default().to_owned(),
            });
        };
        if !brand.valid_lengths().contains(&length) {
            return Err(ValidationError::PanLengthForBrand {
                brand,
                length,
                allowed: brand.valid_lengths(),
            });
        }
        if !luhn_valid(&digits) {
            return Err(ValidationError::LuhnCheckFailed);
        }
        Ok(Self { digits, brand })
    }

    /// The brand.
    pub fn brand(&self) -> Brand {
        self.brand
    }

    /// The last four digits.
    pub fn last_four(&self) -> &str {
        self.digits
            .get(self.digits.len().saturating_sub(4)..)
            .unwrap_or_default()
    }

    /// The first six digits (the BIN).
    pub fn bin(&self) -> &str {
        self.digits.get(..6).unwrap_or_default()
    }

    /// A masked form (see [`mask_pan`]).
    pub fn masked(&self, format: MaskFormat, grouped: bool) -> String {
        mask_pan(&self.digits, format, grouped)
    }

    /// The full digits, for the request body only. Card data: never log it.
    pub fn expose(&self) -> &str {
        &self.digits
    }
}

impl fmt::Debug for CardNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "CardNumber({}, {})",
            self.brand,
            self.masked(MaskFormat::FirstSixLastFour, false)
        )
    }
}

impl fmt::Display for CardNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked(MaskFormat::FirstSixLastFour, false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_accepts_test_cards_and_rejects_single_digit_changes() {
        for pan in [
            "4111111111111111",
            "5454545454545454",
            "378282246310005",
            "6011000995500000",
            "4444333322221111",
        ] {
            assert!(luhn_valid(pan), "{pan}");
            let mut bad = pan.as_bytes().to_vec();
            bad[3] = if bad[3] == b'9' { b'0' } else { bad[3] + 1 };
            assert!(!luhn_valid(std::str::from_utf8(&bad).unwrap()), "{pan}");
        }
        assert!(!luhn_valid(""));
        assert!(!luhn_valid("4111-1111"));
    }

    #[test]
    fn brands_follow_their_iin_ranges() {
        for (pan, brand) in [
            ("4111111111111111", Brand::Visa),
            ("5105105105105100", Brand::Mastercard),
            ("2221000000000009", Brand::Mastercard),
            ("2720999999999996", Brand::Mastercard),
            ("371449635398431", Brand::Amex),
            ("341111111111111", Brand::Amex),
            ("6011111111111117", Brand::Discover),
            ("6445644564456445", Brand::Discover),
            ("6510000000000000", Brand::Discover),
            ("6221260000000000", Brand::Discover),
            ("6229250000000000", Brand::Discover),
            ("6221250000000000", Brand::UnionPay),
            ("3530111333300000", Brand::Jcb),
            ("30569309025904", Brand::DinersClub),
            ("36227206271667", Brand::DinersClub),
            ("6759649826438453", Brand::Maestro),
        ] {
            assert_eq!(Brand::detect(pan), Some(brand), "{pan}");
        }
        for pan in [
            "2220999999999999",
            "2721000000000000",
            "1234567890123456",
            "9418594164541111",
            "",
            "4",
        ] {
            assert_ne!(
                Brand::detect(pan).map(|b| b.name()),
                Some("Mastercard"),
                "{pan}"
            );
        }
        assert_eq!(Brand::detect("9418594164541111"), None);
        assert_eq!(Brand::detect(""), None);
    }

    #[test]
    fn token_prefixes_suggest_the_brand() {
        assert_eq!(Brand::from_first_two_digits("41"), Some(Brand::Visa));
        assert_eq!(Brand::from_first_two_digits("37"), Some(Brand::Amex));
        assert_eq!(Brand::from_first_two_digits("54"), Some(Brand::Mastercard));
        assert_eq!(Brand::from_first_two_digits("65"), Some(Brand::Discover));
        assert_eq!(Brand::from_first_two_digits("12"), None);
        assert_eq!(Brand::from_first_two_digits("x1"), None);
    }

    #[test]
    fn masks_show_at_most_first_six_and_last_four() {
        assert_eq!(
            mask_pan("4111111111111111", MaskFormat::FirstSixLastFour, false),
            "411111******1111"
        );
        assert_eq!(
            mask_pan("4111111111111111", MaskFormat::LastFour, true),
            "**** **** **** 1111"
        );
        assert_eq!(
            mask_pan("36227206271667", MaskFormat::LastFour, true),
            "**** ****** 1667"
        );
        assert_eq!(
            mask_pan("4111111111111111111", MaskFormat::FirstSixLastFour, true),
            "4111 11** **** ***1 111"
        );
        assert_eq!(
            mask_pan("1234567890", MaskFormat::FirstSixLastFour, false),
            "******7890"
        );
        assert_eq!(mask_pan("12", MaskFormat::LastFour, false), "12");
        assert_eq!(mask_pan("", MaskFormat::LastFour, true), "");
    }

    #[test]
    fn card_numbers_drop_separators_and_mask_themselves() {
        let card = CardNumber::parse(" 4111-1111 1111 1111 ").unwrap();
        assert_eq!(card.expose(), "4111111111111111");
        assert_eq!(card.brand(), Brand::Visa);
        assert_eq!(card.last_four(), "1111");
        assert_eq!(card.bin(), "411111");
        assert_eq!(format!("{card:?}"), "CardNumber(Visa, 411111******1111)");
        assert_eq!(card.to_string(), "411111******1111");
    }
}
