//! The tag dictionary: name, format, length range, template and source of the EMV tags a
//! payment application meets (EMV Book 3 Annex A and scheme tags) and of the ID TECH
//! proprietary tags the VP3300 returns. Unknown tags are simply absent: they stay usable
//! everywhere else in the crate.

use core::fmt;

use crate::tag::Tag;

/// The data format of an element (EMV Book 3 notation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// `a`: alphabetic ASCII.
    A,
    /// `an`: alphanumeric ASCII.
    An,
    /// `ans`: alphanumeric and special ASCII (Common Character Set).
    Ans,
    /// `b`: binary.
    B,
    /// `n`: numeric BCD, right-justified with leading zeros.
    N,
    /// `cn`: compressed numeric BCD, left-justified with trailing `F` nibbles.
    Cn,
    /// `var`: structure defined per element.
    Var,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::A => "a",
            Format::An => "an",
            Format::Ans => "ans",
            Format::B => "b",
            Format::N => "n",
            Format::Cn => "cn",
            Format::Var => "var",
        })
    }
}

/// Who provides an element.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Source {
    /// The card (ICC).
    Icc,
    /// The terminal.
    Terminal,
    /// The issuer (in the authorisation response).
    Issuer,
    /// The issuer or the terminal (`8A`).
    IssuerOrTerminal,
    /// The card or the terminal, depending on the scheme (`9F7C`).
    IccOrTerminal,
    /// The reader itself (ID TECH proprietary tags).
    Reader,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Source::Icc => "card",
            Source::Terminal => "terminal",
            Source::Issuer => "issuer",
            Source::IssuerOrTerminal => "issuer/terminal",
            Source::IccOrTerminal => "card/terminal",
            Source::Reader => "reader (ID TECH)",
        })
    }
}

/// What the dictionary knows about one tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TagInfo {
    tag: Tag,
    name: &'static str,
    format: Format,
    min_len: usize,
    max_len: Option<usize>,
    source: Source,
    templates: &'static [Tag],
}

impl TagInfo {
    /// The tag.
    #[must_use]
    pub const fn tag(&self) -> Tag {
        self.tag
    }

    /// The element's name (`Amount, Authorised (Numeric)`).
    #[must_use]
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The data format.
    #[must_use]
    pub const fn format(&self) -> Format {
        self.format
    }

    /// The shortest value length in bytes.
    #[must_use]
    pub const fn min_len(&self) -> usize {
        self.min_len
    }

    /// The longest value length in bytes; `None` when variable without a fixed bound
    /// (certificate sizes and the like).
    #[must_use]
    pub const fn max_len(&self) -> Option<usize> {
        self.max_len
    }

    /// Whether a value of `len` bytes is within the length range.
    #[must_use]
    pub const fn accepts_len(&self, len: usize) -> bool {
        len >= self.min_len
            && match self.max_len {
                Some(max) => len <= max,
                None => true,
            }
    }

    /// Who provides the element.
    #[must_use]
    pub const fn source(&self) -> Source {
        self.source
    }

    /// The templates the element usually lives in (empty when it stands alone).
    #[must_use]
    pub const fn templates(&self) -> &'static [Tag] {
        self.templates
    }
}

const fn e(
    tag: u32,
    name: &'static str,
    format: Format,
    min_len: usize,
    max_len: Option<usize>,
    source: Source,
    templates: &'static [Tag],
) -> TagInfo {
    TagInfo {
        tag: Tag::new(tag),
        name,
        format,
        min_len,
        max_len,
        source,
        templates,
    }
}

/// Looks `tag` up in the dictionary.
#[must_use]
pub fn lookup(tag: Tag) -> Option<&'static TagInfo> {
    TAGS.binary_search_by_key(&tag.value(), |i| i.tag.value())
        .ok()
        .and_then(|i| TAGS.get(i))
}

/// The name of `tag`, or a generic description for tags not in the dictionary
/// (`"unknown tag"`, or `"ID TECH proprietary"` for the ID TECH tag ranges).
#[must_use]
pub fn name_of(tag: Tag) -> &'static str {
    match lookup(tag) {
        Some(info) => info.name,
        None if tag.is_id_tech_quirk() => "ID TECH proprietary (2-byte tag)",
        None if matches!(tag.value() >> 8, 0xDFEE | 0xDFEF | 0xDFED | 0xDFEC | 0xFFEE) => {
            "ID TECH proprietary"
        }
        None => "unknown tag",
    }
}

/// The format of `tag`'s values: from the dictionary, `b` for unknown tags.
#[must_use]
pub fn format_of(tag: Tag) -> Format {
    lookup(tag).map_or(Format::B, TagInfo::format)
}

/// Every entry of the dictionary, sorted by tag.
#[must_use]
pub const fn all() -> &'static [TagInfo] {
    TAGS
}

/// Sorted by tag value (binary search); 137 EMV and scheme tags, then ID TECH ones.
#[rustfmt::skip]
static TAGS: &[TagInfo] = &[
    e(0x42, "Issuer Identification Number (IIN)", Format::N, 3, Some(3), Source::Icc, &[Tag::new(0xBF0C), Tag::new(0x73)]),
    e(0x4F, "Application Identifier (ADF name)", Format::B, 5, Some(16), Source::Icc, &[Tag::new(0x61)]),
    e(0x50, "Application Label", Format::Ans, 1, Some(16), Source::Icc, &[Tag::new(0x61), Tag::new(0xA5)]),
    e(0x56, "Track 1 Data (contactless magstripe)", Format::Ans, 0, Some(76), Source::Icc, &[Tag::new(0x70), Tag::new(0x77)]),
    e(0x57, "Track 2 Equivalent Data", Format::B, 0, Some(19), Source::Icc, &[Tag::new(0x70), Tag::new(0x77)]),
    e(0x5A, "Application PAN", Format::Cn, 0, Some(10), Source::Icc, &[Tag::new(0x70), Tag::new(0x77)]),
    e(0x61, "Application Template", Format::B, 0, Some(252), Source::Icc, &[Tag::new(0x70)]),
    e(0x6F, "File Control Information Template", Format::B, 0, Some(252), Source::Icc, &[]),
    e(0x70, "READ RECORD Response / EMV Proprietary Template", Format::B, 0, Some(252), Source::Icc, &[]),
    e(0x71, "Issuer Script Template 1 (before final GENERATE AC)", Format::B, 0, None, Source::Issuer, &[]),
    e(0x72, "Issuer Script Template 2 (after final GENERATE AC)", Format::B, 0, None, Source::Issuer, &[]),
    e(0x73, "Directory Discretionary Template", Format::B, 0, Some(252), Source::Icc, &[Tag::new(0x61)]),
    e(0x77, "Response Message Template Format 2", Format::B, 0, None, Source::Icc, &[]),
    e(0x80, "Response Message Template Format 1", Format::B, 0, None, Source::Icc, &[]),
    e(0x81, "Amount, Authorised (Binary)", Format::B, 4, Some(4), Source::Terminal, &[]),
    e(0x82, "Application Interchange Profile", Format::B, 2, Some(2), Source::Icc, &[Tag::new(0x77), Tag::new(0x80)]),
    e(0x83, "Command Template", Format::B, 0, None, Source::Terminal, &[]),
    e(0x84, "Dedicated File (DF) Name", Format::B, 5, Some(16), Source::Icc, &[Tag::new(0x6F)]),
    e(0x86, "Issuer Script Command", Format::B, 0, Some(261), Source::Issuer, &[Tag::new(0x71), Tag::new(0x72)]),
    e(0x87, "Application Priority Indicator", Format::B, 1, Some(1), Source::Icc, &[Tag::new(0x61), Tag::new(0xA5)]),
    e(0x88, "Short File Identifier (SFI)", Format::B, 1, Some(1), Source::Icc, &[Tag::new(0xA5)]),
    e(0x89, "Authorisation Code", Format::An, 6, Some(6), Source::Issuer, &[]),
    e(0x8A, "Authorisation Response Code", Format::An, 2, Some(2), Source::IssuerOrTerminal, &[]),
    e(0x8C, "CDOL1", Format::B, 0, Some(252), Source::Icc, &[Tag::new(0x70), Tag::new(0x77)]),
    e(0x8D, "CDOL2", Format::B, 0, Some(252), Source::Icc, &[Tag::new(0x70), Tag::new(0x77)]),
    e(0x8E, "CVM List", Format::B, 10, Some(252), Source::Icc, &[Tag::new(0x70), Tag::new(0x77)]),
    e(0x8F, "CA Public Key Index (card)", Format::B, 1, Some(1), Source::Icc, &[Tag::new(0x70), Tag::new(0x77)]),
    e(0x90, "Issuer Public Key Certificate", Format::B, 0, None, Source::Icc, &[Tag::new(0x70), Tag::new(0x77)]),
    e(0x91, "Issuer Authentication Data", Format::B, 8, Some(16), Source::Issuer, &[]),
    e(0x92, "Issuer Public Key Remainder", Format::B, 0, None, Source::Icc, &[Tag::new(0x70), Tag::new(0x77)]),
    e(0x93, "Signed Static Application Data", Format::B, 0, None, Source::Icc, &[Tag::new(0x70), Tag::new(0x77)]),
    e(0x94, "Application File Locator", Format::Var, 4, Some(252), Source::Icc, &[Tag::new(0x77), Tag::new(0x80)]),
    e(0x95, "Terminal Verification Results", Format::B, 5, Some(5), Source::Terminal, &[]),
    e(0x97, "TDOL", Format::B, 0, Some(252), Source::Icc, &[Tag::new(0x70), Tag::new(0x77)]),
    e(0x98, "TC Hash Value", Format::B, 20, Some(20), Source::Terminal, &[]),
    e(0x99, "Transaction PIN Data", Format::B, 0, None, Source::Terminal, &[]),
    e(0x9A, "Transaction Date", Format::N, 3, Some(3), Source::Terminal, &[]),
    e(0x9B, "Transaction Status Information", Format::B, 2, Some(2), Source::Terminal, &[]),
    e(0x9C, "Transaction Type", Format::N, 1, Some(1), Source::Terminal, &[]),
    e(0x9D, "DDF Name", Format::B, 5, Some(16), Source::Icc, &[Tag::new(0x61)]),
    e(0xA5, "FCI Proprietary Template", Format::B, 0, None, Source::Icc, &[Tag::new(0x6F)]),
    e(0x5F20, "Cardholder Name", Format::Ans, 2, Some(26), Source::Icc, &[Tag::new(0x70), Tag::new(0x77)]),
    e(0x5F24, "Application Expiration Date", Format::N, 3, Some(3), Source::Icc, &[Tag::new(0x70), Tag::new(0x77)]),
    e(0x5F25, "Application Effective Date", Format::N, 3, Some(3), Source::Icc, &[Tag::new(0x70), Tag::new(0x77)]),
    e(0x5F28, "Issuer Country Code", Format::N, 2, Some(2), Source::Icc, &[Tag::new(0x70), Tag::new(0x77)]),
    e(0x5F2A, "Transaction Currency Code", Format::N, 2, Some(2), Source::Terminal, &[]),
    e(0x5F2D, "Language Preference", Format::An, 2, Some(8), Source::Icc, &[Tag::new(0xA5)]),
    e(0x5F30, "Service Code", Format::N, 2, Some(2), Source::Icc, &[Tag::new(0x70), Tag::new(0x77)]),
    e(0x5F34, "PAN Sequence Number", Format::N, 1, Some(1), Source::Icc, &[Tag::new(0x70), Tag::new(0x77)]),
    e(0x5F36, "Transaction Currency Exponent", Format::N, 1, Some(1), Source::Terminal, &[]),
    e(0x5F50, "Issuer URL", Format::Ans, 0, None, Source::Icc, &[Tag::new(0xBF0C), Tag::new(0x73)]),
    e(0x5F53, "IBAN", Format::Var, 0, Some(34), Source::Icc, &[Tag::new(0xBF0C), Tag::new(0x73)]),
    e(0x5F54, "Bank Identifier Code", Format::Var, 8, Some(11), Source::Icc, &[Tag::new(0xBF0C), Tag::new(0x73)]),
    e(0x5F55, "Issuer Country Code (alpha 2)", Format::A, 2, Some(2), Source::Icc, &[Tag::new(0xBF0C), Tag::new(0x73)]),
    e(0x5F56, "Issuer Country Code (alpha 3)", Format::A, 3, Some(3), Source::Icc, &[Tag::new(0xBF0C), Tag::new(0x73)]),
    e(0x5F57, "Account Type", Format::N, 1, Some(1), Source::Terminal, &[]),
    e(0x9F01, "Acquirer Identifier", Format::N, 6, Some(6), Source::Terminal, &[]),
    e(0x9F02, "Amount, Authorised (Numeric)", Format::N, 6, Some(6), Source::Terminal, &[]),
    e(0x9F03, "Amount, Other (Numeric)", Format::N, 6, Some(6), Source::Terminal, &[]),
    e(0x9F04, "Amount, Other (Binary)", Format::B, 4, Some(4), Source::Terminal, &[]),
    e(0x9F05, "Application Discretionary Data", Format::B, 1, Some(32), Source::Icc, &[Tag::new(0x70), Tag::new(0x77)]),
    e(0x9F06, "Application Identifier (terminal)", Format::B, 5, Some(16), Source::Terminal, &[]),
    e(0x9F07, "Application Usage Control", Format::B, 2, Some(2), Source::Icc, &[Tag::new(0x70), Tag::new(0x77)]),
    e(0x9F08, "Application Version Number (card)", Format::B, 2, Some(2), Source::Icc, &[Tag::new(0x70), Tag::new(0x77)]),
    e(0x9F09, "Application Version Number (terminal)", Format::B, 2, Some(2), Source::Terminal, &[]),
    e(0x9F0A, "Application Selection Registered Proprietary Data", Format::B, 0, None, Source::Icc, &[Tag::new(0xBF0C)]),
    e(0x9F0B, "Cardholder Name Extended", Format::Ans, 27, Some(45), Source::Icc, &[Tag::new(0x70), Tag::new(0x77)]),
    e(0x9F0D, "Issuer Action Code - Default", Format::B, 5, Some(5), Source::Icc, &[Tag::new(0x70), Tag::new(0x77)]),
    e(0x9F0E, "Issuer Action Code - Denial", Format::B, 5, Some(5), Source::Icc, &[Tag::new(0x70), Tag::new(0x77)]),
    e(0x9F0F, "Issuer Action Code - Online", Format::B, 5, Some(5), Source::Icc, &[Tag::new(0x70), Tag::new(0x77)]),
    e(0x9F10, "Issuer Application Data", Format::B, 0, Some(32), Source::Icc, &[Tag::new(0x77), Tag::new(0x80)]),
    e(0x9F11, "Issuer Code Table Index", Format::N, 1, Some(1), Source::Icc, &[Tag::new(0xA5)]),
    e(0x9F12, "Application Preferred Name", Format::Ans, 1, Some(16), Source::Icc, &[Tag::new(0x61), Tag::new(0xA5)]),
    e(0x9F13, "Last Online ATC Register", Format::B, 2, Some(2), Source::Icc, &[]),
    e(0x9F14, "Lower Consecutive Offline Limit", Format::B, 1, Some(1), Source::Icc, &[Tag::new(0x70), Tag::new(0x77)]),
    e(0x9F15, "Merchant Category Code", Format::N, 2, Some(2), Source::Terminal, &[]),
    e(0x9F16, "Merchant Identifier", Format::Ans, 15, Some(15), Source::Terminal, &[]),
    e(0x9F17, "PIN Try Counter", Format::B, 1, Some(1), Source::Icc, &[]),
    e(0x9F18, "Issuer Script Identifier", Format::B, 4, Some(4), Source::Issuer, &[Tag::new(0x71), Tag::new(0x72)]),
    e(0x9F19, "Token Requestor ID", Format::N, 6, Some(6), Source::Icc, &[]),
    e(0x9F1A, "Terminal Country Code", Format::N, 2, Some(2), Source::Terminal, &[]),
    e(0x9F1B, "Terminal Floor Limit", Format::B, 4, Some(4), Source::Terminal, &[]),
    e(0x9F1C, "Terminal Identification", Format::An, 8, Some(8), Source::Terminal, &[]),
    e(0x9F1D, "Terminal Risk Management Data", Format::B, 1, Some(8), Source::Terminal, &[]),
    e(0x9F1E, "Interface Device (IFD) Serial Number", Format::An, 8, Some(8), Source::Terminal, &[]),
    e(0x9F1F, "Track 1 Discretionary Data", Format::Ans, 0, None, Source::Icc, &[Tag::new(0x70), Tag::new(0x77)]),
    e(0x9F20, "Track 2 Discretionary Data", Format::Cn, 0, None, Source::Icc, &[Tag::new(0x70), Tag::new(0x77)]),
    e(0x9F21, "Transaction Time", Format::N, 3, Some(3), Source::Terminal, &[]),
    e(0x9F22, "CA Public Key Index (terminal)", Format::B, 1, Some(1), Source::Terminal, &[]),
    e(0x9F23, "Upper Consecutive Offline Limit", Format::B, 1, Some(1), Source::Icc, &[Tag::new(0x70), Tag::new(0x77)]),
    e(0x9F24, "Payment Account Reference (PAR)", Format::An, 29, Some(29), Source::Icc, &[Tag::new(0x70), Tag::new(0x77)]),
    e(0x9F25, "Last 4 Digits of PAN", Format::N, 2, Some(2), Source::Icc, &[]),
    e(0x9F26, "Application Cryptogram", Format::B, 8, Some(8), Source::Icc, &[Tag::new(0x77), Tag::new(0x80)]),
    e(0x9F27, "Cryptogram Information Data", Format::B, 1, Some(1), Source::Icc, &[Tag::new(0x77), Tag::new(0x80)]),
    e(0x9F2D, "ICC PIN Encipherment Public Key Certificate", Format::B, 0, None, Source::Icc, &[Tag::new(0x70), Tag::new(0x77)]),
    e(0x9F2E, "ICC PIN Encipherment Public Key Exponent", Format::B, 1, Some(3), Source::Icc, &[Tag::new(0x70), Tag::new(0x77)]),
    e(0x9F2F, "ICC PIN Encipherment Public Key Remainder", Format::B, 0, None, Source::Icc, &[Tag::new(0x70), Tag::new(0x77)]),
    e(0x9F32, "Issuer Public Key Exponent", Format::B, 1, Some(3), Source::Icc, &[Tag::new(0x70), Tag::new(0x77)]),
    e(0x9F33, "Terminal Capabilities", Format::B, 3, Some(3), Source::Terminal, &[]),
    e(0x9F34, "CVM Results", Format::B, 3, Some(3), Source::Terminal, &[]),
    e(0x9F35, "Terminal Type", Format::N, 1, Some(1), Source::Terminal, &[]),
    e(0x9F36, "Application Transaction Counter (ATC)", Format::B, 2, Some(2), Source::Icc, &[Tag::new(0x77), Tag::new(0x80)]),
    e(0x9F37, "Unpredictable Number", Format::B, 4, Some(4), Source::Terminal, &[]),
    e(0x9F38, "Processing Options Data Object List (PDOL)", Format::B, 0, None, Source::Icc, &[Tag::new(0xA5)]),
    e(0x9F39, "Point-of-Service Entry Mode", Format::N, 1, Some(1), Source::Terminal, &[]),
    e(0x9F3A, "Amount, Reference Currency", Format::B, 4, Some(4), Source::Terminal, &[]),
    e(0x9F3B, "Application Reference Currency", Format::N, 2, Some(8), Source::Icc, &[Tag::new(0x70), Tag::new(0x77)]),
    e(0x9F3C, "Transaction Reference Currency Code", Format::N, 2, Some(2), Source::Terminal, &[]),
    e(0x9F3D, "Transaction Reference Currency Exponent", Format::N, 1, Some(1), Source::Terminal, &[]),
    e(0x9F40, "Additional Terminal Capabilities", Format::B, 5, Some(5), Source::Terminal, &[]),
    e(0x9F41, "Transaction Sequence Counter", Format::N, 2, Some(4), Source::Terminal, &[]),
    e(0x9F42, "Application Currency Code", Format::N, 2, Some(2), Source::Icc, &[Tag::new(0x70), Tag::new(0x77)]),
    e(0x9F43, "Application Reference Currency Exponent", Format::N, 1, Some(4), Source::Icc, &[Tag::new(0x70), Tag::new(0x77)]),
    e(0x9F44, "Application Currency Exponent", Format::N, 1, Some(1), Source::Icc, &[Tag::new(0x70), Tag::new(0x77)]),
    e(0x9F45, "Data Authentication Code", Format::B, 2, Some(2), Source::Icc, &[]),
    e(0x9F46, "ICC Public Key Certificate", Format::B, 0, None, Source::Icc, &[Tag::new(0x70), Tag::new(0x77)]),
    e(0x9F47, "ICC Public Key Exponent", Format::B, 1, Some(3), Source::Icc, &[Tag::new(0x70), Tag::new(0x77)]),
    e(0x9F48, "ICC Public Key Remainder", Format::B, 0, None, Source::Icc, &[Tag::new(0x70), Tag::new(0x77)]),
    e(0x9F49, "DDOL", Format::B, 0, Some(252), Source::Icc, &[Tag::new(0x70), Tag::new(0x77)]),
    e(0x9F4A, "Static Data Authentication Tag List", Format::Var, 0, None, Source::Icc, &[Tag::new(0x70), Tag::new(0x77)]),
    e(0x9F4B, "Signed Dynamic Application Data", Format::B, 0, None, Source::Icc, &[Tag::new(0x77), Tag::new(0x80)]),
    e(0x9F4C, "ICC Dynamic Number", Format::B, 2, Some(8), Source::Icc, &[]),
    e(0x9F4D, "Log Entry", Format::B, 2, Some(2), Source::Icc, &[Tag::new(0xBF0C), Tag::new(0x73)]),
    e(0x9F4E, "Merchant Name and Location", Format::Ans, 0, None, Source::Terminal, &[]),
    e(0x9F4F, "Log Format", Format::B, 0, None, Source::Icc, &[]),
    e(0x9F53, "Transaction Category Code (Mastercard)", Format::An, 1, Some(1), Source::Terminal, &[]),
    e(0x9F5B, "Issuer Script Results (scheme/terminal)", Format::B, 0, None, Source::Terminal, &[]),
    e(0x9F66, "Terminal Transaction Qualifiers (Visa contactless)", Format::B, 4, Some(4), Source::Terminal, &[]),
    e(0x9F6B, "Track 2 Data (Mastercard) / Card CVM Limit (Visa)", Format::B, 0, None, Source::Icc, &[Tag::new(0x70)]),
    e(0x9F6C, "Card Transaction Qualifiers (Visa)", Format::B, 2, Some(2), Source::Icc, &[]),
    e(0x9F6E, "Form Factor Indicator (Visa) / Third Party Data (Mastercard)", Format::B, 4, Some(32), Source::Icc, &[]),
    e(0x9F7C, "Customer Exclusive Data (Visa) / Merchant Custom Data (Mastercard)", Format::B, 0, Some(32), Source::IccOrTerminal, &[]),
    e(0xBF0C, "FCI Issuer Discretionary Data", Format::B, 0, Some(222), Source::Icc, &[Tag::new(0xA5)]),
    e(0xFFE4, "VAS merchant index", Format::B, 0, None, Source::Reader, &[]),
    e(0xFFF0, "ViVOpay legacy configuration tag", Format::B, 0, None, Source::Reader, &[]),
    e(0xFFF1, "ViVOpay legacy configuration tag", Format::B, 0, None, Source::Reader, &[]),
    e(0xFFF2, "ViVOpay legacy configuration tag", Format::B, 0, None, Source::Reader, &[]),
    e(0xFFF3, "ViVOpay legacy configuration tag", Format::B, 0, None, Source::Reader, &[]),
    e(0xFFF4, "ViVOpay legacy configuration tag", Format::B, 0, None, Source::Reader, &[]),
    e(0xFFF5, "ViVOpay legacy configuration tag", Format::B, 0, None, Source::Reader, &[]),
    e(0xFFF6, "ViVOpay legacy configuration tag", Format::B, 0, None, Source::Reader, &[]),
    e(0xFFF7, "ViVOpay legacy configuration tag", Format::B, 0, None, Source::Reader, &[]),
    e(0xFFF8, "ViVOpay legacy configuration tag", Format::B, 0, None, Source::Reader, &[]),
    e(0xFFF9, "ViVOpay legacy configuration tag", Format::B, 0, None, Source::Reader, &[]),
    e(0xFFFA, "ViVOpay legacy configuration tag", Format::B, 0, None, Source::Reader, &[]),
    e(0xFFFB, "ViVOpay legacy configuration tag", Format::B, 0, None, Source::Reader, &[]),
    e(0xFFFC, "ViVOpay legacy configuration tag", Format::B, 0, None, Source::Reader, &[]),
    e(0xFFFD, "ViVOpay legacy configuration tag", Format::B, 0, None, Source::Reader, &[]),
    e(0xFFFE, "ViVOpay legacy configuration tag", Format::B, 0, None, Source::Reader, &[]),
    e(0xDF8115, "Error Indication (kernel 2)", Format::B, 6, Some(6), Source::Terminal, &[Tag::new(0xFF8106)]),
    e(0xDF8129, "Outcome Parameter Set (EMV contactless kernel 2)", Format::B, 8, Some(8), Source::Terminal, &[]),
    e(0xDFEC18, "EMV kernel version string", Format::Ans, 0, None, Source::Reader, &[]),
    e(0xDFEC4F, "MSR additional-tags options", Format::B, 8, Some(8), Source::Reader, &[]),
    e(0xDFED20, "Free terminal data", Format::B, 0, None, Source::Reader, &[]),
    e(0xDFED21, "Free terminal data", Format::B, 0, None, Source::Reader, &[]),
    e(0xDFED22, "Free terminal data", Format::B, 0, None, Source::Reader, &[]),
    e(0xDFEE0B, "ID TECH data (undocumented, seen empty in 02-05 output)", Format::B, 0, None, Source::Reader, &[]),
    e(0xDFEE12, "Data KSN (DUKPT account key)", Format::B, 10, Some(12), Source::Reader, &[]),
    e(0xDFEE17, "EMV entry mode (terminal configuration)", Format::B, 0, None, Source::Reader, &[]),
    e(0xDFEE1A, "Output tag list (tags to return, no lengths)", Format::B, 0, None, Source::Reader, &[]),
    e(0xDFEE1E, "Contact terminal configuration bytes", Format::B, 0, Some(8), Source::Reader, &[]),
    e(0xDFEE20, "Contact timeout / parameter (60-06)", Format::B, 0, None, Source::Reader, &[]),
    e(0xDFEE21, "Contact timeout / parameter (60-06)", Format::B, 0, None, Source::Reader, &[]),
    e(0xDFEE22, "Contact timeout / parameter (60-06)", Format::B, 0, None, Source::Reader, &[]),
    e(0xDFEE23, "MSR data (enhanced MSR record or clear tracks)", Format::B, 0, None, Source::Reader, &[]),
    e(0xDFEE25, "Transaction result / device status code", Format::B, 2, Some(2), Source::Reader, &[]),
    e(0xDFEE26, "Encryption status information", Format::B, 2, Some(2), Source::Reader, &[]),
    e(0xDFEE2D, "Configuration group number", Format::B, 1, Some(1), Source::Reader, &[]),
    e(0xDFEE2E, "Contactless group parameter", Format::B, 0, None, Source::Reader, &[]),
    e(0xDFEE30, "Track data source", Format::B, 1, Some(1), Source::Reader, &[Tag::new(0xFFEE01)]),
    e(0xDFEE31, "DD-card track 1", Format::B, 0, None, Source::Reader, &[]),
    e(0xDFEE32, "DD-card track 2", Format::B, 0, None, Source::Reader, &[]),
    e(0xDFEE3B, "VAS merchant record field", Format::B, 0, None, Source::Reader, &[]),
    e(0xDFEE3C, "VAS merchant record field", Format::B, 0, None, Source::Reader, &[]),
    e(0xDFEE3D, "VAS merchant record field", Format::B, 0, None, Source::Reader, &[]),
    e(0xDFEE4B, "Contactless group parameter", Format::B, 0, None, Source::Reader, &[]),
    e(0xDFEE4C, "Contactless group parameter", Format::B, 0, None, Source::Reader, &[]),
    e(0xDFEE4D, "Contactless group parameter", Format::B, 0, None, Source::Reader, &[]),
    e(0xDFEE51, "PIN KSN", Format::B, 10, Some(12), Source::Reader, &[]),
    e(0xDFEE7D, "NEO 2 mode flag", Format::B, 0, None, Source::Reader, &[]),
    e(0xDFEE7E, "Burst mode", Format::B, 1, Some(1), Source::Reader, &[]),
    e(0xDFEF17, "Track 1 data (contactless MSD, swipe)", Format::B, 0, None, Source::Reader, &[]),
    e(0xDFEF18, "Track 2 data (contactless MSD, swipe)", Format::B, 0, None, Source::Reader, &[]),
    e(0xDFEF1F, "Auto-authenticate and force-online", Format::B, 2, Some(2), Source::Reader, &[]),
    e(0xDFEF37, "Interface selection (MSR / contactless / contact)", Format::B, 1, Some(1), Source::Reader, &[]),
    e(0xDFEF3C, "Fallback and next-command timeout", Format::B, 3, Some(3), Source::Reader, &[]),
    e(0xDFEF4B, "ID TECH configuration (undocumented)", Format::B, 0, None, Source::Reader, &[]),
    e(0xDFEF4C, "Sensitive-data lengths (track 1, 2, 3 clear lengths)", Format::B, 6, Some(6), Source::Reader, &[]),
    e(0xDFEF4D, "Encrypted sensitive data (tracks described by DFEF4C)", Format::B, 0, None, Source::Reader, &[]),
    e(0xDFEF5A, "Default amount (Quick Chip)", Format::B, 0, None, Source::Reader, &[]),
    e(0xDFEF5B, "Masked PAN (masked copy of 5A)", Format::B, 0, None, Source::Reader, &[]),
    e(0xDFEF5D, "Masked Track 2 Equivalent Data (masked copy of 57)", Format::B, 0, None, Source::Reader, &[]),
    e(0xDFEF5E, "Mask for 9F6B", Format::B, 0, None, Source::Reader, &[]),
    e(0xDFEF5F, "Mask for FFEE13", Format::B, 0, None, Source::Reader, &[]),
    e(0xDFEF60, "Mask for FFEE14", Format::B, 0, None, Source::Reader, &[]),
    e(0xDFEF61, "ID TECH error code", Format::B, 2, Some(2), Source::Reader, &[]),
    e(0xDFEF62, "Allow MSR data from a chip card", Format::B, 1, Some(1), Source::Reader, &[]),
    e(0xDFEF65, "Enable DFEF61 error reporting", Format::B, 1, Some(1), Source::Reader, &[]),
    e(0xDFEF6F, "Keyboard character delay", Format::B, 1, Some(1), Source::Reader, &[]),
    e(0xFF8105, "Data Record (kernel 2)", Format::B, 0, None, Source::Terminal, &[]),
    e(0xFF8106, "Discretionary Data (kernel 2)", Format::B, 0, None, Source::Terminal, &[]),
    e(0xFFEE01, "ViVOpay proprietary group", Format::B, 0, None, Source::Reader, &[]),
    e(0xFFEE04, "MasterCard message container", Format::B, 0, None, Source::Reader, &[]),
    e(0xFFEE05, "MasterCard message container", Format::B, 0, None, Source::Reader, &[]),
    e(0xFFEE06, "Apple VAS container", Format::B, 0, None, Source::Reader, &[]),
    e(0xFFEE08, "VAS / loyalty container", Format::B, 0, None, Source::Reader, &[]),
    e(0xFFEE12, "ID TECH KSN container", Format::B, 0, None, Source::Reader, &[]),
    e(0xFFEE13, "Track 1 data (MSR / MSD)", Format::B, 0, None, Source::Reader, &[]),
    e(0xFFEE14, "Track 2 data (MSR / MSD)", Format::B, 0, None, Source::Reader, &[]),
    e(0xFFEE1F, "Contactless error (code, SW1, SW2, RF state)", Format::B, 4, Some(4), Source::Reader, &[]),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dictionary_is_sorted_without_duplicates() {
        for pair in TAGS.windows(2) {
            assert!(
                pair[0].tag < pair[1].tag,
                "{} before {}",
                pair[0].tag,
                pair[1].tag
            );
        }
    }

    #[test]
    fn the_dictionary_holds_every_spec_tag_and_the_id_tech_ones() {
        let emv = TAGS.iter().filter(|i| i.source != Source::Reader).count();
        assert!(emv >= 135, "{emv}");
        for t in [
            0xDFEE23, 0xFFEE01, 0xFFE4, 0xFFF0, 0xFFFE, 0xDFEF5B, 0xDFEE12,
        ] {
            assert_eq!(
                lookup(Tag::new(t)).map(|i| i.source),
                Some(Source::Reader),
                "{t:X}"
            );
        }
    }

    #[test]
    fn lookups_give_name_format_length_source_and_template() {
        let amount = lookup(Tag::new(0x9F02)).unwrap();
        assert_eq!(amount.name(), "Amount, Authorised (Numeric)");
        assert_eq!(amount.format(), Format::N);
        assert_eq!((amount.min_len(), amount.max_len()), (6, Some(6)));
        assert_eq!(amount.source(), Source::Terminal);
        let pan = lookup(Tag::new(0x5A)).unwrap();
        assert_eq!(pan.format(), Format::Cn);
        assert_eq!(pan.templates(), [Tag::new(0x70), Tag::new(0x77)]);
        assert!(pan.accepts_len(8) && !pan.accepts_len(11));
        assert_eq!(format_of(Tag::new(0x9F1E)), Format::An);
    }

    #[test]
    fn unknown_tags_get_a_generic_name_and_binary_format() {
        assert_eq!(lookup(Tag::new(0x9F7F)), None);
        assert_eq!(name_of(Tag::new(0x9F7F)), "unknown tag");
        assert_eq!(name_of(Tag::new(0xDFEE99)), "ID TECH proprietary");
        assert_eq!(
            name_of(Tag::new(0xFFE1)),
            "ID TECH proprietary (2-byte tag)"
        );
        assert_eq!(format_of(Tag::new(0x9F7F)), Format::B);
    }
}
