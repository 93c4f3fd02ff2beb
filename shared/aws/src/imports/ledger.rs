//! The chunk ledger: each chunk counted exactly once into its import's
//! counters, and the import finished when its last chunk is counted.

use super::logs::{log_expiry, ChunkLog};
use super::{n, s, written, ImportTable};
use crate::error::{aws, request, StoreError};
use crate::error::{cancellation_codes, transient, CONDITION_FAILED};
use crate::keys::imports as k;
use crate::model::{Counters, ImportStatus};
use crate::retry::{until_done, Attempt};
use aws_sdk_dynamodb::types::{KeysAndAttributes, Put, TransactWriteItem, Update};
use aws_sdk_dynamodb::Client;
use dic_core::ids::{CompanyId, ImportId};
use serde::{Deserialize, Serialize};

/// What one chunk adds to the counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub failed: u64,
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

/// The chunk markers and the counters of the imports' status items.
#[derive(Clone, Debug)]
pub struct ChunkLedger {
    t: ImportTable,
}

impl ChunkLedger {
    pub fn new(client: Client, table: String) -> ChunkLedger {
        ChunkLedger {
            t: ImportTable::new(client, table),
        }
    }

    /// What a worker checks before it touches anything for a chunk: the
    /// import's status and who counted the chunk, if anyone did, in one read.
    pub async fn chunk_state(
        &self,
        company_id: &CompanyId,
        import_id: &ImportId,
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
            .keys(self.t.key(company_id, import_id, k::META))
            .keys(self.t.key(company_id, import_id, &marker))
            .consistent_read(true)
            .projection_expression("#sk, #status, #counted_by")
            .expression_attribute_names("#sk", "sk")
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#counted_by", "counted_by")
            .build()
            .map_err(request("KeysAndAttributes chunk state"))?;
        let items = crate::batch::get_all(
            &self.t.client,
            &self.t.table,
            request,
            "BatchGetItem chunk state",
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
        company_id: &CompanyId,
        import_id: &ImportId,
        count: &ChunkCount<'_>,
    ) -> Result<bool, StoreError> {
        let now = crate::model::now();
        let mut marker = self
            .t
            .key(company_id, import_id, &k::chunk_marker(count.chunk_index));
        marker.insert("counted_at".into(), s(now.clone()));
        marker.insert(
            "counted_by".into(),
            serde_dynamo::to_attribute_value(count.by)?,
        );
        let put = Put::builder()
            .table_name(&self.t.table)
            .set_item(Some(marker))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", "pk")
            .build()
            .map_err(request("TransactWriteItems marker"))?;
        let tally = count.tally;
        let update = Update::builder()
            .table_name(&self.t.table)
            .set_key(Some(self.t.key(company_id, import_id, k::META)))
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
            .map_err(request("TransactWriteItems counters"))?;
        let mut items = vec![
            TransactWriteItem::builder().put(put).build(),
            TransactWriteItem::builder().update(update).build(),
        ];
        if let Some(log) = count.log {
            let mut item = self
                .t
                .key(company_id, import_id, &k::chunk_log(log.chunk_index));
            item.insert("log".into(), s(serde_json::to_string(log)?));
            item.insert("expires_at".into(), n(log_expiry()));
            let put = Put::builder()
                .table_name(&self.t.table)
                .set_item(Some(item))
                .build()
                .map_err(request("TransactWriteItems chunk log"))?;
            items.push(TransactWriteItem::builder().put(put).build());
        }
        until_done("TransactWriteItems count chunk", (), |()| async {
            let result = self
                .t
                .client
                .transact_write_items()
                .set_transact_items(Some(items.clone()))
                .send()
                .await;
            let Err(err) = result else {
                return Ok(Attempt::Done(true));
            };
            match cancellation_codes(&err) {
                Some(codes) if codes.contains(&CONDITION_FAILED) => Ok(Attempt::Done(false)),
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
        company_id: &CompanyId,
        import_id: &ImportId,
    ) -> Result<Option<ImportStatus>, StoreError> {
        let Some(record) = self.t.record(company_id, import_id).await? else {
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
            .t
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
}
