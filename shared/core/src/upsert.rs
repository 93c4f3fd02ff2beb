//! How a valid row changes the stored record, decided so that a retry of the
//! same row decides the same way.
//!
//! At-least-once delivery means a chunk may be applied, then applied again
//! after its worker died before counting it. The stored record therefore
//! remembers which import row created and last updated it; a row that finds
//! its own fingerprints reports what it did the first time.

use crate::row::RowNumber;
use crate::template::{BlankPolicy, ImportMode, ImportSettings};
use crate::validate::{ErrorCode, Record};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The import row that wrote a record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    pub import_id: String,
    pub row: RowNumber,
}

/// A record as stored, with the fingerprints of its writers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredRecord {
    pub values: BTreeMap<String, String>,
    pub created_by: Origin,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<Origin>,
}

/// What a row did to its record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowResult {
    Created,
    Updated,
    Unchanged,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Counted as `result`; `write` holds the record to store, `None` when
    /// nothing needs writing (unchanged, or already written by this row).
    Apply {
        result: RowResult,
        write: Option<StoredRecord>,
    },
    /// The mode forbids this row; it fails with this code and message.
    Reject { code: ErrorCode, message: String },
}

/// Decides the fate of a valid row given the stored record, if any.
pub fn decide(
    existing: Option<&StoredRecord>,
    incoming: &Record<'_>,
    settings: &ImportSettings,
    origin: &Origin,
) -> Decision {
    let Some(stored) = existing else {
        if settings.mode == ImportMode::UpdateOnly {
            return Decision::Reject {
                code: ErrorCode::RecordNotFound,
                message: "no existing record has this key, and the import only updates records: \
                          fix the key or run the import in a mode that creates records"
                    .to_string(),
            };
        }
        return Decision::Apply {
            result: RowResult::Created,
            write: Some(StoredRecord {
                values: incoming
                    .values
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                created_by: origin.clone(),
                updated_by: None,
            }),
        };
    };
    if stored.created_by == *origin {
        return Decision::Apply {
            result: RowResult::Created,
            write: None,
        };
    }
    if settings.mode == ImportMode::CreateOnly {
        return Decision::Reject {
            code: ErrorCode::RecordExists,
            message: "a record with this key already exists, and the import only creates records: \
                      remove the row or run the import in a mode that updates records"
                .to_string(),
        };
    }
    let mut values = stored.values.clone();
    values.extend(
        incoming
            .values
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string())),
    );
    if settings.blank_on_update == BlankPolicy::Clear {
        for field in &incoming.blanks {
            values.remove(field.as_ref());
        }
    }
    if values == stored.values {
        let result = if stored.updated_by.as_ref() == Some(origin) {
            RowResult::Updated
        } else {
            RowResult::Unchanged
        };
        return Decision::Apply {
            result,
            write: None,
        };
    }
    Decision::Apply {
        result: RowResult::Updated,
        write: Some(StoredRecord {
            values,
            created_by: stored.created_by.clone(),
            updated_by: Some(origin.clone()),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::borrow::Cow;

    fn origin(import: &str, row: u32) -> Origin {
        Origin {
            import_id: import.into(),
            row: RowNumber(row),
        }
    }

    fn record(values: &[(&str, &str)], blanks: &[&'static str]) -> Record<'static> {
        Record {
            key: "a@example.com".into(),
            values: values
                .iter()
                .map(|(k, v)| (Cow::Owned(k.to_string()), Cow::Owned(v.to_string())))
                .collect(),
            blanks: blanks.iter().map(|&b| Cow::Borrowed(b)).collect(),
        }
    }

    fn applied(decision: &Decision) -> (RowResult, Option<&StoredRecord>) {
        match decision {
            Decision::Apply { result, write } => (*result, write.as_ref()),
            Decision::Reject { code, .. } => panic!("rejected with {code:?}"),
        }
    }

    /// Applies a decision the way the store would.
    fn store(existing: Option<StoredRecord>, decision: &Decision) -> Option<StoredRecord> {
        match decision {
            Decision::Apply { write: Some(w), .. } => Some(w.clone()),
            _ => existing,
        }
    }

    #[test]
    fn a_new_key_creates_and_a_retry_still_says_created_without_writing() {
        let settings = ImportSettings::default();
        let row = record(&[("first_name", "Ann")], &[]);
        let first = decide(None, &row, &settings, &origin("i1", 2));
        let (result, write) = applied(&first);
        assert_eq!(result, RowResult::Created);
        assert_eq!(write.unwrap().values["first_name"], "Ann");
        let stored = store(None, &first);
        let retry = decide(stored.as_ref(), &row, &settings, &origin("i1", 2));
        assert_eq!(applied(&retry), (RowResult::Created, None));
    }

    #[test]
    fn a_change_updates_and_a_retry_still_says_updated() {
        let settings = ImportSettings::default();
        let stored = StoredRecord {
            values: [("first_name".to_string(), "Ann".to_string())].into(),
            created_by: origin("i0", 5),
            updated_by: None,
        };
        let row = record(&[("first_name", "Anne")], &[]);
        let first = decide(Some(&stored), &row, &settings, &origin("i1", 3));
        let (result, write) = applied(&first);
        assert_eq!(result, RowResult::Updated);
        assert_eq!(write.unwrap().created_by, origin("i0", 5));
        let after = store(Some(stored), &first);
        let retry = decide(after.as_ref(), &row, &settings, &origin("i1", 3));
        assert_eq!(applied(&retry), (RowResult::Updated, None));
        let other_import = decide(after.as_ref(), &row, &settings, &origin("i2", 3));
        assert_eq!(applied(&other_import), (RowResult::Unchanged, None));
    }

    #[test]
    fn blank_cells_keep_or_clear_stored_values_by_setting() {
        let stored = StoredRecord {
            values: [("phone".to_string(), "+15555550100".to_string())].into(),
            created_by: origin("i0", 2),
            updated_by: None,
        };
        let row = record(&[], &["phone"]);
        let keep = ImportSettings::default();
        assert_eq!(
            applied(&decide(Some(&stored), &row, &keep, &origin("i1", 2))),
            (RowResult::Unchanged, None)
        );
        let clear = ImportSettings {
            blank_on_update: BlankPolicy::Clear,
            ..ImportSettings::default()
        };
        let cleared = decide(Some(&stored), &row, &clear, &origin("i1", 2));
        let (result, write) = applied(&cleared);
        assert_eq!(result, RowResult::Updated);
        assert!(write.unwrap().values.is_empty());
    }

    #[test]
    fn modes_reject_what_they_forbid() {
        let stored = StoredRecord {
            values: BTreeMap::new(),
            created_by: origin("i0", 2),
            updated_by: None,
        };
        let row = record(&[("first_name", "Ann")], &[]);
        let create_only = ImportSettings {
            mode: ImportMode::CreateOnly,
            ..ImportSettings::default()
        };
        assert!(matches!(
            decide(Some(&stored), &row, &create_only, &origin("i1", 2)),
            Decision::Reject {
                code: ErrorCode::RecordExists,
                ..
            }
        ));
        let update_only = ImportSettings {
            mode: ImportMode::UpdateOnly,
            ..ImportSettings::default()
        };
        assert!(matches!(
            decide(None, &row, &update_only, &origin("i1", 2)),
            Decision::Reject {
                code: ErrorCode::RecordNotFound,
                ..
            }
        ));
    }
}
