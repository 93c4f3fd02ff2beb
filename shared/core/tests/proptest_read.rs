//! Properties of the read half of the engine: no input panics it, and what a
//! standard CSV writer produces reads back cell for cell.

use dic_core::decode::decode;
use dic_core::dialect::{sniff, Delimiter};
use dic_core::table::parse;
use dic_core::xlsx_in::read_xlsx;
use proptest::prelude::*;

const DELIMITERS: [Delimiter; 4] = [
    Delimiter::Comma,
    Delimiter::Semicolon,
    Delimiter::Tab,
    Delimiter::Pipe,
];

fn delimiter() -> impl Strategy<Value = Delimiter> {
    prop::sample::select(DELIMITERS.to_vec())
}

/// Cell text rich in what breaks CSV: every delimiter, quotes, all line
/// endings, spaces at the edges, non-ASCII letters.
fn cell() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(vec![
            'a', 'Z', '7', ' ', ',', ';', '\t', '|', '"', '\'', '\r', '\n', 'é', '€', '’', '-',
        ]),
        0..8,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

/// A row with at least one cell holding more than whitespace: the parser
/// skips rows that are blank.
fn row(max_cells: usize) -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(cell(), 1..max_cells).prop_filter("a row needs a visible cell", |cells| {
        cells.iter().any(|c| !c.trim().is_empty())
    })
}

fn terminator() -> impl Strategy<Value = csv::Terminator> {
    prop::sample::select(vec![
        csv::Terminator::Any(b'\n'),
        csv::Terminator::CRLF,
        csv::Terminator::Any(b'\r'),
    ])
}

fn write_csv(rows: &[Vec<String>], delimiter: Delimiter, terminator: csv::Terminator) -> String {
    let mut writer = csv::WriterBuilder::new()
        .delimiter(delimiter.byte())
        .terminator(terminator)
        .flexible(true)
        .from_writer(Vec::new());
    for row in rows {
        writer.write_record(row).unwrap();
    }
    String::from_utf8(writer.into_inner().unwrap()).unwrap()
}

fn small_workbook() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "Email").unwrap();
    sheet.write_string(0, 1, "Hired").unwrap();
    sheet.write_string(1, 0, "ann@example.com").unwrap();
    sheet.write_number(1, 1, 45356.0).unwrap();
    book.save_to_buffer().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        if let Ok(decoded) = decode(&bytes) {
            let delimiter = sniff(&decoded.text);
            let _ = parse(decoded.text, delimiter);
        }
        let _ = read_xlsx(&bytes);
        let mut zip = b"PK\x03\x04".to_vec();
        zip.extend_from_slice(&bytes);
        let _ = read_xlsx(&zip);
    }

    #[test]
    fn damaged_workbooks_never_panic(
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let mut bytes = small_workbook();
        for (at, value) in flips {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        // A damaged workbook may still read; it must only never panic.
        let _ = read_xlsx(&bytes);
    }

    #[test]
    fn csv_like_text_never_panics(
        text in prop::collection::vec(
            prop::sample::select(vec!["a", "\"", "\"\"", ",", ";", "\t", "|", "\r", "\n", "\r\n", " ", "é"]),
            0..64,
        ),
        delimiter in delimiter(),
    ) {
        let text: String = text.concat();
        let _ = sniff(&text);
        if let Ok(table) = parse(&text, delimiter) {
            // Numbers only grow: each row is below the next.
            for pair in table.rows.windows(2) {
                prop_assert!(pair[0].number < pair[1].number);
            }
        }
    }

    #[test]
    fn written_csv_reads_back_the_same(
        header in row(6),
        data in prop::collection::vec(row(6), 0..12),
        delimiter in delimiter(),
        terminator in terminator(),
    ) {
        let mut all = vec![header.clone()];
        all.extend(data.iter().cloned());
        let text = write_csv(&all, delimiter, terminator);

        let table = parse(&text, delimiter).unwrap();
        let trimmed: Vec<String> = header.iter().map(|h| h.trim().to_string()).collect();
        prop_assert_eq!(&table.headers.names, &trimmed);
        prop_assert_eq!(table.rows.len(), data.len());
        for (index, (read, written)) in table.rows.iter().zip(&data).enumerate() {
            let cells: Vec<&str> = read.cells.iter().collect();
            prop_assert_eq!(cells, written.iter().map(String::as_str).collect::<Vec<_>>());
            // One record is one spreadsheet row, whatever its cells hold.
            prop_assert_eq!(read.number.0 as usize, index + 2);
        }

        // The same through decode, as the splitter reads it.
        let decoded = decode(text.as_bytes()).unwrap();
        prop_assert_eq!(decoded.text.as_ref(), text.as_str());
    }
}
