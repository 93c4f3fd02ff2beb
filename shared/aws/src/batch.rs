//! Batch reads and writes with DynamoDB's limits (25 items a request) and its
//! unprocessed items retried (see [`crate::retry`]), so nothing is silently
//! dropped.
//! A call's batches go out concurrently, a few at a time: the items of one
//! call are distinct, so their order does not matter.

use crate::error::{aws, StoreError};
use crate::retry::{until_done, Attempt};
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes, WriteRequest};
use aws_sdk_dynamodb::Client;
use futures::stream::{self, StreamExt, TryStreamExt};
use std::collections::HashMap;

const BATCH_WRITE_MAX: usize = 25;
/// Batches of one call in flight at once.
pub(crate) const CONCURRENT_BATCHES: usize = 4;

pub(crate) async fn write_all(
    client: &Client,
    table: &str,
    requests: Vec<WriteRequest>,
) -> Result<(), StoreError> {
    let mut batches = Vec::with_capacity(requests.len().div_ceil(BATCH_WRITE_MAX));
    let mut requests = requests.into_iter().peekable();
    while requests.peek().is_some() {
        batches.push(requests.by_ref().take(BATCH_WRITE_MAX).collect::<Vec<_>>());
    }
    // The futures are made before the stream: a closure inside it would
    // not be Send for every lifetime, as a spawned task needs.
    let writes: Vec<_> = batches
        .into_iter()
        .map(|batch| write_batch(client, table, batch))
        .collect();
    stream::iter(writes)
        .buffer_unordered(CONCURRENT_BATCHES)
        .try_collect::<()>()
        .await
}

/// One BatchWriteItem, with its unprocessed items sent again until none
/// are left.
async fn write_batch(
    client: &Client,
    table: &str,
    batch: Vec<WriteRequest>,
) -> Result<(), StoreError> {
    until_done(
        "BatchWriteItem unprocessed items",
        batch,
        |batch| async move {
            let out = client
                .batch_write_item()
                .set_request_items(Some(HashMap::from([(table.to_string(), batch)])))
                .send()
                .await
                .map_err(aws("BatchWriteItem"))?;
            let left = out
                .unprocessed_items
                .and_then(|mut left| left.remove(table))
                .unwrap_or_default();
            Ok(if left.is_empty() {
                Attempt::Done(())
            } else {
                Attempt::Again(left)
            })
        },
    )
    .await
}

/// One BatchGetItem of at most 100 keys of one table, its unprocessed keys
/// read again until none are left.
pub(crate) async fn get_all(
    client: &Client,
    table: &str,
    request: KeysAndAttributes,
    operation: &'static str,
) -> Result<Vec<HashMap<String, AttributeValue>>, StoreError> {
    until_done(
        operation,
        (request, Vec::new()),
        |(request, mut found)| async move {
            let out = client
                .batch_get_item()
                .request_items(table, request)
                .send()
                .await
                .map_err(aws(operation))?;
            found.extend(
                out.responses
                    .and_then(|mut r| r.remove(table))
                    .unwrap_or_default(),
            );
            Ok(
                match out
                    .unprocessed_keys
                    .and_then(|mut left| left.remove(table))
                    .filter(|left| !left.keys.is_empty())
                {
                    Some(left) => Attempt::Again((left, found)),
                    None => Attempt::Done(found),
                },
            )
        },
    )
    .await
}
