//! Templates: a company's saved mapping and import settings.

use crate::catalog::Entity;
use crate::mapping::Mapping;
pub use crate::rules::DateFormat;
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
        if self.name.trim().is_empty() {
            return Err(TemplateError::NoName);
        }
        self.mapping.check(self.entity)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::MappingError;

    fn employees_template() -> Template {
        let mapping = [
            ("E-mail", "email"),
            ("First", "first_name"),
            ("Surname", "last_name"),
            ("Status", "employee_status"),
            ("Hired", "hire_date"),
        ];
        Template {
            name: "Payroll export".into(),
            entity: Entity::Employees,
            mapping: Mapping::from_iter(mapping),
            headers: ["E-mail", "First", "Surname", "Status", "Hired", "Notes"]
                .map(String::from)
                .to_vec(),
            settings: ImportSettings {
                mode: ImportMode::UpdateOnly,
                date_format: DateFormat::DayFirst,
                blank_on_update: BlankPolicy::Clear,
            },
        }
    }

    #[test]
    fn a_named_template_with_every_mandatory_field_passes() {
        assert_eq!(employees_template().check(), Ok(()));
    }

    #[test]
    fn a_blank_name_is_rejected() {
        let mut t = employees_template();
        t.name = " \t".into();
        assert_eq!(t.check(), Err(TemplateError::NoName));
        assert_eq!(
            t.check().unwrap_err().to_string(),
            "the template needs a name"
        );
    }

    #[test]
    fn the_mapping_must_pass_its_check_for_the_template_entity() {
        let mut t = employees_template();
        t.mapping.0.remove("Status");
        assert_eq!(
            t.check(),
            Err(TemplateError::Mapping(MappingError::MissingMandatory {
                entity: Entity::Employees,
                fields: vec!["Employee Status".into()],
            }))
        );
        let mut t = employees_template();
        t.entity = Entity::Enrollments;
        assert!(matches!(
            t.check(),
            Err(TemplateError::Mapping(MappingError::UnknownField { .. }))
        ));
    }

    #[test]
    fn serde_round_trip_with_snake_case_settings() {
        let t = employees_template();
        let json = serde_json::to_value(&t).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "name": "Payroll export",
                "entity": "employees",
                "mapping": {
                    "E-mail": "email",
                    "First": "first_name",
                    "Hired": "hire_date",
                    "Status": "employee_status",
                    "Surname": "last_name"
                },
                "headers": ["E-mail", "First", "Surname", "Status", "Hired", "Notes"],
                "settings": {
                    "mode": "update_only",
                    "date_format": "day_first",
                    "blank_on_update": "clear"
                }
            })
        );
        let back: Template = serde_json::from_value(json).unwrap();
        assert_eq!(back, t);
    }

    #[test]
    fn settings_default_when_absent_and_unknown_values_are_rejected() {
        let json = r#"{"name":"n","entity":"locations","mapping":{},"headers":[]}"#;
        let t: Template = serde_json::from_str(json).unwrap();
        assert_eq!(t.settings, ImportSettings::default());
        assert_eq!(t.settings.mode, ImportMode::CreateAndUpdate);
        let json = r#"{"name":"n","entity":"locations","mapping":{},"headers":[],"settings":{"date_format":"month_first"}}"#;
        let t: Template = serde_json::from_str(json).unwrap();
        assert_eq!(t.settings.date_format, DateFormat::MonthFirst);
        assert_eq!(t.settings.blank_on_update, BlankPolicy::Keep);
        let bad = r#"{"name":"n","entity":"locations","mapping":{},"headers":[],"settings":{"mode":"CreateOnly"}}"#;
        assert!(serde_json::from_str::<Template>(bad).is_err());
    }
}
