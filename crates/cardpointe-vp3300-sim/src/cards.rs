//! The cards the virtual VP3300 reads, and how they are presented.

use std::fmt;
use std::time::Duration;

use zeroize::Zeroizing;

/// A test card: what its stripe and chip hold. Card data: `Debug` shows the masked PAN only.
#[derive(Clone, PartialEq, Eq)]
pub struct TestCard {
    pan: Zeroizing<String>,
    /// Expiry as `YYMM`.
    expiry_yymm: String,
    name: String,
    service_code: String,
    /// The chip's application: AID and label.
    aid: Vec<u8>,
    label: String,
}

impl fmt::Debug for TestCard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestCard")
            .field("pan", &self.masked_pan())
            .field("label", &self.label)
            .finish_non_exhaustive()
    }
}

impl TestCard {
    /// A card with this PAN (digits only), expiry `YYMM` and cardholder name (`SURNAME/GIVEN`).
    /// The service code is `201` (chip card, normal authorisation) and the AID follows the
    /// brand of the PAN.
    #[must_use]
    pub fn new(pan: &str, expiry_yymm: &str, name: &str) -> Self {
        let (aid, label): (&[u8], &str) = match pan.as_bytes().first() {
            Some(b'4') => (&[0xA0, 0, 0, 0, 0x03, 0x10, 0x10], "VISA CREDIT"),
            Some(b'5' | b'2') => (&[0xA0, 0, 0, 0, 0x04, 0x10, 0x10], "MASTERCARD"),
            Some(b'3') if pan.starts_with("34") || pan.starts_with("37") => {
                (&[0xA0, 0, 0, 0, 0x25, 0x01, 0x08, 0x01], "AMERICAN EXPRESS")
            }
            Some(b'6') => (&[0xA0, 0, 0, 0x01, 0x52, 0x30, 0x10], "DISCOVER"),
            _ => (&[0xA0, 0, 0, 0x01, 0x52, 0x30, 0x10], "DINERS CLUB"),
        };
        Self {
            pan: Zeroizing::new(pan.to_owned()),
            expiry_yymm: expiry_yymm.to_owned(),
            name: name.to_owned(),
            service_code: "201".to_owned(),
            aid: aid.to_vec(),
            label: label.to_owned(),
        }
    }

    /// A stripe-only card (service code `101`): no chip to insert.
    #[must_use]
    pub fn stripe_only(mut self) -> Self {
        "101".clone_into(&mut self.service_code);
        self
    }

    /// The UAT Visa that always approves (`4788250000121443`, PPS009).
    #[must_use]
    pub fn uat_visa() -> Self {
        Self::new("4788250000121443", "3012", "UAT/VISA TEST")
    }

    /// The UAT Mastercard that always approves (`5454545454545454`, PPS010).
    #[must_use]
    pub fn uat_mastercard() -> Self {
        Self::new("5454545454545454", "3012", "UAT/MASTERCARD TEST")
    }

    /// The UAT American Express that always approves (`371449635398431`, PPS013).
    #[must_use]
    pub fn uat_amex() -> Self {
        Self::new("371449635398431", "3012", "UAT/AMEX TEST")
    }

    /// The UAT Discover that always approves (`6011000995500000`, PPS015).
    #[must_use]
    pub fn uat_discover() -> Self {
        Self::new("6011000995500000", "3012", "UAT/DISCOVER TEST")
    }

    /// The UAT Visa the gateway declines "Do not honor" (`4387751111111038`).
    #[must_use]
    pub fn uat_visa_do_not_honor() -> Self {
        Self::new("4387751111111038", "3012", "UAT/DECLINE TEST")
    }

    /// The gateway spec's UAT cards that approve, in the order the reader offers them.
    #[must_use]
    pub fn uat_cards() -> Vec<Self> {
        vec![
            Self::uat_visa(),
            Self::uat_mastercard(),
            Self::uat_amex(),
            Self::uat_discover(),
        ]
    }

    /// The card number. Card data: never log it.
    #[must_use]
    pub fn pan(&self) -> &str {
        &self.pan
    }

    /// The PAN with the first 4 and last 4 digits shown, as ID TECH masks it.
    #[must_use]
    pub fn masked_pan(&self) -> String {
        mask_digits(&self.pan, '*')
    }

    /// Expiry as `YYMM`.
    #[must_use]
    pub fn expiry_yymm(&self) -> &str {
        &self.expiry_yymm
    }

    /// The cardholder name as track 1 carries it.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether the service code says the card has a chip (2xx or 6xx).
    #[must_use]
    pub fn has_chip(&self) -> bool {
        matches!(self.service_code.as_bytes().first(), Some(b'2' | b'6'))
    }

    pub(crate) fn aid(&self) -> &[u8] {
        &self.aid
    }

    pub(crate) fn label(&self) -> &str {
        &self.label
    }

    /// Discretionary data of the tracks (a fixed, card-specific filler; CVV-like content that
    /// readers always mask).
    fn discretionary(&self) -> String {
        let sum: u32 = self.pan.bytes().map(u32::from).sum();
        format!("{:08}", sum.wrapping_mul(7919) % 100_000_000)
    }

    /// Clear track 1: `%B<PAN>^<NAME>^<YYMM><SVC><DD>?` plus the track LRC character.
    pub(crate) fn track1(&self) -> Zeroizing<String> {
        let body = format!(
            "%B{}^{}^{}{}{}?",
            &*self.pan,
            self.name,
            self.expiry_yymm,
            self.service_code,
            self.discretionary()
        );
        with_lrc(body, 0x20)
    }

    /// Clear track 2: `;<PAN>=<YYMM><SVC><DD>?` plus the track LRC character.
    pub(crate) fn track2(&self) -> Zeroizing<String> {
        let body = format!(
            ";{}={}{}{}?",
            &*self.pan,
            self.expiry_yymm,
            self.service_code,
            self.discretionary()
        );
        with_lrc(body, 0x30)
    }

    /// Masked track 1 (same length as the clear one): PAN first 4 / last 4, name, expiry and
    /// service code clear; discretionary data and LRC masked with `*`.
    pub(crate) fn masked_track1(&self) -> String {
        let disc = "*".repeat(self.discretionary().len());
        format!(
            "%B{}^{}^{}{}{}?*",
            self.masked_pan(),
            self.name,
            self.expiry_yymm,
            self.service_code,
            disc
        )
    }

    /// Masked track 2 (same length as the clear one).
    pub(crate) fn masked_track2(&self) -> String {
        let disc = "*".repeat(self.discretionary().len());
        format!(
            ";{}={}{}{}?*",
            self.masked_pan(),
            self.expiry_yymm,
            self.service_code,
            disc
        )
    }

    /// The PAN as EMV tag 5A holds it: BCD, padded with `F`.
    pub(crate) fn pan_bcd(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(bcd_f_padded(&self.pan))
    }

    /// The masked PAN as ID TECH's DFEF5B holds it: hidden digits as `C` nibbles.
    pub(crate) fn masked_pan_bcd(&self) -> Vec<u8> {
        bcd_f_padded(&mask_digits(&self.pan, 'C'))
    }

    /// Track 2 equivalent data (tag 57): `PAN D YYMM SVC DD`, BCD, padded with `F`.
    pub(crate) fn track2_equivalent(&self) -> Zeroizing<Vec<u8>> {
        let text = Zeroizing::new(format!(
            "{}D{}{}{}",
            &*self.pan,
            self.expiry_yymm,
            self.service_code,
            self.discretionary()
        ));
        Zeroizing::new(bcd_f_padded(&text))
    }

    /// The masked copy of tag 57 (DFEF5D): PAN middle and discretionary data as `C` nibbles.
    pub(crate) fn masked_track2_equivalent(&self) -> Vec<u8> {
        let disc = "C".repeat(self.discretionary().len());
        let text = format!(
            "{}D{}{}{}",
            mask_digits(&self.pan, 'C'),
            self.expiry_yymm,
            self.service_code,
            disc
        );
        bcd_f_padded(&text)
    }

    /// Expiry as EMV 5F24 (`YYMMDD`, last day taken as 31).
    pub(crate) fn expiry_bcd(&self) -> Vec<u8> {
        bcd_f_padded(&format!("{}31", self.expiry_yymm))
    }
}

/// Shows the first 4 and last 4 digits, hides the rest with `mask`.
fn mask_digits(pan: &str, mask: char) -> String {
    let len = pan.chars().count();
    pan.chars()
        .enumerate()
        .map(|(i, c)| if i < 4 || i + 4 >= len { c } else { mask })
        .collect()
}

/// Packs hex-digit text (`0-9`, `C`, `D`, `F`) into BCD nibbles, padding with `F`.
fn bcd_f_padded(text: &str) -> Vec<u8> {
    let nibbles: Vec<u8> = text
        .bytes()
        .map(|b| match b {
            b'0'..=b'9' => b - b'0',
            b'A'..=b'F' => b - b'A' + 10,
            _ => 0x0F,
        })
        .collect();
    nibbles
        .chunks(2)
        .map(|pair| match pair {
            [hi, lo] => (hi << 4) | lo,
            [hi] => (hi << 4) | 0x0F,
            _ => 0xFF,
        })
        .collect()
}

/// Appends the ISO 7811 longitudinal redundancy character: XOR of the characters' values
/// relative to `base` (0x20 for 7-bit track 1, 0x30 for 5-bit track 2), as a character.
fn with_lrc(body: String, base: u8) -> Zeroizing<String> {
    let mask = if base == 0x20 { 0x3F } else { 0x0F };
    let lrc = body
        .bytes()
        .fold(0u8, |acc, b| acc ^ (b.wrapping_sub(base) & mask));
    let mut out = Zeroizing::new(body);
    out.push(char::from(lrc + base));
    out
}

/// How a card meets the reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Entry {
    /// Swiped through the magnetic stripe reader.
    Swipe,
    /// Inserted into the chip slot.
    Insert,
    /// Tapped on the contactless antenna.
    Tap,
}

/// A card the (imaginary) customer presents once the reader waits for one.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Presentation {
    /// The card.
    pub card: TestCard,
    /// How it is presented; `None` takes the best interface the reader offers (insert, then
    /// tap, then swipe; a stripe-only card is swiped).
    pub entry: Option<Entry>,
    /// How long after the reader starts waiting the card arrives.
    pub delay: Duration,
}

impl Presentation {
    /// `card`, presented the best way the reader offers, after 50 ms.
    #[must_use]
    pub fn best(card: TestCard) -> Self {
        Self {
            card,
            entry: None,
            delay: Duration::from_millis(50),
        }
    }

    /// `card`, presented by `entry`, after 50 ms.
    #[must_use]
    pub fn by(card: TestCard, entry: Entry) -> Self {
        Self {
            card,
            entry: Some(entry),
            delay: Duration::from_millis(50),
        }
    }

    /// The same presentation after `delay`.
    #[must_use]
    pub fn after(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masked_tracks_keep_the_length_of_the_clear_tracks() {
        for card in TestCard::uat_cards() {
            assert_eq!(card.track1().len(), card.masked_track1().len());
            assert_eq!(card.track2().len(), card.masked_track2().len());
        }
    }

    #[test]
    fn track2_carries_pan_expiry_and_service_code_between_sentinels() {
        let t2 = TestCard::uat_visa().track2();
        assert!(t2.starts_with(";4788250000121443=3012201"), "{}", &*t2);
        assert_eq!(t2.as_bytes()[t2.len() - 2], b'?');
    }

    #[test]
    fn masks_show_only_first_four_and_last_four_digits() {
        let card = TestCard::uat_mastercard();
        assert_eq!(card.masked_pan(), "5454********5454");
        assert_eq!(
            card.masked_pan_bcd(),
            [0x54, 0x54, 0xCC, 0xCC, 0xCC, 0xCC, 0x54, 0x54]
        );
        assert!(!format!("{card:?}").contains("5454545454545454"));
    }

    #[test]
    fn an_odd_length_pan_is_padded_with_f_in_bcd() {
        let amex = TestCard::uat_amex();
        let bcd = amex.pan_bcd();
        assert_eq!(bcd.len(), 8);
        assert_eq!(bcd[7] & 0x0F, 0x0F);
    }

    #[test]
    fn track2_lrc_is_the_xor_of_the_five_bit_characters() {
        // ";1=?" : values 0xB,0x1,0xD,0xF → XOR = 0x8 → '8'.
        assert_eq!(&*with_lrc(";1=?".to_owned(), 0x30), ";1=?8");
    }
}
