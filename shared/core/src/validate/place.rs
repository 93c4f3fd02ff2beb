//! US states, ZIP codes and countries.

use super::loose::LooseTable;
use super::{quoted, trim, Rejection};
use crate::validate::ErrorCode;
use std::borrow::Cow;
use std::sync::LazyLock;

/// USPS codes: the 50 states, DC, the territories and the military "states".
const STATES: &[(&str, &str)] = &[
    ("AL", "Alabama"),
    ("AK", "Alaska"),
    ("AZ", "Arizona"),
    ("AR", "Arkansas"),
    ("CA", "California"),
    ("CO", "Colorado"),
    ("CT", "Connecticut"),
    ("DE", "Delaware"),
    ("FL", "Florida"),
    ("GA", "Georgia"),
    ("HI", "Hawaii"),
    ("ID", "Idaho"),
    ("IL", "Illinois"),
    ("IN", "Indiana"),
    ("IA", "Iowa"),
    ("KS", "Kansas"),
    ("KY", "Kentucky"),
    ("LA", "Louisiana"),
    ("ME", "Maine"),
    ("MD", "Maryland"),
    ("MA", "Massachusetts"),
    ("MI", "Michigan"),
    ("MN", "Minnesota"),
    ("MS", "Mississippi"),
    ("MO", "Missouri"),
    ("MT", "Montana"),
    ("NE", "Nebraska"),
    ("NV", "Nevada"),
    ("NH", "New Hampshire"),
    ("NJ", "New Jersey"),
    ("NM", "New Mexico"),
    ("NY", "New York"),
    ("NC", "North Carolina"),
    ("ND", "North Dakota"),
    ("OH", "Ohio"),
    ("OK", "Oklahoma"),
    ("OR", "Oregon"),
    ("PA", "Pennsylvania"),
    ("RI", "Rhode Island"),
    ("SC", "South Carolina"),
    ("SD", "South Dakota"),
    ("TN", "Tennessee"),
    ("TX", "Texas"),
    ("UT", "Utah"),
    ("VT", "Vermont"),
    ("VA", "Virginia"),
    ("WA", "Washington"),
    ("WV", "West Virginia"),
    ("WI", "Wisconsin"),
    ("WY", "Wyoming"),
    ("DC", "District of Columbia"),
    ("PR", "Puerto Rico"),
    ("GU", "Guam"),
    ("VI", "U.S. Virgin Islands"),
    ("VI", "Virgin Islands"),
    ("AS", "American Samoa"),
    ("MP", "Northern Mariana Islands"),
    ("AA", "Armed Forces Americas"),
    ("AE", "Armed Forces Europe"),
    ("AP", "Armed Forces Pacific"),
    ("DC", "Washington DC"),
    ("DC", "Washington D.C."),
];

/// ISO 3166-1 alpha-2 codes and English names: a broad, not exhaustive,
/// set; every code here is accepted as written.
const COUNTRIES: &[(&str, &str)] = &[
    ("US", "United States"),
    ("CA", "Canada"),
    ("MX", "Mexico"),
    ("GB", "United Kingdom"),
    ("IE", "Ireland"),
    ("FR", "France"),
    ("DE", "Germany"),
    ("ES", "Spain"),
    ("PT", "Portugal"),
    ("IT", "Italy"),
    ("NL", "Netherlands"),
    ("BE", "Belgium"),
    ("LU", "Luxembourg"),
    ("CH", "Switzerland"),
    ("AT", "Austria"),
    ("DK", "Denmark"),
    ("SE", "Sweden"),
    ("NO", "Norway"),
    ("FI", "Finland"),
    ("IS", "Iceland"),
    ("PL", "Poland"),
    ("CZ", "Czechia"),
    ("SK", "Slovakia"),
    ("HU", "Hungary"),
    ("RO", "Romania"),
    ("BG", "Bulgaria"),
    ("GR", "Greece"),
    ("HR", "Croatia"),
    ("SI", "Slovenia"),
    ("RS", "Serbia"),
    ("UA", "Ukraine"),
    ("RU", "Russia"),
    ("BY", "Belarus"),
    ("LT", "Lithuania"),
    ("LV", "Latvia"),
    ("EE", "Estonia"),
    ("TR", "Turkey"),
    ("CY", "Cyprus"),
    ("MT", "Malta"),
    ("IL", "Israel"),
    ("JO", "Jordan"),
    ("LB", "Lebanon"),
    ("SA", "Saudi Arabia"),
    ("AE", "United Arab Emirates"),
    ("QA", "Qatar"),
    ("KW", "Kuwait"),
    ("IR", "Iran"),
    ("IQ", "Iraq"),
    ("EG", "Egypt"),
    ("MA", "Morocco"),
    ("DZ", "Algeria"),
    ("TN", "Tunisia"),
    ("NG", "Nigeria"),
    ("GH", "Ghana"),
    ("KE", "Kenya"),
    ("ET", "Ethiopia"),
    ("ZA", "South Africa"),
    ("IN", "India"),
    ("PK", "Pakistan"),
    ("BD", "Bangladesh"),
    ("LK", "Sri Lanka"),
    ("NP", "Nepal"),
    ("CN", "China"),
    ("HK", "Hong Kong"),
    ("TW", "Taiwan"),
    ("JP", "Japan"),
    ("KR", "South Korea"),
    ("PH", "Philippines"),
    ("VN", "Vietnam"),
    ("TH", "Thailand"),
    ("MY", "Malaysia"),
    ("SG", "Singapore"),
    ("ID", "Indonesia"),
    ("AU", "Australia"),
    ("NZ", "New Zealand"),
    ("BR", "Brazil"),
    ("AR", "Argentina"),
    ("CL", "Chile"),
    ("CO", "Colombia"),
    ("PE", "Peru"),
    ("VE", "Venezuela"),
    ("EC", "Ecuador"),
    ("BO", "Bolivia"),
    ("UY", "Uruguay"),
    ("PY", "Paraguay"),
    ("CR", "Costa Rica"),
    ("PA", "Panama"),
    ("GT", "Guatemala"),
    ("HN", "Honduras"),
    ("SV", "El Salvador"),
    ("NI", "Nicaragua"),
    ("BZ", "Belize"),
    ("CU", "Cuba"),
    ("DO", "Dominican Republic"),
    ("HT", "Haiti"),
    ("JM", "Jamaica"),
    ("TT", "Trinidad and Tobago"),
    ("BS", "Bahamas"),
    ("BB", "Barbados"),
    ("PR", "Puerto Rico"),
    ("GU", "Guam"),
    ("VI", "U.S. Virgin Islands"),
    ("AS", "American Samoa"),
    ("MP", "Northern Mariana Islands"),
    // Common other names.
    ("US", "USA"),
    ("US", "U.S."),
    ("US", "U.S.A."),
    ("US", "United States of America"),
    ("US", "America"),
    ("GB", "UK"),
    ("GB", "U.K."),
    ("GB", "Great Britain"),
    ("GB", "Britain"),
    ("GB", "England"),
    ("GB", "Scotland"),
    ("GB", "Wales"),
    ("GB", "Northern Ireland"),
    ("CA", "CAN"),
    ("MX", "MEX"),
    ("GB", "GBR"),
    ("DE", "Deutschland"),
    ("MX", "México"),
    ("CZ", "Czech Republic"),
    ("KR", "Korea"),
    ("KR", "Republic of Korea"),
    ("RU", "Russian Federation"),
    ("VN", "Viet Nam"),
    ("NL", "Holland"),
    ("TR", "Türkiye"),
    ("AE", "UAE"),
];

/// A USPS code or a state's name, case-insensitive → the code.
pub fn normalize_state(raw: &str) -> Result<Cow<'static, str>, Rejection> {
    static PLACES: LazyLock<Places> = LazyLock::new(|| Places::new(STATES, false));
    let value = trim(raw);
    PLACES.lookup(value).map(Cow::Borrowed).ok_or_else(|| {
        Rejection::new(
            ErrorCode::InvalidState,
            format!(
                "{} is not a US state: use the two-letter USPS code (for example CA or NY) \
                 or the state's full name",
                quoted(value)
            ),
        )
    })
}

/// An ISO alpha-2 code or a common name → the code.
pub fn normalize_country(raw: &str) -> Result<Cow<'static, str>, Rejection> {
    static PLACES: LazyLock<Places> = LazyLock::new(|| Places::new(COUNTRIES, true));
    let value = trim(raw);
    PLACES.lookup(value).map(Cow::Borrowed).ok_or_else(|| {
        Rejection::new(
            ErrorCode::InvalidCountry,
            format!(
                "{} is not a country we recognize: use the two-letter ISO code \
                 (for example US, CA or GB) or the country's English name",
                quoted(value)
            ),
        )
    })
}

/// A table of codes and names, prepared once for lookups by every cell.
struct Places {
    /// Two-letter codes by their letters' places in the alphabet
    /// (`26 * first + second`): a code is one index, with no comparisons.
    codes: Vec<Option<&'static str>>,
    /// Names, loosely, → code.
    names: LooseTable<&'static str>,
}

impl Places {
    fn new(table: &[(&'static str, &'static str)], ignore_dots: bool) -> Places {
        let mut codes = vec![None; 26 * 26];
        for (code, _) in table {
            debug_assert!(code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase()));
            if let Some(slot) = code_slot(code.as_bytes()) {
                codes[slot] = Some(*code);
            }
        }
        Places {
            codes,
            names: LooseTable::new(table.iter().map(|(code, name)| (*name, *code)), ignore_dots),
        }
    }

    /// A code as written in any case first, then the first name loosely
    /// equal to `value`.
    fn lookup(&self, value: &str) -> Option<&'static str> {
        if let Some(code) = code_slot(value.as_bytes()).and_then(|slot| self.codes[slot]) {
            return Some(code);
        }
        self.names.get(value)
    }
}

/// Where two ASCII letters, in either case, sit in [`Places::codes`].
fn code_slot(value: &[u8]) -> Option<usize> {
    let letter = |b: u8| {
        let upper = b.to_ascii_uppercase();
        upper
            .is_ascii_uppercase()
            .then(|| usize::from(upper - b'A'))
    };
    match value {
        [a, b] => Some(letter(*a)? * 26 + letter(*b)?),
        _ => None,
    }
}

/// `12345` or `12345-6789`; nine bare digits get their dash.
/// Borrowed from `raw` unless the dash is added.
pub fn normalize_zip(raw: &str) -> Result<Cow<'_, str>, Rejection> {
    let value = trim(raw);
    let b = value.as_bytes();
    let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    match b.len() {
        5 if digits(b) => return Ok(Cow::Borrowed(value)),
        9 if digits(b) => return Ok(Cow::Owned(format!("{}-{}", &value[..5], &value[5..]))),
        10 if b[5] == b'-' && digits(&b[..5]) && digits(&b[6..]) => {
            return Ok(Cow::Borrowed(value))
        }
        _ => {}
    }
    let lost_zero = match b.len() {
        4 | 8 => digits(b),
        9 => b[4] == b'-' && digits(&b[..4]) && digits(&b[5..]),
        _ => false,
    };
    let message = if lost_zero {
        format!(
            "{} looks like a ZIP code that lost its leading zero in a spreadsheet: \
             write it as 0{value} and format the column as Text before exporting",
            quoted(value)
        )
    } else {
        format!(
            "{} is not a US ZIP code: use 5 digits (12345) or ZIP+4 (12345-6789)",
            quoted(value)
        )
    };
    Err(Rejection::new(ErrorCode::InvalidZip, message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_by_code_or_name() {
        assert_eq!(normalize_state("ny").unwrap(), "NY");
        assert_eq!(normalize_state(" New  york ").unwrap(), "NY");
        assert_eq!(normalize_state("district of columbia").unwrap(), "DC");
        assert_eq!(normalize_state("PR").unwrap(), "PR");
        assert_eq!(normalize_state("AE").unwrap(), "AE");
        assert_eq!(normalize_state("Armed Forces Pacific").unwrap(), "AP");
        let err = normalize_state("XX").unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidState);
        assert!(err.message.contains("USPS"), "{}", err.message);
        assert!(normalize_state("Ontario").is_err());
    }

    #[test]
    fn every_state_code_is_two_upper_case_letters() {
        let codes: std::collections::BTreeSet<_> = STATES.iter().map(|(c, _)| *c).collect();
        assert_eq!(codes.len(), 50 + 1 + 5 + 3);
        assert!(codes
            .iter()
            .all(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase())));
    }

    #[test]
    fn zip_and_zip_plus_four() {
        assert_eq!(normalize_zip("02134").unwrap(), "02134");
        assert_eq!(normalize_zip("02134-1234").unwrap(), "02134-1234");
        assert_eq!(normalize_zip("021341234").unwrap(), "02134-1234");
        assert_eq!(
            normalize_zip("1234a").unwrap_err().code,
            ErrorCode::InvalidZip
        );
        assert!(normalize_zip("123456").is_err());
    }

    #[test]
    fn four_digit_zip_probably_lost_its_leading_zero() {
        let err = normalize_zip("2134").unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidZip);
        assert!(err.message.contains("leading zero"), "{}", err.message);
        assert!(err.message.contains("02134"), "{}", err.message);
        assert!(err.message.contains("Text"), "{}", err.message);
    }

    #[test]
    fn countries_by_code_or_common_name() {
        for (raw, code) in [
            ("us", "US"),
            ("USA", "US"),
            ("U.S.", "US"),
            ("u.s.a.", "US"),
            ("United States of America", "US"),
            ("UK", "GB"),
            ("united kingdom", "GB"),
            ("Canada", "CA"),
            ("MX", "MX"),
            ("Germany", "DE"),
        ] {
            assert_eq!(normalize_country(raw).unwrap(), code, "{raw}");
        }
        let err = normalize_country("Atlantis").unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidCountry);
        assert!(normalize_country("ZZ").is_err());
    }

    /// The lookup as first written: codes, then names, by scanning.
    fn scan(
        table: &[(&'static str, &str)],
        value: &str,
        ignore_dots: bool,
    ) -> Option<&'static str> {
        if value.len() == 2 {
            if let Some((code, _)) = table
                .iter()
                .find(|(code, _)| code.eq_ignore_ascii_case(value))
            {
                return Some(code);
            }
        }
        table
            .iter()
            .find(|(_, name)| crate::validate::loose_eq(value, name, ignore_dots))
            .map(|(code, _)| *code)
    }

    #[test]
    fn prepared_lookups_answer_as_a_scan_does() {
        for (table, ignore_dots) in [(STATES, false), (COUNTRIES, true)] {
            let places = Places::new(table, ignore_dots);
            for (code, name) in table {
                for value in [
                    code.to_string(),
                    code.to_lowercase(),
                    name.to_string(),
                    name.to_uppercase(),
                    name.replace(' ', "  "),
                    name.replace('.', ""),
                    format!("{name}s"),
                    "é".to_string(),
                    "Z".to_string(),
                ] {
                    assert_eq!(
                        places.lookup(&value),
                        scan(table, &value, ignore_dots),
                        "{value:?}"
                    );
                }
            }
        }
    }
}
