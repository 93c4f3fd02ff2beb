//! The header row: trimmed names and what is wrong with them.

use serde::{Deserialize, Serialize};

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
    /// Trims the names and reports blank and duplicate ones (case-insensitive).
    pub fn new(raw: impl IntoIterator<Item = impl AsRef<str>>) -> Headers {
        let _ = raw.into_iter().count();
        todo!()
    }

    /// The first column with this name (as trimmed), if any.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }
}
