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

    /// What a cell of this type may hold and how it is stored, for the
    /// README and the API's field help. Exhaustive on purpose: a new type
    /// cannot ship undocumented.
    pub fn rule(&self) -> &'static str {
        match self {
            FieldType::Text { .. } => {
                "Any text, trimmed of leading and trailing spaces, at most the field's \
                 maximum length (shown in the catalog). Control characters are rejected; \
                 tabs and line breaks are kept."
            }
            FieldType::Id { .. } => {
                "Text kept exactly as written apart from trimming, so leading zeros \
                 survive; at most the field's maximum length; no control characters. \
                 Values a spreadsheet has mangled (scientific notation, dropped leading \
                 zeros) import with a warning."
            }
            FieldType::Email => {
                "An address of the form `name@domain.tld`; trimmed and stored lower-cased."
            }
            FieldType::Phone => {
                "A phone number, with or without spaces and punctuation; a number without \
                 a country code is read as US (+1). Stored as E.164, e.g. `+15551234567`."
            }
            FieldType::Date => {
                "ISO `YYYY-MM-DD` always. Slash dates such as `03/04/2025` are read in the \
                 order the template's date format sets (month first or day first); with \
                 the Auto format the whole column settles it (a day above 12 anywhere in \
                 the column shows the order). A date whose order nothing settles is \
                 rejected as ambiguous: day and month are never swapped on a guess. Years \
                 must have four digits. Stored as `YYYY-MM-DD`."
            }
            FieldType::UsState => {
                "A two-letter USPS code (`TX`, `DC`) or the state's name (`Texas`), any \
                 case. Stored as the upper-case code."
            }
            FieldType::Zip => {
                "A five-digit ZIP (`02139`) or ZIP+4 (`02139-4307`)."
            }
            FieldType::Country => {
                "An ISO 3166 alpha-2 code (`US`) or the country's common English name (`United States`), \
                 any case. Stored as the upper-case alpha-2 code."
            }
            FieldType::Npi => {
                "Exactly 10 digits whose last digit is the Luhn check digit computed over \
                 the number prefixed with `80840`, as CMS assigns them."
            }
            FieldType::Dea => {
                "Two letters followed by 7 digits; the last digit of \
                 (d1 + d3 + d5) + 2 × (d2 + d4 + d6) must equal the seventh digit."
            }
            FieldType::Boolean => {
                "`Y`, `N`, `Yes`, `No`, `True`, `False`, `1` or `0`, any case."
            }
            FieldType::Enum(_) => {
                "One of the field's allowed values or their synonyms (listed with the \
                 field), any case. Stored as the canonical value."
            }
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
    fn no_header_name_points_to_two_fields_of_one_entity() {
        let normalized = |name: &str| -> String {
            name.chars()
                .filter(|c| c.is_alphanumeric())
                .flat_map(char::to_lowercase)
                .collect()
        };
        for entity in Entity::ALL {
            let mut seen = std::collections::HashMap::new();
            for field in entity.fields() {
                for name in std::iter::once(field.label).chain(field.synonyms.iter().copied()) {
                    if let Some(other) = seen.insert(normalized(name), field.id) {
                        assert_eq!(other, field.id, "{entity}: {name:?} names two fields");
                    }
                }
            }
        }
    }

    #[test]
    fn entity_parses_case_insensitively_and_rejects_unknown_names() {
        assert_eq!("Providers".parse::<Entity>().unwrap(), Entity::Providers);
        let err = "patients".parse::<Entity>().unwrap_err();
        assert!(err.to_string().contains("employees, providers"));
    }
}
