//! Chunks that exhausted their retries: their rows are counted as failed,
//! with a reason, so that the import still ends.

use crate::deps::Deps;
use crate::error::StoreError;
use crate::imports::{ChunkLog, FailedRowLog, Tally};
use crate::process::failed_item;
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use dic_core::chunk::ChunkMessage;
use dic_core::validate::{ErrorCode, RowError};
use tracing::{error, info, warn};

const DEAD_ROW_MESSAGE: &str = "this row could not be processed after several attempts; \
     import it again (the rows that did import are not affected)";

pub async fn count_dead_chunks(event: SqsEvent, deps: &Deps) -> SqsBatchResponse {
    let mut batch_item_failures = Vec::new();
    for message in &event.records {
        let Ok(chunk) = ChunkMessage::from_json(message.body.as_deref().unwrap_or("")) else {
            // Nothing to count it against: keeping it would only loop.
            error!(message_id = ?message.message_id, "dead letter is not a chunk message; dropped");
            continue;
        };
        if let Err(err) = count_dead_chunk(&chunk, deps).await {
            error!(import_id = %chunk.import_id, chunk = chunk.chunk_index, %err, "dead chunk not counted yet");
            batch_item_failures.push(failed_item(message));
        }
    }
    SqsBatchResponse {
        batch_item_failures,
    }
}

pub async fn count_dead_chunk(chunk: &ChunkMessage, deps: &Deps) -> Result<(), StoreError> {
    let (company, import) = (&chunk.company_id, &chunk.import_id);
    if !deps
        .imports
        .chunk_counted(company, import, chunk.chunk_index)
        .await?
    {
        warn!(import_id = %import, chunk = chunk.chunk_index, rows = chunk.rows.len(), "counting a dead chunk as failed rows");
        let failed: Vec<FailedRowLog> = chunk
            .rows
            .iter()
            .map(|row| FailedRowLog {
                row: row.row.number,
                chunk_index: chunk.chunk_index,
                cells: row.row.cells.clone(),
                errors: vec![RowError::for_row(
                    ErrorCode::ProcessingFailed,
                    String::new(),
                    DEAD_ROW_MESSAGE.to_string(),
                )],
                warnings: Vec::new(),
            })
            .collect();
        let log = ChunkLog {
            chunk_index: chunk.chunk_index,
            ..ChunkLog::default()
        };
        deps.imports
            .write_row_logs(company, import, &failed, &log)
            .await?;
        let tally = Tally {
            failed: failed.len() as u64,
            ..Tally::default()
        };
        deps.imports
            .count_chunk_once(company, import, chunk.chunk_index, tally)
            .await?;
    }
    if let Some(status) = deps.imports.finish_if_done(company, import).await? {
        info!(import_id = %import, status = status.as_str(), "import finished");
    }
    Ok(())
}
