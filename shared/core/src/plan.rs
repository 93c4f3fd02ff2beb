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
use crate::row::{RowNumber, SourceRow};
use crate::template::{DateFormat, ImportSettings};
use crate::validate::DateRule;
use crate::validate::{date_rule, normalize, numeric_parts, trim, KEY_SEPARATOR};
use foldhash::HashMapExt;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

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

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateOrder {
    MonthFirst,
    DayFirst,
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
    pub fn profile(&mut self, rows: &[SourceRow]) {
        let entity = self.entity;
        let format = self.settings.date_format;
        for planned in &mut self.columns {
            let Some(field) = entity.field(&planned.field) else {
                continue;
            };
            let cells = rows.iter().map(|r| trim(r.cell(planned.column)));
            match field.field_type {
                FieldType::Date => {
                    planned.date_order = match format {
                        DateFormat::Auto => column_date_order(cells),
                        explicit => template_order(explicit),
                    }
                }
                FieldType::Id { .. } => planned.id_width = column_id_width(cells),
                _ => {}
            }
        }
    }

    /// The normalized record key of a row (e.g. lower-cased email), or
    /// `None` when a key cell is blank or invalid (the validator says why).
    pub fn key_of(&self, row: &SourceRow) -> Option<String> {
        KeyReader::new(self).key(row).map(Cow::into_owned)
    }
}

/// Reads rows' keys with the key columns resolved once, not per row.
struct KeyReader {
    /// Each key field's column, type and date rule, in key order; `None`
    /// when a key field is not mapped, so no row has a key.
    columns: Option<Vec<(usize, FieldType, DateRule)>>,
}

impl KeyReader {
    fn new(plan: &ImportPlan) -> KeyReader {
        let columns = plan
            .entity
            .key_fields()
            .map(|field| {
                let planned = plan.columns.iter().find(|c| c.field == field.id)?;
                let rule = date_rule(plan.settings.date_format, planned.date_order);
                Some((planned.column, field.field_type, rule))
            })
            .collect();
        KeyReader { columns }
    }

    /// [`ImportPlan::key_of`]; a one-field key borrows the cell when
    /// normalizing leaves it as it is.
    fn key<'r>(&self, row: &'r SourceRow) -> Option<Cow<'r, str>> {
        let columns = self.columns.as_deref()?;
        let value = |&(column, field_type, rule): &(usize, FieldType, DateRule)| {
            let raw = row.cells.get(column)?;
            if trim(raw).is_empty() {
                return None;
            }
            normalize(field_type, raw, rule).ok()
        };
        if let [only] = columns {
            return value(only);
        }
        let mut key = String::new();
        for (i, column) in columns.iter().enumerate() {
            let value = value(column)?;
            if i > 0 {
                key.push(KEY_SEPARATOR);
            }
            key.push_str(&value);
        }
        Some(Cow::Owned(key))
    }
}

/// The order an explicit template date format imposes.
fn template_order(format: DateFormat) -> Option<DateOrder> {
    match format {
        DateFormat::MonthFirst => Some(DateOrder::MonthFirst),
        DateFormat::DayFirst => Some(DateOrder::DayFirst),
        DateFormat::Auto | DateFormat::Iso => None,
    }
}

/// A first part over 12 proves day first, a second part over 12 month
/// first; with evidence of both kinds the column stays undecided, so its
/// ambiguous values fail rather than being read one way by guess.
fn column_date_order<'a>(cells: impl Iterator<Item = &'a str>) -> Option<DateOrder> {
    let (mut day_first, mut month_first) = (false, false);
    for cell in cells {
        if let Some(parts) = numeric_parts(cell) {
            day_first |= parts.first > 12 && parts.second <= 12;
            month_first |= parts.second > 12 && parts.first <= 12;
        }
    }
    match (day_first, month_first) {
        (true, false) => Some(DateOrder::DayFirst),
        (false, true) => Some(DateOrder::MonthFirst),
        _ => None,
    }
}

/// The share of a column's values that must be digits of one width before
/// shorter ones are suspected of having lost leading zeros.
const ID_WIDTH_SHARE: (usize, usize) = (4, 5);

/// The width W when most values are W digits and some start with `0`,
/// which shows the zeros are meaningful and were kept.
fn column_id_width<'a>(cells: impl Iterator<Item = &'a str>) -> Option<u8> {
    // Index = width; (values of that width, of which start with 0).
    let mut by_width = [(0usize, 0usize); 65];
    let mut non_blank = 0usize;
    for cell in cells.filter(|c| !c.is_empty()) {
        non_blank += 1;
        if cell.len() < by_width.len() && cell.bytes().all(|b| b.is_ascii_digit()) {
            let entry = &mut by_width[cell.len()];
            entry.0 += 1;
            entry.1 += usize::from(cell.starts_with('0'));
        }
    }
    let (width, &(count, zeros)) = by_width
        .iter()
        .enumerate()
        .max_by_key(|(_, (count, _))| *count)?;
    let (num, den) = ID_WIDTH_SHARE;
    if count > 0 && zeros > 0 && count * den >= non_blank * num {
        u8::try_from(width).ok()
    } else {
        None
    }
}

/// Later rows whose key an earlier row already has: row → first row.
///
/// "Earlier" is by row number, not slice order, so the answer is the same
/// whatever order the rows arrive in.
pub fn find_duplicates(plan: &ImportPlan, rows: &[SourceRow]) -> HashMap<RowNumber, RowNumber> {
    let reader = KeyReader::new(plan);
    let mut keyed: Vec<(RowNumber, Cow<'_, str>)> = rows
        .iter()
        .filter_map(|row| Some((row.number, reader.key(row)?)))
        .collect();
    // Rows usually come in order already, which the sort notices.
    keyed.sort_by_key(|(number, _)| *number);
    // A fast hash: this map holds every row's key. Its seed is random, and
    // keys a file could choose to collide cost time here, not correctness.
    let mut first: foldhash::HashMap<Cow<'_, str>, RowNumber> =
        foldhash::HashMap::with_capacity(keyed.len());
    let mut duplicates = HashMap::new();
    for (number, key) in keyed {
        match first.entry(key) {
            Entry::Occupied(earlier) => {
                duplicates.insert(number, *earlier.get());
            }
            Entry::Vacant(slot) => {
                slot.insert(number);
            }
        }
    }
    duplicates
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::row::Cells;
    use std::collections::BTreeMap;

    fn headers(names: &[&str]) -> Headers {
        Headers {
            names: names.iter().map(|n| n.to_string()).collect(),
            problems: vec![],
        }
    }

    fn mapping(pairs: &[(&str, &str)]) -> Mapping {
        Mapping(
            pairs
                .iter()
                .map(|(h, f)| (h.to_string(), f.to_string()))
                .collect::<BTreeMap<_, _>>(),
        )
    }

    fn row(number: u32, cells: &[&str]) -> SourceRow {
        SourceRow {
            number: RowNumber(number),
            cells: cells.iter().collect::<Cells>(),
        }
    }

    fn enrollments() -> ImportPlan {
        ImportPlan::new(
            Entity::Enrollments,
            &headers(&["Course", "Learner", "Due"]),
            &mapping(&[
                ("Learner", "employee_email"),
                ("Course", "course_code"),
                ("Due", "due_date"),
            ]),
            ImportSettings::default(),
        )
        .unwrap()
    }

    fn column<'a>(plan: &'a ImportPlan, field: &str) -> &'a PlannedColumn {
        plan.columns.iter().find(|c| c.field == field).unwrap()
    }

    #[test]
    fn new_keeps_mapped_known_columns_in_file_order() {
        let plan = ImportPlan::new(
            Entity::Locations,
            &headers(&["Name", "Junk", "Code", "Zip"]),
            &mapping(&[
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
            &mapping(&[("Email", "email"), ("First", "first_name")]),
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

    #[test]
    fn key_of_joins_the_two_enrollment_key_fields_normalized() {
        let plan = enrollments();
        assert_eq!(
            plan.key_of(&row(2, &[" HIPAA-1 ", "Jane@Example.com", ""])),
            Some("jane@example.com\u{1f}HIPAA-1".to_string())
        );
        assert_eq!(plan.key_of(&row(3, &["HIPAA-1", "", ""])), None);
        assert_eq!(plan.key_of(&row(4, &["HIPAA-1", "jane@", ""])), None);
        assert_eq!(plan.key_of(&row(5, &["HIPAA-1"])), None);
    }

    #[test]
    fn key_of_matches_the_validators_record_key() {
        let plan = enrollments();
        let r = row(2, &["HIPAA-1", "Jane@Example.com", "2024-01-31"]);
        let crate::validate::RowOutcome::Valid { record, .. } =
            crate::validate::Validator::new(&plan).validate(&r, None)
        else {
            panic!("row is valid");
        };
        assert_eq!(plan.key_of(&r), Some(record.key));
    }

    #[test]
    fn duplicates_point_at_the_first_row_whatever_the_order() {
        let plan = enrollments();
        let rows = vec![
            row(5, &["C1", "B@x.io", ""]),
            row(2, &["C1", "b@x.io", ""]),
            row(3, &["C2", "b@x.io", ""]),
            row(7, &["C1", " b@X.io ", ""]),
            row(8, &["C1", "", ""]),
            row(9, &["C1", "", ""]),
        ];
        let duplicates = find_duplicates(&plan, &rows);
        assert_eq!(duplicates.len(), 2);
        assert_eq!(duplicates[&RowNumber(5)], RowNumber(2));
        assert_eq!(duplicates[&RowNumber(7)], RowNumber(2));
        let mut reversed = rows.clone();
        reversed.reverse();
        assert_eq!(find_duplicates(&plan, &reversed), duplicates);
    }
}
