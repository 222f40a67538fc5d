//! The streaming frame decoder: BLE notifications in, frames out (spec section 2.7).

use core::fmt;

use bytes::{Buf, Bytes, BytesMut};

use crate::frame::{
    self, DEFAULT_MAX_DATA_LEN, Direction, Frame, FrameError, FrameKind, FrameRef, HEADER_LEN,
    Protocol, Status, V2_HEADER, V3_HEADER,
};
use crate::msr::{self, ETX, STX};

/// The buffer's first allocation: a few typical frames, so 20-byte pushes rarely reallocate.
const INITIAL_CAPACITY: usize = 8 * 1024;

/// One thing the decoder found in the stream.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Decoded {
    /// A whole frame with a good CRC.
    Frame(Frame),
    /// A raw enhanced MSR record (`STX .. ETX`, LRC and checksum verified), as readers send
    /// outside IDG transactions (spec 2.7 item 4). Parse it with
    /// [`MsrRecord::parse`](crate::MsrRecord::parse).
    MsrRecord(Bytes),
    /// Bytes that were neither a frame nor a record, dropped to resynchronise.
    Garbage {
        /// Stream offset of the first dropped byte.
        offset: u64,
        /// How many bytes were dropped.
        len: usize,
    },
}

/// One thing the decoder found, borrowed from its buffer (see [`FrameDecoder::decode_ref`]).
#[derive(Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodedRef<'a> {
    /// A whole frame with a good CRC.
    Frame(FrameRef<'a>),
    /// A raw enhanced MSR record, LRC and checksum verified.
    MsrRecord(&'a [u8]),
    /// Bytes dropped to resynchronise.
    Garbage {
        /// Stream offset of the first dropped byte.
        offset: u64,
        /// How many bytes were dropped.
        len: usize,
    },
}

impl fmt::Debug for DecodedRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Frame(frame) => f.debug_tuple("Frame").field(frame).finish(),
            Self::MsrRecord(bytes) => f
                .debug_struct("MsrRecord")
                .field("len", &bytes.len())
                .finish(),
            Self::Garbage { offset, len } => f
                .debug_struct("Garbage")
                .field("offset", offset)
                .field("len", len)
                .finish(),
        }
    }
}

impl fmt::Debug for Decoded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Frame(frame) => f.debug_tuple("Frame").field(frame).finish(),
            // Card data: only the length.
            Self::MsrRecord(bytes) => f
                .debug_struct("MsrRecord")
                .field("len", &bytes.len())
                .finish(),
            Self::Garbage { offset, len } => f
                .debug_struct("Garbage")
                .field("offset", offset)
                .field("len", len)
                .finish(),
        }
    }
}

/// Reassembles frames from a byte stream cut anywhere: 20-byte BLE notifications, two frames
/// in one notification, a frame split at any byte.
///
/// Push bytes with [`FrameDecoder::push`], then call [`FrameDecoder::decode`] until it returns
/// `None` (more bytes needed). The items and errors that come out depend only on the bytes,
/// never on how they were chunked. Runs of bytes that are neither frames nor MSR records are
/// reported once as [`Decoded::Garbage`] (offset and length), just before the next frame,
/// record or error. A bad CRC or a length above the limit is an `Err` naming the frame's
/// offset; the decoder then resumes the search one byte past that frame's start.
///
/// ```
/// use cardpointe_vp3300::{Decoded, FrameDecoder, Frame, StatusCode};
///
/// let ok = Frame::response(0x18, StatusCode::Ok, Vec::new()).encode();
/// let mut decoder = FrameDecoder::host();
/// let mut frames = Vec::new();
/// for chunk in [&b"junk"[..], &ok[..5], &ok[5..], &ok[..]] {
///     decoder.push(chunk);
///     while let Some(item) = decoder.decode() {
///         frames.push(item.expect("good frames"));
///     }
/// }
/// assert_eq!(frames[0], Decoded::Garbage { offset: 0, len: 4 });
/// assert!(matches!(&frames[1], Decoded::Frame(f) if f.status() == Some(StatusCode::Ok)));
/// assert_eq!(frames.len(), 3);
/// ```
pub struct FrameDecoder {
    buf: BytesMut,
    direction: Direction,
    max_data_len: usize,
    /// Bytes the item at the start of `buf` needs before it can be decided (at least 1).
    need: usize,
    /// Stream offset of `buf[0]`.
    offset: u64,
    /// Garbage dropped but not yet reported: (offset, len).
    garbage: Option<(u64, usize)>,
    /// Bytes of the last borrowed item, released on the next call.
    pending: usize,
}

impl fmt::Debug for FrameDecoder {
    // The buffer may hold card data: only its length is shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FrameDecoder")
            .field("direction", &self.direction)
            .field("max_data_len", &self.max_data_len)
            .field("buffered", &self.buffered())
            .field("offset", &self.offset)
            .finish_non_exhaustive()
    }
}

/// What sits at the start of the buffer.
enum Head {
    /// Need at least this many bytes in total before deciding.
    Wait(usize),
    /// A whole frame of `total` bytes.
    Frame {
        protocol: Protocol,
        command: u8,
        kind: FrameKind,
        data_len: usize,
        total: usize,
    },
    /// A whole MSR record of this many bytes.
    Msr(usize),
    /// An error; then drop this many bytes.
    Error(FrameError, usize),
    /// The first `n` bytes are garbage.
    Garbage(usize),
    /// Garbage already dropped, to report.
    Report { offset: u64, len: usize },
}

impl FrameDecoder {
    /// A decoder of reader → host traffic (what the host app and the BLE driver need).
    #[must_use]
    pub fn host() -> Self {
        Self::new(Direction::ReaderToHost)
    }

    /// A decoder of host → reader traffic (what a reader simulator needs).
    #[must_use]
    pub fn reader() -> Self {
        Self::new(Direction::HostToReader)
    }

    /// A decoder of frames sent in `direction`, with the default data-length limit.
    #[must_use]
    pub fn new(direction: Direction) -> Self {
        Self {
            buf: BytesMut::with_capacity(INITIAL_CAPACITY),
            direction,
            max_data_len: DEFAULT_MAX_DATA_LEN,
            need: 1,
            offset: 0,
            garbage: None,
            pending: 0,
        }
    }

    /// Sets the largest data length accepted (frames declaring more are errors).
    #[must_use]
    pub fn with_max_data_len(mut self, max_data_len: usize) -> Self {
        self.max_data_len = max_data_len;
        self
    }

    /// Appends received bytes.
    #[inline]
    pub fn push(&mut self, bytes: &[u8]) {
        if self.pending > 0 {
            self.consume_pending();
        }
        self.buf.extend_from_slice(bytes);
    }

    /// True when nothing can be decided before more bytes arrive (the cheap check that keeps
    /// a decode call per BLE notification almost free).
    #[inline]
    fn starved(&self) -> bool {
        self.pending == 0 && self.buf.len() < self.need
    }

    /// Bytes buffered and not yet decided.
    #[must_use]
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.pending.min(self.buf.len())
    }

    /// Forgets buffered bytes and pending garbage (e.g. after a disconnect); stream offsets
    /// keep counting.
    pub fn reset(&mut self) {
        self.consume_pending();
        self.offset += self.buf.len() as u64;
        self.buf.clear();
        self.need = 1;
        self.garbage = None;
    }

    /// Decides the next item without taking it off the buffer; `None` when more bytes are
    /// needed. Garbage dropped on the way is reported before the item after it.
    fn ready(&mut self) -> Option<Head> {
        self.consume_pending();
        loop {
            if self.buf.len() < self.need {
                return None;
            }
            match self.head() {
                Head::Wait(need) => {
                    self.need = need;
                    return None;
                }
                Head::Garbage(n) => self.drop_garbage(n),
                // Report the garbage first; the item is found again on the next call.
                head => return Some(self.take_garbage().unwrap_or(head)),
            }
        }
    }

    /// The next frame, record, garbage report or error, owned (frames are zero-copy slices
    /// of the decoder's buffer); `None` when more bytes are needed.
    #[inline]
    pub fn decode(&mut self) -> Option<Result<Decoded, FrameError>> {
        if self.starved() {
            return None;
        }
        self.decode_owned()
    }

    fn decode_owned(&mut self) -> Option<Result<Decoded, FrameError>> {
        Some(match self.ready()? {
            Head::Frame {
                protocol,
                command,
                kind,
                data_len,
                total,
            } => {
                // The frame's bytes become its data by trimming in place (no copy).
                let mut bytes = self.split_mut(total);
                bytes.advance(total - 2 - data_len);
                bytes.truncate(data_len);
                Ok(Decoded::Frame(Frame::new(
                    protocol,
                    command,
                    kind,
                    bytes.freeze(),
                )))
            }
            Head::Msr(total) => Ok(Decoded::MsrRecord(self.split_mut(total).freeze())),
            Head::Report { offset, len } => Ok(Decoded::Garbage { offset, len }),
            Head::Error(error, skip) => {
                let error = with_offset(error, self.offset);
                let _ = self.split_mut(skip);
                Err(error)
            }
            Head::Wait(_) | Head::Garbage(_) => return None,
        })
    }

    /// As [`FrameDecoder::decode`], but borrowing from the decoder's buffer: no reference
    /// counting, nothing allocated. The item's bytes are released on the next call (or
    /// push), so the borrow must end first.
    ///
    /// ```
    /// use cardpointe_vp3300::{DecodedRef, Frame, FrameDecoder, StatusCode};
    /// let mut decoder = FrameDecoder::host();
    /// decoder.push(&Frame::response(0x29, StatusCode::Ok, b"v1".to_vec()).encode());
    /// let Some(Ok(DecodedRef::Frame(frame))) = decoder.decode_ref() else { panic!() };
    /// assert_eq!(frame.data, b"v1");
    /// assert!(decoder.decode_ref().is_none());
    /// ```
    #[inline]
    pub fn decode_ref(&mut self) -> Option<Result<DecodedRef<'_>, FrameError>> {
        if self.starved() {
            return None;
        }
        self.decode_borrowed()
    }

    fn decode_borrowed(&mut self) -> Option<Result<DecodedRef<'_>, FrameError>> {
        Some(match self.ready()? {
            Head::Frame {
                protocol,
                command,
                kind,
                data_len,
                total,
            } => {
                self.take_later(total);
                let end = total - 2;
                let data = self.buf.get(end - data_len..end).unwrap_or_default();
                Ok(DecodedRef::Frame(FrameRef::new(
                    protocol, command, kind, data,
                )))
            }
            Head::Msr(total) => {
                self.take_later(total);
                Ok(DecodedRef::MsrRecord(
                    self.buf.get(..total).unwrap_or_default(),
                ))
            }
            Head::Report { offset, len } => Ok(DecodedRef::Garbage { offset, len }),
            Head::Error(error, skip) => {
                let error = with_offset(error, self.offset);
                self.take_later(skip);
                Err(error)
            }
            Head::Wait(_) | Head::Garbage(_) => return None,
        })
    }

    /// Marks the first `n` bytes as taken; they leave the buffer on the next call.
    fn take_later(&mut self, n: usize) {
        let n = n.min(self.buf.len());
        self.need = 1;
        self.offset += n as u64;
        self.pending = n;
    }

    fn consume_pending(&mut self) {
        if self.pending > 0 {
            self.buf.advance(self.pending.min(self.buf.len()));
            self.pending = 0;
        }
    }

    /// Takes the first `n` bytes off the buffer.
    fn split_mut(&mut self, n: usize) -> BytesMut {
        let n = n.min(self.buf.len());
        self.need = 1;
        self.offset += n as u64;
        self.buf.split_to(n)
    }

    fn drop_garbage(&mut self, n: usize) {
        let n = n.min(self.buf.len()).max(1);
        let _ = self.buf.split_to(n);
        self.garbage = Some(match self.garbage {
            Some((offset, len)) => (offset, len + n),
            None => (self.offset, n),
        });
        self.offset += n as u64;
        self.need = 1;
    }

    fn take_garbage(&mut self) -> Option<Head> {
        self.garbage
            .take()
            .map(|(offset, len)| Head::Report { offset, len })
    }

    fn head(&self) -> Head {
        let buf = &self.buf[..];
        match buf.first() {
            Some(&b'V') => self.frame_head(buf),
            Some(&STX) => self.msr_head(buf),
            Some(_) => Head::Garbage(next_candidate(buf, 1)),
            None => Head::Wait(1),
        }
    }

    fn frame_head(&self, buf: &[u8]) -> Head {
        match frame::frame_start(buf, self.direction, self.max_data_len) {
            Ok(Status::Partial) => Head::Wait(buf.len() + 1),
            Err(FrameError::BadHeader { .. }) => Head::Garbage(next_candidate(buf, 1)),
            Err(e) => Head::Error(e, 1),
            Ok(Status::Complete((protocol, total))) => {
                let Some(bytes) = buf.get(..total) else {
                    return Head::Wait(total);
                };
                match frame::parse_whole(bytes, protocol, self.direction) {
                    Ok(parsed) => Head::Frame {
                        protocol: parsed.frame.protocol,
                        command: parsed.frame.command,
                        kind: parsed.frame.kind,
                        data_len: parsed.frame.data.len(),
                        total,
                    },
                    Err(e) => Head::Error(e, 1),
                }
            }
        }
    }

    fn msr_head(&self, buf: &[u8]) -> Head {
        let Some(&[_, lo, hi]) = buf.get(..3) else {
            return Head::Wait(3);
        };
        let card_len = usize::from(u16::from_le_bytes([lo, hi]));
        let total = card_len + 6;
        if card_len == 0 || card_len > self.max_data_len {
            return Head::Garbage(next_candidate(buf, 1));
        }
        // A frame header inside the would-be record means the STX was noise.
        let window = buf.get(1..total.min(buf.len())).unwrap_or_default();
        if contains_header(window) {
            return Head::Garbage(next_candidate(buf, 1));
        }
        let Some(record) = buf.get(..total) else {
            // Re-examine on every push: a header arriving inside the window ends the wait.
            return Head::Wait(buf.len() + 1);
        };
        let card = record.get(3..3 + card_len).unwrap_or_default();
        let (lrc, sum) = msr::lrc_and_checksum(card);
        if record.get(3 + card_len..) == Some(&[lrc, sum, ETX][..]) {
            Head::Msr(total)
        } else {
            Head::Garbage(next_candidate(buf, 1))
        }
    }
}

/// The index of the first byte at or after `from` that may start a frame or record.
fn next_candidate(buf: &[u8], from: usize) -> usize {
    buf.get(from..)
        .and_then(|rest| rest.iter().position(|&b| b == b'V' || b == STX))
        .map_or(buf.len(), |i| from + i)
}

fn contains_header(window: &[u8]) -> bool {
    window
        .windows(HEADER_LEN)
        .any(|w| w == V2_HEADER || w == V3_HEADER)
}

fn with_offset(error: FrameError, base: u64) -> FrameError {
    match error {
        FrameError::BadHeader { offset } => FrameError::BadHeader {
            offset: base + offset,
        },
        FrameError::TooLarge { offset, len, max } => FrameError::TooLarge {
            offset: base + offset,
            len,
            max,
        },
        FrameError::BadCrc {
            offset,
            command,
            computed,
            found,
        } => FrameError::BadCrc {
            offset: base + offset,
            command,
            computed,
            found,
        },
        other => other,
    }
}
