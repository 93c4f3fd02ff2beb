//! Header → field mapping, and suggestions for it.

use crate::catalog::{Entity, Field};
use crate::headers::Headers;
use crate::row::SourceRow;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Header name (as trimmed) → field id. Unmapped headers are absent.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Mapping(pub BTreeMap<String, String>);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MappingError {
    #[error("{field:?} is not a {entity} field")]
    UnknownField { entity: Entity, field: String },
    #[error("{field:?} is mapped twice, from {first:?} and {second:?}: map each field from one column only")]
    MappedTwice {
        field: String,
        first: String,
        second: String,
    },
    #[error("mandatory {entity} fields are not mapped: {}", .fields.join(", "))]
    MissingMandatory { entity: Entity, fields: Vec<String> },
}

impl Mapping {
    pub fn field_for(&self, header: &str) -> Option<&str> {
        self.0.get(header).map(String::as_str)
    }

    /// Mandatory fields no header maps to, in catalog order.
    pub fn missing_mandatory(&self, entity: Entity) -> Vec<&'static Field> {
        let _ = entity;
        todo!()
    }

    /// Unknown fields, fields mapped twice, missing mandatory fields.
    pub fn check(&self, entity: Entity) -> Result<(), MappingError> {
        let _ = entity;
        todo!()
    }
}

/// Why a header was matched to a field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchReason {
    /// Normalized header equals the field's label or id.
    Name,
    Synonym,
    /// Close in spelling (strsim).
    Similar,
    /// The column's values look like the field's type (emails, dates, NPIs).
    Values,
}

/// A proposed mapping for one column.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    pub column: usize,
    pub header: String,
    /// `None` when nothing fits well enough.
    pub field: Option<String>,
    /// 0.0 to 1.0.
    pub confidence: f32,
    pub reason: Option<MatchReason>,
}

/// One suggestion per column; a field is never suggested twice.
pub fn suggest(entity: Entity, headers: &Headers, sample: &[SourceRow]) -> Vec<Suggestion> {
    let _ = (entity, headers, sample);
    todo!()
}

/// The mapping made of the suggestions at or above `min_confidence`.
pub fn suggested_mapping(suggestions: &[Suggestion], min_confidence: f32) -> Mapping {
    Mapping(
        suggestions
            .iter()
            .filter(|s| s.confidence >= min_confidence)
            .filter_map(|s| Some((s.header.clone(), s.field.clone()?)))
            .collect(),
    )
}
