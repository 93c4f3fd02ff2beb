//! The imports table: each import's status item, its chunk markers and its
//! row logs, in one partition per import.

use crate::error::{aws, cancellation_codes, transient, StoreError};
use crate::keys::imports as k;
use crate::model::{Counters, ImportRecord, ImportStatus};
use crate::retry::{until_done, Attempt};
use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;
use aws_sdk_dynamodb::types::{
    AttributeValue, KeysAndAttributes, Put, PutRequest, TransactWriteItem, Update, WriteRequest,
};
use aws_sdk_dynamodb::Client;
use dic_core::mapping::Mapping;
use dic_core::prepare::Analysis;
use dic_core::template::ImportSettings;
use dic_core::upsert::RowResult;
use dic_core::validate::{RowError, RowWarning};
use dic_core::{Cells, RowNumber};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::time::Duration;

/// Row logs expire after this long (the table's TTL attribute `expires_at`).
pub const ROW_LOG_DAYS: i64 = 90;
/// A split claimed longer ago than this is presumed dead and may be
/// retaken: just over the splitter's 300 s timeout, so that Lambda's retry
/// of a timed-out invocation finds the claim free.
pub const SPLIT_LEASE: Duration = Duration::from_secs(310);

#[derive(Clone, Debug)]
pub struct ImportStore {
    client: Client,
    table: String,
}

/// What one chunk adds to the counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub failed: u64,
}

impl Tally {
    pub fn add(&mut self, result: RowResult) {
        match result {
            RowResult::Created => self.created += 1,
            RowResult::Updated => self.updated += 1,
            RowResult::Unchanged => self.unchanged += 1,
        }
    }
}

/// A failed row as logged: enough to list it and to export it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedRowLog {
    pub row: RowNumber,
    pub chunk_index: u32,
    pub cells: Cells,
    pub errors: Vec<RowError>,
    #[serde(default)]
    pub warnings: Vec<RowWarning>,
}

/// The compact log of a chunk's successful rows: row numbers per outcome.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkLog {
    pub chunk_index: u32,
    pub created: Vec<u32>,
    pub updated: Vec<u32>,
    pub unchanged: Vec<u32>,
    /// Warnings of rows that imported, by row.
    #[serde(default)]
    pub warnings: Vec<(u32, RowWarning)>,
}

/// Who counted a chunk: its processor, or the dead-letter function after
/// the processor gave up. The dead letter's failed-row logs are written
/// after its count, so a retry must know whether the count was its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Counter {
    Processor,
    DeadLetter,
}

/// An import's status and a chunk's marker, as a worker finds them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChunkState {
    pub status: Option<ImportStatus>,
    pub counted_by: Option<Counter>,
}

/// What counting a chunk commits at once.
#[derive(Clone, Copy, Debug)]
pub struct ChunkCount<'a> {
    pub chunk_index: u32,
    pub tally: Tally,
    pub by: Counter,
    /// The log of successful rows; none for a dead letter, which has none.
    pub log: Option<&'a ChunkLog>,
}

/// Warnings of a chunk's successful rows that its log has no room for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WarningPart {
    pub chunk_index: u32,
    pub part: u32,
    pub warnings: Vec<(u32, RowWarning)>,
}

/// How much of DynamoDB's 400 KB item a row log item may fill.
const LOG_ITEM_BYTES: usize = 300 * 1024;

impl ChunkLog {
    /// Moves the warnings that would not fit the log's item into parts of
    /// their own, so that a chunk of many warned rows still logs.
    pub fn spill_warnings(&mut self) -> Vec<WarningPart> {
        let rows = self.created.len() + self.updated.len() + self.unchanged.len();
        let sizes: Vec<usize> = self
            .warnings
            .iter()
            .map(|w| serde_json::to_string(w).map_or(LOG_ITEM_BYTES, |t| t.len() + 1))
            .collect();
        let mut used = 128 + rows * 11;
        let keep = sizes
            .iter()
            .take_while(|&&size| {
                used += size;
                used <= LOG_ITEM_BYTES
            })
            .count();
        let mut parts: Vec<WarningPart> = Vec::new();
        let mut part_bytes = 0;
        for (warning, size) in self.warnings.drain(keep..).zip(&sizes[keep..]) {
            match parts.last_mut() {
                Some(part) if part_bytes + size <= LOG_ITEM_BYTES => {
                    part.warnings.push(warning);
                    part_bytes += size;
                }
                _ => {
                    parts.push(WarningPart {
                        chunk_index: self.chunk_index,
                        part: parts.len() as u32,
                        warnings: vec![warning],
                    });
                    part_bytes = *size;
                }
            }
        }
        parts
    }
}

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// A conditional write's result: `true` when written, `false` when its
/// condition did not hold.
fn written<O, E>(
    result: Result<O, aws_sdk_dynamodb::error::SdkError<E, aws_smithy_runtime_api::http::Response>>,
    operation: &'static str,
) -> Result<bool, StoreError>
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    match result {
        Ok(_) => Ok(true),
        Err(err)
            if err
                .as_service_error()
                .and_then(|e| e.code())
                .is_some_and(|code| code == "ConditionalCheckFailedException") =>
        {
            Ok(false)
        }
        Err(err) => Err(aws(operation)(err)),
    }
}

impl ImportStore {
    pub fn new(client: Client, table: String) -> ImportStore {
        ImportStore { client, table }
    }

    fn key(&self, company_id: &str, import_id: &str, sk: &str) -> HashMap<String, AttributeValue> {
        HashMap::from([
            ("pk".to_string(), s(k::pk(company_id, import_id))),
            ("sk".to_string(), s(sk)),
        ])
    }

    /// An update of the import's status item.
    fn update_meta(&self, company_id: &str, import_id: &str) -> UpdateItemFluentBuilder {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(self.key(company_id, import_id, k::META)))
    }

    /// Stores a new import; `false` when one with this id exists already.
    pub async fn create(&self, record: &ImportRecord) -> Result<bool, StoreError> {
        let mut item: HashMap<String, AttributeValue> = serde_dynamo::to_item(record)?;
        item.extend(self.key(&record.company_id, &record.import_id, k::META));
        item.insert("gsi1pk".into(), s(k::company(&record.company_id)));
        item.insert(
            "gsi1sk".into(),
            s(format!("{}#{}", record.created_at, record.import_id)),
        );
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", "pk")
            .send()
            .await;
        written(result, "PutItem import")
    }

    pub async fn get(
        &self,
        company_id: &str,
        import_id: &str,
    ) -> Result<Option<ImportRecord>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(self.key(company_id, import_id, k::META)))
            .consistent_read(true)
            .send()
            .await
            .map_err(aws("GetItem import"))?;
        Ok(match out.item {
            Some(item) => Some(serde_dynamo::from_item(item)?),
            None => None,
        })
    }

    /// The import's status alone (not its analysis, which can be large):
    /// what a worker checks before it touches anything for the import.
    pub async fn status(
        &self,
        company_id: &str,
        import_id: &str,
    ) -> Result<Option<ImportStatus>, StoreError> {
        #[derive(serde::Deserialize)]
        struct Status {
            status: ImportStatus,
        }
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(self.key(company_id, import_id, k::META)))
            .consistent_read(true)
            .projection_expression("#status")
            .expression_attribute_names("#status", "status")
            .send()
            .await
            .map_err(aws("GetItem import status"))?;
        Ok(match out.item {
            Some(item) => Some(serde_dynamo::from_item::<_, Status>(item)?.status),
            None => None,
        })
    }

    /// Claims the split of an import, so that a re-delivered S3 event does
    /// not split the same object twice. A claim older than [`SPLIT_LEASE`]
    /// belongs to a dead splitter and may be retaken.
    pub async fn claim_split(&self, company_id: &str, import_id: &str) -> Result<bool, StoreError> {
        let now = chrono::Utc::now();
        let stale = now - chrono::Duration::from_std(SPLIT_LEASE).unwrap_or_default();
        let result = self
            .update_meta(company_id, import_id)
            .update_expression(
                "SET #split_claimed_at = :now, #updated_at = :now_text, #claim_pk = :claim_pk \
                 ADD #split_attempts :one",
            )
            .condition_expression(
                "attribute_exists(#pk) AND attribute_not_exists(#split_done) \
                 AND (attribute_not_exists(#split_claimed_at) OR #split_claimed_at < :stale) \
                 AND #status IN (:pending, :uploaded, :in_progress)",
            )
            .expression_attribute_names("#split_claimed_at", "split_claimed_at")
            .expression_attribute_names("#updated_at", "updated_at")
            .expression_attribute_names("#claim_pk", "claim_pk")
            .expression_attribute_names("#split_attempts", "split_attempts")
            .expression_attribute_values(":claim_pk", s(k::SPLIT_CLAIMS))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_names("#pk", "pk")
            .expression_attribute_names("#split_done", "split_done")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":now", n(now.timestamp()))
            .expression_attribute_values(":now_text", s(crate::model::now()))
            .expression_attribute_values(":stale", n(stale.timestamp()))
            .expression_attribute_values(":pending", s(ImportStatus::PendingUpload.as_str()))
            .expression_attribute_values(":uploaded", s(ImportStatus::Uploaded.as_str()))
            .expression_attribute_values(":in_progress", s(ImportStatus::InProgress.as_str()))
            .send()
            .await;
        written(result, "UpdateItem claim split")
    }

    /// Gives a claim back after an error, so that a retry may split.
    pub async fn release_split(&self, company_id: &str, import_id: &str) -> Result<(), StoreError> {
        self.update_meta(company_id, import_id)
            .update_expression("REMOVE #split_claimed_at")
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#split_claimed_at", "split_claimed_at")
            .expression_attribute_names("#pk", "pk")
            .send()
            .await
            .map_err(aws("UpdateItem release split"))?;
        Ok(())
    }

    /// Stores what the splitter learned and waits for a complete mapping;
    /// the claim is released so that the start command can resume the split.
    pub async fn await_mapping(
        &self,
        company_id: &str,
        import_id: &str,
        analysis: &Analysis,
    ) -> Result<(), StoreError> {
        self.update_meta(company_id, import_id)
            .update_expression(
                "SET #analysis = :analysis, #status = :uploaded, #updated_at = :now \
                 REMOVE #split_claimed_at, #split_attempts",
            )
            .expression_attribute_names("#split_attempts", "split_attempts")
            .expression_attribute_names("#analysis", "analysis")
            .expression_attribute_names("#updated_at", "updated_at")
            .expression_attribute_names("#split_claimed_at", "split_claimed_at")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":analysis", serde_dynamo::to_attribute_value(analysis)?)
            .expression_attribute_values(":uploaded", s(ImportStatus::Uploaded.as_str()))
            .expression_attribute_values(":now", s(crate::model::now()))
            .send()
            .await
            .map_err(aws("UpdateItem await mapping"))?;
        Ok(())
    }

    /// Sets the mapping and settings an import will run with.
    pub async fn set_mapping(
        &self,
        company_id: &str,
        import_id: &str,
        mapping: &Mapping,
        settings: &ImportSettings,
    ) -> Result<(), StoreError> {
        self.update_meta(company_id, import_id)
            .update_expression("SET #mapping = :mapping, #settings = :settings, #updated_at = :now")
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#mapping", "mapping")
            .expression_attribute_names("#settings", "settings")
            .expression_attribute_names("#updated_at", "updated_at")
            .expression_attribute_names("#pk", "pk")
            .expression_attribute_values(":mapping", serde_dynamo::to_attribute_value(mapping)?)
            .expression_attribute_values(":settings", serde_dynamo::to_attribute_value(settings)?)
            .expression_attribute_values(":now", s(crate::model::now()))
            .send()
            .await
            .map_err(aws("UpdateItem mapping"))?;
        Ok(())
    }

    /// Ends an import as `Failed` with a reason the admin can act on,
    /// unless it already ended.
    pub async fn fail(
        &self,
        company_id: &str,
        import_id: &str,
        code: &str,
        reason: &str,
    ) -> Result<(), StoreError> {
        let result = self
            .fail_update(company_id, import_id, code, reason)
            .condition_expression(
                "attribute_exists(#pk) AND NOT #status IN (:finished, :with_errors, :failed)",
            )
            .send()
            .await;
        written(result, "UpdateItem fail import")?;
        Ok(())
    }

    /// Ends as `Failed` an import whose split request exhausted its
    /// retries, unless it ended, its split was done (a later delivery or
    /// the sweeper did it), or a split holds a live claim on it (the
    /// sweeper fails or resumes that one). `true` when it was failed.
    pub async fn fail_unsplit(
        &self,
        company_id: &str,
        import_id: &str,
        code: &str,
        reason: &str,
    ) -> Result<bool, StoreError> {
        let stale =
            chrono::Utc::now() - chrono::Duration::from_std(SPLIT_LEASE).unwrap_or_default();
        let result = self
            .fail_update(company_id, import_id, code, reason)
            .condition_expression(
                "attribute_exists(#pk) AND NOT #status IN (:finished, :with_errors, :failed) \
                 AND attribute_not_exists(#split_done) \
                 AND (attribute_not_exists(#split_claimed_at) OR #split_claimed_at < :stale)",
            )
            .expression_attribute_values(":stale", n(stale.timestamp()))
            .send()
            .await;
        written(result, "UpdateItem fail unsplit import")
    }

    /// The update that ends an import as `Failed`; callers add the
    /// condition. It marks the split done, so no later delivery splits it.
    fn fail_update(
        &self,
        company_id: &str,
        import_id: &str,
        code: &str,
        reason: &str,
    ) -> UpdateItemFluentBuilder {
        let now = crate::model::now();
        self.update_meta(company_id, import_id)
            .update_expression(
                "SET #status = :failed, #reason = :reason, #reason_code = :code, #finished_at = :now, \
                 #updated_at = :now, #split_done = :true REMOVE #split_claimed_at",
            )
            .expression_attribute_names("#reason", "reason")
            .expression_attribute_names("#reason_code", "reason_code")
            .expression_attribute_names("#finished_at", "finished_at")
            .expression_attribute_names("#updated_at", "updated_at")
            .expression_attribute_names("#split_done", "split_done")
            .expression_attribute_names("#split_claimed_at", "split_claimed_at")
            .expression_attribute_names("#pk", "pk")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":failed", s(ImportStatus::Failed.as_str()))
            .expression_attribute_values(":finished", s(ImportStatus::Finished.as_str()))
            .expression_attribute_values(":with_errors", s(ImportStatus::FinishedWithErrors.as_str()))
            .expression_attribute_values(":reason", s(reason))
            .expression_attribute_values(":code", s(code))
            .expression_attribute_values(":now", s(now))
            .expression_attribute_values(":true", AttributeValue::Bool(true))
    }

    /// Records the totals and moves the import to `In Progress`, before any
    /// chunk is sent, so that the last chunk counted can tell it is last.
    pub async fn start(
        &self,
        company_id: &str,
        import_id: &str,
        rows_total: u64,
        chunk_count: u64,
        analysis: &Analysis,
    ) -> Result<(), StoreError> {
        self.update_meta(company_id, import_id)
            .update_expression(
                "SET #status = :in_progress, #rows_total = :rows, #chunk_count = :chunks, #analysis = :analysis, \
                 #updated_at = :now, #created = if_not_exists(#created, :zero), #updated = if_not_exists(#updated, :zero), \
                 #unchanged = if_not_exists(#unchanged, :zero), #failed = if_not_exists(#failed, :zero), \
                 #chunks_done = if_not_exists(#chunks_done, :zero)",
            )
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#rows_total", "rows_total")
            .expression_attribute_names("#chunk_count", "chunk_count")
            .expression_attribute_names("#analysis", "analysis")
            .expression_attribute_names("#updated_at", "updated_at")
            .expression_attribute_names("#created", "created")
            .expression_attribute_names("#updated", "updated")
            .expression_attribute_names("#unchanged", "unchanged")
            .expression_attribute_names("#failed", "failed")
            .expression_attribute_names("#chunks_done", "chunks_done")
            .expression_attribute_names("#pk", "pk")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":in_progress", s(ImportStatus::InProgress.as_str()))
            .expression_attribute_values(":rows", n(rows_total))
            .expression_attribute_values(":chunks", n(chunk_count))
            .expression_attribute_values(":analysis", serde_dynamo::to_attribute_value(analysis)?)
            .expression_attribute_values(":now", s(crate::model::now()))
            .expression_attribute_values(":zero", n(0))
            .send()
            .await
            .map_err(aws("UpdateItem start import"))?;
        Ok(())
    }

    /// Marks the split complete: every chunk is on the queue.
    pub async fn split_done(&self, company_id: &str, import_id: &str) -> Result<(), StoreError> {
        self.update_meta(company_id, import_id)
            .update_expression("SET #split_done = :true REMOVE #split_claimed_at")
            .expression_attribute_names("#split_done", "split_done")
            .expression_attribute_names("#split_claimed_at", "split_claimed_at")
            .expression_attribute_values(":true", AttributeValue::Bool(true))
            .send()
            .await
            .map_err(aws("UpdateItem split done"))?;
        Ok(())
    }

    /// What a worker checks before it touches anything for a chunk: the
    /// import's status and who counted the chunk, if anyone did, in one read.
    pub async fn chunk_state(
        &self,
        company_id: &str,
        import_id: &str,
        chunk_index: u32,
    ) -> Result<ChunkState, StoreError> {
        #[derive(Deserialize)]
        struct Item {
            sk: String,
            status: Option<ImportStatus>,
            counted_by: Option<Counter>,
        }
        let marker = k::chunk_marker(chunk_index);
        let request = KeysAndAttributes::builder()
            .keys(self.key(company_id, import_id, k::META))
            .keys(self.key(company_id, import_id, &marker))
            .consistent_read(true)
            .projection_expression("#sk, #status, #counted_by")
            .expression_attribute_names("#sk", "sk")
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#counted_by", "counted_by")
            .build()
            .map_err(aws("KeysAndAttributes chunk state"))?;
        let items = until_done(
            "BatchGetItem chunk state",
            (request, Vec::new()),
            |(request, mut found)| async move {
                let out = self
                    .client
                    .batch_get_item()
                    .request_items(&self.table, request)
                    .send()
                    .await
                    .map_err(aws("BatchGetItem chunk state"))?;
                found.extend(
                    out.responses
                        .and_then(|mut r| r.remove(&self.table))
                        .unwrap_or_default(),
                );
                Ok(
                    match out
                        .unprocessed_keys
                        .and_then(|mut left| left.remove(&self.table))
                        .filter(|left| !left.keys.is_empty())
                    {
                        Some(left) => Attempt::Again((left, found)),
                        None => Attempt::Done(found),
                    },
                )
            },
        )
        .await?;
        let mut state = ChunkState::default();
        for item in items {
            let item: Item = serde_dynamo::from_item(item)?;
            if item.sk == k::META {
                state.status = item.status;
            } else if item.sk == marker {
                // Markers from before `counted_by` were all the processor's.
                state.counted_by = Some(item.counted_by.unwrap_or(Counter::Processor));
            }
        }
        Ok(state)
    }

    /// Adds a chunk's tally to the counters exactly once: the marker, the
    /// increments and the chunk's log of successful rows commit in one
    /// transaction, conditional on the marker being new and the import in
    /// progress. `false` when the chunk was counted before or the import
    /// has ended (failed meanwhile): either way its counters stay as they
    /// are and its log is not written. Races with other chunks' counts of
    /// the same import are retried here, with backoff.
    pub async fn count_chunk_once(
        &self,
        company_id: &str,
        import_id: &str,
        count: &ChunkCount<'_>,
    ) -> Result<bool, StoreError> {
        let now = crate::model::now();
        let mut marker = self.key(company_id, import_id, &k::chunk_marker(count.chunk_index));
        marker.insert("counted_at".into(), s(now.clone()));
        marker.insert(
            "counted_by".into(),
            serde_dynamo::to_attribute_value(count.by)?,
        );
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(marker))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", "pk")
            .build()
            .map_err(aws("TransactWriteItems marker"))?;
        let tally = count.tally;
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(self.key(company_id, import_id, k::META)))
            .update_expression(
                "ADD #created :c, #updated :u, #unchanged :n, #failed :f, #chunks_done :one SET #updated_at = :now",
            )
            .condition_expression("attribute_exists(#pk) AND #status = :in_progress")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":in_progress", s(ImportStatus::InProgress.as_str()))
            .expression_attribute_names("#created", "created")
            .expression_attribute_names("#updated", "updated")
            .expression_attribute_names("#unchanged", "unchanged")
            .expression_attribute_names("#failed", "failed")
            .expression_attribute_names("#chunks_done", "chunks_done")
            .expression_attribute_names("#updated_at", "updated_at")
            .expression_attribute_names("#pk", "pk")
            .expression_attribute_values(":c", n(tally.created))
            .expression_attribute_values(":u", n(tally.updated))
            .expression_attribute_values(":n", n(tally.unchanged))
            .expression_attribute_values(":f", n(tally.failed))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":now", s(now))
            .build()
            .map_err(aws("TransactWriteItems counters"))?;
        let mut items = vec![
            TransactWriteItem::builder().put(put).build(),
            TransactWriteItem::builder().update(update).build(),
        ];
        if let Some(log) = count.log {
            let mut item = self.key(company_id, import_id, &k::chunk_log(log.chunk_index));
            item.insert("log".into(), s(serde_json::to_string(log)?));
            item.insert("expires_at".into(), n(log_expiry()));
            let put = Put::builder()
                .table_name(&self.table)
                .set_item(Some(item))
                .build()
                .map_err(aws("TransactWriteItems chunk log"))?;
            items.push(TransactWriteItem::builder().put(put).build());
        }
        until_done("TransactWriteItems count chunk", (), |()| async {
            let result = self
                .client
                .transact_write_items()
                .set_transact_items(Some(items.clone()))
                .send()
                .await;
            let Err(err) = result else {
                return Ok(Attempt::Done(true));
            };
            match cancellation_codes(&err) {
                Some(codes) if codes.contains(&"ConditionalCheckFailed") => {
                    Ok(Attempt::Done(false))
                }
                Some(codes) if codes.iter().any(|c| transient(c)) => Ok(Attempt::Again(())),
                _ => Err(aws("TransactWriteItems count chunk")(err)),
            }
        })
        .await
    }

    /// Ends the import when its last chunk is counted. Conditional, so that
    /// of the workers that race here exactly one sets the final status.
    pub async fn finish_if_done(
        &self,
        company_id: &str,
        import_id: &str,
    ) -> Result<Option<ImportStatus>, StoreError> {
        let Some(record) = self.get(company_id, import_id).await? else {
            return Ok(None);
        };
        let c: Counters = record.counters;
        if record.status != ImportStatus::InProgress || c.chunks_done < c.chunk_count {
            return Ok(None);
        }
        let status = if c.failed > 0 {
            ImportStatus::FinishedWithErrors
        } else {
            ImportStatus::Finished
        };
        let now = crate::model::now();
        let result = self
            .update_meta(company_id, import_id)
            .update_expression("SET #status = :final, #finished_at = :now, #updated_at = :now")
            .condition_expression("#status = :in_progress AND #chunks_done = #chunk_count")
            .expression_attribute_names("#finished_at", "finished_at")
            .expression_attribute_names("#updated_at", "updated_at")
            .expression_attribute_names("#chunks_done", "chunks_done")
            .expression_attribute_names("#chunk_count", "chunk_count")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":final", s(status.as_str()))
            .expression_attribute_values(":in_progress", s(ImportStatus::InProgress.as_str()))
            .expression_attribute_values(":now", s(now))
            .send()
            .await;
        Ok(written(result, "UpdateItem finish import")?.then_some(status))
    }

    /// Writes a chunk's failed rows and the warnings its log of successful
    /// rows has no room for, before the chunk is counted. Puts with fixed
    /// keys: a retry overwrites the same items, so no row is logged twice.
    pub async fn write_row_logs(
        &self,
        company_id: &str,
        import_id: &str,
        failed: &[FailedRowLog],
        overflow: &[WarningPart],
    ) -> Result<(), StoreError> {
        let expires_at = log_expiry();
        let mut requests = Vec::with_capacity(failed.len() + overflow.len());
        for row in failed {
            let mut item = self.key(company_id, import_id, &k::failed_row(row.row.0));
            item.insert("row".into(), n(row.row.0));
            item.insert("log".into(), s(serde_json::to_string(row)?));
            item.insert("expires_at".into(), n(expires_at));
            requests.push(put_request(item)?);
        }
        for part in overflow {
            let sk = k::chunk_log_part(part.chunk_index, part.part);
            let mut item = self.key(company_id, import_id, &sk);
            item.insert("log".into(), s(serde_json::to_string(&part.warnings)?));
            item.insert("expires_at".into(), n(expires_at));
            requests.push(put_request(item)?);
        }
        crate::batch::write_all(&self.client, &self.table, requests).await
    }

    /// Every failed row of an import, in row order.
    pub async fn failed_rows(
        &self,
        company_id: &str,
        import_id: &str,
    ) -> Result<Vec<FailedRowLog>, StoreError> {
        self.logs(company_id, import_id, k::FAILED_PREFIX).await
    }

    /// Every counted chunk's compact log of successful rows, with the
    /// warnings kept beside it. Parts of a chunk that was never counted by
    /// its processor (a dead letter counted it instead) are left out.
    pub async fn chunk_logs(
        &self,
        company_id: &str,
        import_id: &str,
    ) -> Result<Vec<ChunkLog>, StoreError> {
        let items = self
            .query_prefix(company_id, import_id, k::CHUNK_LOG_PREFIX)
            .await?;
        let mut logs: Vec<ChunkLog> = Vec::new();
        let mut parts: HashMap<u32, Vec<(u32, RowWarning)>> = HashMap::new();
        for item in items {
            let sk = item.get("sk").and_then(|v| v.as_s().ok());
            match sk.and_then(|sk| k::chunk_log_part_of(sk)) {
                Some(chunk) => parts
                    .entry(chunk)
                    .or_default()
                    .extend(serde_json::from_str::<Vec<(u32, RowWarning)>>(log_text(
                        &item,
                    )?)?),
                None => logs.push(serde_json::from_str(log_text(&item)?)?),
            }
        }
        for log in &mut logs {
            if let Some(warnings) = parts.remove(&log.chunk_index) {
                log.warnings.extend(warnings);
            }
        }
        Ok(logs)
    }

    async fn logs<T: serde::de::DeserializeOwned>(
        &self,
        company_id: &str,
        import_id: &str,
        prefix: &str,
    ) -> Result<Vec<T>, StoreError> {
        let items = self.query_prefix(company_id, import_id, prefix).await?;
        let mut logs = Vec::with_capacity(items.len());
        for item in items {
            logs.push(serde_json::from_str(log_text(&item)?)?);
        }
        Ok(logs)
    }

    async fn query_prefix(
        &self,
        company_id: &str,
        import_id: &str,
        prefix: &str,
    ) -> Result<Vec<HashMap<String, AttributeValue>>, StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
            .expression_attribute_names("#pk", "pk")
            .expression_attribute_names("#sk", "sk")
            .expression_attribute_values(":pk", s(k::pk(company_id, import_id)))
            .expression_attribute_values(":prefix", s(prefix))
            .consistent_read(true);
        crate::paging::all_items(query, "Query row logs").await
    }

    /// Confirms the mapping an import waiting at `Uploaded` runs with, once:
    /// `false` when it is not waiting (not uploaded yet, or started before).
    pub async fn begin(
        &self,
        company_id: &str,
        import_id: &str,
        start: &Start<'_>,
    ) -> Result<bool, StoreError> {
        let now = crate::model::now();
        let mut set = "SET #mapping = :mapping, #settings = :settings, #started_by = :by, \
                       #started_at = :now, #updated_at = :now"
            .to_string();
        if start.template_id.is_some() {
            set.push_str(", #template_id = :template");
        }
        let mut update = self
            .update_meta(company_id, import_id)
            .update_expression(set)
            .condition_expression(
                "attribute_exists(#pk) AND #status = :uploaded AND attribute_not_exists(#started_at)",
            )
            .expression_attribute_names("#mapping", "mapping")
            .expression_attribute_names("#settings", "settings")
            .expression_attribute_names("#started_by", "started_by")
            .expression_attribute_names("#started_at", "started_at")
            .expression_attribute_names("#updated_at", "updated_at")
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#pk", "pk")
            .expression_attribute_values(":mapping", serde_dynamo::to_attribute_value(start.mapping)?)
            .expression_attribute_values(":settings", serde_dynamo::to_attribute_value(start.settings)?)
            .expression_attribute_values(":by", s(start.started_by))
            .expression_attribute_values(":now", s(now))
            .expression_attribute_values(":uploaded", s(ImportStatus::Uploaded.as_str()));
        if let Some(template_id) = start.template_id {
            update = update
                .expression_attribute_names("#template_id", "template_id")
                .expression_attribute_values(":template", s(template_id));
        }
        written(update.send().await, "UpdateItem begin import")
    }

    /// Splits claimed before `before` and never finished: their splitter
    /// died (timeout, crash) without giving the claim back. Claims leave the
    /// sparse `by_split_claim` index as soon as `split_claimed_at` goes.
    pub async fn stale_split_claims(
        &self,
        before: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<StaleClaim>, StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(k::SPLIT_CLAIMS_INDEX)
            .key_condition_expression("#claim_pk = :claims AND #split_claimed_at < :before")
            .expression_attribute_names("#claim_pk", "claim_pk")
            .expression_attribute_names("#split_claimed_at", "split_claimed_at")
            .expression_attribute_values(":claims", s(k::SPLIT_CLAIMS))
            .expression_attribute_values(":before", n(before.timestamp()));
        crate::paging::all_items(query, "Query stale split claims")
            .await?
            .into_iter()
            .map(|item| Ok(serde_dynamo::from_item(item)?))
            .collect()
    }

    /// Drops a stale claim on an import that needs no split any more (it
    /// ended, or its split was done): the claim only kept it in the index.
    pub async fn drop_stale_claim(
        &self,
        company_id: &str,
        import_id: &str,
        before: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), StoreError> {
        let result = self
            .update_meta(company_id, import_id)
            .update_expression("REMOVE #split_claimed_at")
            .condition_expression("#split_claimed_at < :before")
            .expression_attribute_names("#split_claimed_at", "split_claimed_at")
            .expression_attribute_values(":before", n(before.timestamp()))
            .send()
            .await;
        written(result, "UpdateItem drop stale claim")?;
        Ok(())
    }

    /// Takes a start back after its split could not run, so that the admin
    /// can start again.
    pub async fn unbegin(&self, company_id: &str, import_id: &str) -> Result<(), StoreError> {
        self.update_meta(company_id, import_id)
            .update_expression("REMOVE #started_at, #started_by")
            .condition_expression("attribute_exists(#pk) AND #status = :uploaded")
            .expression_attribute_names("#started_at", "started_at")
            .expression_attribute_names("#started_by", "started_by")
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#pk", "pk")
            .expression_attribute_values(":uploaded", s(ImportStatus::Uploaded.as_str()))
            .send()
            .await
            .map_err(aws("UpdateItem unbegin import"))?;
        Ok(())
    }

    /// One page of a company's imports, newest first, optionally of one
    /// status; the cursor continues after the last import returned.
    pub async fn list(
        &self,
        company_id: &str,
        status: Option<ImportStatus>,
        after: Option<&ListPosition>,
        limit: usize,
    ) -> Result<(Vec<ImportRecord>, Option<ListPosition>), StoreError> {
        let limit = limit.max(1);
        let mut found = Vec::with_capacity(limit);
        let mut start = after.map(|p| p.key(company_id));
        loop {
            let mut query = self
                .client
                .query()
                .table_name(&self.table)
                .index_name("by_company")
                .key_condition_expression("#gsi1pk = :company")
                .expression_attribute_names("#gsi1pk", "gsi1pk")
                .expression_attribute_values(":company", s(k::company(company_id)))
                .scan_index_forward(false)
                .limit((limit - found.len()) as i32)
                .set_exclusive_start_key(start.take());
            if let Some(status) = status {
                query = query
                    .filter_expression("#status = :status")
                    .expression_attribute_names("#status", "status")
                    .expression_attribute_values(":status", s(status.as_str()));
            }
            let out = query.send().await.map_err(aws("Query imports"))?;
            for item in out.items.unwrap_or_default() {
                found.push(serde_dynamo::from_item::<_, ImportRecord>(item)?);
            }
            start = out.last_evaluated_key;
            if found.len() >= limit || start.is_none() {
                break;
            }
        }
        // A full page may be the last one; the next call then finds nothing.
        let next = found
            .last()
            .filter(|_| found.len() >= limit)
            .map(ListPosition::after);
        Ok((found, next))
    }

    /// A company's imports of the object `key`, created at `since` or
    /// later, whose split was never done. Finds a feed file's import from
    /// its S3 event without knowing how its id was made.
    pub async fn unsplit_imports_of(
        &self,
        company_id: &str,
        key: &str,
        since: &str,
    ) -> Result<Vec<ImportRecord>, StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name("by_company")
            .key_condition_expression("#gsi1pk = :company AND #gsi1sk >= :since")
            .filter_expression("#object_key = :key AND attribute_not_exists(#split_done)")
            .expression_attribute_names("#gsi1pk", "gsi1pk")
            .expression_attribute_names("#gsi1sk", "gsi1sk")
            .expression_attribute_names("#object_key", "object_key")
            .expression_attribute_names("#split_done", "split_done")
            .expression_attribute_values(":company", s(k::company(company_id)))
            .expression_attribute_values(":since", s(since))
            .expression_attribute_values(":key", s(key));
        crate::paging::all_items(query, "Query imports of an object")
            .await?
            .into_iter()
            .map(|item| Ok(serde_dynamo::from_item(item)?))
            .collect()
    }

    /// Failed rows after row `after`, in row order, at most `limit`.
    pub async fn failed_rows_after(
        &self,
        company_id: &str,
        import_id: &str,
        after: u32,
        limit: usize,
    ) -> Result<Vec<FailedRowLog>, StoreError> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("#pk = :pk AND #sk BETWEEN :from AND :to")
            .expression_attribute_names("#pk", "pk")
            .expression_attribute_names("#sk", "sk")
            .expression_attribute_values(":pk", s(k::pk(company_id, import_id)))
            .expression_attribute_values(":from", s(k::failed_row(after.saturating_add(1))))
            .expression_attribute_values(":to", s(k::failed_row(u32::MAX)))
            .consistent_read(true)
            .limit(limit.max(1) as i32)
            .send()
            .await
            .map_err(aws("Query failed rows"))?;
        let mut logs = Vec::new();
        for item in out.items.unwrap_or_default() {
            logs.push(serde_json::from_str(log_text(&item)?)?);
        }
        Ok(logs)
    }
}

/// Where a page of the imports list ended: the index's sort key and the
/// import, enough to rebuild DynamoDB's start key for this company only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListPosition {
    pub created_at: String,
    pub import_id: String,
}

impl ListPosition {
    fn after(import: &ImportRecord) -> ListPosition {
        ListPosition {
            created_at: import.created_at.clone(),
            import_id: import.import_id.clone(),
        }
    }

    fn key(&self, company_id: &str) -> HashMap<String, AttributeValue> {
        HashMap::from([
            ("gsi1pk".to_string(), s(k::company(company_id))),
            (
                "gsi1sk".to_string(),
                s(format!("{}#{}", self.created_at, self.import_id)),
            ),
            ("pk".to_string(), s(k::pk(company_id, &self.import_id))),
            ("sk".to_string(), s(k::META)),
        ])
    }
}

/// A split whose claim outlived its lease.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct StaleClaim {
    pub company_id: String,
    pub import_id: String,
    /// Claims taken so far, this one included.
    #[serde(default)]
    pub split_attempts: u32,
}

/// What the admin confirmed when starting an import.
#[derive(Clone, Copy, Debug)]
pub struct Start<'a> {
    pub mapping: &'a Mapping,
    pub settings: &'a ImportSettings,
    pub template_id: Option<&'a str>,
    pub started_by: &'a str,
}

/// When a row log written now expires (the table's TTL).
fn log_expiry() -> i64 {
    (chrono::Utc::now() + chrono::Duration::days(ROW_LOG_DAYS)).timestamp()
}

fn log_text(item: &HashMap<String, AttributeValue>) -> Result<&str, StoreError> {
    item.get("log")
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
        .ok_or_else(|| StoreError::Incomplete("a row log item has no log".into()))
}

fn put_request(item: HashMap<String, AttributeValue>) -> Result<WriteRequest, StoreError> {
    let put = PutRequest::builder()
        .set_item(Some(item))
        .build()
        .map_err(aws("PutRequest"))?;
    Ok(WriteRequest::builder().put_request(put).build())
}

#[cfg(test)]
mod tests {
    use super::*;
    use dic_core::validate::WarningCode;

    fn warning(message: String) -> RowWarning {
        RowWarning {
            code: WarningCode::ScientificNotation,
            column: Some(6),
            header: Some("Employee ID".into()),
            field: Some("employee_id".into()),
            value: "1.23E+10".into(),
            message,
        }
    }

    /// The sizes the items are written with: the log as a whole, a part
    /// as its list of warnings.
    fn log_bytes(log: &ChunkLog) -> usize {
        serde_json::to_string(log).unwrap().len()
    }

    fn part_bytes(part: &WarningPart) -> usize {
        serde_json::to_string(&part.warnings).unwrap().len()
    }

    #[test]
    fn a_small_log_keeps_its_warnings() {
        let mut log = ChunkLog {
            chunk_index: 3,
            created: (2..200).collect(),
            updated: vec![200, 201],
            unchanged: vec![202],
            warnings: (2..12).map(|row| (row, warning("short".into()))).collect(),
        };
        let before = log.clone();
        assert!(log.spill_warnings().is_empty());
        assert_eq!(log, before);
    }

    #[test]
    fn warnings_beyond_an_item_spill_into_numbered_parts_that_each_fit() {
        // 250 rows, each with a warning of about 5 KB: some 1.25 MB, far
        // more than one DynamoDB item (400 KB) holds.
        let rows: Vec<u32> = (1_000_000..1_000_250).collect();
        let warnings: Vec<(u32, RowWarning)> = rows
            .iter()
            .map(|&row| (row, warning(format!("{row}: {}", "x".repeat(5_000)))))
            .collect();
        let mut log = ChunkLog {
            chunk_index: 12,
            created: rows[..100].to_vec(),
            updated: rows[100..200].to_vec(),
            unchanged: rows[200..].to_vec(),
            warnings: warnings.clone(),
        };
        assert!(log_bytes(&log) > 400 * 1024);
        let parts = log.spill_warnings();

        assert!(parts.len() >= 3, "{} parts", parts.len());
        assert!(log_bytes(&log) <= 300 * 1024, "log: {}", log_bytes(&log));
        for (number, part) in parts.iter().enumerate() {
            assert_eq!(part.part, number as u32, "parts are numbered 0, 1, 2…");
            assert_eq!(part.chunk_index, 12);
            assert!(!part.warnings.is_empty());
            assert!(
                part_bytes(part) <= 300 * 1024,
                "part {number}: {}",
                part_bytes(part)
            );
        }
        // The rows stay in the log; every warning is kept once, in order.
        assert_eq!(
            log.created.len() + log.updated.len() + log.unchanged.len(),
            250
        );
        let kept: Vec<(u32, RowWarning)> = log
            .warnings
            .iter()
            .chain(parts.iter().flat_map(|p| &p.warnings))
            .cloned()
            .collect();
        assert_eq!(kept, warnings);
    }

    #[test]
    fn a_log_just_over_an_item_spills_only_what_does_not_fit() {
        // Each warning about 1 KB: 400 of them are some 400 KB.
        let mut log = ChunkLog {
            chunk_index: 0,
            created: (2..402).collect(),
            warnings: (2..402)
                .map(|row| (row, warning("y".repeat(900))))
                .collect(),
            ..ChunkLog::default()
        };
        let all = log.warnings.clone();
        let parts = log.spill_warnings();
        assert_eq!(parts.len(), 1);
        assert!(log_bytes(&log) <= 300 * 1024);
        // The log is filled before anything spills.
        assert!(log_bytes(&log) > 250 * 1024, "{}", log_bytes(&log));
        assert_eq!(log.warnings.len() + parts[0].warnings.len(), all.len());
        assert_eq!(parts[0].warnings[..], all[log.warnings.len()..]);
    }
}
