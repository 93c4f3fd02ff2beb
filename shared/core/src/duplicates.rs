//! Duplicate keys, found by the splitter, the only part that sees the whole
//! file: each row's key read with the key columns resolved once, and the
//! first row of every key found with a table small enough to stay in cache.
//!
//! Apart from the plan, as keys are normalized by validation's rules
//! ([`crate::validate::normalize`]), and validation reads the plan.

use crate::catalog::FieldType;
use crate::plan::profile::ColumnStats;
use crate::plan::ImportPlan;
use crate::row::{RowNumber, SourceRow};
use crate::rules::{date_rule, record_key, trim, DateRule};
use crate::validate::{email_case, normalize, EmailCase};
use smallvec::SmallVec;
use std::borrow::Cow;
use std::hash::{BuildHasher, Hash, Hasher};

/// Reads rows' keys with the key columns resolved once, not per row.
pub(crate) struct KeyReader {
    /// Each key field's column, type and date rule, in key order; `None`
    /// when a key field is not mapped, so no row has a key.
    columns: Option<Vec<(usize, FieldType, DateRule)>>,
    /// The column of a key that is one email field: its rows are compared
    /// without building the lower-case copy.
    email: Option<usize>,
}

impl KeyReader {
    pub(crate) fn new(plan: &ImportPlan) -> KeyReader {
        let columns: Option<Vec<_>> = plan
            .entity
            .key_fields()
            .map(|field| {
                let planned = plan.columns.iter().find(|c| c.field == field.id)?;
                let rule = date_rule(plan.settings.date_format, planned.date_order);
                Some((planned.column, field.field_type, rule))
            })
            .collect();
        let email = match columns.as_deref() {
            Some(&[(column, FieldType::Email, _)]) => Some(column),
            _ => None,
        };
        KeyReader { columns, email }
    }

    /// The row's key as [`find_duplicates`] compares it: equal exactly when
    /// the normalized keys are.
    fn duplicate_key<'r>(&self, row: &'r SourceRow) -> Option<DuplicateKey<'r>> {
        let Some(column) = self.email else {
            return self.key(row).map(DuplicateKey::Normalized);
        };
        let value = trim(row.cells.get(column)?);
        Some(match email_case(value)? {
            EmailCase::Lower | EmailCase::AsciiUpper => DuplicateKey::AsciiFolded(value),
            EmailCase::Unicode => DuplicateKey::Normalized(Cow::Owned(value.to_lowercase())),
        })
    }

    /// The normalized record key of a row (e.g. lower-cased email), or
    /// `None` when a key cell is blank or invalid (the validator says why);
    /// a one-field key borrows the cell when
    /// normalizing leaves it as it is.
    pub(crate) fn key<'r>(&self, row: &'r SourceRow) -> Option<Cow<'r, str>> {
        let columns = self.columns.as_deref()?;
        let value = |&(column, field_type, rule): &(usize, FieldType, DateRule)| {
            let raw = row.cells.get(column)?;
            if trim(raw).is_empty() {
                return None;
            }
            normalize(field_type, raw, rule).ok()
        };
        let values: SmallVec<[Cow<'r, str>; 2]> =
            columns.iter().map(value).collect::<Option<_>>()?;
        Some(record_key(values))
    }
}

/// Settles the plan's column-wide facts from every row of the file, and
/// finds each row's earlier row with the same key, by the row's index in
/// `rows`: one pass, as the splitter needs both. "Earlier" is by row
/// number, not slice order, so the answer is the same whatever order the
/// rows arrive in.
pub fn profile_and_find_duplicates(
    plan: &mut ImportPlan,
    rows: &[SourceRow],
) -> Vec<Option<RowNumber>> {
    let mut stats = ColumnStats::new(plan);
    let mut finder = DuplicateFinder::new(plan, rows.len());
    let mut first_rows = vec![None; rows.len()];
    for_each_by_number(rows, |index, row| {
        stats.add(row);
        first_rows[index] = finder.first_of(row);
    });
    stats.settle(plan);
    first_rows
}

/// [`KeyReader::key`], owned.
#[cfg(test)]
pub(crate) fn key_of(plan: &ImportPlan, row: &SourceRow) -> Option<String> {
    KeyReader::new(plan).key(row).map(Cow::into_owned)
}

/// Later rows whose key an earlier row already has: row → first row.
#[cfg(test)]
fn find_duplicates(
    plan: &ImportPlan,
    rows: &[SourceRow],
) -> std::collections::HashMap<RowNumber, RowNumber> {
    let mut finder = DuplicateFinder::new(plan, rows.len());
    let mut duplicates = std::collections::HashMap::new();
    for_each_by_number(rows, |_, row| {
        if let Some(first) = finder.first_of(row) {
            duplicates.insert(row.number, first);
        }
    });
    duplicates
}

/// Calls `visit` with each row and its index, in row-number order.
pub(crate) fn for_each_by_number<'r>(
    rows: &'r [SourceRow],
    mut visit: impl FnMut(usize, &'r SourceRow),
) {
    // Rows usually come in order already, and then need no sorted copy.
    if rows.is_sorted_by_key(|row| row.number) {
        rows.iter().enumerate().for_each(|(i, row)| visit(i, row));
    } else {
        let mut sorted: Vec<(usize, &SourceRow)> = rows.iter().enumerate().collect();
        sorted.sort_by_key(|(_, row)| row.number);
        sorted.into_iter().for_each(|(i, row)| visit(i, row));
    }
}

/// The first row seen with each key, for rows shown in row-number order.
///
/// The table holds only a 4-byte index into `keys` per key, so that for a
/// file's worth of keys it stays small enough for the processor's cache:
/// each lookup lands at a random place, and a table of whole keys (three
/// times the size) spent most of its time waiting for memory. Keys are
/// compared only when their hashes share a slot's tag, which for a new key
/// is rare.
pub(crate) struct DuplicateFinder<'r> {
    reader: KeyReader,
    /// A fast hash with a random seed: keys a file could choose to collide
    /// cost time here, not correctness.
    hasher: foldhash::fast::RandomState,
    table: hashbrown::HashTable<u32>,
    /// Each key seen, in the order first seen, and its first row.
    keys: Vec<(DuplicateKey<'r>, RowNumber)>,
}

impl<'r> DuplicateFinder<'r> {
    pub(crate) fn new(plan: &ImportPlan, rows: usize) -> DuplicateFinder<'r> {
        DuplicateFinder {
            reader: KeyReader::new(plan),
            hasher: foldhash::fast::RandomState::default(),
            table: hashbrown::HashTable::with_capacity(rows),
            keys: Vec::with_capacity(rows),
        }
    }

    /// The earlier row with the same key as `row`, if any; otherwise `row`
    /// becomes the first with its key.
    pub(crate) fn first_of(&mut self, row: &'r SourceRow) -> Option<RowNumber> {
        let key = self.reader.duplicate_key(row)?;
        let DuplicateFinder {
            hasher,
            table,
            keys,
            ..
        } = self;
        let hash = hasher.hash_one(&key);
        let entry = table.entry(
            hash,
            |&at| keys[at as usize].0 == key,
            |&at| hasher.hash_one(&keys[at as usize].0),
        );
        match entry {
            hashbrown::hash_table::Entry::Occupied(earlier) => {
                Some(keys[*earlier.get() as usize].1)
            }
            hashbrown::hash_table::Entry::Vacant(slot) => {
                // Four billion distinct keys do not fit in memory anyway.
                let at = u32::try_from(keys.len()).ok()?;
                slot.insert(at);
                keys.push((key, row.number));
                None
            }
        }
    }
}

/// A normalized key, or a cell that ASCII lower-casing normalizes, kept
/// as it is: most email cells have capitals, and a lower-case copy of
/// each would cost an allocation per row. Both hash and compare as the
/// normalized text, so they can meet in one map: a non-ASCII address can
/// lower-case to an ASCII one (`\u{212a}` the Kelvin sign to `k`).
#[derive(Debug)]
pub(crate) enum DuplicateKey<'r> {
    /// ASCII text whose lower-casing is the key.
    AsciiFolded(&'r str),
    Normalized(Cow<'r, str>),
}

impl DuplicateKey<'_> {
    /// The text's bytes, and whether they still need lower-casing.
    fn parts(&self) -> (&[u8], bool) {
        match self {
            DuplicateKey::AsciiFolded(text) => (text.as_bytes(), true),
            DuplicateKey::Normalized(text) => (text.as_bytes(), false),
        }
    }
}

impl PartialEq for DuplicateKey<'_> {
    fn eq(&self, other: &Self) -> bool {
        match (self.parts(), other.parts()) {
            ((a, true), (b, true)) => a.eq_ignore_ascii_case(b),
            ((a, false), (b, false)) => a == b,
            ((folded, true), (normalized, false)) | ((normalized, false), (folded, true)) => {
                folded.len() == normalized.len()
                    && folded
                        .iter()
                        .zip(normalized)
                        .all(|(f, n)| f.to_ascii_lowercase() == *n)
            }
        }
    }
}

impl Eq for DuplicateKey<'_> {}

impl Hash for DuplicateKey<'_> {
    /// Hashes the normalized text without building it: a folded cell is
    /// lower-cased as it is read, so it hashes as its lower-case copy would
    /// and meets that copy in the table, though no copy is made. The text
    /// is read in whole words, the last overlapping the one before, so no
    /// padded copy is needed either: the splitter hashes every row's key,
    /// and an allocation per row would show in the whole path.
    fn hash<H: Hasher>(&self, state: &mut H) {
        let (bytes, fold) = self.parts();
        let fold = |word: u64| if fold { ascii_lowercase(word) } else { word };
        let word = |at: usize| {
            let mut eight = [0; 8];
            eight.copy_from_slice(&bytes[at..at + 8]);
            fold(u64::from_le_bytes(eight))
        };
        let pair = |at: usize, then: usize| u128::from(word(at)) | u128::from(word(then)) << 64;
        let len = bytes.len();
        // Overlapping reads see some bytes twice: the length tells apart
        // keys they would mix up.
        state.write_usize(len);
        if len < 8 {
            let word = bytes
                .iter()
                .rev()
                .fold(0, |word, &b| word << 8 | u64::from(b));
            state.write_u64(fold(word));
            return;
        }
        let mut at = 0;
        while at + 16 <= len {
            state.write_u128(pair(at, at + 8));
            at += 16;
        }
        if at < len {
            state.write_u128(if len >= 16 {
                pair(len - 16, len - 8)
            } else {
                pair(0, len - 8)
            });
        }
    }
}

/// ASCII lower-casing of eight bytes at once; right only for ASCII bytes
/// (below 0x80), where adding to a byte never carries into the next one.
pub(crate) fn ascii_lowercase(word: u64) -> u64 {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    const HIGH: u64 = ONES * 0x80;
    // A byte's high bit is set when it is at least `A`, and when over `Z`.
    let from_a = word + ONES * u64::from(0x80 - b'A');
    let past_z = word + ONES * u64::from(0x80 - b'Z' - 1);
    // 0x80 >> 2 is 0x20, the case bit.
    word | ((from_a & !past_z & HIGH) >> 2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Entity;
    use crate::mapping::Mapping;
    use crate::plan::tests::{column, enrollments, headers, row};
    use crate::rules::DateOrder;
    use crate::template::ImportSettings;
    use std::collections::{BTreeMap, HashMap};

    #[test]
    fn key_of_joins_the_two_enrollment_key_fields_normalized() {
        let plan = enrollments();
        assert_eq!(
            key_of(&plan, &row(2, &[" HIPAA-1 ", "Jane@Example.com", ""])),
            Some("jane@example.com\u{1f}HIPAA-1".to_string())
        );
        assert_eq!(key_of(&plan, &row(3, &["HIPAA-1", "", ""])), None);
        assert_eq!(key_of(&plan, &row(4, &["HIPAA-1", "jane@", ""])), None);
        assert_eq!(key_of(&plan, &row(5, &["HIPAA-1"])), None);
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
        let first_rows = profile_and_find_duplicates(&mut plan.clone(), &rows);
        let by_number: HashMap<RowNumber, RowNumber> = rows
            .iter()
            .zip(&first_rows)
            .filter_map(|(row, first)| Some((row.number, (*first)?)))
            .collect();
        assert_eq!(by_number, find_duplicates(&plan, &rows));
        assert_eq!(first_rows[0], Some(RowNumber(2)));
        let mut profiled = plan.clone();
        profiled.profile(&rows);
        profile_and_find_duplicates(&mut plan, &rows);
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
            &Mapping::from_iter([
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
            if let Some(key) = key_of(plan, row) {
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
