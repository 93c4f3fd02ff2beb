//! Phone numbers, normalized to E.164 with US as the default country.
//!
//! Hand-written on purpose: a full phone-metadata library (libphonenumber
//! ports) costs microseconds a number and megabytes of tables, far too slow
//! for the 150 MB/s validation target. The rules here cover what admins'
//! files hold: NANP numbers in any punctuation, and international numbers
//! already written with `+`.

use super::values::Normalized;
use super::{quoted, trim, Rejection};
use crate::validate::ErrorCode;

/// At most 15 digits in E.164; a little room to report longer inputs.
const MAX_DIGITS: usize = 15;

/// A phone number in E.164: kept when it already is, otherwise the E.164
/// form appended to `out`.
pub(crate) fn write_phone<'r>(raw: &'r str, out: &mut String) -> Result<Normalized<'r>, Rejection> {
    let value = trim(raw);
    let (international, rest) = match value.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, value),
    };
    // The result is built as the digits are read: the `+` (and for a US
    // number its country code) first, then the digits, every one ASCII,
    // pushed without a second pass or a UTF-8 check.
    out.reserve(2 + MAX_DIGITS);
    out.push_str(if international { "+" } else { "+1" });
    let prefix = out.len();
    // Bytes, not characters: every accepted one is ASCII, and a byte of a
    // multi-byte character is refused just as the character would be.
    for b in rest.bytes() {
        match b {
            b'0'..=b'9' => {
                if out.len() - prefix == MAX_DIGITS {
                    return Err(refused(value, "it has more than 15 digits"));
                }
                out.push(char::from(b));
            }
            b' ' | b'.' | b'-' | b'(' | b')' => {}
            _ => {
                return Err(refused(
                    value,
                    "it may hold only digits, spaces, dots, dashes, parentheses and a leading +",
                ))
            }
        }
    }
    let digits = &out.as_bytes()[prefix..];
    let len = digits.len();
    if international {
        if (8..=MAX_DIGITS).contains(&len) && digits[0] != b'0' {
            // Nothing but the digits after the `+`: already E.164.
            return Ok(if len == rest.len() {
                Normalized::Kept(value)
            } else {
                Normalized::Written
            });
        }
        return Err(invalid(
            value,
            "an international number needs + and then 8 to 15 digits, starting with the country code",
        ));
    }
    let national = match len {
        10 => digits,
        11 if digits[0] == b'1' => &digits[1..],
        _ => {
            return Err(invalid(
                value,
                "a US number needs 10 digits (area code and number), or write an \
                 international number with + and its country code",
            ))
        }
    };
    if matches!(national[0], b'0' | b'1') || matches!(national[3], b'0' | b'1') {
        return Err(invalid(
            value,
            "a US area code and exchange cannot start with 0 or 1",
        ));
    }
    // Eleven digits wrote their own country code after the one put first.
    if len == 11 {
        out.remove(prefix);
    }
    Ok(Normalized::Written)
}

/// Why reading stopped early, unless the value has an extension: that is
/// the problem an admin should hear about first (`x123`, `ext 123` and
/// `ext. 123` all contain an x, and no number that gets past the read does).
fn refused(value: &str, why: &str) -> Rejection {
    if value.bytes().any(|b| b == b'x' || b == b'X') {
        return invalid(
            value,
            "extensions cannot be imported: keep only the main number (for example \
             (555) 123-4567) and put the extension in a note",
        );
    }
    invalid(value, why)
}

fn invalid(value: &str, why: &str) -> Rejection {
    Rejection::new(
        ErrorCode::InvalidPhone,
        format!("{} is not a valid phone number: {why}", quoted(value)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    /// The normalized value, borrowed from `raw` when it is already in form.
    fn normalize_phone(raw: &str) -> Result<Cow<'_, str>, Rejection> {
        crate::validate::values::as_cow(|out| write_phone(raw, out))
    }

    #[test]
    fn us_numbers_in_any_punctuation_become_e164() {
        for raw in [
            "(555) 234-5678",
            "555.234.5678",
            "555-234-5678",
            "5552345678",
            "1-555-234-5678",
            " 1 (555) 234 5678 ",
        ] {
            assert_eq!(normalize_phone(raw).unwrap(), "+15552345678", "{raw}");
        }
    }

    #[test]
    fn international_numbers_keep_their_digits() {
        assert_eq!(
            normalize_phone("+44 20 7946 0958").unwrap(),
            "+442079460958"
        );
        assert_eq!(normalize_phone("+1 555 234 5678").unwrap(), "+15552345678");
        assert_eq!(
            normalize_phone("+1234567").unwrap_err().code,
            ErrorCode::InvalidPhone
        );
        let too_long = normalize_phone("+1234567890123456").unwrap_err();
        assert_eq!(too_long.code, ErrorCode::InvalidPhone);
        assert!(
            too_long.message.contains("more than 15 digits"),
            "{}",
            too_long.message
        );
        assert_eq!(
            normalize_phone("+1 234 567 890 123 45").unwrap(),
            "+123456789012345"
        );
    }

    #[test]
    fn bad_area_codes_and_lengths_are_rejected() {
        let err = normalize_phone("055-234-5678").unwrap_err();
        assert!(err.message.contains("area code"), "{}", err.message);
        assert!(normalize_phone("555-134-5678").is_err());
        assert!(normalize_phone("234-5678").is_err());
        assert!(normalize_phone("25552345678").is_err());
        assert!(normalize_phone("555/234/5678").is_err());
    }

    #[test]
    fn numbers_already_in_e164_are_borrowed() {
        assert!(matches!(
            normalize_phone(" +442079460958"),
            Ok(Cow::Borrowed("+442079460958"))
        ));
        assert!(matches!(
            normalize_phone("+44 20 7946 0958"),
            Ok(Cow::Owned(_))
        ));
        assert!(normalize_phone("555\u{2013}234\u{2013}5678").is_err());
    }

    #[test]
    fn extensions_are_rejected_with_a_message() {
        for raw in [
            "555-234-5678 x123",
            "555-234-5678 ext. 123",
            "5552345678X12",
            "+1234567890123456 x12",
        ] {
            let err = normalize_phone(raw).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidPhone);
            assert!(err.message.contains("extension"), "{}", err.message);
        }
        assert!(normalize_phone("call me").is_err());
    }

    /// The rules read off the module's doc, by characters and strings.
    fn reference(raw: &str) -> Result<Cow<'_, str>, ErrorCode> {
        let value = raw.trim();
        let (international, rest) = value
            .strip_prefix('+')
            .map_or((false, value), |r| (true, r));
        if !rest
            .chars()
            .all(|c| c.is_ascii_digit() || " .-()".contains(c))
        {
            return Err(ErrorCode::InvalidPhone);
        }
        let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
        let e164 = if international {
            if !(8..=15).contains(&digits.len()) || digits.starts_with('0') {
                return Err(ErrorCode::InvalidPhone);
            }
            format!("+{digits}")
        } else {
            let national = match digits.len() {
                10 => digits.as_str(),
                11 if digits.starts_with('1') => &digits[1..],
                _ => return Err(ErrorCode::InvalidPhone),
            };
            if national.starts_with(['0', '1']) || national[3..].starts_with(['0', '1']) {
                return Err(ErrorCode::InvalidPhone);
            }
            format!("+1{national}")
        };
        Ok(if e164 == value {
            Cow::Borrowed(value)
        } else {
            Cow::Owned(e164)
        })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(5_000))]
        #[test]
        fn phones_normalize_as_the_rules_say(
            raw in "[ ]?\\+?[0-9 .()x-]{0,20}[ é]?",
        ) {
            let normalized = normalize_phone(&raw).map_err(|e| e.code);
            let expected = reference(&raw);
            proptest::prop_assert_eq!(&normalized, &expected);
            if let (Ok(got), Ok(want)) = (&normalized, &expected) {
                proptest::prop_assert_eq!(
                    matches!(got, Cow::Borrowed(_)),
                    matches!(want, Cow::Borrowed(_))
                );
            }
        }
    }
}
