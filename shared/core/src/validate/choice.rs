//! Fixed choices: catalog enums and yes/no fields.

use super::loose::LooseTable;
use super::{loose_eq, quoted, trim, Rejection};
use crate::catalog::EnumValue;
use crate::validate::ErrorCode;
use std::borrow::Cow;
use std::sync::{Mutex, PoisonError};

/// Matches the canonical value or a synonym, ignoring case and whitespace.
///
/// Scans the list; `Choices` answers the same from a table built once,
/// for a column's many cells.
pub fn normalize_choice(raw: &str, values: &[EnumValue]) -> Result<Cow<'static, str>, Rejection> {
    let value = trim(raw);
    let found = values.iter().find(|v| {
        loose_eq(value, v.value, false) || v.synonyms.iter().any(|s| loose_eq(value, s, false))
    });
    match found {
        Some(v) => Ok(Cow::Borrowed(v.value)),
        None => Err(not_a_choice(value, values)),
    }
}

/// An enum's values and synonyms, folded once for [`normalize_choice`]'s
/// loose comparison.
#[derive(Clone, Debug)]
pub(crate) struct Choices {
    values: &'static [EnumValue],
    table: LooseTable<&'static str>,
}

impl Choices {
    pub(crate) fn new(values: &'static [EnumValue]) -> Choices {
        // Each value, then its synonyms: the order a scan tries them in.
        let names = values.iter().flat_map(|v| {
            std::iter::once((v.value, v.value)).chain(v.synonyms.iter().map(|s| (*s, v.value)))
        });
        Choices {
            values,
            table: LooseTable::new(names, false),
        }
    }

    /// The choices of `values`, built on first use and kept: every chunk's
    /// validator needs the same few enums, and building their tables per
    /// chunk cost more than looking up its rows' cells. The catalog's enums
    /// are few, so what is kept stays small.
    pub(crate) fn shared(values: &'static [EnumValue]) -> &'static Choices {
        static BUILT: Mutex<Vec<&'static Choices>> = Mutex::new(Vec::new());
        // A panic elsewhere cannot leave the list half-written: pushing a
        // reference is the only change made under the lock.
        let mut built = BUILT.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(found) = built.iter().find(|c| std::ptr::eq(c.values, values)) {
            return found;
        }
        let choices: &'static Choices = Box::leak(Box::new(Choices::new(values)));
        built.push(choices);
        choices
    }

    /// What [`normalize_choice`] answers for these values.
    pub(crate) fn normalize(&self, raw: &str) -> Result<Cow<'static, str>, Rejection> {
        let value = trim(raw);
        match self.table.get(value) {
            Some(canonical) => Ok(Cow::Borrowed(canonical)),
            None => Err(not_a_choice(value, self.values)),
        }
    }
}

fn not_a_choice(value: &str, values: &[EnumValue]) -> Rejection {
    let allowed: Vec<&str> = values.iter().map(|v| v.value).collect();
    Rejection::new(
        ErrorCode::InvalidChoice,
        format!(
            "{} is not one of the allowed values: {}",
            quoted(value),
            allowed.join(", ")
        ),
    )
}

const TRUE: &[&str] = &["y", "yes", "true", "1"];
const FALSE: &[&str] = &["n", "no", "false", "0"];

/// Y/N, Yes/No, True/False, 1/0 → `true`/`false`.
pub fn normalize_boolean(raw: &str) -> Result<Cow<'static, str>, Rejection> {
    let value = trim(raw);
    let is = |words: &[&str]| words.iter().any(|w| w.eq_ignore_ascii_case(value));
    if is(TRUE) {
        Ok(Cow::Borrowed("true"))
    } else if is(FALSE) {
        Ok(Cow::Borrowed("false"))
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
    fn choices_built_once_answer_as_the_scan_does() {
        let catalog = crate::catalog::Entity::ALL
            .iter()
            .flat_map(|e| e.fields())
            .filter_map(|f| match f.field_type {
                crate::catalog::FieldType::Enum(values) => Some(values),
                _ => None,
            });
        for values in std::iter::once(STATUS).chain(catalog) {
            let choices = Choices::shared(values);
            // Kept: asking again gives the same table.
            assert!(std::ptr::eq(choices, Choices::shared(values)));
            let names = values
                .iter()
                .flat_map(|v| std::iter::once(v.value).chain(v.synonyms.iter().copied()));
            for name in names {
                for raw in [
                    name.to_string(),
                    name.to_uppercase(),
                    format!("  {} ", name.to_lowercase()),
                    name.replace(' ', ""),
                    format!("{name}x"),
                    name.chars().take(name.chars().count() / 2).collect(),
                ] {
                    assert_eq!(
                        choices.normalize(&raw),
                        normalize_choice(&raw, values),
                        "{raw:?}"
                    );
                }
            }
        }
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
