//! Templates: a company's saved mapping and import settings.

use crate::catalog::Entity;
use crate::mapping::Mapping;
use serde::{Deserialize, Serialize};

/// What an import may do to existing and new records.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportMode {
    #[default]
    CreateAndUpdate,
    CreateOnly,
    UpdateOnly,
}

/// How to read dates such as `03/04/2025`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateFormat {
    /// ISO dates always; slash dates settled by the whole column, and
    /// rejected as ambiguous when the column cannot tell.
    #[default]
    Auto,
    Iso,
    /// US: `MM/DD/YYYY`.
    MonthFirst,
    /// `DD/MM/YYYY`.
    DayFirst,
}

/// What a blank cell means when it updates an existing record.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlankPolicy {
    /// Leave the stored value as it is.
    #[default]
    Keep,
    /// Clear the stored value.
    Clear,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportSettings {
    #[serde(default)]
    pub mode: ImportMode,
    #[serde(default)]
    pub date_format: DateFormat,
    #[serde(default)]
    pub blank_on_update: BlankPolicy,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Template {
    pub name: String,
    pub entity: Entity,
    pub mapping: Mapping,
    /// The headers the mapping was made for, to tell how well a new file fits.
    pub headers: Vec<String>,
    #[serde(default)]
    pub settings: ImportSettings,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("the template needs a name")]
    NoName,
    #[error(transparent)]
    Mapping(#[from] crate::mapping::MappingError),
}

impl Template {
    /// A template is valid only with a name and every mandatory field mapped.
    pub fn check(&self) -> Result<(), TemplateError> {
        todo!()
    }
}
