//! The chunk queue: the splitter's side.

use crate::error::{aws, request, StoreError};
use crate::retry::{until_done, Attempt};
use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
use aws_sdk_sqs::Client;
use dic_core::chunk::ChunkMessage;
use tracing::warn;

/// SQS limits a batch to 10 messages and 256 KiB in all.
const BATCH_MAX_MESSAGES: usize = 10;
const BATCH_MAX_BYTES: usize = 256 * 1024;

#[derive(Clone, Debug)]
pub struct ChunkQueue {
    client: Client,
    url: String,
}

impl ChunkQueue {
    pub fn new(client: Client, url: String) -> ChunkQueue {
        ChunkQueue { client, url }
    }

    /// Sends every chunk, batching within SQS's limits and resending any
    /// entry a batch reports as failed. Returns the number of requests made.
    ///
    /// Messages are serialized a batch at a time: a file's chunks all
    /// serialized at once would hold a second copy of the file.
    pub async fn send_all(&self, chunks: &[ChunkMessage]) -> Result<usize, StoreError> {
        let mut requests = 0;
        let mut batch: Vec<(u32, String)> = Vec::with_capacity(BATCH_MAX_MESSAGES);
        let mut bytes = 0;
        for chunk in chunks {
            let body = chunk.to_json();
            let full = batch.len() == BATCH_MAX_MESSAGES || bytes + body.len() > BATCH_MAX_BYTES;
            if full && !batch.is_empty() {
                requests += self.send_batch(std::mem::take(&mut batch)).await?;
                bytes = 0;
            }
            bytes += body.len();
            batch.push((chunk.chunk_index, body));
        }
        if !batch.is_empty() {
            requests += self.send_batch(batch).await?;
        }
        Ok(requests)
    }

    /// Sends one batch, again for the entries that failed (see
    /// [`crate::retry`]); returns the number of requests made.
    async fn send_batch(&self, batch: Vec<(u32, String)>) -> Result<usize, StoreError> {
        until_done(
            "SendMessageBatch failed entries",
            (batch, 0),
            |(mut batch, requests)| async move {
                let entries = batch
                    .iter()
                    .map(|(index, body)| {
                        SendMessageBatchRequestEntry::builder()
                            .id(format!("c{index}"))
                            .message_body(body)
                            .build()
                            .map_err(request("SendMessageBatch entry"))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let out = self
                    .client
                    .send_message_batch()
                    .queue_url(&self.url)
                    .set_entries(Some(entries))
                    .send()
                    .await
                    .map_err(aws("SendMessageBatch"))?;
                let requests = requests + 1;
                let Some(first) = out.failed.first() else {
                    return Ok(Attempt::Done(requests));
                };
                warn!(
                    failed = out.failed.len(),
                    code = %first.code,
                    "chunk messages not sent; sending them again"
                );
                let failed: Vec<&str> = out.failed.iter().map(|f| f.id.as_str()).collect();
                batch.retain(|(index, _)| failed.contains(&format!("c{index}").as_str()));
                Ok(Attempt::Again((batch, requests)))
            },
        )
        .await
    }
}
