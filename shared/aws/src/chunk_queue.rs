//! The chunk queue: the splitter's side.

use crate::error::{aws, StoreError};
use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
use aws_sdk_sqs::Client;
use dic_core::chunk::ChunkMessage;

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
    pub async fn send_all(&self, chunks: &[ChunkMessage]) -> Result<usize, StoreError> {
        let bodies: Vec<(u32, String)> = chunks
            .iter()
            .map(|chunk| (chunk.chunk_index, chunk.to_json()))
            .collect();
        let mut requests = 0;
        let mut start = 0;
        while start < bodies.len() {
            let mut end = start;
            let mut bytes = 0;
            while end < bodies.len()
                && end - start < BATCH_MAX_MESSAGES
                && (end == start || bytes + bodies[end].1.len() <= BATCH_MAX_BYTES)
            {
                bytes += bodies[end].1.len();
                end += 1;
            }
            let mut batch: Vec<&(u32, String)> = bodies[start..end].iter().collect();
            for attempt in 0..5 {
                requests += 1;
                let entries = batch
                    .iter()
                    .map(|(index, body)| {
                        SendMessageBatchRequestEntry::builder()
                            .id(format!("c{index}"))
                            .message_body(body)
                            .build()
                            .map_err(aws("SendMessageBatch entry"))
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
                if out.failed.is_empty() {
                    break;
                }
                if attempt == 4 {
                    return Err(StoreError::Incomplete(format!(
                        "{} chunk messages could not be sent: {}",
                        out.failed.len(),
                        out.failed[0]
                            .message
                            .as_deref()
                            .unwrap_or("no reason given")
                    )));
                }
                let failed: Vec<&str> = out.failed.iter().map(|f| f.id.as_str()).collect();
                batch.retain(|(index, _)| failed.contains(&format!("c{index}").as_str()));
            }
            start = end;
        }
        Ok(requests)
    }
}
