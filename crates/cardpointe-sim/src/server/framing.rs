//! Answer first, always: a guard between the socket and hyper's HTTP/1 connection.
//!
//! hyper's `pipeline_flush` keeps answers in its write buffer while more request bytes wait
//! in its read buffer, and a parse error in those bytes ends the connection with the buffered
//! answers unsent. The bytes after a request are often not a request at all: Node's `http`
//! module writes a JSON body on a `GET` without `Content-Length` or chunked encoding, so by
//! the framing rules (RFC 9112 §6.3) the request has no body and the JSON is stray bytes.
//! A real server answers the `GET` and then deals with the stray bytes.
//!
//! [`Guarded`] reads the request stream with a [`Framer`] that applies the framing rules as
//! hyper does and hands hyper only bytes it vouches for: whole request heads that hyper will
//! accept, and body bytes as far as `Content-Length` or the chunked coding reach. Anything else
//! is held back until every complete request handed over so far has been answered and those
//! answers flushed to the socket. Then:
//!
//! - stray bytes where a request head should start (or a head hyper would refuse): if they
//!   arrived before the answer to the request before them was made, that answer carries
//!   `Connection: close` and the connection closes after it (the client cannot take the
//!   stray bytes' fate for its next request's answer); otherwise they are answered `400`
//!   with `Connection: close` — what hyper does without `pipeline_flush`, and what Tomcat
//!   does;
//! - a body that breaks its chunked coding, or the client's end of the stream, closes the
//!   connection;
//! - an HTTP/2 preface at the start passes through to hyper's HTTP/2 server untouched.
//!
//! Pipelined clients keep one write per batch of answers.
//!
//! The guard also bounds how long a connection may stay silent before its first request head
//! is complete (hyper's own `header_read_timeout` takes over from there; it cannot run before
//! hyper knows whether the connection speaks HTTP/1 or HTTP/2).

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, Waker, ready};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Longest request head (or chunk-size line) the framer waits for; longer ones are refused.
const MAX_HEAD: usize = 64 * 1024;
/// hyper's default limit on request header count.
const MAX_HEADERS: usize = 100;
/// Longest chunk-size line (size and extensions).
const MAX_CHUNK_LINE: usize = 4096;
/// The start of every HTTP/2 connection with prior knowledge.
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// Where the scan of the request stream stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Expecting a request head (blank lines before it are allowed, as hyper allows them).
    Head,
    /// Inside a body of known length: this many bytes left.
    Body(u64),
    /// Chunked body: expecting a chunk-size line.
    ChunkSize,
    /// Chunked body: this many data bytes left, then CRLF.
    ChunkData(u64),
    /// Chunked body: the CRLF after a chunk's data.
    ChunkEnd,
    /// Chunked body: the CRLF after the last (zero-size) chunk.
    LastChunkEnd,
}

/// Why a scan stopped before the end of the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stop {
    /// Every byte is clean.
    End,
    /// The rest starts an incomplete head or line: wait for more bytes.
    NeedMore,
    /// Where a request head should start, bytes hyper would refuse (stray body bytes, a head
    /// it cannot parse, framing headers it rejects).
    Stray,
    /// Inside a chunked body, bytes that break the coding (or trailer fields, left alone).
    BrokenBody,
    /// The connection opens with the HTTP/2 preface.
    Http2,
}

/// The framing rules of HTTP/1.1 requests (RFC 9112 §6), applied to the bytes a client
/// sends the way hyper applies them.
#[derive(Debug)]
pub(super) struct Framer {
    stage: Stage,
    /// Bytes scanned as clean so far (only "none yet" matters: the HTTP/2 preface).
    started: bool,
    /// Requests whose head and body have been scanned completely.
    complete: u64,
}

impl Framer {
    pub(super) const fn new() -> Self {
        Self {
            stage: Stage::Head,
            started: false,
            complete: 0,
        }
    }

    /// Requests scanned to their end.
    pub(super) const fn complete(&self) -> u64 {
        self.complete
    }

    /// Scans `bytes` (which continue the stream where the last scan's clean part ended):
    /// returns how many leading bytes are clean and why it stopped there.
    pub(super) fn scan(&mut self, bytes: &[u8]) -> (usize, Stop) {
        if !self.started {
            let n = bytes.len().min(H2_PREFACE.len());
            if n > 0 && bytes[..n] == H2_PREFACE[..n] {
                return (
                    0,
                    if n == H2_PREFACE.len() {
                        Stop::Http2
                    } else {
                        Stop::NeedMore
                    },
                );
            }
        }
        let mut at = 0;
        while at < bytes.len() {
            let rest = &bytes[at..];
            let step = match self.stage {
                Stage::Head => match head(rest) {
                    Head::Complete { len, body } => {
                        self.start_body(body);
                        Ok(len)
                    }
                    Head::Partial => Err(Stop::NeedMore),
                    Head::Refused => Err(Stop::Stray),
                },
                Stage::Body(left) => {
                    let take = clamp(left, rest.len());
                    let left = left - take as u64;
                    if left == 0 {
                        self.end_message();
                    } else {
                        self.stage = Stage::Body(left);
                    }
                    Ok(take)
                }
                Stage::ChunkSize => match chunk_size(rest) {
                    Line::Complete { len, value: 0 } => {
                        self.stage = Stage::LastChunkEnd;
                        Ok(len)
                    }
                    Line::Complete { len, value } => {
                        self.stage = Stage::ChunkData(value);
                        Ok(len)
                    }
                    Line::Partial => Err(Stop::NeedMore),
                    Line::Refused => Err(Stop::BrokenBody),
                },
                Stage::ChunkData(left) => {
                    let take = clamp(left, rest.len());
                    let left = left - take as u64;
                    self.stage = if left == 0 {
                        Stage::ChunkEnd
                    } else {
                        Stage::ChunkData(left)
                    };
                    Ok(take)
                }
                Stage::ChunkEnd | Stage::LastChunkEnd => match crlf(rest) {
                    Line::Complete { len, .. } => {
                        if self.stage == Stage::LastChunkEnd {
                            self.end_message();
                        } else {
                            self.stage = Stage::ChunkSize;
                        }
                        Ok(len)
                    }
                    Line::Partial => Err(Stop::NeedMore),
                    Line::Refused => Err(Stop::BrokenBody),
                },
            };
            match step {
                Ok(n) => {
                    at += n;
                    self.started = true;
                }
                Err(stop) => return (at, stop),
            }
        }
        (at, Stop::End)
    }

    fn start_body(&mut self, body: Framing) {
        match body {
            Framing::Length(0) => self.end_message(),
            Framing::Length(n) => self.stage = Stage::Body(n),
            Framing::Chunked => self.stage = Stage::ChunkSize,
        }
    }

    fn end_message(&mut self) {
        self.complete += 1;
        self.stage = Stage::Head;
    }
}

/// `left` as a count of the `available` bytes.
fn clamp(left: u64, available: usize) -> usize {
    usize::try_from(left).map_or(available, |left| left.min(available))
}

/// How a request's body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    Length(u64),
    Chunked,
}

#[derive(Debug, PartialEq, Eq)]
enum Head {
    Complete { len: usize, body: Framing },
    Partial,
    Refused,
}

#[derive(Debug, PartialEq, Eq)]
enum Line {
    Complete { len: usize, value: u64 },
    Partial,
    Refused,
}

/// RFC 9110 `tchar`: what method and header-name tokens are made of.
const fn is_tchar(b: u8) -> bool {
    matches!(
        b,
        b'!' | b'#'
            | b'$'
            | b'%'
            | b'&'
            | b'\''
            | b'*'
            | b'+'
            | b'-'
            | b'.'
            | b'^'
            | b'_'
            | b'`'
            | b'|'
            | b'~'
    ) || b.is_ascii_alphanumeric()
}

/// Splits off one line ending in LF (an optional CR before it is dropped); `None` when no LF
/// is in `bytes`.
fn line(bytes: &[u8]) -> Option<(&[u8], usize)> {
    let lf = bytes.iter().position(|&b| b == b'\n')?;
    let text = &bytes[..lf];
    Some((text.strip_suffix(b"\r").unwrap_or(text), lf + 1))
}

/// A decimal `Content-Length` as hyper reads it: digits only, no sign, no overflow.
fn decimal(value: &[u8]) -> Option<u64> {
    if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(value).ok()?.parse().ok()
}

/// Reads one request head as hyper (httparse, then its framing rules) reads it, and its body
/// framing.
fn head(bytes: &[u8]) -> Head {
    // httparse skips blank lines before a request line.
    let mut at = 0;
    while let Some(&b) = bytes.get(at) {
        match b {
            b'\n' => at += 1,
            b'\r' if bytes.get(at + 1) == Some(&b'\n') => at += 2,
            b'\r' if at + 1 == bytes.len() => return Head::Partial,
            _ => break,
        }
    }
    if at == bytes.len() {
        return Head::Partial;
    }
    let Some((request_line, used)) = line(&bytes[at..]) else {
        if !request_line_prefix_ok(&bytes[at..]) {
            return Head::Refused;
        }
        return too_long_or_partial(bytes.len());
    };
    at += used;
    let Some(http11) = request_line_is_http11(request_line) else {
        return Head::Refused;
    };
    let mut length: Option<u64> = None;
    let mut te: Option<bool> = None;
    let mut headers = 0;
    loop {
        let Some((field, used)) = line(&bytes[at..]) else {
            if !field_prefix_ok(&bytes[at..]) {
                return Head::Refused;
            }
            return too_long_or_partial(bytes.len());
        };
        at += used;
        if at > MAX_HEAD {
            return Head::Refused;
        }
        if field.is_empty() {
            break;
        }
        headers += 1;
        if headers > MAX_HEADERS {
            return Head::Refused;
        }
        let Some(colon) = field.iter().position(|&b| b == b':') else {
            return Head::Refused;
        };
        let (name, value) = (&field[..colon], &field[colon + 1..]);
        let value_ok = value
            .iter()
            .all(|&b| b == b'\t' || (b' '..=b'~').contains(&b) || b >= 0x80);
        if name.is_empty() || !name.iter().all(|&b| is_tchar(b)) || !value_ok {
            return Head::Refused;
        }
        let value = value.trim_ascii();
        if name.eq_ignore_ascii_case(b"transfer-encoding") {
            // Chunked must be the final coding; HTTP/1.0 may not use one at all. A
            // Transfer-Encoding overrides any Content-Length.
            if !http11 {
                return Head::Refused;
            }
            let last = value.rsplit(|&b| b == b',').next().unwrap_or_default();
            te = Some(last.trim_ascii().eq_ignore_ascii_case(b"chunked"));
        } else if name.eq_ignore_ascii_case(b"content-length") && te.is_none() {
            // Repeats must agree.
            match (decimal(value), length) {
                (None, _) => return Head::Refused,
                (Some(n), Some(previous)) if n != previous => return Head::Refused,
                (n, _) => length = n,
            }
        }
    }
    let body = match te {
        Some(true) => Framing::Chunked,
        Some(false) => return Head::Refused,
        // No framing header: a request has no body (RFC 9112 §6.3, rule 7).
        None => Framing::Length(length.unwrap_or(0)),
    };
    Head::Complete { len: at, body }
}

/// Whether the start of a request line (no LF yet) can still become one hyper accepts: stray
/// bytes such as a JSON body are refused as soon as they arrive, not when a line ends.
fn request_line_prefix_ok(partial: &[u8]) -> bool {
    let partial = partial.strip_suffix(b"\r").unwrap_or(partial);
    let mut parts = partial.split(|&b| b == b' ');
    let method = parts.next().unwrap_or_default();
    if !method.iter().all(|&b| is_tchar(b)) {
        return false;
    }
    let Some(target) = parts.next() else {
        return true;
    };
    if method.is_empty() || !target.iter().all(|&b| (b'!'..=b'~').contains(&b)) {
        return false;
    }
    let Some(version) = parts.next() else {
        return true;
    };
    if target.is_empty() || parts.next().is_some() {
        return false;
    }
    let n = version.len().min(8);
    version.len() <= 8 && (version[..n] == b"HTTP/1.1"[..n] || version[..n] == b"HTTP/1.0"[..n])
}

/// Whether the start of a header line (no LF yet) can still become a valid field.
fn field_prefix_ok(partial: &[u8]) -> bool {
    let partial = partial.strip_suffix(b"\r").unwrap_or(partial);
    match partial.iter().position(|&b| b == b':') {
        None => partial.iter().all(|&b| is_tchar(b)),
        Some(colon) => {
            colon > 0
                && partial[..colon].iter().all(|&b| is_tchar(b))
                && partial[colon + 1..]
                    .iter()
                    .all(|&b| b == b'\t' || (b' '..=b'~').contains(&b) || b >= 0x80)
        }
    }
}

fn too_long_or_partial(len: usize) -> Head {
    if len > MAX_HEAD {
        Head::Refused
    } else {
        Head::Partial
    }
}

/// `METHOD SP target SP HTTP/1.x` as hyper accepts it; whether it is HTTP/1.1.
fn request_line_is_http11(request_line: &[u8]) -> Option<bool> {
    let mut parts = request_line.split(|&b| b == b' ');
    let (method, target, version) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some()
        || method.is_empty()
        || !method.iter().all(|&b| is_tchar(b))
        || target.is_empty()
        || !target.iter().all(|&b| (b'!'..=b'~').contains(&b))
    {
        return None;
    }
    // hyper turns the target into an `http::Uri`; one it refuses ends the connection.
    http::Uri::try_from(target).ok()?;
    match version {
        b"HTTP/1.1" => Some(true),
        b"HTTP/1.0" => Some(false),
        _ => None,
    }
}

/// A chunk-size line: hex size, optional extensions, CRLF.
fn chunk_size(bytes: &[u8]) -> Line {
    let Some(lf) = bytes.iter().position(|&b| b == b'\n') else {
        return if bytes.len() > MAX_CHUNK_LINE {
            Line::Refused
        } else {
            Line::Partial
        };
    };
    let Some(text) = bytes[..lf].strip_suffix(b"\r") else {
        return Line::Refused;
    };
    let size = text.split(|&b| b == b';').next().unwrap_or_default();
    if size.is_empty() || size.len() > 15 || !size.iter().all(u8::is_ascii_hexdigit) {
        return Line::Refused;
    }
    let value = std::str::from_utf8(size)
        .ok()
        .and_then(|s| u64::from_str_radix(s, 16).ok());
    match value {
        Some(value) => Line::Complete { len: lf + 1, value },
        None => Line::Refused,
    }
}

/// Exactly CRLF.
fn crlf(bytes: &[u8]) -> Line {
    match bytes {
        [b'\r', b'\n', ..] => Line::Complete { len: 2, value: 0 },
        [b'\r'] => Line::Partial,
        _ => Line::Refused,
    }
}

/// What the 400 for stray bytes says.
const STRAY_TEXT: &str = "bytes after the previous request are not an HTTP request (a body needs Content-Length or chunked Transfer-Encoding)";

/// The answer to stray bytes: no reason phrase, as the gateway's status lines since 5/2022.
fn stray_answer() -> Vec<u8> {
    format!(
        "HTTP/1.1 400 \r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{STRAY_TEXT}",
        STRAY_TEXT.len()
    )
    .into_bytes()
}

/// What a connection's service and the [`Guarded`] stream under it share: how many answers
/// the service has produced, and after which request stray bytes are waiting.
#[derive(Debug, Clone, Default)]
pub(crate) struct Exchange(Arc<ExchangeState>);

#[derive(Debug, Default)]
struct ExchangeState {
    answers: AtomicU64,
    /// The number of the request the stray bytes follow (0: none seen).
    stray_after: AtomicU64,
}

impl Exchange {
    /// Counts the answer being produced; returns whether stray bytes follow its request, so
    /// the answer should close the connection (`Connection: close` tells the client not to
    /// reuse it, before the stray bytes could be taken for the next request's answer).
    pub(crate) fn answer(&self) -> bool {
        let number = self.0.answers.fetch_add(1, Ordering::Relaxed) + 1;
        self.0.stray_after.load(Ordering::Relaxed) == number
    }

    fn answers(&self) -> u64 {
        self.0.answers.load(Ordering::Relaxed)
    }

    fn stray_after(&self, request: u64) {
        self.0.stray_after.store(request, Ordering::Relaxed);
    }
}

/// What waits behind the barrier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Held {
    /// Stray bytes: answer 400 and close.
    Stray,
    /// A broken body or the end of the stream: close.
    Close,
    /// HTTP/2: hand everything to hyper.
    Http2,
}

/// A stream whose reads hyper gets only as far as the [`Framer`] vouches for them.
pub(crate) struct Guarded<S> {
    inner: S,
    framer: Framer,
    /// Bytes read from the socket and not yet handed to hyper; the first `clean` of them are
    /// cleared for it.
    stash: Vec<u8>,
    clean: usize,
    /// What is held, and how many answers must be flushed before it is dealt with.
    barrier: Option<(Held, u64)>,
    /// The 400 for stray bytes, and how much of it is written.
    reply: Option<(Vec<u8>, usize)>,
    /// hyper is told the stream ended.
    ended: bool,
    /// The framer has stepped aside: bytes pass straight through.
    passthrough: bool,
    exchange: Exchange,
    /// Answers produced before the latest completed flush of the socket.
    flushed: u64,
    read_waker: Option<Waker>,
    /// Until the first head is handed over: when silence ends the connection.
    opening: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl<S> Guarded<S> {
    /// Guards `inner`; a connection that has not completed its first request head within
    /// `opening_timeout` is ended.
    pub(crate) fn new(inner: S, exchange: Exchange, opening_timeout: Duration) -> Self {
        Self {
            inner,
            framer: Framer::new(),
            stash: Vec::new(),
            clean: 0,
            barrier: None,
            reply: None,
            ended: false,
            passthrough: false,
            exchange,
            flushed: 0,
            read_waker: None,
            opening: Some(Box::pin(tokio::time::sleep(opening_timeout))),
        }
    }

    /// `cleared` more bytes may go to hyper; `stop` says what holds up the rest.
    fn after_scan(&mut self, cleared: usize, stop: Stop) {
        let held = match stop {
            Stop::End | Stop::NeedMore => None,
            Stop::Stray => Some(Held::Stray),
            Stop::BrokenBody => Some(Held::Close),
            Stop::Http2 => Some(Held::Http2),
        };
        if let Some(held) = held {
            let complete = self.framer.complete();
            if held == Held::Stray && complete > 0 {
                self.exchange.stray_after(complete);
            }
            self.barrier = Some((held, complete));
        }
        if cleared > 0 {
            self.opening = None;
        }
    }

    /// Pending, unless the opening deadline has passed.
    fn pending_or_timeout(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some(opening) = self.opening.as_mut()
            && opening.as_mut().poll(cx).is_ready()
        {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "no complete request head before the header-read timeout",
            )));
        }
        Poll::Pending
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Guarded<S> {
    /// Deals with what the barrier held, now that every answer before it is flushed.
    fn release(&mut self, cx: &mut Context<'_>, held: Held) -> Poll<io::Result<()>> {
        self.opening = None;
        match held {
            Held::Http2 => {
                self.passthrough = true;
                self.clean = self.stash.len();
                self.barrier = None;
                Poll::Ready(Ok(()))
            }
            Held::Close => {
                self.stash.clear();
                self.ended = true;
                Poll::Ready(Ok(()))
            }
            Held::Stray => {
                let (answer, written) = self.reply.get_or_insert_with(|| (stray_answer(), 0));
                while *written < answer.len() {
                    let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &answer[*written..]))?;
                    if n == 0 {
                        return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
                    }
                    *written += n;
                }
                ready!(Pin::new(&mut self.inner).poll_flush(cx))?;
                tracing::debug!(
                    held = self.stash.len(),
                    "stray bytes after a request: answered 400, closing"
                );
                self.stash.clear();
                self.ended = true;
                Poll::Ready(Ok(()))
            }
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for Guarded<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            if this.clean > 0 {
                let n = this.clean.min(buf.remaining());
                buf.put_slice(&this.stash[..n]);
                this.stash.drain(..n);
                this.clean -= n;
                return Poll::Ready(Ok(()));
            }
            if this.ended {
                return Poll::Ready(Ok(()));
            }
            if this.passthrough {
                return Pin::new(&mut this.inner).poll_read(cx, buf);
            }
            if let Some((held, need)) = this.barrier {
                if need > 0 && this.flushed < need {
                    this.read_waker = Some(cx.waker().clone());
                    return this.pending_or_timeout(cx);
                }
                ready!(this.release(cx, held))?;
                continue;
            }
            if this.stash.is_empty() {
                // The common case: read straight into hyper's buffer, keep back what is not
                // clean.
                let start = buf.filled().len();
                match Pin::new(&mut this.inner).poll_read(cx, buf) {
                    Poll::Pending => return this.pending_or_timeout(cx),
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Ready(Ok(())) => {}
                }
                let fresh = &buf.filled()[start..];
                if fresh.is_empty() {
                    this.barrier = Some((Held::Close, this.framer.complete()));
                    continue;
                }
                let (clean, stop) = this.framer.scan(fresh);
                if clean < fresh.len() {
                    this.stash.extend_from_slice(&fresh[clean..]);
                    buf.set_filled(start + clean);
                }
                this.after_scan(clean, stop);
                if clean > 0 {
                    return Poll::Ready(Ok(()));
                }
                continue;
            }
            // Part of a head is waiting for the rest.
            let mut chunk = [0u8; 8192];
            let mut read = ReadBuf::new(&mut chunk);
            match Pin::new(&mut this.inner).poll_read(cx, &mut read) {
                Poll::Pending => return this.pending_or_timeout(cx),
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Ready(Ok(())) => {}
            }
            if read.filled().is_empty() {
                // The client ended mid-head: nothing to answer.
                this.barrier = Some((Held::Close, this.framer.complete()));
                continue;
            }
            this.stash.extend_from_slice(read.filled());
            let (clean, stop) = this.framer.scan(&this.stash);
            this.clean = clean;
            this.after_scan(clean, stop);
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Guarded<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    /// hyper flushes only once its write buffer is empty: every answer counted before this
    /// flush is on its way to the client.
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let answered = this.exchange.answers();
        let flushed = Pin::new(&mut this.inner).poll_flush(cx);
        if matches!(flushed, Poll::Ready(Ok(()))) && answered > this.flushed {
            this.flushed = answered;
            if let Some(waker) = this.read_waker.take() {
                waker.wake();
            }
        }
        flushed
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan_all(bytes: &[u8]) -> (usize, Stop, u64) {
        let mut framer = Framer::new();
        let (n, stop) = framer.scan(bytes);
        (n, stop, framer.complete())
    }

    #[test]
    fn a_get_with_an_unframed_body_ends_at_its_head() {
        let head = b"GET /cardconnect/rest/inquire/1/2 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\r\n";
        let mut bytes = head.to_vec();
        // No line end: the stray bytes are judged as they arrive, byte by byte.
        bytes.extend_from_slice(br#"{"merchid":"496160873888"}"#);
        for end in head.len() + 1..=bytes.len() {
            assert_eq!(scan_all(&bytes[..end]), (head.len(), Stop::Stray, 1));
        }
        assert_eq!(scan_all(head), (head.len(), Stop::End, 1));
    }

    #[test]
    fn pipelined_requests_with_lengths_and_chunks_are_clean() {
        let bytes = b"PUT /a HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}\r\n\
            POST /b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2;x=y\r\n{}\r\n0\r\n\r\n\
            GET /c HTTP/1.0\n\n";
        assert_eq!(scan_all(bytes), (bytes.len(), Stop::End, 3));
    }

    #[test]
    fn a_head_split_anywhere_waits_for_the_rest() {
        let bytes = b"PUT /a HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc";
        for cut in 1..bytes.len() {
            let mut framer = Framer::new();
            let (n, stop) = framer.scan(&bytes[..cut]);
            if n == 0 {
                assert_eq!(stop, Stop::NeedMore, "cut {cut}");
            }
            let (m, stop) = framer.scan(&bytes[n..]);
            assert_eq!(
                (n + m, stop, framer.complete()),
                (bytes.len(), Stop::End, 1)
            );
        }
    }

    #[test]
    fn heads_hyper_refuses_are_stray() {
        for head in [
            &b"GET / HTTP/2.0\r\n\r\n"[..],
            b"GET  / HTTP/1.1\r\n\r\n",
            b"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            b"GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
            b"GET / HTTP/1.1\r\nContent-Length: 1, 1\r\n\r\n",
            b"GET / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
            b"GET / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
            b"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",
            b"GET / HTTP/1.1\r\n folded\r\n\r\n",
            b"GET / HTTP/1.1\r\nX: a\x01b\r\n\r\n",
            b"GET /caf\xc3\xa9 HTTP/1.1\r\n\r\n",
            b"{\"merchid\":\"1\"}\r\n\r\n",
        ] {
            assert_eq!(
                scan_all(head).1,
                Stop::Stray,
                "{:?}",
                String::from_utf8_lossy(head)
            );
        }
    }

    #[test]
    fn framing_headers_are_read_as_hyper_reads_them() {
        for (head, body) in [
            (&b"PUT / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}"[..], 2),
            (b"PUT / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\nContent-Length: 9\r\n\r\n1\r\nx\r\n0\r\n\r\n", 15),
            (b"PUT / HTTP/1.1\r\nContent-Length: 9\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 5),
            (b"GET / HTTP/1.1\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n", 0),
        ] {
            let (n, stop, complete) = scan_all(head);
            assert_eq!((n, stop, complete), (head.len(), Stop::End, 1), "{:?}", String::from_utf8_lossy(head));
            assert!(head.len() >= body);
        }
    }

    #[test]
    fn the_http2_preface_is_recognised_only_at_the_start() {
        assert_eq!(scan_all(H2_PREFACE), (0, Stop::Http2, 0));
        assert_eq!(scan_all(&H2_PREFACE[..10]), (0, Stop::NeedMore, 0));
        let mut bytes = b"GET / HTTP/1.1\r\n\r\n".to_vec();
        bytes.extend_from_slice(H2_PREFACE);
        assert_eq!(scan_all(&bytes).1, Stop::Stray);
    }

    #[test]
    fn a_malformed_chunk_stops_the_scan_after_the_good_part() {
        let good = b"POST /b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n";
        let mut bytes = good.to_vec();
        bytes.extend_from_slice(b"zz\r\n");
        assert_eq!(scan_all(&bytes), (good.len(), Stop::BrokenBody, 0));
    }

    #[test]
    fn every_prefix_of_a_good_head_waits_for_more() {
        let bytes =
            b"PUT /cardconnect/rest/auth HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n";
        for end in 1..bytes.len() {
            assert_eq!(scan_all(&bytes[..end]), (0, Stop::NeedMore, 0), "{end}");
        }
    }

    #[test]
    fn blank_lines_before_a_request_are_allowed() {
        let bytes = b"\r\n\r\nGET / HTTP/1.1\r\n\r\n";
        assert_eq!(scan_all(bytes), (bytes.len(), Stop::End, 1));
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_are_scanned_without_panicking_and_within_bounds(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400),
            cut in 0usize..400,
        ) {
            let mut framer = Framer::new();
            let cut = cut.min(bytes.len());
            let (n, _) = framer.scan(&bytes[..cut]);
            proptest::prop_assert!(n <= cut);
            let (m, _) = framer.scan(&bytes[n..]);
            proptest::prop_assert!(n + m <= bytes.len());
        }
    }
}
