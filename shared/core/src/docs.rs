//! The README's field and rule reference, generated from the catalog so it
//! cannot go stale.
//!
//! `cargo run -p dic-core --example readme` (`make docs`) rewrites the
//! README's generated sections with [`render_readme`]; a test fails when they
//! differ from what this module produces, so a catalog change cannot ship
//! with an outdated README.

use crate::catalog::{Entity, Field, FieldType};
use crate::file_error::{FileError, MAX_FILE_BYTES};
use crate::limits::{
    MAX_CELLS, MAX_CELL_CHARS, MAX_COLUMNS, MAX_EMAIL_BYTES, MAX_HEADER_CHARS,
    MAX_HEADER_ROW_BYTES, MAX_ROWS, MAX_ROW_BYTES, MAX_SHARED_STRINGS, MAX_SHEET_TEXT_BYTES,
    MAX_SHOWN_CHARS, MAX_XLSX_INFLATED_BYTES,
};
use crate::validate::{ErrorCode, WarningCode};
use std::fmt::Write;

/// Markers around the generated field catalog in the README.
pub const CATALOG_START: &str = "<!-- catalog:start -->";
pub const CATALOG_END: &str = "<!-- catalog:end -->";
/// Markers around the generated validation rules in the README.
pub const RULES_START: &str = "<!-- rules:start -->";
pub const RULES_END: &str = "<!-- rules:end -->";

/// Markdown tables of every entity's fields.
pub fn catalog_markdown() -> String {
    let mut out = String::new();
    out.push_str(
        "Generated from the catalog (`shared/core/src/catalog/fields.rs`); \
         run `make docs` after changing it.\n\
         Header matching ignores case, spaces and punctuation. Key fields identify \
         the record and are mandatory; mandatory fields must be mapped and filled \
         in every row.\n",
    );
    for entity in Entity::ALL {
        entity_section(&mut out, entity);
    }
    out
}

/// Markdown list of the validation rules and error codes.
pub fn rules_markdown() -> String {
    let mut out = String::new();
    out.push_str(
        "Generated from the engine (`shared/core/src/docs.rs`); run `make docs` after \
         changing it.\n\
         Invalid rows never stop an import: each row is validated on its own, fails \
         with every error it has (code, column, value and message), and the failed \
         rows can be downloaded as an XLSX file, fixed and uploaded again.\n",
    );

    out.push_str("\n### Field types\n\n| Type | Accepted values and normalization |\n|---|---|\n");
    for field_type in TYPES {
        row(&mut out, &[field_type.name(), field_type.rule()]);
    }

    out.push_str("\n### Rows\n\n");
    for rule in ROW_RULES {
        let _ = writeln!(out, "- {rule}");
    }

    out.push_str(&limits_markdown());

    out.push_str("\n### Warnings\n\nA warning never fails the row; the admin should look.\n\n");
    for rule in WARNING_RULES {
        let _ = writeln!(out, "- {rule}");
    }

    out.push_str("\n### Error codes\n\n| Code | Meaning |\n|---|---|\n");
    for &code in ERROR_CODES {
        row(
            &mut out,
            &[&format!("`{}`", code_name(code)), error_meaning(code)],
        );
    }

    out.push_str("\n### Warning codes\n\n| Code | Meaning |\n|---|---|\n");
    for &code in WARNING_CODES {
        row(
            &mut out,
            &[&format!("`{}`", code_name(code)), warning_meaning(code)],
        );
    }

    out.push_str(
        "\n### File-level failures\n\n\
         A file that cannot be read at all ends the import as **Failed** with one of \
         these; no row is imported.\n\n\
         | Code | When | Message (example) |\n|---|---|---|\n",
    );
    for error in file_error_examples() {
        row(
            &mut out,
            &[
                &format!("`{}`", error.code()),
                file_error_when(&error),
                &error.to_string(),
            ],
        );
    }
    out
}

/// The limits every file is held to, from [`crate::limits`], and why.
fn limits_markdown() -> String {
    let mut out = String::from(
        "\n### Limits\n\n\
         Every legal file under 10 MB ends with an outcome: these limits keep each row \
         within a queue message (256 KiB), each row log and analysis within a DynamoDB \
         item (400 KB), each record key within a DynamoDB key, and each workbook within \
         a function's memory. Past a row's limit the row fails and the rest imports; past \
         a file's limit the file fails with the reason.\n\n\
         | Limit | Value | Past it | Why |\n|---|---|---|---|\n",
    );
    let kib = |bytes: usize| format!("{} KiB", bytes / 1024);
    let mib = |bytes: u64| format!("{} MiB", bytes / (1024 * 1024));
    for (limit, value, past, why) in [
        ("Cell length", format!("{MAX_CELL_CHARS} characters"), "the row fails (`cell_too_long`)", "Excel's own cell limit, the most the failed-rows file can give back; no field takes more than 255."),
        ("Row size", kib(MAX_ROW_BYTES), "the row fails (`row_too_long`)", "A row's cells as a queue message carries them; with the header row it leaves a chunk message well under 256 KiB, and its row log far under 400 KB."),
        ("Cells per row", format!("{MAX_COLUMNS}"), "the row fails (`row_too_long`)", "As many as the widest file has columns."),
        ("Columns", format!("{MAX_COLUMNS}"), "the file fails (`too_many_columns`)", "The widest entity has 35 fields; admins' exports carry columns of their own beside them. In a workbook, a cell with a value farther right counts."),
        ("Header length", format!("{MAX_HEADER_CHARS} characters"), "the file fails (`header_too_long`)", "As long as the longest text a field accepts: a longer first row is data, not names."),
        ("Header row", kib(MAX_HEADER_ROW_BYTES), "the file fails (`header_row_too_long`)", "Every chunk message carries the headers beside its rows."),
        ("Rows", format!("{MAX_ROWS}"), "the file fails (`too_many_rows`)", "Excel's own sheet limit."),
        ("Sheet cells", format!("{MAX_CELLS} (rows × columns)"), "the file fails (`sheet_too_large`)", "As many as a 10 MB CSV file can hold; a sparse workbook must not fill a grid of billions."),
        ("Sheet text", mib(MAX_SHEET_TEXT_BYTES as u64), "the file fails (`sheet_too_large`)", "A workbook stores a repeated text once; its cells together may not hold more."),
        ("Workbook texts", format!("{MAX_SHARED_STRINGS} distinct texts"), "the file fails (`sheet_too_large`)", "Each distinct text of a workbook is held apart; a 10 MB workbook of real records has some 600,000."),
        ("Workbook unzipped", mib(MAX_XLSX_INFLATED_BYTES), "the file fails (`sheet_too_large`)", "A 10 MB workbook of real records unzips to about 75 MB; a zip bomb is refused before it is read, by its declared size and by counting while unzipping."),
        ("Email length", format!("{MAX_EMAIL_BYTES} bytes"), "the row fails (`invalid_email`)", "RFC 5321. Every record key stays within DynamoDB's key limits (1024 bytes for a sort key): an email and a 64-character course code, the longest, take at most 765 bytes."),
        ("Value shown", format!("{MAX_SHOWN_CHARS} characters"), "cut, marked `…`", "An error's value and message, and an analysis's sample cells; the row log keeps the row's cells for the failed-rows file."),
    ] {
        row(&mut out, &[limit, &value, past, why]);
    }
    out
}

/// A README section's markers are missing or out of order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MarkerError {
    #[error("the README has no {0} marker: add it on a line of its own")]
    Missing(String),
    #[error("the README's {end} marker comes before {start}")]
    OutOfOrder { start: String, end: String },
}

/// `text` with everything between the `start` and `end` markers replaced by
/// `content` on lines of its own; the markers and all outside them stay.
///
/// ```
/// use dic_core::docs::replace_between;
///
/// let text = "# Title\n<!-- a -->\nold\n<!-- b -->\nafter\n";
/// let new = replace_between(text, "<!-- a -->", "<!-- b -->", "new").unwrap();
/// assert_eq!(new, "# Title\n<!-- a -->\nnew\n<!-- b -->\nafter\n");
/// ```
pub fn replace_between(
    text: &str,
    start: &str,
    end: &str,
    content: &str,
) -> Result<String, MarkerError> {
    let start_at = text
        .find(start)
        .ok_or_else(|| MarkerError::Missing(start.to_string()))?;
    let inner_at = start_at + start.len();
    let end_at = match text[inner_at..].find(end) {
        Some(offset) => inner_at + offset,
        None if text.contains(end) => {
            return Err(MarkerError::OutOfOrder {
                start: start.to_string(),
                end: end.to_string(),
            })
        }
        None => return Err(MarkerError::Missing(end.to_string())),
    };
    let content = content.trim_matches('\n');
    let mut out = String::with_capacity(text.len() + content.len());
    out.push_str(&text[..inner_at]);
    out.push('\n');
    out.push_str(content);
    out.push('\n');
    out.push_str(&text[end_at..]);
    Ok(out)
}

/// The README with both generated sections brought up to date.
pub fn render_readme(readme: &str) -> Result<String, MarkerError> {
    let readme = replace_between(readme, CATALOG_START, CATALOG_END, &catalog_markdown())?;
    replace_between(&readme, RULES_START, RULES_END, &rules_markdown())
}

fn entity_section(out: &mut String, entity: Entity) {
    let _ = write!(out, "\n### {}\n\n", entity_title(entity));
    let keys: Vec<_> = entity.key_fields().map(|f| f.label).collect();
    let mandatory: Vec<_> = entity.mandatory_fields().map(|f| f.label).collect();
    let _ = writeln!(
        out,
        "Key: {}. Mandatory: {}.\n",
        keys.join(" + "),
        mandatory.join(", ")
    );
    out.push_str(
        "| Field | id | Type | Key / mandatory | Category › Subcategory | Also recognised as |\n\
         |---|---|---|---|---|---|\n",
    );
    for field in entity.fields() {
        let marks = if field.key {
            "key"
        } else if field.mandatory {
            "mandatory"
        } else {
            ""
        };
        row(
            out,
            &[
                field.label,
                &format!("`{}`", field.id),
                &type_cell(field),
                marks,
                &format!("{} › {}", field.category, field.subcategory),
                &field.synonyms.join(", "),
            ],
        );
    }
    let choices: Vec<&Field> = entity
        .fields()
        .iter()
        .filter(|f| matches!(f.field_type, FieldType::Enum(_)))
        .collect();
    if !choices.is_empty() {
        out.push_str("\nAllowed values (any case; synonyms in brackets):\n\n");
    }
    for field in choices {
        let FieldType::Enum(values) = field.field_type else {
            continue;
        };
        let values: Vec<String> = values
            .iter()
            .map(|v| {
                if v.synonyms.is_empty() {
                    format!("`{}`", v.value)
                } else {
                    format!("`{}` ({})", v.value, v.synonyms.join(", "))
                }
            })
            .collect();
        let _ = writeln!(
            out,
            "- {} (`{}`): {}",
            field.label,
            field.id,
            values.join("; ")
        );
    }
}

fn entity_title(entity: Entity) -> &'static str {
    match entity {
        Entity::Employees => "Employees",
        Entity::Providers => "Providers",
        Entity::Locations => "Locations",
        Entity::Enrollments => "Enrollments",
    }
}

fn type_cell(field: &Field) -> String {
    match field.field_type {
        FieldType::Text { max_len } | FieldType::Id { max_len } => {
            format!("{}, max {max_len}", field.field_type.name())
        }
        other => other.name().to_string(),
    }
}

/// One Markdown table row; `|` and line breaks inside a cell would break the
/// table.
fn row(out: &mut String, cells: &[&str]) {
    out.push('|');
    for cell in cells {
        out.push(' ');
        for c in cell.chars() {
            match c {
                '|' => out.push_str("\\|"),
                '\n' | '\r' => out.push(' '),
                c => out.push(c),
            }
        }
        out.push_str(" |");
    }
    out.push('\n');
}

/// The snake_case code an API client sees, taken from serde so the README
/// cannot drift from the wire format.
fn code_name<C: serde::Serialize + std::fmt::Debug>(code: C) -> String {
    match serde_json::to_value(&code) {
        Ok(serde_json::Value::String(name)) => name,
        _ => format!("{code:?}"),
    }
}

/// One of each field type, in README order. The max lengths are placeholders:
/// the catalog table shows each field's own.
const TYPES: &[FieldType] = &[
    FieldType::Text { max_len: 0 },
    FieldType::Id { max_len: 0 },
    FieldType::Email,
    FieldType::Phone,
    FieldType::Date,
    FieldType::UsState,
    FieldType::Zip,
    FieldType::Country,
    FieldType::Npi,
    FieldType::Dea,
    FieldType::Boolean,
    FieldType::Enum(&[]),
];

const ROW_RULES: &[&str] = &[
    "**Missing cells** (`missing_cells`): a row with fewer cells than the header fails; \
     a short row usually means a broken line or a lost delimiter.",
    "**Extra cells** (`extra_cells`): a row with more non-blank cells than the header \
     fails, since its values may have shifted into the wrong columns. Trailing blank \
     cells are ignored.",
    "**Mandatory blank** (`missing_value`): every mandatory field must be filled in \
     every row; optional blank cells are left as they are on update, or cleared when \
     the template says a blank cell clears the value.",
    "**Duplicate keys** (`duplicate_key`): when several rows of one file have the same \
     key (after normalization, e.g. emails lower-cased), the first row stands and each \
     later one fails, naming the row that came first. The whole file is checked before \
     any row is imported, so the outcome never depends on processing order.",
    "**Import mode**: with *create only* a row whose record exists fails \
     (`record_exists`); with *update only* a row whose record does not exist fails \
     (`record_not_found`); *create and update* takes both.",
    "Every cell is checked, so a failed row lists all its errors at once.",
];

const WARNING_RULES: &[&str] = &[
    "**Leading zeros lost** (`leading_zeros_lost`): an identifier made only of digits \
     that is shorter than most of its column's values, as when a spreadsheet stores \
     `00123` as the number `123`. Format the column as Text and export again.",
    "**Scientific notation** (`scientific_notation`): an identifier such as `1.23E+10`, \
     the form a spreadsheet gives long numbers, which loses digits. Format the column \
     as Text and export again.",
];

/// Lists every variant of a code enum once, building both the array the README
/// walks and an exhaustive `match` (no wildcard) from code to meaning: a new
/// variant fails to compile until it is documented here, and a documented
/// variant is in the array by construction.
macro_rules! documented_codes {
    ($ty:ident, $all:ident, $meaning:ident { $($variant:ident => $text:literal,)+ }) => {
        const $all: &[$ty] = &[$($ty::$variant),+];

        fn $meaning(code: $ty) -> &'static str {
            match code {
                $($ty::$variant => $text,)+
            }
        }
    };
}

documented_codes!(ErrorCode, ERROR_CODES, error_meaning {
    MissingValue => "A mandatory field's cell is blank.",
    TooLong => "The value is longer than the field's maximum length.",
    ControlCharacters => "The value holds invisible control characters (text may keep tabs and line breaks).",
    InvalidEmail => "Not an email address of the form `name@domain.tld`.",
    InvalidChoice => "Not one of the field's allowed values or their synonyms.",
    InvalidDate => "Not a date in an accepted form, not a real calendar date, or a year without four digits.",
    AmbiguousDate => "A date such as `03/04/2025` whose day and month order neither the template nor the column settles.",
    InvalidPhone => "Not a phone number that can be written in E.164.",
    InvalidState => "Not a USPS state code or state name.",
    InvalidZip => "Not a five-digit ZIP or ZIP+4.",
    InvalidCountry => "Not an ISO 3166 alpha-2 country code or a known country name.",
    InvalidNpi => "Not 10 digits, or the check digit (Luhn over `80840` + the number) does not match.",
    InvalidDea => "Not two letters and 7 digits, or the check digit does not match.",
    InvalidBoolean => "Not one of Y, N, Yes, No, True, False, 1, 0.",
    InvalidIdentifier => "The identifier is not in a form its field accepts.",
    MissingCells => "The row has fewer cells than the header.",
    ExtraCells => "The row has more non-blank cells than the header.",
    DuplicateKey => "An earlier row of the same file has the same key; the message names that row.",
    RecordExists => "Mode *create only*, and the record already exists.",
    RecordNotFound => "Mode *update only*, and there is no such record.",
    ProcessingFailed => "The row could not be processed after several attempts (its chunk was dead-lettered); import it again.",
    CellTooLong => "A cell longer than 32,767 characters, Excel's own limit; the failed-rows file shows its beginning.",
    RowTooLong => "A row of more than 512 cells, or whose cells take more than 64 KiB together; the failed-rows file shows it cut.",
});

documented_codes!(WarningCode, WARNING_CODES, warning_meaning {
    LeadingZerosLost => "An all-digit identifier shorter than its column's others: a spreadsheet probably dropped leading zeros.",
    ScientificNotation => "An identifier a spreadsheet turned into scientific notation (`1.23E+10`), which loses digits.",
});

/// The same guarantee for [`FileError`], whose variants carry data: each one
/// is listed with an example value and when it happens.
macro_rules! documented_file_errors {
    ($($variant:ident => $example:expr, $when:literal;)+) => {
        fn file_error_examples() -> Vec<FileError> {
            vec![$($example),+]
        }

        fn file_error_when(error: &FileError) -> &'static str {
            match error {
                $(FileError::$variant { .. } => $when,)+
            }
        }
    };
}

documented_file_errors! {
    Empty => FileError::Empty,
        "The upload has no bytes.";
    TooLarge => FileError::TooLarge { size: 12_582_912, limit: MAX_FILE_BYTES },
        "The file is over 10 MB.";
    Binary => FileError::Binary { reason: "it looks like a PDF".to_string() },
        "The bytes are neither text nor an Excel workbook.";
    NoRows => FileError::NoRows,
        "Only a header row.";
    NoHeader => FileError::NoHeader,
        "No header row to name the columns.";
    Unreadable => FileError::Unreadable { reason: "the workbook is password-protected".to_string() },
        "An Excel file that cannot be opened.";
    MissingMandatory => FileError::MissingMandatory {
        entity: Entity::Employees,
        fields: vec!["Email".to_string(), "Employee Status".to_string()],
    },
        "A mandatory field has no column in the file or no mapping.";
    TooManyColumns => FileError::TooManyColumns { columns: 16_384, limit: MAX_COLUMNS },
        "More columns than any import can use, or a workbook cell with a value far to the right of the data.";
    TooManyRows => FileError::TooManyRows { limit: MAX_ROWS },
        "More data rows than an Excel sheet can hold.";
    HeaderTooLong => FileError::HeaderTooLong { column: 3, chars: 512_000, limit: MAX_HEADER_CHARS },
        "A header longer than any column name (the first row holds data, not names).";
    HeaderRowTooLong => FileError::HeaderRowTooLong { bytes: 40_960, limit: MAX_HEADER_ROW_BYTES },
        "All the headers together are too long to travel with the rows.";
    SheetTooLarge => FileError::SheetTooLarge { reason: format!("it unzips to more than {MAX_XLSX_INFLATED_BYTES} bytes") },
        "A workbook that unzips, or spreads its cells, past what can be read safely (a zip bomb, or cells far apart).";
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn catalog_lists_every_field_of_every_entity() {
        let md = catalog_markdown();
        for (heading, entity) in [
            "### Employees",
            "### Providers",
            "### Locations",
            "### Enrollments",
        ]
        .into_iter()
        .zip(Entity::ALL)
        {
            let section = &md[md.find(heading).unwrap()..];
            for field in entity.fields() {
                assert!(
                    section.contains(&format!("| {} | `{}` |", field.label, field.id)),
                    "{entity}.{} missing",
                    field.id
                );
            }
        }
    }

    #[test]
    fn catalog_rows_carry_type_marks_category_and_synonyms() {
        let md = catalog_markdown();
        assert!(md.contains(
            "| Email | `email` | email | key | Identity › Contact | E-mail, E-mail Address, \
             Email Address, Work Email, Username, User Name, Login, Mail |"
        ));
        assert!(md.contains(
            "| First Name | `first_name` | text, max 100 | mandatory | Identity › Name |"
        ));
        assert!(md.contains(
            "| Employee ID | `employee_id` | identifier, max 64 |  | Employment › Job |"
        ));
        assert!(md.contains("Key: Employee Email + Course Code."));
        assert!(
            md.contains("Key: Email. Mandatory: Email, First Name, Last Name, Employee Status.")
        );
    }

    #[test]
    fn catalog_lists_enum_values_with_their_synonyms() {
        let md = catalog_markdown();
        assert!(md.contains(
            "- Employee Status (`employee_status`): `Active` (A, Act, Yes, Y, Current, \
             Enabled, Employed, 1); `Inactive` (I, Inact, No, N, Disabled, 0); "
        ));
        assert!(md.contains("`Exempt` (Waived, Excused, N/A)"));
    }

    #[test]
    fn every_field_type_in_the_catalog_has_a_rule() {
        let documented: HashSet<_> = TYPES.iter().map(FieldType::name).collect();
        assert_eq!(documented.len(), TYPES.len(), "a type is listed twice");
        for entity in Entity::ALL {
            for field in entity.fields() {
                assert!(documented.contains(field.field_type.name()), "{}", field.id);
            }
        }
        let md = rules_markdown();
        assert!(md.contains("| NPI | Exactly 10 digits"));
        assert!(md.contains("| date | ISO `YYYY-MM-DD` always."));
    }

    #[test]
    fn codes_come_from_serde_and_are_all_listed() {
        let md = rules_markdown();
        assert_eq!(code_name(ErrorCode::DuplicateKey), "duplicate_key");
        assert_eq!(
            code_name(WarningCode::LeadingZerosLost),
            "leading_zeros_lost"
        );
        let errors: HashSet<_> = ERROR_CODES.iter().map(|&c| code_name(c)).collect();
        assert_eq!(errors.len(), ERROR_CODES.len());
        let meanings: HashSet<_> = ERROR_CODES.iter().map(|&c| error_meaning(c)).collect();
        assert_eq!(
            meanings.len(),
            ERROR_CODES.len(),
            "two codes share a meaning"
        );
        for name in &errors {
            assert!(md.contains(&format!("| `{name}` |")), "{name} missing");
        }
        for &code in WARNING_CODES {
            assert!(md.contains(&format!(
                "| `{}` | {} |",
                code_name(code),
                warning_meaning(code)
            )));
        }
        assert!(md.contains(
            "| `ambiguous_date` | A date such as `03/04/2025` whose day and month order"
        ));
    }

    #[test]
    fn file_errors_are_all_listed_with_real_messages() {
        let examples = file_error_examples();
        let codes: HashSet<_> = examples.iter().map(FileError::code).collect();
        // The exhaustive match names each variant once, so distinct codes over
        // as many examples as arms means every variant has an example.
        assert_eq!(codes.len(), examples.len());
        let md = rules_markdown();
        for error in &examples {
            assert!(md.contains(&format!(
                "| `{}` | {} | {} |",
                error.code(),
                file_error_when(error),
                error
            )));
        }
        assert!(md.contains("`missing_mandatory_columns`"));
        assert!(md.contains(
            "mandatory employees columns are missing or not mapped: Email, Employee Status"
        ));
    }

    #[test]
    fn limits_are_documented_with_their_values() {
        let md = rules_markdown();
        assert!(md.contains("### Limits"));
        assert!(md.contains(&format!("| Cell length | {MAX_CELL_CHARS} characters |")));
        assert!(md.contains("| Row size | 64 KiB |"));
        assert!(md.contains("| Workbook unzipped | 200 MiB |"));
        // The codes' meanings spell the limits out.
        assert_eq!(MAX_CELL_CHARS, 32_767);
        assert!(error_meaning(ErrorCode::CellTooLong).contains("32,767"));
        assert_eq!((MAX_COLUMNS, MAX_ROW_BYTES), (512, 64 * 1024));
        assert!(error_meaning(ErrorCode::RowTooLong).contains("512 cells"));
        assert!(error_meaning(ErrorCode::RowTooLong).contains("64 KiB"));
        assert_eq!(
            crate::limits::max_record_key_bytes(Entity::Enrollments),
            765
        );
    }

    #[test]
    fn table_cells_escape_pipes_and_line_breaks() {
        let mut out = String::new();
        row(&mut out, &["a|b", "c\nd"]);
        assert_eq!(out, "| a\\|b | c d |\n");
    }

    #[test]
    fn replace_between_swaps_only_the_marked_text() {
        let text = "# T\n\nintro\n<!-- s -->\nold\nlines\n<!-- e -->\n\n## Next\n";
        let new = replace_between(text, "<!-- s -->", "<!-- e -->", "\nfresh\n\n").unwrap();
        assert_eq!(
            new,
            "# T\n\nintro\n<!-- s -->\nfresh\n<!-- e -->\n\n## Next\n"
        );
        // Running it again changes nothing.
        assert_eq!(
            replace_between(&new, "<!-- s -->", "<!-- e -->", "fresh").unwrap(),
            new
        );
        // Empty sections fill in.
        assert_eq!(
            replace_between("<!-- s --><!-- e -->", "<!-- s -->", "<!-- e -->", "x").unwrap(),
            "<!-- s -->\nx\n<!-- e -->"
        );
    }

    #[test]
    fn replace_between_reports_missing_and_misordered_markers() {
        assert_eq!(
            replace_between("text <!-- e -->", "<!-- s -->", "<!-- e -->", "x"),
            Err(MarkerError::Missing("<!-- s -->".to_string()))
        );
        assert_eq!(
            replace_between("<!-- s --> text", "<!-- s -->", "<!-- e -->", "x"),
            Err(MarkerError::Missing("<!-- e -->".to_string()))
        );
        assert!(matches!(
            replace_between("<!-- e --> <!-- s -->", "<!-- s -->", "<!-- e -->", "x"),
            Err(MarkerError::OutOfOrder { .. })
        ));
    }

    #[test]
    fn render_readme_fills_both_sections_and_is_stable() {
        let skeleton = format!(
            "# Data Import Center\n\n## Field catalog\n\n{CATALOG_START}\n{CATALOG_END}\n\n\
             ## Validation rules\n\n{RULES_START}\n{RULES_END}\n"
        );
        let readme = render_readme(&skeleton).unwrap();
        assert!(readme.contains("### Providers"));
        assert!(readme.contains("### Error codes"));
        assert!(readme
            .starts_with("# Data Import Center\n\n## Field catalog\n\n<!-- catalog:start -->\n"));
        assert!(readme.ends_with("<!-- rules:end -->\n"));
        assert_eq!(render_readme(&readme).unwrap(), readme);
    }
}
