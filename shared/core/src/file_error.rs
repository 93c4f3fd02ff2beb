//! Why a whole file cannot be imported. Every message says what is wrong and
//! what the admin can do about it; the import ends `Failed` with it.

use crate::catalog::Entity;

/// The largest file accepted, as the upload policy enforces.
pub const MAX_FILE_BYTES: u64 = 10 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("the file is empty: export it again from your spreadsheet and upload the new file")]
    Empty,
    #[error("the file is {size} bytes, over the limit of {limit} bytes (10 MB): split it into smaller files and upload each")]
    TooLarge { size: u64, limit: u64 },
    #[error("the file is not a text (CSV) or Excel file ({reason}): save it as CSV UTF-8 or as .xlsx and upload it again")]
    Binary { reason: String },
    #[error("the file has a header row but no data rows: add the rows to import below the header")]
    NoRows,
    #[error("the file has no header row: the first row must name the columns")]
    NoHeader,
    #[error("the Excel file cannot be read ({reason}): open it in Excel, save it again as .xlsx and upload it again")]
    Unreadable { reason: String },
    #[error("the file has {columns} columns, over the limit of {limit}: delete the columns that are not imported (and any stray cell far to the right of the data) and upload it again")]
    TooManyColumns { columns: usize, limit: usize },
    #[error("the file has more than {limit} rows: split it into smaller files and upload each")]
    TooManyRows { limit: usize },
    #[error("the header of column {column} is {chars} characters long, over the limit of {limit}: the first row must name the columns; move any other text out of it and upload the file again")]
    HeaderTooLong {
        column: usize,
        chars: usize,
        limit: usize,
    },
    #[error("the header row takes {bytes} bytes, over the limit of {limit}: shorten the column names or delete the columns that are not imported, and upload the file again")]
    HeaderRowTooLong { bytes: usize, limit: usize },
    #[error("the sheet is too large to import ({reason}): delete empty rows and columns far from the data, or split it into smaller files, and upload each")]
    SheetTooLarge { reason: String },
    #[error("mandatory {entity} columns are missing or not mapped: {}; add these columns to the file or map them to existing columns", .fields.join(", "))]
    MissingMandatory { entity: Entity, fields: Vec<String> },
}

impl FileError {
    /// A stable snake_case code for APIs and logs.
    pub fn code(&self) -> &'static str {
        match self {
            FileError::Empty => "empty_file",
            FileError::TooLarge { .. } => "file_too_large",
            FileError::Binary { .. } => "not_text",
            FileError::NoRows => "no_rows",
            FileError::NoHeader => "no_header",
            FileError::Unreadable { .. } => "unreadable_xlsx",
            FileError::MissingMandatory { .. } => "missing_mandatory_columns",
            FileError::TooManyColumns { .. } => "too_many_columns",
            FileError::TooManyRows { .. } => "too_many_rows",
            FileError::HeaderTooLong { .. } => "header_too_long",
            FileError::HeaderRowTooLong { .. } => "header_row_too_long",
            FileError::SheetTooLarge { .. } => "sheet_too_large",
        }
    }
}
