//! The splitter's half of the engine: from bytes to an analysis, and from an
//! analysis and a mapping to chunks.

use crate::catalog::Entity;
use crate::chunk::{chunk_rows, ChunkLimits, ChunkMessage, ChunkRow};
use crate::decode::{decode, DecodeWarning, TextEncoding};
use crate::dialect::{sniff, Delimiter};
use crate::duplicates::profile_and_find_duplicates;
use crate::file_error::{FileError, MAX_FILE_BYTES};
use crate::headers::Headers;
use crate::ids::{CompanyId, ImportId};
use crate::limits::{
    check_headers, shown, MAX_COLUMNS, MAX_ROWS, MAX_SAMPLE_ROW_BYTES, MAX_SHOWN_CHARS,
};
use crate::mapping::{suggest, Mapping, Suggestion};
use crate::plan::ImportPlan;
use crate::row::{Cells, SourceRow};
use crate::table::{parse, Table};
use crate::template::ImportSettings;
use crate::xlsx_in::{looks_like_xlsx, read_xlsx};
use serde::{Deserialize, Serialize};

/// How many rows an analysis shows the admin.
pub const SAMPLE_ROWS: usize = 5;
/// How many rows the mapping suggestions look at.
const SUGGESTION_SAMPLE: usize = 50;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "format", rename_all = "snake_case")]
pub enum FileFormat {
    Csv {
        encoding: TextEncoding,
        delimiter: Delimiter,
    },
    Xlsx,
}

/// What the admin sees before mapping: enough to map and to trust the read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    pub format: FileFormat,
    pub headers: Headers,
    pub row_count: usize,
    pub sample_rows: Vec<SourceRow>,
    pub suggestions: Vec<Suggestion>,
    pub warnings: Vec<DecodeWarning>,
}

/// Reads a CSV (any supported encoding and dialect) or XLSX file.
/// Rejects files over [`MAX_FILE_BYTES`], empty, binary, without data
/// rows, or past a file-level limit ([`crate::limits`]: columns, header
/// lengths, rows).
pub fn read_file(bytes: &[u8]) -> Result<(Table, FileFormat, Vec<DecodeWarning>), FileError> {
    let size = bytes.len() as u64;
    if size > MAX_FILE_BYTES {
        return Err(FileError::TooLarge {
            size,
            limit: MAX_FILE_BYTES,
        });
    }
    let (table, format, warnings) = if looks_like_xlsx(bytes) {
        (read_xlsx(bytes)?, FileFormat::Xlsx, Vec::new())
    } else {
        let decoded = decode(bytes)?;
        let delimiter = sniff(&decoded.text);
        let table = parse(decoded.text, delimiter)?;
        let format = FileFormat::Csv {
            encoding: decoded.encoding,
            delimiter,
        };
        (table, format, decoded.warnings)
    };
    check_headers(&table.headers)?;
    if table.rows.is_empty() {
        return Err(FileError::NoRows);
    }
    if table.rows.len() > MAX_ROWS {
        return Err(FileError::TooManyRows { limit: MAX_ROWS });
    }
    Ok((table, format, warnings))
}

/// Reads and analyzes a file for `entity`.
pub fn analyze(entity: Entity, bytes: &[u8]) -> Result<(Analysis, Table), FileError> {
    let (table, format, warnings) = read_file(bytes)?;
    let sample = &table.rows[..table.rows.len().min(SUGGESTION_SAMPLE)];
    let analysis = Analysis {
        format,
        suggestions: suggest(entity, &table.headers, sample),
        headers: table.headers.clone(),
        row_count: table.rows.len(),
        sample_rows: table
            .rows
            .iter()
            .take(SAMPLE_ROWS)
            .map(sample_row)
            .collect(),
        warnings,
    };
    Ok((analysis, table))
}

/// A row as an analysis shows it: each cell cut after [`MAX_SHOWN_CHARS`]
/// characters, at most [`MAX_COLUMNS`] cells, and at most
/// [`MAX_SAMPLE_ROW_BYTES`] of JSON in all (the rest left out after a `…`), so
/// that a stored analysis stays far under a DynamoDB item whatever the file.
fn sample_row(row: &SourceRow) -> SourceRow {
    // No cell can be cut, nor the row be long: most rows.
    if row.cells.text_len() <= MAX_SHOWN_CHARS && row.cells.len() <= MAX_SHOWN_CHARS {
        return row.clone();
    }
    let mut left = MAX_SAMPLE_ROW_BYTES;
    let mut cells: Cells = Cells::default();
    for cell in row.cells.iter().take(MAX_COLUMNS) {
        let shown = shown(cell, MAX_SHOWN_CHARS);
        let bytes = crate::chunk::json_len(shown.as_ref()) + 1;
        if bytes > left {
            // The rest of the row is left out, and the cut marked.
            cells.push("…");
            break;
        }
        left -= bytes;
        cells.push(&shown);
    }
    SourceRow {
        number: row.number,
        cells,
    }
}

/// Plans a table's rows for `entity`: the plan (mandatory columns, and the
/// column profile settled from every row) and each row with the earlier
/// row that has its key, in file order. Splitting and preview both start
/// here, so a preview judges the rows as the import will.
pub fn plan_rows(
    entity: Entity,
    table: Table,
    mapping: &Mapping,
    settings: ImportSettings,
) -> Result<(ImportPlan, impl Iterator<Item = ChunkRow>), FileError> {
    let mut plan = ImportPlan::new(entity, &table.headers, mapping, settings)?;
    let first_rows = profile_and_find_duplicates(&mut plan, &table.rows);
    let rows = table
        .rows
        .into_iter()
        .zip(first_rows)
        .map(|(row, duplicate_of)| ChunkRow {
            duplicate_of,
            ..ChunkRow::new(row)
        });
    Ok((plan, rows))
}

/// Plans the import ([`plan_rows`]) and cuts the rows into messages.
pub fn split(
    company_id: &CompanyId,
    import_id: &ImportId,
    entity: Entity,
    table: Table,
    mapping: &Mapping,
    settings: ImportSettings,
    limits: ChunkLimits,
) -> Result<Vec<ChunkMessage>, FileError> {
    let (plan, rows) = plan_rows(entity, table, mapping, settings)?;
    Ok(chunk_rows(company_id, import_id, &plan, rows, limits))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::suggested_mapping;
    use crate::validate::{ErrorCode, RowOutcome, Validator};
    use encoding_rs::WINDOWS_1252;

    const STAFF: &str = "E-mail Address,First,Surname,Status,Hire Date\n\
        ann@example.com,Ann,Lee,Active,2024-01-05\n\
        bob@example.com,Bob,Ray,A,13/02/2024\n\
        ANN@example.com,Ann,Lee,Active,2024-01-05\n\
        bad-email,Cy,Day,Active,2024-03-01\n";

    #[test]
    fn a_file_goes_from_bytes_to_validated_chunks() {
        let (analysis, table) = analyze(Entity::Employees, STAFF.as_bytes()).unwrap();
        assert_eq!(analysis.row_count, 4);
        assert!(matches!(
            analysis.format,
            FileFormat::Csv {
                delimiter: Delimiter::Comma,
                ..
            }
        ));
        let mapping = suggested_mapping(&analysis.suggestions, 0.5);
        assert_eq!(
            mapping.0.get("Surname").map(String::as_str),
            Some("last_name")
        );
        let chunks = split(
            &CompanyId::parse("acme").unwrap(),
            &ImportId::parse("i1").unwrap(),
            Entity::Employees,
            table,
            &mapping,
            ImportSettings::default(),
            ChunkLimits::default(),
        )
        .unwrap();
        assert_eq!(chunks.len(), 1);
        let chunk = &chunks[0];
        let validator = Validator::new(&chunk.plan);
        let outcomes: Vec<_> = chunk
            .rows
            .iter()
            .map(|r| (r.row.number.0, validator.validate(&r.row, r.duplicate_of)))
            .collect();
        let failed: Vec<(u32, Vec<ErrorCode>)> = outcomes
            .iter()
            .filter_map(|(n, o)| match o {
                RowOutcome::Invalid { errors, .. } => {
                    Some((*n, errors.iter().map(|e| e.code).collect()))
                }
                RowOutcome::Valid { .. } => None,
            })
            .collect();
        assert_eq!(
            failed,
            vec![
                (4, vec![ErrorCode::DuplicateKey]),
                (5, vec![ErrorCode::InvalidEmail])
            ]
        );
        // 13/02/2024 settles the column as day-first.
        let RowOutcome::Valid { record, .. } = &outcomes[1].1 else {
            panic!("row 3 should pass")
        };
        assert_eq!(&record.values["hire_date"], "2024-02-13");
        assert_eq!(&record.values["employee_status"], "Active");
    }

    #[test]
    fn files_that_cannot_be_imported_say_why() {
        assert_eq!(read_file(b"").unwrap_err(), FileError::Empty);
        assert_eq!(
            read_file(b"Email,First Name\n").unwrap_err(),
            FileError::NoRows
        );
        let big = vec![b'a'; MAX_FILE_BYTES as usize + 1];
        assert!(matches!(
            read_file(&big).unwrap_err(),
            FileError::TooLarge { .. }
        ));
        let (_, table) =
            analyze(Entity::Employees, b"Email,First Name\na@example.com,Ann\n").unwrap();
        let mapping = Mapping::from_iter([("Email", "email")]);
        let err = split(
            &CompanyId::parse("acme").unwrap(),
            &ImportId::parse("i1").unwrap(),
            Entity::Employees,
            table,
            &mapping,
            ImportSettings::default(),
            ChunkLimits::default(),
        )
        .unwrap_err();
        assert!(matches!(err, FileError::MissingMandatory { .. }), "{err}");
        assert!(err.to_string().contains("Last Name"), "{err}");
    }

    #[test]
    fn impossible_headers_fail_the_file_with_a_reason() {
        use crate::limits::{MAX_COLUMNS, MAX_HEADER_CHARS, MAX_HEADER_ROW_BYTES};
        // A 500 KB header cell: the first row is data, not names.
        let long = "é".repeat(250_000);
        let csv = format!("Email,{long}\na@b.co,1\n");
        assert_eq!(
            read_file(csv.as_bytes()).unwrap_err(),
            FileError::HeaderTooLong {
                column: 2,
                chars: 250_000,
                limit: MAX_HEADER_CHARS
            }
        );
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(0, 0, "Email").unwrap();
        sheet.write_string(0, 1, "x".repeat(30_000)).unwrap();
        sheet.write_string(1, 0, "a@b.co").unwrap();
        let err = read_file(&book.save_to_buffer().unwrap()).unwrap_err();
        assert_eq!(err.code(), "header_too_long", "{err}");

        let names = |count: usize, width: usize| -> String {
            (0..count)
                .map(|i| format!("{i:0>width$}"))
                .collect::<Vec<_>>()
                .join(",")
        };
        let too_wide = format!("{}\n{}\n", names(MAX_COLUMNS + 1, 1), "1,".repeat(5));
        assert_eq!(
            read_file(too_wide.as_bytes()).unwrap_err(),
            FileError::TooManyColumns {
                columns: MAX_COLUMNS + 1,
                limit: MAX_COLUMNS
            }
        );
        // Each name within its limit, together too long for a message.
        let too_long = format!("{}\n1\n", names(200, 200));
        assert_eq!(
            read_file(too_long.as_bytes()).unwrap_err(),
            FileError::HeaderRowTooLong {
                bytes: 200 * 203 + 1,
                limit: MAX_HEADER_ROW_BYTES
            }
        );
        let fine = format!("{}\n1\n", names(MAX_COLUMNS, 20));
        assert!(read_file(fine.as_bytes()).is_ok());
    }

    #[test]
    fn an_analysis_shows_samples_cut_and_stays_far_under_a_dynamodb_item() {
        use crate::limits::{MAX_COLUMNS, MAX_HEADER_ROW_BYTES};
        // A 500 KB sample cell, and rows as wide and as costly as allowed.
        let cell = "x".repeat(500_000);
        let csv = format!("Email,Notes\na@b.co,{cell}\nb@b.co,short\n");
        let (analysis, table) = analyze(Entity::Employees, csv.as_bytes()).unwrap();
        assert_eq!(table.rows[0].cell(1).len(), 500_000);
        let shown = analysis.sample_rows[0].cell(1);
        assert_eq!(shown.chars().count(), MAX_SHOWN_CHARS + 1);
        assert!(shown.ends_with('…'));
        assert_eq!(analysis.sample_rows[1], table.rows[1]);
        assert!(serde_json::to_string(&analysis).unwrap().len() < 10_000);

        let width = MAX_HEADER_ROW_BYTES / 64;
        let header: Vec<String> = (0..width).map(|i| format!("{i:\"<30}")).collect();
        let costly = "\\é\"".repeat(100);
        let row = vec![costly.as_str(); MAX_COLUMNS + 500].join(",");
        let csv = format!("{}\n{}\n", header.join(","), vec![row; 10].join("\n"));
        let (analysis, _) = analyze(Entity::Employees, csv.as_bytes()).unwrap();
        assert_eq!(analysis.headers.names.len(), width);
        let json = serde_json::to_string(&analysis).unwrap();
        assert!(json.len() < 200_000, "{} bytes", json.len());
        for row in &analysis.sample_rows {
            let bytes = serde_json::to_string(&row.cells).unwrap().len();
            assert!(bytes <= MAX_SAMPLE_ROW_BYTES + 8, "{bytes}");
        }
    }

    #[test]
    fn the_widest_analysis_stays_under_half_a_dynamodb_item() {
        use crate::limits::{MAX_COLUMNS, MAX_HEADER_ROW_BYTES};
        // As many columns as allowed, named as long as the header row
        // allows, every name twice, and rows of long costly cells.
        let names: Vec<String> = (0..MAX_COLUMNS)
            .map(|i| format!("{:0>29}", i / 2))
            .collect();
        let header = names.join(",");
        assert!(crate::chunk::json_len(&names) <= MAX_HEADER_ROW_BYTES);
        let cell = "\\é\"".repeat(200);
        let row = vec![cell.as_str(); MAX_COLUMNS].join(",");
        let csv = format!("{header}\n{}\n", vec![row; 10].join("\n"));
        let (analysis, _) = analyze(Entity::Providers, csv.as_bytes()).unwrap();
        assert_eq!(analysis.suggestions.len(), MAX_COLUMNS);
        let json = serde_json::to_string(&analysis).unwrap();
        assert!(json.len() < 150_000, "{} bytes", json.len());
    }

    #[test]
    fn more_rows_than_a_sheet_holds_fail_the_file() {
        let mut csv = String::from("Email\n");
        csv.push_str(&"a\n".repeat(MAX_ROWS));
        assert_eq!(read_file(csv.as_bytes()).unwrap().0.rows.len(), MAX_ROWS);
        csv.push_str("a\n");
        assert_eq!(
            read_file(csv.as_bytes()).unwrap_err(),
            FileError::TooManyRows { limit: MAX_ROWS }
        );
    }

    #[test]
    fn a_file_reads_the_same_in_every_encoding() {
        let text = "Email;Name;Note\r\nann@example.com;Zoë;\"café; \"\"crème\"\"\"\r\n\r\nbob@example.com;Rémi;ok\r\n";
        let (utf8, _, _) = read_file(text.as_bytes()).unwrap();
        let (cp1252, _, _) = WINDOWS_1252.encode(text);
        let mut utf16le = vec![0xFF, 0xFE];
        utf16le.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        let mut utf16be = vec![0xFE, 0xFF];
        utf16be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
        for (bytes, encoding) in [
            (cp1252.to_vec(), TextEncoding::Windows1252),
            (utf16le, TextEncoding::Utf16Le),
            (utf16be, TextEncoding::Utf16Be),
        ] {
            let (table, format, _) = read_file(&bytes).unwrap();
            assert_eq!(
                format,
                FileFormat::Csv {
                    encoding,
                    delimiter: Delimiter::Semicolon
                }
            );
            assert_eq!(table, utf8, "{encoding:?}");
        }
        assert_eq!(utf8.rows[0].cell(2), "café; \"crème\"");
        assert_eq!(utf8.rows[1].number.0, 4);
    }
}
