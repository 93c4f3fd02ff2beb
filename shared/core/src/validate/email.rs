//! Email addresses: a pragmatic syntax check, not RFC 5322. Admins' files
//! hold work addresses; quoted local parts and IP-literal domains are
//! rejected on purpose because they are almost always typos.

use super::{quoted, trim, Rejection};
use crate::validate::ErrorCode;
use std::borrow::Cow;

/// Trimmed and lower-cased, so `Jane@X.com` and `jane@x.com` are one person.
/// Borrowed from `raw` when it is already lower-case.
pub fn normalize_email(raw: &str) -> Result<Cow<'_, str>, Rejection> {
    let value = trim(raw);
    if is_valid_email(value) {
        // ASCII lower-casing is the same and skips the Unicode tables.
        Ok(if !value.is_ascii() {
            Cow::Owned(value.to_lowercase())
        } else if value.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(value.to_ascii_lowercase())
        } else {
            Cow::Borrowed(value)
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
///
/// Checked byte by byte: this runs twice for every email cell (duplicate
/// keys, then validation), and substring searches cost more than the scan.
pub fn is_valid_email(value: &str) -> bool {
    let Some(at) = value.bytes().position(|b| b == b'@') else {
        return false;
    };
    let (local, domain) = (&value[..at], &value.as_bytes()[at + 1..]);
    local_part_is_valid(local) && domain_is_valid(domain)
}

/// At most 64 bytes; no whitespace, control characters or `" , ; < >`;
/// dots only between other characters, never two in a row.
fn local_part_is_valid(local: &str) -> bool {
    let bytes = local.as_bytes();
    if bytes.is_empty() || bytes.len() > 64 || bytes[0] == b'.' || bytes[bytes.len() - 1] == b'.' {
        return false;
    }
    let mut previous = 0u8;
    let mut ascii = true;
    for &b in bytes {
        if (b == b'.' && previous == b'.') || REFUSED_IN_LOCAL[usize::from(b)] {
            return false;
        }
        ascii &= b.is_ascii();
        previous = b;
    }
    // Non-ASCII whitespace and controls (U+0085, U+00A0, U+2028…) need
    // the character tables.
    ascii || !local.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// ASCII bytes refused in a local part: controls, the space (ASCII
/// whitespace is all at or below it), DEL and `" , ; < >`.
static REFUSED_IN_LOCAL: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b <= b' ' as usize {
        table[b] = true;
        b += 1;
    }
    table[0x7F] = true;
    table[b'"' as usize] = true;
    table[b',' as usize] = true;
    table[b';' as usize] = true;
    table[b'<' as usize] = true;
    table[b'>' as usize] = true;
    table
};

/// Labels of ASCII letters, digits and inner hyphens (so no second `@`),
/// each 1 to 63 bytes; at least two; the last one 2+ letters.
fn domain_is_valid(domain: &[u8]) -> bool {
    let mut dots = 0usize;
    let mut label_len = 0usize;
    let mut label_alphabetic = true;
    let mut previous_hyphen = false;
    for &b in domain {
        match DOMAIN_BYTES[usize::from(b)] {
            DomainByte::Letter => {}
            DomainByte::Digit => label_alphabetic = false,
            DomainByte::Hyphen if label_len > 0 => label_alphabetic = false,
            DomainByte::Dot if label_len > 0 && !previous_hyphen && label_len <= 63 => {
                dots += 1;
                label_len = 0;
                label_alphabetic = true;
                previous_hyphen = false;
                continue;
            }
            _ => return false,
        }
        label_len += 1;
        previous_hyphen = b == b'-';
    }
    // The top-level label: all letters, so it cannot end with a hyphen.
    dots > 0 && (2..=63).contains(&label_len) && label_alphabetic
}

#[derive(Clone, Copy)]
enum DomainByte {
    Letter,
    Digit,
    Hyphen,
    Dot,
    Refused,
}

/// What each byte is to a domain: one lookup per byte instead of a chain
/// of range tests.
static DOMAIN_BYTES: [DomainByte; 256] = {
    let mut table = [DomainByte::Refused; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        if c.is_ascii_alphabetic() {
            table[b] = DomainByte::Letter;
        } else if c.is_ascii_digit() {
            table[b] = DomainByte::Digit;
        }
        b += 1;
    }
    table[b'-' as usize] = DomainByte::Hyphen;
    table[b'.' as usize] = DomainByte::Dot;
    table
};

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

    /// The check as first written, with substring searches: the byte scan
    /// must agree with it on every input.
    fn reference(value: &str) -> bool {
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
    fn edge_cases_agree_with_the_reference() {
        let long_local = format!("{}@x.io", "a".repeat(65));
        let long_label = format!("a@{}.io", "b".repeat(64));
        for value in [
            "a@b.co",
            ".a@b.co",
            "a.@b.co",
            "a..b@b.co",
            "a\u{a0}b@b.co",
            "a\u{85}b@b.co",
            "é@b.co",
            "a\u{7f}@b.co",
            "a@b..co",
            "a@b.co.",
            "a@.b.co",
            "a@b-.co",
            "a@b.c-o",
            "a@b.é",
            "a@b@c.co",
            long_local.as_str(),
            long_label.as_str(),
            "@",
            "",
        ] {
            assert_eq!(is_valid_email(value), reference(value), "{value:?}");
        }
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2_000))]
            #[test]
            fn the_byte_scan_agrees_with_the_reference(
                value in "[a-zA-Z0-9.@ \\-_\"<>,;é\u{a0}\u{85}\t]{0,20}(@[a-z0-9.-]{0,12})?",
            ) {
                prop_assert_eq!(is_valid_email(&value), reference(&value));
            }

            #[test]
            fn any_text_agrees_with_the_reference(value in "\\PC{0,30}") {
                prop_assert_eq!(is_valid_email(&value), reference(&value));
            }
        }
    }
}
