//! Chunk messages read back, the rows by hand.
//!
//! `serde_json::from_str` spent more on a 10 MB file's chunks than the
//! splitter spends on the file: each cell went through the string
//! deserializer, each row got a buffer of its own. What [`to_json`] writes
//! is read here directly: the envelope still goes through serde_json, the
//! rows are stepped through by the bytes that end a cell (a quote or a
//! backslash), found 64 at a time, and all of a chunk's cells land in one
//! buffer, as parsing a file puts them. Anything else (whitespace, another
//! key order, an escape the fast path leaves alone) is read by
//! serde_json, so the result is always what serde_json reads.
//!
//! [`to_json`]: super::ChunkMessage::to_json

use super::{ChunkMessage, ChunkRow};
use crate::bytescan::any_byte;
use crate::plan::ImportPlan;
use crate::row::{RowNumber, SharedCells, SourceRow};
use crate::table::stops::Stops;
use serde::de::IgnoredAny;
use serde::Deserialize;
use smallvec::SmallVec;
use std::borrow::Cow;

/// Where the rows start in what [`super::ChunkMessage::to_json`] writes.
const ROWS: &[u8] = br#","rows":["#;

/// [`ChunkMessage`] without its rows, as the text before them reads.
#[derive(Deserialize)]
struct Envelope {
    company_id: String,
    import_id: String,
    chunk_index: u32,
    chunk_count: u32,
    plan: ImportPlan,
    /// Rows before the marker would be a second `rows`: serde's to judge.
    #[serde(default, deserialize_with = "present")]
    rows: bool,
}

/// True for a field that is there at all, even as `null`.
fn present<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    IgnoredAny::deserialize(deserializer).map(|_| true)
}

/// A chunk message, exactly as `serde_json::from_str` reads it.
pub fn read_message(json: &str) -> Result<ChunkMessage, serde_json::Error> {
    match read_written(json) {
        Some(message) => Ok(message),
        None => serde_json::from_str(json),
    }
}

/// The message when it is laid out as `to_json` writes it.
fn read_written(json: &str) -> Option<ChunkMessage> {
    let at = memchr::memmem::find(json.as_bytes(), ROWS)?;
    let rows = json[at + ROWS.len()..].strip_suffix("]}")?;
    // Raw control characters are invalid JSON; the fast path does not
    // look for them cell by cell.
    if any_byte(rows.as_bytes(), |b| b < 0x20) {
        return None;
    }
    let mut envelope = String::with_capacity(at + 1);
    envelope.push_str(&json[..at]);
    envelope.push('}');
    let envelope: Envelope = serde_json::from_str(&envelope).ok()?;
    if envelope.rows {
        return None;
    }
    Some(ChunkMessage {
        company_id: envelope.company_id,
        import_id: envelope.import_id,
        chunk_index: envelope.chunk_index,
        chunk_count: envelope.chunk_count,
        plan: envelope.plan,
        rows: read_rows(rows)?,
    })
}

/// `{"number":N,"cells":["…",…]}` (with `,"duplicate_of":M` when set),
/// comma-separated, and nothing else.
fn read_rows(text: &str) -> Option<Vec<ChunkRow>> {
    let mut reader = RowReader {
        text,
        at: 0,
        // The backslash as the "separator": the stops are then exactly
        // the quotes and backslashes (and line breaks, refused above).
        stops: Stops::new(b'\\'),
    };
    let mut cells = SharedCells::with_capacity(text.len(), text.len() / 8);
    let mut rows = Vec::new();
    let mut row_cells: SmallVec<[Cow<str>; 32]> = SmallVec::new();
    while reader.at < text.len() {
        if !rows.is_empty() {
            reader.literal(b",")?;
        }
        reader.literal(br#"{"number":"#)?;
        let number = reader.number()?;
        reader.literal(br#","cells":["#)?;
        row_cells.clear();
        if !reader.literal_if(b"]") {
            loop {
                row_cells.push(reader.string()?);
                if reader.literal_if(b"]") {
                    break;
                }
                reader.literal(b",")?;
            }
        }
        let duplicate_of = if reader.literal_if(br#","duplicate_of":"#) {
            Some(RowNumber(reader.number()?))
        } else {
            None
        };
        reader.literal(b"}")?;
        let span = cells.push_row(row_cells.iter().map(AsRef::as_ref));
        rows.push((RowNumber(number), span, duplicate_of));
    }
    let buffer = cells.finish();
    Some(
        rows.into_iter()
            .map(|(number, span, duplicate_of)| ChunkRow {
                row: SourceRow {
                    number,
                    cells: buffer.cells(span),
                },
                duplicate_of,
                cut: None,
            })
            .collect(),
    )
}

struct RowReader<'a> {
    text: &'a str,
    at: usize,
    stops: Stops,
}

impl<'a> RowReader<'a> {
    fn literal(&mut self, expected: &[u8]) -> Option<()> {
        self.literal_if(expected).then_some(())
    }

    fn literal_if(&mut self, expected: &[u8]) -> bool {
        let found = self.text.as_bytes()[self.at..].starts_with(expected);
        if found {
            self.at += expected.len();
        }
        found
    }

    /// A `u32` as JSON writes it: `0`, or digits without a leading zero;
    /// more than fits is refused by the checked arithmetic.
    fn number(&mut self) -> Option<u32> {
        let bytes = &self.text.as_bytes()[self.at..];
        let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 || (digits > 1 && bytes[0] == b'0') {
            return None;
        }
        let value = bytes[..digits].iter().try_fold(0u32, |n, &b| {
            n.checked_mul(10)?.checked_add(u32::from(b - b'0'))
        })?;
        self.at += digits;
        Some(value)
    }

    /// A JSON string: borrowed when it has no escape, else unescaped by
    /// serde_json.
    fn string(&mut self) -> Option<Cow<'a, str>> {
        let open = self.at;
        if self.text.as_bytes().get(open) != Some(&b'"') {
            return None;
        }
        let bytes = self.text.as_bytes();
        self.stops.seek(bytes, open + 1);
        let close = self.stops.next(bytes)?;
        if bytes[close] == b'"' {
            self.at = close + 1;
            return Some(Cow::Borrowed(&self.text[open + 1..close]));
        }
        // A backslash escapes the next byte, which for `\uXXXX` is `u`: no
        // escape hides a quote further on.
        let mut at = close;
        let close = loop {
            match bytes.get(at)? {
                b'\\' => {
                    self.stops.seek(bytes, at + 2);
                    at = self.stops.next(bytes)?;
                }
                b'"' => break at,
                _ => return None,
            }
        };
        self.at = close + 1;
        serde_json::from_str::<String>(&self.text[open..=close])
            .ok()
            .map(Cow::Owned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chunk::{chunk_rows, ChunkLimits};
    use crate::row::Cells;
    use proptest::prelude::*;

    /// A message whose headers hold the rows' marker, as keys and text.
    fn message(rows: Vec<ChunkRow>) -> ChunkMessage {
        let mut message = crate::chunk::tests::message(rows);
        message.plan.headers = vec!["Email".into(), "rows".into(), "\",\"rows\":[".into()];
        message
    }

    fn row(number: u32, cells: &[&str], duplicate_of: Option<u32>) -> ChunkRow {
        ChunkRow {
            row: SourceRow {
                number: RowNumber(number),
                cells: Cells::from_iter(cells),
            },
            duplicate_of: duplicate_of.map(RowNumber),
            cut: None,
        }
    }

    /// Read by hand and by serde_json alike, and the hand path taken.
    fn assert_read_by_hand(json: &str) -> ChunkMessage {
        let serde: ChunkMessage = serde_json::from_str(json).unwrap();
        let read = read_written(json).expect("read by hand");
        assert_eq!(read, serde);
        read
    }

    #[test]
    fn what_to_json_writes_is_read_by_hand_as_serde_reads_it() {
        let rows = vec![
            row(2, &["a@x.io", "Ann", ""], None),
            row(4, &[], Some(2)),
            row(
                u32::MAX,
                &["é日本", "quote \" and \\ back", "\n\t\u{1}"],
                Some(0),
            ),
            row(0, &[""], None),
        ];
        let read = assert_read_by_hand(&message(rows.clone()).to_json());
        assert_eq!(read.rows, rows);
        assert_read_by_hand(&message(Vec::new()).to_json());
        // One buffer for the chunk, as parsing gives.
        assert_eq!(read.rows[2].row.cell(1), "quote \" and \\ back");
    }

    #[test]
    fn other_layouts_and_bad_json_go_to_serde_json() {
        let json = message(vec![row(2, &["a", "b"], Some(1))]).to_json();
        let variants = [
            json.replace(r#","cells":"#, r#", "cells":"#),
            json.replace(
                r#"{"number":2,"cells":["a","b"],"duplicate_of":1}"#,
                r#"{"cells":["a","b"],"number":2,"duplicate_of":1}"#,
            ),
            json.replace(r#""duplicate_of":1"#, r#""duplicate_of":null"#),
            json.replace(r#""number":2"#, r#""number":02"#),
            json.replace(r#""number":2"#, r#""number":4294967296"#),
            json.replace(r#"["a","b"]"#, r#"["a\u0062","b"]"#),
            json.replace(r#"["a","b"]"#, "[\"a\nb\"]"),
            json.replace(r#"["a","b"]"#, r#"["a","b",]"#),
            json.replace(r#"]}]}"#, r#"]}],"rows":[]}"#),
            json.replace(r#""chunk_index":3"#, r#""rows":[],"chunk_index":3"#),
            json.replace(r#""chunk_index":3"#, r#""rows":null,"chunk_index":3"#),
            json.replace(r#"}]}"#, r#"}] }"#),
        ];
        for variant in &variants {
            let serde = serde_json::from_str::<ChunkMessage>(variant);
            let read = read_message(variant);
            match (&serde, &read) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "{variant}"),
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{variant}"),
                _ => panic!("serde {serde:?} but read {read:?}: {variant}"),
            }
        }
        // Escapes the fast path unescapes with serde_json.
        let escaped = json.replace(r#"["a","b"]"#, r#"["a\"\\\u00e9\n","\\"]"#);
        let read = assert_read_by_hand(&escaped);
        assert_eq!(read.rows[0].row.cell(0), "a\"\\é\n");
        assert_eq!(read.rows[0].row.cell(1), "\\");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn any_chunks_read_back_by_hand_as_serde_reads_them(
            texts in prop::collection::vec(prop::collection::vec("\\PC{0,20}|[\"\\\\\\x00-\\x1f]{0,4}", 0..6), 0..40),
            max_bytes in 200usize..5_000,
        ) {
            let rows: Vec<ChunkRow> = texts
                .iter()
                .enumerate()
                .map(|(i, cells)| ChunkRow {
                    row: SourceRow { number: RowNumber(i as u32 * 3), cells: cells.iter().collect() },
                    duplicate_of: (i % 4 == 1).then_some(RowNumber(i as u32)),
                    cut: None,
                })
                .collect();
            let plan = message(Vec::new()).plan;
            let limits = ChunkLimits { max_bytes, max_rows: 7 };
            for chunk in chunk_rows("c1", "imp-1", &plan, rows, limits) {
                let json = chunk.to_json();
                let read = read_written(&json);
                prop_assert_eq!(read.as_ref(), Some(&chunk));
                prop_assert_eq!(read_message(&json).unwrap(), chunk);
            }
        }
    }
}
