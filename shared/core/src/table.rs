//! Text to rows: headers plus numbered rows, whatever the dialect.

use crate::bytescan::is_plain;
use crate::dialect::Delimiter;
use crate::file_error::{FileError, MAX_FILE_BYTES};
use crate::headers::Headers;
use crate::row::{offset, CellBuffer, CellSpan, Offset, RowNumber, SourceRow, MAX_CELL_TEXT};
use csv_core::ReadRecordResult;
use plain::{CellSink, PlainReader};
use std::borrow::Cow;
use std::ops::Range;

mod plain;
pub(crate) mod stops;

/// A parsed file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    pub headers: Headers,
    /// Data rows; blank lines skipped. Ragged rows are kept as they are (the
    /// validator reports them), never padded or dropped.
    pub rows: Vec<SourceRow>,
}

/// Parses decoded text. Fails only when there is no header at all.
///
/// Every row carries the number an admin sees in a spreadsheet: blank lines
/// are skipped but still counted, and a quoted cell spanning lines is one row.
///
/// Borrowed text (a UTF-8 file) is copied once, into the rows' cells. Owned
/// text (decoded from another encoding) becomes the cells itself: each
/// record is written over the text already read, so the file is not held
/// twice.
///
/// ```
/// use dic_core::dialect::Delimiter;
/// use dic_core::table::parse;
/// let table = parse("name,note\r\nAnn,\"two\r\nlines\"\r\n\r\nBob,x\r\n", Delimiter::Comma).unwrap();
/// assert_eq!(table.headers.names, ["name", "note"]);
/// assert_eq!(table.rows[0].cell(1), "two\r\nlines");
/// assert_eq!(table.rows[1].number.0, 4);
/// ```
pub fn parse<'t>(text: impl Into<Cow<'t, str>>, delimiter: Delimiter) -> Result<Table, FileError> {
    parse_records(text.into(), delimiter, true)
}

/// [`parse`]; `plain_records` off reads every record with csv-core alone.
fn parse_records(
    text: Cow<str>,
    delimiter: Delimiter,
    plain_records: bool,
) -> Result<Table, FileError> {
    if text.len() > MAX_CELL_TEXT {
        return Err(FileError::TooLarge {
            size: text.len() as u64,
            limit: MAX_FILE_BYTES,
        });
    }
    let mut ends: Vec<Offset> = Vec::with_capacity(text.len() / 8);
    let mut output = Output::new(text);
    let mut reader = csv_core::ReaderBuilder::new()
        .delimiter(delimiter.byte())
        .build();
    let mut record_ends = [0usize; 64];
    let (mut read, mut written) = (0usize, 0usize);
    // The byte before `read`, kept before the text there is written over.
    let mut before: Option<u8> = None;
    let mut headers: Option<Headers> = None;
    let mut spans: Vec<(RowNumber, CellSpan)> = Vec::new();
    let mut row_number: u32 = 0;
    let mut plain_reader = plain_records.then(|| PlainReader::new(delimiter.byte()));
    loop {
        // Where the previous record stopped: the blank lines the reader
        // skips silently lie right after it.
        let start = read;
        let first_end = ends.len();
        let (input, out, record_start) = output.target(written);
        let mut at = record_start;
        // The header goes to csv-core, which also drops a byte-order mark.
        let plain = match (&headers, &mut plain_reader) {
            (Some(_), Some(reader)) => {
                let mut sink = CellSink {
                    out,
                    written: at,
                    ends: &mut ends,
                };
                let end = reader.record(input, read, &mut sink);
                at = sink.written;
                end
            }
            _ => None,
        };
        if let Some(end) = plain {
            read = end;
        } else {
            ends.truncate(first_end);
            at = record_start;
        }
        let more = plain.is_some()
            || loop {
                let (result, nin, nout, nend) =
                    reader.read_record(&input[read..], &mut out[at..], &mut record_ends);
                read += nin;
                at += nout;
                // Ends count from the record's start, across calls.
                ends.extend(
                    record_ends[..nend]
                        .iter()
                        .map(|end| offset(record_start + end)),
                );
                match result {
                    // Once the input is used up, an empty input tells the
                    // reader to finish its last record.
                    ReadRecordResult::InputEmpty | ReadRecordResult::OutputEndsFull => {}
                    ReadRecordResult::OutputFull => out.resize(out.len() * 2 + 64, 0),
                    ReadRecordResult::Record => break true,
                    ReadRecordResult::End => break false,
                }
            };
        if !more {
            break;
        }
        let skipped = u32::try_from(blank_lines_at(input, start, before)).unwrap_or(u32::MAX);
        before = read.checked_sub(1).map(|last| input[last]);
        row_number = row_number.saturating_add(skipped).saturating_add(1);
        // What `Output::InPlace` rests on: cells never pass the text read.
        debug_assert!(written + (at - record_start) <= read);
        let record = output.place(written, record_start..at, &mut ends[first_end..]);
        let blank = is_blank(record);
        if blank || headers.is_none() {
            if !blank {
                let names = std::str::from_utf8(record).map_err(not_text)?;
                let mut cell_start = 0;
                headers = Some(Headers::new(ends[first_end..].iter().map(|&end| {
                    let end = end as usize - written;
                    let name = &names[cell_start..end];
                    cell_start = end;
                    name
                })));
            }
            // Neither a blank row nor the header is a data row.
            ends.truncate(first_end);
            continue;
        }
        let plain = is_plain(record);
        let record_end = written + record.len();
        let span = CellSpan::new(
            first_end,
            ends.len() - first_end,
            written,
            record_end,
            plain,
        );
        written = record_end;
        spans.push((RowNumber(row_number), span));
    }
    let headers = headers.ok_or(FileError::NoHeader)?;
    let out = output.into_cells(written);
    // Valid UTF-8 with ASCII quotes, separators and line breaks removed
    // stays valid: this checks the whole buffer once, not cell by cell.
    let text = String::from_utf8(out).map_err(|e| not_text(e.utf8_error()))?;
    let cells = CellBuffer::from_parts(text, ends);
    let rows = spans
        .into_iter()
        .map(|(number, span)| SourceRow {
            number,
            cells: cells.cells(span),
        })
        .collect();
    Ok(Table { headers, rows })
}

/// Where the readers write a record's cells, and where the cells end up.
enum Output<'t> {
    /// Beside borrowed text: straight into the cell buffer, which unquoting
    /// keeps within the text's size.
    Apart { text: &'t [u8], cells: Vec<u8> },
    /// Over owned text: into a buffer for one record, then over the text
    /// already read. A record's cells are never longer than its text (the
    /// readers only drop quotes, separators, line breaks and a byte-order
    /// mark), so they never reach text still to be read.
    InPlace { text: Vec<u8>, record: Vec<u8> },
}

/// The record buffer's first size: most records fit, a longer one grows it.
const RECORD_BYTES: usize = 16 * 1024;

impl Output<'_> {
    fn new(text: Cow<str>) -> Output {
        match text {
            Cow::Borrowed(text) => Output::Apart {
                text: text.as_bytes(),
                cells: vec![0; text.len()],
            },
            Cow::Owned(text) => Output::InPlace {
                text: text.into_bytes(),
                record: vec![0; RECORD_BYTES],
            },
        }
    }

    /// The text, the buffer the next record is written to, and where in
    /// it, with `written` bytes of cells so far.
    fn target(&mut self, written: usize) -> (&[u8], &mut Vec<u8>, usize) {
        match self {
            Output::Apart { text, cells } => (text, cells, written),
            Output::InPlace { text, record } => (text, record, 0),
        }
    }

    /// Puts the record just written at `span` of its buffer after the
    /// `written` bytes of cells, its `ends` counting from there; returns it.
    fn place(&mut self, written: usize, span: Range<usize>, ends: &mut [Offset]) -> &[u8] {
        match self {
            Output::Apart { cells, .. } => &cells[span],
            Output::InPlace { text, record } => {
                let cells = &mut text[written..written + span.len()];
                cells.copy_from_slice(&record[span]);
                let shift = offset(written);
                ends.iter_mut().for_each(|end| *end += shift);
                cells
            }
        }
    }

    /// The cells of every row, `written` bytes.
    fn into_cells(self, written: usize) -> Vec<u8> {
        let mut cells = match self {
            Output::Apart { cells, .. } => cells,
            Output::InPlace { text, .. } => text,
        };
        cells.truncate(written);
        cells
    }
}

/// A row whose cells hold only whitespace, as `str::trim` sees it.
fn is_blank(record: &[u8]) -> bool {
    for &b in record {
        match b {
            b'\t'..=b'\r' | b' ' => {}
            // Unicode whitespace (a no-break space…) needs decoding.
            0x80.. => return std::str::from_utf8(record).is_ok_and(|s| s.trim_start().is_empty()),
            _ => return false,
        }
    }
    true
}

/// Cannot happen for text that was valid UTF-8; an error, not a panic.
fn not_text(err: std::str::Utf8Error) -> FileError {
    FileError::Binary {
        reason: format!("a cell is not valid text: {err}"),
    }
}

/// How many blank lines the reader skipped from `start` on, where the
/// previous record stopped, `before` being the byte before it. A record
/// cannot begin with a line break (one in a cell is quoted), so the run of
/// `\r`/`\n` there is the rest of the previous record's terminator plus
/// the blank lines; CRLF counts once.
fn blank_lines_at(bytes: &[u8], start: usize, before: Option<u8>) -> usize {
    let Some(run) = bytes.get(start..) else {
        return 0;
    };
    let run_len = run
        .iter()
        .position(|&b| b != b'\r' && b != b'\n')
        .unwrap_or(run.len());
    let run = &run[..run_len];
    let mut breaks: usize = 0;
    let mut i = 0;
    while i < run.len() {
        if run[i] == b'\r' && run.get(i + 1) == Some(&b'\n') {
            i += 2;
        } else {
            i += 1;
        }
        breaks += 1;
    }
    // The LF of a CRLF whose CR ended the previous record.
    let lf_of_crlf = before == Some(b'\r') && run.first() == Some(&b'\n');
    // The previous record stopped before its own terminator.
    let terminator_pending = before.is_some_and(|b| !matches!(b, b'\r' | b'\n'));
    if lf_of_crlf || terminator_pending {
        breaks.saturating_sub(1)
    } else {
        breaks
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(row: &SourceRow) -> Vec<&str> {
        row.cells.iter().collect()
    }

    fn numbers(table: &Table) -> Vec<u32> {
        table.rows.iter().map(|r| r.number.0).collect()
    }

    #[test]
    fn each_delimiter_parses() {
        for (delimiter, sep) in [
            (Delimiter::Comma, ","),
            (Delimiter::Semicolon, ";"),
            (Delimiter::Tab, "\t"),
            (Delimiter::Pipe, "|"),
        ] {
            let text = format!("a{sep}b\n1{sep}2\n");
            let t = parse(&text, delimiter).unwrap();
            assert_eq!(t.headers.names, vec!["a", "b"]);
            assert_eq!(cells(&t.rows[0]), vec!["1", "2"]);
            assert_eq!(numbers(&t), vec![2]);
        }
    }

    #[test]
    fn quoted_fields_keep_delimiters_doubled_quotes_and_line_breaks() {
        let text = "name,note\n\"Smith, John\",\"say \"\"hi\"\"\"\n\"a\nb\",c\n";
        let t = parse(text, Delimiter::Comma).unwrap();
        assert_eq!(cells(&t.rows[0]), vec!["Smith, John", "say \"hi\""]);
        assert_eq!(cells(&t.rows[1]), vec!["a\nb", "c"]);
        assert_eq!(t.rows[0].cells.as_text(), "Smith, Johnsay \"hi\"");
        assert_eq!(t.rows[1].cells.as_text(), "a\nbc");
    }

    #[test]
    fn lf_crlf_and_cr_line_endings() {
        for eol in ["\n", "\r\n", "\r"] {
            let text = format!("a;b{eol}1;2{eol}3;4{eol}");
            let t = parse(&text, Delimiter::Semicolon).unwrap();
            assert_eq!(t.rows.len(), 2, "{eol:?}");
            assert_eq!(cells(&t.rows[1]), vec!["3", "4"]);
            assert_eq!(numbers(&t), vec![2, 3], "{eol:?}");
        }
    }

    #[test]
    fn blank_lines_are_skipped_but_counted_with_any_line_ending() {
        for eol in ["\n", "\r\n", "\r"] {
            let text = format!("a,b{eol}1,2{eol}{eol}{eol}3,4{eol},,{eol}5,6{eol}{eol}");
            let t = parse(&text, Delimiter::Comma).unwrap();
            assert_eq!(numbers(&t), vec![2, 5, 7], "{eol:?}");
            assert_eq!(cells(&t.rows[2]), vec!["5", "6"]);
        }
    }

    #[test]
    fn blank_lines_before_the_header_count_too() {
        let t = parse("\r\n \r\nname\r\nAnn\r\n", Delimiter::Comma).unwrap();
        assert_eq!(t.headers.names, vec!["name"]);
        assert_eq!(numbers(&t), vec![4]);
    }

    #[test]
    fn multi_line_cells_are_one_row() {
        for eol in ["\n", "\r\n", "\r"] {
            let text = format!(
                "name,note{eol}Ann,\"one{eol}two{eol}three\"{eol}Bob,x{eol}{eol}\"C{eol}y\",\"{eol}\"{eol}Dee,z"
            );
            let t = parse(&text, Delimiter::Comma).unwrap();
            assert_eq!(numbers(&t), vec![2, 3, 5, 6], "{eol:?}");
            assert_eq!(t.rows[0].cell(1), format!("one{eol}two{eol}three"));
            assert_eq!(cells(&t.rows[2]), vec![format!("C{eol}y"), eol.to_string()]);
            assert_eq!(cells(&t.rows[3]), vec!["Dee", "z"]);
        }
    }

    #[test]
    fn ragged_rows_are_kept_as_they_are() {
        let t = parse("a,b,c\n1\n1,2,3,4,5\n,x\n", Delimiter::Comma).unwrap();
        assert_eq!(cells(&t.rows[0]), vec!["1"]);
        assert_eq!(cells(&t.rows[1]), vec!["1", "2", "3", "4", "5"]);
        assert_eq!(cells(&t.rows[2]), vec!["", "x"]);
        assert_eq!(numbers(&t), vec![2, 3, 4]);
    }

    #[test]
    fn data_cells_keep_their_spaces_but_headers_are_trimmed() {
        let t = parse(" a , b\n  x , y \n", Delimiter::Comma).unwrap();
        assert_eq!(t.headers.names, vec!["a", "b"]);
        assert_eq!(cells(&t.rows[0]), vec!["  x ", " y "]);
    }

    #[test]
    fn header_problems_come_through() {
        let t = parse("Email,,email\nx,y,z\n", Delimiter::Comma).unwrap();
        assert_eq!(t.headers.problems.len(), 2);
        assert!(t
            .headers
            .problems
            .contains(&crate::headers::HeaderProblem::BlankHeader { column: 1 }));
    }

    #[test]
    fn no_header_is_an_error_but_no_rows_is_not() {
        assert_eq!(
            parse("", Delimiter::Comma).unwrap_err(),
            FileError::NoHeader
        );
        assert_eq!(
            parse("\n\r\n,,\n", Delimiter::Comma).unwrap_err(),
            FileError::NoHeader
        );
        let t = parse("a,b\n", Delimiter::Comma).unwrap();
        assert_eq!(t.headers.names, vec!["a", "b"]);
        assert!(t.rows.is_empty());
    }

    /// Every way of reading `text`: borrowed or owned, plain records read
    /// without csv-core or not.
    fn every_read(text: &str, delimiter: Delimiter) -> [Result<Table, FileError>; 4] {
        [(false, true), (false, false), (true, true), (true, false)].map(|(owned, plain)| {
            let text = if owned {
                Cow::Owned(text.to_string())
            } else {
                Cow::Borrowed(text)
            };
            parse_records(text, delimiter, plain)
        })
    }

    /// Plain records are read without csv-core, and owned text is written
    /// over: the rows must be the same as csv-core's beside the text.
    fn same_as_csv_core(text: &str, delimiter: Delimiter) {
        let [first, rest @ ..] = every_read(text, delimiter);
        for (mode, other) in rest.iter().enumerate() {
            assert_eq!(&first, other, "mode {mode}: {text:?}");
        }
    }

    #[test]
    fn plain_and_unusual_records_read_as_csv_core_reads_them() {
        for text in [
            "h,i\na,b\n",
            "h,i\r\na,\"b,c\"\r\n\r\n\"\"\"\",\"\"\r\n",
            "h,i\ra,\"b\nc\"\rd,e",
            "h,i\na,\"b\"c,d\n",
            "h,i\na,b\"c,d\n",
            "h,i\na, \"b\",c\n",
            "h,i\na,\"unclosed\nmore,x\n",
            "h,i\na,\n,\n,,,\n\"\"\n",
            "h,i\n\n\n\r\n",
            "h,i\na,b",
            "h,i\na,\"b\"",
            "h,i\na,\"b\"\r",
            "h,i\né,\"ü\"\"ß\"\n",
        ] {
            same_as_csv_core(text, Delimiter::Comma);
        }
        same_as_csv_core("h;i\na;\"b;c\";d\n", Delimiter::Semicolon);
        same_as_csv_core("h\ti\na\t\"b\tc\"\n", Delimiter::Tab);
        same_as_csv_core("h|i\na|\"b|c\"|\n", Delimiter::Pipe);
    }

    #[test]
    fn owned_text_becomes_the_cells_even_with_records_longer_than_the_record_buffer() {
        let long = "x".repeat(RECORD_BYTES * 2 + 5);
        let text =
            format!("\u{FEFF}name,note\r\nAnn,\"a \"\"b\"\"\"\r\n\r\n{long},\"{long}\"\nBob,é\r\n");
        same_as_csv_core(&text, Delimiter::Comma);
        let owned = text.clone();
        let span = owned.as_bytes().as_ptr_range();
        let table = parse(owned, Delimiter::Comma).unwrap();
        assert_eq!(numbers(&table), vec![2, 4, 5]);
        assert_eq!(cells(&table.rows[0]), vec!["Ann", "a \"b\""]);
        assert_eq!(cells(&table.rows[1]), vec![long.as_str(), long.as_str()]);
        assert_eq!(cells(&table.rows[2]), vec!["Bob", "é"]);
        for row in &table.rows {
            let cells = row.cells.as_text().as_ptr();
            assert!(span.contains(&cells), "row {} was copied", row.number.0);
        }
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]
            #[test]
            fn any_text_reads_as_csv_core_reads_it(
                text in "[a,;\t|\" \r\né]{0,300}",
                delimiter in prop::sample::select(vec![
                    Delimiter::Comma,
                    Delimiter::Semicolon,
                    Delimiter::Tab,
                    Delimiter::Pipe,
                ]),
            ) {
                let [first, rest @ ..] = every_read(&text, delimiter);
                for other in rest {
                    prop_assert_eq!(&first, &other);
                }
            }
        }
    }

    #[test]
    fn unterminated_quote_does_not_panic() {
        let t = parse("a,b\n1,\"open\n2,3\n", Delimiter::Comma).unwrap();
        assert_eq!(t.rows.len(), 1);
        assert_eq!(t.rows[0].cell(1), "open\n2,3\n");
    }
}
