//! Check digits of healthcare identifiers, shared by validation and by the
//! mapping's value sniffing.

/// NPI check: Luhn over the 10 digits prefixed with `80840`.
pub fn npi_is_valid(digits: &str) -> bool {
    let bytes = digits.as_bytes();
    if bytes.len() != 10 || !bytes.iter().all(u8::is_ascii_digit) {
        return false;
    }
    // The prefix 80840 contributes a constant 24 to the Luhn sum.
    let mut sum = 24;
    for (i, b) in bytes.iter().rev().enumerate() {
        let mut d = u32::from(b - b'0');
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum % 10 == 0
}

/// DEA check digit over the seven digits after the two letters:
/// (d1 + d3 + d5) + 2 × (d2 + d4 + d6) ends in d7.
pub fn dea_digits_are_valid(digits: &str) -> bool {
    let d: Vec<u32> = digits.chars().filter_map(|c| c.to_digit(10)).collect();
    if d.len() != 7 || digits.len() != 7 {
        return false;
    }
    let sum = d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5]);
    sum % 10 == d[6]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npi_luhn_with_the_80840_prefix() {
        assert!(npi_is_valid("1234567893")); // CMS's published example
        assert!(!npi_is_valid("1234567890"));
        assert!(!npi_is_valid("123456789"));
        assert!(!npi_is_valid("12345678a3"));
    }

    #[test]
    fn dea_check_digit() {
        assert!(dea_digits_are_valid("1234563")); // 1+3+5 + 2*(2+4+6) = 33
        assert!(!dea_digits_are_valid("1234564"));
        assert!(!dea_digits_are_valid("123456"));
    }
}
