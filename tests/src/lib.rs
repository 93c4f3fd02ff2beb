//! The end-to-end tests' harness: each test gets a stack of its own on the
//! emulator (its own bucket, queues and tables, under a unique prefix) and
//! its own company, so tests run in parallel without seeing each other.

use aws_lambda_events::event::s3::S3Event;
use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use dic_aws::clients::Clients;
use dic_aws::keys::upload_key;
use dic_aws::local::{
    provision, s3_event_from_notification, spawn_host, HostHandle, HostOptions, LocalStack,
    StackNames,
};
use dic_aws::model::{now, ImportRecord, ImportSource};
use dic_aws::Deps;
use dic_core::mapping::{suggested_mapping, Mapping};
use dic_core::prepare::analyze;
use dic_core::Entity;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub struct TestStack {
    pub deps: Arc<Deps>,
    pub stack: LocalStack,
    pub company: String,
    host: Option<HostHandle>,
}

/// A sample file from `events/`.
pub fn sample(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../events")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// The mapping the suggestions give, as an admin accepting them would.
pub fn suggested(entity: Entity, bytes: &[u8]) -> Mapping {
    let (analysis, _) = analyze(entity, bytes).expect("sample file reads");
    suggested_mapping(&analysis.suggestions, 0.5)
}

impl TestStack {
    /// A fresh stack on the emulator. Refuses anything but a loopback
    /// endpoint, so a test can never touch a real AWS account.
    pub async fn new() -> TestStack {
        let endpoint = std::env::var("AWS_ENDPOINT_URL").unwrap_or_default();
        assert!(
            endpoint.starts_with("http://127.0.0.1") || endpoint.starts_with("http://localhost"),
            "AWS_ENDPOINT_URL must point at the local emulator (got {endpoint:?}): run the tests with `make test`"
        );
        let id = uuid::Uuid::new_v4().simple().to_string();
        let clients = Clients::from_env().await;
        // A short visibility timeout: a failed chunk comes back in seconds.
        let stack = provision(&clients, &StackNames::new(&format!("t{}", &id[..10])), 2)
            .await
            .expect("provisioning a test stack on the emulator");
        TestStack {
            deps: Arc::new(Deps::new(clients, stack.resources.clone())),
            stack,
            company: format!("company-{}", &id[..8]),
            host: None,
        }
    }

    /// Starts pollers that call the handlers, as the Lambdas would run.
    pub fn start_host(&mut self) {
        let options = HostOptions {
            concurrency: 3,
            wait_seconds: 1,
            ..HostOptions::default()
        };
        self.host = Some(spawn_host(self.deps.clone(), &self.stack, &options));
    }

    /// Creates an upload import as the API does, and uploads its file.
    pub async fn upload(
        &self,
        entity: Entity,
        file_name: &str,
        bytes: Vec<u8>,
        mapping: Option<Mapping>,
    ) -> String {
        let import_id = format!("imp-{}", uuid::Uuid::new_v4().simple());
        let key = upload_key(&self.company, &import_id, file_name);
        let mut import = ImportRecord::new(
            &self.company,
            &import_id,
            entity,
            ImportSource::Upload,
            file_name,
            &key,
            &now(),
        );
        import.mapping = mapping;
        assert!(self
            .deps
            .imports
            .create(&import)
            .await
            .expect("create import"));
        self.put_object(&key, bytes).await;
        import_id
    }

    pub async fn put_object(&self, key: &str, bytes: Vec<u8>) {
        self.deps
            .clients
            .s3
            .put_object()
            .bucket(&self.deps.resources.data_bucket)
            .key(key)
            .body(bytes.into())
            .send()
            .await
            .expect("put object");
    }

    pub async fn import(&self, import_id: &str) -> ImportRecord {
        self.deps
            .imports
            .get(&self.company, import_id)
            .await
            .expect("get import")
            .expect("import exists")
    }

    /// Waits until the import ends (or waits for a mapping).
    pub async fn wait_settled(&self, import_id: &str) -> ImportRecord {
        let start = Instant::now();
        loop {
            let import = self.import(import_id).await;
            if import.status.is_final() || import.status == dic_aws::model::ImportStatus::Uploaded {
                return import;
            }
            assert!(
                start.elapsed() < Duration::from_secs(120),
                "import {import_id} still {:?} after 120 s: {:?}",
                import.status,
                import.counters
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// The S3 notifications waiting on the events queue, removed from it.
    pub async fn take_s3_events(&self, expected: usize) -> Vec<S3Event> {
        let mut events = Vec::new();
        for message in self
            .take_messages(&self.stack.s3_events_queue_url, expected, |body| {
                !body.contains("s3:TestEvent")
            })
            .await
        {
            let body = message.body.as_deref().unwrap_or("");
            events.push(
                s3_event_from_notification(body)
                    .expect("an S3 event")
                    .expect("not a test event"),
            );
        }
        events
    }

    /// The chunk messages on the chunk queue, removed from it, as a Lambda
    /// would receive them.
    pub async fn take_chunk_messages(&self, expected: usize) -> Vec<SqsMessage> {
        self.take_messages(&self.stack.resources.chunk_queue_url, expected, |_| true)
            .await
    }

    async fn take_messages(
        &self,
        queue_url: &str,
        expected: usize,
        keep: impl Fn(&str) -> bool,
    ) -> Vec<SqsMessage> {
        let sqs = &self.deps.clients.sqs;
        let mut taken = Vec::new();
        let start = Instant::now();
        while taken.len() < expected && start.elapsed() < Duration::from_secs(30) {
            let out = sqs
                .receive_message()
                .queue_url(queue_url)
                .max_number_of_messages(10)
                .wait_time_seconds(1)
                .send()
                .await
                .expect("receive");
            for message in out.messages.unwrap_or_default() {
                if let Some(handle) = message.receipt_handle() {
                    sqs.delete_message()
                        .queue_url(queue_url)
                        .receipt_handle(handle)
                        .send()
                        .await
                        .expect("delete");
                }
                let body = message.body().unwrap_or("").to_string();
                if keep(&body) {
                    taken.push(SqsMessage {
                        message_id: message.message_id().map(str::to_string),
                        body: Some(body),
                        ..Default::default()
                    });
                }
            }
        }
        assert_eq!(taken.len(), expected, "messages on {queue_url}");
        taken
    }

    /// Messages still on a queue (visible), without taking them.
    pub async fn visible_messages(&self, queue_url: &str) -> usize {
        let out = self
            .deps
            .clients
            .sqs
            .get_queue_attributes()
            .queue_url(queue_url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages)
            .send()
            .await
            .expect("queue attributes");
        out.attributes
            .and_then(|a| {
                a.get(&aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages)
                    .cloned()
            })
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    }
}

/// Messages as one Lambda batch.
pub fn batch(messages: &[SqsMessage]) -> SqsEvent {
    SqsEvent {
        records: messages.to_vec(),
    }
}
