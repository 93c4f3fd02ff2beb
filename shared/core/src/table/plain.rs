//! Plain CSV records, read by finding the few bytes that matter.
//!
//! csv-core reads any CSV right, but steps a state machine byte by byte,
//! which was most of the time spent reading a file. Most records are plain:
//! one line of unquoted cells, or of cells quoted and closed right before a
//! separator or the line's end. Those are read here, eight bytes at a time:
//! each word is tested for the separator, quotes and line breaks at once,
//! and the reader jumps from one such byte to the next. A record with
//! anything else (a quote inside an unquoted cell, text after a closing
//! quote, a quote never closed, a lone carriage return) is left to
//! csv-core, from its start. The module's tests hold both readers to the
//! same rows.

use crate::row::{offset, Offset};

/// Reads plain records for one delimiter.
pub(super) struct PlainReader {
    delimiter: u8,
}

/// Where a record's cells go: `out` from `*written` on, each cell's end
/// pushed to `ends`.
pub(super) struct CellSink<'a> {
    pub out: &'a mut [u8],
    pub written: &'a mut usize,
    pub ends: &'a mut Vec<Offset>,
}

/// Cells up to this long are copied as one fixed-size move rather than
/// through a `memcpy` call, which costs more than the copy for short cells.
const SHORT_CELL: usize = 16;

impl CellSink<'_> {
    /// Copies `input[from..to]` to the end of the current cell; `None` when
    /// the buffer is full. A short cell is copied with the bytes after it,
    /// which the next cell overwrites or the buffer's end cuts off.
    fn append(&mut self, input: &[u8], from: usize, to: usize) -> Option<()> {
        let at = *self.written;
        let len = to - from;
        match (
            input.get(from..from + SHORT_CELL),
            self.out.get_mut(at..at + SHORT_CELL),
        ) {
            (Some(source), Some(target)) if len <= SHORT_CELL => target.copy_from_slice(source),
            _ => self
                .out
                .get_mut(at..at + len)?
                .copy_from_slice(&input[from..to]),
        }
        *self.written = at + len;
        Some(())
    }

    /// Appends the quote a doubled quote stands for.
    fn append_quote(&mut self) -> Option<()> {
        *self.out.get_mut(*self.written)? = b'"';
        *self.written += 1;
        Some(())
    }

    fn end_cell(&mut self) {
        self.ends.push(offset(*self.written));
    }
}

impl PlainReader {
    pub(super) fn new(delimiter: u8) -> PlainReader {
        PlainReader { delimiter }
    }

    /// Reads the record at the start of `input` as csv-core would: blank
    /// lines before it skipped, its cells unquoted into `sink`. Returns the
    /// bytes consumed, up to and including the line break that ended the
    /// record (of a CRLF, the CR: csv-core skips the LF as a blank line);
    /// `None` when the record is not plain or there is none, leaving part
    /// of it written.
    pub(super) fn record(&self, input: &[u8], sink: &mut CellSink) -> Option<usize> {
        let start = input.iter().position(|&b| b != b'\r' && b != b'\n')?;
        let mut stops = Stops::new(input, start, self.delimiter);
        let mut cell = start;
        loop {
            let stop = if input[cell..].first() == Some(&b'"') {
                let closing = quoted_cell(input, cell, &mut stops, sink)?;
                let after = closing + 1;
                // Only a separator, a line break or the end may follow.
                if after < input.len() && stops.next() != Some(after) {
                    return None;
                }
                after
            } else {
                let stop = stops.next().unwrap_or(input.len());
                if input.get(stop) == Some(&b'"') {
                    return None;
                }
                sink.append(input, cell, stop)?;
                stop
            };
            sink.end_cell();
            match input.get(stop) {
                None => return Some(stop),
                Some(&b) if b == self.delimiter => cell = stop + 1,
                Some(b'\n') => return Some(stop + 1),
                // A CR ends the record only as part of CRLF (or at the
                // very end); a lone one is csv-core's to read.
                Some(b'\r') if matches!(input.get(stop + 1), None | Some(b'\n')) => {
                    return Some(stop + 1)
                }
                Some(_) => return None,
            }
        }
    }
}

/// Unquotes the cell whose opening quote is at `open` into `sink`; returns
/// where its closing quote is, or `None` when it never closes.
fn quoted_cell(input: &[u8], open: usize, stops: &mut Stops, sink: &mut CellSink) -> Option<usize> {
    // The opening quote is the next stop.
    stops.next()?;
    let mut from = open + 1;
    loop {
        // Separators and line breaks inside quotes are text.
        let quote = loop {
            let at = stops.next()?;
            if input[at] == b'"' {
                break at;
            }
        };
        sink.append(input, from, quote)?;
        if input.get(quote + 1) != Some(&b'"') {
            return Some(quote);
        }
        // A doubled quote: one quote of text.
        stops.next()?;
        sink.append_quote()?;
        from = quote + 2;
    }
}

/// The positions, in order, of the bytes that end or quote a cell: the
/// separator, `"`, CR and LF.
///
/// Eight bytes are tested at once, with no branch per byte: the high bit of
/// each byte of `x` is set where `x` is zero, by arithmetic that cannot
/// carry from one byte into the next; `x` is the word XORed with each of the
/// four bytes repeated.
struct Stops<'a> {
    input: &'a [u8],
    /// Each of the four bytes, repeated in every byte of a word.
    splats: [u64; 4],
    /// Where the current word starts.
    base: usize,
    /// The high bits of the current word's stops not yet returned.
    pending: u64,
}

const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
const HIGH: u64 = !LOW7;
const ONES: u64 = 0x0101_0101_0101_0101;

impl<'a> Stops<'a> {
    fn new(input: &'a [u8], from: usize, delimiter: u8) -> Stops<'a> {
        let splats = [delimiter, b'"', b'\r', b'\n'].map(|b| ONES * u64::from(b));
        let mut stops = Stops {
            input,
            splats,
            base: from,
            pending: 0,
        };
        stops.pending = stops.stops_in(from);
        stops
    }

    /// The high bits of the stops among the eight bytes from `at`; past
    /// the input's end the bytes are zero, which is never a stop.
    #[inline]
    fn stops_in(&self, at: usize) -> u64 {
        let word = match self.input.get(at..at + 8) {
            Some(eight) => u64::from_le_bytes(eight.try_into().expect("eight bytes")),
            None => {
                let mut eight = [0u8; 8];
                let rest = &self.input[at.min(self.input.len())..];
                eight[..rest.len()].copy_from_slice(rest);
                u64::from_le_bytes(eight)
            }
        };
        // A byte of `x` is not zero exactly when its low seven bits added
        // to 0x7f, or its high bit, set the high bit.
        let nonzero = |x: u64| ((x & LOW7) + LOW7) | x;
        let all_differ = self
            .splats
            .iter()
            .fold(!0u64, |all, &splat| all & nonzero(word ^ splat));
        !all_differ & HIGH
    }

    /// The next stop, or `None` at the end of the input.
    #[inline]
    fn next(&mut self) -> Option<usize> {
        loop {
            if self.pending != 0 {
                let at = self.base + (self.pending.trailing_zeros() / 8) as usize;
                self.pending &= self.pending - 1;
                return Some(at);
            }
            self.base += 8;
            if self.base >= self.input.len() {
                return None;
            }
            self.pending = self.stops_in(self.base);
        }
    }
}
