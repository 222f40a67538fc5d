//! Typed bit maps and CVM structures: TVR (`95`), TSI (`9B`), Terminal Capabilities
//! (`9F33`), Additional Terminal Capabilities (`9F40`), AIP (`82`), AUC (`9F07`), CVM
//! Results (`9F34`) and the CVM List (`8E`). `Display` names what is set.

use core::fmt;

use crate::value::ValueError;

/// Writes the names of the set bits, comma separated, or `none`.
fn write_names<'n>(
    f: &mut fmt::Formatter<'_>,
    names: impl Iterator<Item = &'n str>,
) -> fmt::Result {
    let mut any = false;
    for n in names {
        if any {
            f.write_str(", ")?;
        }
        f.write_str(n)?;
        any = true;
    }
    if !any {
        f.write_str("none")?;
    }
    Ok(())
}

macro_rules! bitmap {
    (
        $(#[$meta:meta])*
        $name:ident, $bit:ident, $tag:literal, $len:literal,
        { $( $variant:ident = ($byte:literal, $mask:literal, $text:literal), )* }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub struct $name([u8; $len]);

        #[doc = concat!("One named bit of [`", stringify!($name), "`] (tag `", $tag, "`).")]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $bit {
            $( #[doc = $text] $variant, )*
        }

        impl $bit {
            /// Every named bit, in byte and bit order.
            pub const ALL: &'static [$bit] = &[$($bit::$variant),*];

            /// What the bit means, as the EMV books word it.
            #[must_use]
            pub const fn name(self) -> &'static str {
                match self { $($bit::$variant => $text),* }
            }

            /// The byte index (0-based) and mask of the bit.
            #[must_use]
            pub const fn position(self) -> (usize, u8) {
                match self { $($bit::$variant => ($byte - 1, $mask)),* }
            }
        }

        impl fmt::Display for $bit {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }

        impl $name {
            /// The length of the value in bytes.
            pub const LEN: usize = $len;

            /// The bit map of these bytes.
            #[must_use]
            pub const fn from_bytes(bytes: [u8; $len]) -> Self {
                $name(bytes)
            }

            #[doc = concat!("Reads the value of tag `", $tag, "`.")]
            ///
            /// # Errors
            /// [`ValueError::WrongLength`] unless the value has exactly [`Self::LEN`] bytes.
            pub fn from_value(value: &[u8]) -> Result<Self, ValueError> {
                <[u8; $len]>::try_from(value)
                    .map($name)
                    .map_err(|_| ValueError::WrongLength { expected: $len, actual: value.len() })
            }

            /// The raw bytes.
            #[must_use]
            pub const fn bytes(&self) -> [u8; $len] {
                self.0
            }

            /// Whether `bit` is set.
            #[must_use]
            pub fn contains(&self, bit: $bit) -> bool {
                let (byte, mask) = bit.position();
                self.0.get(byte).is_some_and(|b| b & mask != 0)
            }

            /// Sets `bit`.
            pub fn set(&mut self, bit: $bit) {
                let (byte, mask) = bit.position();
                if let Some(b) = self.0.get_mut(byte) {
                    *b |= mask;
                }
            }

            /// The named bits that are set, in byte and bit order (RFU bits are not named).
            pub fn iter(&self) -> impl Iterator<Item = $bit> + '_ {
                $bit::ALL.iter().copied().filter(|b| self.contains(*b))
            }
        }

        impl fmt::Display for $name {
            /// The names of the set bits, comma separated, or `none`.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write_names(f, self.iter().map($bit::name))
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({}: {})", stringify!($name), crate::hex::Hex(&self.0), self)
            }
        }
    };
}

bitmap! {
    /// Terminal Verification Results (`95`, 5 bytes), EMV 4.4 bits included.
    ///
    /// ```
    /// use cardpointe_emv::bits::{Tvr, TvrBit};
    /// let tvr = Tvr::from_value(&[0x80, 0x00, 0x00, 0x80, 0x00])?;
    /// assert!(tvr.contains(TvrBit::TransactionExceedsFloorLimit));
    /// assert_eq!(
    ///     tvr.to_string(),
    ///     "Offline data authentication was not performed, Transaction exceeds floor limit"
    /// );
    /// # Ok::<(), cardpointe_emv::value::ValueError>(())
    /// ```
    Tvr, TvrBit, "95", 5, {
        OfflineDataAuthenticationNotPerformed = (1, 0x80, "Offline data authentication was not performed"),
        SdaFailed = (1, 0x40, "SDA failed"),
        IccDataMissing = (1, 0x20, "ICC data missing"),
        CardOnExceptionFile = (1, 0x10, "Card appears on terminal exception file"),
        DdaFailed = (1, 0x08, "DDA failed"),
        CdaFailed = (1, 0x04, "CDA failed"),
        SdaSelected = (1, 0x02, "SDA selected"),
        XdaSelected = (1, 0x01, "XDA selected"),
        VersionsDiffer = (2, 0x80, "ICC and terminal have different application versions"),
        ExpiredApplication = (2, 0x40, "Expired application"),
        ApplicationNotYetEffective = (2, 0x20, "Application not yet effective"),
        ServiceNotAllowed = (2, 0x10, "Requested service not allowed for card product"),
        NewCard = (2, 0x08, "New card"),
        BiometricSuccessful = (2, 0x02, "Biometric performed and successful"),
        BiometricTemplateFormatNotSupported = (2, 0x01, "Biometric template format not supported"),
        CardholderVerificationFailed = (3, 0x80, "Cardholder verification was not successful"),
        UnrecognisedCvm = (3, 0x40, "Unrecognised CVM"),
        PinTryLimitExceeded = (3, 0x20, "PIN Try Limit exceeded"),
        PinPadAbsent = (3, 0x10, "PIN entry required and PIN pad not present or not working"),
        PinNotEntered = (3, 0x08, "PIN entry required, PIN pad present, but PIN was not entered"),
        OnlinePinEntered = (3, 0x04, "Online CVM captured"),
        BiometricCaptureDeviceNotWorking = (3, 0x02, "Biometric required but capture device not working"),
        BiometricSubtypeBypassed = (3, 0x01, "Biometric subtype entry bypassed"),
        TransactionExceedsFloorLimit = (4, 0x80, "Transaction exceeds floor limit"),
        LowerOfflineLimitExceeded = (4, 0x40, "Lower consecutive offline limit exceeded"),
        UpperOfflineLimitExceeded = (4, 0x20, "Upper consecutive offline limit exceeded"),
        RandomlySelectedOnline = (4, 0x10, "Transaction selected randomly for online processing"),
        MerchantForcedOnline = (4, 0x08, "Merchant forced transaction online"),
        BiometricTryLimitExceeded = (4, 0x04, "Biometric try limit exceeded"),
        BiometricTypeNotSupported = (4, 0x02, "A selected biometric type not supported"),
        XdaSignatureFailed = (4, 0x01, "XDA signature verification failed"),
        DefaultTdolUsed = (5, 0x80, "Default TDOL used"),
        IssuerAuthenticationFailed = (5, 0x40, "Issuer authentication failed"),
        ScriptFailedBeforeFinalGenerateAc = (5, 0x20, "Script processing failed before final GENERATE AC"),
        ScriptFailedAfterFinalGenerateAc = (5, 0x10, "Script processing failed after final GENERATE AC"),
        CaEccKeyMissing = (5, 0x04, "CA ECC key missing"),
        EccKeyRecoveryFailed = (5, 0x02, "ECC key recovery failed"),
    }
}

bitmap! {
    /// Transaction Status Information (`9B`, 2 bytes).
    Tsi, TsiBit, "9B", 2, {
        OfflineDataAuthenticationPerformed = (1, 0x80, "Offline data authentication was performed"),
        CardholderVerificationPerformed = (1, 0x40, "Cardholder verification was performed"),
        CardRiskManagementPerformed = (1, 0x20, "Card risk management was performed"),
        IssuerAuthenticationPerformed = (1, 0x10, "Issuer authentication was performed"),
        TerminalRiskManagementPerformed = (1, 0x08, "Terminal risk management was performed"),
        ScriptProcessingPerformed = (1, 0x04, "Script processing was performed"),
    }
}

bitmap! {
    /// Terminal Capabilities (`9F33`, 3 bytes): card data input, CVM and security capability.
    TerminalCapabilities, TerminalCapability, "9F33", 3, {
        ManualKeyEntry = (1, 0x80, "Manual key entry"),
        MagneticStripe = (1, 0x40, "Magnetic stripe"),
        IcWithContacts = (1, 0x20, "IC with contacts"),
        PlaintextPinForIcc = (2, 0x80, "Plaintext PIN for ICC verification"),
        EncipheredPinOnline = (2, 0x40, "Enciphered PIN for online verification"),
        Signature = (2, 0x20, "Signature (paper)"),
        EncipheredPinOffline = (2, 0x10, "Enciphered PIN for offline verification"),
        NoCvmRequired = (2, 0x08, "No CVM required"),
        OnlineBiometric = (2, 0x04, "Online biometric"),
        OfflineBiometric = (2, 0x02, "Offline biometric"),
        EncipheredPinOfflineEcc = (2, 0x01, "Enciphered PIN for offline verification (ECC)"),
        Sda = (3, 0x80, "SDA"),
        Dda = (3, 0x40, "DDA"),
        CardCapture = (3, 0x20, "Card capture"),
        Cda = (3, 0x08, "CDA"),
        Xda = (3, 0x04, "XDA"),
    }
}

bitmap! {
    /// Additional Terminal Capabilities (`9F40`, 5 bytes).
    AdditionalTerminalCapabilities, AdditionalTerminalCapability, "9F40", 5, {
        Cash = (1, 0x80, "Cash"),
        Goods = (1, 0x40, "Goods"),
        Services = (1, 0x20, "Services"),
        Cashback = (1, 0x10, "Cashback"),
        Inquiry = (1, 0x08, "Inquiry"),
        Transfer = (1, 0x04, "Transfer"),
        Payment = (1, 0x02, "Payment"),
        Administrative = (1, 0x01, "Administrative"),
        CashDeposit = (2, 0x80, "Cash deposit"),
        NumericKeys = (3, 0x80, "Numeric keys"),
        AlphabeticAndSpecialKeys = (3, 0x40, "Alphabetic and special characters keys"),
        CommandKeys = (3, 0x20, "Command keys"),
        FunctionKeys = (3, 0x10, "Function keys"),
        PrintAttendant = (4, 0x80, "Print, attendant"),
        PrintCardholder = (4, 0x40, "Print, cardholder"),
        DisplayAttendant = (4, 0x20, "Display, attendant"),
        DisplayCardholder = (4, 0x10, "Display, cardholder"),
        CodeTable10 = (4, 0x02, "Code table 10"),
        CodeTable9 = (4, 0x01, "Code table 9"),
        CodeTable8 = (5, 0x80, "Code table 8"),
        CodeTable7 = (5, 0x40, "Code table 7"),
        CodeTable6 = (5, 0x20, "Code table 6"),
        CodeTable5 = (5, 0x10, "Code table 5"),
        CodeTable4 = (5, 0x08, "Code table 4"),
        CodeTable3 = (5, 0x04, "Code table 3"),
        CodeTable2 = (5, 0x02, "Code table 2"),
        CodeTable1 = (5, 0x01, "Code table 1"),
    }
}

bitmap! {
    /// Application Interchange Profile (`82`, 2 bytes).
    Aip, AipBit, "82", 2, {
        SdaSupported = (1, 0x40, "SDA supported"),
        DdaSupported = (1, 0x20, "DDA supported"),
        CardholderVerificationSupported = (1, 0x10, "Cardholder verification is supported"),
        TerminalRiskManagement = (1, 0x08, "Terminal risk management is to be performed"),
        IssuerAuthenticationSupported = (1, 0x04, "Issuer authentication is supported"),
        OnDeviceCardholderVerification = (1, 0x02, "On device cardholder verification is supported"),
        CdaSupported = (1, 0x01, "CDA supported"),
        EmvModeSupported = (2, 0x80, "EMV mode supported (contactless)"),
    }
}

bitmap! {
    /// Application Usage Control (`9F07`, 2 bytes).
    Auc, AucBit, "9F07", 2, {
        DomesticCash = (1, 0x80, "Valid for domestic cash transactions"),
        InternationalCash = (1, 0x40, "Valid for international cash transactions"),
        DomesticGoods = (1, 0x20, "Valid for domestic goods"),
        InternationalGoods = (1, 0x10, "Valid for international goods"),
        DomesticServices = (1, 0x08, "Valid for domestic services"),
        InternationalServices = (1, 0x04, "Valid for international services"),
        Atms = (1, 0x02, "Valid at ATMs"),
        NonAtmTerminals = (1, 0x01, "Valid at terminals other than ATMs"),
        DomesticCashback = (2, 0x80, "Domestic cashback allowed"),
        InternationalCashback = (2, 0x40, "International cashback allowed"),
    }
}

/// A cardholder verification method (bits b6..b1 of a CV rule's first byte).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CvmMethod {
    /// `00`: fail CVM processing.
    FailCvm,
    /// `01`: plaintext PIN verified by the ICC.
    PlaintextPinByIcc,
    /// `02`: enciphered PIN verified online.
    EncipheredPinOnline,
    /// `03`: plaintext PIN verified by the ICC, and signature.
    PlaintextPinByIccAndSignature,
    /// `04`: enciphered PIN verified by the ICC.
    EncipheredPinByIcc,
    /// `05`: enciphered PIN verified by the ICC, and signature.
    EncipheredPinByIccAndSignature,
    /// `06..0F`: a biometric method (EMV 4.4), with its code.
    Biometric(u8),
    /// `1E`: signature (paper).
    Signature,
    /// `1F`: no CVM required.
    NoCvmRequired,
    /// `3F`: not available / no CVM performed.
    NotAvailable,
    /// Any other code (RFU or scheme-specific).
    Other(u8),
}

impl CvmMethod {
    /// The method of a code (b6..b1; higher bits are ignored).
    #[must_use]
    pub const fn from_code(code: u8) -> Self {
        match code & 0x3F {
            0x00 => CvmMethod::FailCvm,
            0x01 => CvmMethod::PlaintextPinByIcc,
            0x02 => CvmMethod::EncipheredPinOnline,
            0x03 => CvmMethod::PlaintextPinByIccAndSignature,
            0x04 => CvmMethod::EncipheredPinByIcc,
            0x05 => CvmMethod::EncipheredPinByIccAndSignature,
            c @ 0x06..=0x0F => CvmMethod::Biometric(c),
            0x1E => CvmMethod::Signature,
            0x1F => CvmMethod::NoCvmRequired,
            0x3F => CvmMethod::NotAvailable,
            c => CvmMethod::Other(c),
        }
    }
}

impl fmt::Display for CvmMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CvmMethod::FailCvm => f.write_str("Fail CVM processing"),
            CvmMethod::PlaintextPinByIcc => f.write_str("Plaintext PIN verified by ICC"),
            CvmMethod::EncipheredPinOnline => f.write_str("Enciphered PIN verified online"),
            CvmMethod::PlaintextPinByIccAndSignature => {
                f.write_str("Plaintext PIN verified by ICC and signature")
            }
            CvmMethod::EncipheredPinByIcc => f.write_str("Enciphered PIN verified by ICC"),
            CvmMethod::EncipheredPinByIccAndSignature => {
                f.write_str("Enciphered PIN verified by ICC and signature")
            }
            CvmMethod::Biometric(c) => write!(f, "Biometric method {c:02X}"),
            CvmMethod::Signature => f.write_str("Signature (paper)"),
            CvmMethod::NoCvmRequired => f.write_str("No CVM required"),
            CvmMethod::NotAvailable => f.write_str("No CVM performed"),
            CvmMethod::Other(c) => write!(f, "Method {c:02X} (RFU or proprietary)"),
        }
    }
}

/// When a CV rule applies (second byte of a rule).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CvmCondition {
    /// `00`.
    Always,
    /// `01`.
    UnattendedCash,
    /// `02`.
    NotCashOrManualCashOrCashback,
    /// `03`.
    TerminalSupportsMethod,
    /// `04`.
    ManualCash,
    /// `05`.
    PurchaseWithCashback,
    /// `06`.
    AmountUnderX,
    /// `07`.
    AmountOverX,
    /// `08`.
    AmountUnderY,
    /// `09`.
    AmountOverY,
    /// Any other code.
    Other(u8),
}

impl CvmCondition {
    /// The condition of a code.
    #[must_use]
    pub const fn from_code(code: u8) -> Self {
        match code {
            0x00 => CvmCondition::Always,
            0x01 => CvmCondition::UnattendedCash,
            0x02 => CvmCondition::NotCashOrManualCashOrCashback,
            0x03 => CvmCondition::TerminalSupportsMethod,
            0x04 => CvmCondition::ManualCash,
            0x05 => CvmCondition::PurchaseWithCashback,
            0x06 => CvmCondition::AmountUnderX,
            0x07 => CvmCondition::AmountOverX,
            0x08 => CvmCondition::AmountUnderY,
            0x09 => CvmCondition::AmountOverY,
            c => CvmCondition::Other(c),
        }
    }
}

impl fmt::Display for CvmCondition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CvmCondition::Always => "always",
            CvmCondition::UnattendedCash => "if unattended cash",
            CvmCondition::NotCashOrManualCashOrCashback => {
                "if not unattended cash, not manual cash and not cashback"
            }
            CvmCondition::TerminalSupportsMethod => "if terminal supports the CVM",
            CvmCondition::ManualCash => "if manual cash",
            CvmCondition::PurchaseWithCashback => "if purchase with cashback",
            CvmCondition::AmountUnderX => "if amount under X",
            CvmCondition::AmountOverX => "if amount over X",
            CvmCondition::AmountUnderY => "if amount under Y",
            CvmCondition::AmountOverY => "if amount over Y",
            CvmCondition::Other(c) => return write!(f, "condition {c:02X} (RFU or proprietary)"),
        })
    }
}

/// One CV rule of a CVM List: method, condition, and whether to try the next rule if it fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct CvRule {
    /// The method.
    pub method: CvmMethod,
    /// Bit b7 of the first byte: apply the next rule if this one fails.
    pub apply_next_if_unsuccessful: bool,
    /// The condition.
    pub condition: CvmCondition,
}

impl CvRule {
    /// The rule of two bytes.
    #[must_use]
    pub const fn from_bytes(first: u8, second: u8) -> Self {
        CvRule {
            method: CvmMethod::from_code(first),
            apply_next_if_unsuccessful: first & 0x40 != 0,
            condition: CvmCondition::from_code(second),
        }
    }
}

impl fmt::Display for CvRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}, {}", self.method, self.condition)?;
        if self.apply_next_if_unsuccessful {
            f.write_str(", else next rule")?;
        }
        Ok(())
    }
}

/// The outcome byte of CVM Results.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CvmOutcome {
    /// `00`: unknown (signature, online PIN: decided later).
    Unknown,
    /// `01`: failed.
    Failed,
    /// `02`: successful.
    Successful,
    /// Any other value.
    Other(u8),
}

/// CVM Results (`9F34`, 3 bytes): the rule performed and its outcome.
///
/// ```
/// use cardpointe_emv::bits::CvmResults;
/// let r = CvmResults::from_value(&[0x1E, 0x03, 0x00])?;
/// assert_eq!(r.to_string(), "Signature (paper), if terminal supports the CVM: result unknown");
/// # Ok::<(), cardpointe_emv::value::ValueError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CvmResults {
    rule: CvRule,
    outcome: CvmOutcome,
}

impl CvmResults {
    /// Reads the 3-byte value.
    ///
    /// # Errors
    /// [`ValueError::WrongLength`] unless 3 bytes.
    pub fn from_value(value: &[u8]) -> Result<Self, ValueError> {
        let [a, b, c] = *value else {
            return Err(ValueError::WrongLength {
                expected: 3,
                actual: value.len(),
            });
        };
        Ok(CvmResults {
            rule: CvRule::from_bytes(a, b),
            outcome: match c {
                0 => CvmOutcome::Unknown,
                1 => CvmOutcome::Failed,
                2 => CvmOutcome::Successful,
                o => CvmOutcome::Other(o),
            },
        })
    }

    /// The rule performed.
    #[must_use]
    pub const fn rule(&self) -> CvRule {
        self.rule
    }

    /// Its outcome.
    #[must_use]
    pub const fn outcome(&self) -> CvmOutcome {
        self.outcome
    }
}

impl fmt::Display for CvmResults {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}, {}: ", self.rule.method, self.rule.condition)?;
        match self.outcome {
            CvmOutcome::Unknown => f.write_str("result unknown"),
            CvmOutcome::Failed => f.write_str("failed"),
            CvmOutcome::Successful => f.write_str("successful"),
            CvmOutcome::Other(o) => write!(f, "result {o:02X}"),
        }
    }
}

/// A CVM List (`8E`): amounts X and Y, then 2-byte CV rules. Borrows the value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CvmList<'a> {
    amount_x: u32,
    amount_y: u32,
    rules: &'a [u8],
}

impl<'a> CvmList<'a> {
    /// Reads the value: at least 8 bytes (X and Y), then an even number of rule bytes.
    ///
    /// # Errors
    /// [`ValueError::WrongLength`] when shorter than 8 bytes or with an odd rule byte.
    pub fn from_value(value: &'a [u8]) -> Result<Self, ValueError> {
        let (Some(x), Some(y), Some(rules)) = (
            value.get(0..4).and_then(|b| <[u8; 4]>::try_from(b).ok()),
            value.get(4..8).and_then(|b| <[u8; 4]>::try_from(b).ok()),
            value.get(8..),
        ) else {
            return Err(ValueError::WrongLength {
                expected: 8,
                actual: value.len(),
            });
        };
        if !rules.len().is_multiple_of(2) {
            return Err(ValueError::WrongLength {
                expected: value.len() + 1,
                actual: value.len(),
            });
        }
        Ok(CvmList {
            amount_x: u32::from_be_bytes(x),
            amount_y: u32::from_be_bytes(y),
            rules,
        })
    }

    /// Amount X (binary, in the application currency's minor units).
    #[must_use]
    pub const fn amount_x(&self) -> u32 {
        self.amount_x
    }

    /// Amount Y.
    #[must_use]
    pub const fn amount_y(&self) -> u32 {
        self.amount_y
    }

    /// The rules, in order.
    pub fn rules(&self) -> impl Iterator<Item = CvRule> + 'a {
        self.rules.chunks_exact(2).map(|r| {
            CvRule::from_bytes(
                r.first().copied().unwrap_or(0),
                r.get(1).copied().unwrap_or(0),
            )
        })
    }
}

impl fmt::Display for CvmList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "X={} Y={}", self.amount_x, self.amount_y)?;
        for r in self.rules() {
            write!(f, "; {r}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn tsi_names_the_steps_performed() {
        let tsi = Tsi::from_value(&[0xE8, 0x00]).unwrap();
        assert_eq!(
            tsi.to_string(),
            "Offline data authentication was performed, Cardholder verification was performed, \
             Card risk management was performed, Terminal risk management was performed"
        );
        assert_eq!(Tsi::from_value(&[0, 0]).unwrap().to_string(), "none");
        assert!(Tsi::from_value(&[0]).is_err());
    }

    #[test]
    fn terminal_capabilities_of_the_spec_examples() {
        let c = TerminalCapabilities::from_value(&[0x60, 0x08, 0xC8]).unwrap();
        assert_eq!(
            c.to_string(),
            "Magnetic stripe, IC with contacts, No CVM required, SDA, DDA, CDA"
        );
        let c = TerminalCapabilities::from_value(&[0x40, 0x20, 0x00]).unwrap();
        assert_eq!(c.to_string(), "Magnetic stripe, Signature (paper)");
        let mut c = TerminalCapabilities::default();
        c.set(TerminalCapability::Cda);
        assert_eq!(c.bytes(), [0, 0, 0x08]);
    }

    #[test]
    fn aip_auc_and_additional_capabilities_name_their_bits() {
        let aip = Aip::from_value(&[0x19, 0x80]).unwrap();
        assert_eq!(
            aip.iter().collect::<alloc::vec::Vec<_>>(),
            [
                AipBit::CardholderVerificationSupported,
                AipBit::TerminalRiskManagement,
                AipBit::CdaSupported,
                AipBit::EmvModeSupported
            ]
        );
        let auc = Auc::from_value(&[0xFF, 0x00]).unwrap();
        assert_eq!(auc.iter().count(), 8);
        let atc = AdditionalTerminalCapabilities::from_value(&[0x60, 0, 0xF0, 0xB0, 0x01]).unwrap();
        assert!(atc.contains(AdditionalTerminalCapability::Goods));
        assert!(atc.contains(AdditionalTerminalCapability::CodeTable1));
        assert!(
            alloc::format!("{atc:?}")
                .starts_with("AdditionalTerminalCapabilities(6000F0B001: Goods")
        );
    }

    #[test]
    fn cvm_results_of_the_spec_examples() {
        let r = CvmResults::from_value(&[0x1F, 0x03, 0x02]).unwrap();
        assert_eq!(
            r.to_string(),
            "No CVM required, if terminal supports the CVM: successful"
        );
        let r = CvmResults::from_value(&[0x42, 0x03, 0x00]).unwrap();
        assert_eq!(r.rule().method, CvmMethod::EncipheredPinOnline);
        assert!(r.rule().apply_next_if_unsuccessful);
        assert_eq!(
            CvmResults::from_value(&[0x3F, 0, 0]).unwrap().to_string(),
            "No CVM performed, always: result unknown"
        );
    }

    #[test]
    fn a_cvm_list_reads_amounts_and_rules() {
        let v = [
            0, 0, 0x27, 0x10, 0, 0, 0, 0, 0x42, 0x03, 0x1E, 0x03, 0x1F, 0x00,
        ];
        let l = CvmList::from_value(&v).unwrap();
        assert_eq!(l.amount_x(), 10_000);
        let rules: alloc::vec::Vec<_> = l.rules().collect();
        assert_eq!(rules.len(), 3);
        assert_eq!(rules[1].method, CvmMethod::Signature);
        assert_eq!(
            l.to_string(),
            "X=10000 Y=0; Enciphered PIN verified online, if terminal supports the CVM, else next rule; \
             Signature (paper), if terminal supports the CVM; No CVM required, always"
        );
        assert!(CvmList::from_value(&v[..9]).is_err());
        assert!(CvmList::from_value(&v[..7]).is_err());
    }
}
