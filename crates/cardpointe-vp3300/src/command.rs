//! Typed commands a payment app sends, and typed parsing of the reader's answers (spec section 4).
//!
//! Every constructor returns a protocol 2 [`Frame`] ready for [`Frame::encode`]; every
//! response type has `from_response`, which reads the reader's answer. Writing answers is the
//! reader's side, and lives with the virtual reader (`cardpointe-vp3300-sim`), not here.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use bytes::Bytes;
use cardpointe_emv::{Options, Tag, Tlvs};
use zeroize::Zeroizing;

use crate::frame::{Frame, FrameKind};
use crate::status::StatusCode;

/// Command and sub-command bytes of the commands this crate builds.
pub mod id {
    /// 01-01 Set Poll Mode.
    pub const SET_POLL_MODE: (u8, u8) = (0x01, 0x01);
    /// 02-40 Activate Transaction.
    pub const ACTIVATE_TRANSACTION: (u8, u8) = (0x02, 0x40);
    /// 03-02 Get Configuration.
    pub const GET_CONFIGURATION: (u8, u8) = (0x03, 0x02);
    /// 03-40 Get Transaction Result.
    pub const GET_TRANSACTION_RESULT: (u8, u8) = (0x03, 0x40);
    /// 04-00 Set Configuration.
    pub const SET_CONFIGURATION: (u8, u8) = (0x04, 0x00);
    /// 05-01 Cancel Transaction.
    pub const CANCEL: (u8, u8) = (0x05, 0x01);
    /// 12-01 Get Serial Number.
    pub const SERIAL_NUMBER: (u8, u8) = (0x12, 0x01);
    /// 14-01 Boot notification (reader → host).
    pub const BOOT_NOTIFICATION: (u8, u8) = (0x14, 0x01);
    /// 18-01 Ping.
    pub const PING: (u8, u8) = (0x18, 0x01);
    /// 25-01 RTC set time.
    pub const RTC_SET_TIME: (u8, u8) = (0x25, 0x01);
    /// 25-02 RTC get time.
    pub const RTC_GET_TIME: (u8, u8) = (0x25, 0x02);
    /// 25-03 RTC set date.
    pub const RTC_SET_DATE: (u8, u8) = (0x25, 0x03);
    /// 25-04 RTC get date.
    pub const RTC_GET_DATE: (u8, u8) = (0x25, 0x04);
    /// 29-00 Get Version.
    pub const FIRMWARE_VERSION: (u8, u8) = (0x29, 0x00);
    /// 60-10 Contact Start Transaction.
    pub const CONTACT_START: (u8, u8) = (0x60, 0x10);
    /// 60-11 Contact Authenticate Transaction.
    pub const CONTACT_AUTHENTICATE: (u8, u8) = (0x60, 0x11);
    /// 60-12 Contact Apply Host Response.
    pub const CONTACT_COMPLETE: (u8, u8) = (0x60, 0x12);
    /// 61-xx reader callbacks (and the host's answers).
    pub const CALLBACK: u8 = 0x61;
}

/// Errors building a command.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CommandError {
    /// An amount above what `n12` BCD can carry.
    #[error("amount {amount} (minor units) exceeds 999999999999, the largest EMV n12 amount")]
    AmountTooLarge {
        /// The amount asked for.
        amount: u64,
    },
    /// A time or date field out of range.
    #[error("{field} = {value} is out of range")]
    OutOfRange {
        /// Which field.
        field: &'static str,
        /// Its value.
        value: u16,
    },
    /// A day past the end of its month (30 February, 31 April, 29 February of a common year).
    #[error("{year:04}-{month:02}-{day:02} is not a date: that month has {days_in_month} days")]
    NoSuchDay {
        /// The year.
        year: u16,
        /// The month, 1..=12.
        month: u8,
        /// The day asked for.
        day: u8,
        /// How many days the month has that year.
        days_in_month: u8,
    },
    /// Extra tags that are not well-formed TLV.
    #[error("the {what} are not well-formed TLV: {source}")]
    BadTlv {
        /// Which argument.
        what: &'static str,
        /// The TLV reader's finding (with the byte offset).
        source: cardpointe_emv::Error,
    },
    /// A TLV value too long for a BER length field (4 GiB or more).
    #[error(transparent)]
    ValueTooLong(#[from] cardpointe_emv::EncodeError),
    /// An issuer script that is not a 71 or 72 template.
    #[error("issuer scripts must be tag 71 or 72 templates, found tag {tag}")]
    NotAScript {
        /// The tag found.
        tag: Tag,
    },
    /// Issuer authentication data (tag 91) must be 8 to 16 bytes.
    #[error("issuer authentication data (tag 91) is 8 to 16 bytes, not {len}")]
    IssuerAuthenticationDataLength {
        /// The length given.
        len: usize,
    },
}

/// Errors reading a response.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResponseError {
    /// The frame answers another command.
    #[error("expected a response to command {expected:02X}, got a frame for {found:02X}")]
    UnexpectedCommand {
        /// The command asked.
        expected: u8,
        /// The frame's command.
        found: u8,
    },
    /// The frame is not a response.
    #[error("expected a response frame, got {kind:?}")]
    NotAResponse {
        /// What it was.
        kind: FrameKind,
    },
    /// The reader answered with an error status.
    #[error("the reader answered command {command:02X} with status {status}")]
    Status {
        /// The command.
        command: u8,
        /// The status.
        status: StatusCode,
    },
    /// The data does not have the documented layout.
    #[error("the response to command {command:02X} is malformed: {what}")]
    Malformed {
        /// The command.
        command: u8,
        /// What was wrong.
        what: &'static str,
    },
}

/// Checks that `frame` is an OK response to `command` and returns its data.
///
/// # Errors
/// [`ResponseError::UnexpectedCommand`], [`ResponseError::NotAResponse`] or
/// [`ResponseError::Status`] (any status but `00` / `63`).
pub fn expect_ok(frame: &Frame, command: u8) -> Result<&Bytes, ResponseError> {
    if frame.command != command {
        return Err(ResponseError::UnexpectedCommand {
            expected: command,
            found: frame.command,
        });
    }
    match frame.kind {
        FrameKind::Response { status, .. } if status.is_ok() => Ok(&frame.data),
        FrameKind::Response { status, .. } => Err(ResponseError::Status { command, status }),
        kind => Err(ResponseError::NotAResponse { kind }),
    }
}

fn command(id: (u8, u8), data: impl Into<Bytes>) -> Frame {
    Frame::command(id.0, id.1, data)
}

/// Appends one primitive TLV with `cardpointe-emv`'s writer (minimal BER length of any size).
fn put_tlv(out: &mut Vec<u8>, tag: Tag, value: &[u8]) -> Result<(), CommandError> {
    Ok(cardpointe_emv::write_primitive(out, tag, value)?)
}

/// Checks that `tlvs` is a well-formed ID TECH TLV sequence.
fn check_tlvs(tlvs: &[u8], what: &'static str) -> Result<(), CommandError> {
    for item in Tlvs::new(tlvs, Options::id_tech()) {
        item.map_err(|source| CommandError::BadTlv { what, source })?;
    }
    Ok(())
}

/// An amount as EMV `n12`: six bytes of BCD, e.g. 1234 minor units -> `00 00 00 00 12 34`.
///
/// # Errors
/// [`CommandError::AmountTooLarge`] above 999999999999.
pub fn amount_n12(amount: u64) -> Result<[u8; 6], CommandError> {
    if amount > 999_999_999_999 {
        return Err(CommandError::AmountTooLarge { amount });
    }
    let mut out = [0u8; 6];
    let mut rest = amount;
    for byte in out.iter_mut().rev() {
        let lo = (rest % 10) as u8;
        rest /= 10;
        let hi = (rest % 10) as u8;
        rest /= 10;
        *byte = (hi << 4) | lo;
    }
    Ok(out)
}

/// The value of an `n12` amount, or `None` if a nibble is not a decimal digit.
#[must_use]
pub fn amount_from_n12(bcd: &[u8]) -> Option<u64> {
    bcd.iter().try_fold(0u64, |acc, &b| {
        let (hi, lo) = (b >> 4, b & 0x0F);
        (hi < 10 && lo < 10).then(|| acc * 100 + u64::from(hi) * 10 + u64::from(lo))
    })
}

fn bcd(value: u8) -> u8 {
    ((value / 10) << 4) | (value % 10)
}

fn from_bcd(byte: u8) -> Option<u8> {
    let (hi, lo) = (byte >> 4, byte & 0x0F);
    (hi < 10 && lo < 10).then_some(hi * 10 + lo)
}

/// 18-01 Ping.
#[must_use]
pub fn ping() -> Frame {
    command(id::PING, Bytes::new())
}

/// 29-00 Get Version.
#[must_use]
pub fn firmware_version() -> Frame {
    command(id::FIRMWARE_VERSION, Bytes::new())
}

/// 12-01 Get Serial Number.
#[must_use]
pub fn serial_number() -> Frame {
    command(id::SERIAL_NUMBER, Bytes::new())
}

/// 03-02 Get Configuration.
#[must_use]
pub fn get_configuration() -> Frame {
    command(id::GET_CONFIGURATION, Bytes::new())
}

/// 04-00 Set Configuration with terminal/global TLVs (e.g. `DF EE 7E 01 00`, burst mode off).
///
/// # Errors
/// [`CommandError::BadTlv`] when `tlvs` is not well-formed.
pub fn set_configuration(tlvs: &[u8]) -> Result<Frame, CommandError> {
    check_tlvs(tlvs, "configuration TLVs")?;
    Ok(command(id::SET_CONFIGURATION, Bytes::copy_from_slice(tlvs)))
}

/// 05-01 Cancel Transaction.
#[must_use]
pub fn cancel() -> Frame {
    command(id::CANCEL, Bytes::new())
}

/// 03-40 Get Transaction Result (Auto Poll mode).
#[must_use]
pub fn get_transaction_result() -> Frame {
    command(id::GET_TRANSACTION_RESULT, Bytes::new())
}

/// The reader's polling mode (01-01).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PollMode {
    /// `00`: the reader polls for cards by itself.
    Auto,
    /// `01`: the reader looks for a card only during 02-40 / 60-10 (what the SDK forces).
    OnDemand,
    /// `02`: Quick Chip auto mode (from a test script, not the IDG table).
    QuickChip,
}

/// 01-01 Set Poll Mode.
#[must_use]
pub fn set_poll_mode(mode: PollMode) -> Frame {
    let byte = match mode {
        PollMode::Auto => 0,
        PollMode::OnDemand => 1,
        PollMode::QuickChip => 2,
    };
    command(id::SET_POLL_MODE, Bytes::copy_from_slice(&[byte]))
}

/// A wall-clock time for the reader's RTC (25-01 / 25-02): hours and minutes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct RtcTime {
    /// 0..=23.
    pub hour: u8,
    /// 0..=59.
    pub minute: u8,
}

impl RtcTime {
    /// A time, checked.
    ///
    /// # Errors
    /// [`CommandError::OutOfRange`].
    pub fn new(hour: u8, minute: u8) -> Result<Self, CommandError> {
        if hour > 23 {
            return Err(CommandError::OutOfRange {
                field: "hour",
                value: hour.into(),
            });
        }
        if minute > 59 {
            return Err(CommandError::OutOfRange {
                field: "minute",
                value: minute.into(),
            });
        }
        Ok(Self { hour, minute })
    }

    /// Reads a 25-02 answer: `HH MM` in BCD.
    ///
    /// # Errors
    /// A [`ResponseError`].
    pub fn from_response(frame: &Frame) -> Result<Self, ResponseError> {
        let data = expect_ok(frame, id::RTC_GET_TIME.0)?;
        let malformed = ResponseError::Malformed {
            command: id::RTC_GET_TIME.0,
            what: "expected 2 BCD bytes HH MM",
        };
        let [h, m] = data[..] else {
            return Err(malformed);
        };
        match (from_bcd(h), from_bcd(m)) {
            (Some(hour), Some(minute)) => Self::new(hour, minute).map_err(|_| malformed),
            _ => Err(malformed),
        }
    }

    fn bcd(self) -> [u8; 2] {
        [bcd(self.hour), bcd(self.minute)]
    }
}

/// The days of `month` (1..=12) in `year`, by the Gregorian calendar.
const fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        _ => 31,
    }
}

/// A date for the reader's RTC (25-03 / 25-04).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct RtcDate {
    /// 0..=9999.
    pub year: u16,
    /// 1..=12.
    pub month: u8,
    /// 1 to the month's last day (28–31; leap years by the Gregorian rule).
    pub day: u8,
}

impl RtcDate {
    /// A date, checked.
    ///
    /// # Errors
    /// [`CommandError::OutOfRange`].
    pub fn new(year: u16, month: u8, day: u8) -> Result<Self, CommandError> {
        if year > 9999 {
            return Err(CommandError::OutOfRange {
                field: "year",
                value: year,
            });
        }
        if !(1..=12).contains(&month) {
            return Err(CommandError::OutOfRange {
                field: "month",
                value: month.into(),
            });
        }
        if !(1..=31).contains(&day) {
            return Err(CommandError::OutOfRange {
                field: "day",
                value: day.into(),
            });
        }
        let days_in_month = days_in_month(year, month);
        if day > days_in_month {
            return Err(CommandError::NoSuchDay {
                year,
                month,
                day,
                days_in_month,
            });
        }
        Ok(Self { year, month, day })
    }

    fn bcd(self) -> [u8; 4] {
        [
            bcd((self.year / 100) as u8),
            bcd((self.year % 100) as u8),
            bcd(self.month),
            bcd(self.day),
        ]
    }

    /// Reads a 25-04 answer: `YY YY MM DD` in BCD.
    ///
    /// # Errors
    /// A [`ResponseError`].
    pub fn from_response(frame: &Frame) -> Result<Self, ResponseError> {
        let data = expect_ok(frame, id::RTC_GET_DATE.0)?;
        let malformed = ResponseError::Malformed {
            command: id::RTC_GET_DATE.0,
            what: "expected 4 BCD bytes YY YY MM DD",
        };
        let [c, y, m, d] = data[..] else {
            return Err(malformed);
        };
        match (from_bcd(c), from_bcd(y), from_bcd(m), from_bcd(d)) {
            (Some(c), Some(y), Some(m), Some(d)) => {
                Self::new(u16::from(c) * 100 + u16::from(y), m, d).map_err(|_| malformed)
            }
            _ => Err(malformed),
        }
    }
}

/// 25-01 RTC set time.
#[must_use]
pub fn rtc_set_time(time: RtcTime) -> Frame {
    command(id::RTC_SET_TIME, Bytes::copy_from_slice(&time.bcd()))
}

/// 25-02 RTC get time.
#[must_use]
pub fn rtc_get_time() -> Frame {
    command(id::RTC_GET_TIME, Bytes::new())
}

/// 25-03 RTC set date (`20 19 10 23` for 2019-10-23).
#[must_use]
pub fn rtc_set_date(date: RtcDate) -> Frame {
    command(id::RTC_SET_DATE, Bytes::copy_from_slice(&date.bcd()))
}

/// 25-04 RTC get date.
#[must_use]
pub fn rtc_get_date() -> Frame {
    command(id::RTC_GET_DATE, Bytes::new())
}

/// The firmware version string (29-00 answer; no terminator guaranteed).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FirmwareVersion(pub String);

impl FirmwareVersion {
    /// A version string (what a reader model or a test fixture reports).
    #[must_use]
    pub fn new(version: impl Into<String>) -> Self {
        Self(version.into())
    }

    /// Reads a 29-00 answer (trailing NULs dropped, non-UTF-8 bytes replaced).
    ///
    /// # Errors
    /// A [`ResponseError`].
    pub fn from_response(frame: &Frame) -> Result<Self, ResponseError> {
        let data = expect_ok(frame, id::FIRMWARE_VERSION.0)?;
        Ok(Self(ascii(data)))
    }

    /// The version text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn ascii(data: &[u8]) -> String {
    let end = data.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    String::from_utf8_lossy(data.get(..end).unwrap_or_default()).into_owned()
}

/// The reader's serial number (12-01 answer: 15 bytes, ASCII right-padded with 00).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SerialNumber(pub String);

impl SerialNumber {
    /// A serial number (what a reader model or a test fixture reports).
    #[must_use]
    pub fn new(serial: impl Into<String>) -> Self {
        Self(serial.into())
    }

    /// Reads a 12-01 answer. Status 0B (never set) comes back as [`ResponseError::Status`].
    ///
    /// # Errors
    /// A [`ResponseError`].
    pub fn from_response(frame: &Frame) -> Result<Self, ResponseError> {
        let data = expect_ok(frame, id::SERIAL_NUMBER.0)?;
        Ok(Self(ascii(data)))
    }

    /// The serial number.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Transaction type, tag 9C.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransactionType {
    /// `00` goods and services.
    Purchase,
    /// `01` cash.
    Cash,
    /// `09` purchase with cashback.
    Cashback,
    /// `20` refund.
    Refund,
    /// Any other value.
    Other(u8),
}

impl TransactionType {
    /// The 9C byte.
    #[must_use]
    pub const fn byte(self) -> u8 {
        match self {
            Self::Purchase => 0x00,
            Self::Cash => 0x01,
            Self::Cashback => 0x09,
            Self::Refund => 0x20,
            Self::Other(b) => b,
        }
    }
}

/// Which card interfaces a transaction accepts (tag DFEF37: bit0 MSR, bit1 contactless,
/// bit2 contact).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Interfaces {
    /// Swipe.
    pub msr: bool,
    /// Tap.
    pub contactless: bool,
    /// Insert.
    pub contact: bool,
}

impl Interfaces {
    /// Every interface (`07`).
    pub const ALL: Self = Self {
        msr: true,
        contactless: true,
        contact: true,
    };

    /// The chosen interfaces.
    #[must_use]
    pub const fn new(msr: bool, contactless: bool, contact: bool) -> Self {
        Self {
            msr,
            contactless,
            contact,
        }
    }

    /// The DFEF37 byte.
    #[must_use]
    pub const fn bits(self) -> u8 {
        (self.msr as u8) | ((self.contactless as u8) << 1) | ((self.contact as u8) << 2)
    }
}

/// What to charge: amounts in minor units, type, currency.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Payment {
    /// Amount authorised (9F02), minor units.
    pub amount: u64,
    /// Amount other / cashback (9F03), minor units.
    pub other_amount: Option<u64>,
    /// Transaction type (9C).
    pub transaction_type: TransactionType,
    /// ISO 4217 numeric currency (5F2A), e.g. 840 for USD.
    pub currency: u16,
}

impl Payment {
    /// A purchase of `amount` minor units in USD.
    #[must_use]
    pub const fn purchase_usd(amount: u64) -> Self {
        Self {
            amount,
            other_amount: None,
            transaction_type: TransactionType::Purchase,
            currency: 840,
        }
    }

    /// Appends 9F02, 9C, 5F2A and (if any) 9F03.
    fn put_tlvs(&self, out: &mut Vec<u8>) -> Result<(), CommandError> {
        put_tlv(out, Tag::new(0x9F02), &amount_n12(self.amount)?)?;
        put_tlv(out, Tag::new(0x9C), &[self.transaction_type.byte()])?;
        let c = self.currency;
        let currency = [bcd((c / 100 % 100) as u8), bcd((c % 100) as u8)];
        put_tlv(out, Tag::new(0x5F2A), &currency)?;
        if let Some(other) = self.other_amount {
            put_tlv(out, Tag::new(0x9F03), &amount_n12(other)?)?;
        }
        Ok(())
    }
}

/// 02-40 Activate Transaction (contactless and/or MSR, optionally contact).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ActivateTransaction {
    /// What to charge.
    pub payment: Payment,
    /// Seconds to wait for a card (first data byte).
    pub timeout_secs: u8,
    /// DFEF37.
    pub interfaces: Interfaces,
    /// Tags to return in addition to the defaults (DFEE1A), e.g. `9F02`, `9F03`.
    pub output_tags: Vec<Tag>,
    /// More TLVs appended verbatim (checked to be well-formed).
    pub extra_tlvs: Vec<u8>,
}

impl ActivateTransaction {
    /// An activation for `payment` with a timeout and the interfaces to accept.
    #[must_use]
    pub fn new(payment: Payment, timeout_secs: u8, interfaces: Interfaces) -> Self {
        Self {
            payment,
            timeout_secs,
            interfaces,
            output_tags: Vec::new(),
            extra_tlvs: Vec::new(),
        }
    }

    /// The command frame.
    ///
    /// ```
    /// use cardpointe_vp3300::command::{ActivateTransaction, Interfaces, Payment};
    /// let frame = ActivateTransaction::new(Payment::purchase_usd(1234), 60, Interfaces::new(true, true, false))
    ///     .to_frame()?;
    /// // Byte for byte the spec's example (section 2.4).
    /// assert_eq!(&frame.encode()[frame.encode().len() - 2..], &[0x5D, 0x15]);
    /// # Ok::<(), cardpointe_vp3300::command::CommandError>(())
    /// ```
    ///
    /// # Errors
    /// [`CommandError::AmountTooLarge`] or [`CommandError::BadTlv`].
    pub fn to_frame(&self) -> Result<Frame, CommandError> {
        let mut data = Vec::with_capacity(32 + self.extra_tlvs.len());
        data.push(self.timeout_secs);
        self.payment.put_tlvs(&mut data)?;
        put_tlv(&mut data, Tag::new(0xDFEF37), &[self.interfaces.bits()])?;
        put_output_tags(&mut data, &self.output_tags)?;
        check_tlvs(&self.extra_tlvs, "extra TLVs")?;
        data.extend_from_slice(&self.extra_tlvs);
        Ok(command(id::ACTIVATE_TRANSACTION, data))
    }
}

fn put_output_tags(data: &mut Vec<u8>, tags: &[Tag]) -> Result<(), CommandError> {
    if tags.is_empty() {
        return Ok(());
    }
    let mut list = Vec::with_capacity(tags.len() * 3);
    for tag in tags {
        let (bytes, n) = tag.to_bytes();
        list.extend_from_slice(bytes.get(..n).unwrap_or_default());
    }
    put_tlv(data, Tag::new(0xDFEE1A), &list)
}

/// 60-10 Contact Start Transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ContactStart {
    /// What to charge.
    pub payment: Payment,
    /// Allow fallback to MSR after a bad chip read.
    pub fallback: bool,
    /// Seconds to wait for the card to be seated (TimeOut1, big-endian as the SDK builds it).
    pub card_timeout_secs: u16,
    /// Seconds the reader waits for the following 60-11 (TimeOut2).
    pub next_command_timeout_secs: u16,
    /// DFEF1F: auto-authenticate and force-online flags, when set.
    pub auto_authenticate: Option<(bool, bool)>,
    /// Tags to return in addition to the defaults (DFEE1A).
    pub output_tags: Vec<Tag>,
    /// More TLVs appended verbatim (checked to be well-formed).
    pub extra_tlvs: Vec<u8>,
}

impl ContactStart {
    /// A start for `payment`, fallback allowed, with the card timeout.
    #[must_use]
    pub fn new(payment: Payment, card_timeout_secs: u16) -> Self {
        Self {
            payment,
            fallback: true,
            card_timeout_secs,
            next_command_timeout_secs: 30,
            auto_authenticate: None,
            output_tags: Vec::new(),
            extra_tlvs: Vec::new(),
        }
    }

    /// The command frame.
    ///
    /// # Errors
    /// [`CommandError::AmountTooLarge`] or [`CommandError::BadTlv`].
    pub fn to_frame(&self) -> Result<Frame, CommandError> {
        let mut data = Vec::with_capacity(40 + self.extra_tlvs.len());
        data.push(u8::from(self.fallback));
        data.extend_from_slice(&self.card_timeout_secs.to_be_bytes());
        data.extend_from_slice(&self.next_command_timeout_secs.to_be_bytes());
        self.payment.put_tlvs(&mut data)?;
        if let Some((auto, online)) = self.auto_authenticate {
            put_tlv(
                &mut data,
                Tag::new(0xDFEF1F),
                &[u8::from(auto), u8::from(online)],
            )?;
        }
        put_output_tags(&mut data, &self.output_tags)?;
        check_tlvs(&self.extra_tlvs, "extra TLVs")?;
        data.extend_from_slice(&self.extra_tlvs);
        Ok(command(id::CONTACT_START, data))
    }
}

/// 60-11 Contact Authenticate Transaction, with optional TLVs (e.g. DFEE1A).
///
/// # Errors
/// [`CommandError::BadTlv`].
pub fn contact_authenticate(tlvs: &[u8]) -> Result<Frame, CommandError> {
    check_tlvs(tlvs, "authenticate TLVs")?;
    Ok(command(
        id::CONTACT_AUTHENTICATE,
        Bytes::copy_from_slice(tlvs),
    ))
}

/// The host's verdict in 60-12 (first data byte; SDK-derived, spec "Uncertain").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HostResult {
    /// `00`: online response received (approved or declined: see the ARC).
    Accepted,
    /// `01`: unable to go online.
    UnableToGoOnline,
    /// `02`: technical issue.
    TechnicalIssue,
    /// `03`: declined.
    Declined,
    /// `04`: issuer referral.
    IssuerReferral,
}

impl HostResult {
    /// The byte.
    #[must_use]
    pub const fn byte(self) -> u8 {
        match self {
            Self::Accepted => 0,
            Self::UnableToGoOnline => 1,
            Self::TechnicalIssue => 2,
            Self::Declined => 3,
            Self::IssuerReferral => 4,
        }
    }

    /// The result for a byte.
    #[must_use]
    pub const fn from_byte(byte: u8) -> Option<Self> {
        match byte {
            0 => Some(Self::Accepted),
            1 => Some(Self::UnableToGoOnline),
            2 => Some(Self::TechnicalIssue),
            3 => Some(Self::Declined),
            4 => Some(Self::IssuerReferral),
            _ => None,
        }
    }
}

/// The issuer's answer, passed to the card by 60-12 Apply Host Response.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HostResponse {
    /// The host's verdict.
    pub result: HostResult,
    /// Authorisation Response Code (8A), two ASCII characters, e.g. `*b"00"`.
    pub arc: [u8; 2],
    /// Issuer Authentication Data (91), 8..16 bytes, with the ARPC.
    pub issuer_authentication_data: Option<Vec<u8>>,
    /// Issuer script templates 71 / 72, as complete TLVs.
    pub scripts: Vec<u8>,
    /// Tags to return (DFEE1A).
    pub output_tags: Vec<Tag>,
}

impl fmt::Debug for HostResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostResponse")
            .field("result", &self.result)
            .field("arc", &String::from_utf8_lossy(&self.arc))
            .field(
                "issuer_authentication_data_len",
                &self.issuer_authentication_data.as_ref().map(Vec::len),
            )
            .field("scripts_len", &self.scripts.len())
            .finish_non_exhaustive()
    }
}

impl HostResponse {
    /// An online answer with the given ARC (`*b"00"` approves).
    #[must_use]
    pub fn online(arc: [u8; 2]) -> Self {
        Self {
            result: HostResult::Accepted,
            arc,
            issuer_authentication_data: None,
            scripts: Vec::new(),
            output_tags: Vec::new(),
        }
    }

    /// "Unable to go online" (ARC `Z3`: the card decides offline, normally a decline).
    #[must_use]
    pub fn unable_to_go_online() -> Self {
        Self {
            result: HostResult::UnableToGoOnline,
            arc: *b"Z3",
            issuer_authentication_data: None,
            scripts: Vec::new(),
            output_tags: Vec::new(),
        }
    }

    /// The 60-12 command frame.
    ///
    /// # Errors
    /// [`CommandError::IssuerAuthenticationDataLength`], [`CommandError::BadTlv`] or
    /// [`CommandError::NotAScript`].
    pub fn to_frame(&self) -> Result<Frame, CommandError> {
        let mut data = Zeroizing::new(Vec::with_capacity(32 + self.scripts.len()));
        data.push(self.result.byte());
        put_tlv(&mut data, Tag::new(0x8A), &self.arc)?;
        if let Some(iad) = &self.issuer_authentication_data {
            if !(8..=16).contains(&iad.len()) {
                return Err(CommandError::IssuerAuthenticationDataLength { len: iad.len() });
            }
            put_tlv(&mut data, Tag::new(0x91), iad)?;
        }
        for item in Tlvs::new(&self.scripts, Options::emv()) {
            let tlv = item.map_err(|source| CommandError::BadTlv {
                what: "issuer scripts",
                source,
            })?;
            if !matches!(tlv.tag().value(), 0x71 | 0x72) {
                return Err(CommandError::NotAScript { tag: tlv.tag() });
            }
        }
        data.extend_from_slice(&self.scripts);
        put_output_tags(&mut data, &self.output_tags)?;
        Ok(command(id::CONTACT_COMPLETE, Bytes::copy_from_slice(&data)))
    }
}

/// A frame the reader sends on its own.
///
/// `Debug` shows the boot text and the modes, but only the length of callback data (a PIN
/// request carries key material and may carry the PAN).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unsolicited {
    /// 14-01: the reader booted; platform information such as "NEO 2.0 v1.00".
    Boot(String),
    /// 61-01: show a message or menu (mode byte, then the text/lines).
    Display {
        /// 01 menu, 02 message + function key, 03 message, 04/08 language menu, 10 clear.
        mode: u8,
        /// The rest of the data (text or menu lines), as sent.
        data: Bytes,
    },
    /// 61-02: PIN request (mode, then key material, timeouts, language).
    PinRequest {
        /// 00 cancel, 01 online PIN DUKPT, 02 online PIN MK/SK, 03 offline PIN.
        mode: u8,
        /// The rest of the data, as sent.
        data: Bytes,
    },
    /// 61-03: get MSR data control (external MSR).
    MsrControl(Bytes),
    /// Another 61-xx callback.
    Other {
        /// The sub-command.
        sub_command: u8,
        /// The data.
        data: Bytes,
    },
}

impl fmt::Debug for Unsolicited {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Boot(text) => f.debug_tuple("Boot").field(text).finish(),
            Self::Display { mode, data } => f
                .debug_struct("Display")
                .field("mode", mode)
                .field("data_len", &data.len())
                .finish(),
            Self::PinRequest { mode, data } => f
                .debug_struct("PinRequest")
                .field("mode", mode)
                .field("data_len", &data.len())
                .finish(),
            Self::MsrControl(data) => f
                .debug_struct("MsrControl")
                .field("data_len", &data.len())
                .finish(),
            Self::Other { sub_command, data } => f
                .debug_struct("Other")
                .field("sub_command", sub_command)
                .field("data_len", &data.len())
                .finish(),
        }
    }
}

impl Unsolicited {
    /// Reads an unsolicited frame; `None` for other frames.
    #[must_use]
    pub fn from_frame(frame: &Frame) -> Option<Self> {
        let FrameKind::Unsolicited { sub_command } = frame.kind else {
            return None;
        };
        let data = frame.data.clone();
        let first = data.first().copied().unwrap_or(0);
        let rest = data.slice(data.len().min(1)..);
        Some(match (frame.command, sub_command) {
            (0x14, 0x01) => Self::Boot(ascii(&data)),
            (0x61, 0x01) => Self::Display {
                mode: first,
                data: rest,
            },
            (0x61, 0x02) => Self::PinRequest {
                mode: first,
                data: rest,
            },
            (0x61, 0x03) => Self::MsrControl(data),
            (_, sub_command) => Self::Other { sub_command, data },
        })
    }

    /// The frame a (simulated) reader sends.
    #[must_use]
    pub fn to_frame(&self) -> Frame {
        let with_mode = |mode: u8, data: &Bytes| {
            let mut v = Vec::with_capacity(data.len() + 1);
            v.push(mode);
            v.extend_from_slice(data);
            v
        };
        match self {
            Self::Boot(text) => {
                Frame::unsolicited(0x14, 0x01, Bytes::copy_from_slice(text.as_bytes()))
            }
            Self::Display { mode, data } => Frame::unsolicited(0x61, 0x01, with_mode(*mode, data)),
            Self::PinRequest { mode, data } => {
                Frame::unsolicited(0x61, 0x02, with_mode(*mode, data))
            }
            Self::MsrControl(data) => Frame::unsolicited(0x61, 0x03, data.clone()),
            Self::Other { sub_command, data } => {
                Frame::unsolicited(0x61, *sub_command, data.clone())
            }
        }
    }
}

/// The host's answer to a 61-xx callback (same command and sub-command), e.g. `61-01` with
/// the mode and the selected line (`00` = cancel).
#[must_use]
pub fn callback_reply(sub_command: u8, data: &[u8]) -> Frame {
    Frame::command(id::CALLBACK, sub_command, Bytes::copy_from_slice(data))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::hex;

    #[test]
    fn activate_transaction_builds_the_spec_example_byte_for_byte() {
        let frame = ActivateTransaction::new(
            Payment::purchase_usd(1234),
            60,
            Interfaces::new(true, true, false),
        )
        .to_frame()
        .unwrap();
        assert_eq!(
            frame.encode()[..],
            hex(
                "56 69 56 4F 74 65 63 68 32 00 02 40 00 17 3C 9F 02 06 00 00 00 00 12 34 9C 01 00 5F 2A 02 08 40 DF EF 37 01 03 5D 15"
            )[..]
        );
    }

    #[test]
    fn poll_mode_ping_cancel_and_version_commands_match_the_spec() {
        let header = "56 69 56 4F 74 65 63 68 32 00";
        assert_eq!(
            set_poll_mode(PollMode::OnDemand).encode()[..],
            hex(&alloc::format!("{header} 01 01 00 01 01 D7 34"))[..]
        );
        assert_eq!(
            set_poll_mode(PollMode::Auto).encode()[..],
            hex(&alloc::format!("{header} 01 01 00 01 00 F6 24"))[..]
        );
        assert_eq!(
            cancel().encode()[..],
            hex(&alloc::format!("{header} 05 01 00 00 92 EF"))[..]
        );
        assert_eq!(
            firmware_version().encode()[..],
            hex(&alloc::format!("{header} 29 00 00 00 DE A0"))[..]
        );
        assert_eq!(ping().encode().len(), 16);
    }

    #[test]
    fn amounts_encode_as_n12_bcd_and_back() {
        assert_eq!(amount_n12(1234).unwrap(), [0, 0, 0, 0, 0x12, 0x34]);
        assert_eq!(amount_n12(999_999_999_999).unwrap(), [0x99; 6]);
        assert_eq!(
            amount_n12(1_000_000_000_000),
            Err(CommandError::AmountTooLarge {
                amount: 1_000_000_000_000
            })
        );
        assert_eq!(amount_from_n12(&[0, 0, 0, 0, 0x12, 0x34]), Some(1234));
        assert_eq!(amount_from_n12(&[0x1A]), None);
    }

    #[test]
    fn rtc_date_uses_four_bcd_bytes_and_round_trips_through_a_response() {
        let date = RtcDate::new(2019, 10, 23).unwrap();
        assert_eq!(rtc_set_date(date).data[..], [0x20, 0x19, 0x10, 0x23]);
        let answer = Frame::response(0x25, StatusCode::Ok, alloc::vec![0x20, 0x19, 0x10, 0x23]);
        assert_eq!(RtcDate::from_response(&answer), Ok(date));
        let time = RtcTime::new(23, 59).unwrap();
        assert_eq!(rtc_set_time(time).data[..], [0x23, 0x59]);
        let answer = Frame::response(0x25, StatusCode::Ok, alloc::vec![0x23, 0x59]);
        assert_eq!(RtcTime::from_response(&answer), Ok(time));
        assert!(RtcTime::new(24, 0).is_err());
    }

    #[test]
    fn rtc_date_refuses_days_past_the_end_of_the_month() {
        let err = RtcDate::new(2026, 2, 30).unwrap_err();
        assert_eq!(
            alloc::format!("{err}"),
            "2026-02-30 is not a date: that month has 28 days"
        );
        assert!(RtcDate::new(2026, 4, 31).is_err());
        assert!(RtcDate::new(2026, 2, 29).is_err());
        assert!(RtcDate::new(2024, 2, 29).is_ok());
        assert!(RtcDate::new(2000, 2, 29).is_ok());
        assert!(RtcDate::new(1900, 2, 29).is_err());
        assert!(RtcDate::new(2026, 12, 31).is_ok());
        // A reader answering 30 February is a malformed answer, not a date.
        let bogus = Frame::response(0x25, StatusCode::Ok, alloc::vec![0x20, 0x26, 0x02, 0x30]);
        assert!(RtcDate::from_response(&bogus).is_err());
    }

    #[test]
    fn serial_number_never_set_is_a_status_error() {
        let frame = Frame::response(0x12, StatusCode::CommandNotAllowed, Bytes::new());
        assert_eq!(
            SerialNumber::from_response(&frame),
            Err(ResponseError::Status {
                command: 0x12,
                status: StatusCode::CommandNotAllowed
            })
        );
        // 15 bytes, right-padded with 00.
        let frame = Frame::response(0x12, StatusCode::Ok, b"ABC123\0\0\0\0\0\0\0\0\0".to_vec());
        assert_eq!(
            SerialNumber::from_response(&frame),
            Ok(SerialNumber::new("ABC123"))
        );
    }

    #[test]
    fn a_response_to_another_command_is_rejected() {
        let frame = Frame::response(0x29, StatusCode::Ok, b"x".to_vec());
        assert!(matches!(
            SerialNumber::from_response(&frame),
            Err(ResponseError::UnexpectedCommand {
                expected: 0x12,
                found: 0x29
            })
        ));
    }

    #[test]
    fn host_response_carries_result_arc_iad_and_scripts() {
        let mut answer = HostResponse::online(*b"00");
        answer.issuer_authentication_data = Some(alloc::vec![1, 2, 3, 4, 5, 6, 7, 8, 0x30, 0x30]);
        answer.scripts = hex("71 07 86 05 84 24 00 00 00");
        let frame = answer.to_frame().unwrap();
        assert_eq!((frame.command, frame.sub_command()), (0x60, Some(0x12)));
        assert_eq!(
            frame.data[..],
            hex("00 8A 02 30 30 91 0A 01 02 03 04 05 06 07 08 30 30 71 07 86 05 84 24 00 00 00")[..]
        );
        answer.scripts = hex("9F 02 01 00");
        assert!(matches!(
            answer.to_frame(),
            Err(CommandError::NotAScript { .. })
        ));
        answer.scripts.clear();
        answer.issuer_authentication_data = Some(alloc::vec![0; 4]);
        assert_eq!(
            answer.to_frame(),
            Err(CommandError::IssuerAuthenticationDataLength { len: 4 })
        );
    }

    #[test]
    fn contact_start_puts_fallback_and_big_endian_timeouts_first() {
        let mut start = ContactStart::new(Payment::purchase_usd(500), 300);
        start.auto_authenticate = Some((true, false));
        start.output_tags = alloc::vec![Tag::new(0x9F02), Tag::new(0x5F20)];
        let frame = start.to_frame().unwrap();
        assert_eq!(frame.data[..5], [0x01, 0x01, 0x2C, 0x00, 0x1E]);
        let tlvs: Vec<_> = Tlvs::new(&frame.data[5..], Options::id_tech())
            .map(|t| t.unwrap().tag().value())
            .collect();
        assert_eq!(tlvs, [0x9F02, 0x9C, 0x5F2A, 0xDFEF1F, 0xDFEE1A]);
    }

    #[test]
    fn malformed_extra_tlvs_are_refused_with_the_offset() {
        let mut activate = ActivateTransaction::new(Payment::purchase_usd(1), 30, Interfaces::ALL);
        activate.extra_tlvs = hex("9F 02 06 00");
        assert!(matches!(
            activate.to_frame(),
            Err(CommandError::BadTlv { .. })
        ));
    }

    #[test]
    fn unsolicited_frames_round_trip() {
        for u in [
            Unsolicited::Boot("NEO 2.0 v1.00".into()),
            Unsolicited::Display {
                mode: 3,
                data: Bytes::from_static(b"INSERT CARD"),
            },
            Unsolicited::PinRequest {
                mode: 1,
                data: Bytes::from_static(&[1, 2]),
            },
            Unsolicited::MsrControl(Bytes::from_static(&[0])),
        ] {
            assert_eq!(Unsolicited::from_frame(&u.to_frame()), Some(u));
        }
    }
}
