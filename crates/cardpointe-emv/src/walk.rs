//! The depth-first walker: every nested object, no recursion, no heap.

use crate::error::Error;
use crate::options::Options;
use crate::reader::{Header, Tlv, plain_header, read_header};
use crate::tag::Tag;

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

/// How many open levels a [`Walker`] keeps in a small array that is set up with every walk;
/// deeper levels (only hostile or unusual data gets there: EMV nests three or four templates
/// deep) go to a second array of `MAX_DEPTH` entries that is set up the first time a walk needs
/// it. So a walk's setup does not grow with `MAX_DEPTH`.
const NEAR_LEVELS: usize = 8;

/// An enclosing level below the top one, as the walker keeps it while deeper inside: how many
/// of its bytes are left after the constructed object just entered, and the tag of the
/// constructed object whose value the level is.
///
/// The count fits a `u32`: the level is the value of a constructed object, whose length field
/// (at most four bytes) caps it. (The top level, which may be longer, is never saved: it ends
/// where the buffer ends.)
type Level = (u32, u32);

/// A depth-first, pre-order walk over every object of a buffer, constructed ones and their
/// contents alike.
///
/// It does not recurse: the open constructed objects live in fixed arrays inside the walker
/// (no heap): the first eight levels in a small one set up with the walker, deeper ones in an
/// array of `MAX_DEPTH` entries set up only if the walk goes that deep. A constructed object
/// that would need one more level than `MAX_DEPTH` yields [`Error::TooDeep`] instead of a stack
/// overflow; empty constructed objects need no level. After the first error the walker yields
/// nothing more.
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
    /// The bytes of the current level not read yet: the walk's position is where they start,
    /// the level ends where they end. Kept as a slice, as a recursive walker keeps its input,
    /// so that the common step reads and advances it like one.
    rest: &'a [u8],
    base: usize,
    options: Options,
    /// The tag of the current level's constructed parent, or `0` at the top level (tag `00`
    /// is padding, never a constructed object).
    parent: u32,
    /// How many levels enclose the current one.
    depth: usize,
    /// Level `n` (`1..depth`) while deeper inside: levels `1..=NEAR_LEVELS` at `n - 1` here...
    near: [Level; NEAR_LEVELS],
    /// ...and deeper ones here, at `n - 1` too (set up by the first walk that needs them).
    deep: Option<[Level; MAX_DEPTH]>,
}

impl<'a> Walker<'a> {
    /// Walks every object of `buf`, up to [`DEFAULT_MAX_DEPTH`] levels deep.
    #[inline]
    #[must_use]
    pub const fn new(buf: &'a [u8], options: Options) -> Self {
        Self::with_base(buf, 0, options)
    }
}

impl<'a, const MAX_DEPTH: usize> Walker<'a, MAX_DEPTH> {
    /// Walks every object of `buf`, up to `MAX_DEPTH` levels deep:
    /// `Walker::<1000>::with_max_depth(buf, options)`. The walker holds `MAX_DEPTH` entries of
    /// 8 bytes (touched only when a walk goes more than eight levels deep), so keep very deep
    /// walkers off small stacks.
    #[inline]
    #[must_use]
    pub const fn with_max_depth(buf: &'a [u8], options: Options) -> Self {
        Self::with_base(buf, 0, options)
    }

    /// Walks `buf`, reporting offsets as if `buf` started at `base` in a larger input.
    #[inline]
    #[must_use]
    pub const fn with_base(buf: &'a [u8], base: usize, options: Options) -> Self {
        Walker {
            buf,
            rest: buf,
            base,
            options,
            parent: 0,
            depth: 0,
            near: [(0, 0); NEAR_LEVELS],
            deep: None,
        }
    }

    /// The depth limit (`MAX_DEPTH`).
    #[inline]
    #[must_use]
    pub const fn max_depth(&self) -> usize {
        MAX_DEPTH
    }

    /// How many bytes have been consumed. Headers count as consumed as soon as their object
    /// is visited, so inside a constructed object this is where its next child starts. After
    /// an error it points at the object that failed.
    #[inline]
    #[must_use]
    pub fn consumed(&self) -> usize {
        // `rest` is always a part of `buf`, so this is the index where it starts.
        self.rest
            .as_ptr()
            .addr()
            .wrapping_sub(self.buf.as_ptr().addr())
    }

    /// The bytes not consumed yet; `consumed() + rest().len()` is the buffer length.
    #[inline]
    #[must_use]
    pub fn rest(&self) -> &'a [u8] {
        self.buf.get(self.consumed()..).unwrap_or_default()
    }

    /// Walks to the end and counts the objects, or returns the first error: a full
    /// validation of the buffer.
    ///
    /// # Errors
    /// The first malformation.
    #[inline]
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
    #[inline]
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
    fn fail(&mut self, e: Error) -> Error {
        self.rest = self.rest.get(..0).unwrap_or_default();
        self.depth = 0;
        e
    }

    /// Leaves the current level, whose bytes are all read, for the enclosing one, `up`.
    #[inline(always)]
    fn close_level(&mut self, up: usize) {
        let pos = self.consumed();
        (self.rest, self.parent) = match up.checked_sub(1) {
            None => (self.buf.get(pos..).unwrap_or_default(), 0),
            Some(i) => {
                let (left, parent) = match self.near.get(i) {
                    Some(&level) => level,
                    None => self
                        .deep
                        .as_ref()
                        .and_then(|d| d.get(i))
                        .copied()
                        .unwrap_or_default(),
                };
                let end = pos + left as usize;
                (self.buf.get(pos..end).unwrap_or_default(), parent)
            }
        };
        self.depth = up;
    }

    /// Enters `value`, the value of the constructed object `tag` at depth `self.depth`, after
    /// which `left` bytes remain in the current level (saved unless it is the top one).
    #[inline(always)]
    #[allow(
        clippy::unnecessary_lazy_evaluations,
        reason = "the closure builds the deep array only once per walk, not on every deep push"
    )]
    fn open_level(&mut self, value: &'a [u8], left: usize, tag: Tag) {
        if let Some(i) = self.depth.checked_sub(1) {
            // See `Level` for why the count fits.
            let level = (left as u32, self.parent);
            let slot = match self.near.get_mut(i) {
                Some(slot) => Some(slot),
                // The deep array is set up the first time a walk goes this deep.
                None => self
                    .deep
                    .get_or_insert_with(|| [(0, 0); MAX_DEPTH])
                    .get_mut(i),
            };
            if let Some(slot) = slot {
                *slot = level;
            }
        }
        self.rest = value;
        self.parent = tag.value();
        self.depth += 1;
    }
}

impl<'a, const MAX_DEPTH: usize> Iterator for Walker<'a, MAX_DEPTH> {
    type Item = Result<Visit<'a>, Error>;

    /// Inlined into the caller's loop: the common header (`plain_header`) is read here;
    /// level ends, padding, unusual headers and errors go through `next_slow`, kept out of
    /// line, which hands back the header of the next object for this same visit.
    #[inline(always)]
    fn next(&mut self) -> Option<Self::Item> {
        let header = match plain_header(self.rest, 0, self.options) {
            Some(header) => header,
            None => match self.next_slow() {
                Ok(Some(header)) => header,
                Ok(None) => return None,
                Err(e) => return Some(Err(e)),
            },
        };
        Some(self.visit(header))
    }
}

impl<'a, const MAX_DEPTH: usize> Walker<'a, MAX_DEPTH> {
    /// Visits the object at the start of `self.rest` (the current level's unread bytes),
    /// whose header is `header` (indices counted from the object's start).
    #[inline(always)]
    fn visit(&mut self, header: Header) -> Result<Visit<'a>, Error> {
        let rest = self.rest;
        // Both header readers check that the value fits, so the split always succeeds.
        let (raw, after) = rest
            .split_at_checked(header.end)
            .unwrap_or_else(|| rest.split_at(rest.len()));
        let tlv = header.into_object(raw, self.base + self.consumed(), self.options);
        let depth = self.depth;
        if header.is_constructed() && header.end > header.value_start {
            if depth >= MAX_DEPTH {
                return Err(self.fail(Error::TooDeep {
                    offset: tlv.offset(),
                    limit: MAX_DEPTH,
                }));
            }
            let value = raw.get(header.value_start..).unwrap_or_default();
            self.open_level(value, after.len(), header.tag);
        } else {
            self.rest = after;
        }
        Ok(Visit { depth, tlv })
    }

    /// Everything but the common case: closes finished levels and skips padding, then reads
    /// the next header, with [`read_header`] when [`plain_header`] leaves it (`None` at the
    /// end of the walk).
    #[inline(never)]
    fn next_slow(&mut self) -> Result<Option<Header>, Error> {
        loop {
            let rest = self.rest;
            if rest.is_empty() {
                // End of this level: back to the enclosing one, or the end of the walk (also
                // after a failure, which leaves no level open).
                let Some(up) = self.depth.checked_sub(1) else {
                    return Ok(None);
                };
                self.close_level(up);
                continue;
            }
            if let Some(header) = plain_header(rest, 0, self.options) {
                return Ok(Some(header));
            }
            if rest.first().is_some_and(|b| self.options.is_padding(*b)) {
                self.rest = rest.get(1..).unwrap_or_default();
                continue;
            }
            let pos = self.consumed();
            let parent = (self.parent != 0).then_some(Tag::new(self.parent));
            return match read_header(
                self.buf,
                pos,
                pos + rest.len(),
                self.base,
                parent,
                self.options,
            ) {
                Ok(header) => Ok(Some(header.at(pos))),
                Err(e) => Err(self.fail(e)),
            };
        }
    }
}

impl<const MAX_DEPTH: usize> core::iter::FusedIterator for Walker<'_, MAX_DEPTH> {}
