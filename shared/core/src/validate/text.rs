//! Free text and identifiers.

use super::{quoted, trim, Rejection};
use crate::bytescan::{any_byte, may_start_control};
use crate::validate::{ErrorCode, WarningCode};
use std::borrow::Cow;

/// Trimmed text of at most `max_len` characters; tab and line breaks are
/// kept because admins paste addresses and notes with them. Borrowed from
/// `raw`: trimming never needs a copy.
pub fn normalize_text(raw: &str, max_len: usize) -> Result<Cow<'_, str>, Rejection> {
    let value = trimmed(raw, max_len)?;
    if may_hold_control(value) {
        if let Some(c) = value
            .chars()
            .find(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        {
            return Err(control_characters(value, c));
        }
    }
    Ok(Cow::Borrowed(value))
}

/// An identifier: trimmed, at most `max_len` characters, no control
/// characters at all (not even tabs, which would never be typed in one).
pub fn normalize_id(raw: &str, max_len: usize) -> Result<Cow<'_, str>, Rejection> {
    let value = trimmed(raw, max_len)?;
    if may_hold_control(value) {
        if let Some(c) = value.chars().find(|c| c.is_control()) {
            return Err(control_characters(value, c));
        }
    }
    Ok(Cow::Borrowed(value))
}

/// Text or an identifier known to hold no control character: all that is
/// left to check is its length.
pub(super) fn trimmed(raw: &str, max_len: usize) -> Result<&str, Rejection> {
    let value = trim(raw);
    check_length(value, max_len)?;
    Ok(value)
}

/// A byte scan that rules out control characters (C0, DEL and C1, whose
/// UTF-8 starts with 0xC2) before the slower search by character.
pub(super) fn may_hold_control(value: &str) -> bool {
    any_byte(value.as_bytes(), may_start_control)
}

/// What a spreadsheet may have done to an identifier that still imports.
pub fn id_warning(value: &str, id_width: Option<u8>) -> Option<(WarningCode, String)> {
    // Most IDs are digits alone: never scientific, and only their length
    // is left to look at.
    let digits = value.bytes().all(|b| b.is_ascii_digit());
    if !digits && looks_scientific(value) {
        return Some((
            WarningCode::ScientificNotation,
            format!(
                "{} looks like a number a spreadsheet turned into scientific notation, \
                 which loses digits: format the column as Text and export the file again",
                quoted(value)
            ),
        ));
    }
    let width = usize::from(id_width?);
    if digits && !value.is_empty() && value.len() < width {
        return Some((
            WarningCode::LeadingZerosLost,
            format!(
                "{} is shorter than the {width} digits most IDs in this column have: \
                 a spreadsheet may have dropped its leading zeros (it was probably {}); \
                 format the column as Text and export the file again",
                quoted(value),
                "0".repeat(width - value.len()) + value
            ),
        ));
    }
    None
}

/// `1.23E+10`, `4E9`, `1.2e-3`: a mantissa of digits with an optional
/// fraction, an `E`, an optional sign and an exponent of digits.
pub fn looks_scientific(value: &str) -> bool {
    let Some(at) = value.bytes().position(|b| b == b'E' || b == b'e') else {
        return false;
    };
    let (mantissa, exponent) = (&value[..at], &value[at + 1..]);
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let exponent = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit())
        && !exponent.is_empty()
        && exponent.bytes().all(|b| b.is_ascii_digit())
}

fn check_length(value: &str, max_len: usize) -> Result<(), Rejection> {
    // Bytes bound characters from above: count only when it could matter.
    if value.len() > max_len {
        let count = value.chars().count();
        if count > max_len {
            return Err(Rejection::new(
                ErrorCode::TooLong,
                format!(
                    "the value has {count} characters, more than the limit of {max_len}: shorten it"
                ),
            ));
        }
    }
    Ok(())
}

fn control_characters(value: &str, c: char) -> Rejection {
    Rejection::new(
        ErrorCode::ControlCharacters,
        format!(
            "{} contains an invisible control character (U+{:04X}), usually pasted \
             from another program: retype the value",
            quoted(value),
            u32::from(c)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_keeps_tabs_and_line_breaks() {
        assert_eq!(normalize_text("  Jane \n", 10).unwrap(), "Jane");
        assert_eq!(normalize_text("a\tb\nc", 10).unwrap(), "a\tb\nc");
    }

    #[test]
    fn text_length_counts_characters_and_names_the_limit() {
        assert_eq!(normalize_text("ééééé", 5).unwrap(), "ééééé");
        let err = normalize_text("abcdef", 5).unwrap_err();
        assert_eq!(err.code, ErrorCode::TooLong);
        assert!(err.message.contains("limit of 5"), "{}", err.message);
        assert!(err.message.contains("6 characters"), "{}", err.message);
    }

    #[test]
    fn control_characters_are_rejected() {
        let err = normalize_text("Ja\u{7}ne", 20).unwrap_err();
        assert_eq!(err.code, ErrorCode::ControlCharacters);
        assert!(err.message.contains("U+0007"), "{}", err.message);
        let err = normalize_id("A\tB", 20).unwrap_err();
        assert_eq!(err.code, ErrorCode::ControlCharacters);
    }

    #[test]
    fn ids_are_trimmed_and_bounded() {
        assert_eq!(normalize_id(" 00123 ", 10).unwrap(), "00123");
        assert_eq!(
            normalize_id("12345678901", 10).unwrap_err().code,
            ErrorCode::TooLong
        );
    }

    #[test]
    fn scientific_notation_is_recognized() {
        assert!(looks_scientific("1.23E+10"));
        assert!(looks_scientific("4e9"));
        assert!(!looks_scientific("E123"));
        assert!(!looks_scientific("12E"));
        assert!(!looks_scientific("AB-123"));
        let (code, message) = id_warning("1.23E+10", None).unwrap();
        assert_eq!(code, WarningCode::ScientificNotation);
        assert!(message.contains("Text"), "{message}");
    }

    #[test]
    fn short_all_digit_ids_warn_when_the_column_has_a_width() {
        let (code, message) = id_warning("123", Some(5)).unwrap();
        assert_eq!(code, WarningCode::LeadingZerosLost);
        assert!(message.contains("00123"), "{message}");
        assert_eq!(id_warning("12345", Some(5)), None);
        assert_eq!(id_warning("A12", Some(5)), None);
        assert_eq!(id_warning("123", None), None);
    }
}
