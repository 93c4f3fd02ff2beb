//! A valid record's values: field id → normalized value.

use serde::de::{Deserialize, Deserializer};
use serde::ser::{Serialize, Serializer};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ops::Index;

/// Field id → normalized value, sorted by field id, one entry per field.
///
/// A sorted vector rather than a map because every valid row builds one:
/// the validator already knows the fields' order, so building is one push
/// per value, where a map allocated nodes and compared keys. Ids borrow the
/// catalog's and values borrow the row's cells when normalizing left them
/// as they were (a trimmed name, an ISO date), so most cells cost no copy.
/// Serializes as a JSON object, as the map did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Values<'r>(Vec<(Cow<'static, str>, Cow<'r, str>)>);

impl<'r> Values<'r> {
    /// From pairs already sorted by field id, without repeats.
    pub(crate) fn from_sorted(pairs: Vec<(Cow<'static, str>, Cow<'r, str>)>) -> Values<'r> {
        debug_assert!(pairs.windows(2).all(|w| w[0].0 < w[1].0));
        Values(pairs)
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.position(field).map(|i| self.0[i].1.as_ref())
    }

    pub fn contains(&self, field: &str) -> bool {
        self.position(field).is_some()
    }

    /// Field ids and values, by field id.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_ref(), v.as_ref()))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The same values, no longer borrowing the row.
    pub fn into_owned(self) -> Values<'static> {
        Values(
            self.0
                .into_iter()
                .map(|(k, v)| (k, Cow::Owned(v.into_owned())))
                .collect(),
        )
    }

    fn position(&self, field: &str) -> Option<usize> {
        self.0.binary_search_by(|(k, _)| k.as_ref().cmp(field)).ok()
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
        Values(pairs)
    }
}

impl<'r> Index<&str> for Values<'r> {
    type Output = Cow<'r, str>;

    /// Panics when the field has no value, as a map's index does.
    fn index(&self, field: &str) -> &Cow<'r, str> {
        match self.position(field) {
            Some(i) => &self.0[i].1,
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
        Ok(Values(
            map.into_iter()
                .map(|(k, v)| (Cow::Owned(k), Cow::Owned(v)))
                .collect(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(v["c"], "4");
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
    #[should_panic(expected = "no value for field")]
    fn indexing_a_missing_field_panics() {
        let _ = &values(&[])["x"];
    }
}
