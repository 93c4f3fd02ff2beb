//! A row as read from the admin's file.

use serde::de::{Deserializer, SeqAccess, Visitor};
use serde::ser::{SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The row number an admin sees when opening the file in a spreadsheet:
/// the header is row 1, a blank line is a row of its own, and a quoted cell
/// spanning lines is still one row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RowNumber(pub u32);

impl fmt::Display for RowNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A row's raw cells in one buffer (a `csv::StringRecord`): two allocations
/// a row instead of one a cell, which the hot path needs.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Cells(csv::StringRecord);

impl Cells {
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, column: usize) -> Option<&str> {
        self.0.get(column)
    }

    pub fn iter(&self) -> csv::StringRecordIter<'_> {
        self.0.iter()
    }

    pub fn push(&mut self, cell: &str) {
        self.0.push_field(cell);
    }

    pub fn as_record(&self) -> &csv::StringRecord {
        &self.0
    }
}

impl From<csv::StringRecord> for Cells {
    fn from(record: csv::StringRecord) -> Self {
        Cells(record)
    }
}

impl<S: AsRef<str>> FromIterator<S> for Cells {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Self {
        let mut record = csv::StringRecord::new();
        for cell in iter {
            record.push_field(cell.as_ref());
        }
        Cells(record)
    }
}

impl<S: AsRef<str>, const N: usize> From<[S; N]> for Cells {
    fn from(cells: [S; N]) -> Self {
        cells.into_iter().collect()
    }
}

impl fmt::Debug for Cells {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.iter()).finish()
    }
}

impl Serialize for Cells {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for cell in self.0.iter() {
            seq.serialize_element(cell)?;
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for Cells {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CellsVisitor;
        impl<'de> Visitor<'de> for CellsVisitor {
            type Value = Cells;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of cell strings")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Cells, A::Error> {
                let mut record = csv::StringRecord::new();
                while let Some(cell) = seq.next_element::<std::borrow::Cow<'de, str>>()? {
                    record.push_field(&cell);
                }
                Ok(Cells(record))
            }
        }
        deserializer.deserialize_seq(CellsVisitor)
    }
}

/// One data row: its number and its raw cells, exactly as in the file
/// (the failed-rows export gives them back unchanged).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRow {
    pub number: RowNumber,
    pub cells: Cells,
}

impl SourceRow {
    /// The cell at `column`, or `""` for a short (ragged) row.
    pub fn cell(&self, column: usize) -> &str {
        self.cells.get(column).unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_travel_as_a_json_list_and_come_back_equal() {
        let row = SourceRow {
            number: RowNumber(7),
            cells: Cells::from(["a,b", "", "line\nbreak", "é"]),
        };
        let json = serde_json::to_string(&row).unwrap();
        assert_eq!(json, r#"{"number":7,"cells":["a,b","","line\nbreak","é"]}"#);
        let back: SourceRow = serde_json::from_str(&json).unwrap();
        assert_eq!(back, row);
        assert_eq!(back.cell(2), "line\nbreak");
        assert_eq!(back.cell(9), "");
    }
}
