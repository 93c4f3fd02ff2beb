//! The rules planning and validation must read alike: how a date column's
//! order is settled, what trimming a cell means, and how a record key is
//! built from its fields' values.
//!
//! Kept here, apart from both and depending on nothing else in the engine,
//! so each rule is written once: the splitter's duplicate keys and the
//! processor's record keys cannot drift apart.

use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// How to read dates such as `03/04/2025`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateFormat {
    /// ISO dates always; slash dates settled by the whole column, and
    /// rejected as ambiguous when the column cannot tell.
    #[default]
    Auto,
    Iso,
    /// US: `MM/DD/YYYY`.
    MonthFirst,
    /// `DD/MM/YYYY`.
    DayFirst,
}

/// The order a numeric date's day and month come in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateOrder {
    MonthFirst,
    DayFirst,
}

/// How a column's dates are read, resolved once per column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateRule {
    /// The template says ISO: nothing else is accepted.
    IsoOnly,
    /// Numeric dates are read in this order; a value invalid in it fails.
    Order(DateOrder),
    /// Nothing settles the order: values whose parts could be either fail.
    Undecided,
}

/// The order an explicit template date format imposes, if any; otherwise
/// the column's values settle it.
pub(crate) fn template_order(format: DateFormat) -> Option<DateOrder> {
    match format {
        DateFormat::MonthFirst => Some(DateOrder::MonthFirst),
        DateFormat::DayFirst => Some(DateOrder::DayFirst),
        DateFormat::Auto | DateFormat::Iso => None,
    }
}

/// The rule a date column reads its values by: the template's format, else
/// the order the whole column settled, else none.
pub(crate) fn date_rule(format: DateFormat, column_order: Option<DateOrder>) -> DateRule {
    if format == DateFormat::Iso {
        return DateRule::IsoOnly;
    }
    template_order(format)
        .or(column_order)
        .map_or(DateRule::Undecided, DateRule::Order)
}

/// The three numbers of a non-ISO numeric date such as `03/05/2024`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NumericDate<'a> {
    pub first: u32,
    pub second: u32,
    /// The year's digits as written (a two-digit year is rejected later).
    pub year: &'a str,
}

/// `03/05/2024`, `3-5-2024`, `03.05.2024`: two numbers of one or two
/// digits and a year, one separator used twice. ISO dates are not these.
pub(crate) fn numeric_parts(value: &str) -> Option<NumericDate<'_>> {
    // Byte by byte: every separator is ASCII, and this runs for every date
    // cell, twice (the column's profile, then validation).
    let is_separator = |b: &u8| matches!(b, b'/' | b'-' | b'.');
    let b = value.as_bytes();
    // Most are `03/05/2024`: the separators are at fixed places, found
    // without a search; what lies between is checked as for any other.
    let (first_end, second_end) = if b.len() == 10 && is_separator(&b[2]) && b[5] == b[2] {
        (2, 2)
    } else {
        let first_end = b.iter().position(is_separator)?;
        let sep = b[first_end];
        (
            first_end,
            b[first_end + 1..].iter().position(|&c| c == sep)?,
        )
    };
    let rest = &value[first_end + 1..];
    let first = number(&value[..first_end], 1, 2)?;
    let second = number(&rest[..second_end], 1, 2)?;
    // All digits, so no third separator either.
    let year = &rest[second_end + 1..];
    if year.is_empty() || !year.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(NumericDate {
        first,
        second,
        year,
    })
}

/// `min_len` to `max_len` ASCII digits (at most 9, so no overflow).
pub(crate) fn number(s: &str, min_len: usize, max_len: usize) -> Option<u32> {
    debug_assert!(max_len <= 9);
    if s.len() < min_len || s.len() > max_len || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(s.bytes().fold(0, |n, b| n * 10 + u32::from(b - b'0')))
}

/// `str::trim`, with a fast return for the usual cell whose first and last
/// bytes are ASCII and not whitespace (trim decodes characters from both
/// ends, which shows up at millions of cells).
pub(crate) fn trim(s: &str) -> &str {
    let plain = |b: u8| PLAIN_EDGE[usize::from(b)];
    match s.as_bytes() {
        [first, .., last] if plain(*first) && plain(*last) => s,
        [only] if plain(*only) => s,
        _ => s.trim(),
    }
}

/// Bytes that are ASCII and not whitespace as `char::is_whitespace` sees
/// it (\t \n \x0B \x0C \r and space): a cell starting and ending with
/// one needs no trimming. A table: [`trim`] runs several times per cell.
static PLAIN_EDGE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x80 {
        table[b] = !matches!(b as u8, b'\t'..=b'\r' | b' ');
        b += 1;
    }
    table
};

/// Separates the key fields' values in a record key.
pub const KEY_SEPARATOR: char = '\u{1f}';

/// A record's key from its key fields' normalized values, in key order:
/// one value is the key as it is (borrowed when it was), several are
/// joined by [`KEY_SEPARATOR`].
pub fn record_key<'v>(values: impl IntoIterator<Item = Cow<'v, str>>) -> Cow<'v, str> {
    let mut values = values.into_iter();
    let Some(first) = values.next() else {
        return Cow::Borrowed("");
    };
    let Some(second) = values.next() else {
        return first;
    };
    let mut key = first.into_owned();
    for value in std::iter::once(second).chain(values) {
        key.push(KEY_SEPARATOR);
        key.push_str(&value);
    }
    Cow::Owned(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_format_wins_over_the_column() {
        let day = Some(DateOrder::DayFirst);
        assert_eq!(date_rule(DateFormat::Iso, day), DateRule::IsoOnly);
        assert_eq!(
            date_rule(DateFormat::MonthFirst, day),
            DateRule::Order(DateOrder::MonthFirst)
        );
        assert_eq!(
            date_rule(DateFormat::DayFirst, None),
            DateRule::Order(DateOrder::DayFirst)
        );
        assert_eq!(
            date_rule(DateFormat::Auto, day),
            DateRule::Order(DateOrder::DayFirst)
        );
        assert_eq!(date_rule(DateFormat::Auto, None), DateRule::Undecided);
        assert_eq!(template_order(DateFormat::Auto), None);
        assert_eq!(template_order(DateFormat::Iso), None);
    }

    #[test]
    fn trim_matches_str_trim() {
        for s in [
            "",
            " ",
            "a",
            " a",
            "a ",
            "\ta\r\n",
            "é",
            " é ",
            "\u{a0}x\u{a0}",
            "a b",
        ] {
            assert_eq!(trim(s), s.trim(), "{s:?}");
        }
    }

    #[test]
    fn one_value_is_the_key_and_more_are_joined() {
        let one = record_key([Cow::Borrowed("a@b.co")]);
        assert!(matches!(one, Cow::Borrowed("a@b.co")));
        let two = record_key([Cow::Borrowed("a@b.co"), Cow::Owned("C1".to_string())]);
        assert_eq!(two, "a@b.co\u{1f}C1");
    }
}
