//! The header row: trimmed names and what is wrong with them.

use serde::{Deserialize, Serialize};
use std::collections::hash_map::{Entry, HashMap};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Headers {
    /// Trimmed header names, one per column, in file order.
    pub names: Vec<String>,
    pub problems: Vec<HeaderProblem>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum HeaderProblem {
    /// A column without a name; its cells cannot be mapped.
    BlankHeader { column: usize },
    /// The same name twice: only the first column can be mapped by name.
    DuplicateHeader { name: String, columns: Vec<usize> },
}

impl Headers {
    /// Trims the names and reports blank and duplicate ones (case-insensitive):
    /// blanks first, then duplicates in order of their first column.
    ///
    /// ```
    /// use dic_core::headers::{HeaderProblem, Headers};
    /// let h = Headers::new([" Email ", "", "EMAIL"]);
    /// assert_eq!(h.names, ["Email", "", "EMAIL"]);
    /// assert_eq!(h.problems, [
    ///     HeaderProblem::BlankHeader { column: 1 },
    ///     HeaderProblem::DuplicateHeader { name: "Email".into(), columns: vec![0, 2] },
    /// ]);
    /// ```
    pub fn new(raw: impl IntoIterator<Item = impl AsRef<str>>) -> Headers {
        let names: Vec<String> = raw
            .into_iter()
            .map(|name| name.as_ref().trim().to_string())
            .collect();
        // Columns per case-folded name, in order of first appearance; a map
        // keeps this linear for files with thousands of columns.
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut groups: Vec<Vec<usize>> = Vec::new();
        let mut problems = Vec::new();
        for (column, name) in names.iter().enumerate() {
            if name.is_empty() {
                problems.push(HeaderProblem::BlankHeader { column });
                continue;
            }
            match seen.entry(name.to_lowercase()) {
                Entry::Occupied(group) => groups[*group.get()].push(column),
                Entry::Vacant(slot) => {
                    slot.insert(groups.len());
                    groups.push(vec![column]);
                }
            }
        }
        for columns in groups.into_iter().filter(|c| c.len() > 1) {
            problems.push(HeaderProblem::DuplicateHeader {
                name: names[columns[0]].clone(),
                columns,
            });
        }
        Headers { names, problems }
    }

    /// The first column with this name (as trimmed), if any.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_clean_headers_have_no_problems() {
        let h = Headers::new([" First Name ", "\tEmail", "Status"]);
        assert_eq!(h.names, vec!["First Name", "Email", "Status"]);
        assert!(h.problems.is_empty());
        assert_eq!(h.position("Email"), Some(1));
    }

    #[test]
    fn blank_headers_are_reported_by_column() {
        let h = Headers::new(["Email", "  ", "", "Name"]);
        assert_eq!(h.names, vec!["Email", "", "", "Name"]);
        assert_eq!(
            h.problems,
            vec![
                HeaderProblem::BlankHeader { column: 1 },
                HeaderProblem::BlankHeader { column: 2 },
            ]
        );
    }

    #[test]
    fn duplicates_are_found_case_insensitively_once_per_name() {
        let h = Headers::new(["Email", "Name", "EMAIL ", "name", "email", "Zip"]);
        assert_eq!(
            h.problems,
            vec![
                HeaderProblem::DuplicateHeader {
                    name: "Email".to_string(),
                    columns: vec![0, 2, 4],
                },
                HeaderProblem::DuplicateHeader {
                    name: "Name".to_string(),
                    columns: vec![1, 3],
                },
            ]
        );
        assert_eq!(h.position("Email"), Some(0));
    }

    #[test]
    fn empty_header_list_is_fine() {
        let h = Headers::new(Vec::<String>::new());
        assert!(h.names.is_empty());
        assert!(h.problems.is_empty());
    }
}
