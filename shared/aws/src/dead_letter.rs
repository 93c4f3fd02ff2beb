//! Dead letters of both queues, so that every import still ends: chunks
//! that exhausted their retries have their rows counted as failed, with a
//! reason; split requests that exhausted theirs end their import `Failed`.

use crate::deps::Deps;
use crate::error::StoreError;
use crate::imports::{ChunkCount, Counter, FailedRowLog, Tally};
use crate::keys::{route_event_key, ObjectRoute};
use crate::model::ImportSource;
use crate::process::{failed_item, in_progress};
use crate::split::{is_imports_upload, SplitWork, SPLIT_FAILED};
use aws_lambda_events::event::s3::S3EventRecord;
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use dic_core::chunk::ChunkMessage;
use dic_core::validate::{ErrorCode, RowError};
use tracing::{error, info, warn};

const DEAD_ROW_MESSAGE: &str = "this row could not be processed after several attempts; \
     import it again (the rows that did import are not affected)";

/// Why an import whose split was dead-lettered failed.
const SPLIT_FAILED_UPLOAD: &str = "the file could not be split after several attempts: \
     upload it again; if it fails again, contact support";
const SPLIT_FAILED_FEED: &str = "the file could not be split after several attempts: \
     drop it into the feed's folder again; if it fails again, contact support";

/// How much earlier than its S3 event an import of a feed file may have
/// been created, by another clock: the search for it starts this early.
const CLOCK_SKEW: chrono::Duration = chrono::Duration::minutes(15);

/// A dead letter, told apart by its body: chunk messages carry
/// `chunk_index`; the split queue carries S3 notifications (and S3's test
/// event) and the API's `{"company_id", "import_id"}` start requests, which
/// a chunk message would also pass for, so chunks are recognised first.
#[derive(Debug)]
pub enum DeadLetter {
    Chunk(Box<ChunkMessage>),
    Split(SplitWork),
}

impl DeadLetter {
    pub fn read(body: &str) -> Result<DeadLetter, serde_json::Error> {
        match ChunkMessage::from_json(body) {
            Ok(chunk) => Ok(DeadLetter::Chunk(Box::new(chunk))),
            Err(err) => {
                let value: serde_json::Value = serde_json::from_str(body)?;
                if value.get("chunk_index").is_some() {
                    // A chunk that does not read: never a split request.
                    return Err(err);
                }
                SplitWork::read(body).map(DeadLetter::Split)
            }
        }
    }
}

/// The dead-letter function's handler, for both dead-letter queues.
pub async fn count_dead_chunks(event: SqsEvent, deps: &Deps) -> SqsBatchResponse {
    let mut batch_item_failures = Vec::new();
    for message in &event.records {
        let result = match DeadLetter::read(message.body.as_deref().unwrap_or("")) {
            Ok(DeadLetter::Chunk(chunk)) => {
                count_dead_chunk(&chunk, deps).await.map_err(|err| {
                    error!(import_id = %chunk.import_id, chunk = chunk.chunk_index, %err, "dead chunk not counted yet");
                })
            }
            Ok(DeadLetter::Split(work)) => fail_dead_split(work, deps).await.map_err(|err| {
                error!(%err, "dead split not settled yet");
            }),
            Err(err) => {
                // Nothing to count it against: keeping it would only loop.
                error!(message_id = ?message.message_id, %err, "dead letter is neither a chunk nor a split request; dropped");
                continue;
            }
        };
        if result.is_err() {
            batch_item_failures.push(failed_item(message));
        }
    }
    SqsBatchResponse {
        batch_item_failures,
    }
}

/// Ends `Failed` the imports a dead split message named, unless they ended,
/// were split after all, or are being split (see
/// [`ImportStore::fail_unsplit`](crate::imports::ImportStore::fail_unsplit)).
pub async fn fail_dead_split(work: SplitWork, deps: &Deps) -> Result<(), StoreError> {
    match work {
        SplitWork::Nothing => Ok(()),
        SplitWork::Import(request) => {
            let (company_id, import_id) = (&request.company_id, &request.import_id);
            let Some(import) = deps.imports.get(company_id, import_id).await? else {
                return Ok(());
            };
            let reason = match import.source {
                ImportSource::Upload => SPLIT_FAILED_UPLOAD,
                ImportSource::Feed => SPLIT_FAILED_FEED,
            };
            let failed = deps
                .imports
                .fail_unsplit(company_id, import_id, SPLIT_FAILED, reason)
                .await?;
            log_dead_split(import_id, failed);
            Ok(())
        }
        SplitWork::Objects(event) => {
            for record in &event.records {
                fail_dead_object(record, deps).await?;
            }
            Ok(())
        }
    }
}

async fn fail_dead_object(record: &S3EventRecord, deps: &Deps) -> Result<(), StoreError> {
    let Some((key, route)) = record.s3.object.key.as_deref().and_then(route_event_key) else {
        warn!("dead S3 notification of an object outside uploads/ and feeds/; dropped");
        return Ok(());
    };
    match route {
        ObjectRoute::Upload {
            company_id,
            import_id,
            ..
        } => {
            if !is_imports_upload(deps, &company_id, &import_id, &key).await? {
                return Ok(());
            }
            let failed = deps
                .imports
                .fail_unsplit(&company_id, &import_id, SPLIT_FAILED, SPLIT_FAILED_UPLOAD)
                .await?;
            log_dead_split(&import_id, failed);
        }
        ObjectRoute::Feed { company_id, .. } => {
            // A feed file's import is made after its event, under an id the
            // splitter derives; it is found by its key instead.
            let since = record.event_time - CLOCK_SKEW;
            let imports = deps
                .imports
                .unsplit_imports_of(&company_id, &key, since)
                .await?;
            if imports.is_empty() {
                warn!(%company_id, "dead feed file has no import waiting; dropped");
            }
            for import in imports {
                let failed = deps
                    .imports
                    .fail_unsplit(
                        &company_id,
                        &import.import_id,
                        SPLIT_FAILED,
                        SPLIT_FAILED_FEED,
                    )
                    .await?;
                log_dead_split(&import.import_id, failed);
            }
        }
    }
    Ok(())
}

fn log_dead_split(import_id: &str, failed: bool) {
    if failed {
        warn!(%import_id, code = SPLIT_FAILED, "split dead-lettered; import failed");
    } else {
        info!(%import_id, "split dead-lettered, but the import ended, was split or is being split");
    }
}

/// Counts a dead chunk's rows as failed, unless its processor counted it.
/// Its failed-row logs are written after its count, so that a processor
/// racing it (a late delivery) can never leave successful rows logged
/// beside a count that says they failed; a retry after dying between the
/// two finds its own count and writes the logs.
pub async fn count_dead_chunk(chunk: &ChunkMessage, deps: &Deps) -> Result<(), StoreError> {
    let (company, import) = (&chunk.company_id, &chunk.import_id);
    let state = deps
        .ledger
        .chunk_state(company, import, chunk.chunk_index)
        .await?;
    let ours = match state.counted_by {
        Some(Counter::DeadLetter) => true,
        Some(Counter::Processor) => false,
        None if in_progress(&state) => {
            warn!(import_id = %import, chunk = chunk.chunk_index, rows = chunk.rows.len(), "counting a dead chunk as failed rows");
            let tally = Tally {
                failed: chunk.rows.len() as u64,
                ..Tally::default()
            };
            let count = ChunkCount {
                chunk_index: chunk.chunk_index,
                tally,
                by: Counter::DeadLetter,
                log: None,
            };
            // Another delivery of this dead letter may have won the count:
            // the logs are still this function's to write.
            deps.ledger
                .count_chunk_once(company, import, &count)
                .await?
                || deps
                    .ledger
                    .chunk_state(company, import, chunk.chunk_index)
                    .await?
                    .counted_by
                    == Some(Counter::DeadLetter)
        }
        None => return Ok(()),
    };
    if ours {
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
        deps.logs
            .write_row_logs(company, import, &failed, &[])
            .await?;
    }
    if let Some(status) = deps.ledger.finish_if_done(company, import).await? {
        info!(import_id = %import, status = status.as_str(), "import finished");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bodies(event: &str) -> Vec<String> {
        let batch: SqsEvent = serde_json::from_str(event).unwrap();
        batch.records.into_iter().filter_map(|m| m.body).collect()
    }

    #[test]
    fn split_dead_letters_are_told_from_chunks_by_their_body() {
        let split = bodies(include_str!("../../../events/sqs-split-dead-letter.json"));
        assert!(matches!(
            DeadLetter::read(&split[0]),
            Ok(DeadLetter::Split(SplitWork::Objects(event)))
                if event.records[0].s3.object.key.as_deref()
                    == Some("uploads/company-demo/imp-demo/Staff+List+%282026%29.csv")
        ));
        assert!(matches!(
            DeadLetter::read(&split[1]),
            Ok(DeadLetter::Split(SplitWork::Nothing))
        ));
        assert!(matches!(
            DeadLetter::read(&split[2]),
            Ok(DeadLetter::Split(SplitWork::Import(request))) if request.import_id == "imp-demo"
        ));
        let chunk = bodies(include_str!("../../../events/sqs-chunk.json"));
        assert!(matches!(
            DeadLetter::read(&chunk[0]),
            Ok(DeadLetter::Chunk(chunk)) if chunk.chunk_index == 0
        ));
    }

    #[test]
    fn a_chunk_that_does_not_read_is_never_taken_for_a_split_request() {
        let broken = r#"{"company_id": "c", "import_id": "i", "chunk_index": 0}"#;
        assert!(DeadLetter::read(broken).is_err());
        assert!(DeadLetter::read("not json").is_err());
    }
}
