//! The records table: the platform's employees, providers, locations and
//! enrollments, keyed by (company, entity, record key).
//!
//! Writers never lose each other's updates: every item carries a version,
//! and a write is conditional on the version its decision was made from.
//! A write that lost a race is read and decided again; the fingerprints in
//! [`StoredRecord`] make deciding again safe after a partial success.

use crate::error::{aws, cancellation_codes, request, transient, StoreError, CONDITION_FAILED};
use crate::keys::record_pk;
use crate::retry::{until_done, Attempt};
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes, Put, TransactWriteItem};
use aws_sdk_dynamodb::Client;
use dic_core::ids::CompanyId;
use dic_core::upsert::{Decision, StoredRecord};
use dic_core::Entity;
use futures::stream::{self, StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// Keys a BatchGetItem reads, and actions a transaction holds.
const BATCH_MAX: usize = 100;
/// A transaction's share of DynamoDB's 4 MB per transaction, with room
/// for attribute names and the estimate's slack.
const TRANSACTION_BYTES: usize = 3 << 20;
const SK: &str = "RECORD";

#[derive(Clone, Debug)]
pub struct RecordStore {
    client: Client,
    table: String,
}

/// The stored item: the record plus what scopes it, and its version.
#[derive(Serialize, Deserialize)]
struct RecordItem {
    pk: String,
    sk: String,
    company_id: String,
    entity: Entity,
    key: String,
    /// Raised by every write; absent on items written before versions.
    #[serde(default)]
    version: u64,
    #[serde(flatten)]
    record: StoredRecord,
}

impl RecordStore {
    pub fn new(client: Client, table: String) -> RecordStore {
        RecordStore { client, table }
    }

    /// The stored records among `keys`, by key; absent keys are left out.
    pub async fn get_many(
        &self,
        company_id: &CompanyId,
        entity: Entity,
        keys: &[&str],
    ) -> Result<HashMap<String, StoredRecord>, StoreError> {
        let reads: Vec<_> = keys
            .chunks(BATCH_MAX)
            .map(|batch| self.read(company_id, entity, batch))
            .collect();
        let batches: Vec<_> = stream::iter(reads)
            .buffer_unordered(crate::batch::CONCURRENT_BATCHES)
            .try_collect()
            .await?;
        Ok(batches
            .into_iter()
            .flatten()
            .map(|item| (item.key, item.record))
            .collect())
    }

    pub async fn get(
        &self,
        company_id: &CompanyId,
        entity: Entity,
        key: &str,
    ) -> Result<Option<StoredRecord>, StoreError> {
        Ok(self.get_many(company_id, entity, &[key]).await?.remove(key))
    }

    /// Decides each key's write from its stored record with `decide(index,
    /// stored)` and writes it, conditional on what was read; returns the
    /// decisions that were written. Groups of 100 keys run concurrently.
    pub async fn upsert<D>(
        &self,
        company_id: &CompanyId,
        entity: Entity,
        keys: &[&str],
        decide: D,
    ) -> Result<Vec<Decision>, StoreError>
    where
        D: Fn(usize, Option<&StoredRecord>) -> Decision + Sync,
    {
        let decide = &decide;
        let groups: Vec<_> = groups(keys)
            .into_iter()
            .map(|group| async move {
                let decided = self.upsert_group(company_id, entity, keys, &group, decide);
                decided
                    .await
                    .map(|decisions| group.into_iter().zip(decisions))
            })
            .collect();
        let written: Vec<_> = stream::iter(groups)
            .buffer_unordered(crate::batch::CONCURRENT_BATCHES)
            .try_collect()
            .await?;
        let mut decisions: Vec<Option<Decision>> = vec![None; keys.len()];
        for (index, decision) in written.into_iter().flatten() {
            decisions[index] = Some(decision);
        }
        Ok(decisions.into_iter().flatten().collect())
    }

    /// One group of distinct keys: read, decide, write conditionally; again
    /// from the read when another writer got there first.
    async fn upsert_group<D>(
        &self,
        company_id: &CompanyId,
        entity: Entity,
        keys: &[&str],
        group: &[usize],
        decide: &D,
    ) -> Result<Vec<Decision>, StoreError>
    where
        D: Fn(usize, Option<&StoredRecord>) -> Decision + Sync,
    {
        let group_keys: Vec<&str> = group.iter().map(|&i| keys[i]).collect();
        until_done("records upsert", (), |()| async {
            let stored: HashMap<String, RecordItem> = self
                .read(company_id, entity, &group_keys)
                .await?
                .into_iter()
                .map(|item| (item.key.clone(), item))
                .collect();
            let decisions: Vec<Decision> = group
                .iter()
                .map(|&i| decide(i, stored.get(keys[i]).map(|item| &item.record)))
                .collect();
            let mut puts = Vec::new();
            for (key, decision) in group_keys.iter().zip(&decisions) {
                if let Decision::Apply {
                    write: Some(record),
                    ..
                } = decision
                {
                    let read = stored.get(*key).map(|item| item.version);
                    puts.push(self.conditional_put(company_id, entity, key, record, read)?);
                }
            }
            Ok(if self.transact(puts).await? {
                Attempt::Done(decisions)
            } else {
                Attempt::Again(())
            })
        })
        .await
    }

    /// A put of `record` that holds only if the item is still at the
    /// version read (`None`: still absent).
    fn conditional_put(
        &self,
        company_id: &CompanyId,
        entity: Entity,
        key: &str,
        record: &StoredRecord,
        read: Option<u64>,
    ) -> Result<(Put, usize), StoreError> {
        let item = RecordItem {
            pk: record_pk(company_id, entity, key),
            sk: SK.to_string(),
            company_id: company_id.to_string(),
            entity,
            key: key.to_string(),
            version: read.unwrap_or(0) + 1,
            record: record.clone(),
        };
        let bytes = 256
            + key.len()
            + record
                .values
                .iter()
                .map(|(k, v)| k.len() + v.len() + 8)
                .sum::<usize>();
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(serde_dynamo::to_item(item)?))
            .expression_attribute_names("#pk", "pk");
        let put = match read {
            None => put.condition_expression("attribute_not_exists(#pk)"),
            Some(0) => put
                .condition_expression("attribute_exists(#pk) AND attribute_not_exists(#version)")
                .expression_attribute_names("#version", "version"),
            Some(version) => put
                .condition_expression("attribute_exists(#pk) AND #version = :version")
                .expression_attribute_names("#version", "version")
                .expression_attribute_values(":version", AttributeValue::N(version.to_string())),
        };
        Ok((put.build().map_err(request("Put record"))?, bytes))
    }

    /// Sends the puts in transactions within DynamoDB's limits; `false`
    /// when one was canceled by a race or throttling (its writes did not
    /// happen, others may have: deciding again from a fresh read is safe).
    async fn transact(&self, puts: Vec<(Put, usize)>) -> Result<bool, StoreError> {
        let mut all_written = true;
        for batch in transactions(puts) {
            let result = self
                .client
                .transact_write_items()
                .set_transact_items(Some(
                    batch
                        .into_iter()
                        .map(|put| TransactWriteItem::builder().put(put).build())
                        .collect(),
                ))
                .send()
                .await;
            if let Err(err) = result {
                let retry = cancellation_codes(&err).is_some_and(|codes| {
                    codes
                        .iter()
                        .all(|&c| c == "None" || c == CONDITION_FAILED || transient(c))
                });
                if !retry {
                    return Err(aws("TransactWriteItems records")(err));
                }
                all_written = false;
            }
        }
        Ok(all_written)
    }

    /// The stored items of at most 100 keys.
    async fn read(
        &self,
        company_id: &CompanyId,
        entity: Entity,
        batch: &[&str],
    ) -> Result<Vec<RecordItem>, StoreError> {
        let mut keys = KeysAndAttributes::builder().consistent_read(true);
        for key in batch {
            keys = keys.keys(HashMap::from([
                (
                    "pk".to_string(),
                    AttributeValue::S(record_pk(company_id, entity, key)),
                ),
                ("sk".to_string(), AttributeValue::S(SK.to_string())),
            ]));
        }
        let request = keys.build().map_err(request("KeysAndAttributes"))?;
        crate::batch::get_all(&self.client, &self.table, request, "BatchGetItem records")
            .await?
            .into_iter()
            .map(|item| Ok(serde_dynamo::from_item(item)?))
            .collect()
    }
}

/// Key indices in groups of at most [`BATCH_MAX`], a key at most once per
/// group (a transaction may not touch one item twice).
fn groups(keys: &[&str]) -> Vec<Vec<usize>> {
    let mut groups: Vec<(Vec<usize>, HashSet<&str>)> = Vec::new();
    for (index, key) in keys.iter().enumerate() {
        let open = groups
            .iter_mut()
            .find(|(group, seen)| group.len() < BATCH_MAX && !seen.contains(key));
        match open {
            Some((group, seen)) => {
                group.push(index);
                seen.insert(key);
            }
            None => groups.push((vec![index], HashSet::from([*key]))),
        }
    }
    groups.into_iter().map(|(group, _)| group).collect()
}

/// Puts in transactions of at most 100 actions and [`TRANSACTION_BYTES`].
fn transactions(puts: Vec<(Put, usize)>) -> Vec<Vec<Put>> {
    let mut batches: Vec<Vec<Put>> = Vec::new();
    let mut bytes = 0;
    for (put, size) in puts {
        match batches.last_mut() {
            Some(batch) if batch.len() < BATCH_MAX && bytes + size <= TRANSACTION_BYTES => {
                batch.push(put);
                bytes += size;
            }
            _ => {
                batches.push(vec![put]);
                bytes = size;
            }
        }
    }
    batches
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_hold_at_most_a_hundred_distinct_keys() {
        let keys: Vec<String> = (0..250).map(|i| format!("k{i}")).collect();
        let mut keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        keys.push("k3");
        let groups = groups(&keys);
        assert_eq!(
            groups.iter().map(Vec::len).collect::<Vec<_>>(),
            [100, 100, 51]
        );
        for group in &groups {
            let distinct: HashSet<&str> = group.iter().map(|&i| keys[i]).collect();
            assert_eq!(distinct.len(), group.len(), "a key twice in one group");
        }
    }

    fn put(n: usize) -> Put {
        Put::builder()
            .table_name("t")
            .item("pk", AttributeValue::S(n.to_string()))
            .build()
            .unwrap()
    }

    #[test]
    fn transactions_stay_within_the_action_and_size_limits() {
        let small: Vec<_> = (0..150).map(|n| (put(n), 1_000)).collect();
        assert_eq!(
            transactions(small).iter().map(Vec::len).collect::<Vec<_>>(),
            [100, 50]
        );
        let large: Vec<_> = (0..100).map(|n| (put(n), 70_000)).collect();
        let batches = transactions(large);
        assert!(batches.len() > 1);
        assert!(batches
            .iter()
            .all(|b| b.len() * 70_000 <= TRANSACTION_BYTES));
        assert_eq!(batches.iter().map(Vec::len).sum::<usize>(), 100);
    }
}
