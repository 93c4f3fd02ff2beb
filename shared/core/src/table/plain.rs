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

use super::stops::Stops;
use crate::row::{offset, Offset};

/// Reads the plain records of one text, in order; the text is passed to
/// each call, as [`Stops`] explains.
pub(super) struct PlainReader {
    delimiter: u8,
    /// Kept from one record to the next: a record usually starts in the
    /// block where the previous one ended, and is not tested twice.
    stops: Stops,
}

/// Where a record's cells go: `out` from `written` on, each cell's end
/// pushed to `ends`.
pub(super) struct CellSink<'a> {
    pub out: &'a mut [u8],
    /// Held here, not behind a reference, so it can live in a register.
    pub written: usize,
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
        let at = self.written;
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
        self.written = at + len;
        Some(())
    }

    /// Appends the quote a doubled quote stands for.
    fn append_quote(&mut self) -> Option<()> {
        *self.out.get_mut(self.written)? = b'"';
        self.written += 1;
        Some(())
    }

    fn end_cell(&mut self) {
        self.ends.push(offset(self.written));
    }
}

impl PlainReader {
    pub(super) fn new(delimiter: u8) -> PlainReader {
        PlainReader {
            delimiter,
            stops: Stops::new(delimiter),
        }
    }

    /// Reads the record at `from` as csv-core would: blank lines before it
    /// skipped, its cells unquoted into `sink`. Returns where reading goes
    /// on, after the line break that ended the record (of a CRLF, the CR:
    /// csv-core skips the LF as a blank line); `None` when the record is
    /// not plain or there is none, leaving part of it written.
    pub(super) fn record(
        &mut self,
        input: &[u8],
        from: usize,
        sink: &mut CellSink,
    ) -> Option<usize> {
        let end = self.read(input, from, sink);
        if end.is_none() {
            self.stops.forget();
        }
        end
    }

    fn read(&mut self, input: &[u8], from: usize, sink: &mut CellSink) -> Option<usize> {
        let start = from
            + input
                .get(from..)?
                .iter()
                .position(|&b| b != b'\r' && b != b'\n')?;
        let stops = &mut self.stops;
        stops.seek(input, start);
        let mut cell = start;
        loop {
            let stop = if input[cell..].first() == Some(&b'"') {
                let closing = quoted_cell(input, cell, stops, sink)?;
                let after = closing + 1;
                // Only a separator, a line break or the end may follow.
                if after < input.len() && stops.next(input) != Some(after) {
                    return None;
                }
                after
            } else {
                let stop = stops.next(input).unwrap_or(input.len());
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
    stops.next(input)?;
    let mut from = open + 1;
    loop {
        // Separators and line breaks inside quotes are text.
        let quote = loop {
            let at = stops.next(input)?;
            if input[at] == b'"' {
                break at;
            }
        };
        sink.append(input, from, quote)?;
        if input.get(quote + 1) != Some(&b'"') {
            return Some(quote);
        }
        // A doubled quote: one quote of text.
        stops.next(input)?;
        sink.append_quote()?;
        from = quote + 2;
    }
}
