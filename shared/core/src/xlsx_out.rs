//! The failed-rows workbook: the admin's own columns back, with the row
//! number and the errors, offending cells marked. Every value is a text cell
//! formatted `@`, never a formula, and never altered by escaping.

use crate::row::RowNumber;
use crate::validate::RowError;

/// A row to put in the workbook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailedRow {
    pub number: RowNumber,
    pub cells: Vec<String>,
    pub errors: Vec<RowError>,
}

#[derive(Debug, thiserror::Error)]
#[error("cannot write the failed-rows workbook: {0}")]
pub struct ExportError(#[from] rust_xlsxwriter::XlsxError);

/// Renders the workbook: `Row`, the original headers in order, `Errors`.
pub fn failed_rows_xlsx(headers: &[String], rows: &[FailedRow]) -> Result<Vec<u8>, ExportError> {
    let _ = (headers, rows);
    todo!()
}
