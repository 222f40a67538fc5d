//! The status byte of NEO 2 responses (spec section 3) and the EMV result codes of tag DFEE25.

use core::fmt;

/// The status code of a response frame: byte 11 of protocol 2, byte 12 of protocol 3.
///
/// Every code of the IDG table has a variant; any other byte stays representable as
/// [`StatusCode::Unknown`], so a newer firmware never makes a frame unreadable.
///
/// ```
/// use cardpointe_vp3300::StatusCode;
/// assert_eq!(StatusCode::from_byte(0x08), StatusCode::Timeout);
/// assert_eq!(StatusCode::Timeout.byte(), 0x08);
/// assert_eq!(StatusCode::from_byte(0xA0), StatusCode::Unknown(0xA0));
/// assert_eq!(StatusCode::CrcError.sdk_code(), 0xEE04);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StatusCode {
    /// `00`: OK.
    Ok,
    /// `01`: Incorrect header tag.
    IncorrectHeaderTag,
    /// `02`: Unknown command.
    UnknownCommand,
    /// `03`: Unknown sub-command.
    UnknownSubCommand,
    /// `04`: CRC error in frame.
    CrcError,
    /// `05`: Incorrect parameter.
    IncorrectParameter,
    /// `06`: Parameter not supported.
    ParameterNotSupported,
    /// `07`: Mal-formatted data.
    MalformattedData,
    /// `08`: Timeout (e.g. no card presented in time).
    Timeout,
    /// `0A`: Failed / NACK.
    Failed,
    /// `0B`: Command not allowed.
    CommandNotAllowed,
    /// `0C`: Sub-command not allowed.
    SubCommandNotAllowed,
    /// `0D`: Buffer overflow (data length too large for reader buffer).
    BufferOverflow,
    /// `0E`: User interface event.
    UserInterfaceEvent,
    /// `10`: Need clear firmware (boot loader only).
    NeedClearFirmware,
    /// `11`: Communication type not supported / need encrypted firmware.
    CommunicationTypeNotSupported,
    /// `12`: Secure interface not functional or in an intermediate state.
    SecureInterfaceNotFunctional,
    /// `13`: Data field is not mod 8.
    DataNotMod8,
    /// `14`: Pad 0x80 not found where expected.
    Pad80NotFound,
    /// `15`: Specified key type is invalid.
    InvalidKeyType,
    /// `16`: Could not retrieve key from the SAM.
    KeyRetrievalFailed,
    /// `17`: Hash code problem.
    HashCodeProblem,
    /// `18`: Could not store the key into the SAM.
    KeyStoreFailed,
    /// `19`: Frame is too large.
    FrameTooLarge,
    /// `1A`: Powered up in authentication state; host must resend InitSecureComm.
    ResendInitSecureComm,
    /// `1B`: EEPROM may not be initialised.
    EepromNotInitialised,
    /// `1C`: Problem encoding APDU.
    ApduEncodingProblem,
    /// `1D`: Tamper occurred.
    Tamper,
    /// `20`: Unsupported index (ILM) / SAM transceiver error.
    UnsupportedIndex,
    /// `21`: Unexpected sequence counter (ILM) / SAM length error.
    UnexpectedSequenceCounter,
    /// `22`: Improper bit map (ILM).
    ImproperBitMap,
    /// `23`: Request online authorization (data present).
    RequestOnlineAuthorization,
    /// `24`: ViVOCard3 raw data read successful.
    RawDataReadSuccessful,
    /// `25`: Message index not available (ILM).
    MessageIndexNotAvailable,
    /// `26`: Version information mismatch (ILM).
    VersionMismatch,
    /// `27`: Commands not sent in the correct message index (ILM).
    WrongMessageIndexOrder,
    /// `28`: Time out or next expected message not received (ILM).
    NextMessageTimeout,
    /// `29`: ILM languages not available for viewing.
    LanguagesNotAvailable,
    /// `2A`: Other language not supported (ILM).
    LanguageNotSupported,
    /// `50`: Auto-switch OK.
    AutoSwitchOk,
    /// `51`: Auto-switch failed.
    AutoSwitchFailed,
    /// `60`: Data does not exist.
    DataDoesNotExist,
    /// `61`: Data full.
    DataFull,
    /// `62`: Write flash error.
    WriteFlashError,
    /// `63`: OK and another response follows.
    OkAnotherResponseFollows,
    /// `80`: Cannot start contact EMV transaction.
    CannotStartContactEmv,
    /// `81`: CTLS/MSR cancelled because a card was inserted.
    CancelledByCardInsertion,
    /// `90`: Account DUKPT key does not exist.
    DukptKeyMissing,
    /// `91`: Account DUKPT key KSN exhausted.
    DukptKsnExhausted,
    /// A code outside the documented table (kept verbatim).
    Unknown(u8),
}

impl StatusCode {
    /// The status for a raw byte.
    #[must_use]
    pub const fn from_byte(byte: u8) -> Self {
        match byte {
            0x00 => Self::Ok,
            0x01 => Self::IncorrectHeaderTag,
            0x02 => Self::UnknownCommand,
            0x03 => Self::UnknownSubCommand,
            0x04 => Self::CrcError,
            0x05 => Self::IncorrectParameter,
            0x06 => Self::ParameterNotSupported,
            0x07 => Self::MalformattedData,
            0x08 => Self::Timeout,
            0x0A => Self::Failed,
            0x0B => Self::CommandNotAllowed,
            0x0C => Self::SubCommandNotAllowed,
            0x0D => Self::BufferOverflow,
            0x0E => Self::UserInterfaceEvent,
            0x10 => Self::NeedClearFirmware,
            0x11 => Self::CommunicationTypeNotSupported,
            0x12 => Self::SecureInterfaceNotFunctional,
            0x13 => Self::DataNotMod8,
            0x14 => Self::Pad80NotFound,
            0x15 => Self::InvalidKeyType,
            0x16 => Self::KeyRetrievalFailed,
            0x17 => Self::HashCodeProblem,
            0x18 => Self::KeyStoreFailed,
            0x19 => Self::FrameTooLarge,
            0x1A => Self::ResendInitSecureComm,
            0x1B => Self::EepromNotInitialised,
            0x1C => Self::ApduEncodingProblem,
            0x1D => Self::Tamper,
            0x20 => Self::UnsupportedIndex,
            0x21 => Self::UnexpectedSequenceCounter,
            0x22 => Self::ImproperBitMap,
            0x23 => Self::RequestOnlineAuthorization,
            0x24 => Self::RawDataReadSuccessful,
            0x25 => Self::MessageIndexNotAvailable,
            0x26 => Self::VersionMismatch,
            0x27 => Self::WrongMessageIndexOrder,
            0x28 => Self::NextMessageTimeout,
            0x29 => Self::LanguagesNotAvailable,
            0x2A => Self::LanguageNotSupported,
            0x50 => Self::AutoSwitchOk,
            0x51 => Self::AutoSwitchFailed,
            0x60 => Self::DataDoesNotExist,
            0x61 => Self::DataFull,
            0x62 => Self::WriteFlashError,
            0x63 => Self::OkAnotherResponseFollows,
            0x80 => Self::CannotStartContactEmv,
            0x81 => Self::CancelledByCardInsertion,
            0x90 => Self::DukptKeyMissing,
            0x91 => Self::DukptKsnExhausted,
            other => Self::Unknown(other),
        }
    }

    /// The byte on the wire.
    #[must_use]
    pub const fn byte(self) -> u8 {
        match self {
            Self::Ok => 0x00,
            Self::IncorrectHeaderTag => 0x01,
            Self::UnknownCommand => 0x02,
            Self::UnknownSubCommand => 0x03,
            Self::CrcError => 0x04,
            Self::IncorrectParameter => 0x05,
            Self::ParameterNotSupported => 0x06,
            Self::MalformattedData => 0x07,
            Self::Timeout => 0x08,
            Self::Failed => 0x0A,
            Self::CommandNotAllowed => 0x0B,
            Self::SubCommandNotAllowed => 0x0C,
            Self::BufferOverflow => 0x0D,
            Self::UserInterfaceEvent => 0x0E,
            Self::NeedClearFirmware => 0x10,
            Self::CommunicationTypeNotSupported => 0x11,
            Self::SecureInterfaceNotFunctional => 0x12,
            Self::DataNotMod8 => 0x13,
            Self::Pad80NotFound => 0x14,
            Self::InvalidKeyType => 0x15,
            Self::KeyRetrievalFailed => 0x16,
            Self::HashCodeProblem => 0x17,
            Self::KeyStoreFailed => 0x18,
            Self::FrameTooLarge => 0x19,
            Self::ResendInitSecureComm => 0x1A,
            Self::EepromNotInitialised => 0x1B,
            Self::ApduEncodingProblem => 0x1C,
            Self::Tamper => 0x1D,
            Self::UnsupportedIndex => 0x20,
            Self::UnexpectedSequenceCounter => 0x21,
            Self::ImproperBitMap => 0x22,
            Self::RequestOnlineAuthorization => 0x23,
            Self::RawDataReadSuccessful => 0x24,
            Self::MessageIndexNotAvailable => 0x25,
            Self::VersionMismatch => 0x26,
            Self::WrongMessageIndexOrder => 0x27,
            Self::NextMessageTimeout => 0x28,
            Self::LanguagesNotAvailable => 0x29,
            Self::LanguageNotSupported => 0x2A,
            Self::AutoSwitchOk => 0x50,
            Self::AutoSwitchFailed => 0x51,
            Self::DataDoesNotExist => 0x60,
            Self::DataFull => 0x61,
            Self::WriteFlashError => 0x62,
            Self::OkAnotherResponseFollows => 0x63,
            Self::CannotStartContactEmv => 0x80,
            Self::CancelledByCardInsertion => 0x81,
            Self::DukptKeyMissing => 0x90,
            Self::DukptKsnExhausted => 0x91,
            Self::Unknown(other) => other,
        }
    }

    /// The meaning the IDG gives the code (`"unknown status code"` for unknown ones).
    #[must_use]
    pub const fn meaning(self) -> &'static str {
        match self {
            Self::Ok => "OK",
            Self::IncorrectHeaderTag => "Incorrect header tag",
            Self::UnknownCommand => "Unknown command",
            Self::UnknownSubCommand => "Unknown sub-command",
            Self::CrcError => "CRC error in frame",
            Self::IncorrectParameter => "Incorrect parameter",
            Self::ParameterNotSupported => "Parameter not supported",
            Self::MalformattedData => "Mal-formatted data",
            Self::Timeout => "Timeout (e.g. no card presented in time)",
            Self::Failed => "Failed / NACK",
            Self::CommandNotAllowed => "Command not allowed",
            Self::SubCommandNotAllowed => "Sub-command not allowed",
            Self::BufferOverflow => "Buffer overflow (data length too large for reader buffer)",
            Self::UserInterfaceEvent => "User interface event",
            Self::NeedClearFirmware => "Need clear firmware (boot loader only)",
            Self::CommunicationTypeNotSupported => {
                "Communication type not supported / need encrypted firmware"
            }
            Self::SecureInterfaceNotFunctional => {
                "Secure interface not functional or in an intermediate state"
            }
            Self::DataNotMod8 => "Data field is not mod 8",
            Self::Pad80NotFound => "Pad 0x80 not found where expected",
            Self::InvalidKeyType => "Specified key type is invalid",
            Self::KeyRetrievalFailed => "Could not retrieve key from the SAM",
            Self::HashCodeProblem => "Hash code problem",
            Self::KeyStoreFailed => "Could not store the key into the SAM",
            Self::FrameTooLarge => "Frame is too large",
            Self::ResendInitSecureComm => {
                "Powered up in authentication state; host must resend InitSecureComm"
            }
            Self::EepromNotInitialised => "EEPROM may not be initialised",
            Self::ApduEncodingProblem => "Problem encoding APDU",
            Self::Tamper => "Tamper occurred",
            Self::UnsupportedIndex => "Unsupported index (ILM) / SAM transceiver error",
            Self::UnexpectedSequenceCounter => {
                "Unexpected sequence counter (ILM) / SAM length error"
            }
            Self::ImproperBitMap => "Improper bit map (ILM)",
            Self::RequestOnlineAuthorization => "Request online authorization (data present)",
            Self::RawDataReadSuccessful => "ViVOCard3 raw data read successful",
            Self::MessageIndexNotAvailable => "Message index not available (ILM)",
            Self::VersionMismatch => "Version information mismatch (ILM)",
            Self::WrongMessageIndexOrder => "Commands not sent in the correct message index (ILM)",
            Self::NextMessageTimeout => "Time out or next expected message not received (ILM)",
            Self::LanguagesNotAvailable => "ILM languages not available for viewing",
            Self::LanguageNotSupported => "Other language not supported (ILM)",
            Self::AutoSwitchOk => "Auto-switch OK",
            Self::AutoSwitchFailed => "Auto-switch failed",
            Self::DataDoesNotExist => "Data does not exist",
            Self::DataFull => "Data full",
            Self::WriteFlashError => "Write flash error",
            Self::OkAnotherResponseFollows => "OK and another response follows",
            Self::CannotStartContactEmv => "Cannot start contact EMV transaction",
            Self::CancelledByCardInsertion => "CTLS/MSR cancelled because a card was inserted",
            Self::DukptKeyMissing => "Account DUKPT key does not exist",
            Self::DukptKsnExhausted => "Account DUKPT key KSN exhausted",
            Self::Unknown(_) => "unknown status code",
        }
    }

    /// The ID TECH SDK's presentation of the code: `0xEE00 + code`.
    #[must_use]
    pub const fn sdk_code(self) -> u16 {
        0xEE00 | self.byte() as u16
    }

    /// True for `00` (OK) and `63` (OK, another response follows).
    #[must_use]
    pub const fn is_ok(self) -> bool {
        matches!(self, Self::Ok | Self::OkAnotherResponseFollows)
    }
}

impl From<u8> for StatusCode {
    fn from(byte: u8) -> Self {
        Self::from_byte(byte)
    }
}

impl From<StatusCode> for u8 {
    fn from(status: StatusCode) -> Self {
        status.byte()
    }
}

impl fmt::Display for StatusCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02X} ({})", self.byte(), self.meaning())
    }
}

/// The transaction outcome carried in tag `DFEE25` (the SDK's `EMV_RESULT_CODE_V2`).
///
/// ```
/// use cardpointe_vp3300::EmvResultCode;
/// assert_eq!(EmvResultCode::from_u16(0x0004), EmvResultCode::GoOnline);
/// assert_eq!(EmvResultCode::from_u16(0x5001), EmvResultCode::KernelError(0x5001));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EmvResultCode {
    /// `0000`: Approved offline.
    ApprovedOffline,
    /// `0001`: Declined offline.
    DeclinedOffline,
    /// `0002`: Approved.
    Approved,
    /// `0003`: Declined.
    Declined,
    /// `0004`: Go online (send 60-12 afterwards).
    GoOnline,
    /// `0005`: Call your bank (referral).
    CallYourBank,
    /// `0006`: Not accepted.
    NotAccepted,
    /// `0007`: Use magstripe.
    UseMagstripe,
    /// `0008`: Timeout.
    Timeout,
    /// `0010`: Start transaction success (go on to 60-11).
    StartSuccess,
    /// `0011`: MSR (swipe) success.
    MsrSuccess,
    /// `3004`: Fallback situation (chip failed, swipe allowed).
    Fallback,
    /// `3005`: Smart card absent.
    CardAbsent,
    /// `3006`: Smart card timeout.
    CardTimeout,
    /// `3007`: MSR card error.
    MsrCardError,
    /// `5001..=5035`, `6001..=6008`: a kernel processing error (parsing, AFL, CVM, ...).
    KernelError(u16),
    /// Any other value (kept verbatim).
    Unknown(u16),
}

impl EmvResultCode {
    /// The result for the 2-byte big-endian value of DFEE25.
    #[must_use]
    pub const fn from_u16(value: u16) -> Self {
        match value {
            0x0000 => Self::ApprovedOffline,
            0x0001 => Self::DeclinedOffline,
            0x0002 => Self::Approved,
            0x0003 => Self::Declined,
            0x0004 => Self::GoOnline,
            0x0005 => Self::CallYourBank,
            0x0006 => Self::NotAccepted,
            0x0007 => Self::UseMagstripe,
            0x0008 => Self::Timeout,
            0x0010 => Self::StartSuccess,
            0x0011 => Self::MsrSuccess,
            0x3004 => Self::Fallback,
            0x3005 => Self::CardAbsent,
            0x3006 => Self::CardTimeout,
            0x3007 => Self::MsrCardError,
            0x5001..=0x5035 | 0x6001..=0x6008 => Self::KernelError(value),
            other => Self::Unknown(other),
        }
    }

    /// The 2-byte value.
    #[must_use]
    pub const fn value(self) -> u16 {
        match self {
            Self::ApprovedOffline => 0x0000,
            Self::DeclinedOffline => 0x0001,
            Self::Approved => 0x0002,
            Self::Declined => 0x0003,
            Self::GoOnline => 0x0004,
            Self::CallYourBank => 0x0005,
            Self::NotAccepted => 0x0006,
            Self::UseMagstripe => 0x0007,
            Self::Timeout => 0x0008,
            Self::StartSuccess => 0x0010,
            Self::MsrSuccess => 0x0011,
            Self::Fallback => 0x3004,
            Self::CardAbsent => 0x3005,
            Self::CardTimeout => 0x3006,
            Self::MsrCardError => 0x3007,
            Self::KernelError(v) | Self::Unknown(v) => v,
        }
    }

    /// What the code means.
    #[must_use]
    pub const fn meaning(self) -> &'static str {
        match self {
            Self::ApprovedOffline => "Approved offline",
            Self::DeclinedOffline => "Declined offline",
            Self::Approved => "Approved",
            Self::Declined => "Declined",
            Self::GoOnline => "Go online (send 60-12 afterwards)",
            Self::CallYourBank => "Call your bank (referral)",
            Self::NotAccepted => "Not accepted",
            Self::UseMagstripe => "Use magstripe",
            Self::Timeout => "Timeout",
            Self::StartSuccess => "Start transaction success (go on to 60-11)",
            Self::MsrSuccess => "MSR (swipe) success",
            Self::Fallback => "Fallback situation (chip failed, swipe allowed)",
            Self::CardAbsent => "Smart card absent",
            Self::CardTimeout => "Smart card timeout",
            Self::MsrCardError => "MSR card error",
            Self::KernelError(_) => "kernel processing error",
            Self::Unknown(_) => "unknown result code",
        }
    }
}

impl fmt::Display for EmvResultCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04X} ({})", self.value(), self.meaning())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_round_trips_through_the_status_enum() {
        for byte in 0..=255u8 {
            assert_eq!(StatusCode::from_byte(byte).byte(), byte);
        }
    }

    #[test]
    fn documented_codes_have_their_spec_meaning() {
        assert_eq!(
            StatusCode::from_byte(0x23),
            StatusCode::RequestOnlineAuthorization
        );
        assert_eq!(
            StatusCode::from_byte(0x63),
            StatusCode::OkAnotherResponseFollows
        );
        assert_eq!(StatusCode::from_byte(0x91), StatusCode::DukptKsnExhausted);
        assert_eq!(StatusCode::from_byte(0x0B).meaning(), "Command not allowed");
        assert!(matches!(
            StatusCode::from_byte(0x09),
            StatusCode::Unknown(0x09)
        ));
    }

    #[test]
    fn every_result_code_round_trips() {
        for value in [0u16, 1, 2, 3, 4, 0x10, 0x11, 0x3004, 0x5001, 0x6008, 0x7777] {
            assert_eq!(EmvResultCode::from_u16(value).value(), value);
        }
    }
}
