//! Loose lookups, precomputed: a value against a fixed list of names,
//! ignoring case and whitespace (and dots when asked), as [`super::loose_eq`]
//! compares them.
//!
//! Scanning the list with `loose_eq` costs one comparison per name, and a
//! state or choice column does it for every cell. Folding every name once
//! into the form `loose_eq` compares turns each lookup into one fold of the
//! value, on the stack, and a hash lookup.

/// Names folded to the compared form, each with what it stands for, sorted
/// by the folded form. Of names that fold alike, the first listed wins, as
/// in a scan.
#[derive(Clone, Debug)]
pub(crate) struct LooseTable<T> {
    entries: Vec<(Box<[u8]>, T)>,
    /// Folded name → index in `entries`: one hash and one comparison per
    /// lookup, where a binary search compared several names.
    index: foldhash::HashMap<Box<[u8]>, usize>,
    /// Each name exactly as listed → what its folded form finds: most cells
    /// hold a name as the list spells it (`Active`, `CA`), and one hash of
    /// the cell answers them without folding it first.
    exact: foldhash::HashMap<Box<[u8]>, T>,
    ignore_dots: bool,
    /// The longest folded name: a value folding longer matches nothing.
    longest: usize,
}

/// Values folding up to this many bytes are folded on the stack.
const STACK_FOLD: usize = 128;

impl<T: Copy> LooseTable<T> {
    pub(crate) fn new<'n>(
        names: impl IntoIterator<Item = (&'n str, T)>,
        ignore_dots: bool,
    ) -> Self {
        let names: Vec<(&str, T)> = names.into_iter().collect();
        let mut entries: Vec<(Box<[u8]>, T)> = names
            .iter()
            .map(|&(name, target)| {
                let mut folded = Vec::with_capacity(name.len());
                fold(name, ignore_dots, |bytes| {
                    folded.extend_from_slice(bytes);
                    true
                });
                (folded.into_boxed_slice(), target)
            })
            .collect();
        // A stable sort keeps the listed order among equal forms, and
        // `dedup_by` drops the later of two neighbours.
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        entries.dedup_by(|later, earlier| later.0 == earlier.0);
        let longest = entries
            .iter()
            .map(|(folded, _)| folded.len())
            .max()
            .unwrap_or(0);
        let index = entries
            .iter()
            .enumerate()
            .map(|(i, (folded, _))| (folded.clone(), i))
            .collect();
        let mut table = LooseTable {
            entries,
            index,
            exact: foldhash::HashMap::default(),
            ignore_dots,
            longest,
        };
        table.exact = names
            .iter()
            .filter_map(|&(name, _)| {
                let found = table.folded_get(name)?;
                Some((Box::from(name.as_bytes()), found))
            })
            .collect();
        table
    }

    /// What the first name loosely equal to `value` stands for.
    pub(crate) fn get(&self, value: &str) -> Option<T> {
        if let Some(&found) = self.exact.get(value.as_bytes()) {
            return Some(found);
        }
        self.folded_get(value)
    }

    /// [`LooseTable::get`] by folding `value` first.
    fn folded_get(&self, value: &str) -> Option<T> {
        if self.longest > STACK_FOLD {
            let mut folded = Vec::with_capacity(value.len());
            fold(value, self.ignore_dots, |bytes| {
                folded.extend_from_slice(bytes);
                true
            });
            return self.find(&folded);
        }
        let mut buffer = [0u8; STACK_FOLD];
        let mut len = 0;
        let fits = fold(value, self.ignore_dots, |bytes| {
            let end = len + bytes.len();
            if end > self.longest {
                return false;
            }
            buffer[len..end].copy_from_slice(bytes);
            len = end;
            true
        });
        if fits {
            self.find(&buffer[..len])
        } else {
            None
        }
    }

    fn find(&self, folded: &[u8]) -> Option<T> {
        self.index.get(folded).map(|&i| self.entries[i].1)
    }
}

/// Feeds `push` the UTF-8 of `text` without whitespace (nor dots when
/// asked), lower-cased character by character as `char::to_lowercase` does;
/// stops early, returning false, when `push` does.
fn fold(text: &str, ignore_dots: bool, mut push: impl FnMut(&[u8]) -> bool) -> bool {
    if text.is_ascii() {
        // The same as below for ASCII, where lower-casing is byte to byte.
        for &b in text.as_bytes() {
            if matches!(b, b'\t'..=b'\r' | b' ') || (ignore_dots && b == b'.') {
                continue;
            }
            if !push(&[b.to_ascii_lowercase()]) {
                return false;
            }
        }
        return true;
    }
    let mut utf8 = [0u8; 4];
    for c in text.chars() {
        if c.is_whitespace() || (ignore_dots && c == '.') {
            continue;
        }
        for lower in c.to_lowercase() {
            if !push(lower.encode_utf8(&mut utf8).as_bytes()) {
                return false;
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::loose_eq;

    const NAMES: &[&str] = &[
        "New York",
        "new-york",
        "U.S.A.",
        "USA",
        "México",
        "Türkiye",
        "Leave of Absence",
        "İstanbul",
        "ß",
        "A",
        "",
    ];

    /// The first listed name loosely equal to `value`, by scanning.
    fn scan(value: &str, ignore_dots: bool) -> Option<usize> {
        NAMES.iter().position(|n| loose_eq(value, n, ignore_dots))
    }

    fn table(ignore_dots: bool) -> LooseTable<usize> {
        LooseTable::new(NAMES.iter().copied().zip(0..), ignore_dots)
    }

    #[test]
    fn lookups_find_what_a_scan_finds() {
        for ignore_dots in [false, true] {
            let t = table(ignore_dots);
            for value in [
                " new  YORK ",
                "NEW-york",
                "u.s.a.",
                "usa",
                "MÉXICO",
                "mexico",
                "TÜRKIYE",
                "leave\tof\nabsence",
                "i\u{307}stanbul",
                "İSTANBUL",
                "SS",
                "ß",
                "a",
                "  ",
                "",
                "nowhere",
                &"x".repeat(300),
            ] {
                assert_eq!(
                    t.get(value),
                    scan(value, ignore_dots),
                    "{value:?} {ignore_dots}"
                );
            }
        }
    }

    #[test]
    fn the_first_listed_of_equal_names_wins() {
        let t = LooseTable::new([("On Leave", 1), ("onleave", 2), ("ON LEAVE", 3)], false);
        assert_eq!(t.get("On leave"), Some(1));
    }

    #[test]
    fn names_longer_than_the_stack_buffer_still_match() {
        let long = "word ".repeat(40);
        let t = LooseTable::new([(long.as_str(), 7)], false);
        assert_eq!(t.get(&long.to_uppercase()), Some(7));
        assert_eq!(t.get("word"), None);
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(1_000))]
            #[test]
            fn any_value_is_found_as_a_scan_finds_it(
                value in "[a-zA-Z .\\-\t\u{a0}éÉüÜİiß]{0,20}",
                ignore_dots in any::<bool>(),
            ) {
                prop_assert_eq!(table(ignore_dots).get(&value), scan(&value, ignore_dots));
            }

            #[test]
            fn names_are_found_however_they_are_spaced_and_cased(
                index in 0..NAMES.len(),
                upper in any::<bool>(),
            ) {
                let name = NAMES[index];
                let value = if upper { name.to_uppercase() } else { format!(" {name} ") };
                prop_assert_eq!(table(false).get(&value), scan(&value, false));
            }
        }
    }
}
