//! How the reader reads: EMV or the ID TECH dialect, padding, Protocol-3 markers.

/// Which flavour of BER-TLV the input is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Dialect {
    /// EMV Book 3 Annex B: plain BER tags, `00` padding between objects.
    #[default]
    Emv,
    /// ID TECH reader output: as EMV, but `FFE0..FFEA` and `FFF0..FFFE` are complete 2-byte
    /// primitive tags (their SDK's `isAIDTag` rule), and `FF` is never filler.
    IdTech,
}

/// Which bytes between objects are skipped as meaningless padding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Padding {
    /// `00` only: what EMV Book 3 allows. The default, and the only choice for ID TECH.
    #[default]
    Zero,
    /// `00` and `FF` (ISO/IEC 7816-4 filler). Opt-in for plain ISO data in the EMV dialect:
    /// it makes tags that start with `FF` (`FF8105`, `FFEE01`) unreadable, so the ID TECH
    /// dialect ignores it.
    ZeroAndFf,
}

/// Reader options. Build them with [`Options::emv`] or [`Options::id_tech`] and adjust with
/// the `with_*` methods; they are `Copy` and travel with every [`Tlv`](crate::Tlv) so that
/// `children()` reads the same way as its parent.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Options {
    /// Bit flags (one byte, so that every `Tlv` carries it for free): see the constants.
    bits: u8,
}

const ID_TECH: u8 = 1;
const FF_PADDING: u8 = 2;
const PROTOCOL3_MARKERS: u8 = 4;

impl core::fmt::Debug for Options {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Options")
            .field("dialect", &self.dialect())
            .field("padding", &self.padding())
            .field("protocol3_markers", &self.protocol3_markers())
            .finish()
    }
}

impl Options {
    /// Plain EMV: BER tags, `00` padding.
    #[must_use]
    #[inline]
    pub const fn emv() -> Self {
        Options { bits: 0 }
    }

    /// The ID TECH dialect (VP3300 and other NEO 2 readers): see [`Dialect::IdTech`].
    #[must_use]
    #[inline]
    pub const fn id_tech() -> Self {
        Options { bits: ID_TECH }
    }

    /// The same options with another dialect. Switching to ID TECH turns `FF` filler off.
    #[must_use]
    #[inline]
    pub const fn with_dialect(mut self, dialect: Dialect) -> Self {
        self.bits = match dialect {
            Dialect::IdTech => (self.bits | ID_TECH) & !FF_PADDING,
            Dialect::Emv => self.bits & !ID_TECH,
        };
        self
    }

    /// The same options with another padding rule. `FF` filler is refused (stays off) in the
    /// ID TECH dialect, whose tags start with `FF`.
    #[must_use]
    #[inline]
    pub const fn with_padding(mut self, padding: Padding) -> Self {
        let on = matches!(padding, Padding::ZeroAndFf) && self.bits & ID_TECH == 0;
        self.bits = if on {
            self.bits | FF_PADDING
        } else {
            self.bits & !FF_PADDING
        };
        self
    }

    /// Reads the ViVOpay Protocol-3 marker byte (`A1` masked, `C1` encrypted) that may sit
    /// between a tag and its length (`57 A1 13 ...`); see [`Marker`](crate::Marker). These
    /// bytes are never valid BER length bytes, so the switch cannot misread other data.
    #[must_use]
    #[inline]
    pub const fn with_protocol3_markers(mut self, on: bool) -> Self {
        self.bits = if on {
            self.bits | PROTOCOL3_MARKERS
        } else {
            self.bits & !PROTOCOL3_MARKERS
        };
        self
    }

    /// The dialect in force.
    #[must_use]
    #[inline]
    pub const fn dialect(self) -> Dialect {
        if self.bits & ID_TECH != 0 {
            Dialect::IdTech
        } else {
            Dialect::Emv
        }
    }

    /// The padding rule in force.
    #[must_use]
    #[inline]
    pub const fn padding(self) -> Padding {
        if self.bits & FF_PADDING != 0 {
            Padding::ZeroAndFf
        } else {
            Padding::Zero
        }
    }

    /// Whether Protocol-3 markers are read.
    #[must_use]
    #[inline]
    pub const fn protocol3_markers(self) -> bool {
        self.bits & PROTOCOL3_MARKERS != 0
    }

    #[inline]
    pub(crate) const fn id_tech_tags(self) -> bool {
        self.bits & ID_TECH != 0
    }

    #[inline]
    pub(crate) const fn is_padding(self, byte: u8) -> bool {
        byte == 0 || (byte == 0xFF && self.bits & FF_PADDING != 0)
    }
}
