//! Email addresses: a pragmatic syntax check, not RFC 5322. Admins' files
//! hold work addresses; quoted local parts and IP-literal domains are
//! rejected on purpose because they are almost always typos.

use super::{quoted, trim, Rejection};
use crate::validate::ErrorCode;

/// Trimmed and lower-cased, so `Jane@X.com` and `jane@x.com` are one person.
pub fn normalize_email(raw: &str) -> Result<String, Rejection> {
    let value = trim(raw);
    if is_valid_email(value) {
        // ASCII lower-casing is the same and skips the Unicode tables.
        Ok(if value.is_ascii() {
            value.to_ascii_lowercase()
        } else {
            value.to_lowercase()
        })
    } else {
        Err(Rejection::new(
            ErrorCode::InvalidEmail,
            format!(
                "{} is not a valid email address: it needs a name, an @ and a domain \
                 like name@example.com",
                quoted(value)
            ),
        ))
    }
}

/// One `@`; a local part without spaces; a domain of at least two labels of
/// letters, digits and inner hyphens; a top-level domain of 2+ letters.
pub fn is_valid_email(value: &str) -> bool {
    let Some((local, domain)) = value.split_once('@') else {
        return false;
    };
    if local.is_empty()
        || local.len() > 64
        || domain.contains('@')
        || local.chars().any(|c| {
            c.is_whitespace() || c.is_control() || matches!(c, '"' | ',' | ';' | '<' | '>')
        })
        || local.starts_with('.')
        || local.ends_with('.')
        || local.contains("..")
    {
        return false;
    }
    let mut labels = domain.split('.');
    let Some(tld) = domain.rsplit('.').next() else {
        return false;
    };
    if !domain.contains('.') || tld.len() < 2 || !tld.bytes().all(|b| b.is_ascii_alphabetic()) {
        return false;
    }
    labels.all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_emails_are_trimmed_and_lower_cased() {
        assert_eq!(
            normalize_email("  Jane.Doe+hr@Example.CO.uk ").unwrap(),
            "jane.doe+hr@example.co.uk"
        );
        assert_eq!(normalize_email("a@b-c.io").unwrap(), "a@b-c.io");
    }

    #[test]
    fn malformed_emails_are_rejected_with_a_helpful_message() {
        let err = normalize_email("jane@").unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidEmail);
        assert_eq!(
            err.message,
            "\"jane@\" is not a valid email address: it needs a name, an @ and a domain like name@example.com"
        );
        for bad in [
            "jane",
            "@example.com",
            "jane@example",
            "jane@@example.com",
            "ja ne@example.com",
            "jane@exa_mple.com",
            "jane@example.c",
            "jane@example.c0m",
            "jane@-example.com",
            "jane@example..com",
            "jane@a@b.com",
        ] {
            assert!(!is_valid_email(bad), "{bad} passed");
        }
    }
}
