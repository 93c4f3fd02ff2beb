//! A dry run over a whole file: what validation says of every row and what
//! the valid rows would do to the stored records. Nothing is written; the
//! caller reads the stored records by key and passes them in.

use crate::catalog::Entity;
use crate::chunk::fit_row;
use crate::file_error::FileError;
use crate::mapping::Mapping;
use crate::prepare::plan_rows;
use crate::table::Table;
use crate::template::ImportSettings;
use crate::upsert::{decide, Decision, Origin, RowResult, StoredRecord};
use crate::validate::{ErrorCode, Record, RowOutcome, Validator};
use crate::RowNumber;
use std::collections::HashMap;

/// What validation says of a file.
#[derive(Debug, Default)]
pub struct FilePreview {
    /// The first rows, in file order, as validated.
    pub first_rows: Vec<(RowNumber, RowOutcome<'static>)>,
    pub rows: u64,
    pub valid: u64,
    pub invalid: u64,
    /// Rows per error code (a row with two codes counts under both).
    pub errors_by_code: HashMap<ErrorCode, u64>,
    /// Every valid row's record, to weigh against the stored ones.
    pub records: Vec<(RowNumber, Record<'static>)>,
}

/// Plans the table's rows as an import would ([`plan_rows`]) and validates
/// every one, fitted as it would travel, keeping the first `sample`
/// outcomes whole.
pub fn preview_file(
    entity: Entity,
    table: Table,
    mapping: &Mapping,
    settings: ImportSettings,
    sample: usize,
) -> Result<FilePreview, FileError> {
    let (plan, rows) = plan_rows(entity, table, mapping, settings)?;
    let validator = Validator::new(&plan);
    let mut preview = FilePreview::default();
    for row in rows {
        let row = fit_row(row);
        let outcome = validator.validate_chunk_row(&row);
        preview.rows += 1;
        match &outcome {
            RowOutcome::Valid { record, .. } => {
                preview.valid += 1;
                preview
                    .records
                    .push((row.row.number, record.clone().into_owned()));
            }
            RowOutcome::Invalid { errors, .. } => {
                preview.invalid += 1;
                let mut codes: Vec<ErrorCode> = errors.iter().map(|e| e.code).collect();
                codes.dedup();
                for code in codes {
                    *preview.errors_by_code.entry(code).or_default() += 1;
                }
            }
        }
        if preview.first_rows.len() < sample {
            preview
                .first_rows
                .push((row.row.number, outcome.into_owned()));
        }
    }
    Ok(preview)
}

/// What the valid rows would do.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WriteTally {
    pub create: u64,
    pub update: u64,
    pub unchanged: u64,
    /// Refused by the mode (create-only on an existing record, update-only
    /// on a new one).
    pub refused: u64,
}

/// Weighs each record against the stored one with the importer's own rule.
pub fn tally_writes(
    records: &[(RowNumber, Record<'_>)],
    stored: &HashMap<String, StoredRecord>,
    settings: &ImportSettings,
    import_id: &str,
) -> WriteTally {
    let mut tally = WriteTally::default();
    for (row, record) in records {
        let origin = Origin {
            import_id: import_id.to_string(),
            row: *row,
        };
        match decide(stored.get(&record.key), record, settings, &origin) {
            Decision::Apply { result, .. } => match result {
                RowResult::Created => tally.create += 1,
                RowResult::Updated => tally.update += 1,
                RowResult::Unchanged => tally.unchanged += 1,
            },
            Decision::Reject { .. } => tally.refused += 1,
        }
    }
    tally
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::suggested_mapping;
    use crate::prepare::analyze;
    use crate::template::ImportMode;

    const STAFF: &str = "Email,First Name,Last Name,Status\n\
        ann@example.com,Ann,Lee,Active\n\
        bob@example,Bob,Ray,Active\n\
        cy@example.com,Cy,,Active\n\
        ann@example.com,Ann,Lee,Active\n\
        dee@example.com,Dee,Fox,Active\n";

    /// The preview of `file` as employees, mapped as suggested.
    fn preview(file: &str, sample: usize) -> FilePreview {
        let (analysis, table) = analyze(Entity::Employees, file.as_bytes()).unwrap();
        let mapping = suggested_mapping(&analysis.suggestions, 0.5);
        preview_file(
            Entity::Employees,
            table,
            &mapping,
            ImportSettings::default(),
            sample,
        )
        .unwrap()
    }

    #[test]
    fn a_row_cut_to_travel_fails_in_the_preview_as_in_the_import() {
        let long = "x".repeat(300_000);
        let file = format!("{STAFF}eve@example.com,{long},Lin,Active\n");
        let preview = preview(&file, 10);
        assert_eq!((preview.rows, preview.valid, preview.invalid), (6, 2, 4));
        assert_eq!(preview.errors_by_code[&ErrorCode::CellTooLong], 1);
        assert!(!preview.errors_by_code.contains_key(&ErrorCode::TooLong));
    }

    #[test]
    fn every_row_is_counted_and_the_first_ones_kept_in_order() {
        let preview = preview(STAFF, 3);
        assert_eq!((preview.rows, preview.valid, preview.invalid), (5, 2, 3));
        let rows: Vec<u32> = preview.first_rows.iter().map(|(n, _)| n.0).collect();
        assert_eq!(rows, [2, 3, 4]);
        assert_eq!(preview.errors_by_code[&ErrorCode::InvalidEmail], 1);
        assert_eq!(preview.errors_by_code[&ErrorCode::DuplicateKey], 1);
        assert_eq!(preview.records.len(), 2);
    }

    #[test]
    fn stored_records_turn_creates_into_updates_or_refusals() {
        let preview = preview(STAFF, 0);
        let settings = ImportSettings::default();
        let none = tally_writes(&preview.records, &HashMap::new(), &settings, "imp");
        assert_eq!(
            none,
            WriteTally {
                create: 2,
                ..WriteTally::default()
            }
        );

        let (_, ann) = &preview.records[0];
        let mut changed = StoredRecord {
            values: ann
                .values
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            created_by: Origin {
                import_id: "earlier".into(),
                row: RowNumber(9),
            },
            updated_by: None,
        };
        let same = HashMap::from([(ann.key.clone(), changed.clone())]);
        let tally = tally_writes(&preview.records, &same, &settings, "imp");
        assert_eq!((tally.create, tally.unchanged), (1, 1));

        changed.values.insert("last_name".into(), "Older".into());
        let stale = HashMap::from([(ann.key.clone(), changed)]);
        let create_only = ImportSettings {
            mode: ImportMode::CreateOnly,
            ..settings
        };
        let tally = tally_writes(&preview.records, &stale, &create_only, "imp");
        assert_eq!((tally.create, tally.refused), (1, 1));
        assert_eq!(
            tally_writes(&preview.records, &stale, &settings, "imp").update,
            1
        );
    }
}
