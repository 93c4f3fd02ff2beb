//! Text to rows: headers plus numbered rows, whatever the dialect.

use crate::dialect::Delimiter;
use crate::file_error::FileError;
use crate::headers::Headers;
use crate::row::{CellSpan, RowNumber, SharedCells, SourceRow};

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
/// ```
/// use dic_core::dialect::Delimiter;
/// use dic_core::table::parse;
/// let table = parse("name,note\r\nAnn,\"two\r\nlines\"\r\n\r\nBob,x\r\n", Delimiter::Comma).unwrap();
/// assert_eq!(table.headers.names, ["name", "note"]);
/// assert_eq!(table.rows[0].cell(1), "two\r\nlines");
/// assert_eq!(table.rows[1].number.0, 4);
/// ```
pub fn parse(text: &str, delimiter: Delimiter) -> Result<Table, FileError> {
    let bytes = text.as_bytes();
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter.byte())
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut record = csv::StringRecord::new();
    let mut headers: Option<Headers> = None;
    // Every row's cells go to one buffer, about the size of the text.
    let mut cells = SharedCells::with_capacity(text.len(), 0);
    let mut spans: Vec<(RowNumber, CellSpan)> = Vec::new();
    let mut row_number: u32 = 0;
    loop {
        // The reader's position before a record is where the previous one
        // stopped: the blank lines it skipped silently lie right after it.
        let start = usize::try_from(reader.position().byte()).unwrap_or(usize::MAX);
        match reader.read_record(&mut record) {
            Ok(true) => {}
            // The input is a `&str` and the reader flexible, so neither a
            // UTF-8 nor a field-count error can occur: treat one as the end.
            Ok(false) | Err(_) => break,
        }
        let skipped = u32::try_from(blank_lines_at(bytes, start)).unwrap_or(u32::MAX);
        row_number = row_number.saturating_add(skipped).saturating_add(1);
        // The cells lie end to end in the record's buffer: the row is blank
        // when that text is all whitespace.
        if record.as_slice().trim_start().is_empty() {
            continue;
        }
        if headers.is_none() {
            headers = Some(Headers::new(record.iter()));
            continue;
        }
        spans.push((RowNumber(row_number), cells.push_row(record.iter())));
    }
    let headers = headers.ok_or(FileError::NoHeader)?;
    let cells = cells.finish();
    let rows = spans
        .into_iter()
        .map(|(number, span)| SourceRow {
            number,
            cells: cells.cells(span),
        })
        .collect();
    Ok(Table { headers, rows })
}

/// How many blank lines the reader skipped from `start` on, where the
/// previous record stopped. A record cannot begin with a line break (one in
/// a cell is quoted), so the run of `\r`/`\n` there is the rest of the
/// previous record's terminator plus the blank lines; CRLF counts once.
fn blank_lines_at(bytes: &[u8], start: usize) -> usize {
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
    let lf_of_crlf = start > 0 && bytes[start - 1] == b'\r' && run.first() == Some(&b'\n');
    // The previous record stopped before its own terminator.
    let terminator_pending = start > 0 && !matches!(bytes[start - 1], b'\r' | b'\n');
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

    #[test]
    fn unterminated_quote_does_not_panic() {
        let t = parse("a,b\n1,\"open\n2,3\n", Delimiter::Comma).unwrap();
        assert_eq!(t.rows.len(), 1);
        assert_eq!(t.rows[0].cell(1), "open\n2,3\n");
    }
}
