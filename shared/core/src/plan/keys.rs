//! Record keys as the splitter compares them: each row's key read with the
//! key columns resolved once, and the first row of every key found with a
//! table small enough to stay in cache.

use super::ImportPlan;
use crate::catalog::FieldType;
use crate::row::{RowNumber, SourceRow};
use crate::rules::{date_rule, record_key, trim, DateRule};
use crate::validate::{email_case, normalize, EmailCase};
use smallvec::SmallVec;
use std::borrow::Cow;
use std::hash::{BuildHasher, Hash, Hasher};

/// Reads rows' keys with the key columns resolved once, not per row.
pub(super) struct KeyReader {
    /// Each key field's column, type and date rule, in key order; `None`
    /// when a key field is not mapped, so no row has a key.
    columns: Option<Vec<(usize, FieldType, DateRule)>>,
    /// The column of a key that is one email field: its rows are compared
    /// without building the lower-case copy.
    email: Option<usize>,
}

impl KeyReader {
    pub(super) fn new(plan: &ImportPlan) -> KeyReader {
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

    /// [`ImportPlan::key_of`]; a one-field key borrows the cell when
    /// normalizing leaves it as it is.
    pub(super) fn key<'r>(&self, row: &'r SourceRow) -> Option<Cow<'r, str>> {
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

/// Later rows whose key an earlier row already has: row → first row.
#[cfg(test)]
pub(super) fn find_duplicates(
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
pub(super) fn for_each_by_number<'r>(
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
pub(super) struct DuplicateFinder<'r> {
    reader: KeyReader,
    /// A fast hash with a random seed: keys a file could choose to collide
    /// cost time here, not correctness.
    hasher: foldhash::fast::RandomState,
    table: hashbrown::HashTable<u32>,
    /// Each key seen, in the order first seen, and its first row.
    keys: Vec<(DuplicateKey<'r>, RowNumber)>,
}

impl<'r> DuplicateFinder<'r> {
    pub(super) fn new(plan: &ImportPlan, rows: usize) -> DuplicateFinder<'r> {
        DuplicateFinder {
            reader: KeyReader::new(plan),
            hasher: foldhash::fast::RandomState::default(),
            table: hashbrown::HashTable::with_capacity(rows),
            keys: Vec::with_capacity(rows),
        }
    }

    /// The earlier row with the same key as `row`, if any; otherwise `row`
    /// becomes the first with its key.
    pub(super) fn first_of(&mut self, row: &'r SourceRow) -> Option<RowNumber> {
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
pub(super) enum DuplicateKey<'r> {
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
pub(super) fn ascii_lowercase(word: u64) -> u64 {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    const HIGH: u64 = ONES * 0x80;
    // A byte's high bit is set when it is at least `A`, and when over `Z`.
    let from_a = word + ONES * u64::from(0x80 - b'A');
    let past_z = word + ONES * u64::from(0x80 - b'Z' - 1);
    // 0x80 >> 2 is 0x20, the case bit.
    word | ((from_a & !past_z & HIGH) >> 2)
}
