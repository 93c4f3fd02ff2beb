//! The failed-rows workbook: the admin's own columns back, with the row
//! number and the errors, offending cells marked. Every value is a text cell
//! formatted `@`, never a formula, and never altered by escaping.

use crate::row::RowNumber;
use crate::validate::{ErrorCode, RowError};
use rust_xlsxwriter::{ColNum, Color, Format, Note, RowNum, Workbook, XlsxError};

/// A row to put in the workbook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailedRow {
    pub number: RowNumber,
    pub cells: Vec<String>,
    pub errors: Vec<RowError>,
}

#[derive(Debug, thiserror::Error)]
#[error("cannot write the failed-rows workbook: {0}")]
pub struct ExportError(#[from] rust_xlsxwriter::XlsxError);

/// The one sheet's name.
pub const SHEET_NAME: &str = "Failed rows";
/// Excel's longest cell text, counted in UTF-16 units as Excel counts.
pub const MAX_CELL_CHARS: usize = 32_767;
/// Keeps a note readable and under Excel's own note limit.
const MAX_NOTE_CHARS: usize = 2_000;
/// Light red, as Excel's own "bad" cell style.
const MARK_COLOR: u32 = 0xFFC7CE;
const NOTE_AUTHOR: &str = "Data Import Center";

/// Renders the workbook: `Row`, the original headers in order, `Errors`.
///
/// Text cells with the `@` number format keep `=HYPERLINK(..)`, `0012` and
/// `1.23E+10` exactly as typed, also after the admin edits them in Excel,
/// where a leading apostrophe or a formula would change the value.
pub fn failed_rows_xlsx(headers: &[String], rows: &[FailedRow]) -> Result<Vec<u8>, ExportError> {
    let errors_col = ColNum::try_from(headers.len() + 1)
        .map_err(|_| ExportError(XlsxError::RowColumnLimitError))?;
    let text = Format::new().set_num_format("@");
    let bold = text.clone().set_bold();
    let marked = text.clone().set_background_color(Color::RGB(MARK_COLOR));

    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(SHEET_NAME)?;
    // Text as the columns' default, so cells the admin adds stay text too.
    for col in 0..=errors_col {
        sheet.set_column_format(col, &text)?;
    }
    sheet.set_column_width(0, 8)?;
    for col in 1..errors_col {
        sheet.set_column_width(col, 18)?;
    }
    sheet.set_column_width(errors_col, 60)?;

    sheet.write_string_with_format(0, 0, "Row", &bold)?;
    for (col, header) in (1..).zip(headers) {
        sheet.write_string_with_format(0, col, fit_cell(header).0, &bold)?;
    }
    sheet.write_string_with_format(0, errors_col, "Errors", &bold)?;

    let mut last_row: RowNum = 0;
    for (row, failed) in (1..).zip(rows) {
        last_row = row;
        let layout = RowLayout::new(headers, failed);
        for (col, cell) in (0..).zip(&layout.cells) {
            let format = if cell.marked { &marked } else { &text };
            sheet.write_string_with_format(row, col, &cell.value, format)?;
            if !cell.note.is_empty() {
                let note = Note::new(cell.note.as_str())
                    .set_author(NOTE_AUTHOR)
                    .add_author_prefix(false)
                    .set_width(320)
                    .set_height(120);
                sheet.insert_note(row, col, &note)?;
            }
        }
        sheet.write_string_with_format(row, errors_col, &layout.errors, &text)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, last_row, errors_col)?;
    Ok(workbook.save_to_buffer()?)
}

/// What one failed row puts in each cell: decided apart from the writer so
/// the rules can be tested without reading a workbook back.
#[derive(Debug, PartialEq)]
struct RowLayout {
    /// `Row`, then one cell per header.
    cells: Vec<CellLayout>,
    errors: String,
}

#[derive(Debug, Default, PartialEq)]
struct CellLayout {
    value: String,
    marked: bool,
    /// Empty for no note.
    note: String,
}

impl RowLayout {
    fn new(headers: &[String], failed: &FailedRow) -> RowLayout {
        let mut cells = Vec::with_capacity(headers.len() + 1);
        cells.push(CellLayout {
            value: failed.number.to_string(),
            ..CellLayout::default()
        });
        for column in 0..headers.len() {
            let raw = failed.cells.get(column).map_or("", String::as_str);
            let (value, cut) = fit_cell(raw);
            cells.push(CellLayout {
                value: value.to_string(),
                marked: false,
                note: if cut {
                    format!(
                        "The value was longer than Excel's {MAX_CELL_CHARS}-character cell limit and is cut to it here."
                    )
                } else {
                    String::new()
                },
            });
        }

        let mut errors = Vec::with_capacity(failed.errors.len() + 1);
        for error in &failed.errors {
            let label = error
                .header
                .as_deref()
                .or_else(|| {
                    error
                        .column
                        .and_then(|c| headers.get(c))
                        .map(String::as_str)
                })
                .unwrap_or("Row");
            errors.push(format!("{label}: {}", error.message));
            // Errors in a column the header row lacks mark the row number.
            let target = error
                .column
                .filter(|&c| c < headers.len())
                .map_or(0, |c| c + 1);
            if let Some(cell) = cells.get_mut(target) {
                cell.marked = true;
                if !cell.note.is_empty() {
                    cell.note.push('\n');
                }
                cell.note.push_str(&code_name(error.code));
                cell.note.push_str(": ");
                cell.note.push_str(&error.message);
            }
        }
        let extras: Vec<String> = failed
            .cells
            .iter()
            .skip(headers.len())
            .filter(|c| !c.trim().is_empty())
            .map(|c| format!("{c:?}"))
            .collect();
        if !extras.is_empty() {
            errors.push(format!(
                "Row: cells beyond the last column, not shown: {}",
                extras.join(", ")
            ));
        }
        for cell in &mut cells {
            if cell.note.chars().count() > MAX_NOTE_CHARS {
                cell.note = cell.note.chars().take(MAX_NOTE_CHARS - 1).collect();
                cell.note.push('…');
            }
        }
        let errors = errors.join("; ");
        let errors = fit_cell(&errors).0.to_string();
        RowLayout { cells, errors }
    }
}

/// The value cut to Excel's cell limit, and whether it was cut.
fn fit_cell(value: &str) -> (&str, bool) {
    // Cheap exit: UTF-8 bytes never undercount UTF-16 units.
    if value.len() <= MAX_CELL_CHARS {
        return (value, false);
    }
    let mut units = 0;
    for (i, c) in value.char_indices() {
        units += c.len_utf16();
        if units > MAX_CELL_CHARS {
            return (&value[..i], true);
        }
    }
    (value, false)
}

/// The stable snake_case code, as the API and row logs show it.
fn code_name(code: ErrorCode) -> String {
    match serde_json::to_value(code) {
        Ok(serde_json::Value::String(name)) => name,
        _ => format!("{code:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
    use std::io::Cursor;

    fn error(
        code: ErrorCode,
        column: Option<usize>,
        header: Option<&str>,
        message: &str,
    ) -> RowError {
        RowError {
            code,
            column,
            header: header.map(String::from),
            field: None,
            value: String::new(),
            message: message.to_string(),
        }
    }

    fn strings(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| c.to_string()).collect()
    }

    fn open(bytes: Vec<u8>) -> Xlsx<Cursor<Vec<u8>>> {
        open_workbook_from_rs(Cursor::new(bytes)).unwrap()
    }

    /// Every cell as text; `None` for an empty cell. Panics on a non-string.
    fn read_back(bytes: Vec<u8>) -> Vec<Vec<Option<String>>> {
        let mut workbook = open(bytes);
        assert_eq!(workbook.sheet_names(), [SHEET_NAME]);
        let range = workbook.worksheet_range(SHEET_NAME).unwrap();
        assert_eq!(range.start(), Some((0, 0)));
        range
            .rows()
            .map(|row| {
                row.iter()
                    .map(|cell| match cell {
                        Data::String(s) => Some(s.clone()),
                        Data::Empty => None,
                        other => panic!("not a string cell: {other:?}"),
                    })
                    .collect()
            })
            .collect()
    }

    const TRICKY: [&str; 14] = [
        "=HYPERLINK(\"http://x\")",
        "+1 555",
        "-5",
        "0012",
        "1.23E+10",
        "Zoë 🙂 東京",
        "line1\nline2",
        "'quoted",
        "TRUE",
        "_x0041_",
        "  padded  ",
        "@SUM(A1)",
        "tab\there",
        "bell\u{7}",
    ];

    #[test]
    fn headers_and_cells_come_back_exactly_as_strings() {
        let headers = strings(&["Email", "=1+1", "Notes"]);
        let mut rows = Vec::new();
        for (i, tricky) in TRICKY.iter().enumerate() {
            rows.push(FailedRow {
                number: RowNumber(i as u32 + 2),
                cells: strings(&["a@b.co", tricky, tricky]),
                errors: vec![error(
                    ErrorCode::InvalidEmail,
                    Some(0),
                    Some("Email"),
                    "bad",
                )],
            });
        }
        let back = read_back(failed_rows_xlsx(&headers, &rows).unwrap());
        let some = |s: &str| Some(s.to_string());
        assert_eq!(
            back[0],
            [
                some("Row"),
                some("Email"),
                some("=1+1"),
                some("Notes"),
                some("Errors")
            ]
        );
        assert_eq!(back.len(), TRICKY.len() + 1);
        for (i, tricky) in TRICKY.iter().enumerate() {
            let row = &back[i + 1];
            assert_eq!(row[0], Some((i + 2).to_string()));
            assert_eq!(row[1], some("a@b.co"));
            assert_eq!(row[2], some(tricky), "row {i}");
            assert_eq!(row[3], some(tricky), "row {i}");
            assert_eq!(row[4], some("Email: bad"));
        }
    }

    #[test]
    fn no_cell_is_a_formula() {
        let headers = strings(&["A", "B"]);
        let rows = vec![FailedRow {
            number: RowNumber(2),
            cells: strings(&["=1+2", "=HYPERLINK(\"http://x\",\"y\")"]),
            errors: vec![error(ErrorCode::InvalidChoice, None, None, "=bad")],
        }];
        let mut workbook = open(failed_rows_xlsx(&headers, &rows).unwrap());
        let formulas = workbook.worksheet_formula(SHEET_NAME).unwrap();
        assert!(
            formulas.used_cells().all(|(_, _, f)| f.is_empty()),
            "{:?}",
            formulas
        );
        let values = workbook.worksheet_range(SHEET_NAME).unwrap();
        assert_eq!(values.get_value((1, 1)), Some(&Data::String("=1+2".into())));
        assert_eq!(
            values.get_value((1, 3)),
            Some(&Data::String("Row: =bad".into()))
        );
    }

    #[test]
    fn errors_column_reads_header_and_message_and_stays_last() {
        let headers = strings(&["Email", "First", "Status"]);
        let rows = vec![
            FailedRow {
                number: RowNumber(7),
                cells: strings(&["x", "", "Maybe"]),
                errors: vec![
                    error(
                        ErrorCode::InvalidEmail,
                        Some(0),
                        Some("Email"),
                        "\"x\" is not an email address",
                    ),
                    error(
                        ErrorCode::MissingValue,
                        Some(1),
                        None,
                        "First Name is required",
                    ),
                    error(ErrorCode::DuplicateKey, None, None, "Same email as row 3"),
                ],
            },
            // Ragged: one cell short, and one with extra cells.
            FailedRow {
                number: RowNumber(9),
                cells: strings(&["a@b.co"]),
                errors: vec![error(
                    ErrorCode::MissingCells,
                    None,
                    None,
                    "The row has 1 of 3 cells",
                )],
            },
            FailedRow {
                number: RowNumber(10),
                cells: strings(&["a@b.co", "Al", "Active", "", "spill", "=2"]),
                errors: vec![error(
                    ErrorCode::ExtraCells,
                    Some(4),
                    None,
                    "Cells beyond the header",
                )],
            },
        ];
        let back = read_back(failed_rows_xlsx(&headers, &rows).unwrap());
        let errors: Vec<Option<String>> = back.iter().map(|r| r[4].clone()).collect();
        assert_eq!(
            errors,
            [
                Some("Errors".into()),
                Some("Email: \"x\" is not an email address; First: First Name is required; Row: Same email as row 3".into()),
                Some("Row: The row has 1 of 3 cells".into()),
                Some("Row: Cells beyond the header; Row: cells beyond the last column, not shown: \"spill\", \"=2\"".into()),
            ]
        );
        assert_eq!(
            back[2][..4],
            [Some("9".into()), Some("a@b.co".into()), None, None]
        );
        assert_eq!(
            back[3][..4],
            [
                Some("10".into()),
                Some("a@b.co".into()),
                Some("Al".into()),
                Some("Active".into())
            ]
        );
        assert!(back.iter().all(|r| r.len() == 5), "nothing after Errors");
    }

    #[test]
    fn offending_cells_are_marked_with_a_note_and_row_errors_mark_the_row_number() {
        let headers = strings(&["Email", "First"]);
        let row = FailedRow {
            number: RowNumber(4),
            cells: strings(&["x", "", "extra"]),
            errors: vec![
                error(
                    ErrorCode::InvalidEmail,
                    Some(0),
                    Some("Email"),
                    "not an email",
                ),
                error(ErrorCode::TooLong, Some(0), Some("Email"), "too long"),
                error(ErrorCode::DuplicateKey, None, None, "same as row 2"),
                error(ErrorCode::ExtraCells, Some(2), None, "extra cells"),
            ],
        };
        let layout = RowLayout::new(&headers, &row);
        let marks: Vec<(bool, &str)> = layout
            .cells
            .iter()
            .map(|c| (c.marked, c.note.as_str()))
            .collect();
        assert_eq!(
            marks,
            [
                (
                    true,
                    "duplicate_key: same as row 2\nextra_cells: extra cells"
                ),
                (true, "invalid_email: not an email\ntoo_long: too long"),
                (false, ""),
            ]
        );
        assert_eq!(layout.cells[0].value, "4");
        // The notes are in the file.
        let bytes = failed_rows_xlsx(&headers, &[row]).unwrap();
        assert!(contains(&bytes, b"xl/comments1.xml"));
        let clean = FailedRow {
            number: RowNumber(2),
            cells: strings(&["a"]),
            errors: vec![],
        };
        assert!(!contains(
            &failed_rows_xlsx(&headers, &[clean]).unwrap(),
            b"xl/comments1.xml"
        ));
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn values_over_the_cell_limit_are_cut_and_the_note_says_so() {
        let long = "é".repeat(MAX_CELL_CHARS + 10);
        let emoji = format!("a{}", "🙂".repeat(MAX_CELL_CHARS / 2 + 1));
        let headers = strings(&["Notes", "Emoji"]);
        let row = FailedRow {
            number: RowNumber(2),
            cells: vec![long.clone(), emoji.clone()],
            errors: vec![error(ErrorCode::TooLong, Some(0), None, "too long")],
        };
        let layout = RowLayout::new(&headers, &row);
        assert_eq!(layout.cells[1].value.chars().count(), MAX_CELL_CHARS);
        assert!(layout.cells[1]
            .note
            .starts_with("The value was longer than Excel's 32767-character cell limit"));
        assert!(layout.cells[1].note.ends_with("too_long: too long"));
        // Emoji take two UTF-16 units each, as Excel counts.
        assert_eq!(layout.cells[2].value.encode_utf16().count(), MAX_CELL_CHARS);
        assert!(layout.cells[2].note.contains("cut"));

        let back = read_back(failed_rows_xlsx(&headers, &[row]).unwrap());
        assert_eq!(back[1][1].as_deref(), Some(&long[..MAX_CELL_CHARS * 2]));
        assert_eq!(
            back[1][2].as_deref().map(str::len),
            Some(layout.cells[2].value.len())
        );
    }

    #[test]
    fn an_empty_export_still_has_the_header_row() {
        let back = read_back(failed_rows_xlsx(&strings(&["A"]), &[]).unwrap());
        assert_eq!(
            back,
            [[
                Some("Row".to_string()),
                Some("A".into()),
                Some("Errors".into())
            ]]
        );
    }

    #[test]
    fn code_names_are_the_api_codes() {
        assert_eq!(code_name(ErrorCode::InvalidNpi), "invalid_npi");
        assert_eq!(code_name(ErrorCode::RecordNotFound), "record_not_found");
    }
}
