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
use crate::rules::template_order;
pub use crate::rules::DateOrder;
use crate::template::ImportSettings;
use keys::{for_each_by_number, DuplicateFinder};
use profile::ColumnStats;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

mod keys;
mod profile;

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
    fn profile(&mut self, rows: &[SourceRow]) {
        let mut stats = ColumnStats::new(self);
        rows.iter().for_each(|row| stats.add(row));
        stats.settle(self);
    }

    /// Settles column-wide facts from every row of the file, and finds
    /// each row's earlier row with the same key, by the row's index in
    /// `rows`: one pass, as the splitter needs both. "Earlier" is by row
    /// number, not slice order, so the answer is the same whatever order
    /// the rows arrive in.
    pub fn profile_and_find_duplicates(&mut self, rows: &[SourceRow]) -> Vec<Option<RowNumber>> {
        let mut stats = ColumnStats::new(self);
        let mut finder = DuplicateFinder::new(self, rows.len());
        let mut first_rows = vec![None; rows.len()];
        for_each_by_number(rows, |index, row| {
            stats.add(row);
            first_rows[index] = finder.first_of(row);
        });
        stats.settle(self);
        first_rows
    }

    /// The normalized record key of a row (e.g. lower-cased email), or
    /// `None` when a key cell is blank or invalid (the validator says why).
    #[cfg(test)]
    pub(crate) fn key_of(&self, row: &SourceRow) -> Option<String> {
        keys::KeyReader::new(self)
            .key(row)
            .map(std::borrow::Cow::into_owned)
    }
}

#[cfg(test)]
mod tests {
    use super::keys::{ascii_lowercase, find_duplicates, DuplicateKey};
    use super::*;
    use crate::row::Cells;
    use crate::rules::DateFormat;
    use std::borrow::Cow;
    use std::collections::BTreeMap;
    use std::collections::HashMap;

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

    #[test]
    fn one_pass_settles_what_profile_and_find_duplicates_settle() {
        let mut plan = enrollments();
        let rows = vec![
            row(6, &["C1", "B@x.io", "25/04/2024"]),
            row(2, &["C1", "b@x.io", "03/04/2024"]),
            row(4, &["C2", "b@x.io", ""]),
            row(9, &["C1", " b@X.io ", "2024-01-31"]),
            row(3, &["C2", "", "01/02/2024"]),
        ];
        let first_rows = plan.clone().profile_and_find_duplicates(&rows);
        let by_number: HashMap<RowNumber, RowNumber> = rows
            .iter()
            .zip(&first_rows)
            .filter_map(|(row, first)| Some((row.number, (*first)?)))
            .collect();
        assert_eq!(by_number, find_duplicates(&plan, &rows));
        assert_eq!(first_rows[0], Some(RowNumber(2)));
        let mut profiled = plan.clone();
        profiled.profile(&rows);
        plan.profile_and_find_duplicates(&rows);
        assert_eq!(plan, profiled);
        assert_eq!(
            column(&plan, "due_date").date_order,
            Some(DateOrder::DayFirst)
        );
    }

    fn employees() -> ImportPlan {
        ImportPlan::new(
            Entity::Employees,
            &headers(&["Email", "First", "Last", "Status"]),
            &mapping(&[
                ("Email", "email"),
                ("First", "first_name"),
                ("Last", "last_name"),
                ("Status", "employee_status"),
            ]),
            ImportSettings::default(),
        )
        .unwrap()
    }

    /// Rows numbered from 2 with one email cell each.
    fn email_rows(emails: &[&str]) -> Vec<SourceRow> {
        emails
            .iter()
            .enumerate()
            .map(|(i, email)| row(i as u32 + 2, &[email, "Ann", "Lee", "Active"]))
            .collect()
    }

    /// The definition: each row's normalized key, compared as text, in row
    /// number order.
    fn plain_duplicates(plan: &ImportPlan, rows: &[SourceRow]) -> HashMap<RowNumber, RowNumber> {
        let mut sorted: Vec<&SourceRow> = rows.iter().collect();
        sorted.sort_by_key(|row| row.number);
        let mut first = HashMap::new();
        let mut duplicates = HashMap::new();
        for row in sorted {
            if let Some(key) = plan.key_of(row) {
                if let Some(&earlier) = first.get(&key) {
                    duplicates.insert(row.number, earlier);
                } else {
                    first.insert(key, row.number);
                }
            }
        }
        duplicates
    }

    fn pairs(duplicates: &HashMap<RowNumber, RowNumber>) -> BTreeMap<u32, u32> {
        duplicates
            .iter()
            .map(|(row, first)| (row.0, first.0))
            .collect()
    }

    #[test]
    fn emails_differing_in_case_and_spaces_are_duplicates() {
        let rows = email_rows(&[
            " Ann@X.com ",
            "ann@x.com",
            "ANN@X.COM\t",
            "ann@x.co",
            "Bob@x.com",
            "bob@X.com",
        ]);
        let duplicates = find_duplicates(&employees(), &rows);
        assert_eq!(pairs(&duplicates), BTreeMap::from([(3, 2), (4, 2), (7, 6)]));
    }

    #[test]
    fn non_ascii_emails_are_compared_lower_cased() {
        let rows = email_rows(&[
            "Éva@x.com",
            "éva@X.com",
            "eva@x.com",
            // The Kelvin sign lower-cases to an ASCII k.
            "\u{212a}im@x.com",
            "KIM@x.com",
            "kim@x.com",
        ]);
        let duplicates = find_duplicates(&employees(), &rows);
        assert_eq!(pairs(&duplicates), BTreeMap::from([(3, 2), (6, 5), (7, 5)]));
        assert_eq!(duplicates, plain_duplicates(&employees(), &rows));
    }

    #[test]
    fn blank_and_invalid_emails_have_no_key() {
        let rows = email_rows(&[
            "",
            "  ",
            "ann@",
            "ann@",
            "ann@x",
            "Ann@x",
            "a..b@x.io",
            "a..b@x.io",
        ]);
        assert!(find_duplicates(&employees(), &rows).is_empty());
        // A row without the cell at all.
        let short = [row(2, &[]), row(3, &[])];
        assert!(find_duplicates(&employees(), &short).is_empty());
    }

    #[test]
    fn folded_and_normalized_keys_hash_alike_at_every_length() {
        use std::hash::BuildHasher;
        let hasher = foldhash::fast::RandomState::default();
        let text = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789.-@_";
        for len in 0..=text.len() {
            let cell = &text[..len];
            let lower = cell.to_ascii_lowercase();
            let folded = DuplicateKey::AsciiFolded(cell);
            let normalized = DuplicateKey::Normalized(Cow::Borrowed(&lower));
            assert_eq!(folded, normalized, "{cell}");
            assert_eq!(
                hasher.hash_one(&folded),
                hasher.hash_one(&normalized),
                "{cell}"
            );
            let longer = DuplicateKey::Normalized(Cow::Owned(format!("{lower}a")));
            assert_ne!(folded, longer, "{cell}");
        }
    }

    #[test]
    fn ascii_lower_casing_eight_bytes_at_once_matches_byte_by_byte() {
        let text = *b"@AZaz[`{ 09Mm~\x7f";
        for window in text.windows(8) {
            let word = u64::from_le_bytes(window.try_into().unwrap());
            let expected = u64::from_le_bytes(window.to_ascii_lowercase().try_into().unwrap());
            assert_eq!(ascii_lowercase(word), expected, "{:?}", window);
        }
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        /// Cells from a small alphabet, so many rows share a key.
        const EMAIL: &str = "[ \t]?([aAkK\u{212a}\u{e9}\u{c9}\u{130}.]{1,3}@[xX]\\.(io|IO|c)|[aA]{1,20}@xX\\.IO)[ ]?|[ ]{0,2}";

        /// Rows numbered 2.. in a shuffled order.
        fn shuffled(cells: Vec<Vec<String>>) -> impl Strategy<Value = Vec<SourceRow>> {
            let rows: Vec<SourceRow> = cells
                .iter()
                .enumerate()
                .map(|(i, cells)| {
                    let cells: Vec<&str> = cells.iter().map(String::as_str).collect();
                    row(i as u32 + 2, &cells)
                })
                .collect();
            Just(rows).prop_shuffle()
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(500))]
            #[test]
            fn email_keys_match_normalize_then_compare(
                rows in prop::collection::vec(
                    EMAIL.prop_map(|email| vec![email, "A".into(), "B".into(), "Active".into()]),
                    0..40,
                )
                .prop_flat_map(shuffled),
            ) {
                let plan = employees();
                prop_assert_eq!(find_duplicates(&plan, &rows), plain_duplicates(&plan, &rows));
            }

            #[test]
            fn two_field_keys_match_normalize_then_compare(
                rows in prop::collection::vec(
                    (" ?[cC][12] ?|", EMAIL)
                        .prop_map(|(course, email)| vec![course, email, String::new()]),
                    0..40,
                )
                .prop_flat_map(shuffled),
            ) {
                let plan = enrollments();
                prop_assert_eq!(find_duplicates(&plan, &rows), plain_duplicates(&plan, &rows));
            }
        }
    }
}
