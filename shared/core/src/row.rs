//! A row as read from the admin's file.

use crate::bytescan::is_plain;
use serde::de::{Deserializer, SeqAccess, Visitor};
use serde::ser::{SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};
use smallvec::SmallVec;
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

/// The row number an admin sees when opening the file in a spreadsheet:
/// the header is row 1, a blank line is a row of its own, and a quoted cell
/// spanning lines is still one row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RowNumber(pub u32);

impl fmt::Display for RowNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A row's raw cells: slices of one text buffer, shared by every row read
/// from the same file.
///
/// The rows of a file hold one copy of its cell text and one list of cell
/// ends, with no allocation per row; cloning a row shares the buffer too.
/// Rows built on their own (deserialized, collected, pushed to) get a
/// buffer of their own. A row keeps its whole buffer alive.
#[derive(Clone)]
pub struct Cells {
    store: Arc<Store>,
    /// Where the cells lie in the store.
    span: CellSpan,
}

/// Cell texts end to end, and where each cell ends.
///
/// Invariant, which reading a cell relies on to slice without checks:
/// `ends` never decreases, and each end is at most `text.len()` and on a
/// character boundary of `text`. Every way of building a store keeps it:
/// appending whole `&str`s, or [`CellBuffer::from_parts`], which checks.
#[derive(Debug, Default)]
struct Store {
    text: String,
    ends: Vec<Offset>,
}

/// A byte offset or index in a [`Store`]. Four bytes rather than eight: a
/// file's rows are read several times over (profile, keys, chunks, checks),
/// and smaller ends and spans are less memory to stream through each time.
pub(crate) type Offset = u32;

/// The most text one buffer of cells holds; parsing refuses larger text.
pub(crate) const MAX_CELL_TEXT: usize = Offset::MAX as usize;

/// `n` as an [`Offset`]; within [`MAX_CELL_TEXT`] by the callers' checks
/// (a row cannot reach it: no accepted file decodes to a quarter of it).
#[inline]
pub(crate) fn offset(n: usize) -> Offset {
    Offset::try_from(n).expect("cell text is within MAX_CELL_TEXT")
}

/// One row's cells in a [`Store`].
///
/// Invariant within its store, checked by [`CellBuffer::cells`] and kept by
/// every other way of building a row: `first + count` is at most the
/// number of ends, `start` is on a character boundary and at most the first
/// cell's end, and `end` is the last cell's end (`start` when there is
/// none).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct CellSpan {
    /// Index in `ends` of the first cell's end.
    first: Offset,
    count: Offset,
    /// Byte where the first cell starts.
    start: Offset,
    /// Byte where the last cell ends (`start` when there is none): a row's
    /// whole text without a look at its cells' ends.
    end: Offset,
    /// The cells hold no byte a JSON escape or a control-character check
    /// cares about ([`is_plain`]); false when unknown.
    plain: bool,
}

impl Cells {
    #[inline]
    pub fn len(&self) -> usize {
        self.span.count as usize
    }

    pub fn is_empty(&self) -> bool {
        self.span.count == 0
    }

    #[inline]
    pub fn get(&self, column: usize) -> Option<&str> {
        let ends = self.ends();
        let end = *ends.get(column)?;
        let start = match column {
            0 => self.span.start,
            _ => ends[column - 1],
        };
        // SAFETY: by the store's and the span's invariants, `start` (the
        // span's start or an earlier end) is at most `end`, `end` at most
        // the text's length, and both are character boundaries.
        Some(unsafe { cell_text(&self.store.text, start, end) })
    }

    /// Where each of the row's cells ends in the buffer.
    #[inline]
    fn ends(&self) -> &[Offset] {
        let first = self.span.first as usize;
        &self.store.ends[first..first + self.span.count as usize]
    }

    #[inline]
    pub fn iter(&self) -> CellsIter<'_> {
        CellsIter {
            text: &self.store.text,
            start: self.span.start,
            ends: self.ends(),
        }
    }

    /// No cell holds a byte that JSON escapes or that may start a control
    /// character: what callers' own scans of [`Cells::as_text`] would tell.
    #[inline]
    pub(crate) fn is_plain(&self) -> bool {
        self.span.plain
    }

    /// The length of [`Cells::as_text`], from the span alone: measuring a
    /// row touches none of its text.
    #[inline]
    pub fn text_len(&self) -> usize {
        (self.span.end - self.span.start) as usize
    }

    /// Every cell's text end to end, without separators.
    #[inline]
    pub fn as_text(&self) -> &str {
        &self.store.text[self.span.start as usize..self.end()]
    }

    /// [`Cells::as_text`] and whatever the buffer holds after it (room to
    /// read a short cell as a fixed-size window), and where in it each cell
    /// ends.
    #[inline]
    pub(crate) fn text_onward(&self) -> (&str, impl Iterator<Item = usize> + '_) {
        let start = self.span.start;
        let ends = self.ends().iter().map(move |&end| (end - start) as usize);
        (&self.store.text[start as usize..], ends)
    }

    /// Appends a cell: in place when this row owns the end of its buffer
    /// alone, as a row being built does; otherwise into a copy.
    pub fn push(&mut self, cell: &str) {
        let end = self.end();
        let span = self.span;
        match Arc::get_mut(&mut self.store) {
            Some(store)
                if (span.first + span.count) as usize == store.ends.len()
                    && end == store.text.len() =>
            {
                store.text.push_str(cell);
                store.ends.push(offset(store.text.len()));
                self.span.end = offset(store.text.len());
                self.span.plain = (span.count == 0 || span.plain) && is_plain(cell.as_bytes());
                self.span.count += 1;
            }
            _ => *self = self.iter().chain(std::iter::once(cell)).collect(),
        }
    }

    /// The byte where the last cell ends.
    #[inline]
    fn end(&self) -> usize {
        self.span.end as usize
    }
}

/// `text[start..end]` without the bounds and boundary checks.
///
/// # Safety
/// `start <= end <= text.len()`, and both are character boundaries: what
/// a [`Store`]'s and a [`CellSpan`]'s invariants give any two ends of one
/// row (or its start and an end).
#[inline]
unsafe fn cell_text(text: &str, start: Offset, end: Offset) -> &str {
    debug_assert!(start <= end && text.is_char_boundary(start as usize));
    debug_assert!(text.is_char_boundary(end as usize));
    // SAFETY: `get_unchecked` needs a range within the text whose ends are
    // character boundaries, which is what the caller promises.
    unsafe { text.get_unchecked(start as usize..end as usize) }
}

/// Gathers the cells of many rows into one buffer, for rows read from one
/// file: [`SharedCells::push_row`] per row, then [`CellBuffer::cells`].
#[derive(Debug, Default)]
pub(crate) struct SharedCells {
    store: Store,
}

impl SharedCells {
    /// Room for `text` bytes of cells, `cells` cells in all.
    pub(crate) fn with_capacity(text: usize, cells: usize) -> SharedCells {
        SharedCells {
            store: Store {
                text: String::with_capacity(text),
                ends: Vec::with_capacity(cells),
            },
        }
    }

    /// Appends a row's cells; the span says where they lie.
    pub(crate) fn push_row<'a>(&mut self, cells: impl IntoIterator<Item = &'a str>) -> CellSpan {
        let store = &mut self.store;
        let span = CellSpan {
            first: offset(store.ends.len()),
            count: 0,
            start: offset(store.text.len()),
            end: 0,
            plain: false,
        };
        let mut count = 0;
        for cell in cells {
            store.text.push_str(cell);
            store.ends.push(offset(store.text.len()));
            count += 1;
        }
        let plain = is_plain(&store.text.as_bytes()[span.start as usize..]);
        CellSpan {
            count,
            end: offset(store.text.len()),
            plain,
            ..span
        }
    }

    /// The buffer, ready to hand out the rows' cells (parsing fills a
    /// [`CellBuffer`] directly).
    pub(crate) fn finish(self) -> CellBuffer {
        CellBuffer(Arc::new(self.store))
    }
}

impl CellBuffer {
    /// Cells already laid out end to end, as a CSV reader writes them:
    /// `ends[i]` is where cell `i` ends in `text`.
    ///
    /// Panics when the ends break the store's invariant (decrease, pass
    /// the text's end, or cut a character): a reader's bug, caught before
    /// any cell is sliced without checks.
    pub(crate) fn from_parts(text: String, ends: Vec<Offset>) -> CellBuffer {
        // One pass without a branch per end: a file has a million of them.
        let bytes = text.as_bytes();
        let (sound, _) = ends.iter().fold((true, 0), |(sound, previous), &end| {
            // `str::is_char_boundary` spelled out: its early returns would
            // put a branch per end back into the fold.
            let boundary = match bytes.get(end as usize) {
                // Not a UTF-8 continuation byte (0x80..=0xBF).
                Some(&b) => (b as i8) >= -0x40,
                None => end as usize == bytes.len(),
            };
            (sound & (previous <= end) & boundary, end)
        });
        assert!(
            sound,
            "cell ends must rise and fall on character boundaries"
        );
        CellBuffer(Arc::new(Store { text, ends }))
    }
}

impl CellSpan {
    /// The `count` cells whose ends start at index `first` in the ends, the
    /// first cell starting at byte `start` and the last ending at `end`;
    /// `plain` as [`is_plain`] says of their text.
    pub(crate) fn new(
        first: usize,
        count: usize,
        start: usize,
        end: usize,
        plain: bool,
    ) -> CellSpan {
        CellSpan {
            first: offset(first),
            count: offset(count),
            start: offset(start),
            end: offset(end),
            plain,
        }
    }
}

/// A finished [`SharedCells`].
#[derive(Debug)]
pub(crate) struct CellBuffer(Arc<Store>);

impl CellBuffer {
    /// The cells at `span`. Panics when the span breaks its invariant
    /// within this buffer, before any cell is sliced without checks.
    pub(crate) fn cells(&self, span: CellSpan) -> Cells {
        let store = &self.0;
        let (first, count) = (span.first as usize, span.count as usize);
        let ends = first
            .checked_add(count)
            .and_then(|past| store.ends.get(first..past));
        let sound = match ends {
            Some([]) => span.end == span.start,
            Some([head, .., last]) | Some([head @ last]) => {
                span.start <= *head && span.end == *last
            }
            None => false,
        };
        assert!(
            sound && store.text.is_char_boundary(span.start as usize),
            "a row's span must lie within its buffer"
        );
        Cells {
            store: Arc::clone(store),
            span,
        }
    }
}

impl Default for Cells {
    fn default() -> Self {
        Cells {
            store: Arc::new(Store::default()),
            span: CellSpan::default(),
        }
    }
}

/// The cells of a row, in order.
#[derive(Clone, Debug)]
pub struct CellsIter<'c> {
    text: &'c str,
    /// Where the next cell from the front starts.
    start: Offset,
    /// The ends of the cells not yet yielded.
    ends: &'c [Offset],
}

impl<'c> Iterator for CellsIter<'c> {
    type Item = &'c str;

    #[inline]
    fn next(&mut self) -> Option<&'c str> {
        let (&end, rest) = self.ends.split_first()?;
        // SAFETY: built by `Cells::iter` from a row's span and ends, and
        // `start` only ever moves to the end just passed: by the store's
        // and the span's invariants, `start <= end <= text.len()`, both on
        // character boundaries.
        let cell = unsafe { cell_text(self.text, self.start, end) };
        self.start = end;
        self.ends = rest;
        Some(cell)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.ends.len(), Some(self.ends.len()))
    }
}

impl DoubleEndedIterator for CellsIter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        let (&end, rest) = self.ends.split_last()?;
        let start = rest.last().copied().unwrap_or(self.start);
        self.ends = rest;
        // SAFETY: as in `next`: `start` is the front's start or an earlier
        // end of the same row.
        Some(unsafe { cell_text(self.text, start, end) })
    }
}

impl ExactSizeIterator for CellsIter<'_> {}

impl PartialEq for Cells {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for Cells {}

impl From<csv::StringRecord> for Cells {
    fn from(record: csv::StringRecord) -> Self {
        record.iter().collect()
    }
}

impl<S: AsRef<str>> FromIterator<S> for Cells {
    /// A buffer of the row's own, sized once.
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Self {
        let cells: SmallVec<[S; 16]> = iter.into_iter().collect();
        let bytes = cells.iter().map(|c| c.as_ref().len()).sum();
        let mut shared = SharedCells::with_capacity(bytes, cells.len());
        let span = shared.push_row(cells.iter().map(AsRef::as_ref));
        Cells {
            store: Arc::new(shared.store),
            span,
        }
    }
}

impl<S: AsRef<str>, const N: usize> From<[S; N]> for Cells {
    fn from(cells: [S; N]) -> Self {
        cells.into_iter().collect()
    }
}

impl fmt::Debug for Cells {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Serialize for Cells {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.len()))?;
        for cell in self.iter() {
            seq.serialize_element(cell)?;
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for Cells {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CellsVisitor;
        impl<'de> Visitor<'de> for CellsVisitor {
            type Value = Cells;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of cell strings")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Cells, A::Error> {
                // Cells without escapes borrow the input until they are
                // copied into a buffer sized once.
                let mut cells: SmallVec<[CellText<'de>; 16]> = SmallVec::new();
                while let Some(cell) = seq.next_element()? {
                    cells.push(cell);
                }
                Ok(cells.iter().map(|cell| &*cell.0).collect())
            }
        }
        deserializer.deserialize_seq(CellsVisitor)
    }
}

/// A cell as read: borrowed from the input when it holds no escape (serde
/// reads a bare `Cow<str>` as an owned copy).
#[derive(Deserialize)]
struct CellText<'a>(#[serde(borrow)] Cow<'a, str>);

/// One data row: its number and its raw cells, exactly as in the file
/// (the failed-rows export gives them back unchanged).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRow {
    pub number: RowNumber,
    pub cells: Cells,
}

impl SourceRow {
    /// The cell at `column`, or `""` for a short (ragged) row.
    #[inline]
    pub fn cell(&self, column: usize) -> &str {
        self.cells.get(column).unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_travel_as_a_json_list_and_come_back_equal() {
        let row = SourceRow {
            number: RowNumber(7),
            cells: Cells::from(["a,b", "", "line\nbreak", "é"]),
        };
        let json = serde_json::to_string(&row).unwrap();
        assert_eq!(json, r#"{"number":7,"cells":["a,b","","line\nbreak","é"]}"#);
        let back: SourceRow = serde_json::from_str(&json).unwrap();
        assert_eq!(back, row);
        assert_eq!(back.cell(2), "line\nbreak");
        assert_eq!(back.cell(9), "");
        assert_eq!(back.cells.text_len(), "a,bline\nbreaké".len());
    }

    #[test]
    fn rows_share_one_buffer_and_read_their_own_cells() {
        let mut shared = SharedCells::with_capacity(0, 0);
        let spans = [
            shared.push_row(["a", "", "bc"]),
            shared.push_row([]),
            shared.push_row(["é\"", "x"]),
        ];
        let buffer = shared.finish();
        let rows: Vec<Cells> = spans.map(|span| buffer.cells(span)).into();
        assert_eq!(rows[0].iter().collect::<Vec<_>>(), ["a", "", "bc"]);
        assert!(rows[1].is_empty() && rows[1].get(0).is_none());
        assert_eq!(rows[2].iter().collect::<Vec<_>>(), ["é\"", "x"]);
        assert_eq!(rows[2].iter().rev().collect::<Vec<_>>(), ["x", "é\""]);
        assert_eq!(rows[0].as_text(), "abc");
        assert_eq!(rows[1].as_text(), "");
        assert_eq!(rows[2].as_text(), "é\"x");
        for row in &rows {
            assert_eq!(row.text_len(), row.as_text().len());
        }
        assert_eq!(rows[0], Cells::from(["a", "", "bc"]));
        assert_ne!(rows[0], Cells::from(["a", "bc"]));
        assert_eq!(rows[1], Cells::default());
        assert_eq!(rows[2].iter().len(), 2);
        assert_eq!(format!("{:?}", rows[2]), r#"["é\"", "x"]"#);
    }

    #[test]
    fn a_buffer_from_parts_reads_its_rows() {
        let buffer = CellBuffer::from_parts("abcé".to_string(), vec![1, 3, 3, 5]);
        let row = buffer.cells(CellSpan::new(1, 3, 1, 5, true));
        assert_eq!(row.iter().collect::<Vec<_>>(), ["bc", "", "é"]);
        assert_eq!(row.get(2), Some("é"));
        let empty = buffer.cells(CellSpan::new(4, 0, 5, 5, true));
        assert!(empty.is_empty() && empty.get(0).is_none());
    }

    #[test]
    #[should_panic(expected = "cell ends must rise and fall on character boundaries")]
    fn ends_that_fall_back_are_refused() {
        CellBuffer::from_parts("abc".to_string(), vec![2, 1]);
    }

    #[test]
    #[should_panic(expected = "cell ends must rise and fall on character boundaries")]
    fn ends_inside_a_character_are_refused() {
        CellBuffer::from_parts("é".to_string(), vec![1, 2]);
    }

    #[test]
    fn spans_outside_their_buffer_are_refused() {
        let buffer = CellBuffer::from_parts("abcé".to_string(), vec![1, 3, 5]);
        for span in [
            // Past the last end; starting after its first cell ends; an end
            // that is not the last cell's; a start inside a character.
            CellSpan::new(2, 2, 3, 5, true),
            CellSpan::new(0, 2, 2, 3, true),
            CellSpan::new(0, 2, 0, 5, true),
            CellSpan::new(3, 0, 4, 4, true),
        ] {
            let refused = std::panic::catch_unwind(|| buffer.cells(span)).is_err();
            assert!(refused, "{span:?}");
        }
    }

    #[test]
    fn pushing_to_a_shared_row_leaves_the_others_alone() {
        let mut shared = SharedCells::default();
        let spans = [shared.push_row(["a", "b"]), shared.push_row(["c"])];
        let buffer = shared.finish();
        let mut rows: Vec<Cells> = spans.map(|span| buffer.cells(span)).into();
        rows[0].push("z");
        rows[1].push("d");
        assert_eq!(rows[0], Cells::from(["a", "b", "z"]));
        assert_eq!(rows[1], Cells::from(["c", "d"]));
        let mut built = Cells::default();
        for cell in ["x", "", "y"] {
            built.push(cell);
        }
        assert_eq!(built, Cells::from(["x", "", "y"]));
        let copy = built.clone();
        built.push("w");
        assert_eq!(copy.len(), 3);
        assert_eq!(built.len(), 4);
        assert_eq!(
            Cells::from(csv::StringRecord::from(vec!["p", "q"])),
            Cells::from(["p", "q"])
        );
    }
}
