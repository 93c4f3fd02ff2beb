//! Per-field and per-row validation and normalization.
//!
//! Every failure carries a stable snake_case code, the column, the field, the
//! value and a message an admin understands.

mod choice;
mod date;
mod email;
mod ids;
mod loose;
mod phone;
mod place;
mod text;
mod values;

pub use crate::rules::DateRule;
pub use choice::{normalize_boolean, normalize_choice};
pub(crate) use email::{email_case, EmailCase};
pub use ids::{normalize_dea, normalize_npi};
pub use place::{normalize_country, normalize_state, normalize_zip};
pub use text::{id_warning, looks_scientific, normalize_id, normalize_text};
pub use values::Values;
use values::{as_cow, Normalized};

use crate::catalog::{Field, FieldType};
use crate::chunk::{ChunkRow, CutRow};
use crate::limits::{shown, MAX_CELL_CHARS, MAX_COLUMNS, MAX_ROW_BYTES, MAX_SHOWN_CHARS};
use crate::plan::ImportPlan;
use crate::row::{RowNumber, SourceRow};
use crate::rules::{date_rule, record_key, trim};
use choice::Choices;
use serde::{Deserialize, Serialize};
use smallvec::SmallVec;
use std::borrow::Cow;

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
    /// The row's chunk failed every delivery attempt (dead-lettered).
    ProcessingFailed,
    /// A cell longer than any cell can be ([`MAX_CELL_CHARS`]).
    CellTooLong,
    /// A row too large to travel whole ([`MAX_ROW_BYTES`], [`MAX_COLUMNS`]).
    RowTooLong,
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
    /// The cell as written, cut after [`MAX_SHOWN_CHARS`] characters (with
    /// `…`): a row log stays within a DynamoDB item whatever the cell. The
    /// whole cell stays in the row's cells, which the failed-rows file
    /// gives back.
    pub value: String,
    /// Quotes the value cut the same way.
    pub message: String,
}

pub type RowError = CellIssue<ErrorCode>;
pub type RowWarning = CellIssue<WarningCode>;

/// A valid row, normalized, ready to upsert. Its values may borrow the
/// row's cells (`'r`); [`Record::into_owned`] detaches them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record<'r> {
    /// The key fields' normalized values joined by `'\u{1f}'`.
    pub key: String,
    /// Field id → normalized value, for non-blank mapped cells.
    pub values: Values<'r>,
    /// Mapped fields whose cell was blank (the blank-cell policy decides):
    /// the catalog's ids, borrowed, as blank optional columns are common.
    pub blanks: Vec<Cow<'static, str>>,
}

impl Record<'_> {
    pub fn into_owned(self) -> Record<'static> {
        Record {
            key: self.key,
            values: self.values.into_owned(),
            blanks: self.blanks,
        }
    }
}

/// What became of a row; a valid one's record may borrow the row (`'r`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RowOutcome<'r> {
    Valid {
        record: Record<'r>,
        warnings: Vec<RowWarning>,
    },
    Invalid {
        errors: Vec<RowError>,
        warnings: Vec<RowWarning>,
    },
}

impl RowOutcome<'_> {
    /// The same outcome, no longer borrowing the row.
    pub fn into_owned(self) -> RowOutcome<'static> {
        match self {
            RowOutcome::Valid { record, warnings } => RowOutcome::Valid {
                record: record.into_owned(),
                warnings,
            },
            RowOutcome::Invalid { errors, warnings } => RowOutcome::Invalid { errors, warnings },
        }
    }
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
/// characters escaped, and cut after [`MAX_SHOWN_CHARS`] characters: a
/// message stays short whatever the cell (the row log keeps the cells).
fn quoted(value: &str) -> String {
    format!("{:?}", shown(value, MAX_SHOWN_CHARS))
}

/// Equal ignoring case and whitespace (and dots when asked), without
/// allocating: `" New  york "` matches `"New York"`, `"u.s.a."` `"USA"`.
fn loose_eq(input: &str, candidate: &str, ignore_dots: bool) -> bool {
    if input.is_ascii() && candidate.is_ascii() {
        return loose_eq_ascii(input.as_bytes(), candidate.as_bytes(), ignore_dots);
    }
    let skip = |c: &char| c.is_whitespace() || (ignore_dots && *c == '.');
    input
        .chars()
        .filter(|c| !skip(c))
        .flat_map(char::to_lowercase)
        .eq(candidate
            .chars()
            .filter(|c| !skip(c))
            .flat_map(char::to_lowercase))
}

/// [`loose_eq`] for ASCII text, where lower-casing is one byte to one byte.
fn loose_eq_ascii(input: &[u8], candidate: &[u8], ignore_dots: bool) -> bool {
    let keep = |b: &&u8| !(matches!(**b, b'\t'..=b'\r' | b' ') || (ignore_dots && **b == b'.'));
    let mut a = input.iter().filter(keep);
    let mut b = candidate.iter().filter(keep);
    loop {
        match (a.next(), b.next()) {
            (None, None) => return true,
            (Some(x), Some(y)) if x.eq_ignore_ascii_case(y) => {}
            _ => return false,
        }
    }
}

/// One non-blank cell, checked and normalized by its field's type.
///
/// ```
/// use dic_core::validate::{normalize, DateRule, ErrorCode};
/// use dic_core::FieldType;
///
/// let phone = normalize(FieldType::Phone, "(555) 234-5678", DateRule::Undecided);
/// assert_eq!(phone.unwrap(), "+15552345678");
/// let date = normalize(FieldType::Date, "03/04/2024", DateRule::Undecided);
/// assert_eq!(date.unwrap_err().code, ErrorCode::AmbiguousDate);
/// ```
///
/// The value borrows `raw` when normalizing leaves it as it was, trimmed.
pub fn normalize(
    field_type: FieldType,
    raw: &str,
    date: DateRule,
) -> Result<Cow<'_, str>, Rejection> {
    as_cow(|out| write_normalized(field_type, raw, date, out))
}

/// [`normalize`], appending a rewritten value to `out`: the validator hands
/// every value of a row the same string.
fn write_normalized<'r>(
    field_type: FieldType,
    raw: &'r str,
    date: DateRule,
    out: &mut String,
) -> Result<Normalized<'r>, Rejection> {
    let cow = match field_type {
        FieldType::Email => return email::write_email(raw, out),
        FieldType::Phone => return phone::write_phone(raw, out),
        FieldType::Date => return date::write_date(raw, date, out),
        FieldType::Text { max_len } => normalize_text(raw, max_len),
        FieldType::Id { max_len } => normalize_id(raw, max_len),
        FieldType::UsState => normalize_state(raw),
        FieldType::Zip => normalize_zip(raw),
        FieldType::Country => normalize_country(raw),
        FieldType::Npi => normalize_npi(raw),
        FieldType::Dea => normalize_dea(raw),
        FieldType::Boolean => normalize_boolean(raw),
        FieldType::Enum(values) => normalize_choice(raw, values),
    }?;
    // The rest rewrite rarely (a ZIP's missing dash, a DEA number's case).
    Ok(Normalized::from_cow(cow, out))
}

/// A mapped column with everything its cells need, resolved once.
struct ColumnRule<'p> {
    column: usize,
    header: &'p str,
    field: &'static Field,
    kind: CellKind,
    id_width: Option<u8>,
    /// Where the field stands among the mapped key fields, when it is one.
    key_slot: Option<usize>,
}

/// How a column's cells are checked: the field type with what it needs
/// looked up in advance, so each cell takes one branch.
#[derive(Clone, Copy)]
enum CellKind {
    /// Text and identifiers: trimmed, within a length.
    Text { max_len: usize, id: bool },
    /// Enum fields: the values and synonyms, folded for lookups.
    Choice(&'static Choices),
    /// Every other type, with the column's date rule.
    Other(FieldType, DateRule),
}

impl ColumnRule<'_> {
    /// [`normalize`] of a non-blank, trimmed cell, with the column's
    /// prepared choices, appending a rewritten value to `out`. `clean` says
    /// the row holds no control character, so text needs no scan of its own.
    #[inline]
    fn normalize<'r>(
        &self,
        value: &'r str,
        clean: bool,
        out: &mut String,
    ) -> Result<Normalized<'r>, Rejection> {
        match self.kind {
            // Fewer bytes than the limit is fewer characters: no call, and
            // no result passed through memory, for most cells.
            CellKind::Text { max_len, .. } if clean && value.len() <= max_len => {
                Ok(Normalized::Kept(value))
            }
            CellKind::Text { .. } => {
                write_normalized(self.field.field_type, value, DateRule::Undecided, out)
            }
            CellKind::Other(field_type, rule) => write_normalized(field_type, value, rule, out),
            CellKind::Choice(choices) => choices
                .normalize(value)
                .map(|choice| Normalized::from_cow(choice, out)),
        }
    }

    fn issue<C>(&self, code: C, value: &str, message: String) -> CellIssue<C> {
        CellIssue {
            code,
            column: Some(self.column),
            header: Some(self.header.to_string()),
            field: Some(self.field.id.to_string()),
            value: shown(value, MAX_SHOWN_CHARS).into_owned(),
            message,
        }
    }
}

/// Validates rows against a plan; resolves catalog lookups once, not per row.
pub struct Validator<'p> {
    plan: &'p ImportPlan,
    /// In field id order: the record's values are pushed sorted as the
    /// cells are read, with no second pass to reorder them.
    columns: Vec<ColumnRule<'p>>,
    /// Indexes into `columns` of the key fields, in key order.
    key: Vec<usize>,
}

impl<'p> Validator<'p> {
    pub fn new(plan: &'p ImportPlan) -> Validator<'p> {
        let mut columns: Vec<ColumnRule<'p>> = plan
            .columns
            .iter()
            .filter_map(|planned| {
                let field = plan.entity.field(&planned.field)?;
                let kind = match field.field_type {
                    FieldType::Text { max_len } => CellKind::Text { max_len, id: false },
                    FieldType::Id { max_len } => CellKind::Text { max_len, id: true },
                    FieldType::Enum(values) => CellKind::Choice(Choices::shared(values)),
                    other => CellKind::Other(
                        other,
                        date_rule(plan.settings.date_format, planned.date_order),
                    ),
                };
                Some(ColumnRule {
                    column: planned.column,
                    header: plan.headers.get(planned.column).map_or("", String::as_str),
                    field,
                    kind,
                    id_width: planned.id_width,
                    key_slot: None,
                })
            })
            .collect();
        columns.sort_by_key(|c| c.field.id);
        let key: Vec<usize> = plan
            .entity
            .key_fields()
            .filter_map(|f| columns.iter().position(|c| c.field.id == f.id))
            .collect();
        for (slot, &at) in key.iter().enumerate() {
            columns[at].key_slot = Some(slot);
        }
        Validator { plan, columns, key }
    }

    /// `duplicate_of` comes from the splitter's
    /// [`crate::duplicates::profile_and_find_duplicates`].
    pub fn validate<'r>(
        &self,
        row: &'r SourceRow,
        duplicate_of: Option<RowNumber>,
    ) -> RowOutcome<'r> {
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

        let mut values = Values::with_capacity(self.columns.len());
        // Where each key field's value lies in `values`, when it has one.
        let mut key_at: SmallVec<[Option<usize>; 2]> = SmallVec::from_elem(None, self.key.len());
        let mut blanks = Vec::new();
        let cell_errors = errors.len();
        // Parsing scanned the row once; only a row with an odd byte is
        // scanned again here, and then once, not once per cell.
        let clean = row.cells.is_plain() || !text::may_hold_control(row.cells.as_text());
        for rule in &self.columns {
            // A short row's missing cells are reported once, as missing_cells.
            let Some(raw) = row.cells.get(rule.column) else {
                continue;
            };
            let value = trim(raw);
            if value.is_empty() {
                if rule.field.mandatory {
                    errors.push(rule.issue(
                        ErrorCode::MissingValue,
                        raw,
                        format!("{} is required: fill in this cell", rule.field.label),
                    ));
                } else {
                    blanks.push(Cow::Borrowed(rule.field.id));
                }
                continue;
            }
            match values.push_with(rule.field.id, |out| rule.normalize(value, clean, out)) {
                Ok(()) => {
                    let at = values.len() - 1;
                    if let CellKind::Text { id: true, .. } = rule.kind {
                        if let Some((code, message)) =
                            id_warning(values.value_at(at), rule.id_width)
                        {
                            warnings.push(rule.issue(code, raw, message));
                        }
                    }
                    if let Some(slot) = rule.key_slot {
                        key_at[slot] = Some(at);
                    }
                }
                Err(rejection) => {
                    errors.push(rule.issue(rejection.code, raw, rejection.message));
                }
            }
        }
        // Columns were read in field order; problems are reported in the
        // file's column order.
        errors[cell_errors..].sort_by_key(|e| e.column);
        warnings.sort_by_key(|w| w.column);

        if let Some(first) = duplicate_of {
            errors.push(self.duplicate_issue(row, first));
        }

        if !errors.is_empty() {
            return RowOutcome::Invalid { errors, warnings };
        }
        let key_value = |at: &Option<usize>| Cow::Borrowed(at.map_or("", |i| values.value_at(i)));
        let key = record_key(key_at.iter().map(key_value)).into_owned();
        RowOutcome::Valid {
            record: Record {
                key,
                values,
                blanks,
            },
            warnings,
        }
    }

    /// [`Validator::validate`] of a row as a chunk message carries it: a row
    /// the splitter had to cut to fit ([`crate::chunk::chunk_rows`]) fails
    /// with `cell_too_long` for each cell over [`MAX_CELL_CHARS`], or
    /// `row_too_long` when the row as a whole was too large; its cut cells
    /// are not judged by their field's rules (their text is not the
    /// admin's), its other cells are. The processor calls this one.
    #[inline]
    pub fn validate_chunk_row<'r>(&self, row: &'r ChunkRow) -> RowOutcome<'r> {
        match &row.cut {
            None => self.validate(&row.row, row.duplicate_of),
            Some(cut) => self.validate_cut_row(row, cut),
        }
    }

    #[cold]
    fn validate_cut_row<'r>(&self, row: &'r ChunkRow, cut: &CutRow) -> RowOutcome<'r> {
        let outcome = self.validate(&row.row, row.duplicate_of);
        let (mut errors, mut warnings) = match outcome {
            RowOutcome::Valid { warnings, .. } => (Vec::new(), warnings),
            RowOutcome::Invalid { errors, warnings } => (errors, warnings),
        };
        let was_cut = |column: Option<usize>| {
            column.is_some_and(|column| {
                cut.cut_columns.contains(&column)
                    || cut.long_cells.iter().any(|&(c, _)| c == column)
            })
        };
        errors.retain(|e| !was_cut(e.column));
        warnings.retain(|w| !was_cut(w.column));
        let mut own = Vec::new();
        if cut.cells > MAX_COLUMNS {
            own.push(row_issue(
                ErrorCode::RowTooLong,
                String::new(),
                format!(
                    "the row has {} cells, more than the {MAX_COLUMNS} a row can have: \
                     delete the cells to the right of the data",
                    cut.cells
                ),
            ));
        } else if cut.long_cells.is_empty() {
            own.push(row_issue(
                ErrorCode::RowTooLong,
                String::new(),
                format!(
                    "the row takes {} bytes, more than the {MAX_ROW_BYTES} a row can take: \
                     shorten its longest cells (the failed-rows file shows them cut)",
                    cut.bytes
                ),
            ));
        }
        for &(column, chars) in &cut.long_cells {
            own.push(self.cell_issue(
                column,
                ErrorCode::CellTooLong,
                row.row.cell(column),
                format!(
                    "the cell has {chars} characters, more than the {MAX_CELL_CHARS} a cell \
                     can hold: shorten it (the failed-rows file shows its beginning)"
                ),
            ));
        }
        own.append(&mut errors);
        RowOutcome::Invalid {
            errors: own,
            warnings,
        }
    }

    /// An issue of the cell at `column`, mapped or not.
    fn cell_issue(&self, column: usize, code: ErrorCode, value: &str, message: String) -> RowError {
        match self.columns.iter().find(|rule| rule.column == column) {
            Some(rule) => rule.issue(code, value, message),
            None => CellIssue {
                code,
                column: Some(column),
                header: self.plan.headers.get(column).cloned(),
                field: None,
                value: shown(value, MAX_SHOWN_CHARS).into_owned(),
                message,
            },
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
    RowError::for_row(code, value, message)
}

impl RowError {
    /// A problem of the whole row rather than of one cell; the value is cut
    /// after [`MAX_SHOWN_CHARS`] characters, as every error's is.
    pub fn for_row(code: ErrorCode, value: String, message: String) -> RowError {
        let value = match shown(&value, MAX_SHOWN_CHARS) {
            Cow::Borrowed(_) => value,
            Cow::Owned(cut) => cut,
        };
        CellIssue {
            code,
            column: None,
            header: None,
            field: None,
            value,
            message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Entity;
    use crate::headers::Headers;
    use crate::mapping::Mapping;
    use crate::row::Cells;
    use crate::rules::{DateFormat, DateOrder};
    use crate::template::ImportSettings;

    fn plan(entity: Entity, pairs: &[(&str, &str)], settings: ImportSettings) -> ImportPlan {
        let headers = Headers {
            names: pairs.iter().map(|(h, _)| h.to_string()).collect(),
            problems: vec![],
        };
        let mapping: Mapping = pairs
            .iter()
            .copied()
            .filter(|(_, f)| !f.is_empty())
            .collect();
        ImportPlan::new(entity, &headers, &mapping, settings).unwrap()
    }

    fn employees() -> ImportPlan {
        plan(
            Entity::Employees,
            &[
                ("Email", "email"),
                ("First", "first_name"),
                ("Last", "last_name"),
                ("Status", "employee_status"),
                ("Hired", "hire_date"),
                ("Phone", "phone"),
                ("Emp ID", "employee_id"),
                ("Notes", ""),
            ],
            ImportSettings::default(),
        )
    }

    fn row(number: u32, cells: &[&str]) -> SourceRow {
        SourceRow {
            number: RowNumber(number),
            cells: cells.iter().collect::<Cells>(),
        }
    }

    fn errors(outcome: &RowOutcome) -> Vec<(ErrorCode, Option<usize>)> {
        match outcome {
            RowOutcome::Invalid { errors, .. } => {
                errors.iter().map(|e| (e.code, e.column)).collect()
            }
            RowOutcome::Valid { .. } => vec![],
        }
    }

    #[test]
    fn a_valid_row_is_normalized_with_blanks_and_key() {
        let plan = employees();
        let validator = Validator::new(&plan);
        let outcome = validator
            .validate(
                &row(
                    2,
                    &[
                        " Jane@Example.com",
                        "Jane ",
                        "Doe",
                        "act",
                        "2024-03-05",
                        "",
                        "E01",
                        "x",
                    ],
                ),
                None,
            )
            .into_owned();
        let RowOutcome::Valid { record, warnings } = outcome else {
            panic!("{outcome:?}");
        };
        assert!(warnings.is_empty());
        assert_eq!(record.key, "jane@example.com");
        assert_eq!(&record.values["email"], "jane@example.com");
        assert_eq!(&record.values["first_name"], "Jane");
        assert_eq!(&record.values["employee_status"], "Active");
        assert_eq!(&record.values["hire_date"], "2024-03-05");
        assert_eq!(&record.values["employee_id"], "E01");
        assert_eq!(record.values.len(), 6);
        assert_eq!(record.blanks, ["phone"]);
    }

    #[test]
    fn every_error_of_a_row_is_reported_with_its_cell() {
        let plan = employees();
        let outcome = Validator::new(&plan)
            .validate(
                &row(
                    3,
                    &["jane@", "", "Doe", "Retired", "2023-02-29", "12", "E1", ""],
                ),
                None,
            )
            .into_owned();
        assert_eq!(
            errors(&outcome),
            [
                (ErrorCode::InvalidEmail, Some(0)),
                (ErrorCode::MissingValue, Some(1)),
                (ErrorCode::InvalidChoice, Some(3)),
                (ErrorCode::InvalidDate, Some(4)),
                (ErrorCode::InvalidPhone, Some(5)),
            ]
        );
        let RowOutcome::Invalid { errors, .. } = outcome else {
            unreachable!()
        };
        assert_eq!(errors[0].header.as_deref(), Some("Email"));
        assert_eq!(errors[0].field.as_deref(), Some("email"));
        assert_eq!(errors[0].value, "jane@");
        assert_eq!(
            errors[1].message,
            "First Name is required: fill in this cell"
        );
        assert!(errors[2]
            .message
            .contains("Active, Inactive, On Leave, Terminated"));
    }

    #[test]
    fn errors_of_huge_cells_stay_short() {
        // 70 KB of quotes, which JSON and the message's quoting both double.
        let quotes = "\"".repeat(70_000);
        let mut cells = vec![quotes.as_str(); 4];
        cells.extend(["2024-01-01", "", "E1", ""]);
        cells.extend([quotes.as_str(); 3]);
        let plan = employees();
        let RowOutcome::Invalid { errors, .. } =
            Validator::new(&plan).validate(&row(2, &cells), None)
        else {
            panic!("the row is invalid");
        };
        let codes: Vec<ErrorCode> = errors.iter().map(|e| e.code).collect();
        assert_eq!(
            codes,
            [
                ErrorCode::ExtraCells,
                ErrorCode::InvalidEmail,
                ErrorCode::TooLong,
                ErrorCode::TooLong,
                ErrorCode::InvalidChoice,
            ]
        );
        for error in &errors {
            assert!(
                error.value.chars().count() <= MAX_SHOWN_CHARS + 1,
                "{:?}",
                error.code
            );
            assert!(error.value.ends_with('…'), "{:?}", error.code);
            let json = serde_json::to_string(error).unwrap();
            assert!(json.len() < 2_000, "{:?}: {} bytes", error.code, json.len());
        }
    }

    #[test]
    fn cut_rows_fail_with_what_was_too_long_and_their_other_cells_checked() {
        use crate::chunk::{fit_row, ChunkRow};
        let plan = employees();
        let validator = Validator::new(&plan);
        let long = "x".repeat(300_000);
        let codes = |cells: &[&str]| {
            let row = fit_row(ChunkRow::new(row(2, cells)));
            assert!(row.cut.is_some());
            match validator.validate_chunk_row(&row) {
                RowOutcome::Invalid { errors, .. } => errors,
                RowOutcome::Valid { .. } => panic!("a cut row is never valid"),
            }
        };
        // Unmapped, in a row otherwise valid but for its status.
        let errors = codes(&["a@b.co", "Ann", "Lee", "Retired", "", "", "", &long]);
        let found: Vec<_> = errors.iter().map(|e| (e.code, e.column)).collect();
        assert_eq!(
            found,
            [
                (ErrorCode::CellTooLong, Some(7)),
                (ErrorCode::InvalidChoice, Some(3))
            ]
        );
        assert_eq!(errors[0].header.as_deref(), Some("Notes"));
        assert_eq!(errors[0].field, None);
        assert_eq!(errors[0].value.chars().count(), MAX_SHOWN_CHARS + 1);
        assert!(
            errors[0].message.contains("300000 characters"),
            "{}",
            errors[0].message
        );
        // Mapped: the cut text is not judged as a first name.
        let errors = codes(&["a@b.co", &long, "Lee", "Active", "", "", "", ""]);
        assert_eq!(errors.len(), 1);
        assert_eq!(
            (errors[0].code, errors[0].field.as_deref()),
            (ErrorCode::CellTooLong, Some("first_name"))
        );
        // Too large as a whole.
        let quotes = "\"".repeat(30_000);
        let errors = codes(&["a@b.co", "Ann", "Lee", "Active", "", "", &quotes, &quotes]);
        assert_eq!(errors.len(), 1);
        assert_eq!(
            (errors[0].code, errors[0].column),
            (ErrorCode::RowTooLong, None)
        );
        let mut wide = vec![""; 100_000];
        wide[..4].copy_from_slice(&["a@b.co", "Ann", "Lee", "Active"]);
        let errors = codes(&wide);
        assert_eq!(errors[0].code, ErrorCode::RowTooLong);
        assert!(
            errors[0].message.contains("100000 cells"),
            "{}",
            errors[0].message
        );

        // A row that travels whole is validated as ever.
        let whole = ChunkRow {
            duplicate_of: Some(RowNumber(1)),
            ..ChunkRow::new(row(3, &["a@b.co", "Ann", "Lee", "Active", "", "", "", ""]))
        };
        assert_eq!(
            validator.validate_chunk_row(&whole),
            validator.validate(&whole.row, whole.duplicate_of)
        );
    }

    #[test]
    fn a_failed_row_log_stays_far_under_a_dynamodb_item() {
        use crate::chunk::{fit_row, ChunkRow};
        // Every provider field mapped under the longest headers, each cell
        // invalid for its field and as costly to write as text can be.
        let fields = Entity::Providers.fields();
        let header = "é".repeat(crate::limits::MAX_HEADER_CHARS);
        let pairs: Vec<(String, &str)> = fields
            .iter()
            .enumerate()
            .map(|(i, f)| (format!("{i}{}", &header[..header.len() - 2]), f.id))
            .collect();
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(h, f)| (h.as_str(), *f)).collect();
        let plan = plan(Entity::Providers, &pairs, ImportSettings::default());
        let costly = "\"\u{1}".repeat(150);
        for cell in [costly.clone(), costly.repeat(20)] {
            let cells = vec![cell.as_str(); fields.len()];
            let row = fit_row(ChunkRow::new(row(2, &cells)));
            let RowOutcome::Invalid { errors, warnings } =
                Validator::new(&plan).validate_chunk_row(&row)
            else {
                panic!("invalid")
            };
            // What the row log holds: the cells, the errors, the warnings.
            let log = serde_json::to_string(&(&row.row.cells, &errors, &warnings)).unwrap();
            assert!(
                log.len() < 200_000,
                "{} bytes, {} errors",
                log.len(),
                errors.len()
            );
        }
    }

    #[test]
    fn short_rows_fail_as_missing_cells() {
        let plan = employees();
        let outcome = Validator::new(&plan)
            .validate(&row(4, &["a@b.co", "A", "B", "Active"]), None)
            .into_owned();
        assert_eq!(errors(&outcome), [(ErrorCode::MissingCells, None)]);
        let RowOutcome::Invalid { errors, .. } = outcome else {
            unreachable!()
        };
        assert!(
            errors[0].message.contains("4 cells"),
            "{}",
            errors[0].message
        );
        assert!(
            errors[0].message.contains("header has 8"),
            "{}",
            errors[0].message
        );
    }

    #[test]
    fn extra_cells_fail_only_when_not_blank() {
        let plan = employees();
        let validator = Validator::new(&plan);
        let base = ["a@b.co", "A", "B", "Active", "", "", "", ""];
        let mut cells = base.to_vec();
        cells.extend(["", "  "]);
        assert!(matches!(
            validator.validate(&row(5, &cells), None),
            RowOutcome::Valid { .. }
        ));
        cells.push("oops");
        let outcome = validator.validate(&row(5, &cells), None).into_owned();
        assert_eq!(errors(&outcome), [(ErrorCode::ExtraCells, None)]);
        let RowOutcome::Invalid { errors, .. } = outcome else {
            unreachable!()
        };
        assert_eq!(errors[0].value, "oops");
        assert!(
            errors[0].message.contains("11 cells"),
            "{}",
            errors[0].message
        );
    }

    #[test]
    fn duplicates_name_the_first_row() {
        let plan = employees();
        let outcome = Validator::new(&plan)
            .validate(
                &row(9, &["a@b.co", "A", "B", "Active", "", "", "", ""]),
                Some(RowNumber(5)),
            )
            .into_owned();
        assert_eq!(errors(&outcome), [(ErrorCode::DuplicateKey, Some(0))]);
        let RowOutcome::Invalid { errors, .. } = outcome else {
            unreachable!()
        };
        assert!(
            errors[0]
                .message
                .starts_with("the same Email as row 5, which is the one imported"),
            "{}",
            errors[0].message
        );
    }

    #[test]
    fn id_warnings_do_not_fail_the_row() {
        let mut plan = employees();
        let outcome = Validator::new(&plan)
            .validate(
                &row(2, &["a@b.co", "A", "B", "Active", "", "", "1.23E+10", ""]),
                None,
            )
            .into_owned();
        let RowOutcome::Valid { warnings, record } = outcome else {
            panic!("{outcome:?}");
        };
        assert_eq!(&record.values["employee_id"], "1.23E+10");
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].code, WarningCode::ScientificNotation);
        assert_eq!(warnings[0].column, Some(6));

        plan.columns
            .iter_mut()
            .find(|c| c.field == "employee_id")
            .unwrap()
            .id_width = Some(5);
        let outcome = Validator::new(&plan)
            .validate(
                &row(2, &["a@b.co", "A", "B", "Active", "", "", "123", ""]),
                None,
            )
            .into_owned();
        let RowOutcome::Valid { warnings, .. } = outcome else {
            panic!("{outcome:?}");
        };
        assert_eq!(warnings[0].code, WarningCode::LeadingZerosLost);
        assert!(warnings[0].message.contains("00123"));
    }

    #[test]
    fn date_order_comes_from_the_template_or_the_column() {
        let cells = ["a@b.co", "A", "B", "Active", "03/04/2024", "", "", ""];
        let mut plan = employees();
        assert_eq!(
            errors(&Validator::new(&plan).validate(&row(2, &cells), None)),
            [(ErrorCode::AmbiguousDate, Some(4))]
        );
        plan.columns[4].date_order = Some(DateOrder::DayFirst);
        let outcome = Validator::new(&plan)
            .validate(&row(2, &cells), None)
            .into_owned();
        let RowOutcome::Valid { record, .. } = outcome else {
            panic!("{outcome:?}");
        };
        assert_eq!(&record.values["hire_date"], "2024-04-03");

        plan.settings.date_format = DateFormat::MonthFirst;
        let outcome = Validator::new(&plan)
            .validate(&row(2, &cells), None)
            .into_owned();
        let RowOutcome::Valid { record, .. } = outcome else {
            panic!("{outcome:?}");
        };
        assert_eq!(&record.values["hire_date"], "2024-03-04");

        plan.settings.date_format = DateFormat::Iso;
        assert_eq!(
            errors(&Validator::new(&plan).validate(&row(2, &cells), None)),
            [(ErrorCode::InvalidDate, Some(4))]
        );
    }

    #[test]
    fn every_field_type_is_dispatched() {
        let rule = DateRule::Undecided;
        let cases: [(FieldType, &str, &str); 12] = [
            (FieldType::Text { max_len: 5 }, " ab ", "ab"),
            (FieldType::Id { max_len: 5 }, " 007 ", "007"),
            (FieldType::Email, "A@B.CO", "a@b.co"),
            (FieldType::Phone, "555-234-5678", "+15552345678"),
            (FieldType::Date, "Mar 5, 2024", "2024-03-05"),
            (FieldType::UsState, "texas", "TX"),
            (FieldType::Zip, "021341234", "02134-1234"),
            (FieldType::Country, "USA", "US"),
            (FieldType::Npi, "1234567893", "1234567893"),
            (FieldType::Dea, "ab1234563", "AB1234563"),
            (FieldType::Boolean, "Yes", "true"),
            (
                FieldType::Enum(&[crate::catalog::EnumValue {
                    value: "On",
                    synonyms: &[],
                }]),
                "on",
                "On",
            ),
        ];
        for (field_type, raw, expected) in cases {
            assert_eq!(normalize(field_type, raw, rule).unwrap(), expected, "{raw}");
        }
    }

    const ALL_TYPES: [FieldType; 12] = [
        FieldType::Text { max_len: 10 },
        FieldType::Id { max_len: 10 },
        FieldType::Email,
        FieldType::Phone,
        FieldType::Date,
        FieldType::UsState,
        FieldType::Zip,
        FieldType::Country,
        FieldType::Npi,
        FieldType::Dea,
        FieldType::Boolean,
        FieldType::Enum(&[crate::catalog::EnumValue {
            value: "In Progress",
            synonyms: &["Started"],
        }]),
    ];
    const ALL_RULES: [DateRule; 4] = [
        DateRule::IsoOnly,
        DateRule::Undecided,
        DateRule::Order(DateOrder::MonthFirst),
        DateRule::Order(DateOrder::DayFirst),
    ];

    proptest::proptest! {
        /// Arbitrary text never panics, and a normalized value is a fixed
        /// point: re-importing an export changes nothing.
        #[test]
        fn normalizing_never_panics_and_is_idempotent(
            raw in proptest::prop_oneof![
                "\\PC{0,24}",
                "[ 0-9]{0,3}[-/. ]?[0-9A-Za-z]{1,9}[-/. ,]{0,2}[0-9]{0,4}[Tx ]?[0-9:]{0,5}",
                "[+(]?[0-9 ().-]{0,18}",
            ]
        ) {
            for field_type in ALL_TYPES {
                for rule in ALL_RULES {
                    if let Ok(value) = normalize(field_type, &raw, rule) {
                        let again = normalize(field_type, &value, rule);
                        proptest::prop_assert_eq!(again, Ok(value.clone()));
                    }
                }
            }
        }

        #[test]
        fn any_row_gets_an_outcome(
            cells in proptest::collection::vec("\\PC{0,12}", 0..12)
        ) {
            let plan = employees();
            let row = SourceRow { number: RowNumber(2), cells: cells.iter().collect() };
            match Validator::new(&plan).validate(&row, None) {
                RowOutcome::Valid { record, .. } => {
                    proptest::prop_assert_eq!(Some(record.key), crate::duplicates::key_of(&plan, &row));
                }
                RowOutcome::Invalid { errors, .. } => proptest::prop_assert!(!errors.is_empty()),
            }
        }
    }

    #[test]
    fn loose_eq_ignores_case_whitespace_and_optionally_dots() {
        assert!(loose_eq(" New  york ", "New York", false));
        assert!(loose_eq("ÉTÉ", "été", false));
        assert!(!loose_eq("u.s.", "US", false));
        assert!(loose_eq("u.s.", "US", true));
        assert!(!loose_eq("New", "New York", false));
    }
}
