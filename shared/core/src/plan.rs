//! The import plan: what every row processor needs to validate rows alike,
//! built by the splitter, which is the only part that sees the whole file.
//!
//! Column-wide facts (the day/month order of a date column, the width of an
//! ID column whose values keep leading zeros) and duplicate keys are settled
//! here, so no outcome depends on which worker ran first.

use crate::catalog::Entity;
use crate::file_error::FileError;
use crate::headers::Headers;
use crate::mapping::Mapping;
use crate::row::{RowNumber, SourceRow};
use crate::template::ImportSettings;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportPlan {
    pub entity: Entity,
    /// The file's headers, for error reports and the failed-rows export.
    pub headers: Vec<String>,
    /// Mapped columns only.
    pub columns: Vec<PlannedColumn>,
    pub settings: ImportSettings,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedColumn {
    pub column: usize,
    pub field: String,
    /// For date columns: the order slash dates are read in, when the
    /// template or the column settles it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_order: Option<DateOrder>,
    /// For ID columns: the width most values share with leading zeros kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_width: Option<u8>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateOrder {
    MonthFirst,
    DayFirst,
}

impl ImportPlan {
    /// Fails with [`FileError::MissingMandatory`] when a mandatory field has
    /// no column. Headers the mapping names but the file lacks are ignored.
    pub fn new(
        entity: Entity,
        headers: &Headers,
        mapping: &Mapping,
        settings: ImportSettings,
    ) -> Result<ImportPlan, FileError> {
        let _ = (entity, headers, mapping, settings);
        todo!()
    }

    /// Settles column-wide facts from every row of the file.
    pub fn profile(&mut self, rows: &[SourceRow]) {
        let _ = rows;
        todo!()
    }

    /// The normalized record key of a row (e.g. lower-cased email), or
    /// `None` when a key cell is blank or invalid (the validator says why).
    pub fn key_of(&self, row: &SourceRow) -> Option<String> {
        let _ = row;
        todo!()
    }
}

/// Later rows whose key an earlier row already has: row → first row.
pub fn find_duplicates(plan: &ImportPlan, rows: &[SourceRow]) -> HashMap<RowNumber, RowNumber> {
    let _ = (plan, rows);
    todo!()
}
