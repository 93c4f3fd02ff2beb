//! Plain CSV records, read by searching for the few bytes that matter.
//!
//! csv-core reads any CSV right, but steps a state machine byte by byte,
//! which was most of the time spent reading a file. Most records are plain:
//! one line of unquoted cells, or cells quoted and closed right before a
//! separator or the line's end. Those are read here with vectorized
//! searches; a record with anything else (a quote inside an unquoted cell,
//! text after a closing quote, a quote never closed, a lone carriage
//! return) is left to csv-core, from its start. The module's tests hold
//! both readers to the same rows.

/// Reads plain records for one delimiter.
pub(super) struct PlainReader {
    delimiter: u8,
    /// Bytes that end an unquoted cell or make it not plain.
    stops: [bool; 256],
}

/// Where a record's cells go: `out` from `*written` on, each cell's end
/// pushed to `ends`.
pub(super) struct CellSink<'a> {
    pub out: &'a mut [u8],
    pub written: &'a mut usize,
    pub ends: &'a mut Vec<usize>,
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
        self.ends.push(*self.written);
    }
}

impl PlainReader {
    pub(super) fn new(delimiter: u8) -> PlainReader {
        let mut stops = [false; 256];
        for b in [delimiter, b'"', b'\r', b'\n'] {
            stops[usize::from(b)] = true;
        }
        PlainReader { delimiter, stops }
    }

    /// Reads the record at the start of `input` as csv-core would: blank
    /// lines before it skipped, its cells unquoted into `sink`. Returns the
    /// bytes consumed, up to and including the line break that ended the
    /// record; `None` when the record is not plain or there is none,
    /// leaving part of it written.
    pub(super) fn record(&self, input: &[u8], sink: &mut CellSink) -> Option<usize> {
        let start = input.iter().position(|&b| b != b'\r' && b != b'\n')?;
        let rest = &input[start..];
        let line_len = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
        let line = &rest[..line_len];
        match memchr::memchr2(b'"', b'\r', line) {
            // Quotes, or line breaks inside quotes: cell by cell.
            Some(at) if line[at] == b'"' => self.quoted_record(input, start, sink),
            // A carriage return that ends the line (CRLF) ends the record
            // and is consumed; its line feed is skipped as a blank line
            // before the next one, as csv-core does.
            Some(at) if at + 1 == line.len() => {
                self.split_line(input, start, start + at, sink)?;
                Some(start + line_len)
            }
            Some(_) => None,
            None => {
                self.split_line(input, start, start + line_len, sink)?;
                Some(start + line_len + usize::from(line_len < rest.len()))
            }
        }
    }

    /// A line, `input[start..end]`, without quotes or line breaks: cells
    /// between delimiters.
    fn split_line(
        &self,
        input: &[u8],
        start: usize,
        end: usize,
        sink: &mut CellSink,
    ) -> Option<()> {
        let mut cell_start = start;
        for at in memchr::memchr_iter(self.delimiter, &input[start..end]) {
            sink.append(input, cell_start, start + at)?;
            sink.end_cell();
            cell_start = start + at + 1;
        }
        sink.append(input, cell_start, end)?;
        sink.end_cell();
        Some(())
    }

    /// A record with quoted cells, from `at` on.
    fn quoted_record(&self, input: &[u8], mut at: usize, sink: &mut CellSink) -> Option<usize> {
        loop {
            if input.get(at) == Some(&b'"') {
                let mut from = at + 1;
                loop {
                    let quote = from + memchr::memchr(b'"', &input[from..])?;
                    sink.append(input, from, quote)?;
                    if input.get(quote + 1) == Some(&b'"') {
                        sink.append_quote()?;
                        from = quote + 2;
                    } else {
                        at = quote + 1;
                        break;
                    }
                }
            } else {
                let cell = &input[at..];
                let len = cell
                    .iter()
                    .position(|&b| self.stops[usize::from(b)])
                    .unwrap_or(cell.len());
                sink.append(input, at, at + len)?;
                at += len;
            }
            sink.end_cell();
            match input.get(at) {
                Some(&b) if b == self.delimiter => at += 1,
                Some(b'\r' | b'\n') => return Some(at + 1),
                None => return Some(at),
                Some(_) => return None,
            }
        }
    }
}
