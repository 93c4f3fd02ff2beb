//! Email addresses: a pragmatic syntax check, not RFC 5322. Admins' files
//! hold work addresses; quoted local parts and IP-literal domains are
//! rejected on purpose because they are almost always typos.

use super::values::{as_cow, Normalized};
use super::{quoted, trim, Rejection};
use crate::limits::MAX_EMAIL_BYTES;
use crate::validate::ErrorCode;
use std::borrow::Cow;

/// Trimmed and lower-cased, so `Jane@X.com` and `jane@x.com` are one person.
/// Borrowed from `raw` when it is already lower-case.
pub fn normalize_email(raw: &str) -> Result<Cow<'_, str>, Rejection> {
    as_cow(|out| write_email(raw, out))
}

/// [`normalize_email`], appending a lower-cased copy to `out`.
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

/// One `@`; a local part without spaces; a domain of at least two labels of
/// letters, digits and inner hyphens; a top-level domain of 2+ letters.
pub fn is_valid_email(value: &str) -> bool {
    email_case(value).is_some()
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

/// `None` when `value` is not a valid address ([`is_valid_email`]).
///
/// One pass of a state machine, a table step per byte with no decision:
/// this runs for every email cell twice (duplicate keys, then validation),
/// and a search and a scan per rule cost more.
pub(crate) fn email_case(value: &str) -> Option<EmailCase> {
    let bytes = value.as_bytes();
    // Two bytes a step: each step waits for the one before, so halving the
    // steps halves the time; the classes are loaded ahead of need.
    let mut pairs = bytes.chunks_exact(2);
    let (mut state8, mut flags) = (u16::from(LOCAL_START) * 8, 0u16);
    for pair in &mut pairs {
        let (first, second) = (CLASSES[usize::from(pair[0])], CLASSES[usize::from(pair[1])]);
        flags |= first | second;
        // The entries' low bytes are the classes.
        let classes = (u16::from(first as u8) << 3) | u16::from(second as u8);
        state8 = PAIR_NEXT[usize::from(state8 | classes)];
    }
    // `state8` is a state times 8, at most 88 * 8: a state fits a byte.
    let mut state = (state8 / 8) as u8;
    if let [last] = *pairs.remainder() {
        let entry = CLASSES[usize::from(last)];
        flags |= entry;
        state = NEXT[usize::from(state | entry as u8)];
    }
    if state != TOP_LEVEL || (bytes.len() > LENGTHS_HOLD_UP_TO && !lengths_hold(bytes)) {
        return None;
    }
    if flags & NON_ASCII != 0 {
        // Non-ASCII whitespace and controls (U+0085, U+00A0, U+2028…) need
        // the character tables.
        let (local, _) = value.split_once('@')?;
        if local.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return None;
        }
        return Some(EmailCase::Unicode);
    }
    Some(if flags & UPPER != 0 {
        EmailCase::AsciiUpper
    } else {
        EmailCase::Lower
    })
}

// The longest local part and label.
const MAX_LOCAL: usize = 64;
const MAX_LABEL: usize = 63;

/// Besides a label, an address the state machine accepts has at least 4
/// bytes (`a@` and `.b` or `b.`); besides its local part, at least 5
/// (`@a.bc`). So up to this length neither can be too long.
const LENGTHS_HOLD_UP_TO: usize = MAX_LABEL + 4;

/// At most 254 bytes in all (RFC 5321), 64 before the `@`, and 63 in
/// each label: no record key or DynamoDB key built from an address can
/// grow past what it holds.
fn lengths_hold(bytes: &[u8]) -> bool {
    if bytes.len() > MAX_EMAIL_BYTES {
        return false;
    }
    let Some(at) = bytes.iter().position(|&b| b == b'@') else {
        return false;
    };
    at <= MAX_LOCAL
        && bytes[at + 1..]
            .split(|&b| b == b'.')
            .all(|label| label.len() <= MAX_LABEL)
}

// Byte classes: what the state machine steps on.
const LETTER: u8 = 0;
const DIGIT: u8 = 1;
const HYPHEN: u8 = 2;
const DOT: u8 = 3;
const AT: u8 = 4;
/// Allowed in a local part only: other printable ASCII, and non-ASCII.
const OTHER: u8 = 5;
/// Allowed nowhere: controls, the space (ASCII whitespace is all at or
/// below it), DEL and `" , ; < >`.
const REFUSED: u8 = 6;

// Flags gathered over the whole address, above the class's byte.
const UPPER: u16 = 0x100;
const NON_ASCII: u16 = 0x200;

/// Each byte's class, with its flags above it: one two-byte load per byte
/// (loading class and flags apart measured slower).
static CLASSES: [u16; 256] = {
    let mut table = [0; 256];
    let mut b = 0;
    while b < 256 {
        let (class, flags) = match b as u8 {
            b'a'..=b'z' => (LETTER, 0),
            b'A'..=b'Z' => (LETTER, UPPER),
            b'0'..=b'9' => (DIGIT, 0),
            b'-' => (HYPHEN, 0),
            b'.' => (DOT, 0),
            b'@' => (AT, 0),
            0..=b' ' | 0x7F | b'"' | b',' | b';' | b'<' | b'>' => (REFUSED, 0),
            0x80.. => (OTHER, NON_ASCII),
            _ => (OTHER, 0),
        };
        table[b] = class as u16 | flags;
        b += 1;
    }
    table
};

// States, as multiples of 8 so that `state | class` indexes `NEXT`.
/// Refused: no step leads out.
const DEAD: u8 = 0;
const LOCAL_START: u8 = 8;
/// In the local part, after a byte that is not a dot.
const LOCAL: u8 = 16;
const LOCAL_DOT: u8 = 24;
/// The first label of the domain: empty, ending with a letter or digit,
/// ending with a hyphen.
const FIRST_START: u8 = 32;
const FIRST_ALNUM: u8 = 40;
const FIRST_HYPHEN: u8 = 48;
/// A later label: empty, one letter, two or more letters only (a valid
/// top-level domain: the state that accepts), with a digit or hyphen and
/// ending with a letter or digit, ending with a hyphen.
const LABEL_START: u8 = 56;
const LABEL_LETTER: u8 = 64;
const TOP_LEVEL: u8 = 72;
const LABEL_ALNUM: u8 = 80;
const LABEL_HYPHEN: u8 = 88;

/// `NEXT[state | class]`: the state after a byte of that class. A dot or
/// `@` ending an empty part, a hyphen starting or ending a label and two
/// dots in a row all lead to [`DEAD`].
static NEXT: [u8; 256] = {
    const LOCAL_BYTES: &[u8] = &[LETTER, DIGIT, HYPHEN, OTHER];
    const ALNUM: &[u8] = &[LETTER, DIGIT];
    let steps: &[(u8, &[u8], u8)] = &[
        (LOCAL_START, LOCAL_BYTES, LOCAL),
        (LOCAL, LOCAL_BYTES, LOCAL),
        (LOCAL, &[DOT], LOCAL_DOT),
        (LOCAL, &[AT], FIRST_START),
        (LOCAL_DOT, LOCAL_BYTES, LOCAL),
        (FIRST_START, ALNUM, FIRST_ALNUM),
        (FIRST_ALNUM, ALNUM, FIRST_ALNUM),
        (FIRST_ALNUM, &[HYPHEN], FIRST_HYPHEN),
        (FIRST_ALNUM, &[DOT], LABEL_START),
        (FIRST_HYPHEN, ALNUM, FIRST_ALNUM),
        (FIRST_HYPHEN, &[HYPHEN], FIRST_HYPHEN),
        (LABEL_START, &[LETTER], LABEL_LETTER),
        (LABEL_START, &[DIGIT], LABEL_ALNUM),
        (LABEL_LETTER, &[LETTER], TOP_LEVEL),
        (LABEL_LETTER, &[DIGIT], LABEL_ALNUM),
        (LABEL_LETTER, &[HYPHEN], LABEL_HYPHEN),
        (LABEL_LETTER, &[DOT], LABEL_START),
        (TOP_LEVEL, &[LETTER], TOP_LEVEL),
        (TOP_LEVEL, &[DIGIT], LABEL_ALNUM),
        (TOP_LEVEL, &[HYPHEN], LABEL_HYPHEN),
        (TOP_LEVEL, &[DOT], LABEL_START),
        (LABEL_ALNUM, ALNUM, LABEL_ALNUM),
        (LABEL_ALNUM, &[HYPHEN], LABEL_HYPHEN),
        (LABEL_ALNUM, &[DOT], LABEL_START),
        (LABEL_HYPHEN, ALNUM, LABEL_ALNUM),
        (LABEL_HYPHEN, &[HYPHEN], LABEL_HYPHEN),
    ];
    let mut next = [DEAD; 256];
    let mut i = 0;
    while i < steps.len() {
        let (from, classes, to) = steps[i];
        let mut j = 0;
        while j < classes.len() {
            next[(from | classes[j]) as usize] = to;
            j += 1;
        }
        i += 1;
    }
    next
};

/// [`NEXT`] for two bytes: `PAIR_NEXT[state * 8 | first << 3 | second]`
/// is the state after a byte of class `first` then one of class
/// `second`, times 8, ready to index the table again.
static PAIR_NEXT: [u16; 768] = {
    let mut next = [0u16; 768];
    let mut state = 0;
    while state <= LABEL_HYPHEN as usize {
        let mut first = 0;
        while first < 8 {
            let mut second = 0;
            while second < 8 {
                let after = NEXT[(NEXT[state | first] as usize) | second];
                next[(state * 8) | (first << 3) | second] = after as u16 * 8;
                second += 1;
            }
            first += 1;
        }
        state += 8;
    }
    next
};

#[cfg(test)]
mod tests {
    use super::*;

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

    /// The check as first written, with substring searches: the state
    /// machine must agree with it on every input.
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
            #![proptest_config(ProptestConfig::with_cases(5_000))]
            /// Address-like text, any text, address shapes, and lengths
            /// near the 64- and 63-byte limits.
            #[test]
            fn the_state_machine_agrees_with_the_reference(
                value in prop_oneof![
                    "[a-zA-Z0-9.@ \\-_\"<>,;é\u{a0}\u{85}\t]{0,20}(@[a-z0-9.-]{0,12})?",
                    "\\PC{0,40}",
                    "[a-zA-Z0-9.@_+ -]{0,40}",
                    "[a-zA-Z0-9._+\u{e9}\u{c9}\u{a0}-]{0,12}@([a-zA-Z0-9-]{0,6}\\.){0,3}[a-zA-Z0-9-]{0,4}",
                    "[a-z.]{55,66}@[a-z]{1,3}\\.[a-z]{2,3}|a@[a-z-]{58,66}\\.[a-z]{2,3}|a@b\\.[a-z]{58,66}",
                ],
            ) {
                prop_assert_eq!(is_valid_email(&value), reference(&value));
            }

            #[test]
            fn normalizing_trims_and_lower_cases_valid_addresses(
                value in "[ \t]?[a-zA-Z.\u{e9}\u{c9}\u{212a}\u{130}]{1,8}@[a-zA-Z]{1,4}\\.[a-zA-Z]{2,3}[ ]?",
            ) {
                let trimmed = value.trim();
                let expected = reference(trimmed).then(|| trimmed.to_lowercase());
                let normalized = normalize_email(&value).ok().map(Cow::into_owned);
                prop_assert_eq!(normalized, expected);
            }
        }
    }
}
