//! The records table: the platform's employees, providers, locations and
//! enrollments, keyed by (company, entity, record key).

use crate::error::{aws, StoreError};
use crate::keys::record_pk;
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes, PutRequest, WriteRequest};
use aws_sdk_dynamodb::Client;
use dic_core::upsert::StoredRecord;
use dic_core::Entity;
use futures::stream::{self, StreamExt};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::time::Duration;

const BATCH_GET_MAX: usize = 100;
const SK: &str = "RECORD";

#[derive(Clone, Debug)]
pub struct RecordStore {
    client: Client,
    table: String,
}

/// The stored item: the record plus what scopes it.
#[derive(Serialize, Deserialize)]
struct RecordItem {
    pk: String,
    sk: String,
    company_id: String,
    entity: Entity,
    key: String,
    #[serde(flatten)]
    record: StoredRecord,
}

impl RecordStore {
    pub fn new(client: Client, table: String) -> RecordStore {
        RecordStore { client, table }
    }

    /// The stored records among `keys`, by key; absent keys are left out.
    /// Batches of 100 keys are read concurrently, a few at a time.
    pub async fn get_many(
        &self,
        company_id: &str,
        entity: Entity,
        keys: &[&str],
    ) -> Result<HashMap<String, StoredRecord>, StoreError> {
        let mut found = HashMap::with_capacity(keys.len());
        // Futures made before the stream, as in `batch::write_all`.
        let reads: Vec<_> = keys
            .chunks(BATCH_GET_MAX)
            .map(|batch| self.get_batch(company_id, entity, batch))
            .collect();
        let mut batches = stream::iter(reads).buffer_unordered(crate::batch::CONCURRENT_BATCHES);
        while let Some(records) = batches.next().await {
            found.extend(records?);
        }
        Ok(found)
    }

    /// One BatchGetItem of at most 100 keys, with its unprocessed keys read
    /// again until none are left.
    async fn get_batch(
        &self,
        company_id: &str,
        entity: Entity,
        batch: &[&str],
    ) -> Result<Vec<(String, StoredRecord)>, StoreError> {
        let mut found = Vec::with_capacity(batch.len());
        let mut request = KeysAndAttributes::builder().consistent_read(true);
        for key in batch {
            request = request.keys(HashMap::from([
                (
                    "pk".to_string(),
                    AttributeValue::S(record_pk(company_id, entity, key)),
                ),
                ("sk".to_string(), AttributeValue::S(SK.to_string())),
            ]));
        }
        let mut pending = Some(request.build().map_err(aws("KeysAndAttributes"))?);
        let mut attempt = 0u32;
        while let Some(request) = pending.take() {
            let out = self
                .client
                .batch_get_item()
                .request_items(&self.table, request)
                .send()
                .await
                .map_err(aws("BatchGetItem records"))?;
            for item in out
                .responses
                .and_then(|mut r| r.remove(&self.table))
                .unwrap_or_default()
            {
                let item: RecordItem = serde_dynamo::from_item(item)?;
                found.push((item.key, item.record));
            }
            pending = out
                .unprocessed_keys
                .and_then(|mut left| left.remove(&self.table))
                .filter(|left| !left.keys.is_empty());
            if pending.is_some() {
                attempt += 1;
                if attempt > 8 {
                    return Err(StoreError::Incomplete(
                        "records stayed unread after 8 attempts".into(),
                    ));
                }
                tokio::time::sleep(Duration::from_millis(25 << attempt)).await;
            }
        }
        Ok(found)
    }

    /// Writes records (whole items: a record's values change together).
    pub async fn put_many(
        &self,
        company_id: &str,
        entity: Entity,
        records: Vec<(String, StoredRecord)>,
    ) -> Result<(), StoreError> {
        let mut requests = Vec::with_capacity(records.len());
        for (key, record) in records {
            let item = RecordItem {
                pk: record_pk(company_id, entity, &key),
                sk: SK.to_string(),
                company_id: company_id.to_string(),
                entity,
                key,
                record,
            };
            let put = PutRequest::builder()
                .set_item(Some(serde_dynamo::to_item(item)?))
                .build()
                .map_err(aws("PutRequest record"))?;
            requests.push(WriteRequest::builder().put_request(put).build());
        }
        crate::batch::write_all(&self.client, &self.table, requests).await
    }

    pub async fn get(
        &self,
        company_id: &str,
        entity: Entity,
        key: &str,
    ) -> Result<Option<StoredRecord>, StoreError> {
        Ok(self.get_many(company_id, entity, &[key]).await?.remove(key))
    }
}
