//! A row as read from the admin's file.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The row number an admin sees when opening the file in a spreadsheet:
/// the header is row 1, and a quoted cell spanning lines still counts as the
/// row it starts on plus the lines it spans.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RowNumber(pub u32);

impl fmt::Display for RowNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// One data row: its number and its raw cells, exactly as in the file
/// (the failed-rows export gives them back unchanged).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRow {
    pub number: RowNumber,
    pub cells: Vec<String>,
}

impl SourceRow {
    /// The cell at `column`, or `""` for a short (ragged) row.
    pub fn cell(&self, column: usize) -> &str {
        self.cells.get(column).map_or("", String::as_str)
    }
}
