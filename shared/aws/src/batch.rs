//! Batch writes with DynamoDB's limits (25 items a request) and its
//! unprocessed items retried with backoff, so nothing is silently dropped.

use crate::error::{aws, StoreError};
use aws_sdk_dynamodb::types::WriteRequest;
use aws_sdk_dynamodb::Client;
use std::collections::HashMap;
use std::time::Duration;

const BATCH_WRITE_MAX: usize = 25;
const ATTEMPTS: u32 = 8;

pub(crate) async fn write_all(
    client: &Client,
    table: &str,
    requests: Vec<WriteRequest>,
) -> Result<(), StoreError> {
    let mut pending = requests;
    while !pending.is_empty() {
        let rest = pending.split_off(pending.len().min(BATCH_WRITE_MAX));
        let mut batch = pending;
        pending = rest;
        for attempt in 0.. {
            let out = client
                .batch_write_item()
                .set_request_items(Some(HashMap::from([(table.to_string(), batch)])))
                .send()
                .await
                .map_err(aws("BatchWriteItem"))?;
            batch = out
                .unprocessed_items
                .and_then(|mut left| left.remove(table))
                .unwrap_or_default();
            if batch.is_empty() {
                break;
            }
            if attempt + 1 == ATTEMPTS {
                return Err(StoreError::Incomplete(format!(
                    "{} items stayed unprocessed after {ATTEMPTS} attempts",
                    batch.len()
                )));
            }
            tokio::time::sleep(Duration::from_millis(25 << attempt)).await;
        }
    }
    Ok(())
}
