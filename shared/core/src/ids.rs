//! The ids that scope every key: a company's (from verified claims) and an
//! import's (made by the server, but read back from paths, object keys and
//! messages). Parsed once where they enter, so that no id can carry the
//! separators keys are built with (`#` in table keys, `/` in object keys)
//! and address another item than its own.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::Deref;

/// Longer than any id the service or an identity provider makes.
const MAX_LEN: usize = 128;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{kind} {shown:?} is not a valid id: {why}")]
pub struct IdError {
    kind: &'static str,
    shown: String,
    why: &'static str,
}

fn check(kind: &'static str, text: &str) -> Result<(), IdError> {
    let why = if text.is_empty() {
        "it is empty"
    } else if text.len() > MAX_LEN {
        "it is longer than 128 bytes"
    } else if text.contains(['#', '/']) {
        "it contains `#` or `/`, which keys are built with"
    } else if text.chars().any(char::is_control) {
        "it contains control characters"
    } else {
        return Ok(());
    };
    Err(IdError {
        kind,
        shown: text.chars().take(40).collect(),
        why,
    })
}

macro_rules! id {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn parse(text: &str) -> Result<$name, IdError> {
                check($kind, text)?;
                Ok($name(text.to_string()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;

            fn try_from(text: String) -> Result<$name, IdError> {
                check($kind, &text)?;
                Ok($name(text))
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl Deref for $name {
            type Target = str;

            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }
    };
}

id!(
    /// A company, from the verified claims of the caller or from the
    /// object key the server made for it.
    CompanyId,
    "company id"
);
id!(
    /// An import.
    ImportId,
    "import id"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_that_could_forge_a_key_are_refused() {
        for bad in ["", "a#b", "a/b", "a\u{0}b", "a\nb", &"x".repeat(129)] {
            assert!(ImportId::parse(bad).is_err(), "{bad:?}");
            assert!(CompanyId::parse(bad).is_err(), "{bad:?}");
        }
        let err = ImportId::parse("imp#META").unwrap_err().to_string();
        assert!(err.contains("`#`"), "{err}");
    }

    #[test]
    fn ids_read_and_write_as_plain_strings() {
        let id = ImportId::parse("3f2a9c").unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), r#""3f2a9c""#);
        assert_eq!(serde_json::from_str::<ImportId>(r#""3f2a9c""#).unwrap(), id);
        assert!(serde_json::from_str::<CompanyId>(r#""acme#x""#).is_err());
        assert_eq!(id, "3f2a9c");
        assert_eq!(&*id, "3f2a9c");
    }
}
