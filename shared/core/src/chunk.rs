//! Chunks: rows grouped into queue messages bounded by size and count.
//!
//! [`ChunkMessage`] is the one message type the splitter sends and the row
//! processor reads, defined once here so the two cannot drift apart.

mod out;

use crate::bytescan::{any_byte, json_escaped};
use crate::ids::{CompanyId, ImportId};
use crate::limits::{chars_over, MAX_CELL_CHARS, MAX_COLUMNS, MAX_ROW_BYTES};
use crate::plan::ImportPlan;
use crate::row::{Cells, RowNumber, SourceRow};
use out::JsonOut;
use serde::ser::{SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};

/// SQS rejects messages over 256 KiB; stay well under it.
pub const MAX_CHUNK_BYTES: usize = 200 * 1024;
/// Bounds one processor invocation's work.
pub const MAX_CHUNK_ROWS: usize = 250;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChunkLimits {
    pub max_bytes: usize,
    pub max_rows: usize,
}

impl Default for ChunkLimits {
    fn default() -> Self {
        ChunkLimits {
            max_bytes: MAX_CHUNK_BYTES,
            max_rows: MAX_CHUNK_ROWS,
        }
    }
}

/// A row as it travels to a processor: `{"number":N,"cells":[…]}`, plus
/// `"duplicate_of":M` and `"cut":{…}` when set.
///
/// The row's fields sit beside `duplicate_of` in one object, written by
/// hand and read through `ChunkRowFields` rather than with
/// `#[serde(flatten)]`, which makes serde buffer every row into an
/// intermediate tree before reading it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(from = "ChunkRowFields")]
pub struct ChunkRow {
    pub row: SourceRow,
    /// Set when an earlier row of the file has the same key.
    pub duplicate_of: Option<RowNumber>,
    /// Set when the row was too large to travel whole ([`chunk_rows`]): its
    /// cells are cut to fit, and the row fails
    /// ([`crate::validate::Validator::validate_chunk_row`]). Boxed: rare,
    /// and every row moves through the splitter several times.
    pub cut: Option<Box<CutRow>>,
}

/// What a row too large to travel whole was before its cells were cut to
/// fit [`MAX_ROW_BYTES`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CutRow {
    /// How many cells the row had; a cut row keeps at most [`MAX_COLUMNS`].
    pub cells: usize,
    /// Its size in a chunk message, in bytes.
    pub bytes: usize,
    /// Cells over [`MAX_CELL_CHARS`]: their column and length in characters.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub long_cells: Vec<(usize, usize)>,
    /// Columns whose cells travel cut short or emptied.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cut_columns: Vec<usize>,
}

impl ChunkRow {
    /// A row as it is, with no earlier row of the same key.
    pub fn new(row: SourceRow) -> ChunkRow {
        ChunkRow {
            row,
            duplicate_of: None,
            cut: None,
        }
    }
}

/// The most a cut row's cell text may take in a message (escaped): half a
/// row's budget, the other half left for the row's number, quotes, commas
/// and what [`CutRow`] records (at most 512 cells: about 13 KB).
const CUT_TEXT_BYTES: usize = MAX_ROW_BYTES / 2;

/// A cell up to this size (escaped) is kept whole in a cut row before any
/// longer cell gets room: the short cells are the ones an admin fixes.
const SHORT_CELL_BYTES: usize = 1024;

/// The row as [`chunk_rows`] sends it: a preview judges the rows the
/// import will see.
pub(crate) fn fit_row(row: ChunkRow) -> ChunkRow {
    fit_measured(row).0
}

/// [`fit_row`], and the fitted row's size in a message.
fn fit_measured(row: ChunkRow) -> (ChunkRow, usize) {
    let bytes = row_json_len(&row);
    if within_limits(&row, bytes) {
        return (row, bytes);
    }
    let cut = cut_row(row, bytes);
    let bytes = row_json_len(&cut);
    (cut, bytes)
}

/// Whether a row of `bytes` in a message travels as it is.
fn within_limits(row: &ChunkRow, bytes: usize) -> bool {
    let cells = &row.row.cells;
    bytes <= MAX_ROW_BYTES
        && cells.len() <= MAX_COLUMNS
        // Fewer bytes than the limit are fewer characters in every cell.
        && (cells.text_len() <= MAX_CELL_CHARS
            || cells.iter().all(|cell| chars_over(cell, MAX_CELL_CHARS).is_none()))
}

#[cold]
fn cut_row(row: ChunkRow, bytes: usize) -> ChunkRow {
    let cells = &row.row.cells;
    let long_cells: Vec<(usize, usize)> = cells
        .iter()
        .enumerate()
        .filter_map(|(column, cell)| Some((column, chars_over(cell, MAX_CELL_CHARS)?)))
        .collect();
    let kept: Vec<&str> = cells.iter().take(MAX_COLUMNS).collect();
    let escaped: Vec<usize> = kept
        .iter()
        .map(|cell| cell.len() + json_escape_extra(cell.as_bytes()))
        .collect();
    let long = |column: usize| long_cells.iter().any(|&(c, _)| c == column);
    // Short cells first, whole, in order; then the others share what is left.
    let mut room = vec![0; kept.len()];
    let mut left = CUT_TEXT_BYTES;
    for short in [true, false] {
        for (column, &size) in escaped.iter().enumerate() {
            if (size <= SHORT_CELL_BYTES && !long(column)) != short {
                continue;
            }
            room[column] = size.min(left);
            left -= room[column];
        }
    }
    let mut cut_columns = Vec::new();
    let fitted: Cells = kept
        .iter()
        .zip(&escaped)
        .zip(&room)
        .enumerate()
        .map(|(column, ((cell, &size), &room))| {
            if size <= room && !long(column) {
                return *cell;
            }
            cut_columns.push(column);
            escaped_prefix(cell, room)
        })
        .collect();
    ChunkRow {
        row: SourceRow {
            number: row.row.number,
            cells: fitted,
        },
        duplicate_of: row.duplicate_of,
        cut: Some(Box::new(CutRow {
            cells: cells.len(),
            bytes,
            long_cells,
            cut_columns,
        })),
    }
}

/// The longest beginning of `text` whose JSON escape takes at most `room`
/// bytes, and at most [`MAX_CELL_CHARS`] characters.
fn escaped_prefix(text: &str, room: usize) -> &str {
    let mut used = 0;
    for (chars, (at, c)) in text.char_indices().enumerate() {
        let size = if c.is_ascii() {
            1 + usize::from(JSON_EXTRA[c as usize])
        } else {
            c.len_utf8()
        };
        if used + size > room || chars == MAX_CELL_CHARS {
            return &text[..at];
        }
        used += size;
    }
    text
}

impl Serialize for ChunkRow {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let fields = 2 + usize::from(self.duplicate_of.is_some()) + usize::from(self.cut.is_some());
        let mut row = serializer.serialize_struct("ChunkRow", fields)?;
        row.serialize_field("number", &self.row.number)?;
        row.serialize_field("cells", &self.row.cells)?;
        if let Some(first) = self.duplicate_of {
            row.serialize_field("duplicate_of", &first)?;
        }
        if let Some(cut) = &self.cut {
            row.serialize_field("cut", cut)?;
        }
        row.end()
    }
}

/// [`ChunkRow`]'s JSON object, field by field.
#[derive(Deserialize)]
struct ChunkRowFields {
    number: RowNumber,
    cells: Cells,
    #[serde(default)]
    duplicate_of: Option<RowNumber>,
    #[serde(default)]
    cut: Option<Box<CutRow>>,
}

impl From<ChunkRowFields> for ChunkRow {
    fn from(fields: ChunkRowFields) -> ChunkRow {
        ChunkRow {
            row: SourceRow {
                number: fields.number,
                cells: fields.cells,
            },
            duplicate_of: fields.duplicate_of,
            cut: fields.cut,
        }
    }
}

/// One SQS message: a slice of one import's rows and the plan to check them.
/// Its ids are parsed when it is read, so a message cannot name keys the
/// splitter would never have made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkMessage {
    pub company_id: CompanyId,
    pub import_id: ImportId,
    pub chunk_index: u32,
    pub chunk_count: u32,
    pub plan: ImportPlan,
    pub rows: Vec<ChunkRow>,
}

impl ChunkMessage {
    /// Reads a message as the splitter sent it ([`ChunkMessage::to_json`]).
    pub fn from_json(json: &str) -> Result<ChunkMessage, serde_json::Error> {
        serde_json::from_str(json)
    }

    /// The message as `serde_json::to_string` writes it.
    ///
    /// Serializing every cell through serde cost as much as the rest of the
    /// split. Only the small envelope goes through serde_json; the rows are
    /// written by hand into one string sized up front.
    /// `to_json_equals_serde_json` holds the two to the same bytes.
    pub fn to_json(&self) -> String {
        // Destructured so that a new field cannot be left out.
        let ChunkMessage {
            company_id,
            import_id,
            chunk_index,
            chunk_count,
            plan,
            rows,
        } = self;
        let envelope = Envelope {
            company_id: company_id.as_str(),
            import_id: import_id.as_str(),
            chunk_index: *chunk_index,
            chunk_count: *chunk_count,
            plan,
        };
        // Plain structs, sequences, strings and numbers: serde_json fails
        // only on map keys that are not strings and on custom errors.
        let envelope = serde_json::to_string(&envelope).expect("the envelope serializes");
        // The envelope's closing brace makes room for `,"rows":[…]}`.
        let head = &envelope[..envelope.len() - 1];
        let rows_len = rows.iter().fold(rows.len().saturating_sub(1), |len, row| {
            len.saturating_add(row_json_len(row))
        });
        let mut out = JsonOut::with_len(
            head.len()
                .saturating_add(r#","rows":[]}"#.len())
                .saturating_add(rows_len),
        );
        out.push(head);
        out.push(r#","rows":["#);
        for (i, row) in rows.iter().enumerate() {
            if i > 0 {
                out.push_ascii(b',');
            }
            write_row(&mut out, row);
        }
        out.push("]}");
        out.into_string()
    }
}

/// [`ChunkMessage`] without its rows, borrowed, fields in the same order.
#[derive(Serialize)]
struct Envelope<'a> {
    company_id: &'a str,
    import_id: &'a str,
    chunk_index: u32,
    chunk_count: u32,
    plan: &'a ImportPlan,
}

/// Splits rows into messages whose JSON stays within `limits`.
/// A single row larger than the byte limit still gets a chunk of its own.
/// Every row is first fitted to the row limits: as it is when within
/// [`MAX_ROW_BYTES`], [`MAX_COLUMNS`] cells and [`MAX_CELL_CHARS`] per cell;
/// otherwise with its cells cut to fit and [`ChunkRow::cut`] saying what
/// it was. A cut row keeps its first [`MAX_COLUMNS`] cells, its short cells
/// whole, and the beginning of its long ones as room allows, so that the
/// failed-rows file shows the admin which row and cell to shorten. With
/// the default limits, every chunk fits a queue message and every row log
/// a DynamoDB item.
///
/// Sizes are measured once: the envelope without rows (with the widest
/// possible index and count), then each row, so the cost is one
/// serialization of the data, not one per attempt.
pub fn chunk_rows(
    company_id: &CompanyId,
    import_id: &ImportId,
    plan: &ImportPlan,
    rows: impl IntoIterator<Item = ChunkRow>,
    limits: ChunkLimits,
) -> Vec<ChunkMessage> {
    let envelope = |chunk_index, chunk_count, rows| ChunkMessage {
        company_id: company_id.clone(),
        import_id: import_id.clone(),
        chunk_index,
        chunk_count,
        plan: plan.clone(),
        rows,
    };
    let envelope_bytes = json_len(&envelope(u32::MAX, u32::MAX, Vec::new()));
    let max_rows = limits.max_rows.max(1);

    // Sized for a full chunk at once rather than grown row by row.
    let group = || Vec::with_capacity(max_rows.min(MAX_CHUNK_ROWS));
    let mut groups: Vec<Vec<ChunkRow>> = Vec::new();
    let mut current: Vec<ChunkRow> = group();
    let mut current_bytes = envelope_bytes;
    for row in rows {
        let (row, row_bytes) = fit_measured(row);
        let separator = usize::from(!current.is_empty());
        let fits = current.len() < max_rows
            && current_bytes
                .saturating_add(separator)
                .saturating_add(row_bytes)
                <= limits.max_bytes;
        if !current.is_empty() && !fits {
            groups.push(std::mem::replace(&mut current, group()));
            current_bytes = envelope_bytes;
        }
        current_bytes = current_bytes
            .saturating_add(usize::from(!current.is_empty()))
            .saturating_add(row_bytes);
        current.push(row);
    }
    if current.is_empty() {
        return Vec::new();
    }
    groups.push(current);

    let count = u32::try_from(groups.len()).unwrap_or(u32::MAX);
    groups
        .into_iter()
        .enumerate()
        .map(|(i, rows)| envelope(u32::try_from(i).unwrap_or(u32::MAX), count, rows))
        .collect()
}

/// The length of a value's compact JSON, without building the string.
/// A value that cannot be serialized counts as unbounded, so it travels alone.
pub(crate) fn json_len<T: Serialize + ?Sized>(value: &T) -> usize {
    let mut counter = ByteCounter(0);
    match serde_json::to_writer(&mut counter, value) {
        Ok(()) => counter.0,
        Err(_) => usize::MAX,
    }
}

/// The length of a row's compact JSON, counted without serde: measuring
/// every row through the serializer cost as much as sending it.
/// `measured_row_length_equals_serialized_length` holds it to serde_json.
fn row_json_len(row: &ChunkRow) -> usize {
    // {"number":N,"cells":[...]} and ,"duplicate_of":M when set.
    let mut len = r#"{"number":,"cells":[]}"#.len() + digits(row.row.number.0);
    let cells = row.row.cells.len();
    // Quotes around each cell, commas between them.
    len += 2 * cells + cells.saturating_sub(1);
    // The cells lie end to end in one buffer: their text and escapes are
    // counted in one pass over the row rather than one per short cell.
    let cells = &row.row.cells;
    let escapes = if cells.is_plain() {
        0
    } else {
        json_escape_extra(cells.as_text().as_bytes())
    };
    len = len.saturating_add(cells.text_len() + escapes);
    if let Some(first) = row.duplicate_of {
        len += r#","duplicate_of":"#.len() + digits(first.0);
    }
    if let Some(cut) = &row.cut {
        len = len.saturating_add(r#","cut":"#.len() + json_len(cut));
    }
    len
}

/// A row as [`ChunkRow`]'s `Serialize` writes it through serde_json.
fn write_row(out: &mut JsonOut, row: &ChunkRow) {
    out.push(r#"{"number":"#);
    push_u32(out, row.row.number.0);
    out.push(r#","cells":["#);
    let cells = &row.row.cells;
    // Parsing found most rows plain; a row that is not is scanned once
    // rather than cell by cell.
    let plain = cells.is_plain() || !needs_escape(cells.as_text().as_bytes());
    if !cells.is_empty() {
        out.push_ascii(b'"');
        if plain {
            // The cells lie end to end: each is a piece of that text.
            let (text, mut ends) = cells.text_onward();
            let mut from = ends.next().unwrap_or(0);
            out.push_piece(text, 0, from);
            for to in ends {
                out.push_piece_after(br#"",""#, text, from, to);
                from = to;
            }
        } else {
            let mut iter = cells.iter();
            push_escaped(out, iter.next().unwrap_or(""));
            for cell in iter {
                out.push(r#"",""#);
                push_escaped(out, cell);
            }
        }
        out.push_ascii(b'"');
    }
    out.push_ascii(b']');
    if let Some(first) = row.duplicate_of {
        out.push(r#","duplicate_of":"#);
        push_u32(out, first.0);
    }
    if let Some(cut) = &row.cut {
        out.push(r#","cut":"#);
        // Numbers and lists of numbers: serde_json cannot fail on them.
        out.push(&serde_json::to_string(cut).expect("a cut row serializes"));
    }
    out.push_ascii(b'}');
}

/// `n` in decimal, without going through `fmt`.
fn push_u32(out: &mut JsonOut, n: u32) {
    out.push(itoa::Buffer::new().format(n));
}

/// `text` escaped as serde_json escapes strings, the runs between escapes
/// copied whole.
fn push_escaped(out: &mut JsonOut, text: &str) {
    let mut run = 0;
    for (i, &b) in text.as_bytes().iter().enumerate() {
        if JSON_EXTRA[usize::from(b)] == 0 {
            continue;
        }
        // Escaped bytes are ASCII, so `i` and `i + 1` are char boundaries.
        out.push(&text[run..i]);
        run = i + 1;
        match b {
            b'"' => out.push("\\\""),
            b'\\' => out.push("\\\\"),
            0x08 => out.push("\\b"),
            0x0C => out.push("\\f"),
            b'\n' => out.push("\\n"),
            b'\r' => out.push("\\r"),
            b'\t' => out.push("\\t"),
            _ => {
                out.push("\\u00");
                out.push_ascii(HEX[usize::from(b >> 4)]);
                out.push_ascii(HEX[usize::from(b & 0xF)]);
            }
        }
    }
    out.push(&text[run..]);
}

/// serde_json writes `\u00XX` escapes in lowercase.
const HEX: &[u8; 16] = b"0123456789abcdef";

fn digits(n: u32) -> usize {
    n.checked_ilog10().map_or(1, |d| d as usize + 1)
}

/// The bytes serde_json's string escapes add to `text`: `"` and `\` and
/// the short-escaped controls take two bytes, other C0 controls six
/// (`\u00XX`), everything else (non-ASCII included) itself.
fn json_escape_extra(text: &[u8]) -> usize {
    // Most rows escape nothing: a fast scan finds that out, and only the
    // others pay for the table.
    if !needs_escape(text) {
        return 0;
    }
    text.iter()
        .map(|&b| usize::from(JSON_EXTRA[usize::from(b)]))
        .sum()
}

/// Whether serde_json would escape any byte of `text`.
fn needs_escape(text: &[u8]) -> bool {
    any_byte(text, json_escaped)
}

/// Extra bytes serde_json's escape of each byte adds.
static JSON_EXTRA: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = 5;
        b += 1;
    }
    table[0x08] = 1;
    table[0x09] = 1;
    table[0x0A] = 1;
    table[0x0C] = 1;
    table[0x0D] = 1;
    table[b'"' as usize] = 1;
    table[b'\\' as usize] = 1;
    table
};

struct ByteCounter(usize);

impl std::io::Write for ByteCounter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 = self.0.saturating_add(buf.len());
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Entity;
    use crate::plan::PlannedColumn;
    use crate::template::ImportSettings;

    fn plan() -> ImportPlan {
        ImportPlan {
            entity: Entity::Employees,
            headers: vec!["Email".into(), "First".into(), "Last".into()],
            columns: vec![PlannedColumn {
                column: 0,
                field: "email".into(),
                date_order: None,
                id_width: None,
            }],
            settings: ImportSettings::default(),
        }
    }

    fn row(number: u32, text: &str) -> ChunkRow {
        ChunkRow {
            row: SourceRow {
                number: RowNumber(number),
                cells: Cells::from([format!("user{number}@clinic.org"), text.to_string()]),
            },
            duplicate_of: number.is_multiple_of(7).then_some(RowNumber(2)),
            cut: None,
        }
    }

    fn rows(n: u32) -> Vec<ChunkRow> {
        // Row numbers with gaps, as blank lines leave them, and mixed sizes.
        (0..n)
            .map(|i| row(2 + i * 2, &"é\"x\n".repeat((i % 13) as usize * 5)))
            .collect()
    }

    /// [`chunk_rows`] with the test plan, for ids spelled out.
    fn chunks_of(
        company: &str,
        import: &str,
        rows: impl IntoIterator<Item = ChunkRow>,
        limits: ChunkLimits,
    ) -> Vec<ChunkMessage> {
        let (company, import) = (CompanyId::parse(company), ImportId::parse(import));
        chunk_rows(&company.unwrap(), &import.unwrap(), &plan(), rows, limits)
    }

    fn check_bounds(chunks: &[ChunkMessage], limits: ChunkLimits) {
        for (i, chunk) in chunks.iter().enumerate() {
            let json = serde_json::to_string(chunk).unwrap();
            assert!(
                json.len() <= limits.max_bytes || chunk.rows.len() == 1,
                "chunk {i}: {} bytes",
                json.len()
            );
            assert!(chunk.rows.len() <= limits.max_rows);
            assert!(!chunk.rows.is_empty());
            assert_eq!(chunk.chunk_index as usize, i);
            assert_eq!(chunk.chunk_count as usize, chunks.len());
        }
    }

    #[test]
    fn chunks_respect_the_byte_and_row_limits_and_keep_every_row_in_order() {
        let input = rows(500);
        for limits in [
            ChunkLimits::default(),
            ChunkLimits {
                max_bytes: 4_000,
                max_rows: 250,
            },
            ChunkLimits {
                max_bytes: 100_000,
                max_rows: 7,
            },
            ChunkLimits {
                max_bytes: 1_500,
                max_rows: 1,
            },
        ] {
            let chunks = chunks_of("c1", "imp-1", input.clone(), limits);
            check_bounds(&chunks, limits);
            let back: Vec<ChunkRow> = chunks.iter().flat_map(|c| c.rows.clone()).collect();
            assert_eq!(back, input, "{limits:?}");
            for c in &chunks {
                assert_eq!(
                    (c.company_id.as_str(), c.import_id.as_str()),
                    ("c1", "imp-1")
                );
                assert_eq!(c.plan, plan());
            }
        }
    }

    #[test]
    fn chunks_are_filled_close_to_the_byte_limit() {
        let limits = ChunkLimits {
            max_bytes: 4_000,
            max_rows: 1_000,
        };
        let chunks = chunks_of("c1", "imp-1", rows(300), limits);
        assert!(chunks.len() > 5);
        // Every chunk but the last would overflow with the next row, up to
        // the envelope's reserve for a ten-digit index and count.
        let reserve = 2 * (u32::MAX.to_string().len() - 1);
        for pair in chunks.windows(2) {
            let mut grown = pair[0].clone();
            grown.rows.push(pair[1].rows[0].clone());
            let len = serde_json::to_string(&grown).unwrap().len();
            assert!(len + reserve > limits.max_bytes, "{len}");
        }
    }

    #[test]
    fn row_limit_alone_decides_for_small_rows() {
        let chunks = chunks_of("c", "i", rows(501), ChunkLimits::default());
        let sizes: Vec<usize> = chunks.iter().map(|c| c.rows.len()).collect();
        assert_eq!(sizes, [250, 250, 1]);
        assert_eq!(chunks[2].rows[0].row.number, RowNumber(1002));
    }

    #[test]
    fn an_oversized_row_travels_alone() {
        let limits = ChunkLimits {
            max_bytes: 2_000,
            max_rows: 100,
        };
        let big = row(5, &"x".repeat(5_000));
        let input = vec![row(2, "a"), row(3, "b"), big.clone(), row(6, "c")];
        let chunks = chunks_of("c", "i", input, limits);
        let numbers: Vec<Vec<u32>> = chunks
            .iter()
            .map(|c| c.rows.iter().map(|r| r.row.number.0).collect())
            .collect();
        assert_eq!(numbers, [vec![2, 3], vec![5], vec![6]]);
        assert_eq!(chunks[1].rows, [big]);
        assert!(serde_json::to_string(&chunks[1]).unwrap().len() > limits.max_bytes);
        check_bounds(&chunks, limits);
    }

    /// The widest envelope any file can make: the longest header row,
    /// every field of the widest entity mapped with its column facts.
    fn widest_plan() -> ImportPlan {
        use crate::limits::MAX_HEADER_ROW_BYTES;
        let fields = Entity::Providers.fields();
        // Names of control characters escape six bytes each.
        let name = "\u{1}".repeat(100);
        let per_name = serde_json::to_string(&name).unwrap().len() + 1;
        let headers = vec![name; MAX_HEADER_ROW_BYTES / per_name];
        assert!(crate::chunk::json_len(&headers) <= MAX_HEADER_ROW_BYTES);
        ImportPlan {
            entity: Entity::Providers,
            columns: fields
                .iter()
                .enumerate()
                .map(|(i, field)| PlannedColumn {
                    column: 900 + i,
                    field: field.id.into(),
                    date_order: Some(crate::plan::DateOrder::MonthFirst),
                    id_width: Some(u8::MAX),
                })
                .collect(),
            headers,
            settings: ImportSettings::default(),
        }
    }

    #[test]
    fn any_row_fits_a_message_beside_the_widest_envelope() {
        let plan = widest_plan();
        // The longest ids, of a character that escapes.
        let ids = "\\".repeat(128);
        let empty = ChunkMessage {
            company_id: CompanyId::parse(&ids).unwrap(),
            import_id: ImportId::parse(&ids).unwrap(),
            chunk_index: u32::MAX,
            chunk_count: u32::MAX,
            plan,
            rows: Vec::new(),
        };
        let envelope = json_len(&empty);
        assert!(
            envelope + MAX_ROW_BYTES <= MAX_CHUNK_BYTES,
            "{envelope} + {MAX_ROW_BYTES}"
        );
        // SQS's own limit, with room for the message's attributes.
        const { assert!(MAX_CHUNK_BYTES + 16 * 1024 <= 256 * 1024) };
    }

    /// Rows as hostile files make them, with the row's own cells.
    fn hostile_rows() -> Vec<Vec<String>> {
        let quotes = "\"".repeat(70_000);
        vec![
            // One 300 KB cell among ordinary ones.
            vec![
                "a@b.co".into(),
                "x".repeat(300_000),
                "Ann".into(),
                "Lee".into(),
            ],
            // Cells within the cell limit, too large together.
            vec!["\"".repeat(30_000), "\"".repeat(30_000), "Ann".into()],
            // A cell of 70 KB of quotes: 140 KB in a message.
            vec!["a@b.co".into(), quotes, "Ann".into()],
            // A hundred thousand separators.
            vec![String::new(); 100_000],
            // Long cells of every width of character.
            vec![
                "é".repeat(40_000),
                "日".repeat(40_000),
                "\u{1}".repeat(40_000),
            ],
        ]
    }

    #[test]
    fn a_row_too_large_for_any_message_travels_cut_and_its_chunk_fits() {
        let mut input = rows(3);
        for (i, cells) in hostile_rows().into_iter().enumerate() {
            input.push(ChunkRow::new(SourceRow {
                number: RowNumber(100 + i as u32),
                cells: cells.into_iter().collect(),
            }));
            input.extend(rows(2));
        }
        let chunks = chunk_rows(
            &CompanyId::parse("c1").unwrap(),
            &ImportId::parse("imp-1").unwrap(),
            &widest_plan(),
            input.clone(),
            ChunkLimits::default(),
        );
        let mut cut = 0;
        for chunk in &chunks {
            let json = chunk.to_json();
            assert!(json.len() <= MAX_CHUNK_BYTES, "{} bytes", json.len());
            assert_eq!(&ChunkMessage::from_json(&json).unwrap(), chunk);
            assert_json_as_serde(chunk);
            for row in &chunk.rows {
                assert!(row_json_len(row) <= MAX_ROW_BYTES);
                if let Some(marker) = &row.cut {
                    cut += 1;
                    assert!(marker.bytes > MAX_ROW_BYTES || !marker.long_cells.is_empty());
                    assert!(row.row.cells.len() <= MAX_COLUMNS);
                    // The short cells travel whole.
                    for (column, cell) in row.row.cells.iter().enumerate() {
                        if !marker.cut_columns.contains(&column) {
                            assert_eq!(
                                Some(cell),
                                input
                                    .iter()
                                    .find(|r| r.row.number == row.row.number)
                                    .unwrap()
                                    .row
                                    .cells
                                    .get(column)
                            );
                        }
                    }
                }
            }
        }
        assert_eq!(cut, 5);
        // Every row still travels, in order.
        let numbers: Vec<u32> = chunks
            .iter()
            .flat_map(|c| c.rows.iter().map(|r| r.row.number.0))
            .collect();
        let expected: Vec<u32> = input.iter().map(|r| r.row.number.0).collect();
        assert_eq!(numbers, expected);
    }

    #[test]
    fn cut_rows_say_what_they_were() {
        let [one_long, together, _, separators, widths] =
            <[Vec<String>; 5]>::try_from(hostile_rows()).unwrap();
        let fit = |cells: Vec<String>| {
            fit_row(ChunkRow::new(SourceRow {
                number: RowNumber(2),
                cells: cells.into_iter().collect(),
            }))
        };
        let row = fit(one_long);
        let cut = row.cut.unwrap();
        assert_eq!((cut.cells, cut.long_cells.clone()), (4, vec![(1, 300_000)]));
        assert_eq!(cut.cut_columns, [1]);
        assert_eq!(row.row.cells.get(2), Some("Ann"));
        assert!(row.row.cells.get(1).unwrap().len() > 30_000);

        let row = fit(together);
        let cut = row.cut.unwrap();
        assert!(cut.long_cells.is_empty() && cut.bytes > MAX_ROW_BYTES);
        assert_eq!(row.row.cells.get(2), Some("Ann"));

        let row = fit(separators);
        assert_eq!(row.cut.unwrap().cells, 100_000);
        assert_eq!(row.row.cells.len(), MAX_COLUMNS);

        let row = fit(widths);
        assert_eq!(row.cut.as_ref().unwrap().long_cells.len(), 3);
        assert!(row_json_len(&row) <= MAX_ROW_BYTES);

        // A row within every limit travels as it is.
        let within = rows(1).remove(0);
        assert_eq!(fit_row(within.clone()), within);
    }

    #[test]
    fn no_rows_make_no_chunks() {
        assert!(chunks_of("c", "i", Vec::new(), ChunkLimits::default()).is_empty());
    }

    #[test]
    fn a_zero_row_limit_still_makes_progress() {
        let limits = ChunkLimits {
            max_bytes: 0,
            max_rows: 0,
        };
        let chunks = chunks_of("c", "i", rows(3), limits);
        assert_eq!(chunks.len(), 3);
        assert!(chunks
            .iter()
            .all(|c| c.rows.len() == 1 && c.chunk_count == 3));
    }

    #[test]
    fn messages_round_trip_through_json() {
        let chunks = chunks_of(
            "c1",
            "imp-1",
            rows(40),
            ChunkLimits {
                max_bytes: 3_000,
                max_rows: 250,
            },
        );
        assert!(chunks.len() > 1);
        for chunk in &chunks {
            let json = serde_json::to_string(chunk).unwrap();
            let back: ChunkMessage = serde_json::from_str(&json).unwrap();
            assert_eq!(&back, chunk);
        }
        let json = serde_json::to_value(&chunks[0]).unwrap();
        assert_eq!(
            json["rows"][0],
            serde_json::json!({"number": 2, "cells": ["user2@clinic.org", ""]})
        );
        assert_eq!(json["rows"][6]["number"], 14);
        assert_eq!(json["rows"][6]["duplicate_of"], 2);
    }

    #[test]
    fn rows_read_the_json_they_always_had() {
        let json = r#"{"number":9,"cells":["a","b\"c"],"duplicate_of":2}"#;
        let row: ChunkRow = serde_json::from_str(json).unwrap();
        assert_eq!(row.row.number, RowNumber(9));
        assert_eq!(row.row.cells, Cells::from(["a", "b\"c"]));
        assert_eq!(row.duplicate_of, Some(RowNumber(2)));
        assert_eq!(serde_json::to_string(&row).unwrap(), json);
        let plain: ChunkRow =
            serde_json::from_str(r#"{"cells":[],"later":true,"number":3}"#).unwrap();
        assert_eq!(plain.duplicate_of, None);
        assert_eq!(
            serde_json::to_string(&plain).unwrap(),
            r#"{"number":3,"cells":[]}"#
        );
        assert!(serde_json::from_str::<ChunkRow>(r#"{"number":3}"#).is_err());
    }

    #[test]
    fn measured_row_length_equals_serialized_length() {
        let mut all_bytes = String::new();
        for b in 0u8..0x80 {
            all_bytes.push(char::from(b));
        }
        for (number, text, duplicate) in [
            (0, "", None),
            (9, "a \"quoted\" é\n\\ \u{1}\u{7f}", Some(RowNumber(2))),
            (u32::MAX, all_bytes.as_str(), Some(RowNumber(u32::MAX))),
            (10, "日本語 \u{2028}", None),
        ] {
            let mut r = row(number, text);
            r.duplicate_of = duplicate;
            assert_eq!(row_json_len(&r), serde_json::to_string(&r).unwrap().len());
        }
        let empty = ChunkRow {
            row: SourceRow {
                number: RowNumber(3),
                cells: Cells::default(),
            },
            duplicate_of: None,
            cut: None,
        };
        assert_eq!(
            row_json_len(&empty),
            serde_json::to_string(&empty).unwrap().len()
        );
    }

    #[test]
    fn measured_length_equals_serialized_length() {
        let r = row(9, "a \"quoted\" é\n");
        assert_eq!(json_len(&r), serde_json::to_string(&r).unwrap().len());
    }

    fn message(rows: Vec<ChunkRow>) -> ChunkMessage {
        ChunkMessage {
            company_id: CompanyId::parse("c\"1").unwrap(),
            import_id: ImportId::parse("imp-1").unwrap(),
            chunk_index: 3,
            chunk_count: 7,
            plan: plan(),
            rows,
        }
    }

    fn assert_json_as_serde(message: &ChunkMessage) {
        let json = message.to_json();
        assert_eq!(json, serde_json::to_string(message).unwrap());
        assert_eq!(&ChunkMessage::from_json(&json).unwrap(), message);
    }

    #[test]
    fn to_json_equals_serde_json() {
        for limits in [
            ChunkLimits::default(),
            ChunkLimits {
                max_bytes: 3_000,
                max_rows: 250,
            },
        ] {
            for chunk in chunks_of("c1", "imp-1", rows(300), limits) {
                assert_json_as_serde(&chunk);
            }
        }

        let mut ascii = String::new();
        for b in 0u8..0x80 {
            ascii.push(char::from(b));
        }
        let one_per_cell: Cells = ascii.chars().map(String::from).collect();
        let texts = [
            "",
            ascii.as_str(),
            "é日本語 \u{2028}\u{2029}\u{feff}\u{10ffff}\u{7f}\u{80}\u{9f}",
            "\"\"\\\n\u{0}ab\u{1f}",
            "\"x\"",
            "plain",
        ];
        let mut all = Vec::new();
        for (i, text) in texts.iter().enumerate() {
            for (number, duplicate) in [
                (0, None),
                (u32::MAX, Some(RowNumber(u32::MAX))),
                (10, Some(RowNumber(9))),
            ] {
                let mut r = row(number, text);
                r.duplicate_of = duplicate;
                // A lone row, and rows that escape beside rows that do not.
                assert_json_as_serde(&message(vec![r.clone()]));
                all.push(r);
                all.push(row(i as u32, "plain"));
            }
        }
        all.push(ChunkRow {
            row: SourceRow {
                number: RowNumber(1),
                cells: one_per_cell,
            },
            duplicate_of: None,
            cut: None,
        });
        all.push(ChunkRow {
            row: SourceRow {
                number: RowNumber(u32::MAX),
                cells: Cells::from(["", "", ""]),
            },
            duplicate_of: Some(RowNumber(0)),
            cut: None,
        });
        all.push(ChunkRow {
            row: SourceRow {
                number: RowNumber(5),
                cells: Cells::default(),
            },
            duplicate_of: None,
            cut: None,
        });
        assert_json_as_serde(&message(all));
        assert_json_as_serde(&message(Vec::new()));
        let mut widest = message(rows(3));
        widest.chunk_index = u32::MAX;
        widest.chunk_count = u32::MAX;
        assert_json_as_serde(&widest);
    }

    #[test]
    fn rows_read_from_one_file_write_as_serde_json_does() {
        // Parsed rows share one buffer: a short cell is read with the
        // bytes of the cells and rows after it, up to the buffer's end.
        let text = "a,b,c\n\
                    ab,\"x,y\",é\n\
                    ,,\n\
                    \"q\"\"uote\",\"multi\nline\",a cell of more than sixteen bytes\n\
                    1,2,\"tab\there\"\n\
                    z,,\n";
        let table = crate::table::parse(text, crate::dialect::Delimiter::Comma).unwrap();
        let rows: Vec<ChunkRow> = table
            .rows
            .into_iter()
            .map(|row| ChunkRow {
                row,
                duplicate_of: None,
                cut: None,
            })
            .collect();
        // The row of empty cells is blank, and skipped.
        assert_eq!(rows.len(), 4);
        assert_json_as_serde(&message(rows.clone()));
        for row in rows {
            assert_json_as_serde(&message(vec![row]));
        }
    }

    #[test]
    fn messages_whose_ids_could_forge_a_key_are_refused() {
        let json = message(rows(2)).to_json();
        assert!(ChunkMessage::from_json(&json).is_ok());
        for (from, to) in [(r#""imp-1""#, r#""imp-1#META""#), (r#""c\"1""#, r#""c/1""#)] {
            assert!(json.contains(from));
            let forged = json.replacen(from, to, 1);
            let err = ChunkMessage::from_json(&forged).unwrap_err().to_string();
            assert!(err.contains("not a valid id"), "{err}");
        }
    }

    #[test]
    fn to_json_writes_every_escape_as_serde_json_does() {
        for b in 0u8..0x80 {
            let text = format!("a{}b", char::from(b));
            let json = message(vec![row(2, &text)]).to_json();
            let cell = serde_json::to_string(&text).unwrap();
            assert!(json.contains(&format!(",{cell}]")), "{b:#04x}: {json}");
        }
        let json = message(vec![row(2, "\u{1}\u{1f}\u{8}\u{c}")]).to_json();
        assert!(json.contains(r#""\u0001\u001f\b\f""#), "{json}");
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(48))]
            #[test]
            fn any_rows_are_chunked_within_bounds_in_order(
                texts in prop::collection::vec("\\PC{0,300}", 0..60),
                max_bytes in 0usize..3_000,
                max_rows in 0usize..20,
            ) {
                let input: Vec<ChunkRow> = texts
                    .iter()
                    .enumerate()
                    .map(|(i, t)| row(i as u32 + 2, t))
                    .collect();
                let limits = ChunkLimits { max_bytes, max_rows };
                let chunks = chunks_of("c", "i", input.clone(), limits);
                prop_assert_eq!(chunks.is_empty(), input.is_empty());
                for (i, chunk) in chunks.iter().enumerate() {
                    let len = serde_json::to_string(chunk).unwrap().len();
                    prop_assert!(len <= max_bytes || chunk.rows.len() == 1);
                    prop_assert!(chunk.rows.len() <= max_rows.max(1));
                    prop_assert_eq!(chunk.chunk_index as usize, i);
                    prop_assert_eq!(chunk.chunk_count as usize, chunks.len());
                }
                let back: Vec<ChunkRow> = chunks.into_iter().flat_map(|c| c.rows).collect();
                prop_assert_eq!(back, input);
            }

            #[test]
            fn any_row_is_fitted_within_the_row_limits(
                cells in prop::collection::vec(
                    (prop::sample::select(vec!["a", "\"", "\u{1}", "é", "日", "😀", " "]), 0usize..40_000),
                    0..6,
                ),
                blanks in 0usize..700,
            ) {
                let mut all: Vec<String> = cells.iter().map(|(c, n)| c.repeat(*n)).collect();
                all.extend(std::iter::repeat_n(String::new(), blanks));
                let row = ChunkRow::new(SourceRow {
                    number: RowNumber(2),
                    cells: all.iter().collect(),
                });
                let fitted = fit_row(row.clone());
                prop_assert!(row_json_len(&fitted) <= MAX_ROW_BYTES);
                prop_assert!(fitted.row.cells.len() <= MAX_COLUMNS);
                prop_assert!(fitted.row.cells.iter().all(|c| c.chars().count() <= MAX_CELL_CHARS));
                prop_assert_eq!(
                    row_json_len(&fitted),
                    serde_json::to_string(&fitted).unwrap().len()
                );
                match &fitted.cut {
                    None => prop_assert_eq!(&fitted, &row),
                    Some(cut) => {
                        prop_assert_eq!(cut.cells, all.len());
                        prop_assert!(cut.bytes > MAX_ROW_BYTES || all.len() > MAX_COLUMNS || !cut.long_cells.is_empty());
                        // Cells that were not cut are the row's own.
                        for (column, cell) in fitted.row.cells.iter().enumerate() {
                            if !cut.cut_columns.contains(&column) {
                                prop_assert_eq!(cell, all[column].as_str());
                            }
                        }
                    }
                }
                let message = message(vec![fitted]);
                prop_assert_eq!(message.to_json(), serde_json::to_string(&message).unwrap());
            }

            #[test]
            fn to_json_equals_serde_json_for_any_cells(
                rows in prop::collection::vec(
                    (
                        any::<u32>(),
                        prop::collection::vec(
                            prop_oneof!["\\PC{0,300}", "[\\x00-\\x7f]{0,100}"],
                            0..8,
                        ),
                        any::<Option<u32>>(),
                    ),
                    0..20,
                ),
            ) {
                let rows: Vec<ChunkRow> = rows
                    .into_iter()
                    .map(|(number, cells, duplicate)| ChunkRow {
                        row: SourceRow {
                            number: RowNumber(number),
                            cells: cells.into_iter().collect(),
                        },
                        duplicate_of: duplicate.map(RowNumber),
                        cut: None,
                    })
                    .collect();
                let message = message(rows);
                let json = message.to_json();
                prop_assert_eq!(&json, &serde_json::to_string(&message).unwrap());
                prop_assert_eq!(ChunkMessage::from_json(&json).unwrap(), message);
            }
        }
    }
}
