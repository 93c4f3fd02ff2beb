//! Per-field and per-row validation and normalization.
//!
//! Every failure carries a stable snake_case code, the column, the field, the
//! value and a message an admin understands.

mod choice;
mod date;
mod email;
mod ids;
mod phone;
mod place;
mod text;

pub use choice::{normalize_boolean, normalize_choice};
pub use date::{normalize_date, numeric_parts, DateRule, NumericDate};
pub use email::{is_valid_email, normalize_email};
pub use ids::{normalize_dea, normalize_npi};
pub use phone::normalize_phone;
pub use place::{normalize_country, normalize_state, normalize_zip};
pub use text::{id_warning, looks_scientific, normalize_id, normalize_text};

use crate::catalog::{Field, FieldType};
use crate::plan::{DateOrder, ImportPlan};
use crate::row::{RowNumber, SourceRow};
use crate::template::DateFormat;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Separates the key fields' values in [`Record::key`].
pub const KEY_SEPARATOR: char = '\u{1f}';

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

/// Why one cell's value was refused: the code and the admin's explanation.
/// The validator adds the column, header, field and value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    pub code: ErrorCode,
    pub message: String,
}

impl Rejection {
    pub fn new(code: ErrorCode, message: String) -> Rejection {
        Rejection { code, message }
    }
}

/// The value as an admin would read it in a message, quoted, with invisible
/// characters escaped.
fn quoted(value: &str) -> String {
    format!("{value:?}")
}

/// Equal ignoring case and whitespace (and dots when asked), without
/// allocating: `" New  york "` matches `"New York"`, `"u.s.a."` `"USA"`.
fn loose_eq(input: &str, candidate: &str, ignore_dots: bool) -> bool {
    let mut a = input
        .chars()
        .filter(|c| !c.is_whitespace() && !(ignore_dots && *c == '.'))
        .flat_map(char::to_lowercase);
    let mut b = candidate
        .chars()
        .filter(|c| !c.is_whitespace() && !(ignore_dots && *c == '.'))
        .flat_map(char::to_lowercase);
    loop {
        match (a.next(), b.next()) {
            (None, None) => return true,
            (x, y) if x == y => {}
            _ => return false,
        }
    }
}

/// The rule a date column reads its values by: the template's format, else
/// the order the whole column settled, else none.
pub fn date_rule(format: DateFormat, column_order: Option<DateOrder>) -> DateRule {
    match format {
        DateFormat::Iso => DateRule::IsoOnly,
        DateFormat::MonthFirst => DateRule::Order(DateOrder::MonthFirst),
        DateFormat::DayFirst => DateRule::Order(DateOrder::DayFirst),
        DateFormat::Auto => column_order.map_or(DateRule::Undecided, DateRule::Order),
    }
}

/// One non-blank cell, checked and normalized by its field's type.
pub fn normalize(field_type: FieldType, raw: &str, date: DateRule) -> Result<String, Rejection> {
    match field_type {
        FieldType::Text { max_len } => normalize_text(raw, max_len),
        FieldType::Id { max_len } => normalize_id(raw, max_len),
        FieldType::Email => normalize_email(raw),
        FieldType::Phone => normalize_phone(raw),
        FieldType::Date => normalize_date(raw, date),
        FieldType::UsState => normalize_state(raw),
        FieldType::Zip => normalize_zip(raw),
        FieldType::Country => normalize_country(raw),
        FieldType::Npi => normalize_npi(raw),
        FieldType::Dea => normalize_dea(raw),
        FieldType::Boolean => normalize_boolean(raw),
        FieldType::Enum(values) => normalize_choice(raw, values),
    }
}

/// A mapped column with everything its cells need, resolved once.
struct ColumnRule<'p> {
    column: usize,
    header: &'p str,
    field: &'static Field,
    date: DateRule,
    id_width: Option<u8>,
}

impl ColumnRule<'_> {
    fn issue<C>(&self, code: C, value: &str, message: String) -> CellIssue<C> {
        CellIssue {
            code,
            column: Some(self.column),
            header: Some(self.header.to_string()),
            field: Some(self.field.id.to_string()),
            value: value.to_string(),
            message,
        }
    }
}

/// Validates rows against a plan; resolves catalog lookups once, not per row.
pub struct Validator<'p> {
    plan: &'p ImportPlan,
    columns: Vec<ColumnRule<'p>>,
    /// Indexes into `columns` of the key fields, in key order.
    key: Vec<usize>,
}

impl<'p> Validator<'p> {
    pub fn new(plan: &'p ImportPlan) -> Validator<'p> {
        let columns: Vec<ColumnRule<'p>> = plan
            .columns
            .iter()
            .filter_map(|planned| {
                let field = plan.entity.field(&planned.field)?;
                Some(ColumnRule {
                    column: planned.column,
                    header: plan.headers.get(planned.column).map_or("", String::as_str),
                    field,
                    date: date_rule(plan.settings.date_format, planned.date_order),
                    id_width: planned.id_width,
                })
            })
            .collect();
        let key = plan
            .entity
            .key_fields()
            .filter_map(|f| columns.iter().position(|c| c.field.id == f.id))
            .collect();
        Validator { plan, columns, key }
    }

    /// `duplicate_of` comes from the splitter's [`crate::plan::find_duplicates`].
    pub fn validate(&self, row: &SourceRow, duplicate_of: Option<RowNumber>) -> RowOutcome {
        let mut errors = Vec::new();
        let mut warnings = Vec::new();
        let expected = self.plan.headers.len();
        let found = row.cells.len();
        if found < expected {
            errors.push(row_issue(
                ErrorCode::MissingCells,
                String::new(),
                format!(
                    "the row has {found} cells but the header has {expected}: \
                     a cell or a separator is missing, or a quote is not closed"
                ),
            ));
        } else if found > expected {
            let extra: Vec<&str> = row
                .cells
                .iter()
                .skip(expected)
                .filter(|c| !c.trim().is_empty())
                .collect();
            if !extra.is_empty() {
                errors.push(row_issue(
                    ErrorCode::ExtraCells,
                    extra.join(", "),
                    format!(
                        "the row has {found} cells but the header has {expected}: \
                         a value has an unquoted separator, or a column has no header"
                    ),
                ));
            }
        }

        let mut values = BTreeMap::new();
        let mut blanks = Vec::new();
        for rule in &self.columns {
            // A short row's missing cells are reported once, as missing_cells.
            let Some(raw) = row.cells.get(rule.column) else {
                continue;
            };
            if raw.trim().is_empty() {
                if rule.field.mandatory {
                    errors.push(rule.issue(
                        ErrorCode::MissingValue,
                        raw,
                        format!("{} is required: fill in this cell", rule.field.label),
                    ));
                } else {
                    blanks.push(rule.field.id.to_string());
                }
                continue;
            }
            match normalize(rule.field.field_type, raw, rule.date) {
                Ok(value) => {
                    if let FieldType::Id { .. } = rule.field.field_type {
                        if let Some((code, message)) = id_warning(&value, rule.id_width) {
                            warnings.push(rule.issue(code, raw, message));
                        }
                    }
                    values.insert(rule.field.id.to_string(), value);
                }
                Err(rejection) => {
                    errors.push(rule.issue(rejection.code, raw, rejection.message));
                }
            }
        }

        if let Some(first) = duplicate_of {
            errors.push(self.duplicate_issue(row, first));
        }

        if !errors.is_empty() {
            return RowOutcome::Invalid { errors, warnings };
        }
        let mut key = String::new();
        for (i, &index) in self.key.iter().enumerate() {
            if i > 0 {
                key.push(KEY_SEPARATOR);
            }
            if let Some(value) = values.get(self.columns[index].field.id) {
                key.push_str(value);
            }
        }
        RowOutcome::Valid {
            record: Record {
                key,
                values,
                blanks,
            },
            warnings,
        }
    }

    fn duplicate_issue(&self, row: &SourceRow, first: RowNumber) -> RowError {
        let rules: Vec<&ColumnRule> = self.key.iter().map(|&i| &self.columns[i]).collect();
        let labels: Vec<&str> = rules.iter().map(|r| r.field.label).collect();
        let value = rules
            .iter()
            .map(|r| row.cell(r.column).trim())
            .collect::<Vec<_>>()
            .join(", ");
        let message = format!(
            "the same {} as row {first}, which is the one imported: \
             remove this row or correct it",
            labels.join(" and ")
        );
        match rules.as_slice() {
            [only] => only.issue(ErrorCode::DuplicateKey, &value, message),
            _ => row_issue(ErrorCode::DuplicateKey, value, message),
        }
    }
}

fn row_issue(code: ErrorCode, value: String, message: String) -> RowError {
    CellIssue {
        code,
        column: None,
        header: None,
        field: None,
        value,
        message,
    }
}
