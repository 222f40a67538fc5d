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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Options {
    dialect: Dialect,
    ff_padding: bool,
    protocol3_markers: bool,
}

impl Options {
    /// Plain EMV: BER tags, `00` padding.
    #[must_use]
    pub const fn emv() -> Self {
        Options {
            dialect: Dialect::Emv,
            ff_padding: false,
            protocol3_markers: false,
        }
    }

    /// The ID TECH dialect (VP3300 and other NEO 2 readers): see [`Dialect::IdTech`].
    #[must_use]
    pub const fn id_tech() -> Self {
        Options {
            dialect: Dialect::IdTech,
            ff_padding: false,
            protocol3_markers: false,
        }
    }

    /// The same options with another dialect. Switching to ID TECH turns `FF` filler off.
    #[must_use]
    pub const fn with_dialect(mut self, dialect: Dialect) -> Self {
        self.dialect = dialect;
        if matches!(dialect, Dialect::IdTech) {
            self.ff_padding = false;
        }
        self
    }

    /// The same options with another padding rule. `FF` filler is refused (stays off) in the
    /// ID TECH dialect, whose tags start with `FF`.
    #[must_use]
    pub const fn with_padding(mut self, padding: Padding) -> Self {
        self.ff_padding =
            matches!(padding, Padding::ZeroAndFf) && !matches!(self.dialect, Dialect::IdTech);
        self
    }

    /// Reads the ViVOpay Protocol-3 marker byte (`A1` masked, `C1` encrypted) that may sit
    /// between a tag and its length (`57 A1 13 ...`); see [`Marker`](crate::Marker). These
    /// bytes are never valid BER length bytes, so the switch cannot misread other data.
    #[must_use]
    pub const fn with_protocol3_markers(mut self, on: bool) -> Self {
        self.protocol3_markers = on;
        self
    }

    /// The dialect in force.
    #[must_use]
    pub const fn dialect(self) -> Dialect {
        self.dialect
    }

    /// The padding rule in force.
    #[must_use]
    pub const fn padding(self) -> Padding {
        if self.ff_padding {
            Padding::ZeroAndFf
        } else {
            Padding::Zero
        }
    }

    /// Whether Protocol-3 markers are read.
    #[must_use]
    pub const fn protocol3_markers(self) -> bool {
        self.protocol3_markers
    }

    pub(crate) const fn id_tech_tags(self) -> bool {
        matches!(self.dialect, Dialect::IdTech)
    }

    #[inline]
    pub(crate) const fn is_padding(self, byte: u8) -> bool {
        byte == 0 || (byte == 0xFF && self.ff_padding)
    }
}
