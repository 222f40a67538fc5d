//! The streaming frame decoder: BLE notifications in, frames out (spec section 2.7).

use core::fmt;
use core::ops::Range;

use alloc::boxed::Box;
use alloc::vec;
use alloc::vec::Vec;

use bytes::Bytes;
use zeroize::Zeroize as _;

use crate::frame::{
    self, DEFAULT_MAX_DATA_LEN, Direction, Frame, FrameError, FrameKind, FrameRef, HEADER_LEN,
    Protocol, Status, V2_HEADER, V3_HEADER,
};
use crate::msr::{self, ETX, STX};

/// The buffer's first allocation: a few typical frames, so 20-byte pushes rarely reallocate.
const INITIAL_CAPACITY: usize = 8 * 1024;

/// The shortest header + command + status/sub-command + length prefix of any frame (spec
/// section 2.2: 14 bytes, 15 for protocol 3 answers).
const MIN_PREFIX_LEN: usize = 14;

/// Chunks up to this size are copied in with fixed-size moves instead of a `memcpy` call.
const SMALL_COPY: usize = 32;

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
    /// The working buffer, always initialised (so small pushes are fixed-size moves, with no
    /// unsafe code): the undecided bytes are `buf[start..end]`, the rest is room. The whole
    /// buffer is wiped on reset and drop, and an outgrown buffer is
    /// wiped before it is freed.
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// Nothing can be decided before `end` reaches this index of `buf` (always past `start`):
    /// the one comparison that makes a decode call per BLE notification almost free.
    ready_at: usize,
    direction: Direction,
    max_data_len: usize,
    /// Stream offset of `buf[start]`.
    offset: u64,
    /// Garbage dropped but not yet reported: (offset, len).
    garbage: Option<(u64, usize)>,
    /// The protocol and total length of the frame at the start of the window, once its
    /// header and length are in (so the bytes still to come need not re-parse them).
    expect: Option<(Protocol, usize)>,
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
    /// A frame of this protocol and total length whose bytes are not all in yet.
    WaitFrame(Protocol, usize),
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

/// An item taken off the buffer: what it is, and where its bytes sit in `buf` (they stay there
/// until the next push).
enum Item {
    Frame {
        protocol: Protocol,
        command: u8,
        kind: FrameKind,
        data: Range<usize>,
    },
    Msr(Range<usize>),
    Garbage {
        offset: u64,
        len: usize,
    },
    Error(FrameError),
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
            buf: Vec::new(),
            start: 0,
            end: 0,
            ready_at: 1,
            direction,
            max_data_len: DEFAULT_MAX_DATA_LEN,
            offset: 0,
            garbage: None,
            expect: None,
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
        let n = bytes.len();
        if self.buf.len() - self.end < n {
            self.make_room(n);
        }
        if let Some(room) = self.buf.get_mut(self.end..self.end + n) {
            copy(room, bytes);
            self.end += n;
        }
    }

    /// Makes room for `n` more bytes: moves the undecided bytes to the front or, when that
    /// is not enough, moves them to a larger buffer and wipes the old one.
    #[cold]
    #[inline(never)]
    fn make_room(&mut self, n: usize) {
        let live = self.end - self.start;
        let needed = live.saturating_add(n);
        if needed <= self.buf.len() {
            // What the move leaves behind stays inside this buffer until it is overwritten,
            // and is wiped with the rest on reset and drop.
            self.buf.copy_within(self.start..self.end, 0);
        } else {
            let size = needed
                .max(self.buf.len().saturating_mul(2))
                .max(INITIAL_CAPACITY);
            let mut grown = vec![0; size];
            if let (Some(to), Some(from)) =
                (grown.get_mut(..live), self.buf.get(self.start..self.end))
            {
                to.copy_from_slice(from);
            }
            let mut old = core::mem::replace(&mut self.buf, grown);
            // The slice impl: one fill behind an optimisation barrier (`Vec::zeroize` goes
            // element by element).
            old.as_mut_slice().zeroize();
        }
        // `ready_at` stays past `start`, so it moves down by as much as `start`.
        self.ready_at = self.ready_at.saturating_sub(self.start);
        self.start = 0;
        self.end = live;
    }

    /// The undecided bytes.
    #[inline]
    fn window(&self) -> &[u8] {
        self.buf.get(self.start..self.end).unwrap_or_default()
    }

    /// How many bytes [`FrameDecoder::window`] holds.
    #[inline]
    fn len(&self) -> usize {
        self.end - self.start
    }

    /// True when nothing can be decided before more bytes arrive.
    #[inline]
    fn starved(&self) -> bool {
        self.end < self.ready_at
    }

    /// Bytes buffered and not yet decided.
    #[must_use]
    pub fn buffered(&self) -> usize {
        self.len()
    }

    /// Forgets buffered bytes and pending garbage, e.g. after a disconnect, and wipes the
    /// buffer; stream offsets keep counting.
    pub fn reset(&mut self) {
        self.offset += self.len() as u64;
        self.buf.as_mut_slice().zeroize();
        self.start = 0;
        self.end = 0;
        self.ready_at = 1;
        self.expect = None;
        self.garbage = None;
    }

    /// Decides the next item without taking it off the buffer; `None` when more bytes are
    /// needed. Garbage dropped on the way is reported before the item after it.
    fn ready(&mut self) -> Option<Head> {
        loop {
            if self.starved() {
                return None;
            }
            match self.head() {
                Head::Wait(need) => {
                    self.ready_at = self.start + need;
                    return None;
                }
                Head::WaitFrame(protocol, total) => {
                    self.ready_at = self.start + total;
                    self.expect = Some((protocol, total));
                    return None;
                }
                Head::Garbage(n) => self.drop_garbage(n),
                // Report the garbage first; the item is found again on the next call.
                head => return Some(self.take_garbage().unwrap_or(head)),
            }
        }
    }

    /// The next frame, record, garbage report or error, owned; `None` when more bytes are
    /// needed.
    ///
    /// An owned frame's data (and an MSR record) is copied out of the decoder's buffer into
    /// its own allocation, which is wiped when the last clone of its [`Bytes`] is dropped (it
    /// may hold card data). [`FrameDecoder::decode_ref`] is the zero-copy alternative.
    #[inline]
    pub fn decode(&mut self) -> Option<Result<Decoded, FrameError>> {
        if self.starved() {
            return None;
        }
        self.decode_owned()
    }

    fn decode_owned(&mut self) -> Option<Result<Decoded, FrameError>> {
        Some(self.decode_borrowed()?.map(|item| match item {
            DecodedRef::Frame(frame) => Decoded::Frame(Frame::new(
                frame.protocol,
                frame.command,
                frame.kind,
                wiped_bytes(frame.data),
            )),
            DecodedRef::MsrRecord(record) => Decoded::MsrRecord(wiped_bytes(record)),
            DecodedRef::Garbage { offset, len } => Decoded::Garbage { offset, len },
        }))
    }

    /// As [`FrameDecoder::decode`], but borrowing from the decoder's buffer: no reference
    /// counting, nothing allocated. The item's bytes stay in the buffer until the next push;
    /// the borrow must end before the next call.
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
        Some(match self.next_item()? {
            Item::Frame {
                protocol,
                command,
                kind,
                data,
            } => Ok(DecodedRef::Frame(FrameRef::new(
                protocol,
                command,
                kind,
                self.buf.get(data).unwrap_or_default(),
            ))),
            Item::Msr(record) => Ok(DecodedRef::MsrRecord(
                self.buf.get(record).unwrap_or_default(),
            )),
            Item::Garbage { offset, len } => Ok(DecodedRef::Garbage { offset, len }),
            Item::Error(error) => Err(error),
        })
    }

    /// The next item, taken off the buffer (its bytes stay in `buf` at the returned ranges
    /// until the next push, so the caller can copy or borrow them).
    #[inline]
    fn next_item(&mut self) -> Option<Item> {
        // Fast path: the rest of the frame we were waiting for came in, its CRC is good and no
        // garbage report is due (anything else takes the general path).
        if let Some((protocol, total)) = self.expect
            && self.garbage.is_none()
            && let Some(item) = self.take_expected(protocol, total)
        {
            return Some(item);
        }
        Some(match self.ready()? {
            Head::Frame {
                protocol,
                command,
                kind,
                data_len,
                total,
            } => {
                let data = self.data_range(total, data_len);
                self.take(total);
                Item::Frame {
                    protocol,
                    command,
                    kind,
                    data,
                }
            }
            Head::Msr(total) => {
                let record = self.start..self.start + total;
                self.take(total);
                Item::Msr(record)
            }
            Head::Report { offset, len } => Item::Garbage { offset, len },
            Head::Error(error, skip) => {
                let error = with_offset(error, self.offset);
                self.take(skip);
                Item::Error(error)
            }
            Head::Wait(_) | Head::WaitFrame(..) | Head::Garbage(_) => return None,
        })
    }

    /// Takes the awaited frame of `protocol` and `total` bytes when all of it is in and its
    /// CRC is good.
    #[inline]
    fn take_expected(&mut self, protocol: Protocol, total: usize) -> Option<Item> {
        let bytes = self.window().get(..total)?;
        let frame = frame::parse_whole(bytes, protocol, self.direction)
            .ok()?
            .frame;
        let (command, kind) = (frame.command, frame.kind);
        let data = self.data_range(total, frame.data.len());
        self.take(total);
        self.expect_next();
        Some(Item::Frame {
            protocol,
            command,
            kind,
            data,
        })
    }

    /// Looks ahead after a frame: when the next frame's header and length are already in,
    /// remembers them, so the calls until its last byte arrives are the one comparison.
    #[inline]
    fn expect_next(&mut self) {
        if let Ok(Status::Complete((protocol, total))) =
            frame::frame_start(self.window(), self.direction, self.max_data_len)
        {
            self.expect = Some((protocol, total));
            self.ready_at = self.start + total;
        }
    }

    /// Where the data of the `total`-byte frame at the window's start sits in `buf`.
    #[inline]
    fn data_range(&self, total: usize, data_len: usize) -> Range<usize> {
        let end = self.start + total - 2;
        end - data_len..end
    }

    /// Takes the first `n` bytes off the window.
    #[inline]
    fn take(&mut self, n: usize) {
        let n = n.min(self.len());
        self.start += n;
        self.offset += n as u64;
        self.ready_at = self.start + 1;
        self.expect = None;
    }

    fn drop_garbage(&mut self, n: usize) {
        let n = n.min(self.len()).max(1).min(self.len());
        self.start += n;
        self.garbage = Some(match self.garbage {
            Some((offset, len)) => (offset, len + n),
            None => (self.offset, n),
        });
        self.offset += n as u64;
        self.ready_at = self.start + 1;
        self.expect = None;
    }

    fn take_garbage(&mut self) -> Option<Head> {
        self.garbage
            .take()
            .map(|(offset, len)| Head::Report { offset, len })
    }

    fn head(&self) -> Head {
        let buf = self.window();
        match buf.first() {
            Some(&b'V') => self.frame_head(buf),
            Some(&STX) => self.msr_head(buf),
            Some(_) => Head::Garbage(next_candidate(buf, 1)),
            None => Head::Wait(1),
        }
    }

    fn frame_head(&self, buf: &[u8]) -> Head {
        if let Some((protocol, total)) = self.expect {
            return self.whole_frame(buf, protocol, total);
        }
        match frame::frame_start(buf, self.direction, self.max_data_len) {
            // A partial header is decided byte by byte (a mismatch makes it garbage); a whole
            // header needs its length field before anything can be decided.
            Ok(Status::Partial) if buf.len() < HEADER_LEN => Head::Wait(buf.len() + 1),
            Ok(Status::Partial) => Head::Wait(MIN_PREFIX_LEN.max(buf.len() + 1)),
            Err(FrameError::BadHeader { .. }) => Head::Garbage(next_candidate(buf, 1)),
            Err(e) => Head::Error(e, 1),
            Ok(Status::Complete((protocol, total))) => self.whole_frame(buf, protocol, total),
        }
    }

    /// The frame of `protocol` and `total` bytes at the start of `buf`, once all are in.
    #[inline]
    fn whole_frame(&self, buf: &[u8], protocol: Protocol, total: usize) -> Head {
        let Some(bytes) = buf.get(..total) else {
            return Head::WaitFrame(protocol, total);
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

impl Drop for FrameDecoder {
    /// Wipes the buffer: it held raw reader traffic (card data among it).
    fn drop(&mut self) {
        self.buf.as_mut_slice().zeroize();
    }
}

/// Copies `src` into `dst` (of the same length). Up to [`SMALL_COPY`] bytes (a BLE
/// notification) move as two overlapping fixed-size blocks, inline, instead of through a
/// `memcpy` call whose set-up costs more than the copy.
#[inline(always)]
fn copy(dst: &mut [u8], src: &[u8]) {
    macro_rules! two_blocks {
        ($n:literal) => {
            if let (Some(head), Some(tail), Some(dst_head)) = (
                src.first_chunk::<$n>(),
                src.last_chunk::<$n>(),
                dst.first_chunk_mut::<$n>(),
            ) {
                *dst_head = *head;
                if let Some(dst_tail) = dst.last_chunk_mut::<$n>() {
                    *dst_tail = *tail;
                }
                return;
            }
        };
    }
    let n = src.len();
    if n != dst.len() {
        return;
    }
    if n > SMALL_COPY {
        dst.copy_from_slice(src);
    } else if n >= 16 {
        two_blocks!(16);
    } else if n >= 8 {
        two_blocks!(8);
    } else if n >= 4 {
        two_blocks!(4);
    } else {
        for (to, from) in dst.iter_mut().zip(src) {
            *to = *from;
        }
    }
}

/// An owned copy of card-bearing bytes, wiped when its last [`Bytes`] handle is dropped.
struct Wiped(Box<[u8]>);

impl AsRef<[u8]> for Wiped {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl Drop for Wiped {
    fn drop(&mut self) {
        let bytes: &mut [u8] = &mut self.0;
        bytes.zeroize();
    }
}

/// `bytes` copied into a [`Wiped`] allocation (nothing allocated when empty).
fn wiped_bytes(bytes: &[u8]) -> Bytes {
    if bytes.is_empty() {
        Bytes::new()
    } else {
        Bytes::from_owner(Wiped(bytes.into()))
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
