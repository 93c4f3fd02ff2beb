//! Healthcare registry numbers: NPI and DEA, with their check digits.

use super::{quoted, trim, Rejection};
use crate::checksum::{dea_digits_are_valid, npi_is_valid};
use crate::validate::ErrorCode;
use std::borrow::Cow;

/// The first letter of a DEA number: the registrant type.
const DEA_REGISTRANT_TYPES: &[u8] = b"ABCDEFGHJKLMPRSTUX";

pub fn normalize_npi(raw: &str) -> Result<Cow<'_, str>, Rejection> {
    let value = trim(raw);
    if npi_is_valid(value) {
        return Ok(Cow::Borrowed(value));
    }
    let why = if !value.bytes().all(|b| b.is_ascii_digit()) {
        "an NPI has only digits, exactly 10 of them".to_string()
    } else if value.len() != 10 {
        format!(
            "it has {} digits and an NPI has exactly 10 (a spreadsheet may have dropped a leading zero or cut it short)",
            value.len()
        )
    } else {
        "its check digit (the last one) does not match: look for a mistyped digit".to_string()
    };
    Err(Rejection::new(
        ErrorCode::InvalidNpi,
        format!("{} is not a valid NPI: {why}", quoted(value)),
    ))
}

/// Two letters (registrant type, then the first letter of the registrant's
/// last name or `9`) and seven digits whose last one is a check digit.
pub fn normalize_dea(raw: &str) -> Result<Cow<'_, str>, Rejection> {
    let value = trim(raw).to_ascii_uppercase();
    let b = value.as_bytes();
    let why = if b.len() != 9 {
        Some("a DEA number has 2 letters and 7 digits, like AB1234563")
    } else if !DEA_REGISTRANT_TYPES.contains(&b[0]) {
        Some("its first letter is not a DEA registrant type (A–H, J–M, P, R–U or X)")
    } else if !(b[1].is_ascii_uppercase() || b[1] == b'9') {
        Some("its second character must be a letter (or 9)")
    } else if !b[2..].iter().all(u8::is_ascii_digit) {
        Some("the 2 letters must be followed by 7 digits")
    } else if !dea_digits_are_valid(&value[2..]) {
        Some("its check digit (the last one) does not match: look for a mistyped digit")
    } else {
        None
    };
    match why {
        None => Ok(Cow::Owned(value)),
        Some(why) => Err(Rejection::new(
            ErrorCode::InvalidDea,
            format!("{} is not a valid DEA number: {why}", quoted(trim(raw))),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npi_with_a_valid_check_digit() {
        assert_eq!(normalize_npi(" 1234567893 ").unwrap(), "1234567893");
    }

    #[test]
    fn npi_errors_say_length_or_check_digit() {
        let err = normalize_npi("123456789").unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidNpi);
        assert!(err.message.contains("9 digits"), "{}", err.message);
        let err = normalize_npi("1234567890").unwrap_err();
        assert!(err.message.contains("check digit"), "{}", err.message);
        let err = normalize_npi("12345A7893").unwrap_err();
        assert!(err.message.contains("only digits"), "{}", err.message);
    }

    #[test]
    fn dea_is_upper_cased_and_checked() {
        assert_eq!(normalize_dea(" ab1234563 ").unwrap(), "AB1234563");
        assert_eq!(normalize_dea("M91234563").unwrap(), "M91234563");
        for (bad, hint) in [
            ("AB1234564", "check digit"),
            ("IB1234563", "registrant type"),
            ("A-1234563", "second character"),
            ("AB12345X3", "7 digits"),
            ("AB123456", "2 letters and 7 digits"),
        ] {
            let err = normalize_dea(bad).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidDea, "{bad}");
            assert!(err.message.contains(hint), "{bad}: {}", err.message);
        }
    }
}
