//! The row processor: validate a chunk's rows, upsert them, log every row,
//! count the chunk exactly once, finish the import when it is the last.

use crate::deps::Deps;
use crate::error::StoreError;
use crate::imports::{ChunkLog, FailedRowLog, Tally};
use crate::model::ImportStatus;
use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use dic_core::chunk::ChunkMessage;
use dic_core::upsert::{decide, Decision, Origin};
use dic_core::validate::{RowError, RowOutcome, Validator};
use futures::future::join_all;
use std::collections::HashMap;
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
    if !still_in_progress(chunk, deps).await? {
        return Ok(());
    }
    if !deps
        .imports
        .chunk_counted(company, import, chunk.chunk_index)
        .await?
    {
        let tally = apply_chunk(chunk, deps).await?;
        deps.imports
            .count_chunk_once(company, import, chunk.chunk_index, tally)
            .await?;
    }
    if let Some(status) = deps.imports.finish_if_done(company, import).await? {
        info!(status = status.as_str(), "import finished");
    }
    Ok(())
}

/// Whether the chunk's import still takes chunks. A late delivery for an
/// import that failed or finished must change nothing: no record, no log,
/// no counter.
pub(crate) async fn still_in_progress(
    chunk: &ChunkMessage,
    deps: &Deps,
) -> Result<bool, StoreError> {
    let status = deps
        .imports
        .status(&chunk.company_id, &chunk.import_id)
        .await?;
    if status != Some(ImportStatus::InProgress) {
        info!(?status, "the import is not in progress; chunk dropped");
        return Ok(false);
    }
    Ok(true)
}

/// Validates and upserts a chunk's rows and writes their logs, without
/// counting. Safe to repeat: decisions recognise this import's own writes,
/// and logs are overwritten in place.
pub async fn apply_chunk(chunk: &ChunkMessage, deps: &Deps) -> Result<Tally, StoreError> {
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
    let stored = deps
        .records
        .get_many(&chunk.company_id, plan.entity, &keys)
        .await?;

    let mut tally = Tally::default();
    let mut log = ChunkLog {
        chunk_index: chunk.chunk_index,
        ..ChunkLog::default()
    };
    let mut writes = HashMap::new();
    for (row, record, warnings) in valid {
        let origin = Origin {
            import_id: chunk.import_id.clone(),
            row: row.row.number,
        };
        match decide(stored.get(&record.key), &record, &plan.settings, &origin) {
            Decision::Apply { result, write } => {
                tally.add(result);
                let rows = match result {
                    dic_core::upsert::RowResult::Created => &mut log.created,
                    dic_core::upsert::RowResult::Updated => &mut log.updated,
                    dic_core::upsert::RowResult::Unchanged => &mut log.unchanged,
                };
                rows.push(row.row.number.0);
                log.warnings
                    .extend(warnings.into_iter().map(|w| (row.row.number.0, w)));
                if let Some(write) = write {
                    writes.insert(record.key, write);
                }
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
    tally.failed = failed.len() as u64;
    failed.sort_by_key(|f| f.row);
    // Records and row logs are different items: written at the same time,
    // both before the chunk is counted.
    futures::try_join!(
        deps.records
            .put_many(&chunk.company_id, plan.entity, writes.into_iter().collect()),
        deps.imports
            .write_row_logs(&chunk.company_id, &chunk.import_id, &failed, &log),
    )?;
    Ok(tally)
}
