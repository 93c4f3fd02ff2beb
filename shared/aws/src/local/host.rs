//! Polls the local queues and calls the handlers, as Lambda's event source
//! mappings and S3 notifications do on AWS: same batch sizes, partial batch
//! failures honoured, failed messages retried after a short backoff and
//! dead-lettered by the queue's own redrive policy.

use super::provision::LocalStack;
use crate::dead_letter::count_dead_chunks;
use crate::deps::Deps;
use crate::process::process_chunk_batch;
use crate::split::split_messages;
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, Message, MessageSystemAttributeName};
use aws_smithy_types::error::display::DisplayErrorContext;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinSet;
use tracing::{error, warn};

/// The row processor's and dead-letter function's `BatchSize`.
pub const BATCH_SIZE: i32 = 10;

#[derive(Clone, Debug)]
pub struct HostOptions {
    /// Row processors running at once, like Lambda's concurrency.
    pub concurrency: usize,
    /// Long-poll wait; short keeps tests and shutdown quick.
    pub wait_seconds: i32,
    /// How often the sweeper runs, as its schedule does on AWS.
    pub sweep_every: Duration,
}

impl Default for HostOptions {
    fn default() -> Self {
        HostOptions {
            concurrency: 4,
            wait_seconds: 1,
            sweep_every: Duration::from_secs(60),
        }
    }
}

/// The running host; dropping it stops every poller.
pub struct HostHandle {
    tasks: JoinSet<()>,
}

impl HostHandle {
    pub fn stop(mut self) {
        self.tasks.abort_all();
    }
}

impl Drop for HostHandle {
    fn drop(&mut self) {
        self.tasks.abort_all();
    }
}

pub fn spawn_host(deps: Arc<Deps>, stack: &LocalStack, options: &HostOptions) -> HostHandle {
    let mut tasks = JoinSet::new();
    let wait = options.wait_seconds;
    let splits = stack.resources.split_queue_url.clone();
    let d = deps.clone();
    tasks.spawn(poll(d.clone(), splits, 1, wait, move |batch| {
        let d = d.clone();
        async move { split_messages(batch, &d).await }
    }));
    for _ in 0..options.concurrency.max(1) {
        let d = deps.clone();
        let url = stack.resources.chunk_queue_url.clone();
        tasks.spawn(poll(d.clone(), url, BATCH_SIZE, wait, move |batch| {
            let d = d.clone();
            async move { process_chunk_batch(batch, &d).await }
        }));
    }
    let d = deps.clone();
    tasks.spawn(poll(
        d.clone(),
        stack.dead_letter_queue_url.clone(),
        BATCH_SIZE,
        wait,
        move |batch| {
            let d = d.clone();
            async move { count_dead_chunks(batch, &d).await }
        },
    ));
    let d = deps.clone();
    let every = options.sweep_every;
    tasks.spawn(async move {
        let mut ticker = tokio::time::interval(every);
        loop {
            ticker.tick().await;
            if let Err(err) = crate::sweep::sweep_stale_splits(&d).await {
                error!(%err, "sweep failed");
            }
        }
    });
    HostHandle { tasks }
}

async fn poll<F, Fut>(
    deps: Arc<Deps>,
    queue_url: String,
    batch_size: i32,
    wait_seconds: i32,
    handler: F,
) where
    F: Fn(SqsEvent) -> Fut,
    Fut: Future<Output = SqsBatchResponse>,
{
    let sqs = &deps.clients.sqs;
    loop {
        let received = sqs
            .receive_message()
            .queue_url(&queue_url)
            .max_number_of_messages(batch_size)
            .wait_time_seconds(wait_seconds)
            .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
            .send()
            .await;
        let messages = match received {
            Ok(out) => out.messages.unwrap_or_default(),
            Err(err) => {
                warn!(err = %DisplayErrorContext(&err), "receive failed");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if messages.is_empty() {
            continue;
        }
        let event = SqsEvent {
            records: messages.iter().map(lambda_message).collect(),
        };
        let response = handler(event).await;
        let failed: Vec<&str> = response
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.as_str())
            .collect();
        settle(sqs, &queue_url, &messages, &failed).await;
    }
}

/// Deletes the handled messages, in one request as Lambda's event source
/// mapping does, and makes the failed ones visible again soon, as after a
/// short visibility timeout.
async fn settle(sqs: &aws_sdk_sqs::Client, queue_url: &str, messages: &[Message], failed: &[&str]) {
    let mut handled = Vec::with_capacity(messages.len());
    for (i, message) in messages.iter().enumerate() {
        let Some(handle) = message.receipt_handle() else {
            continue;
        };
        if failed.contains(&message.message_id().unwrap_or("")) {
            let result = sqs
                .change_message_visibility()
                .queue_url(queue_url)
                .receipt_handle(handle)
                .visibility_timeout(retry_delay(message))
                .send()
                .await;
            if let Err(err) = result {
                warn!(err = %DisplayErrorContext(&err), "could not make a failed message visible again");
            }
        } else {
            match DeleteMessageBatchRequestEntry::builder()
                .id(i.to_string())
                .receipt_handle(handle)
                .build()
            {
                Ok(entry) => handled.push(entry),
                Err(err) => warn!(%err, "could not delete a message"),
            }
        }
    }
    if handled.is_empty() {
        return;
    }
    let result = sqs
        .delete_message_batch()
        .queue_url(queue_url)
        .set_entries(Some(handled))
        .send()
        .await;
    match result {
        Ok(out) if !out.failed.is_empty() => {
            warn!(
                failed = out.failed.len(),
                "could not delete some messages; they come back"
            )
        }
        Ok(_) => {}
        Err(err) => {
            warn!(err = %DisplayErrorContext(&err), "could not delete messages; they come back")
        }
    }
}

fn retry_delay(message: &Message) -> i32 {
    let receives: i32 = message
        .attributes()
        .and_then(|a| a.get(&MessageSystemAttributeName::ApproximateReceiveCount))
        .and_then(|n| n.parse().ok())
        .unwrap_or(1);
    receives.clamp(1, 5)
}

fn lambda_message(message: &Message) -> SqsMessage {
    SqsMessage {
        message_id: message.message_id().map(str::to_string),
        receipt_handle: message.receipt_handle().map(str::to_string),
        body: message.body().map(str::to_string),
        attributes: message
            .attributes()
            .map(|a| {
                a.iter()
                    .map(|(k, v)| (k.as_str().to_string(), v.clone()))
                    .collect()
            })
            .unwrap_or_default(),
        event_source: Some("aws:sqs".into()),
        ..Default::default()
    }
}
