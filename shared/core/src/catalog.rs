//! The catalog: every field an admin can import, per entity.
//!
//! One static table drives mapping suggestions, validation, search and the
//! README's field reference, so the four can never disagree.

mod fields;
mod search;

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

pub use search::{search, SearchHit};

/// What an import loads or updates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    Employees,
    Providers,
    Locations,
    Enrollments,
}

impl Entity {
    pub const ALL: [Entity; 4] = [
        Entity::Employees,
        Entity::Providers,
        Entity::Locations,
        Entity::Enrollments,
    ];

    /// The stable name used in keys, URLs and messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Entity::Employees => "employees",
            Entity::Providers => "providers",
            Entity::Locations => "locations",
            Entity::Enrollments => "enrollments",
        }
    }

    /// Every field of the entity, in the order the catalog presents them.
    pub fn fields(self) -> &'static [Field] {
        match self {
            Entity::Employees => fields::EMPLOYEES,
            Entity::Providers => fields::PROVIDERS,
            Entity::Locations => fields::LOCATIONS,
            Entity::Enrollments => fields::ENROLLMENTS,
        }
    }

    pub fn field(self, id: &str) -> Option<&'static Field> {
        self.fields().iter().find(|f| f.id == id)
    }

    /// The fields that identify a record, in key order.
    pub fn key_fields(self) -> impl Iterator<Item = &'static Field> {
        self.fields().iter().filter(|f| f.key)
    }

    pub fn mandatory_fields(self) -> impl Iterator<Item = &'static Field> {
        self.fields().iter().filter(|f| f.mandatory)
    }
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An entity name that is not in the catalog.
#[derive(Debug, thiserror::Error)]
#[error("unknown entity {0:?}: use one of employees, providers, locations, enrollments")]
pub struct UnknownEntity(pub String);

impl FromStr for Entity {
    type Err = UnknownEntity;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Entity::ALL
            .into_iter()
            .find(|e| e.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownEntity(s.to_string()))
    }
}

/// One importable field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field {
    /// Stable snake_case id, used in mappings, records and error reports.
    pub id: &'static str,
    pub label: &'static str,
    pub category: &'static str,
    pub subcategory: &'static str,
    pub field_type: FieldType,
    /// Other header names admins use for this field (matched normalized).
    pub synonyms: &'static [&'static str],
    /// Must be mapped for an import to start, and filled in every row.
    pub mandatory: bool,
    /// Part of the record's identity.
    pub key: bool,
}

/// How a field's values are checked and normalized.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldType {
    /// Free text, trimmed, without control characters.
    Text {
        max_len: usize,
    },
    /// An identifier: text whose leading zeros matter and that spreadsheets
    /// like to mangle (scientific notation, dropped zeros).
    Id {
        max_len: usize,
    },
    Email,
    /// Normalized to E.164, default country US.
    Phone,
    /// Normalized to ISO 8601 (`YYYY-MM-DD`).
    Date,
    /// Two-letter USPS code; full state names accepted.
    UsState,
    /// US ZIP or ZIP+4.
    Zip,
    /// ISO 3166 alpha-2 code; common names accepted.
    Country,
    /// 10 digits, Luhn check over the `80840` prefix.
    Npi,
    /// DEA registration number with its check digit.
    Dea,
    Boolean,
    /// One of fixed values, each with case-insensitive synonyms.
    Enum(&'static [EnumValue]),
}

impl FieldType {
    /// The name shown in the README and API.
    pub fn name(&self) -> &'static str {
        match self {
            FieldType::Text { .. } => "text",
            FieldType::Id { .. } => "identifier",
            FieldType::Email => "email",
            FieldType::Phone => "phone",
            FieldType::Date => "date",
            FieldType::UsState => "US state",
            FieldType::Zip => "ZIP code",
            FieldType::Country => "country",
            FieldType::Npi => "NPI",
            FieldType::Dea => "DEA number",
            FieldType::Boolean => "yes/no",
            FieldType::Enum(_) => "choice",
        }
    }
}

/// A permitted value of an [`FieldType::Enum`] field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EnumValue {
    /// The canonical value stored on the record.
    pub value: &'static str,
    pub synonyms: &'static [&'static str],
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entity_has_a_key_and_unique_field_ids() {
        for entity in Entity::ALL {
            assert!(entity.key_fields().count() >= 1, "{entity} has no key");
            let mut ids: Vec<_> = entity.fields().iter().map(|f| f.id).collect();
            ids.sort_unstable();
            let before = ids.len();
            ids.dedup();
            assert_eq!(before, ids.len(), "{entity} repeats a field id");
        }
    }

    #[test]
    fn key_fields_are_mandatory() {
        for entity in Entity::ALL {
            for field in entity.key_fields() {
                assert!(
                    field.mandatory,
                    "{entity}.{} is a key but optional",
                    field.id
                );
            }
        }
    }

    #[test]
    fn employees_require_the_documented_fields() {
        let mandatory: Vec<_> = Entity::Employees.mandatory_fields().map(|f| f.id).collect();
        assert_eq!(
            mandatory,
            ["email", "first_name", "last_name", "employee_status"]
        );
        let keys: Vec<_> = Entity::Enrollments.key_fields().map(|f| f.id).collect();
        assert_eq!(keys, ["employee_email", "course_code"]);
    }

    #[test]
    fn entity_parses_case_insensitively_and_rejects_unknown_names() {
        assert_eq!("Providers".parse::<Entity>().unwrap(), Entity::Providers);
        let err = "patients".parse::<Entity>().unwrap_err();
        assert!(err.to_string().contains("employees, providers"));
    }
}
