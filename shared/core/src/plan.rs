//! The import plan: what every row processor needs to validate rows alike,
//! built by the splitter, which is the only part that sees the whole file.
//!
//! Column-wide facts (the day/month order of a date column, the width of an
//! ID column whose values keep leading zeros) and duplicate keys are settled
//! here, so no outcome depends on which worker ran first.

use crate::catalog::{Entity, FieldType};
use crate::file_error::FileError;
use crate::headers::Headers;
use crate::mapping::Mapping;
use crate::rules::template_order;
pub use crate::rules::DateOrder;
use crate::template::ImportSettings;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

pub(crate) mod profile;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportPlan {
    pub entity: Entity,
    /// The file's headers, for error reports and the failed-rows export.
    pub headers: Vec<String>,
    /// Mapped columns only.
    pub columns: Vec<PlannedColumn>,
    pub settings: ImportSettings,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedColumn {
    pub column: usize,
    pub field: String,
    /// For date columns: the order slash dates are read in, when the
    /// template or the column settles it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_order: Option<DateOrder>,
    /// For ID columns: the width most values share with leading zeros kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_width: Option<u8>,
}

impl ImportPlan {
    /// Fails with [`FileError::MissingMandatory`] when a mandatory field has
    /// no column. Headers the mapping names but the file lacks are ignored.
    pub fn new(
        entity: Entity,
        headers: &Headers,
        mapping: &Mapping,
        settings: ImportSettings,
    ) -> Result<ImportPlan, FileError> {
        let mut columns: Vec<PlannedColumn> = mapping
            .0
            .iter()
            .filter_map(|(header, field)| {
                let column = headers.position(header)?;
                let field = entity.field(field)?;
                Some(PlannedColumn {
                    column,
                    field: field.id.to_string(),
                    date_order: match field.field_type {
                        FieldType::Date => template_order(settings.date_format),
                        _ => None,
                    },
                    id_width: None,
                })
            })
            .collect();
        columns.sort_by_key(|c| c.column);
        // A field mapped from two columns is read from the first one only.
        let mut seen = HashSet::new();
        columns.retain(|c| seen.insert(c.field.clone()));

        let missing: Vec<String> = entity
            .mandatory_fields()
            .filter(|f| !columns.iter().any(|c| c.field == f.id))
            .map(|f| f.label.to_string())
            .collect();
        if !missing.is_empty() {
            return Err(FileError::MissingMandatory {
                entity,
                fields: missing,
            });
        }
        Ok(ImportPlan {
            entity,
            headers: headers.names.clone(),
            columns,
            settings,
        })
    }

    /// Settles column-wide facts from every row of the file.
    #[cfg(test)]
    pub(crate) fn profile(&mut self, rows: &[crate::row::SourceRow]) {
        let mut stats = profile::ColumnStats::new(self);
        rows.iter().for_each(|row| stats.add(row));
        stats.settle(self);
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::row::{Cells, RowNumber, SourceRow};
    use crate::rules::DateFormat;

    pub(crate) fn headers(names: &[&str]) -> Headers {
        Headers {
            names: names.iter().map(|n| n.to_string()).collect(),
            problems: vec![],
        }
    }

    pub(crate) fn row(number: u32, cells: &[&str]) -> SourceRow {
        SourceRow {
            number: RowNumber(number),
            cells: cells.iter().collect::<Cells>(),
        }
    }

    pub(crate) fn enrollments() -> ImportPlan {
        ImportPlan::new(
            Entity::Enrollments,
            &headers(&["Course", "Learner", "Due"]),
            &Mapping::from_iter([
                ("Learner", "employee_email"),
                ("Course", "course_code"),
                ("Due", "due_date"),
            ]),
            ImportSettings::default(),
        )
        .unwrap()
    }

    pub(crate) fn column<'a>(plan: &'a ImportPlan, field: &str) -> &'a PlannedColumn {
        plan.columns.iter().find(|c| c.field == field).unwrap()
    }

    #[test]
    fn new_keeps_mapped_known_columns_in_file_order() {
        let plan = ImportPlan::new(
            Entity::Locations,
            &headers(&["Name", "Junk", "Code", "Zip"]),
            &Mapping::from_iter([
                ("Code", "location_code"),
                ("Name", "name"),
                ("Zip", "address_zip"),
                ("Junk", "not_a_field"),
                ("Absent", "address_city"),
            ]),
            ImportSettings::default(),
        )
        .unwrap();
        let fields: Vec<(usize, &str)> = plan
            .columns
            .iter()
            .map(|c| (c.column, c.field.as_str()))
            .collect();
        assert_eq!(
            fields,
            [(0, "name"), (2, "location_code"), (3, "address_zip")]
        );
        assert_eq!(plan.headers, ["Name", "Junk", "Code", "Zip"]);
    }

    #[test]
    fn new_lists_missing_mandatory_fields_by_label() {
        let err = ImportPlan::new(
            Entity::Employees,
            &headers(&["Email", "First"]),
            &Mapping::from_iter([("Email", "email"), ("First", "first_name")]),
            ImportSettings::default(),
        )
        .unwrap_err();
        assert_eq!(
            err,
            FileError::MissingMandatory {
                entity: Entity::Employees,
                fields: vec!["Last Name".into(), "Employee Status".into()],
            }
        );
    }

    #[test]
    fn profile_settles_the_date_order_from_the_column() {
        let mut plan = enrollments();
        plan.profile(&[
            row(2, &["C1", "a@b.co", "03/04/2024"]),
            row(3, &["C1", "a@b.co", "25/04/2024"]),
            row(4, &["C1", "a@b.co", ""]),
        ]);
        assert_eq!(
            column(&plan, "due_date").date_order,
            Some(DateOrder::DayFirst)
        );

        plan.profile(&[row(2, &["C1", "a@b.co", "04/25/2024"])]);
        assert_eq!(
            column(&plan, "due_date").date_order,
            Some(DateOrder::MonthFirst)
        );

        // Evidence both ways: undecided, so ambiguous values fail.
        plan.profile(&[
            row(2, &["C1", "a@b.co", "04/25/2024"]),
            row(3, &["C1", "a@b.co", "25/04/2024"]),
        ]);
        assert_eq!(column(&plan, "due_date").date_order, None);

        plan.profile(&[row(2, &["C1", "a@b.co", "03/04/2024"])]);
        assert_eq!(column(&plan, "due_date").date_order, None);
    }

    #[test]
    fn an_explicit_template_format_sets_the_order() {
        let mut plan = enrollments();
        plan.settings.date_format = DateFormat::DayFirst;
        plan.profile(&[row(2, &["C1", "a@b.co", "04/25/2024"])]);
        assert_eq!(
            column(&plan, "due_date").date_order,
            Some(DateOrder::DayFirst)
        );
        plan.settings.date_format = DateFormat::Iso;
        plan.profile(&[]);
        assert_eq!(column(&plan, "due_date").date_order, None);
    }

    #[test]
    fn profile_finds_the_width_of_zero_padded_ids() {
        let mut plan = enrollments();
        let rows: Vec<SourceRow> = ["00123", "04567", "12345", "99999", "123", ""]
            .iter()
            .enumerate()
            .map(|(i, code)| row(i as u32 + 2, &[code, "a@b.co", ""]))
            .collect();
        plan.profile(&rows);
        assert_eq!(column(&plan, "course_code").id_width, Some(5));

        // No value keeps a leading zero: nothing suggests any were lost.
        plan.profile(&[
            row(2, &["12345", "a@b.co", ""]),
            row(3, &["123", "a@b.co", ""]),
        ]);
        assert_eq!(column(&plan, "course_code").id_width, None);

        // Under 80% share one width.
        plan.profile(&[
            row(2, &["01234", "a@b.co", ""]),
            row(3, &["0123", "a@b.co", ""]),
            row(4, &["ABC", "a@b.co", ""]),
        ]);
        assert_eq!(column(&plan, "course_code").id_width, None);
    }
}
