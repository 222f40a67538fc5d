//! The depth-first walker: every nested object, no recursion, no heap.

use crate::error::Error;
use crate::options::Options;
use crate::reader::{Tlv, read_header};
use crate::tag::{Tag, is_id_tech_quirk_pair};

/// The default depth limit of [`Walker`]: far beyond any real EMV data (which nests three or
/// four templates deep), small enough to keep the walker a few hundred bytes.
pub const DEFAULT_MAX_DEPTH: usize = 32;

/// One object met by a [`Walker`], with its nesting depth (0 for top-level objects).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Visit<'a> {
    /// How many constructed objects enclose this one within the walked buffer.
    pub depth: usize,
    /// The object.
    pub tlv: Tlv<'a>,
}

/// A depth-first, pre-order walk over every object of a buffer, constructed ones and their
/// contents alike.
///
/// It does not recurse: the open constructed objects live in a fixed array of `MAX_DEPTH`
/// entries inside the walker (no heap). A constructed object that would need one more level
/// yields [`Error::TooDeep`] instead of a stack overflow; empty constructed objects need no
/// level. After the first error the walker yields nothing more.
///
/// ```
/// use cardpointe_emv::{Options, Walker};
///
/// let data = [0x70, 0x07, 0x5F, 0x2A, 0x02, 0x08, 0x40, 0x9C, 0x00];
/// let tags: Vec<String> = Walker::new(&data, Options::emv())
///     .map(|v| v.map(|v| format!("{}@{}", v.tlv.tag(), v.depth)))
///     .collect::<Result<_, _>>()?;
/// assert_eq!(tags, ["70@0", "5F2A@1", "9C@1"]);
/// # Ok::<(), cardpointe_emv::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Walker<'a, const MAX_DEPTH: usize = DEFAULT_MAX_DEPTH> {
    buf: &'a [u8],
    pos: usize,
    base: usize,
    options: Options,
    /// Where the current level ends (index in `buf`) and its constructed parent, if any.
    limit: usize,
    parent: Option<Tag>,
    /// The `(limit, parent)` of each enclosing level, outermost first.
    open: [(usize, Option<Tag>); MAX_DEPTH],
    depth: usize,
}

impl<'a> Walker<'a> {
    /// Walks every object of `buf`, up to [`DEFAULT_MAX_DEPTH`] levels deep.
    #[must_use]
    pub const fn new(buf: &'a [u8], options: Options) -> Self {
        Self::with_base(buf, 0, options)
    }
}

impl<'a, const MAX_DEPTH: usize> Walker<'a, MAX_DEPTH> {
    /// Walks every object of `buf`, up to `MAX_DEPTH` levels deep:
    /// `Walker::<1000>::with_max_depth(buf, options)`. The walker holds `MAX_DEPTH` entries of
    /// 16 bytes, so keep very deep walkers off small stacks.
    #[must_use]
    pub const fn with_max_depth(buf: &'a [u8], options: Options) -> Self {
        Self::with_base(buf, 0, options)
    }

    /// Walks `buf`, reporting offsets as if `buf` started at `base` in a larger input.
    #[must_use]
    pub const fn with_base(buf: &'a [u8], base: usize, options: Options) -> Self {
        Walker {
            buf,
            pos: 0,
            base,
            options,
            limit: buf.len(),
            parent: None,
            open: [(0, None); MAX_DEPTH],
            depth: 0,
        }
    }

    /// The depth limit (`MAX_DEPTH`).
    #[must_use]
    pub const fn max_depth(&self) -> usize {
        MAX_DEPTH
    }

    /// How many bytes have been consumed. Headers count as consumed as soon as their object
    /// is visited, so inside a constructed object this is where its next child starts. After
    /// an error it points at the object that failed.
    #[must_use]
    pub const fn consumed(&self) -> usize {
        self.pos
    }

    /// The bytes not consumed yet; `consumed() + rest().len()` is the buffer length.
    #[must_use]
    pub fn rest(&self) -> &'a [u8] {
        self.buf.get(self.pos..).unwrap_or_default()
    }

    /// Walks to the end and counts the objects, or returns the first error: a full
    /// validation of the buffer.
    ///
    /// # Errors
    /// The first malformation.
    pub fn count_all(self) -> Result<usize, Error> {
        let mut n = 0;
        for v in self {
            v?;
            n += 1;
        }
        Ok(n)
    }

    /// The first object with `tag` at any depth, in depth-first order.
    ///
    /// # Errors
    /// The first malformation met before the tag is found.
    pub fn find_tag(self, tag: Tag) -> Result<Option<Tlv<'a>>, Error> {
        for v in self {
            let v = v?;
            if v.tlv.tag() == tag {
                return Ok(Some(v.tlv));
            }
        }
        Ok(None)
    }

    /// Ends the walk at the failed object: its level ends where it starts and no level
    /// encloses it, so `next` returns `None` from now on without a flag on the hot path.
    #[cold]
    fn fail(&mut self, e: Error) -> Option<Result<Visit<'a>, Error>> {
        self.limit = self.pos;
        self.depth = 0;
        Some(Err(e))
    }
}

impl<'a, const MAX_DEPTH: usize> Iterator for Walker<'a, MAX_DEPTH> {
    type Item = Result<Visit<'a>, Error>;

    /// The fast path is inlined into the caller's loop; level ends, padding, long tags and
    /// lengths, and errors go through `next_slow` (kept out of line so that the common case
    /// returns its `Visit` in registers).
    #[inline(always)]
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let pos = self.pos;
            match self.buf.get(pos..self.limit) {
                Some(rest) if !rest.is_empty() => {
                    if let Some(visit) = self.short_object(pos, rest) {
                        return Some(visit);
                    }
                    return self.next_slow();
                }
                // End of this level: back to the enclosing one, or the end of the walk
                // (also after a failure, which leaves no level open).
                _ => {
                    let up = self.depth.checked_sub(1)?;
                    (self.limit, self.parent) =
                        self.open.get(up).copied().unwrap_or((self.buf.len(), None));
                    self.depth = up;
                }
            }
        }
    }
}

impl<'a, const MAX_DEPTH: usize> Walker<'a, MAX_DEPTH> {
    /// The common case, read inline: a 1- to 3-byte tag with a short length whose value fits
    /// in `rest` (the bytes from `pos` to the end of the current level). `None` when the
    /// object needs the general reader.
    #[inline(always)]
    fn short_object(&mut self, pos: usize, rest: &'a [u8]) -> Option<Result<Visit<'a>, Error>> {
        // Fast path: a 1- to 3-byte tag with a short length whose value fits, the bulk
        // of EMV data. A length byte below 80 is never a Protocol-3 marker (A1/C1), and
        // the ID TECH quirk tags have a second byte above 80, so no option changes this.
        let short = match *rest {
            [t0, l, ..] if t0 & 0x1F != 0x1F && l < 0x80 && t0 != 0 => {
                Some((u32::from(t0), 1u8, usize::from(l), t0))
            }
            [t0, t1, l, ..]
                if t0 & 0x1F == 0x1F
                    && t1 < 0x80
                    && l < 0x80
                    && !(t0 == 0xFF && self.options.is_padding(t0)) =>
            {
                Some((
                    (u32::from(t0) << 8) | u32::from(t1),
                    2u8,
                    usize::from(l),
                    t0,
                ))
            }
            [t0, t1, t2, l, ..]
                if t0 & 0x1F == 0x1F
                    && t1 & 0x80 != 0
                    && t2 < 0x80
                    && l < 0x80
                    && !(t0 == 0xFF && self.options.is_padding(t0))
                    && !(self.options.id_tech_tags() && is_id_tech_quirk_pair(t0, t1)) =>
            {
                let tag = (u32::from(t0) << 16) | (u32::from(t1) << 8) | u32::from(t2);
                Some((tag, 3u8, usize::from(l), t0))
            }
            _ => None,
        };
        if let Some((tag, tag_len, length, first)) = short {
            let header_len = usize::from(tag_len) + 1;
            if let Some(raw) = rest.get(..header_len + length) {
                let tag = Tag::new(tag);
                let tlv = Tlv::from_parts(
                    raw,
                    self.base + pos,
                    tag,
                    tag_len,
                    tag_len + 1,
                    self.options,
                );
                let depth = self.depth;
                let value_start = pos + header_len;
                let end = value_start + length;
                if first & 0x20 != 0 && length > 0 {
                    let Some(slot) = self.open.get_mut(depth) else {
                        return self.fail(Error::TooDeep {
                            offset: self.base + pos,
                            limit: MAX_DEPTH,
                        });
                    };
                    *slot = (self.limit, self.parent);
                    self.limit = end;
                    self.parent = Some(tag);
                    self.depth += 1;
                    self.pos = value_start;
                } else {
                    self.pos = end;
                }
                return Some(Ok(Visit { depth, tlv }));
            }
        }
        None
    }

    #[inline(never)]
    fn next_slow(&mut self) -> Option<Result<Visit<'a>, Error>> {
        loop {
            let pos = self.pos;
            let Some(rest) = self.buf.get(pos..self.limit).filter(|r| !r.is_empty()) else {
                // End of this level: back to the enclosing one, or the end of the walk.
                let up = self.depth.checked_sub(1)?;
                (self.limit, self.parent) =
                    self.open.get(up).copied().unwrap_or((self.buf.len(), None));
                self.depth = up;
                continue;
            };
            if let Some(visit) = self.short_object(pos, rest) {
                return Some(visit);
            }
            if rest.first().is_some_and(|b| self.options.is_padding(*b)) {
                self.pos += 1;
                continue;
            }
            let header = match read_header(
                self.buf,
                self.pos,
                self.limit,
                self.base,
                self.parent,
                self.options,
            ) {
                Ok(h) => h,
                Err(e) => return self.fail(e),
            };
            let tlv = header.into_tlv(self.buf, self.pos, self.base, self.options);
            let depth = self.depth;
            if header.is_constructed() && header.end > header.value_start {
                let Some(slot) = self.open.get_mut(depth) else {
                    return self.fail(Error::TooDeep {
                        offset: self.base + self.pos,
                        limit: MAX_DEPTH,
                    });
                };
                *slot = (self.limit, self.parent);
                self.limit = header.end;
                self.parent = Some(header.tag);
                self.depth += 1;
                self.pos = header.value_start;
            } else {
                self.pos = header.end;
            }
            return Some(Ok(Visit { depth, tlv }));
        }
    }
}

impl<const MAX_DEPTH: usize> core::iter::FusedIterator for Walker<'_, MAX_DEPTH> {}
