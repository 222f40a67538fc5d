//! NEO 2 frames: protocol 2 (`ViVOtech2\0`) and protocol 3 (`ViVOpayV3\0`), both directions.
//!
//! The borrowed [`FrameRef`] and [`parse_frame`] need no allocator; with the `alloc` feature,
//! [`Frame`] owns its data as [`bytes::Bytes`] and the streaming
//! [`FrameDecoder`](crate::FrameDecoder) builds on the same parser.
//!
//! Layouts (spec sections 2.1, 2.2, 2.5):
//!
//! | frame | bytes |
//! |---|---|
//! | V2 command (host → reader) | header(10) cmd sub len(2, BE) data CRC(low, high) |
//! | V2 response (reader → host) | header(10) cmd status len(2, BE) data CRC(high, low) |
//! | V2 unsolicited (reader → host) | header(10) cmd sub len(2, BE) data CRC(high, low) |
//! | V3 response (reader → host) | header(10) cmd sub status len(2, BE) data CRC(high, low) |
//! | V3 command (host → reader) | header(10) cmd sub len(2, BE) data CRC(low, high) |
//!
//! The CRC covers every byte before it. Receivers accept either CRC byte order (the IDG's own
//! tables disagree for reader-originated frames); encoders emit exactly the orders above.

use core::fmt;

use crate::crc::crc16;
use crate::status::StatusCode;

/// The protocol 2 header, `ViVOtech2\0`.
pub const V2_HEADER: [u8; 10] = *b"ViVOtech2\0";
/// The protocol 3 header, `ViVOpayV3\0`.
pub const V3_HEADER: [u8; 10] = *b"ViVOpayV3\0";
/// Bytes of the header.
pub const HEADER_LEN: usize = 10;
/// The default limit on a frame's data length (bytes 12..13): generous next to the SDK's 2032-byte
/// TLV limit and the largest responses seen (a few hundred bytes), small enough to guard memory.
pub const DEFAULT_MAX_DATA_LEN: usize = 4096;

/// Which framing a frame uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Protocol {
    /// `ViVOtech2\0`: what the VP3300 payment flow uses.
    V2,
    /// `ViVOpayV3\0`: parsed for robustness; responses carry sub-command and status.
    V3,
}

impl Protocol {
    /// The 10-byte header of this protocol.
    #[must_use]
    pub const fn header(self) -> &'static [u8; 10] {
        match self {
            Self::V2 => &V2_HEADER,
            Self::V3 => &V3_HEADER,
        }
    }
}

/// Who sent the bytes being decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Direction {
    /// Host (phone, PC) to reader: commands, and the host's answers to 61-xx callbacks.
    HostToReader,
    /// Reader to host: responses and unsolicited frames.
    ReaderToHost,
}

/// The order of the two CRC bytes on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CrcOrder {
    /// Low byte first: host → reader frames.
    LowFirst,
    /// High byte first: reader → host frames.
    HighFirst,
}

/// What a frame is, with the fields that differ by kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FrameKind {
    /// A host → reader command (or the host's answer to a 61-xx callback).
    Command {
        /// The sub-command byte.
        sub_command: u8,
    },
    /// A reader → host response.
    Response {
        /// The status byte.
        status: StatusCode,
        /// The echoed sub-command: protocol 3 only (protocol 2 puts the status in its place).
        sub_command: Option<u8>,
    },
    /// A frame the reader sends on its own: boot notification 14-01, callbacks 61-01/02/03.
    Unsolicited {
        /// The sub-command byte.
        sub_command: u8,
    },
}

impl FrameKind {
    /// The direction frames of this kind travel in.
    #[must_use]
    pub const fn direction(self) -> Direction {
        match self {
            Self::Command { .. } => Direction::HostToReader,
            Self::Response { .. } | Self::Unsolicited { .. } => Direction::ReaderToHost,
        }
    }

    /// The CRC byte order encoders use for this kind.
    ///
    /// Unsolicited frames are emitted high byte first like responses (the IDG draws 14-01 that
    /// way; its 61-03 table shows the other order, and receivers accept both). Protocol 3
    /// commands were never observed; they follow the protocol 2 rule, low byte first.
    #[must_use]
    pub const fn crc_order(self) -> CrcOrder {
        match self {
            Self::Command { .. } => CrcOrder::LowFirst,
            Self::Response { .. } | Self::Unsolicited { .. } => CrcOrder::HighFirst,
        }
    }
}

/// Decides whether a protocol 2 reader → host frame is reader-originated (byte 11 is then a
/// sub-command) or a response (byte 11 is a status). The one place this choice lives: the
/// frame parser, the streaming decoder, the connection and the CLI's `decode frame` all read
/// byte 11 through it.
///
/// In protocol 2 a frame from the reader carries a status byte where the host's carries a
/// sub-command. The only frames the reader sends on its own are the boot notification 14-01
/// and the contact EMV callbacks 61-01 (display), 61-02 (PIN) and 61-03 (MSR control); any
/// other reader frame, command 61 included, is a response and byte 11 is its status (`61 00`
/// answers a host's 61 frame OK). A response to command 14 with status 01 ("incorrect
/// header tag"), or to command 61 with status 01-03, would read the same as those frames,
/// which a well-formed host never provokes.
///
/// ```
/// use cardpointe_vp3300::frame::is_reader_originated;
/// assert!(is_reader_originated(0x61, 0x01)); // display callback, sub-command 01
/// assert!(!is_reader_originated(0x61, 0x00)); // a response to 61, status 00 (OK)
/// assert!(!is_reader_originated(0x61, 0x0A)); // a response to 61, status 0A
/// assert!(is_reader_originated(0x14, 0x01)); // boot notification
/// ```
#[must_use]
pub const fn is_reader_originated(command: u8, byte11: u8) -> bool {
    matches!((command, byte11), (0x61, 0x01..=0x03) | (0x14, 0x01))
}

/// Errors of the frame codec. Offsets are positions in the stream (or the buffer).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    /// The bytes at `offset` are not a NEO 2 header.
    #[error(
        "no frame header at offset {offset}: expected `ViVOtech2\\0` or `ViVOpayV3\\0`; skip to the next header"
    )]
    BadHeader {
        /// Where the header was expected.
        offset: u64,
    },
    /// The length field declares more data than the configured limit.
    #[error(
        "frame at offset {offset} declares {len} data bytes, above the limit of {max}; the length is corrupt or the limit too low"
    )]
    TooLarge {
        /// Where the frame starts.
        offset: u64,
        /// The declared data length.
        len: usize,
        /// The limit in force.
        max: usize,
    },
    /// The CRC matches the frame in neither byte order.
    #[error(
        "CRC mismatch in the frame at offset {offset} (command {command:02X}): computed {computed:04X}, frame carries {found:02X?}; the frame was corrupted in transit"
    )]
    BadCrc {
        /// Where the frame starts.
        offset: u64,
        /// The command byte of the damaged frame.
        command: u8,
        /// The CRC of the frame's bytes.
        computed: u16,
        /// The two CRC bytes as received.
        found: [u8; 2],
    },
    /// The data is longer than the 16-bit length field can say.
    #[error("{len} data bytes do not fit a frame (at most 65535); split the payload")]
    DataTooLong {
        /// The data length asked for.
        len: usize,
    },
    /// The output buffer cannot hold the encoded frame.
    #[error("the output buffer holds {available} bytes but the frame needs {needed}")]
    BufferTooSmall {
        /// Bytes needed.
        needed: usize,
        /// Bytes available.
        available: usize,
    },
}

/// The outcome of parsing input that may be incomplete (as in `httparse`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Status<T> {
    /// A whole item was parsed.
    Complete(T),
    /// More bytes are needed; not an error.
    Partial,
}

/// A frame borrowed from the input buffer.
#[derive(Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct FrameRef<'a> {
    /// The framing.
    pub protocol: Protocol,
    /// The command byte.
    pub command: u8,
    /// Command, response or unsolicited, with its sub-command / status.
    pub kind: FrameKind,
    /// The data bytes.
    pub data: &'a [u8],
}

impl fmt::Debug for FrameRef<'_> {
    // The data may hold card data: only its length is shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FrameRef")
            .field("protocol", &self.protocol)
            .field("command", &format_args!("{:02X}", self.command))
            .field("kind", &self.kind)
            .field("data_len", &self.data.len())
            .finish()
    }
}

/// Bytes before the data: header, command, sub/status, (V3 response: status), length.
const fn prefix_len(protocol: Protocol, direction: Direction) -> usize {
    match (protocol, direction) {
        (Protocol::V3, Direction::ReaderToHost) => 15,
        _ => 14,
    }
}

impl<'a> FrameRef<'a> {
    /// A frame of the given parts.
    #[must_use]
    pub const fn new(protocol: Protocol, command: u8, kind: FrameKind, data: &'a [u8]) -> Self {
        Self {
            protocol,
            command,
            kind,
            data,
        }
    }

    /// The number of bytes [`FrameRef::encode_into`] writes.
    #[must_use]
    pub const fn encoded_len(&self) -> usize {
        prefix_len(self.protocol, self.kind.direction()) + self.data.len() + 2
    }

    /// Writes the frame's wire bytes to the start of `out`, returning how many were written.
    ///
    /// # Errors
    /// [`FrameError::DataTooLong`] over 65535 data bytes, [`FrameError::BufferTooSmall`] when
    /// `out` is shorter than [`FrameRef::encoded_len`].
    pub fn encode_into(&self, out: &mut [u8]) -> Result<usize, FrameError> {
        let Ok(len) = u16::try_from(self.data.len()) else {
            return Err(FrameError::DataTooLong {
                len: self.data.len(),
            });
        };
        let needed = self.encoded_len();
        let available = out.len();
        let Some(out) = out.get_mut(..needed) else {
            return Err(FrameError::BufferTooSmall { needed, available });
        };
        let (head, rest) = out.split_at_mut(HEADER_LEN);
        head.copy_from_slice(self.protocol.header());
        let fields = self.fields(len);
        let (fields_out, rest) = rest.split_at_mut(fields.len);
        fields_out.copy_from_slice(fields.as_slice());
        let (data_out, _) = rest.split_at_mut(self.data.len());
        data_out.copy_from_slice(self.data);
        let (body, crc_out) = out.split_at_mut(needed - 2);
        let crc = crc16(body);
        let bytes = match self.kind.crc_order() {
            CrcOrder::LowFirst => crc.to_le_bytes(),
            CrcOrder::HighFirst => crc.to_be_bytes(),
        };
        crc_out.copy_from_slice(&bytes);
        Ok(needed)
    }

    fn fields(&self, len: u16) -> Fields {
        let [hi, lo] = len.to_be_bytes();
        match (self.protocol, self.kind) {
            (
                Protocol::V3,
                FrameKind::Response {
                    status,
                    sub_command,
                },
            ) => Fields {
                bytes: [
                    self.command,
                    sub_command.unwrap_or(0),
                    status.byte(),
                    hi,
                    lo,
                ],
                len: 5,
            },
            (_, FrameKind::Response { status, .. }) => Fields {
                bytes: [self.command, status.byte(), hi, lo, 0],
                len: 4,
            },
            (_, FrameKind::Command { sub_command } | FrameKind::Unsolicited { sub_command }) => {
                Fields {
                    bytes: [self.command, sub_command, hi, lo, 0],
                    len: 4,
                }
            }
        }
    }
}

struct Fields {
    bytes: [u8; 5],
    len: usize,
}

impl Fields {
    fn as_slice(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }
}

/// A frame parsed from the start of a buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Parsed<'a> {
    /// The frame.
    pub frame: FrameRef<'a>,
    /// How many bytes of the buffer it took.
    pub len: usize,
    /// The CRC byte order found on the wire.
    pub crc_order: CrcOrder,
}

/// The protocol whose header `buf` starts with, or `Partial` while `buf` is a proper prefix of
/// one, or `None` when it starts with neither.
pub(crate) fn header_at(buf: &[u8]) -> Option<Status<Protocol>> {
    // Fast path: a whole header, compared as one 8-byte and one 2-byte word (no memcmp call).
    if let Some(head) = buf.first_chunk::<HEADER_LEN>() {
        let words = header_words(head);
        return if words == header_words(&V2_HEADER) {
            Some(Status::Complete(Protocol::V2))
        } else if words == header_words(&V3_HEADER) {
            Some(Status::Complete(Protocol::V3))
        } else {
            None
        };
    }
    let is_prefix_of = |header: &[u8; HEADER_LEN]| buf.iter().zip(header).all(|(a, b)| a == b);
    (is_prefix_of(&V2_HEADER) || is_prefix_of(&V3_HEADER)).then_some(Status::Partial)
}

/// A header's ten bytes as two machine words, for a branch-light comparison.
#[inline(always)]
const fn header_words(head: &[u8; HEADER_LEN]) -> (u64, u16) {
    let [a, b, c, d, e, f, g, h, i, j] = *head;
    (
        u64::from_le_bytes([a, b, c, d, e, f, g, h]),
        u16::from_le_bytes([i, j]),
    )
}

/// The total length of the frame at the start of `buf`, once its length field is in.
///
/// # Errors
/// [`FrameError::BadHeader`] when `buf` does not start with a header (or a prefix of one),
/// [`FrameError::TooLarge`] when the declared length exceeds `max_data_len`.
pub fn frame_len(
    buf: &[u8],
    direction: Direction,
    max_data_len: usize,
) -> Result<Status<usize>, FrameError> {
    Ok(match frame_start(buf, direction, max_data_len)? {
        Status::Complete((_, total)) => Status::Complete(total),
        Status::Partial => Status::Partial,
    })
}

/// The protocol and total length of the frame at the start of `buf`.
#[inline]
pub(crate) fn frame_start(
    buf: &[u8],
    direction: Direction,
    max_data_len: usize,
) -> Result<Status<(Protocol, usize)>, FrameError> {
    let protocol = match header_at(buf) {
        None => return Err(FrameError::BadHeader { offset: 0 }),
        Some(Status::Partial) => return Ok(Status::Partial),
        Some(Status::Complete(p)) => p,
    };
    let prefix = prefix_len(protocol, direction);
    let Some(&[hi, lo]) = buf.get(prefix - 2..prefix) else {
        return Ok(Status::Partial);
    };
    let len = usize::from(u16::from_be_bytes([hi, lo]));
    if len > max_data_len {
        return Err(FrameError::TooLarge {
            offset: 0,
            len,
            max: max_data_len,
        });
    }
    Ok(Status::Complete((protocol, prefix + len + 2)))
}

/// Parses the frame at the start of `buf`, sent in `direction`.
///
/// Byte 11 of a protocol 2 reader → host frame is read as a status unless
/// [`is_reader_originated`] says the frame is a callback or boot notification.
///
/// ```
/// use cardpointe_vp3300::frame::{parse_frame, Direction, FrameKind, Status, DEFAULT_MAX_DATA_LEN};
/// use cardpointe_vp3300::StatusCode;
/// let ok = [0x56, 0x69, 0x56, 0x4F, 0x74, 0x65, 0x63, 0x68, 0x32, 0x00, 0x01, 0x00, 0x00, 0x00, 0x12, 0x53];
/// let Ok(Status::Complete(parsed)) = parse_frame(&ok, Direction::ReaderToHost, DEFAULT_MAX_DATA_LEN) else {
///     panic!("a whole frame");
/// };
/// assert_eq!(parsed.frame.command, 0x01);
/// assert_eq!(parsed.frame.kind, FrameKind::Response { status: StatusCode::Ok, sub_command: None });
/// assert_eq!(parsed.len, 16);
/// ```
///
/// # Errors
/// [`FrameError::BadHeader`], [`FrameError::TooLarge`] or [`FrameError::BadCrc`] (offsets
/// relative to `buf`).
pub fn parse_frame(
    buf: &[u8],
    direction: Direction,
    max_data_len: usize,
) -> Result<Status<Parsed<'_>>, FrameError> {
    let (protocol, total) = match frame_start(buf, direction, max_data_len)? {
        Status::Partial => return Ok(Status::Partial),
        Status::Complete(start) => start,
    };
    let Some(frame) = buf.get(..total) else {
        return Ok(Status::Partial);
    };
    parse_whole(frame, protocol, direction).map(Status::Complete)
}

/// Parses exactly one whole frame whose header (of `protocol`) and length were checked.
#[inline]
pub(crate) fn parse_whole(
    frame: &[u8],
    protocol: Protocol,
    direction: Direction,
) -> Result<Parsed<'_>, FrameError> {
    let bad_header = FrameError::BadHeader { offset: 0 };
    let total = frame.len();
    let (covered, crc_bytes) = frame.split_at(total.saturating_sub(2));
    let &[c0, c1] = crc_bytes else {
        return Err(bad_header);
    };
    let computed = crc16(covered);
    let command = covered.get(10).copied().unwrap_or(0);
    let crc_order = if computed.to_be_bytes() == [c0, c1] {
        CrcOrder::HighFirst
    } else if computed.to_le_bytes() == [c0, c1] {
        CrcOrder::LowFirst
    } else {
        return Err(FrameError::BadCrc {
            offset: 0,
            command,
            computed,
            found: [c0, c1],
        });
    };
    let prefix = prefix_len(protocol, direction);
    let byte11 = covered.get(11).copied().unwrap_or(0);
    let kind = match (protocol, direction) {
        (_, Direction::HostToReader) => FrameKind::Command {
            sub_command: byte11,
        },
        (Protocol::V3, Direction::ReaderToHost) => FrameKind::Response {
            status: StatusCode::from_byte(covered.get(12).copied().unwrap_or(0)),
            sub_command: Some(byte11),
        },
        (Protocol::V2, Direction::ReaderToHost) if is_reader_originated(command, byte11) => {
            FrameKind::Unsolicited {
                sub_command: byte11,
            }
        }
        (Protocol::V2, Direction::ReaderToHost) => FrameKind::Response {
            status: StatusCode::from_byte(byte11),
            sub_command: None,
        },
    };
    let data = covered.get(prefix..).unwrap_or_default();
    Ok(Parsed {
        frame: FrameRef {
            protocol,
            command,
            kind,
            data,
        },
        len: total,
        crc_order,
    })
}

#[cfg(feature = "alloc")]
pub use owned::Frame;

#[cfg(feature = "alloc")]
mod owned {
    use core::fmt;

    use bytes::{BufMut, Bytes, BytesMut};

    use super::{FrameError, FrameKind, FrameRef, Protocol};
    use crate::status::StatusCode;

    /// A frame that owns its data (a zero-copy slice of the decoder's buffer when decoded).
    ///
    /// ```
    /// use cardpointe_vp3300::Frame;
    /// let ping = Frame::command(0x18, 0x01, Vec::new());
    /// assert_eq!(ping.encode().len(), 16);
    /// ```
    #[derive(Clone, PartialEq, Eq)]
    #[non_exhaustive]
    pub struct Frame {
        /// The framing.
        pub protocol: Protocol,
        /// The command byte.
        pub command: u8,
        /// Command, response or unsolicited, with its sub-command / status.
        pub kind: FrameKind,
        /// The data bytes.
        pub data: Bytes,
    }

    impl fmt::Debug for Frame {
        // The data may hold card data: only its length is shown.
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("Frame")
                .field("protocol", &self.protocol)
                .field("command", &format_args!("{:02X}", self.command))
                .field("kind", &self.kind)
                .field("data_len", &self.data.len())
                .finish()
        }
    }

    impl Frame {
        /// A frame of the given parts.
        #[must_use]
        pub fn new(
            protocol: Protocol,
            command: u8,
            kind: FrameKind,
            data: impl Into<Bytes>,
        ) -> Self {
            Self {
                protocol,
                command,
                kind,
                data: data.into(),
            }
        }

        /// A protocol 2 host → reader command `command-sub_command`.
        #[must_use]
        pub fn command(command: u8, sub_command: u8, data: impl Into<Bytes>) -> Self {
            Self::new(
                Protocol::V2,
                command,
                FrameKind::Command { sub_command },
                data,
            )
        }

        /// A protocol 2 reader → host response to `command`.
        #[must_use]
        pub fn response(command: u8, status: StatusCode, data: impl Into<Bytes>) -> Self {
            Self::new(
                Protocol::V2,
                command,
                FrameKind::Response {
                    status,
                    sub_command: None,
                },
                data,
            )
        }

        /// A protocol 2 frame the reader sends on its own (14-01, 61-xx).
        #[must_use]
        pub fn unsolicited(command: u8, sub_command: u8, data: impl Into<Bytes>) -> Self {
            Self::new(
                Protocol::V2,
                command,
                FrameKind::Unsolicited { sub_command },
                data,
            )
        }

        /// The borrowed view.
        #[must_use]
        pub fn as_ref(&self) -> FrameRef<'_> {
            FrameRef::new(self.protocol, self.command, self.kind, &self.data)
        }

        /// An owned copy of a borrowed frame.
        #[must_use]
        pub fn from_ref(frame: FrameRef<'_>) -> Self {
            Self::new(
                frame.protocol,
                frame.command,
                frame.kind,
                Bytes::copy_from_slice(frame.data),
            )
        }

        /// The response status, if this is a response.
        #[must_use]
        pub const fn status(&self) -> Option<StatusCode> {
            match self.kind {
                FrameKind::Response { status, .. } => Some(status),
                _ => None,
            }
        }

        /// The sub-command (commands, unsolicited frames, protocol 3 responses).
        #[must_use]
        pub const fn sub_command(&self) -> Option<u8> {
            match self.kind {
                FrameKind::Command { sub_command } | FrameKind::Unsolicited { sub_command } => {
                    Some(sub_command)
                }
                FrameKind::Response { sub_command, .. } => sub_command,
            }
        }

        /// Appends the wire bytes to `dst`.
        ///
        /// # Errors
        /// [`FrameError::DataTooLong`] over 65535 data bytes.
        pub fn encode_to(&self, dst: &mut BytesMut) -> Result<(), FrameError> {
            let frame = self.as_ref();
            let start = dst.len();
            let len = frame.encoded_len();
            dst.put_bytes(0, len);
            let out = dst.get_mut(start..).unwrap_or_default();
            match frame.encode_into(out) {
                Ok(_) => Ok(()),
                Err(e) => {
                    dst.truncate(start);
                    Err(e)
                }
            }
        }

        /// The wire bytes (empty if the data exceeds 65535 bytes, which no constructor of this
        /// crate produces; use [`Frame::encode_to`] to see that error).
        #[must_use]
        pub fn encode(&self) -> Bytes {
            let mut out = BytesMut::with_capacity(self.as_ref().encoded_len());
            match self.encode_to(&mut out) {
                Ok(()) => out.freeze(),
                Err(_) => Bytes::new(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_util::hex;

    fn encode(frame: FrameRef<'_>) -> alloc::vec::Vec<u8> {
        let mut out = alloc::vec![0u8; frame.encoded_len()];
        let n = frame.encode_into(&mut out).expect("encodes");
        assert_eq!(n, out.len());
        out
    }

    fn parse(bytes: &[u8], direction: Direction) -> Parsed<'_> {
        match parse_frame(bytes, direction, DEFAULT_MAX_DATA_LEN) {
            Ok(Status::Complete(p)) => p,
            other => panic!("expected a whole frame, got {other:?}"),
        }
    }

    const HEADER: &str = "56 69 56 4F 74 65 63 68 32 00";

    #[test]
    fn set_poll_mode_on_demand_encodes_as_in_spec_2_4() {
        let frame = FrameRef::new(
            Protocol::V2,
            0x01,
            FrameKind::Command { sub_command: 0x01 },
            &[0x01],
        );
        assert_eq!(
            encode(frame),
            hex(&alloc::format!("{HEADER} 01 01 00 01 01 D7 34"))
        );
    }

    #[test]
    fn reader_ok_answer_to_poll_mode_decodes_with_high_byte_first_crc() {
        let bytes = hex(&alloc::format!("{HEADER} 01 00 00 00 12 53"));
        let parsed = parse(&bytes, Direction::ReaderToHost);
        assert_eq!(parsed.crc_order, CrcOrder::HighFirst);
        assert_eq!(
            parsed.frame.kind,
            FrameKind::Response {
                status: StatusCode::Ok,
                sub_command: None
            }
        );
        assert_eq!(encode(parsed.frame), bytes);
    }

    #[test]
    fn get_version_request_and_reply_match_spec_2_4() {
        let tx = FrameRef::new(
            Protocol::V2,
            0x29,
            FrameKind::Command { sub_command: 0 },
            &[],
        );
        assert_eq!(
            encode(tx),
            hex(&alloc::format!("{HEADER} 29 00 00 00 DE A0"))
        );
        let rx = hex(&alloc::format!(
            "{HEADER} 29 00 00 0F 56 50 33 33 30 30 20 46 57 20 76 31 2E 30 31 6C 0E"
        ));
        let parsed = parse(&rx, Direction::ReaderToHost);
        assert_eq!(parsed.frame.data, b"VP3300 FW v1.01");
        assert_eq!(encode(parsed.frame), rx);
    }

    #[test]
    fn activate_transaction_example_of_spec_2_4_round_trips() {
        let bytes = hex(&alloc::format!(
            "{HEADER} 02 40 00 17 3C 9F 02 06 00 00 00 00 12 34 9C 01 00 5F 2A 02 08 40 DF EF 37 01 03 5D 15"
        ));
        let parsed = parse(&bytes, Direction::HostToReader);
        assert_eq!(parsed.crc_order, CrcOrder::LowFirst);
        assert_eq!(parsed.frame.kind, FrameKind::Command { sub_command: 0x40 });
        assert_eq!(parsed.frame.data.len(), 0x17);
        assert_eq!(encode(parsed.frame), bytes);
    }

    #[test]
    fn timeout_cancel_and_auto_poll_frames_of_spec_2_4_match() {
        let timeout = hex(&alloc::format!("{HEADER} 02 08 00 00 20 2E"));
        let parsed = parse(&timeout, Direction::ReaderToHost);
        assert_eq!(
            parsed.frame.kind,
            FrameKind::Response {
                status: StatusCode::Timeout,
                sub_command: None
            }
        );
        let cancel = FrameRef::new(
            Protocol::V2,
            0x05,
            FrameKind::Command { sub_command: 1 },
            &[],
        );
        assert_eq!(
            encode(cancel),
            hex(&alloc::format!("{HEADER} 05 01 00 00 92 EF"))
        );
        let ok = FrameRef::new(
            Protocol::V2,
            0x05,
            FrameKind::Response {
                status: StatusCode::Ok,
                sub_command: None,
            },
            &[],
        );
        assert_eq!(
            encode(ok),
            hex(&alloc::format!("{HEADER} 05 00 00 00 D8 A2"))
        );
        let auto = FrameRef::new(
            Protocol::V2,
            0x01,
            FrameKind::Command { sub_command: 1 },
            &[0],
        );
        assert_eq!(
            encode(auto),
            hex(&alloc::format!("{HEADER} 01 01 00 01 00 F6 24"))
        );
    }

    #[test]
    fn protocol_3_ok_answer_of_spec_2_5_round_trips() {
        let bytes = hex("56 69 56 4F 70 61 79 56 33 00 04 00 00 00 00 62 9C");
        let parsed = parse(&bytes, Direction::ReaderToHost);
        assert_eq!(parsed.frame.protocol, Protocol::V3);
        assert_eq!(
            parsed.frame.kind,
            FrameKind::Response {
                status: StatusCode::Ok,
                sub_command: Some(0)
            }
        );
        assert_eq!(encode(parsed.frame), bytes);
    }

    #[test]
    fn a_61_response_reads_its_status_and_the_61_callbacks_their_sub_command() {
        let ok = hex(&alloc::format!("{HEADER} 61 00 00 00 00 00"));
        let n = ok.len();
        let mut ok = ok;
        let crc = crc16(&ok[..n - 2]).to_be_bytes();
        ok[n - 2..].copy_from_slice(&crc);
        let parsed = parse(&ok, Direction::ReaderToHost);
        assert_eq!(
            parsed.frame.kind,
            FrameKind::Response {
                status: StatusCode::Ok,
                sub_command: None
            }
        );
        for sub_command in 1..=3 {
            let callback = FrameRef::new(
                Protocol::V2,
                0x61,
                FrameKind::Unsolicited { sub_command },
                &[],
            );
            assert_eq!(
                parse(&encode(callback), Direction::ReaderToHost).frame,
                callback
            );
        }
    }

    #[test]
    fn reader_originated_frames_are_accepted_in_either_crc_order() {
        let callback = FrameRef::new(
            Protocol::V2,
            0x61,
            FrameKind::Unsolicited { sub_command: 3 },
            &[1, 2],
        );
        let mut bytes = encode(callback);
        let n = bytes.len();
        bytes.swap(n - 2, n - 1);
        let parsed = parse(&bytes, Direction::ReaderToHost);
        assert_eq!(parsed.crc_order, CrcOrder::LowFirst);
        assert_eq!(parsed.frame, callback);
    }

    #[test]
    fn a_flipped_data_bit_is_a_crc_error_naming_the_command() {
        let mut bytes = hex(&alloc::format!("{HEADER} 01 00 00 01 07 00 00"));
        let n = bytes.len();
        let crc = crc16(&bytes[..n - 2]).to_be_bytes();
        bytes[n - 2..].copy_from_slice(&crc);
        bytes[14] ^= 0x10;
        let err = parse_frame(&bytes, Direction::ReaderToHost, 64).unwrap_err();
        assert!(
            matches!(
                err,
                FrameError::BadCrc {
                    command: 0x01,
                    offset: 0,
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn half_a_frame_is_partial_not_an_error() {
        let bytes = hex(&alloc::format!("{HEADER} 01 00 00 00 12 53"));
        for cut in 0..bytes.len() {
            assert_eq!(
                parse_frame(&bytes[..cut], Direction::ReaderToHost, 64),
                Ok(Status::Partial),
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn an_absurd_length_is_rejected_before_waiting_for_the_data() {
        let bytes = hex(&alloc::format!("{HEADER} 02 00 FF FF"));
        assert_eq!(
            parse_frame(&bytes, Direction::ReaderToHost, 4096),
            Err(FrameError::TooLarge {
                offset: 0,
                len: 0xFFFF,
                max: 4096
            })
        );
    }

    #[test]
    fn bytes_that_are_not_a_header_are_a_bad_header() {
        assert_eq!(
            parse_frame(b"ViVOtechX\0", Direction::ReaderToHost, 64),
            Err(FrameError::BadHeader { offset: 0 })
        );
    }

    #[test]
    fn a_small_output_buffer_is_an_error_not_a_panic() {
        let frame = FrameRef::new(
            Protocol::V2,
            0x18,
            FrameKind::Command { sub_command: 1 },
            &[],
        );
        let mut out = [0u8; 10];
        assert_eq!(
            frame.encode_into(&mut out),
            Err(FrameError::BufferTooSmall {
                needed: 16,
                available: 10
            })
        );
    }
}
