//! The depth-first walker: every nested object, no recursion, no heap.

use crate::error::Error;
use crate::options::Options;
use crate::reader::{Header, Tlv, plain_object, read_header};
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

/// An open constructed object within the first [`NEAR_LEVELS`] levels: the bytes of the
/// enclosing level after it (where the walk goes on once its value is read, as a recursive
/// walker returns to its caller's slice; `None` only in slots never used, so that the array
/// is set up as zeroes) and its tag (the parent of the objects inside).
type NearLevel<'a> = (Option<&'a [u8]>, u32);

/// An open constructed object beyond the near levels, in 8 bytes: how many bytes of the
/// enclosing level are left after it, and its tag.
///
/// The count fits a `u32`: below the top level, a level is the value of a constructed object,
/// whose length field (at most four bytes) caps it.
type DeepLevel = (u32, u32);

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
    /// How many open constructed objects enclose the current level.
    depth: usize,
    /// The open constructed object at depth `n` (`0..depth`): at `n` here for the first
    /// [`NEAR_LEVELS`]...
    near: [NearLevel<'a>; NEAR_LEVELS],
    /// ...and at `n` here beyond them (set up by the first walk that needs them).
    deep: Option<[DeepLevel; MAX_DEPTH]>,
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
            depth: 0,
            near: [(None, 0); NEAR_LEVELS],
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

    /// The tag of the open constructed object at depth `n` (`n < depth`).
    #[inline]
    fn level_tag(&self, n: usize) -> u32 {
        match self.near.get(n) {
            Some(&(_, tag)) => tag,
            None => self
                .deep
                .as_ref()
                .and_then(|d| d.get(n))
                .map_or(0, |&(_, tag)| tag),
        }
    }

    /// Leaves the current level, whose bytes are all read, for the enclosing one: the level
    /// of the open object at depth `up`, one of the near levels.
    #[inline(always)]
    fn close_near_level(&mut self, up: usize) {
        if let Some(&(Some(after), _)) = self.near.get(up) {
            self.rest = after;
        }
        self.depth = up;
    }

    /// Leaves the current level, whose bytes are all read, for the enclosing one: the level
    /// of the open object at depth `up`, near or deep.
    #[inline]
    fn close_level(&mut self, up: usize) {
        if up < NEAR_LEVELS {
            return self.close_near_level(up);
        }
        let left = self
            .deep
            .as_ref()
            .and_then(|d| d.get(up))
            .map_or(0, |&(left, _)| left as usize);
        let pos = self.consumed();
        self.rest = self.buf.get(pos..pos + left).unwrap_or_default();
        self.depth = up;
    }

    /// Enters `value`, the value of the constructed object `tag` at depth `self.depth` (at
    /// most `MAX_DEPTH - 1`), after which `left` bytes remain in the current level.
    #[inline(always)]
    fn open_level(&mut self, value: &'a [u8], after: &'a [u8], tag: Tag) {
        let depth = self.depth;
        match self.near.get_mut(depth) {
            Some(slot) => *slot = (Some(after), tag.value()),
            // See `DeepLevel` for why the count fits.
            None => self.open_deep((after.len() as u32, tag.value())),
        }
        self.rest = value;
        self.depth = depth + 1;
    }

    /// Saves `level` beyond the near levels, setting the deep array up the first time.
    #[cold]
    #[inline(never)]
    fn open_deep(&mut self, level: DeepLevel) {
        let depth = self.depth;
        // Built once per walk, not on every deep open (`get_or_insert` would build the
        // `MAX_DEPTH` entries each time).
        let deep = match &mut self.deep {
            Some(deep) => deep,
            none => none.insert([(0, 0); MAX_DEPTH]),
        };
        if let Some(slot) = deep.get_mut(depth) {
            *slot = level;
        }
    }
}

impl<'a, const MAX_DEPTH: usize> Iterator for Walker<'a, MAX_DEPTH> {
    type Item = Result<Visit<'a>, Error>;

    /// Inlined into the caller's loop: the common object (`plain_object`) is read and level
    /// ends within the near levels are closed here; padding, unusual headers and deep levels
    /// go through `next_slow`, kept out of line, which hands back the header of the next
    /// object for this same visit.
    #[inline(always)]
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some((header, raw, after)) = plain_object(self.rest, self.options) {
                // Its own copy of `visit`, where the header's fields are known to come from
                // `plain_object` (the constructed test is one bit of the tag's first byte).
                return Some(self.visit(header, raw, after));
            }
            // End of this level: back to the enclosing one (the near ones here), or the end
            // of the walk (also after a failure, which leaves no level open).
            if !self.rest.is_empty() {
                break;
            }
            let up = self.depth.checked_sub(1)?;
            if up >= NEAR_LEVELS {
                break;
            }
            self.close_near_level(up);
        }
        match self.next_slow() {
            Ok(Some(header)) => {
                let rest = self.rest;
                // `read_header` checked that the value fits, so the split always succeeds.
                let (raw, after) = rest
                    .split_at_checked(header.end)
                    .unwrap_or_else(|| rest.split_at(rest.len()));
                Some(self.visit(header, raw, after))
            }
            Ok(None) => None,
            Err(e) => Some(Err(e)),
        }
    }
}

impl<'a, const MAX_DEPTH: usize> Walker<'a, MAX_DEPTH> {
    /// Visits the object at the start of `self.rest` (the current level's unread bytes):
    /// `raw` is all of its bytes, `after` the rest of the level, and `header` its header
    /// (indices counted from the object's start).
    #[inline(always)]
    fn visit(
        &mut self,
        header: Header,
        raw: &'a [u8],
        after: &'a [u8],
    ) -> Result<Visit<'a>, Error> {
        let tlv = header.into_object(raw, self.base + self.consumed(), self.options);
        let depth = self.depth;
        if header.is_constructed() {
            match raw.get(header.value_start..) {
                Some(value) if !value.is_empty() => {
                    if depth >= MAX_DEPTH {
                        return Err(self.fail(Error::TooDeep {
                            offset: tlv.offset(),
                            limit: MAX_DEPTH,
                        }));
                    }
                    self.open_level(value, after, header.tag);
                }
                _ => self.rest = after,
            }
        } else {
            self.rest = after;
        }
        Ok(Visit { depth, tlv })
    }

    /// Everything but the common case: closes finished levels (deep ones too) and skips
    /// padding, then reads the header of the next object at the start of `self.rest`, with
    /// [`read_header`] when [`plain_object`] leaves it (`None` at the end of the walk).
    #[inline(never)]
    fn next_slow(&mut self) -> Result<Option<Header>, Error> {
        loop {
            let rest = self.rest;
            if rest.is_empty() {
                let Some(up) = self.depth.checked_sub(1) else {
                    return Ok(None);
                };
                self.close_level(up);
                continue;
            }
            if let Some((header, ..)) = plain_object(rest, self.options) {
                return Ok(Some(header));
            }
            if rest.first().is_some_and(|b| self.options.is_padding(*b)) {
                self.rest = rest.get(1..).unwrap_or_default();
                continue;
            }
            let pos = self.consumed();
            let parent = self
                .depth
                .checked_sub(1)
                .map(|n| Tag::new(self.level_tag(n)));
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
