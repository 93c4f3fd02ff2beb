//! The limits every file is held to, so that any legal file under 10 MB
//! ends with an outcome: no row too large for a chunk message (SQS takes
//! 256 KiB), no row log or analysis too large for a DynamoDB item (400 KB),
//! no record key too long for a DynamoDB key (2048 bytes for a partition
//! key), and no workbook that inflates past what a function's memory holds.
//!
//! Each is chosen from what the catalog can ever accept and from those
//! service limits, and tests hold them to each other: the widest envelope
//! and any row fit a chunk message, the costliest failed row's log and the
//! widest analysis stay far under a DynamoDB item, and no record key can
//! pass a DynamoDB key's limit.
//! A file beyond a file-level limit fails as a whole with a reason
//! ([`crate::FileError`]); a row beyond a row-level limit fails alone
//! (`cell_too_long`, `row_too_long`) and the rest of the file imports.

use crate::file_error::FileError;
use crate::headers::Headers;
use std::borrow::Cow;

/// The most columns a file may have: the widest entity has 35 fields, and
/// admins' exports carry columns of their own beside them (some hundreds
/// in the widest HR exports). Beyond it the file fails
/// (`too_many_columns`); a workbook's cell farther right than this fails
/// it too, unless the cell is empty. It also bounds an analysis, which
/// makes a suggestion per column.
pub const MAX_COLUMNS: usize = 512;

/// The longest header, in characters: as long as the longest text field a
/// catalog field accepts (255). A longer first row is data, not names.
pub const MAX_HEADER_CHARS: usize = 255;

/// The header row's size as every chunk message carries it (the names as a
/// JSON list, in bytes). It leaves a chunk message room for its rows:
/// [`MAX_HEADER_ROW_BYTES`] + [`MAX_ROW_BYTES`] + the rest of the envelope
/// stay well under [`crate::chunk::MAX_CHUNK_BYTES`].
pub const MAX_HEADER_ROW_BYTES: usize = 32 * 1024;

/// The most data rows a file may have: Excel's own sheet limit
/// (1,048,576 rows). No 10 MB file of real records comes near it.
pub const MAX_ROWS: usize = 1_048_576;

/// The most cells a sheet may spread its rows over (rows times columns):
/// as many as a 10 MB CSV file can hold (each cell takes at least a byte).
/// A sparse workbook (a cell at A1, another a million rows down and
/// hundreds of columns right) would otherwise fill a grid of billions.
pub const MAX_CELLS: usize = 10 * 1024 * 1024;

/// The longest cell, in characters: Excel's own cell limit (32,767), the
/// most the failed-rows workbook can give back. A longer cell fails its
/// row (`cell_too_long`); no catalog field accepts more than 255.
pub const MAX_CELL_CHARS: usize = 32_767;

/// A row's size in a chunk message (its JSON, in bytes). A larger row fails
/// (`row_too_long`, or `cell_too_long` when one cell is to blame), and
/// travels cut to this size so that its chunk still fits a message and its
/// failed-row log a DynamoDB item.
pub const MAX_ROW_BYTES: usize = 64 * 1024;

/// The most characters of a value an error, its message or an analysis's
/// sample shows; the rest is cut and marked with `…`. The row's cells stay
/// whole in the row log (within [`MAX_ROW_BYTES`]) for the failed-rows file.
pub const MAX_SHOWN_CHARS: usize = 100;

/// What one sample row of an analysis may take (its cells' text, in bytes):
/// five of them stay far under a DynamoDB item with the headers beside.
pub const MAX_SAMPLE_ROW_BYTES: usize = 4 * 1024;

/// The most a workbook's parts may inflate to when unzipped, all together.
/// A 10 MB workbook of real records inflates to about 75 MB (7.5 to 1);
/// a zip bomb is refused before any part of it is read.
pub const MAX_XLSX_INFLATED_BYTES: u64 = 200 * 1024 * 1024;

/// The most distinct texts a workbook's shared strings may hold: calamine
/// keeps each as a string of its own (some 40 bytes beside its text). A
/// 10 MB workbook of real records holds some 600,000.
pub const MAX_SHARED_STRINGS: usize = 2_000_000;

/// The most text a workbook's cells may hold, all together. A shared
/// string is stored once and may be used by every cell: a small workbook
/// could otherwise fill gigabytes. Six times what a 10 MB CSV decodes to.
pub const MAX_SHEET_TEXT_BYTES: usize = 64 * 1024 * 1024;

/// The longest email address, in bytes (RFC 5321: a path of 256 octets,
/// less its angle brackets).
pub const MAX_EMAIL_BYTES: usize = 254;

/// DynamoDB's limit on a sort key, the tighter of its two key limits (a
/// partition key takes 2048 bytes): no record key comes near it.
pub const MAX_RECORD_KEY_BYTES: usize = 1024;

/// The longest record key an entity's valid rows can make, in bytes: an
/// email is at most [`MAX_EMAIL_BYTES`] as written, and lower-casing
/// lengthens a character by half at most (`İ`, 2 bytes, becomes 3), so it
/// counts twice that; an identifier of `n` characters takes at most `4n`
/// bytes; the key fields are joined by a one-byte separator. At most 765
/// bytes (enrollments), within [`MAX_RECORD_KEY_BYTES`]; the AWS side adds
/// its own prefix to the key (company and entity) within the rest.
#[cfg(test)]
pub(crate) fn max_record_key_bytes(entity: crate::catalog::Entity) -> usize {
    use crate::catalog::FieldType;
    let fields: Vec<usize> = entity
        .key_fields()
        .map(|field| match field.field_type {
            FieldType::Email => 2 * MAX_EMAIL_BYTES,
            FieldType::Id { max_len } | FieldType::Text { max_len } => 4 * max_len,
            // No other type keys an entity; a date or a code is short.
            _ => 64,
        })
        .collect();
    fields.iter().sum::<usize>() + fields.len().saturating_sub(1)
}

/// Refuses a header row no import can use: too many columns, a name too
/// long to be a name, or names too long together to travel in every chunk
/// message.
///
/// ```
/// use dic_core::headers::Headers;
/// use dic_core::limits::check_headers;
/// assert!(check_headers(&Headers::new(["Email", "Name"])).is_ok());
/// let long = "x".repeat(300);
/// assert_eq!(check_headers(&Headers::new(["Email", long.as_str()])).unwrap_err().code(), "header_too_long");
/// ```
pub fn check_headers(headers: &Headers) -> Result<(), FileError> {
    let names = &headers.names;
    if names.len() > MAX_COLUMNS {
        return Err(FileError::TooManyColumns {
            columns: names.len(),
            limit: MAX_COLUMNS,
        });
    }
    for (column, name) in names.iter().enumerate() {
        if let Some(chars) = chars_over(name, MAX_HEADER_CHARS) {
            return Err(FileError::HeaderTooLong {
                column: column + 1,
                chars,
                limit: MAX_HEADER_CHARS,
            });
        }
    }
    let bytes = crate::chunk::json_len(names);
    if bytes > MAX_HEADER_ROW_BYTES {
        return Err(FileError::HeaderRowTooLong {
            bytes,
            limit: MAX_HEADER_ROW_BYTES,
        });
    }
    Ok(())
}

/// `text` cut to at most `max_chars` characters, with `…` after a cut.
///
/// ```
/// use dic_core::limits::shown;
/// assert_eq!(shown("abcdef", 3), "abc…");
/// assert_eq!(shown("abc", 3), "abc");
/// ```
pub fn shown(text: &str, max_chars: usize) -> Cow<'_, str> {
    // Bytes bound characters from above: most values need no count.
    if text.len() <= max_chars {
        return Cow::Borrowed(text);
    }
    match text.char_indices().nth(max_chars) {
        Some((at, _)) => Cow::Owned(format!("{}…", &text[..at])),
        None => Cow::Borrowed(text),
    }
}

/// The number of characters in `text`, counted only past `limit` bytes
/// (fewer bytes are fewer characters): whether it has more than `limit`.
pub(crate) fn chars_over(text: &str, limit: usize) -> Option<usize> {
    if text.len() <= limit {
        return None;
    }
    let count = text.chars().count();
    (count > limit).then_some(count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Entity;

    #[test]
    fn shown_cuts_on_characters_and_marks_the_cut() {
        assert_eq!(shown("", 0), "");
        assert_eq!(shown("é", 0), "…");
        assert_eq!(shown("ééé", 2), "éé…");
        assert_eq!(shown("ééé", 3), "ééé");
        let long = "\"".repeat(70_000);
        assert_eq!(shown(&long, MAX_SHOWN_CHARS).chars().count(), 101);
    }

    #[test]
    fn no_record_key_can_pass_dynamodbs_key_limit() {
        use crate::headers::Headers;
        use crate::mapping::Mapping;
        use crate::plan::ImportPlan;
        use crate::row::{RowNumber, SourceRow};
        use crate::template::ImportSettings;
        use crate::validate::{RowOutcome, Validator};
        for entity in Entity::ALL {
            assert!(
                max_record_key_bytes(entity) <= MAX_RECORD_KEY_BYTES,
                "{entity}"
            );
        }
        assert_eq!(max_record_key_bytes(Entity::Enrollments), 765);
        // The longest key a valid enrollment makes.
        let domain = format!(
            "{}.{}.{}.io",
            "a".repeat(63),
            "b".repeat(63),
            "c".repeat(58)
        );
        let email = format!("{}@{domain}", "İ".repeat(32));
        assert_eq!(email.len(), MAX_EMAIL_BYTES);
        let course = "日".repeat(64);
        let headers = Headers::new(["Email", "Course"]);
        let mapping = Mapping::from_iter([("Email", "employee_email"), ("Course", "course_code")]);
        let plan = ImportPlan::new(
            Entity::Enrollments,
            &headers,
            &mapping,
            ImportSettings::default(),
        )
        .unwrap();
        let row = SourceRow {
            number: RowNumber(2),
            cells: [email.as_str(), course.as_str()].into(),
        };
        let RowOutcome::Valid { record, .. } = Validator::new(&plan).validate(&row, None) else {
            panic!("valid");
        };
        assert!(record.key.len() > email.len() + course.len());
        assert!(record.key.len() <= max_record_key_bytes(Entity::Enrollments));
    }

    #[test]
    fn chars_over_counts_characters_not_bytes() {
        assert_eq!(chars_over("ééé", 3), None);
        assert_eq!(chars_over("éééé", 3), Some(4));
        assert_eq!(chars_over("abcd", 3), Some(4));
        assert_eq!(chars_over("abc", 3), None);
    }
}
