//! The splitter's half of the engine: from bytes to an analysis, and from an
//! analysis and a mapping to chunks.

use crate::catalog::Entity;
use crate::chunk::{ChunkLimits, ChunkMessage};
use crate::decode::{DecodeWarning, TextEncoding};
use crate::dialect::Delimiter;
use crate::file_error::FileError;
use crate::headers::Headers;
use crate::mapping::{Mapping, Suggestion};
use crate::row::SourceRow;
use crate::table::Table;
use crate::template::ImportSettings;
use serde::{Deserialize, Serialize};

/// How many rows an analysis shows the admin.
pub const SAMPLE_ROWS: usize = 5;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "format", rename_all = "snake_case")]
pub enum FileFormat {
    Csv {
        encoding: TextEncoding,
        delimiter: Delimiter,
    },
    Xlsx,
}

/// What the admin sees before mapping: enough to map and to trust the read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    pub format: FileFormat,
    pub headers: Headers,
    pub row_count: usize,
    pub sample_rows: Vec<SourceRow>,
    pub suggestions: Vec<Suggestion>,
    pub warnings: Vec<DecodeWarning>,
}

/// Reads a CSV (any supported encoding and dialect) or XLSX file.
/// Rejects files over [`crate::file_error::MAX_FILE_BYTES`], empty, binary,
/// or without data rows.
pub fn read_file(bytes: &[u8]) -> Result<(Table, FileFormat, Vec<DecodeWarning>), FileError> {
    let _ = bytes;
    todo!()
}

/// Reads and analyzes a file for `entity`.
pub fn analyze(entity: Entity, bytes: &[u8]) -> Result<(Analysis, Table), FileError> {
    let _ = (entity, bytes);
    todo!()
}

/// Plans the import (mandatory columns, column profile, duplicate keys) and
/// cuts the rows into messages.
pub fn split(
    company_id: &str,
    import_id: &str,
    entity: Entity,
    table: Table,
    mapping: &Mapping,
    settings: ImportSettings,
    limits: ChunkLimits,
) -> Result<Vec<ChunkMessage>, FileError> {
    let _ = (
        company_id, import_id, entity, table, mapping, settings, limits,
    );
    todo!()
}
