//! XLSX input: the first sheet read as a table, so that a fixed failed-rows
//! export imports as it is (its `Row` and `Errors` columns are ignored).

use crate::file_error::FileError;
use crate::headers::Headers;
use crate::row::{Cells, RowNumber, SourceRow};
use crate::table::Table;
use calamine::{open_workbook_from_rs, Data, Reader, Xlsx, XlsxError};
use std::io::Cursor;

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
pub fn read_xlsx(bytes: &[u8]) -> Result<Table, FileError> {
    // Calamine parses untrusted XML and ZIP data; a panic inside it must
    // become a rejected file, not a crashed import.
    std::panic::catch_unwind(|| read_first_sheet(bytes)).unwrap_or_else(|_| {
        Err(FileError::Unreadable {
            reason: DAMAGED.to_string(),
        })
    })
}

const DAMAGED: &str = "it is damaged or is not an .xlsx workbook";

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
    let range = workbook.worksheet_range(&first).map_err(unreadable)?;
    let first_row = range.start().map_or(0, |(row, _)| row);

    let mut rows_iter = range.rows().enumerate();
    let mut buf = String::new();
    let header = loop {
        let Some((_, cells)) = rows_iter.next() else {
            return Err(FileError::NoHeader);
        };
        if !is_blank_row(cells, &mut buf) {
            break cells;
        }
    };
    let rendered: Vec<String> = header
        .iter()
        .map(|cell| {
            buf.clear();
            render(cell, &mut buf);
            buf.clone()
        })
        .collect();
    let width = rendered.len();
    let from = usize::from(
        rendered
            .first()
            .is_some_and(|name| name.trim().eq_ignore_ascii_case("Row")),
    );
    let to = if width > from
        && rendered
            .last()
            .is_some_and(|name| name.trim().eq_ignore_ascii_case("Errors"))
    {
        width - 1
    } else {
        width
    };
    let headers = Headers::new(&rendered[from..to]);

    let mut rows = Vec::new();
    for (index, cells) in rows_iter {
        let kept = cells.get(from..to.min(cells.len())).unwrap_or(&[]);
        if is_blank_row(kept, &mut buf) {
            continue;
        }
        let mut out = Cells::default();
        for cell in kept {
            buf.clear();
            render(cell, &mut buf);
            out.push(&buf);
        }
        let offset = u32::try_from(index).unwrap_or(u32::MAX);
        rows.push(SourceRow {
            number: RowNumber(first_row.saturating_add(offset).saturating_add(1)),
            cells: out,
        });
    }
    Ok(Table { headers, rows })
}

fn is_blank_row(cells: &[Data], buf: &mut String) -> bool {
    cells.iter().all(|cell| {
        buf.clear();
        render(cell, buf);
        buf.trim().is_empty()
    })
}

/// Writes a cell as Excel shows it: whole numbers without `.0`, dates as
/// ISO `YYYY-MM-DD` (with the time when there is one), booleans as
/// `TRUE`/`FALSE`, errors as their Excel text such as `#N/A`.
fn render(cell: &Data, out: &mut String) {
    use std::fmt::Write;
    // Writing to a String cannot fail.
    let _ = match cell {
        Data::Empty => Ok(()),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => {
            out.push_str(s);
            Ok(())
        }
        Data::Int(i) => write!(out, "{i}"),
        Data::Float(f) => write_number(*f, out),
        Data::Bool(b) => {
            out.push_str(if *b { "TRUE" } else { "FALSE" });
            Ok(())
        }
        Data::Error(e) => write!(out, "{e}"),
        Data::DateTime(dt) if dt.is_datetime() && (0.0..MAX_SERIAL).contains(&dt.as_f64()) => {
            write_datetime(dt, out)
        }
        Data::DateTime(dt) => write_number(dt.as_f64(), out),
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

    fn rendered(cell: Data) -> String {
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
        assert_eq!(rendered(Data::Empty), "");
        assert_eq!(rendered(Data::Int(-7)), "-7");
        assert_eq!(rendered(Data::Float(1234567890.0)), "1234567890");
        assert_eq!(rendered(Data::Float(-3.5)), "-3.5");
        assert_eq!(rendered(Data::Bool(false)), "FALSE");
        assert_eq!(rendered(Data::Error(CellErrorType::NA)), "#N/A");
        assert_eq!(rendered(Data::Error(CellErrorType::Div0)), "#DIV/0!");
        let date = |serial, kind| Data::DateTime(calamine::ExcelDateTime::new(serial, kind, false));
        use calamine::ExcelDateTimeType::{DateTime, TimeDelta};
        assert_eq!(rendered(date(45356.0, DateTime)), "2024-03-05");
        assert_eq!(rendered(date(45356.75, DateTime)), "2024-03-05 18:00:00");
        assert_eq!(rendered(date(45356.9999999, DateTime)), "2024-03-06");
        assert_eq!(rendered(date(0.5, DateTime)), "12:00:00");
        assert_eq!(rendered(date(1.5, TimeDelta)), "1.5");
        assert_eq!(rendered(date(1e300, DateTime)), format!("{}", 1e300));
        assert_eq!(rendered(date(-2.0, DateTime)), "-2");
        assert_eq!(
            rendered(Data::DateTimeIso("2024-01-02".into())),
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

    #[test]
    fn looks_like_xlsx_checks_the_zip_magic() {
        assert!(looks_like_xlsx(b"PK\x03\x04rest"));
        assert!(!looks_like_xlsx(b"name,email\n"));
    }
}
