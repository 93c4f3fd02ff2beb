//! Dates, normalized to ISO `YYYY-MM-DD`.
//!
//! A date that could be read two ways is never guessed: either the template,
//! the whole column (see [`crate::plan::ImportPlan::profile`]) or the value
//! itself settles the day/month order, or the cell fails as ambiguous.

use super::values::Normalized;
use super::{quoted, Rejection};
use crate::rules::{number, numeric_parts, trim, DateOrder, DateRule};
use crate::validate::ErrorCode;

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// A date as `YYYY-MM-DD`, read by `rule`: kept when it already is,
/// otherwise the ISO form appended to `out`.
pub(crate) fn write_date<'r>(
    raw: &'r str,
    rule: DateRule,
    out: &mut String,
) -> Result<Normalized<'r>, Rejection> {
    let value = trim(raw);
    // Most date cells are YYYY-MM-DD already: read at fixed places.
    if let Some((y, m, d)) = exact_iso(value.as_bytes()) {
        check_ymd(value, y, m, d, None)?;
        return Ok(Normalized::Kept(value));
    }
    if let Some((y, m, d)) = iso_parts(value) {
        check_ymd(value, y, m, d, None)?;
        // Dashes at 4 and 7 of 10 bytes: two-digit month and day, no time.
        let b = value.as_bytes();
        if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
            return Ok(Normalized::Kept(value));
        }
        write_iso(out, y, m, d);
        return Ok(Normalized::Written);
    }
    if rule == DateRule::IsoOnly {
        return Err(Rejection::new(
            ErrorCode::InvalidDate,
            format!(
                "{} is not an ISO date: this template reads dates as YYYY-MM-DD \
                 (for example 2024-03-05)",
                quoted(value)
            ),
        ));
    }
    if let Some(parts) = numeric_parts(value) {
        let year = year_of(value, parts.year)?;
        let (order, swapped_hint) = match rule {
            DateRule::Order(order) => (order, false),
            _ => match (parts.first > 12, parts.second > 12) {
                (true, false) => (DateOrder::DayFirst, false),
                (false, true) => (DateOrder::MonthFirst, false),
                (false, false)
                    if parts.first != parts.second && parts.first > 0 && parts.second > 0 =>
                {
                    return Err(ambiguous(value, parts.first, parts.second, year))
                }
                // Equal parts read the same either way; both > 12 fails below.
                _ => (DateOrder::MonthFirst, true),
            },
        };
        let (month, day) = match order {
            DateOrder::MonthFirst => (parts.first, parts.second),
            DateOrder::DayFirst => (parts.second, parts.first),
        };
        let read_as = if swapped_hint {
            None
        } else {
            Some(match order {
                DateOrder::MonthFirst => "MM/DD/YYYY (month first)",
                DateOrder::DayFirst => "DD/MM/YYYY (day first)",
            })
        };
        return ymd(value, year, month, day, read_as, out);
    }
    if let Some((year, month, day)) = named_month_parts(value) {
        let year = year_of(value, year)?;
        return ymd(value, year, month, day, None, out);
    }
    Err(Rejection::new(
        ErrorCode::InvalidDate,
        format!(
            "{} is not a date: write dates as YYYY-MM-DD (for example 2024-03-05)",
            quoted(value)
        ),
    ))
}

/// `YYYY-MM-DD` or `YYYY/MM/DD`, optionally followed by a time after `T` or
/// a space, which is dropped.
fn iso_parts(value: &str) -> Option<(i32, u32, u32)> {
    let bytes = value.as_bytes();
    if bytes.len() < 8 || !bytes[..4].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sep = bytes[4];
    if sep != b'-' && sep != b'/' {
        return None;
    }
    let date_end = bytes
        .iter()
        .position(|&b| b == b'T' || b == b' ')
        .unwrap_or(value.len());
    let (date, time) = value.split_at(date_end);
    if !time.is_empty() && !is_time(&time[1..]) {
        return None;
    }
    let mut parts = date.split(char::from(sep));
    let year = number(parts.next()?, 4, 4)?;
    let month = number(parts.next()?, 1, 2)?;
    let day = number(parts.next()?, 1, 2)?;
    if parts.next().is_some() {
        return None;
    }
    Some((i32::try_from(year).ok()?, month, day))
}

fn is_time(time: &str) -> bool {
    time.starts_with(|c: char| c.is_ascii_digit())
        && time
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ':' | '.' | '+' | '-' | ' ' | 'Z' | 'z'))
}

/// `5-Mar-2024`, `Mar 5, 2024`, `5 March 2024`, `March 5 2024`.
fn named_month_parts(value: &str) -> Option<(&str, u32, u32)> {
    let mut tokens = value
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '-' | '/' | '.'))
        .filter(|t| !t.is_empty());
    let a = tokens.next()?;
    let b = tokens.next()?;
    let year = tokens.next()?;
    if tokens.next().is_some() {
        return None;
    }
    let (month, day) = match (month_number(a), month_number(b)) {
        (Some(m), None) => (m, b),
        (None, Some(m)) => (m, a),
        _ => return None,
    };
    let day = number(
        day.trim_end_matches(|c: char| c.is_ascii_alphabetic()),
        1,
        2,
    )?;
    if year.is_empty() || !year.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((year, month, day))
}

/// A month's full English name or its first three letters (`Sept` too).
fn month_number(token: &str) -> Option<u32> {
    if token.len() < 3 || !token.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let position = MONTHS.iter().position(|name| {
        token.eq_ignore_ascii_case(name)
            || token.eq_ignore_ascii_case(&name[..3])
            || (token.eq_ignore_ascii_case("sept") && *name == "september")
    })?;
    u32::try_from(position + 1).ok()
}

/// `YYYY-MM-DD` exactly, as [`iso_parts`] would read it.
fn exact_iso(b: &[u8]) -> Option<(i32, u32, u32)> {
    let [y1, y2, y3, y4, b'-', m1, m2, b'-', d1, d2] = *b else {
        return None;
    };
    let digit = |b: u8| b.is_ascii_digit().then(|| u32::from(b - b'0'));
    let year = digit(y1)? * 1000 + digit(y2)? * 100 + digit(y3)? * 10 + digit(y4)?;
    let month = digit(m1)? * 10 + digit(m2)?;
    let day = digit(d1)? * 10 + digit(d2)?;
    Some((i32::try_from(year).ok()?, month, day))
}

fn year_of(value: &str, year: &str) -> Result<i32, Rejection> {
    if year.len() == 2 {
        return Err(Rejection::new(
            ErrorCode::InvalidDate,
            format!(
                "{} has a two-digit year, which could be 19{year} or 20{year}: \
                 write the year with four digits",
                quoted(value)
            ),
        ));
    }
    match number(year, 4, 4).and_then(|y| i32::try_from(y).ok()) {
        Some(y) => Ok(y),
        None => Err(Rejection::new(
            ErrorCode::InvalidDate,
            format!(
                "{} does not have a four-digit year: write dates as YYYY-MM-DD \
                 (for example 2024-03-05)",
                quoted(value)
            ),
        )),
    }
}

/// Checks the date and appends it to `out` as ISO.
fn ymd(
    value: &str,
    year: i32,
    month: u32,
    day: u32,
    read_as: Option<&str>,
    out: &mut String,
) -> Result<Normalized<'static>, Rejection> {
    check_ymd(value, year, month, day, read_as)?;
    write_iso(out, year, month, day);
    Ok(Normalized::Written)
}

/// A real calendar date with a four-digit year; a table of month lengths
/// rather than building a calendar date only to drop it.
fn check_ymd(
    value: &str,
    year: i32,
    month: u32,
    day: u32,
    read_as: Option<&str>,
) -> Result<(), Rejection> {
    if (1000..=9999).contains(&year) && (1..=days_in_month(year, month)).contains(&day) {
        return Ok(());
    }
    let how = read_as.map_or(String::new(), |r| format!(" when read as {r}"));
    Err(Rejection::new(
        ErrorCode::InvalidDate,
        format!(
            "{} is not a real calendar date{how} (month {month}, day {day}, year {year}): \
             check the day and the month",
            quoted(value)
        ),
    ))
}

/// The days of `month` in `year` of the Gregorian calendar; 0 when the
/// month is not 1 to 12.
fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Appends `YYYY-MM-DD` for a real date with a four-digit year, without
/// the formatting machinery (this runs for every date cell not already
/// ISO): the ten bytes are made in place and copied once.
fn write_iso(out: &mut String, year: i32, month: u32, day: u32) {
    let digit = |n: u32| b'0' + (n % 10) as u8;
    let year = year.unsigned_abs();
    let bytes = [
        digit(year / 1000),
        digit(year / 100),
        digit(year / 10),
        digit(year),
        b'-',
        digit(month / 10),
        digit(month),
        b'-',
        digit(day / 10),
        digit(day),
    ];
    // Pushed as characters: all ASCII, so each is one byte, with no UTF-8
    // check of the whole.
    out.extend(bytes.map(char::from));
}

fn ambiguous(value: &str, first: u32, second: u32, year: i32) -> Rejection {
    let name = |m: u32| {
        (m as usize)
            .checked_sub(1)
            .and_then(|i| MONTHS.get(i))
            .map_or("", |n| n)
    };
    Rejection::new(
        ErrorCode::AmbiguousDate,
        format!(
            "{} could be {} {second} or {} {first}, {year}: write dates as YYYY-MM-DD \
             (for example {year}-{first:02}-{second:02}), or set the template's date format \
             to month first (MM/DD/YYYY) or day first (DD/MM/YYYY)",
            quoted(value),
            capitalized(name(first)),
            capitalized(name(second)),
        ),
    )
}

fn capitalized(name: &str) -> String {
    let mut chars = name.chars();
    chars.next().map_or(String::new(), |c| {
        c.to_ascii_uppercase().to_string() + chars.as_str()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::NumericDate;
    use std::borrow::Cow;

    /// The normalized value, borrowed from `raw` when it is already in form.
    fn normalize_date(raw: &str, rule: DateRule) -> Result<Cow<'_, str>, Rejection> {
        crate::validate::values::as_cow(|out| write_date(raw, rule, out))
    }

    const AUTO: DateRule = DateRule::Undecided;
    const US: DateRule = DateRule::Order(DateOrder::MonthFirst);
    const EU: DateRule = DateRule::Order(DateOrder::DayFirst);

    fn ok(value: &str, rule: DateRule) -> String {
        normalize_date(value, rule)
            .unwrap_or_else(|e| panic!("{value}: {}", e.message))
            .into_owned()
    }

    fn code(value: &str, rule: DateRule) -> ErrorCode {
        normalize_date(value, rule).unwrap_err().code
    }

    #[test]
    fn iso_dates_and_datetimes_keep_the_date() {
        for rule in [AUTO, US, EU, DateRule::IsoOnly] {
            assert_eq!(ok("2024-03-05", rule), "2024-03-05");
            assert_eq!(ok(" 2024/3/5 ", rule), "2024-03-05");
            assert_eq!(ok("2024-03-05T10:00:00", rule), "2024-03-05");
            assert_eq!(ok("2024-03-05T10:00:00.000Z", rule), "2024-03-05");
            assert_eq!(ok("2024-03-05 10:00", rule), "2024-03-05");
        }
        assert_eq!(code("2024-03-05 lunch", AUTO), ErrorCode::InvalidDate);
    }

    #[test]
    fn only_dates_already_in_iso_form_are_borrowed() {
        assert!(matches!(
            normalize_date(" 2024-03-05 ", AUTO),
            Ok(Cow::Borrowed("2024-03-05"))
        ));
        for value in ["2024/03/05", "2024-3-05", "2024-03-05T10:00", "03/05/2024"] {
            assert!(
                matches!(normalize_date(value, US), Ok(Cow::Owned(_))),
                "{value}"
            );
        }
        assert_eq!(code("0999-03-05", AUTO), ErrorCode::InvalidDate);
        assert_eq!(code("2024-02-30", AUTO), ErrorCode::InvalidDate);
    }

    #[test]
    fn slash_dash_and_dot_dates_follow_the_order() {
        assert_eq!(ok("03/05/2024", US), "2024-03-05");
        assert_eq!(ok("3-5-2024", US), "2024-03-05");
        assert_eq!(ok("03.05.2024", EU), "2024-05-03");
        assert_eq!(ok("03/05/2024", EU), "2024-05-03");
    }

    #[test]
    fn month_names_are_read_in_any_order() {
        assert_eq!(ok("5-Mar-2024", AUTO), "2024-03-05");
        assert_eq!(ok("Mar 5, 2024", AUTO), "2024-03-05");
        assert_eq!(ok("5 March 2024", AUTO), "2024-03-05");
        assert_eq!(ok("September 30, 2024", EU), "2024-09-30");
        assert_eq!(ok("1 Sept 2024", US), "2024-09-01");
        assert_eq!(code("31-Feb-2024", AUTO), ErrorCode::InvalidDate);
        assert_eq!(code("5 Marchish 2024", AUTO), ErrorCode::InvalidDate);
    }

    #[test]
    fn calendar_dates_are_real_exactly_when_chrono_says_so() {
        for year in [
            1000, 1600, 1700, 1900, 1999, 2000, 2023, 2024, 2100, 2400, 9999,
        ] {
            for month in 0..=13 {
                for day in 0..=32 {
                    let ours = check_ymd("x", year, month, day, None).is_ok();
                    let chrono = chrono::NaiveDate::from_ymd_opt(year, month, day).is_some();
                    assert_eq!(ours, chrono, "{year}-{month}-{day}");
                }
            }
        }
        assert!(check_ymd("x", 999, 1, 1, None).is_err());
        assert_eq!(ok("1900-02-28", AUTO), "1900-02-28");
        assert_eq!(code("1900-02-29", AUTO), ErrorCode::InvalidDate);
        assert_eq!(ok("2/29/2000", US), "2000-02-29");
        assert_eq!(code("31/04/2024", EU), ErrorCode::InvalidDate);
    }

    #[test]
    fn impossible_dates_are_invalid() {
        assert_eq!(code("2023-02-29", AUTO), ErrorCode::InvalidDate);
        assert_eq!(ok("2024-02-29", AUTO), "2024-02-29");
        let err = normalize_date("13/45/2024", AUTO).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidDate);
        assert_eq!(code("2024-13-01", AUTO), ErrorCode::InvalidDate);
        assert_eq!(code("next tuesday", AUTO), ErrorCode::InvalidDate);
        assert_eq!(code("", AUTO), ErrorCode::InvalidDate);
        assert_eq!(code("00/05/2024", AUTO), ErrorCode::InvalidDate);
    }

    #[test]
    fn two_digit_years_ask_for_four_digits() {
        let err = normalize_date("03/05/24", US).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidDate);
        assert!(err.message.contains("four digits"), "{}", err.message);
        assert_eq!(code("5-Mar-24", AUTO), ErrorCode::InvalidDate);
    }

    #[test]
    fn the_order_is_never_silently_swapped() {
        let err = normalize_date("25/12/2024", US).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidDate);
        assert!(err.message.contains("MM/DD/YYYY"), "{}", err.message);
        assert_eq!(code("12/25/2024", EU), ErrorCode::InvalidDate);
    }

    #[test]
    fn iso_template_accepts_only_iso() {
        let err = normalize_date("03/05/2024", DateRule::IsoOnly).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidDate);
        assert!(err.message.contains("YYYY-MM-DD"), "{}", err.message);
        assert_eq!(
            code("5-Mar-2024", DateRule::IsoOnly),
            ErrorCode::InvalidDate
        );
    }

    #[test]
    fn undecided_order_reads_unambiguous_values_and_rejects_the_rest() {
        assert_eq!(ok("25/12/2024", AUTO), "2024-12-25");
        assert_eq!(ok("12/25/2024", AUTO), "2024-12-25");
        assert_eq!(ok("03/03/2024", AUTO), "2024-03-03");
        let err = normalize_date("03/04/2024", AUTO).unwrap_err();
        assert_eq!(err.code, ErrorCode::AmbiguousDate);
        assert!(
            err.message.contains("March 4 or April 3"),
            "{}",
            err.message
        );
        assert!(err.message.contains("YYYY-MM-DD"), "{}", err.message);
        assert!(
            err.message.contains("template's date format"),
            "{}",
            err.message
        );
    }

    #[test]
    fn numeric_parts_skip_iso_and_text() {
        let parts = numeric_parts("13/4/2024").unwrap();
        assert_eq!((parts.first, parts.second, parts.year), (13, 4, "2024"));
        assert_eq!(numeric_parts("2024-03-05"), None);
        assert_eq!(numeric_parts("5-Mar-2024"), None);
    }

    /// `numeric_parts` as first written, by characters and `split`.
    fn reference_parts(value: &str) -> Option<NumericDate<'_>> {
        let number = |s: &str| -> Option<u32> {
            if s.is_empty() || s.len() > 2 || !s.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            s.parse().ok()
        };
        let sep = value.chars().find(|c| matches!(c, '/' | '-' | '.'))?;
        let mut parts = value.split(sep);
        let first = number(parts.next()?)?;
        let second = number(parts.next()?)?;
        let year = parts.next()?;
        if parts.next().is_some() || year.is_empty() || !year.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(NumericDate {
            first,
            second,
            year,
        })
    }

    proptest::proptest! {
        #[test]
        fn numeric_parts_agree_with_the_reference(
            value in "[0-9]{0,3}[-/.]?[0-9a-z]{0,3}[-/.]?[0-9]{0,5}[-/. ]?[0-9é]{0,2}",
        ) {
            proptest::prop_assert_eq!(numeric_parts(&value), reference_parts(&value));
        }

        /// The shape the fixed-place reading takes, and near misses.
        #[test]
        fn ten_byte_numeric_dates_agree_with_the_reference(
            value in "[0-9a][0-9/][-/.][0-9/][0-9.][-/.][0-9][0-9-][0-9][0-9x]",
        ) {
            proptest::prop_assert_eq!(numeric_parts(&value), reference_parts(&value));
        }

        #[test]
        fn exact_iso_reads_what_iso_parts_reads(value in "[0-9]{4}[-/][0-9a]{1,3}[-/][0-9]{1,3}") {
            if let Some(parts) = exact_iso(value.as_bytes()) {
                proptest::prop_assert_eq!(Some(parts), iso_parts(&value));
            }
            let b = value.as_bytes();
            let shaped = b.len() == 10
                && b.iter().enumerate().all(|(i, &c)| match i {
                    4 | 7 => c == b'-',
                    _ => c.is_ascii_digit(),
                });
            proptest::prop_assert_eq!(exact_iso(b).is_some(), shaped);
        }
    }
}
