//! Fixed choices: catalog enums and yes/no fields.

use super::{loose_eq, quoted, trim, Rejection};
use crate::catalog::EnumValue;
use crate::validate::ErrorCode;

/// Matches the canonical value or a synonym, ignoring case and whitespace.
pub fn normalize_choice(raw: &str, values: &[EnumValue]) -> Result<String, Rejection> {
    let value = trim(raw);
    let found = values.iter().find(|v| {
        loose_eq(value, v.value, false) || v.synonyms.iter().any(|s| loose_eq(value, s, false))
    });
    match found {
        Some(v) => Ok(v.value.to_string()),
        None => {
            let allowed: Vec<&str> = values.iter().map(|v| v.value).collect();
            Err(Rejection::new(
                ErrorCode::InvalidChoice,
                format!(
                    "{} is not one of the allowed values: {}",
                    quoted(value),
                    allowed.join(", ")
                ),
            ))
        }
    }
}

const TRUE: &[&str] = &["y", "yes", "true", "1"];
const FALSE: &[&str] = &["n", "no", "false", "0"];

/// Y/N, Yes/No, True/False, 1/0 → `true`/`false`.
pub fn normalize_boolean(raw: &str) -> Result<String, Rejection> {
    let value = trim(raw);
    let is = |words: &[&str]| words.iter().any(|w| w.eq_ignore_ascii_case(value));
    if is(TRUE) {
        Ok("true".to_string())
    } else if is(FALSE) {
        Ok("false".to_string())
    } else {
        Err(Rejection::new(
            ErrorCode::InvalidBoolean,
            format!(
                "{} is not a yes/no value: use Yes or No (Y/N, True/False and 1/0 work too)",
                quoted(value)
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATUS: &[EnumValue] = &[
        EnumValue {
            value: "In Progress",
            synonyms: &["Started", "In-Progress"],
        },
        EnumValue {
            value: "Completed",
            synonyms: &["Done"],
        },
    ];

    #[test]
    fn choices_match_values_and_synonyms_loosely() {
        assert_eq!(
            normalize_choice("in progress", STATUS).unwrap(),
            "In Progress"
        );
        assert_eq!(
            normalize_choice("  IN   PROGRESS ", STATUS).unwrap(),
            "In Progress"
        );
        assert_eq!(
            normalize_choice("InProgress", STATUS).unwrap(),
            "In Progress"
        );
        assert_eq!(
            normalize_choice("in-progress", STATUS).unwrap(),
            "In Progress"
        );
        assert_eq!(normalize_choice("DONE", STATUS).unwrap(), "Completed");
    }

    #[test]
    fn unknown_choices_list_the_allowed_values() {
        let err = normalize_choice("Halfway", STATUS).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidChoice);
        assert_eq!(
            err.message,
            "\"Halfway\" is not one of the allowed values: In Progress, Completed"
        );
    }

    #[test]
    fn booleans() {
        for raw in ["Y", "yes", "TRUE", "1", " y "] {
            assert_eq!(normalize_boolean(raw).unwrap(), "true", "{raw}");
        }
        for raw in ["n", "No", "false", "0"] {
            assert_eq!(normalize_boolean(raw).unwrap(), "false", "{raw}");
        }
        let err = normalize_boolean("maybe").unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidBoolean);
        assert!(err.message.contains("Yes or No"), "{}", err.message);
    }
}
