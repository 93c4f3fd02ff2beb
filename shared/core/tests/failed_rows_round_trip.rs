//! The promise of the failed-rows export: the downloaded workbook, once the
//! admin has fixed its cells, imports as it is.

use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
use dic_core::catalog::Entity;
use dic_core::chunk::{ChunkLimits, ChunkMessage};
use dic_core::ids::{CompanyId, ImportId};
use dic_core::mapping::Mapping;
use dic_core::prepare::{analyze, split, FileFormat};
use dic_core::template::ImportSettings;
use dic_core::validate::{ErrorCode, RowOutcome, Validator};
use dic_core::xlsx_in::read_xlsx;
use dic_core::xlsx_out::{failed_rows_xlsx, FailedRow};
use std::io::Cursor;

const FORMULA: &str = r#"=HYPERLINK("http://x","y")"#;

/// Rows 3 and 4 fail; row 3 carries a formula-looking note, a quoted comma
/// and an ID with leading zeros, which must all come back as typed.
const STAFF: &str = "Email,First Name,Last Name,Status,Employee ID,Hire Date,Phone,Notes\r\n\
    ann@example.com,Ann,Lee,Active,00123,2024-01-05,(555) 234-5678,ok\r\n\
    bad-email,\"Bob, Jr.\",Ray,Active,00124,2024-01-06,555-234-5679,\"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"\r\n\
    cy@example.com,,Day,Retired,00125,2024-02-30,,0012\r\n\
    dee@example.com,Dee,Fox,A,00126,03/15/2024,555.234.5680,\r\n";

fn mapping() -> Mapping {
    Mapping::from_iter([
        ("Email", "email"),
        ("First Name", "first_name"),
        ("Last Name", "last_name"),
        ("Status", "employee_status"),
        ("Employee ID", "employee_id"),
        ("Hire Date", "hire_date"),
        ("Phone", "phone"),
    ])
}

/// analyze → split → validate, as the splitter and the processors do.
fn import(bytes: &[u8]) -> (Vec<String>, Vec<ChunkMessage>) {
    let (analysis, table) = analyze(Entity::Employees, bytes).unwrap();
    let chunks = split(
        &CompanyId::parse("acme").unwrap(),
        &ImportId::parse("imp-1").unwrap(),
        Entity::Employees,
        table,
        &mapping(),
        ImportSettings::default(),
        ChunkLimits::default(),
    )
    .unwrap();
    (analysis.headers.names, chunks)
}

/// The failed rows of an import, as the export receives them.
fn failed_rows(chunks: &[ChunkMessage]) -> Vec<FailedRow> {
    let mut failed = Vec::new();
    for chunk in chunks {
        let validator = Validator::new(&chunk.plan);
        for row in &chunk.rows {
            if let RowOutcome::Invalid { errors, .. } = validator.validate_chunk_row(row) {
                failed.push(FailedRow {
                    number: row.row.number,
                    cells: row.row.cells.iter().map(str::to_string).collect(),
                    errors,
                });
            }
        }
    }
    failed
}

/// The exported sheet's cells as strings, header row included.
fn sheet_cells(xlsx: &[u8]) -> Vec<Vec<String>> {
    let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(xlsx)).unwrap();
    let name = workbook.sheet_names()[0].clone();
    let range = workbook.worksheet_range(&name).unwrap();
    range
        .rows()
        .map(|row| {
            row.iter()
                .map(|cell| match cell {
                    Data::String(s) => s.clone(),
                    Data::Empty => String::new(),
                    other => panic!("the export wrote a non-text cell: {other:?}"),
                })
                .collect()
        })
        .collect()
}

#[test]
fn a_fixed_failed_rows_file_imports_as_it_is() {
    // 1. The original import: rows 3 and 4 fail.
    let (headers, chunks) = import(STAFF.as_bytes());
    let failed = failed_rows(&chunks);
    let codes: Vec<(u32, Vec<ErrorCode>)> = failed
        .iter()
        .map(|f| (f.number.0, f.errors.iter().map(|e| e.code).collect()))
        .collect();
    assert_eq!(
        codes,
        vec![
            (3, vec![ErrorCode::InvalidEmail]),
            (
                4,
                vec![
                    ErrorCode::MissingValue,
                    ErrorCode::InvalidChoice,
                    ErrorCode::InvalidDate
                ]
            ),
        ]
    );

    // 2. The export, read back: the original headers and raw cells, with
    // the export's Row and Errors columns left out.
    let xlsx = failed_rows_xlsx(&headers, &failed).unwrap();
    let back = read_xlsx(&xlsx).unwrap();
    assert_eq!(back.headers.names, headers);
    let back_cells: Vec<Vec<&str>> = back.rows.iter().map(|r| r.cells.iter().collect()).collect();
    let sent_cells: Vec<Vec<&str>> = failed
        .iter()
        .map(|f| f.cells.iter().map(String::as_str).collect())
        .collect();
    assert_eq!(back_cells, sent_cells);
    assert_eq!(back.rows[0].cell(7), FORMULA);
    assert_eq!(back.rows[0].cell(1), "Bob, Jr.");
    assert_eq!(back.rows[1].cell(4), "00125");
    assert_eq!(back.rows[1].cell(7), "0012");
    // The same through the upload path.
    let (analysis, _) = analyze(Entity::Employees, &xlsx).unwrap();
    assert_eq!(analysis.format, FileFormat::Xlsx);
    assert_eq!(analysis.headers.names, headers);
    assert_eq!(analysis.row_count, 2);

    // 3. The admin fixes the cells in place, leaving Row and Errors as the
    // export wrote them, and uploads the workbook again.
    let exported = sheet_cells(&xlsx);
    assert_eq!(exported[0].first().map(String::as_str), Some("Row"));
    assert_eq!(exported[0].last().map(String::as_str), Some("Errors"));
    let column = |name: &str| 1 + headers.iter().position(|h| h == name).unwrap();
    let mut fixed = exported.clone();
    fixed[1][column("Email")] = "bob@example.com".to_string();
    fixed[2][column("First Name")] = "Cy".to_string();
    fixed[2][column("Status")] = "Inactive".to_string();
    fixed[2][column("Hire Date")] = "2024-02-28".to_string();

    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (r, row) in (0u32..).zip(&fixed) {
        for (c, value) in (0u16..).zip(row) {
            sheet.write_string(r, c, value).unwrap();
        }
    }
    let fixed_xlsx = workbook.save_to_buffer().unwrap();

    // 4. Every row now imports, with the cells as the admin typed them.
    let (fixed_headers, chunks) = import(&fixed_xlsx);
    assert_eq!(fixed_headers, headers);
    assert!(
        failed_rows(&chunks).is_empty(),
        "{:?}",
        failed_rows(&chunks)
    );
    let rows: Vec<_> = chunks.iter().flat_map(|c| &c.rows).collect();
    assert_eq!(rows.len(), 2);
    let validator = Validator::new(&chunks[0].plan);
    let records: Vec<_> = rows
        .iter()
        .map(|r| match validator.validate_chunk_row(r) {
            RowOutcome::Valid { record, .. } => record,
            RowOutcome::Invalid { errors, .. } => panic!("{errors:?}"),
        })
        .collect();
    assert_eq!(records[0].key, "bob@example.com");
    assert_eq!(&records[0].values["first_name"], "Bob, Jr.");
    assert_eq!(&records[0].values["employee_id"], "00124");
    assert_eq!(records[1].key, "cy@example.com");
    assert_eq!(&records[1].values["employee_status"], "Inactive");
    assert_eq!(&records[1].values["hire_date"], "2024-02-28");
    assert_eq!(&records[1].values["employee_id"], "00125");
    assert_eq!(rows[0].row.cell(7), FORMULA);
}

#[test]
fn a_formula_looking_value_survives_export_and_read_back_as_text() {
    let headers = vec!["Email".to_string(), "Notes".to_string()];
    let cells = vec![FORMULA.to_string(), "=1+1".to_string()];
    let failed = vec![FailedRow {
        number: dic_core::RowNumber(2),
        cells: cells.clone(),
        errors: Vec::new(),
    }];
    let xlsx = failed_rows_xlsx(&headers, &failed).unwrap();
    let back = read_xlsx(&xlsx).unwrap();
    let back_cells: Vec<&str> = back.rows[0].cells.iter().collect();
    assert_eq!(back_cells, [FORMULA, "=1+1"]);
    // Written as text cells, not as formulas.
    let sheet = sheet_cells(&xlsx);
    assert_eq!(sheet[1][1], FORMULA);
}
