//! The row processor: validate a chunk's rows, upsert them, log every row,
//! count the chunk exactly once, finish the import when it is the last.

use crate::deps::Deps;
use crate::error::StoreError;
use crate::imports::{ChunkCount, ChunkLog, ChunkState, Counter, FailedRowLog, Tally};
use crate::model::ImportStatus;
use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use dic_core::chunk::ChunkMessage;
use dic_core::upsert::{decide, Decision, Origin, RowResult};
use dic_core::validate::{RowError, RowOutcome, Validator};
use futures::future::join_all;
use tracing::{error, info, instrument};

/// Processes an SQS batch. Messages are parsed one by one rather than as a
/// typed batch, so that one malformed message fails alone; every failure is
/// reported per message and retried by SQS, then dead-lettered.
pub async fn process_chunk_batch(event: SqsEvent, deps: &Deps) -> SqsBatchResponse {
    let results = join_all(
        event
            .records
            .iter()
            .map(|message| process_message(message, deps)),
    )
    .await;
    let batch_item_failures = event
        .records
        .iter()
        .zip(results)
        .filter(|(_, ok)| !ok)
        .map(|(message, _)| failed_item(message))
        .collect();
    SqsBatchResponse {
        batch_item_failures,
    }
}

/// Reports a message as failed, for SQS to deliver again (or dead-letter).
pub(crate) fn failed_item(message: &SqsMessage) -> BatchItemFailure {
    BatchItemFailure {
        item_identifier: message.message_id.clone().unwrap_or_default(),
    }
}

async fn process_message(message: &SqsMessage, deps: &Deps) -> bool {
    let chunk = match ChunkMessage::from_json(message.body.as_deref().unwrap_or("")) {
        Ok(chunk) => chunk,
        Err(err) => {
            error!(message_id = ?message.message_id, %err, "not a chunk message");
            return false;
        }
    };
    match process_chunk(&chunk, deps).await {
        Ok(()) => true,
        Err(err) => {
            error!(import_id = %chunk.import_id, chunk = chunk.chunk_index, %err, "chunk failed; SQS will retry it");
            false
        }
    }
}

/// Applies and counts a chunk; a chunk counted before is only checked for
/// the import's end (its worker may have died right after counting).
#[instrument(skip_all, fields(import_id = %chunk.import_id, chunk = chunk.chunk_index))]
pub async fn process_chunk(chunk: &ChunkMessage, deps: &Deps) -> Result<(), StoreError> {
    let (company, import) = (&chunk.company_id, &chunk.import_id);
    let state = deps
        .ledger
        .chunk_state(company, import, chunk.chunk_index)
        .await?;
    if !in_progress(&state) {
        return Ok(());
    }
    if state.counted_by.is_none() {
        let applied = apply_chunk(chunk, deps).await?;
        deps.ledger
            .count_chunk_once(
                company,
                import,
                &ChunkCount {
                    chunk_index: chunk.chunk_index,
                    tally: applied.tally,
                    by: Counter::Processor,
                    log: Some(&applied.log),
                },
            )
            .await?;
    }
    if let Some(status) = deps.ledger.finish_if_done(company, import).await? {
        info!(status = status.as_str(), "import finished");
    }
    Ok(())
}

/// Whether the chunk's import still takes chunks. A late delivery for an
/// import that failed or finished must change nothing: no record, no log,
/// no counter.
pub(crate) fn in_progress(state: &ChunkState) -> bool {
    if state.status != Some(ImportStatus::InProgress) {
        info!(status = ?state.status, "the import is not in progress; chunk dropped");
        return false;
    }
    true
}

/// A chunk applied but not yet counted: what its count commits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppliedChunk {
    pub tally: Tally,
    /// The log of its successful rows, written with the count.
    pub log: ChunkLog,
}

/// Validates and upserts a chunk's rows and writes its failed rows' logs,
/// without counting. Safe to repeat: decisions recognise this import's own
/// writes, and logs are overwritten in place.
pub async fn apply_chunk(chunk: &ChunkMessage, deps: &Deps) -> Result<AppliedChunk, StoreError> {
    let plan = &chunk.plan;
    let validator = Validator::new(plan);
    let mut failed: Vec<FailedRowLog> = Vec::new();
    let mut valid = Vec::with_capacity(chunk.rows.len());
    for row in &chunk.rows {
        match validator.validate_chunk_row(row) {
            RowOutcome::Valid { record, warnings } => valid.push((row, record, warnings)),
            RowOutcome::Invalid { errors, warnings } => failed.push(FailedRowLog {
                row: row.row.number,
                chunk_index: chunk.chunk_index,
                cells: row.row.cells.clone(),
                errors,
                warnings,
            }),
        }
    }
    let keys: Vec<&str> = valid
        .iter()
        .map(|(_, record, _)| record.key.as_str())
        .collect();
    let decisions = deps
        .records
        .upsert(&chunk.company_id, plan.entity, &keys, |i, stored| {
            let (row, record, _) = &valid[i];
            let origin = Origin {
                import_id: chunk.import_id.to_string(),
                row: row.row.number,
            };
            decide(stored, record, &plan.settings, &origin)
        })
        .await?;

    let mut log = ChunkLog {
        chunk_index: chunk.chunk_index,
        ..ChunkLog::default()
    };
    for ((row, _, warnings), decision) in valid.into_iter().zip(decisions) {
        match decision {
            Decision::Apply { result, .. } => {
                let rows = match result {
                    RowResult::Created => &mut log.created,
                    RowResult::Updated => &mut log.updated,
                    RowResult::Unchanged => &mut log.unchanged,
                };
                rows.push(row.row.number.0);
                log.warnings
                    .extend(warnings.into_iter().map(|w| (row.row.number.0, w)));
            }
            Decision::Reject { code, message } => failed.push(FailedRowLog {
                row: row.row.number,
                chunk_index: chunk.chunk_index,
                cells: row.row.cells.clone(),
                errors: vec![RowError::for_row(code, String::new(), message)],
                warnings,
            }),
        }
    }
    let tally = log.tally(failed.len());
    failed.sort_by_key(|f| f.row);
    let overflow = log.spill_warnings();
    if !failed.is_empty() || !overflow.is_empty() {
        deps.logs
            .write_row_logs(&chunk.company_id, &chunk.import_id, &failed, &overflow)
            .await?;
    }
    Ok(AppliedChunk { tally, log })
}
