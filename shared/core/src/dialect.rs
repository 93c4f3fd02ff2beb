//! Which delimiter a CSV file uses.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Delimiter {
    Comma,
    Semicolon,
    Tab,
    Pipe,
}

impl Delimiter {
    pub fn byte(self) -> u8 {
        match self {
            Delimiter::Comma => b',',
            Delimiter::Semicolon => b';',
            Delimiter::Tab => b'\t',
            Delimiter::Pipe => b'|',
        }
    }
}

/// The candidates in order of preference: a tie goes to the earlier one.
const CANDIDATES: [Delimiter; 4] = [
    Delimiter::Comma,
    Delimiter::Semicolon,
    Delimiter::Tab,
    Delimiter::Pipe,
];

/// How many non-blank records the sniffer looks at.
const SAMPLE_RECORDS: usize = 50;

/// Guesses the delimiter from the first lines, ignoring quoted text.
///
/// Each candidate is counted per record (quotes respected, so a quoted field
/// may hold delimiters and line breaks); the winner is the one whose most
/// common non-zero count is shared by the most records. No evidence, or a
/// full tie, means comma.
///
/// ```
/// use dic_core::dialect::{sniff, Delimiter};
/// assert_eq!(sniff("name;amount\nSmith;\"1,5\"\nJones;2,25\n"), Delimiter::Semicolon);
/// ```
pub fn sniff(text: &str) -> Delimiter {
    let counts = count_per_record(text.as_bytes());
    let mut best = Delimiter::Comma;
    let mut best_score = (0usize, 0usize);
    for (k, delimiter) in CANDIDATES.iter().enumerate() {
        let score = consistency(counts.iter().map(|c| c[k]));
        if score > best_score {
            best = *delimiter;
            best_score = score;
        }
    }
    best
}

/// For a series of per-record counts: how many records share the most
/// common non-zero count, and that count (more fields wins a tie).
fn consistency(counts: impl Iterator<Item = u32> + Clone) -> (usize, usize) {
    let mut best = (0usize, 0usize);
    for candidate in counts.clone() {
        if candidate == 0 {
            continue;
        }
        let same = counts.clone().filter(|&c| c == candidate).count();
        best = best.max((same, candidate as usize));
    }
    best
}

/// Counts each candidate per record in the first non-blank records, outside
/// quotes. A quote opens a quoted field only at the start of a field (after
/// a line break or any candidate delimiter); inside, `""` is a literal quote.
fn count_per_record(bytes: &[u8]) -> Vec<[u32; 4]> {
    let mut records = Vec::new();
    let mut current = [0u32; 4];
    let mut non_blank = false;
    let mut in_quotes = false;
    let mut field_start = true;
    let mut i = 0;
    while i < bytes.len() && records.len() < SAMPLE_RECORDS {
        let b = bytes[i];
        i += 1;
        if in_quotes {
            if b == b'"' {
                if bytes.get(i) == Some(&b'"') {
                    i += 1;
                } else {
                    in_quotes = false;
                }
            }
            continue;
        }
        match b {
            b'\n' | b'\r' => {
                if non_blank {
                    records.push(current);
                }
                current = [0; 4];
                non_blank = false;
                field_start = true;
            }
            b'"' if field_start => {
                in_quotes = true;
                non_blank = true;
                field_start = false;
            }
            _ => {
                if let Some(k) = CANDIDATES.iter().position(|d| d.byte() == b) {
                    current[k] += 1;
                    field_start = true;
                } else {
                    field_start = false;
                }
                if !b.is_ascii_whitespace() {
                    non_blank = true;
                }
            }
        }
    }
    if non_blank && records.len() < SAMPLE_RECORDS {
        records.push(current);
    }
    records
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_delimiter_is_found() {
        assert_eq!(sniff("a,b,c\n1,2,3\n"), Delimiter::Comma);
        assert_eq!(sniff("a;b;c\n1;2;3\n"), Delimiter::Semicolon);
        assert_eq!(sniff("a\tb\tc\n1\t2\t3\n"), Delimiter::Tab);
        assert_eq!(sniff("a|b|c\n1|2|3\n"), Delimiter::Pipe);
    }

    #[test]
    fn header_only_file_is_sniffed() {
        assert_eq!(sniff("first;last;email"), Delimiter::Semicolon);
        assert_eq!(sniff("first\tlast\temail\r\n"), Delimiter::Tab);
    }

    #[test]
    fn no_evidence_and_ties_mean_comma() {
        assert_eq!(sniff("email\nann@example.com\n"), Delimiter::Comma);
        assert_eq!(sniff(""), Delimiter::Comma);
        assert_eq!(sniff("a,b;c\n1,2;3\n"), Delimiter::Comma);
    }

    #[test]
    fn delimiters_inside_quotes_do_not_count() {
        let text = "name;note\n\"Smith, John\";\"a, b, c\"\n\"Doe, Jane\";x\n";
        assert_eq!(sniff(text), Delimiter::Semicolon);
        let text = "name|note\n\"a;b;c;d\"|\"x;y\"\n\"e;f\"|\"\"\"q;\"\"\"\n";
        assert_eq!(sniff(text), Delimiter::Pipe);
    }

    #[test]
    fn quoted_newlines_do_not_split_records() {
        // Without quote handling the second line would show no semicolons.
        let text = "a;b\n\"line one\nline, two, three\";x\n\"p\nq, r\";y\n";
        assert_eq!(sniff(text), Delimiter::Semicolon);
    }

    #[test]
    fn the_most_consistent_delimiter_wins() {
        // Decimal commas vary per row; the semicolon is always one.
        let text = "name;amount\nSmith;1,5\nJones;2\nLee;3,25\nKim;4\n";
        assert_eq!(sniff(text), Delimiter::Semicolon);
        // Commas in free text do not beat a steady tab.
        let text = "name\tnote\nAnn\tyes, no, maybe\nBob\tok\nCy\tfine\n";
        assert_eq!(sniff(text), Delimiter::Tab);
    }

    #[test]
    fn crlf_cr_and_blank_lines_are_handled() {
        assert_eq!(sniff("a|b\r\n\r\n1|2\r\n3|4\r\n"), Delimiter::Pipe);
        assert_eq!(sniff("a;b\r1;2\r\r3;4"), Delimiter::Semicolon);
        assert_eq!(sniff("\n\n  \na\tb\n1\t2\n"), Delimiter::Tab);
    }

    #[test]
    fn only_the_first_fifty_records_are_read() {
        let mut text = "a;b\n".repeat(50);
        text.push_str(&"a,b,c\n".repeat(200));
        assert_eq!(sniff(&text), Delimiter::Semicolon);
    }
}
