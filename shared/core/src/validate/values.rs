//! A valid record's values: field id → normalized value.

use super::Rejection;
use serde::de::{Deserialize, Deserializer};
use serde::ser::{Serialize, Serializer};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::ops::Index;

/// Field id → normalized value, sorted by field id, one entry per field.
///
/// A sorted vector rather than a map because every valid row builds one:
/// the validator already knows the fields' order, so building is one push
/// per value, where a map allocated nodes and compared keys. Ids borrow the
/// catalog's and values borrow the row's cells when normalizing left them
/// as they were (a trimmed name, an ISO date); the values normalizing
/// rewrote (a lower-cased email, an E.164 phone) share one string, so a row
/// allocates once for them all rather than once a value. Serializes as a
/// JSON object, as the map did.
#[derive(Clone, Default)]
pub struct Values<'r> {
    pairs: Vec<(Cow<'static, str>, Slot<'r>)>,
    /// The rewritten values, end to end.
    written: String,
}

/// Where one value is.
#[derive(Clone, Copy, Debug)]
enum Slot<'r> {
    /// The cell's text, trimmed, or a spelling of the catalog's.
    Kept(&'r str),
    /// `written[start..end]`: offsets of four bytes keep a slot as small as
    /// a `&str`, and one row's values are nowhere near 4 GiB.
    Written { start: u32, end: u32 },
}

/// What normalizing one value did with the string it was handed.
///
/// A normalizer either keeps the value it read, or a spelling of the
/// catalog's, or appends the rewritten value to the string. What it appends
/// before it keeps a value or refuses it is left for the caller to cut off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Normalized<'r> {
    Kept(&'r str),
    /// Appended to the string.
    Written,
}

impl<'r> Normalized<'r> {
    /// The result of a normalizer that returns its value, the rewritten
    /// one appended to `out`.
    pub(crate) fn from_cow(value: Cow<'r, str>, out: &mut String) -> Normalized<'r> {
        match value {
            Cow::Borrowed(value) => Normalized::Kept(value),
            Cow::Owned(value) => {
                out.push_str(&value);
                Normalized::Written
            }
        }
    }
}

/// A normalizer that appends what it rewrites to the string it is handed.
pub(crate) trait Normalizer<'r>:
    FnOnce(&mut String) -> Result<Normalized<'r>, Rejection>
{
}

impl<'r, F: FnOnce(&mut String) -> Result<Normalized<'r>, Rejection>> Normalizer<'r> for F {}

/// A writing normalizer's result as a value of its own: what the public
/// `normalize_*` functions return.
pub(crate) fn as_cow<'r>(write: impl Normalizer<'r>) -> Result<Cow<'r, str>, Rejection> {
    let mut out = String::new();
    Ok(match write(&mut out)? {
        Normalized::Kept(value) => Cow::Borrowed(value),
        Normalized::Written => Cow::Owned(out),
    })
}

/// A slot's end in the written text.
fn written_offset(n: usize) -> u32 {
    u32::try_from(n).expect("one row's values are within 4 GiB")
}

impl<'r> Values<'r> {
    /// Room for `fields` values, and for the rewritten ones of a usual row
    /// (an email, a phone, a date) without growing.
    pub(crate) fn with_capacity(fields: usize) -> Values<'r> {
        Values {
            pairs: Vec::with_capacity(fields),
            written: String::with_capacity(64),
        }
    }

    /// Normalizes the value of `field`, which must sort after every field
    /// already pushed, and pushes it when it is accepted.
    #[inline]
    pub(crate) fn push_with(
        &mut self,
        field: &'static str,
        write: impl Normalizer<'r>,
    ) -> Result<(), Rejection> {
        debug_assert!(self.pairs.last().is_none_or(|(last, _)| **last < *field));
        let start = self.written.len();
        let slot = match write(&mut self.written) {
            Ok(Normalized::Written) => Slot::Written {
                start: written_offset(start),
                end: written_offset(self.written.len()),
            },
            Ok(Normalized::Kept(value)) => {
                self.written.truncate(start);
                Slot::Kept(value)
            }
            Err(rejection) => {
                self.written.truncate(start);
                return Err(rejection);
            }
        };
        self.pairs.push((Cow::Borrowed(field), slot));
        Ok(())
    }

    /// The value pushed `index`th.
    #[inline]
    pub(crate) fn value_at(&self, index: usize) -> &str {
        self.text(self.pairs[index].1)
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.position(field).map(|i| self.value_at(i))
    }

    pub fn contains(&self, field: &str) -> bool {
        self.position(field).is_some()
    }

    /// Field ids and values, by field id.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(k, v)| (k.as_ref(), self.text(*v)))
    }

    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// The same values, no longer borrowing the row: kept ones are copied
    /// after the rewritten ones.
    pub fn into_owned(self) -> Values<'static> {
        let mut written = self.written;
        let pairs = self
            .pairs
            .into_iter()
            .map(|(k, v)| match v {
                Slot::Kept(value) => (k, append(&mut written, value)),
                Slot::Written { start, end } => (k, Slot::Written { start, end }),
            })
            .collect();
        Values { pairs, written }
    }

    #[inline]
    fn text(&self, slot: Slot<'r>) -> &str {
        match slot {
            Slot::Kept(value) => value,
            Slot::Written { start, end } => &self.written[start as usize..end as usize],
        }
    }

    fn position(&self, field: &str) -> Option<usize> {
        self.pairs
            .binary_search_by(|(k, _)| k.as_ref().cmp(field))
            .ok()
    }
}

/// A slot for `value`, copied to the end of `written`.
fn append(written: &mut String, value: &str) -> Slot<'static> {
    let start = written_offset(written.len());
    written.push_str(value);
    Slot::Written {
        start,
        end: written_offset(written.len()),
    }
}

/// Equal when they hold the same fields with the same values, however each
/// value is stored.
impl PartialEq for Values<'_> {
    fn eq(&self, other: &Values<'_>) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for Values<'_> {}

impl fmt::Debug for Values<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// Like collecting into a map: sorted, and the last value of a repeated
/// field wins.
impl<'r> FromIterator<(Cow<'static, str>, Cow<'r, str>)> for Values<'r> {
    fn from_iter<I: IntoIterator<Item = (Cow<'static, str>, Cow<'r, str>)>>(iter: I) -> Self {
        let mut pairs: Vec<_> = iter.into_iter().collect();
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        // `dedup_by` drops the later of two neighbours: keep its value.
        pairs.dedup_by(|later, earlier| {
            let same = later.0 == earlier.0;
            if same {
                std::mem::swap(later, earlier);
            }
            same
        });
        let mut values = Values::with_capacity(pairs.len());
        for (field, value) in pairs {
            let slot = match value {
                Cow::Borrowed(value) => Slot::Kept(value),
                Cow::Owned(value) => append(&mut values.written, &value),
            };
            values.pairs.push((field, slot));
        }
        values
    }
}

impl Index<&str> for Values<'_> {
    type Output = str;

    /// Panics when the field has no value, as a map's index does.
    fn index(&self, field: &str) -> &str {
        match self.get(field) {
            Some(value) => value,
            None => panic!("no value for field {field:?}"),
        }
    }
}

impl Serialize for Values<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for Values<'_> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = BTreeMap::<String, String>::deserialize(deserializer)?;
        Ok(map
            .into_iter()
            .map(|(k, v)| (Cow::Owned(k), Cow::Owned(v)))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::ErrorCode;

    fn values(pairs: &[(&'static str, &'static str)]) -> Values<'static> {
        pairs
            .iter()
            .map(|(k, v)| (Cow::Borrowed(*k), Cow::Borrowed(*v)))
            .collect()
    }

    #[test]
    fn collecting_sorts_and_keeps_the_last_of_a_repeated_field() {
        let v = values(&[("b", "1"), ("a", "2"), ("b", "3"), ("c", "4"), ("b", "5")]);
        assert_eq!(
            v.iter().collect::<Vec<_>>(),
            [("a", "2"), ("b", "5"), ("c", "4")]
        );
        assert_eq!(v.get("b"), Some("5"));
        assert_eq!(&v["c"], "4");
        assert_eq!(v.get("d"), None);
        assert!(v.contains("a") && !v.contains("z"));
        assert_eq!(v.len(), 3);
    }

    #[test]
    fn json_is_an_object_by_field_id_and_comes_back_equal() {
        let v = values(&[("last_name", "Doe"), ("email", "j@x.io")]);
        let json = serde_json::to_string(&v).unwrap();
        assert_eq!(json, r#"{"email":"j@x.io","last_name":"Doe"}"#);
        let back: Values = serde_json::from_str(&json).unwrap();
        assert_eq!(back, v);
        assert_eq!(back.into_owned(), v);
    }

    #[test]
    fn rewritten_values_share_one_string_and_refused_ones_leave_nothing() {
        let mut v = Values::with_capacity(4);
        let cell = String::from("Ann");
        v.push_with("a", |out| {
            out.push_str("x@y.io");
            Ok(Normalized::Written)
        })
        .unwrap();
        // What a normalizer appended before keeping or refusing is cut off.
        v.push_with("b", |out| {
            out.push_str("junk");
            Ok(Normalized::Kept(&cell))
        })
        .unwrap();
        let refused = v.push_with("c", |out| {
            out.push_str("+1555");
            Err(Rejection::new(ErrorCode::InvalidPhone, String::new()))
        });
        assert_eq!(refused.unwrap_err().code, ErrorCode::InvalidPhone);
        v.push_with("d", |out| {
            out.push_str("2024-03-05");
            Ok(Normalized::Written)
        })
        .unwrap();
        assert_eq!(v.written, "x@y.io2024-03-05");
        let expected = [("a", "x@y.io"), ("b", "Ann"), ("d", "2024-03-05")];
        assert_eq!(v.iter().collect::<Vec<_>>(), expected);
        assert_eq!(v.value_at(1), "Ann");
        // Owned, the kept value is copied after the rewritten ones.
        let owned = v.clone().into_owned();
        drop(cell);
        assert_eq!(owned.iter().collect::<Vec<_>>(), expected);
        assert_eq!(owned.written, "x@y.io2024-03-05Ann");
    }

    #[test]
    #[should_panic(expected = "no value for field")]
    fn indexing_a_missing_field_panics() {
        let _ = &values(&[])["x"];
    }
}
