//! Chunks: rows grouped into queue messages bounded by size and count.
//!
//! [`ChunkMessage`] is the one message type the splitter sends and the row
//! processor reads, defined once here so the two cannot drift apart.

use crate::plan::ImportPlan;
use crate::row::{RowNumber, SourceRow};
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

/// A row as it travels to a processor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkRow {
    #[serde(flatten)]
    pub row: SourceRow,
    /// Set when an earlier row of the file has the same key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<RowNumber>,
}

/// One SQS message: a slice of one import's rows and the plan to check them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkMessage {
    pub company_id: String,
    pub import_id: String,
    pub chunk_index: u32,
    pub chunk_count: u32,
    pub plan: ImportPlan,
    pub rows: Vec<ChunkRow>,
}

/// Splits rows into messages whose JSON stays within `limits`.
/// A single row larger than the byte limit still gets a chunk of its own.
pub fn chunk_rows(
    company_id: &str,
    import_id: &str,
    plan: &ImportPlan,
    rows: Vec<ChunkRow>,
    limits: ChunkLimits,
) -> Vec<ChunkMessage> {
    let _ = (company_id, import_id, plan, rows, limits);
    todo!()
}
