//! XLSX input: the first sheet read as a table, so that a fixed failed-rows
//! export imports as it is (its `Row` and `Errors` columns are ignored).

use crate::file_error::FileError;
use crate::headers::Headers;
use crate::limits::{
    MAX_CELLS, MAX_COLUMNS, MAX_ROWS, MAX_SHARED_STRINGS, MAX_SHEET_TEXT_BYTES,
    MAX_XLSX_INFLATED_BYTES,
};
use crate::row::{RowNumber, SharedCells, SourceRow};
use crate::table::Table;
use calamine::{open_workbook_from_rs, DataRef, Reader, Xlsx, XlsxError};
use std::io::{Cursor, Read};

/// Whether the bytes are a ZIP container (an XLSX file), by magic number.
pub fn looks_like_xlsx(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

/// Reads the first sheet. Row numbers are the sheet's own.
///
/// The first non-empty row is the header; fully empty rows are skipped.
/// Cells are rendered as the admin sees them in Excel: whole numbers without
/// `.0`, dates as ISO `YYYY-MM-DD`, `TRUE`/`FALSE`, errors such as `#N/A`.
/// A leading `Row` and a trailing `Errors` column, the failed-rows export's
/// additions, are left out.
///
/// Nothing is allocated from what the file declares: the workbook's parts
/// are inflated and counted before calamine reads them
/// ([`MAX_XLSX_INFLATED_BYTES`]), and the sheet is read cell by cell, only
/// its non-empty cells kept, within [`MAX_COLUMNS`], [`MAX_ROWS`],
/// [`MAX_CELLS`] and [`MAX_SHEET_TEXT_BYTES`]. An allocation that fails
/// aborts the process, which no `catch_unwind` can stop: a file past a
/// limit fails with the limit it broke instead.
pub fn read_xlsx(bytes: &[u8]) -> Result<Table, FileError> {
    // Calamine parses untrusted XML and ZIP data; a panic inside it must
    // become a rejected file, not a crashed import.
    std::panic::catch_unwind(|| {
        check_inflated_size(bytes)?;
        read_first_sheet(bytes)
    })
    .unwrap_or_else(|_| {
        Err(FileError::Unreadable {
            reason: DAMAGED.to_string(),
        })
    })
}

const DAMAGED: &str = "it is damaged or is not an .xlsx workbook";

fn damaged() -> FileError {
    FileError::Unreadable {
        reason: DAMAGED.to_string(),
    }
}

fn inflates_too_far() -> FileError {
    FileError::SheetTooLarge {
        reason: format!("it unzips to more than {MAX_XLSX_INFLATED_BYTES} bytes"),
    }
}

/// Refuses a workbook whose parts inflate past [`MAX_XLSX_INFLATED_BYTES`]
/// before calamine reads any of them (it reads the shared strings whole):
/// first by the sizes the zip directory declares, then by inflating every
/// part into nothing and counting, since a declared size can lie. A part
/// that cannot be inflated is left to calamine, which cannot read it
/// either. Inflating a 10 MB workbook takes a tenth of the time reading it
/// does.
fn check_inflated_size(bytes: &[u8]) -> Result<(), FileError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| damaged())?;
    let mut declared: u64 = 0;
    for index in 0..archive.len() {
        let part = archive.by_index_raw(index).map_err(|_| damaged())?;
        declared = declared.saturating_add(part.size());
    }
    if declared > MAX_XLSX_INFLATED_BYTES {
        return Err(inflates_too_far());
    }
    let mut left = MAX_XLSX_INFLATED_BYTES;
    // Three bytes kept before each read: a tag cut between two reads.
    let mut buf = vec![0u8; 3 + 64 * 1024];
    for index in 0..archive.len() {
        let Ok(mut part) = archive.by_index(index) else {
            continue;
        };
        // Calamine finds its parts by name, in any case.
        let strings = part.name().eq_ignore_ascii_case("xl/sharedStrings.xml");
        let mut shared_strings = 0;
        buf[..3].fill(0);
        loop {
            let n = match part.read(&mut buf[3..]) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => break,
            };
            left = left.checked_sub(n as u64).ok_or_else(inflates_too_far)?;
            if strings {
                shared_strings += string_tags(&buf[..3 + n]);
                if shared_strings > MAX_SHARED_STRINGS {
                    return Err(FileError::SheetTooLarge {
                        reason: format!("it holds more than {MAX_SHARED_STRINGS} distinct texts"),
                    });
                }
                buf.copy_within(n..n + 3, 0);
            }
        }
    }
    Ok(())
}

/// Tags of shared strings (`<si>`, `<si …>`, `<x:si>`) starting in
/// `bytes` after its first three, which the previous read ended with. A
/// namespaced closing tag counts too: an overcount, on the safe side.
fn string_tags(bytes: &[u8]) -> usize {
    memchr::memmem::find_iter(bytes, b"si")
        .filter(|&at| {
            at >= 1
                && matches!(bytes[at - 1], b'<' | b':')
                // A tag the previous read cut is counted once, here: its
                // last byte is past the three kept.
                && bytes
                    .get(at + 2)
                    .is_some_and(|&b| matches!(b, b'>' | b'/') || b.is_ascii_whitespace())
        })
        .count()
}

fn read_first_sheet(bytes: &[u8]) -> Result<Table, FileError> {
    let unreadable = |e: XlsxError| FileError::Unreadable {
        reason: match e {
            XlsxError::Password => "it is protected by a password".to_string(),
            _ => DAMAGED.to_string(),
        },
    };
    let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).map_err(unreadable)?;
    let Some(first) = workbook.sheet_names().into_iter().next() else {
        return Err(FileError::NoHeader);
    };
    let mut reader = match workbook.worksheet_cells_reader(&first) {
        Ok(reader) => reader,
        // A chart sheet first: no cells, so no header.
        Err(XlsxError::NotAWorksheet(_)) => return Err(FileError::NoHeader),
        Err(e) => return Err(unreadable(e)),
    };
    let mut sheet = SparseSheet::default();
    let mut buf = String::new();
    while let Some(cell) = reader.next_cell().map_err(unreadable)? {
        // A text is measured before it is copied: one cell may be most of
        // a workbook's inflated bytes.
        let text_len = match cell.get_value() {
            DataRef::SharedString(text) => text.len(),
            DataRef::String(text) | DataRef::DateTimeIso(text) | DataRef::DurationIso(text) => {
                text.len()
            }
            _ => 0,
        };
        sheet.room_for(text_len)?;
        buf.clear();
        render(cell.get_value(), &mut buf);
        if !buf.is_empty() {
            let (row, column) = cell.get_position();
            sheet.push(row, column, &buf)?;
        }
    }
    sheet.into_table()
}

/// A sheet's non-empty cells as they stream in, held sparse: their text end
/// to end and, per cell, its column and where its text ends. A sheet's
/// declared dimension is never trusted; only cells that hold something
/// take room, each checked against the limits before it is kept.
#[derive(Default)]
struct SparseSheet {
    text: String,
    /// Column and text end of each cell, row after row.
    cells: Vec<(u32, u32)>,
    /// Sheet row, first cell and cell count of each row with a cell.
    rows: Vec<(u32, u32, u32)>,
    /// The leftmost and rightmost columns with a cell.
    columns: Option<(u32, u32)>,
    /// Rows came in descending order somewhere (Excel never writes them so).
    unsorted: bool,
}

impl SparseSheet {
    fn push(&mut self, row: u32, column: u32, value: &str) -> Result<(), FileError> {
        if column as usize >= MAX_COLUMNS {
            return Err(FileError::TooManyColumns {
                columns: column as usize + 1,
                limit: MAX_COLUMNS,
            });
        }
        if self.cells.len() >= MAX_CELLS {
            return Err(FileError::SheetTooLarge {
                reason: format!("it has more than {MAX_CELLS} cells with a value"),
            });
        }
        self.room_for(value.len())?;
        match self.rows.last_mut() {
            Some((last, _, count)) if *last == row => *count += 1,
            last => {
                self.unsorted |= last.is_some_and(|(last, ..)| *last > row);
                // The header and a row of spaces are not data rows; past
                // that, a file is refused before its rows are all read.
                if self.rows.len() > MAX_ROWS + 1 {
                    return Err(FileError::TooManyRows { limit: MAX_ROWS });
                }
                // Within u32: the cells are at most MAX_CELLS.
                self.rows.push((row, self.cells.len() as u32, 1));
            }
        }
        self.text.push_str(value);
        // Within u32: the text is at most MAX_SHEET_TEXT_BYTES.
        self.cells.push((column, self.text.len() as u32));
        self.columns = Some(match self.columns {
            Some((left, right)) => (left.min(column), right.max(column)),
            None => (column, column),
        });
        Ok(())
    }

    /// Whether `bytes` more of cell text stay within [`MAX_SHEET_TEXT_BYTES`].
    fn room_for(&self, bytes: usize) -> Result<(), FileError> {
        if self.text.len().saturating_add(bytes) > MAX_SHEET_TEXT_BYTES {
            return Err(FileError::SheetTooLarge {
                reason: format!("its cells hold more than {MAX_SHEET_TEXT_BYTES} bytes of text"),
            });
        }
        Ok(())
    }

    /// One row's cells: column and text.
    fn row_cells(&self, &(_, first, count): &(u32, u32, u32)) -> impl Iterator<Item = (u32, &str)> {
        let (first, count) = (first as usize, count as usize);
        self.cells[first..first + count]
            .iter()
            .enumerate()
            .map(move |(i, &(column, end))| {
                let start = match first + i {
                    0 => 0,
                    at => self.cells[at - 1].1,
                };
                (column, &self.text[start as usize..end as usize])
            })
    }

    /// Puts a row's cells in `slots`, one per column from `left` on, and
    /// empties the others.
    fn lay_out<'s>(&'s self, slots: &mut [&'s str], left: u32, row: &(u32, u32, u32)) {
        slots.iter_mut().for_each(|slot| *slot = "");
        for (column, text) in self.row_cells(row) {
            slots[(column - left) as usize] = text;
        }
    }

    /// The rows laid out as the sheet shows them, from the leftmost column
    /// with a cell to the rightmost, within the header's columns.
    fn into_table(mut self) -> Result<Table, FileError> {
        let Some((left, right)) = self.columns else {
            return Err(FileError::NoHeader);
        };
        if self.unsorted {
            self.rows.sort_by_key(|&(row, ..)| row);
        }
        let width = (right - left + 1) as usize;
        // Each row's cells in the sheet's columns, empty where it has none.
        let mut slots: Vec<&str> = vec![""; width];
        let sheet = &self;
        let blank = |cells: &[&str]| cells.iter().all(|cell| cell.trim().is_empty());
        let mut rows = self.rows.iter();
        let header = loop {
            let Some(row) = rows.next() else {
                return Err(FileError::NoHeader);
            };
            sheet.lay_out(&mut slots, left, row);
            if !blank(&slots) {
                break slots.clone();
            }
        };
        let from = usize::from(
            header
                .first()
                .is_some_and(|name| name.trim().eq_ignore_ascii_case("Row")),
        );
        let to = if width > from
            && header
                .last()
                .is_some_and(|name| name.trim().eq_ignore_ascii_case("Errors"))
        {
            width - 1
        } else {
            width
        };
        let headers = Headers::new(&header[from..to]);

        let data: Vec<&(u32, u32, u32)> = rows
            .filter(|row| {
                sheet.row_cells(row).any(|(column, text)| {
                    let at = (column - left) as usize;
                    (from..to).contains(&at) && !text.trim().is_empty()
                })
            })
            .collect();
        if data.len() > MAX_ROWS {
            return Err(FileError::TooManyRows { limit: MAX_ROWS });
        }
        // Every row gets a cell per header: a sparse sheet must not fill
        // a grid it has no room for.
        let cells = data.len().saturating_mul(to - from);
        if cells > MAX_CELLS {
            return Err(FileError::SheetTooLarge {
                reason: format!(
                    "its {} rows over {} columns make {cells} cells, over the limit of {MAX_CELLS}",
                    data.len(),
                    to - from
                ),
            });
        }
        let mut shared = SharedCells::with_capacity(sheet.text.len(), cells);
        let mut spans = Vec::with_capacity(data.len());
        for row in data {
            sheet.lay_out(&mut slots, left, row);
            spans.push((row.0, shared.push_row(slots[from..to].iter().copied())));
        }
        let buffer = shared.finish();
        let rows = spans
            .into_iter()
            .map(|(row, span)| SourceRow {
                number: RowNumber(row.saturating_add(1)),
                cells: buffer.cells(span),
            })
            .collect();
        Ok(Table { headers, rows })
    }
}

/// Writes a cell as Excel shows it: whole numbers without `.0`, dates as
/// ISO `YYYY-MM-DD` (with the time when there is one), booleans as
/// `TRUE`/`FALSE`, errors as their Excel text such as `#N/A`.
fn render(cell: &DataRef, out: &mut String) {
    use std::fmt::Write;
    // Writing to a String cannot fail.
    let _ = match cell {
        DataRef::Empty => Ok(()),
        DataRef::SharedString(s) => {
            out.push_str(s);
            Ok(())
        }
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
            out.push_str(s);
            Ok(())
        }
        DataRef::Int(i) => write!(out, "{i}"),
        DataRef::Float(f) => write_number(*f, out),
        DataRef::Bool(b) => {
            out.push_str(if *b { "TRUE" } else { "FALSE" });
            Ok(())
        }
        DataRef::Error(e) => write!(out, "{e}"),
        DataRef::DateTime(dt) if dt.is_datetime() && (0.0..MAX_SERIAL).contains(&dt.as_f64()) => {
            write_datetime(dt, out)
        }
        DataRef::DateTime(dt) => write_number(dt.as_f64(), out),
    };
}

/// The serial of 9999-12-31, Excel's last date; beyond it a "date" is
/// shown as its number.
const MAX_SERIAL: f64 = 2_958_466.0;

/// A date as `YYYY-MM-DD`, with ` HH:MM:SS` when it has a time of day, or
/// the time alone for a serial below 1. Seconds are rounded, as Excel shows
/// them (calamine truncates, turning 08:30:00 into 08:29:59).
fn write_datetime(dt: &calamine::ExcelDateTime, out: &mut String) -> std::fmt::Result {
    use std::fmt::Write;
    let serial = dt.as_f64();
    let (y, mo, d, ..) = dt.to_ymd_hms_milli();
    // In 0..=86400 because the serial is non-negative and finite.
    let mut secs = ((serial - serial.floor()) * 86_400.0).round() as u32;
    let mut date = chrono::NaiveDate::from_ymd_opt(i32::from(y), u32::from(mo), u32::from(d));
    if secs >= 86_400 {
        secs = 0;
        date = date.and_then(|day| day.succ_opt());
    }
    let (h, mi, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if serial < 1.0 {
        return write!(out, "{h:02}:{mi:02}:{s:02}");
    }
    match date {
        Some(day) => write!(out, "{}", day.format("%Y-%m-%d"))?,
        // Excel's fictional 1900-02-29.
        None => write!(out, "{y:04}-{mo:02}-{d:02}")?,
    }
    if secs != 0 {
        write!(out, " {h:02}:{mi:02}:{s:02}")?;
    }
    Ok(())
}

/// Whole numbers print as integers (`42`, not `42.0`); others in the
/// shortest form that reads back the same.
fn write_number(f: f64, out: &mut String) -> std::fmt::Result {
    use std::fmt::Write;
    if f.fract() == 0.0 && f.abs() < 1e15 {
        // Exact: whole and well inside i64.
        write!(out, "{}", f as i64)
    } else {
        write!(out, "{f}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::CellErrorType;
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

    fn cells(row: &SourceRow) -> Vec<&str> {
        row.cells.iter().collect()
    }

    fn rendered(cell: DataRef) -> String {
        let mut out = String::new();
        render(&cell, &mut out);
        out
    }

    #[test]
    fn cells_render_as_excel_shows_them() {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        let date = Format::new().set_num_format("yyyy-mm-dd");
        let stamp = Format::new().set_num_format("yyyy-mm-dd hh:mm");
        for (col, name) in ["Email", "Count", "Ratio", "Start", "Active", "Seen"]
            .iter()
            .enumerate()
        {
            sheet.write_string(0, col as u16, *name).unwrap();
        }
        sheet.write_string(1, 0, " ann@example.com ").unwrap();
        sheet.write_number(1, 1, 42.0).unwrap();
        sheet.write_number(1, 2, 0.25).unwrap();
        let day = ExcelDateTime::from_ymd(2024, 3, 5).unwrap();
        sheet.write_datetime_with_format(1, 3, &day, &date).unwrap();
        sheet.write_boolean(1, 4, true).unwrap();
        let when = ExcelDateTime::from_ymd(2023, 12, 31)
            .unwrap()
            .and_hms(8, 30, 0)
            .unwrap();
        sheet
            .write_datetime_with_format(1, 5, &when, &stamp)
            .unwrap();
        let bytes = book.save_to_buffer().unwrap();

        let t = read_xlsx(&bytes).unwrap();
        assert_eq!(
            t.headers.names,
            vec!["Email", "Count", "Ratio", "Start", "Active", "Seen"]
        );
        assert_eq!(t.rows.len(), 1);
        assert_eq!(t.rows[0].number, RowNumber(2));
        assert_eq!(
            cells(&t.rows[0]),
            vec![
                " ann@example.com ",
                "42",
                "0.25",
                "2024-03-05",
                "TRUE",
                "2023-12-31 08:30:00"
            ]
        );
    }

    #[test]
    fn render_covers_every_kind_of_cell() {
        assert_eq!(rendered(DataRef::Empty), "");
        assert_eq!(rendered(DataRef::Int(-7)), "-7");
        assert_eq!(rendered(DataRef::Float(1234567890.0)), "1234567890");
        assert_eq!(rendered(DataRef::Float(-3.5)), "-3.5");
        assert_eq!(rendered(DataRef::Bool(false)), "FALSE");
        assert_eq!(rendered(DataRef::Error(CellErrorType::NA)), "#N/A");
        assert_eq!(rendered(DataRef::Error(CellErrorType::Div0)), "#DIV/0!");
        let date =
            |serial, kind| DataRef::DateTime(calamine::ExcelDateTime::new(serial, kind, false));
        use calamine::ExcelDateTimeType::{DateTime, TimeDelta};
        assert_eq!(rendered(date(45356.0, DateTime)), "2024-03-05");
        assert_eq!(rendered(date(45356.75, DateTime)), "2024-03-05 18:00:00");
        assert_eq!(rendered(date(45356.9999999, DateTime)), "2024-03-06");
        assert_eq!(rendered(date(0.5, DateTime)), "12:00:00");
        assert_eq!(rendered(date(1.5, TimeDelta)), "1.5");
        assert_eq!(rendered(date(1e300, DateTime)), format!("{}", 1e300));
        assert_eq!(rendered(date(-2.0, DateTime)), "-2");
        assert_eq!(
            rendered(DataRef::DateTimeIso("2024-01-02".into())),
            "2024-01-02"
        );
    }

    #[test]
    fn sheet_row_numbers_are_kept_and_empty_rows_skipped() {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        // Header in row 3 (index 2), data in rows 4 and 7.
        sheet.write_string(2, 1, "Name").unwrap();
        sheet.write_string(2, 2, "Code").unwrap();
        sheet.write_string(3, 1, "Ann").unwrap();
        sheet.write_string(4, 1, "   ").unwrap();
        sheet.write_string(6, 2, "X1").unwrap();
        let bytes = book.save_to_buffer().unwrap();

        let t = read_xlsx(&bytes).unwrap();
        assert_eq!(t.headers.names, vec!["Name", "Code"]);
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[0].number, RowNumber(4));
        assert_eq!(cells(&t.rows[0]), vec!["Ann", ""]);
        assert_eq!(t.rows[1].number, RowNumber(7));
        assert_eq!(cells(&t.rows[1]), vec!["", "X1"]);
    }

    #[test]
    fn failed_rows_export_columns_are_ignored() {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        for (col, name) in ["Row", "Email", "Name", "Errors"].iter().enumerate() {
            sheet.write_string(0, col as u16, *name).unwrap();
        }
        sheet.write_number(1, 0, 17.0).unwrap();
        sheet.write_string(1, 1, "ann@example.com").unwrap();
        sheet.write_string(1, 2, "Ann").unwrap();
        sheet.write_string(1, 3, "Email: already used").unwrap();
        let bytes = book.save_to_buffer().unwrap();

        let t = read_xlsx(&bytes).unwrap();
        assert_eq!(t.headers.names, vec!["Email", "Name"]);
        assert_eq!(cells(&t.rows[0]), vec!["ann@example.com", "Ann"]);
        assert_eq!(t.rows[0].number, RowNumber(2));
    }

    #[test]
    fn row_and_errors_only_count_at_the_edges() {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        for (col, name) in ["Email", "Row", "Errors", "Name"].iter().enumerate() {
            sheet.write_string(0, col as u16, *name).unwrap();
        }
        sheet.write_string(1, 0, "a@b.co").unwrap();
        let bytes = book.save_to_buffer().unwrap();
        let t = read_xlsx(&bytes).unwrap();
        assert_eq!(t.headers.names, vec!["Email", "Row", "Errors", "Name"]);
    }

    #[test]
    fn empty_sheet_has_no_header() {
        let mut book = Workbook::new();
        book.add_worksheet();
        let bytes = book.save_to_buffer().unwrap();
        assert_eq!(read_xlsx(&bytes).unwrap_err(), FileError::NoHeader);
    }

    #[test]
    fn header_without_rows_is_not_an_error_here() {
        let mut book = Workbook::new();
        book.add_worksheet().write_string(0, 0, "Email").unwrap();
        let bytes = book.save_to_buffer().unwrap();
        let t = read_xlsx(&bytes).unwrap();
        assert_eq!(t.headers.names, vec!["Email"]);
        assert!(t.rows.is_empty());
    }

    #[test]
    fn corrupt_files_are_unreadable() {
        for bytes in [&b"PK\x03\x04garbage"[..], b"not a zip at all", b""] {
            assert!(
                matches!(read_xlsx(bytes), Err(FileError::Unreadable { .. })),
                "{bytes:?}"
            );
        }
        let mut book = Workbook::new();
        book.add_worksheet().write_string(0, 0, "Email").unwrap();
        let mut bytes = book.save_to_buffer().unwrap();
        bytes.truncate(bytes.len() / 2);
        assert!(matches!(
            read_xlsx(&bytes),
            Err(FileError::Unreadable { .. })
        ));
    }

    /// A workbook made by rust_xlsxwriter with its first sheet's XML
    /// replaced by what `sheet` writes, zipped by hand: declared
    /// dimensions, cell order and sizes no writer would produce.
    fn workbook_with_sheet(sheet: impl FnOnce(&mut dyn std::io::Write)) -> Vec<u8> {
        use zip::write::SimpleFileOptions;
        let mut book = Workbook::new();
        book.add_worksheet().write_string(0, 0, "Email").unwrap();
        let base = book.save_to_buffer().unwrap();
        let mut from = zip::ZipArchive::new(Cursor::new(base)).unwrap();
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .compression_level(Some(1));
        let mut sheet = Some(sheet);
        for index in 0..from.len() {
            let mut part = from.by_index(index).unwrap();
            let name = part.name().to_string();
            out.start_file(name.as_str(), options).unwrap();
            if name == "xl/worksheets/sheet1.xml" {
                (sheet.take().unwrap())(&mut out);
            } else {
                std::io::copy(&mut part, &mut out).unwrap();
            }
        }
        out.finish().unwrap().into_inner()
    }

    const SHEET_START: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#;

    fn inline(cell: &str, text: &str) -> String {
        format!(r#"<c r="{cell}" t="inlineStr"><is><t>{text}</t></is></c>"#)
    }

    /// Sets every part's declared inflated size to `size`, in the central
    /// directory and the local headers, as a zip bomb's maker would.
    fn declare_sizes(zip: &mut [u8], size: u32) {
        let u16_at = |z: &[u8], at: usize| usize::from(u16::from_le_bytes([z[at], z[at + 1]]));
        let u32_at =
            |z: &[u8], at: usize| u32::from_le_bytes(z[at..at + 4].try_into().unwrap()) as usize;
        let end = zip.len() - 22;
        assert_eq!(&zip[end..end + 4], b"PK\x05\x06");
        let (count, mut at) = (u16_at(zip, end + 10), u32_at(zip, end + 16));
        for _ in 0..count {
            assert_eq!(&zip[at..at + 4], b"PK\x01\x02");
            zip[at + 24..at + 28].copy_from_slice(&size.to_le_bytes());
            let local = u32_at(zip, at + 42);
            zip[local + 22..local + 26].copy_from_slice(&size.to_le_bytes());
            at += 46 + u16_at(zip, at + 28) + u16_at(zip, at + 30) + u16_at(zip, at + 32);
        }
    }

    /// A sheet of a header and one cell of `text_bytes` letters: a single
    /// XML text node that calamine would read into one string.
    fn bomb(text_bytes: usize) -> Vec<u8> {
        workbook_with_sheet(|out| {
            write!(
                out,
                "{SHEET_START}<sheetData><row r=\"1\">{}</row>",
                inline("A1", "Email")
            )
            .unwrap();
            write!(out, r#"<row r="2"><c r="A2" t="inlineStr"><is><t>"#).unwrap();
            let block = vec![b'a'; 1 << 20];
            let mut left = text_bytes;
            while left > 0 {
                let n = left.min(block.len());
                out.write_all(&block[..n]).unwrap();
                left -= n;
            }
            write!(out, "</t></is></c></row></sheetData></worksheet>").unwrap();
        })
    }

    #[test]
    fn a_zip_bomb_is_refused_by_its_declared_size_before_any_part_is_read() {
        let bytes = bomb(MAX_XLSX_INFLATED_BYTES as usize + 1);
        // A legal upload, far under 10 MB.
        assert!(bytes.len() < 3_000_000, "{} bytes", bytes.len());
        let err = read_xlsx(&bytes).unwrap_err();
        assert_eq!(err.code(), "sheet_too_large", "{err}");
        assert!(
            err.to_string()
                .contains("unzips to more than 209715200 bytes"),
            "{err}"
        );
    }

    #[test]
    fn a_zip_bomb_that_lies_about_its_size_is_refused_while_inflating() {
        let mut bytes = bomb(MAX_XLSX_INFLATED_BYTES as usize + 1);
        declare_sizes(&mut bytes, 1_000);
        let err = read_xlsx(&bytes).unwrap_err();
        assert_eq!(err.code(), "sheet_too_large", "{err}");
        // Under the limit, the same lie is harmless: calamine reads the
        // part as it is (and the CRC still holds).
        let mut small = bomb(1_000_000);
        declare_sizes(&mut small, 1_000);
        assert_eq!(read_xlsx(&small).unwrap().rows[0].cell(0).len(), 1_000_000);
    }

    #[test]
    fn millions_of_tiny_shared_strings_are_refused_before_calamine_keeps_them() {
        use std::io::Write;
        let mut book = Workbook::new();
        book.add_worksheet().write_string(0, 0, "Email").unwrap();
        let base = book.save_to_buffer().unwrap();
        let mut from = zip::ZipArchive::new(Cursor::new(base)).unwrap();
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default().compression_level(Some(1));
        for index in 0..from.len() {
            let mut part = from.by_index(index).unwrap();
            let name = part.name().to_string();
            out.start_file(name.as_str(), options).unwrap();
            if name == "xl/sharedStrings.xml" {
                out.write_all(br#"<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#).unwrap();
                for _ in 0..=MAX_SHARED_STRINGS / 1000 {
                    out.write_all("<si><t>a</t></si>".repeat(1000).as_bytes())
                        .unwrap();
                }
                out.write_all(b"</sst>").unwrap();
            } else {
                std::io::copy(&mut part, &mut out).unwrap();
            }
        }
        let bytes = out.finish().unwrap().into_inner();
        let err = read_xlsx(&bytes).unwrap_err();
        assert_eq!(err.code(), "sheet_too_large", "{err}");
        assert!(err.to_string().contains("distinct texts"), "{err}");
    }

    #[test]
    fn shared_string_tags_are_counted_once_across_reads() {
        let text = b"\0\0\0<sst><si><t>a</t></si><x:si a='1'><t/></x:si><sig/><s";
        assert_eq!(string_tags(text), 3);
        // A tag cut after `<si`: counted in the next read, with three bytes kept.
        assert_eq!(string_tags(b"\0\0\0xx<si"), 0);
        assert_eq!(string_tags(b"<si><t>"), 1);
    }

    #[test]
    fn a_shared_string_used_by_every_cell_cannot_fill_gigabytes() {
        // One 32,000-character text in the shared strings (Excel's cell
        // limit), used by 2100 cells: 67 MB of cell text from a workbook
        // of a few kilobytes.
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(0, 0, "Email").unwrap();
        let text = "y".repeat(32_000);
        for row in 1..=MAX_SHEET_TEXT_BYTES as u32 / 32_000 + 1 {
            sheet.write_string(row, 0, &text).unwrap();
        }
        let bytes = book.save_to_buffer().unwrap();
        assert!(bytes.len() < 100_000, "{}", bytes.len());
        let err = read_xlsx(&bytes).unwrap_err();
        assert_eq!(err.code(), "sheet_too_large", "{err}");
        assert!(err.to_string().contains("bytes of text"), "{err}");
    }

    #[test]
    fn cells_at_a1_and_xfd1048576_fail_without_a_dense_grid() {
        // 17 billion cells if the sheet's extent were allocated.
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(0, 0, "Email").unwrap();
        sheet.write_string(1_048_575, 16_383, "far").unwrap();
        let bytes = book.save_to_buffer().unwrap();
        assert!(bytes.len() < 10_000);
        assert_eq!(
            read_xlsx(&bytes).unwrap_err(),
            FileError::TooManyColumns {
                columns: 16_384,
                limit: MAX_COLUMNS
            }
        );
    }

    #[test]
    fn a_huge_declared_dimension_and_far_empty_cells_cost_nothing() {
        let bytes = workbook_with_sheet(|out| {
            write!(
                out,
                r#"{SHEET_START}<dimension ref="A1:XFD1048576"/><sheetData><row r="1">{}<c r="XFD1" s="1"/></row><row r="1048576">{}<c r="XFC1048576" t="inlineStr"><is><t></t></is></c></row></sheetData></worksheet>"#,
                inline("A1", "Email"),
                inline("A1048576", "ann@example.com"),
            )
            .unwrap();
        });
        let t = read_xlsx(&bytes).unwrap();
        assert_eq!(t.headers.names, vec!["Email"]);
        assert_eq!(t.rows.len(), 1);
        assert_eq!(t.rows[0].number, RowNumber(1_048_576));
        assert_eq!(cells(&t.rows[0]), vec!["ann@example.com"]);
    }

    #[test]
    fn sparse_rows_over_many_columns_fail_before_their_grid_is_filled() {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(0, 0, "Email").unwrap();
        sheet
            .write_string(1, MAX_COLUMNS as u16 - 1, "far")
            .unwrap();
        let rows = MAX_CELLS / MAX_COLUMNS + 1;
        for row in 2..rows as u32 + 1 {
            sheet.write_number(row, 0, 1.0).unwrap();
        }
        let bytes = book.save_to_buffer().unwrap();
        let err = read_xlsx(&bytes).unwrap_err();
        assert_eq!(err.code(), "sheet_too_large", "{err}");
        assert!(
            err.to_string().contains("cells, over the limit of"),
            "{err}"
        );
    }

    #[test]
    fn rows_out_of_order_are_read_in_sheet_order() {
        let bytes = workbook_with_sheet(|out| {
            write!(
                out,
                r#"{SHEET_START}<sheetData><row r="3">{}</row><row r="1">{}{}</row><row r="2">{}{}</row></sheetData></worksheet>"#,
                inline("B3", "b@x.io"),
                inline("B1", "Email"),
                inline("A1", "Name"),
                inline("B2", "a@x.io"),
                inline("A2", "Ann"),
            )
            .unwrap();
        });
        let t = read_xlsx(&bytes).unwrap();
        assert_eq!(t.headers.names, vec!["Name", "Email"]);
        assert_eq!(cells(&t.rows[0]), vec!["Ann", "a@x.io"]);
        assert_eq!(cells(&t.rows[1]), vec!["", "b@x.io"]);
        assert_eq!(t.rows[1].number, RowNumber(3));
    }

    #[test]
    fn looks_like_xlsx_checks_the_zip_magic() {
        assert!(looks_like_xlsx(b"PK\x03\x04rest"));
        assert!(!looks_like_xlsx(b"name,email\n"));
    }
}
