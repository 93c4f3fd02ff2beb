//! Per-field and per-row validation and normalization.
//!
//! Every failure carries a stable snake_case code, the column, the field, the
//! value and a message an admin understands.

use crate::plan::ImportPlan;
use crate::row::{RowNumber, SourceRow};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Stable error codes (API, row logs, the failed-rows export).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// A mandatory cell is blank.
    MissingValue,
    TooLong,
    ControlCharacters,
    InvalidEmail,
    InvalidChoice,
    InvalidDate,
    /// Day and month cannot be told apart and nothing settles it.
    AmbiguousDate,
    InvalidPhone,
    InvalidState,
    InvalidZip,
    InvalidCountry,
    InvalidNpi,
    InvalidDea,
    InvalidBoolean,
    InvalidIdentifier,
    /// The row has fewer cells than the header.
    MissingCells,
    /// The row has more non-blank cells than the header.
    ExtraCells,
    /// An earlier row of the same file has the same key.
    DuplicateKey,
    /// Mode "create only" and the record exists.
    RecordExists,
    /// Mode "update only" and there is no such record.
    RecordNotFound,
}

/// Stable warning codes: the row imports, the admin should look.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningCode {
    /// An ID shorter than its column's others, as when a spreadsheet drops
    /// leading zeros.
    LeadingZerosLost,
    /// An ID a spreadsheet turned into scientific notation (`1.23E+10`).
    ScientificNotation,
}

/// One problem in one cell (or, for row-level codes, in the row).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CellIssue<C> {
    pub code: C,
    /// Zero-based column index; `None` for row-level problems.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    /// The column's header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
    /// The catalog field id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub value: String,
    pub message: String,
}

pub type RowError = CellIssue<ErrorCode>;
pub type RowWarning = CellIssue<WarningCode>;

/// A valid row, normalized, ready to upsert.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// The key fields' normalized values joined by `'\u{1f}'`.
    pub key: String,
    /// Field id → normalized value, for non-blank mapped cells.
    pub values: BTreeMap<String, String>,
    /// Mapped fields whose cell was blank (the blank-cell policy decides).
    pub blanks: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RowOutcome {
    Valid {
        record: Record,
        warnings: Vec<RowWarning>,
    },
    Invalid {
        errors: Vec<RowError>,
        warnings: Vec<RowWarning>,
    },
}

/// Validates rows against a plan; resolves catalog lookups once, not per row.
pub struct Validator<'p> {
    plan: &'p ImportPlan,
}

impl<'p> Validator<'p> {
    pub fn new(plan: &'p ImportPlan) -> Validator<'p> {
        Validator { plan }
    }

    /// `duplicate_of` comes from the splitter's [`crate::plan::find_duplicates`].
    pub fn validate(&self, row: &SourceRow, duplicate_of: Option<RowNumber>) -> RowOutcome {
        let _ = (self.plan, row, duplicate_of);
        todo!()
    }
}
