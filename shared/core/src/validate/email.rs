//! Email addresses: a pragmatic syntax check, not RFC 5322. Admins' files
//! hold work addresses; quoted local parts and IP-literal domains are
//! rejected on purpose because they are almost always typos.

use super::values::Normalized;
use super::{quoted, trim, Rejection};
use crate::limits::MAX_EMAIL_BYTES;
use crate::validate::ErrorCode;

/// Trimmed and lower-cased, so `Jane@X.com` and `jane@x.com` are one person:
/// kept when already lower-case, otherwise a lower-cased copy appended to
/// `out`.
pub(crate) fn write_email<'r>(raw: &'r str, out: &mut String) -> Result<Normalized<'r>, Rejection> {
    let value = trim(raw);
    match email_case(value) {
        Some(EmailCase::Lower) => Ok(Normalized::Kept(value)),
        // ASCII lower-casing gives the same and skips the Unicode tables.
        Some(EmailCase::AsciiUpper) => {
            let start = out.len();
            out.push_str(value);
            out[start..].make_ascii_lowercase();
            Ok(Normalized::Written)
        }
        Some(EmailCase::Unicode) => {
            out.push_str(&value.to_lowercase());
            Ok(Normalized::Written)
        }
        None if value.len() > MAX_EMAIL_BYTES => Err(Rejection::new(
            ErrorCode::InvalidEmail,
            format!(
                "{} is {} bytes long, more than the {MAX_EMAIL_BYTES} an email address can have",
                quoted(value),
                value.len()
            ),
        )),
        None => Err(Rejection::new(
            ErrorCode::InvalidEmail,
            format!(
                "{} is not a valid email address: it needs a name, an @ and a domain \
                 like name@example.com",
                quoted(value)
            ),
        )),
    }
}

/// What lower-casing a valid address takes: callers that only compare
/// addresses (duplicate keys) can then skip building the lower-case copy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EmailCase {
    /// Already lower-case.
    Lower,
    /// ASCII with capitals: ASCII lower-casing normalizes it.
    AsciiUpper,
    /// Not ASCII: only Unicode lower-casing normalizes it.
    Unicode,
}

/// `None` when `value` is not a valid address: one `@`; a local part
/// without spaces; a domain of at least two labels of letters, digits and
/// inner hyphens; a top-level domain of 2+ letters; at most 254 bytes in all.
pub(crate) fn email_case(value: &str) -> Option<EmailCase> {
    let at = value.bytes().position(|b| b == b'@')?;
    let (local, domain) = (&value[..at], &value.as_bytes()[at + 1..]);
    if value.len() > MAX_EMAIL_BYTES || !is_local_part(local) || !is_domain(domain) {
        return None;
    }
    Some(if !value.is_ascii() {
        EmailCase::Unicode
    } else if value.bytes().any(|b| b.is_ascii_uppercase()) {
        EmailCase::AsciiUpper
    } else {
        EmailCase::Lower
    })
}

// The longest local part and domain label (RFC 5321): with the whole
// address's limit, no record key or DynamoDB key built from an address can
// grow past what it holds.
const MAX_LOCAL: usize = 64;
const MAX_LABEL: usize = 63;

/// Up to 64 bytes of text between dots (none leading, trailing or two in
/// a row), without whitespace, control characters or `" , ; < >`.
fn is_local_part(local: &str) -> bool {
    local.len() <= MAX_LOCAL
        && dot_separated(local.as_bytes()).all(|part| !part.is_empty())
        && !local.chars().any(|c| {
            c.is_whitespace() || c.is_control() || matches!(c, '"' | ',' | ';' | '<' | '>')
        })
}

/// Two or more labels, the last (the top-level domain) of two or more
/// letters.
fn is_domain(domain: &[u8]) -> bool {
    let Some(dot) = domain.iter().rposition(|&b| b == b'.') else {
        return false;
    };
    let top_level = &domain[dot + 1..];
    top_level.len() >= 2
        && top_level.iter().all(u8::is_ascii_alphabetic)
        && dot_separated(domain).all(is_label)
}

/// Up to 63 ASCII letters, digits and hyphens, not starting or ending with
/// a hyphen.
fn is_label(label: &[u8]) -> bool {
    !label.is_empty()
        && label.len() <= MAX_LABEL
        && label.first() != Some(&b'-')
        && label.last() != Some(&b'-')
        && label
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'-')
}

/// The pieces of `text` between dots. Split as bytes with a closure rather
/// than with `str`'s pattern searches, which cost more to set up than an
/// address takes to read: with them the whole path took a sixth longer.
fn dot_separated(text: &[u8]) -> impl Iterator<Item = &[u8]> {
    text.split(|&b| b == b'.')
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    /// The normalized value, borrowed from `raw` when it is already in form.
    fn normalize_email(raw: &str) -> Result<Cow<'_, str>, Rejection> {
        crate::validate::values::as_cow(|out| write_email(raw, out))
    }

    fn is_valid_email(value: &str) -> bool {
        email_case(value).is_some()
    }

    #[test]
    fn addresses_over_254_bytes_are_invalid() {
        // 2.1 KB: every label and the local part within their own limits.
        let long = format!("user@{}com", "abcdefghij.".repeat(190));
        assert!(long.len() > 2_000);
        let err = normalize_email(&long).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidEmail);
        assert!(err.message.contains("more than the 254"), "{}", err.message);
        assert!(err.message.chars().count() < 300, "{}", err.message);
        // 254 bytes exactly is the longest that passes.
        let domain = format!(
            "{}.{}.{}.{}",
            "a".repeat(63),
            "b".repeat(63),
            "c".repeat(63),
            "io"
        );
        let edge = format!("{}@{domain}", "u".repeat(254 - 1 - domain.len()));
        assert_eq!(edge.len(), 254);
        assert!(is_valid_email(&edge));
        assert!(!is_valid_email(&format!("u{edge}")));
    }

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

    #[test]
    fn lower_case_addresses_are_borrowed() {
        assert!(matches!(
            normalize_email(" a.b@x.io "),
            Ok(Cow::Borrowed("a.b@x.io"))
        ));
        assert!(matches!(normalize_email("A@x.io"), Ok(Cow::Owned(_))));
        assert_eq!(normalize_email("É@x.io").unwrap(), "é@x.io");
    }

    #[test]
    fn edge_cases() {
        let long_local = format!("{}@x.io", "a".repeat(65));
        let long_label = format!("a@{}.io", "b".repeat(64));
        for (value, valid) in [
            ("a@b.co", true),
            ("a+b_c!#$%&'*/=?^`{|}~@x-y.example.io", true),
            ("a@1b.c0.io", true),
            ("é@b.co", true),
            (".a@b.co", false),
            ("a.@b.co", false),
            ("a..b@b.co", false),
            ("a\u{a0}b@b.co", false),
            ("a\u{85}b@b.co", false),
            ("a\u{7f}@b.co", false),
            ("a\tb@b.co", false),
            ("a<b@b.co", false),
            ("a@b..co", false),
            ("a@b.co.", false),
            ("a@.b.co", false),
            ("a@b-.co", false),
            ("a@b.c-o", false),
            ("a@b.é", false),
            ("a@bé.co", false),
            ("a@b@c.co", false),
            (long_local.as_str(), false),
            (long_label.as_str(), false),
            ("@", false),
            ("", false),
        ] {
            assert_eq!(is_valid_email(value), valid, "{value:?}");
        }
    }

    #[test]
    fn the_case_says_how_to_lower_case() {
        assert_eq!(email_case("a.b@x.io"), Some(EmailCase::Lower));
        assert_eq!(email_case("A.b@X.io"), Some(EmailCase::AsciiUpper));
        assert_eq!(email_case("é@x.io"), Some(EmailCase::Unicode));
        assert_eq!(email_case("a@x"), None);
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(5_000))]
            /// Address-like text, any text, address shapes, and lengths
            /// near the 64- and 63-byte limits.
            #[test]
            fn a_normalized_address_is_valid_and_normalizes_to_itself(
                value in prop_oneof![
                    "[a-zA-Z0-9.@ \\-_\"<>,;é\u{a0}\u{85}\t]{0,20}(@[a-z0-9.-]{0,12})?",
                    "\\PC{0,40}",
                    "[a-zA-Z0-9.@_+ -]{0,40}",
                    "[a-zA-Z0-9._+\u{e9}\u{c9}\u{a0}-]{0,12}@([a-zA-Z0-9-]{0,6}\\.){0,3}[a-zA-Z0-9-]{0,4}",
                    "[a-z.]{55,66}@[a-z]{1,3}\\.[a-z]{2,3}|a@[a-z-]{58,66}\\.[a-z]{2,3}|a@b\\.[a-z]{58,66}",
                ],
            ) {
                if let Ok(normalized) = normalize_email(&value) {
                    prop_assert!(is_valid_email(&normalized));
                    prop_assert_eq!(normalize_email(&normalized).unwrap(), normalized.clone());
                }
            }

            #[test]
            fn normalizing_trims_and_lower_cases_valid_addresses(
                value in "[ \t]?[a-zA-Z.\u{e9}\u{c9}\u{212a}\u{130}]{1,8}@[a-zA-Z]{1,4}\\.[a-zA-Z]{2,3}[ ]?",
            ) {
                let trimmed = value.trim();
                let expected = is_valid_email(trimmed).then(|| trimmed.to_lowercase());
                let normalized = normalize_email(&value).ok().map(Cow::into_owned);
                prop_assert_eq!(normalized, expected);
            }
        }
    }
}
