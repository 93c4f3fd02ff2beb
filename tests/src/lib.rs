//! The end-to-end tests' harness: each test gets a stack of its own on the
//! emulator (its own bucket, queues and tables, under a unique prefix) and
//! its own company, so tests run in parallel without seeing each other.

#![forbid(unsafe_code)]

use aws_lambda_events::event::s3::S3Event;
use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use dic_aws::clients::Clients;
use dic_aws::keys::upload_key;
use dic_aws::local::{
    provision, s3_event_from_notification, spawn_host, HostHandle, HostOptions, LocalStack,
    StackNames,
};
use dic_aws::model::{ImportRecord, ImportSource};
use dic_aws::Deps;
use dic_core::chunk::ChunkMessage;
use dic_core::ids::{CompanyId, ImportId};
use dic_core::mapping::{suggested_mapping, Mapping};
use dic_core::prepare::analyze;
use dic_core::preview::{preview_file, FilePreview};
use dic_core::template::ImportSettings;
use dic_core::upsert::StoredRecord;
use dic_core::Entity;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub struct TestStack {
    pub deps: Arc<Deps>,
    pub stack: LocalStack,
    pub company: CompanyId,
    host: Option<HostHandle>,
}

/// A sample file from `events/`.
pub fn sample(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../events")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// A sample event of `events/` with the demo company and import replaced
/// by a test's own, so tests stay apart.
pub fn fixture(name: &str, company: &str, import_id: &str) -> String {
    String::from_utf8(sample(name))
        .expect("events are UTF-8")
        .replace("company-demo", company)
        .replace("imp-demo", import_id)
}

/// `events/apigw-v2-jwt.json`, the v2 request behind the JWT authorizer, as
/// `method path` with a JSON `body`, from a verified admin of `company`.
pub fn api_v2_request(
    company: &str,
    method: &str,
    path: &str,
    body: Option<serde_json::Value>,
) -> serde_json::Value {
    let mut event: serde_json::Value =
        serde_json::from_str(&fixture("apigw-v2-jwt.json", company, "")).expect("JSON");
    event["rawPath"] = path.into();
    event["rawQueryString"] = "".into();
    if let Some(event) = event.as_object_mut() {
        event.remove("queryStringParameters");
    }
    event["requestContext"]["http"]["method"] = method.into();
    event["requestContext"]["http"]["path"] = path.into();
    if let Some(body) = body {
        event["body"] = body.to_string().into();
        event["headers"]["content-type"] = "application/json".into();
    }
    event
}

/// The mapping the suggestions give, as an admin accepting them would.
pub fn suggested(entity: Entity, bytes: &[u8]) -> Mapping {
    let (analysis, _) = analyze(entity, bytes).expect("sample file reads");
    suggested_mapping(&analysis.suggestions, 0.5)
}

/// What the engine alone says of every row of a file, judged as an import
/// judges it (the preview plans the rows as a split does): the measure an
/// import's outcome is checked against.
pub fn engine_verdicts(entity: Entity, bytes: &[u8], mapping: &Mapping) -> FilePreview {
    let (_, table) = analyze(entity, bytes).expect("sample file reads");
    preview_file(
        entity,
        table,
        mapping,
        ImportSettings::default(),
        usize::MAX,
    )
    .expect("sample file plans")
}

/// Refuses to run unless every AWS endpoint is on this machine: the
/// general `AWS_ENDPOINT_URL` and each per-service one that is set, such as
/// `AWS_ENDPOINT_URL_DYNAMODB` (DynamoDB Local on the local stack).
fn assert_local_endpoints() {
    let endpoint = std::env::var("AWS_ENDPOINT_URL").unwrap_or_default();
    assert!(
        is_loopback(&endpoint),
        "AWS_ENDPOINT_URL must point at the local emulator (got {endpoint:?}): run the tests with `make test`"
    );
    for (name, value) in std::env::vars() {
        if name.starts_with("AWS_ENDPOINT_URL_") {
            assert!(
                is_loopback(&value),
                "{name} must point at a local emulator (got {value:?}): run the tests with `make test`"
            );
        }
    }
}

/// `http://127.0.0.1…` or `http://localhost…`, and nothing after the host
/// but a port or a path (`http://127.0.0.1.example.com` is not local).
fn is_loopback(endpoint: &str) -> bool {
    ["http://127.0.0.1", "http://localhost"].iter().any(|host| {
        endpoint
            .strip_prefix(host)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(':') || rest.starts_with('/'))
    })
}

impl TestStack {
    /// A fresh stack on the emulator. Refuses anything but a loopback
    /// endpoint, so a test can never touch a real AWS account.
    pub async fn new() -> TestStack {
        // A short visibility timeout: a failed chunk comes back in seconds.
        TestStack::with_visibility_timeout(2).await
    }

    /// A fresh stack whose queues hide a received message this long.
    pub async fn with_visibility_timeout(seconds: u32) -> TestStack {
        assert_local_endpoints();
        let id = uuid::Uuid::new_v4().simple().to_string();
        let clients = Clients::from_env().await;
        let stack = provision(
            &clients,
            &StackNames::new(&format!("t{}", &id[..10])),
            seconds,
        )
        .await
        .expect("provisioning a test stack on the emulator");
        TestStack {
            deps: Arc::new(Deps::new(clients, stack.resources.clone())),
            stack,
            company: CompanyId::parse(&format!("company-{}", &id[..8])).unwrap(),
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
    ) -> ImportId {
        let import_id = ImportId::parse(&format!("imp-{}", uuid::Uuid::new_v4().simple())).unwrap();
        let key = upload_key(&self.company, &import_id, file_name);
        let mut import = ImportRecord::new(
            self.company.clone(),
            import_id.clone(),
            entity,
            ImportSource::Upload,
            file_name,
            &key,
            chrono::Utc::now(),
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

    /// An import of one chunk in progress, as the splitter leaves it, for
    /// the chunk queue's sample batch (`events/sqs-chunk.json`, lines 2–4 of
    /// `employees.csv`).
    pub async fn started_for_sample_chunk(&self) -> ImportId {
        let id = ImportId::parse(&format!("imp-{}", uuid::Uuid::new_v4().simple())).unwrap();
        let import = ImportRecord::new(
            self.company.clone(),
            id.clone(),
            Entity::Employees,
            ImportSource::Upload,
            "employees.csv",
            "uploads/x/employees.csv",
            chrono::Utc::now(),
        );
        assert!(self.deps.imports.create(&import).await.expect("create"));
        let (analysis, _) = analyze(Entity::Employees, &sample("employees.csv")).expect("reads");
        self.deps
            .imports
            .start(&self.company, &id, 3, 1, &analysis)
            .await
            .expect("start");
        id
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

    /// The company's stored records of `entity` among `keys`, by key.
    pub async fn records(&self, entity: Entity, keys: &[&str]) -> HashMap<String, StoredRecord> {
        self.deps
            .records
            .get_many(&self.company, entity, keys)
            .await
            .expect("get records")
    }

    pub async fn import(&self, import_id: &ImportId) -> ImportRecord {
        self.deps
            .imports
            .get(&self.company, import_id)
            .await
            .expect("get import")
            .expect("import exists")
    }

    /// Waits until the import ends (or waits for a mapping).
    pub async fn wait_settled(&self, import_id: &ImportId) -> ImportRecord {
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
            .take_messages(&self.stack.resources.split_queue_url, expected, |body| {
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

    /// The S3 notifications on the split queue, removed from it, as a
    /// Lambda would receive them (bodies as the emulator wrote them).
    pub async fn take_split_messages(&self, expected: usize) -> Vec<SqsMessage> {
        self.take_messages(&self.stack.resources.split_queue_url, expected, |body| {
            !body.contains("s3:TestEvent")
        })
        .await
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

/// The chunk a queue message carries.
pub fn chunk_of(message: &SqsMessage) -> ChunkMessage {
    ChunkMessage::from_json(message.body.as_deref().unwrap()).unwrap()
}

/// Messages as one Lambda batch.
pub fn batch(messages: &[SqsMessage]) -> SqsEvent {
    SqsEvent {
        records: messages.to_vec(),
    }
}

/// The signing secret of the API a test serves; tokens signed with anything
/// else are refused.
pub const TEST_SECRET: &str = "dic-e2e-test-secret";

/// How long a test waits for an import before it fails.
const IMPORT_PATIENCE: Duration = Duration::from_secs(120);

/// The real admin API served over HTTP for one stack, and a client that
/// calls it as one caller. Tests go through HTTP, as the web app and `dic`
/// do, so routing, extractors, auth and JSON shapes are all exercised.
#[derive(Clone)]
pub struct TestApi {
    /// `http://127.0.0.1:{port}`
    pub base: String,
    http: reqwest::Client,
    /// The `Authorization` header sent, if any.
    authorization: Option<String>,
    _server: Arc<ServerTask>,
}

/// Stops the server when the last client of it is dropped.
struct ServerTask(tokio::task::JoinHandle<()>);

impl Drop for ServerTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A token of [`TEST_SECRET`] for `company` with `role` (`Admin`,
/// `SuperAdmin`, or any other role name the API should refuse).
pub fn token(company: &str, role: &str) -> String {
    dic_api::auth::local_token(TEST_SECRET, company, role, "e2e-test", 1).expect("signing a token")
}

impl TestStack {
    /// Serves the router for this stack's stores on 127.0.0.1 (a free port)
    /// and returns a client calling it as an `Admin` of `self.company`.
    /// Start the host too when files must be read and rows processed.
    pub async fn api(&self) -> TestApi {
        let router = dic_api::router(dic_api::AppState::new(
            self.deps.clone(),
            dic_api::auth::Authenticator::hs256(TEST_SECRET),
        ));
        let (address, server) = dic_api::serve::serve_loopback(router, 0)
            .await
            .expect("serving the API");
        TestApi {
            base: format!("http://{address}"),
            http: reqwest::Client::new(),
            authorization: Some(format!("Bearer {}", token(&self.company, "Admin"))),
            _server: Arc::new(ServerTask(server)),
        }
    }
}

impl TestApi {
    /// The same server, called as `role` of `company`.
    pub fn as_caller(&self, company: &str, role: &str) -> TestApi {
        self.with_authorization(Some(&format!("Bearer {}", token(company, role))))
    }

    /// The same server, called with this `Authorization` header (or none),
    /// to test what the API does with missing or malformed credentials.
    pub fn with_authorization(&self, header: Option<&str>) -> TestApi {
        TestApi {
            authorization: header.map(str::to_string),
            ..self.clone()
        }
    }

    /// Status and body of a request; the body is `null` when empty and a
    /// JSON string when it is not JSON, so a test can always print it.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> (reqwest::StatusCode, serde_json::Value) {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(header) = &self.authorization {
            request = request.header(reqwest::header::AUTHORIZATION, header);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.expect("calling the API");
        let status = response.status();
        let text = response.text().await.expect("reading the API's answer");
        let value = if text.is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text))
        };
        (status, value)
    }

    pub async fn get(&self, path: &str) -> (reqwest::StatusCode, serde_json::Value) {
        self.send(reqwest::Method::GET, path, None).await
    }

    pub async fn post(
        &self,
        path: &str,
        body: serde_json::Value,
    ) -> (reqwest::StatusCode, serde_json::Value) {
        self.send(reqwest::Method::POST, path, Some(&body)).await
    }

    pub async fn put(
        &self,
        path: &str,
        body: serde_json::Value,
    ) -> (reqwest::StatusCode, serde_json::Value) {
        self.send(reqwest::Method::PUT, path, Some(&body)).await
    }

    pub async fn delete(&self, path: &str) -> (reqwest::StatusCode, serde_json::Value) {
        self.send(reqwest::Method::DELETE, path, None).await
    }

    /// Posts `bytes` with the form of a `POST /imports` answer, as a browser
    /// would: every signed field, then the file as `file`. No API token: the
    /// form's signature is the only credential. Returns the storage's status.
    pub async fn upload(&self, created: &serde_json::Value, bytes: Vec<u8>) -> reqwest::StatusCode {
        let upload = &created["upload"];
        let url = upload["url"].as_str().expect("an upload url");
        let mut form = reqwest::multipart::Form::new();
        for (name, value) in upload["fields"].as_object().expect("upload fields") {
            form = form.text(
                name.clone(),
                value.as_str().expect("a text field").to_string(),
            );
        }
        let file_name = upload["fields"]["key"]
            .as_str()
            .and_then(|key| key.rsplit('/').next())
            .unwrap_or("upload")
            .to_string();
        form = form.part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(file_name),
        );
        let response = self
            .http
            .post(url)
            .multipart(form)
            .send()
            .await
            .expect("posting the upload form");
        response.status()
    }

    /// Creates an import of `entity` through the API and uploads `bytes` to
    /// it; returns the import id and the creation answer.
    pub async fn create_and_upload(
        &self,
        entity: &str,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> (String, serde_json::Value) {
        let (status, created) = self
            .post(
                "/imports",
                serde_json::json!({"entity": entity, "file_name": file_name}),
            )
            .await;
        assert_eq!(status, reqwest::StatusCode::CREATED, "{created}");
        let id = created["import_id"]
            .as_str()
            .expect("import_id")
            .to_string();
        let uploaded = self.upload(&created, bytes).await;
        assert!(uploaded.is_success(), "upload answered {uploaded}");
        (id, created)
    }

    /// The import once it ends: `finished`, `finished_with_errors` or
    /// `failed`.
    pub async fn wait_final(&self, import_id: &str) -> serde_json::Value {
        self.wait_status(import_id, &["finished", "finished_with_errors", "failed"])
            .await
    }

    /// The import once the splitter has read its file and it waits for a
    /// mapping (`uploaded`), or once it ended without one (`failed`).
    pub async fn wait_uploaded(&self, import_id: &str) -> serde_json::Value {
        self.wait_status(import_id, &["uploaded", "failed"]).await
    }

    /// Polls `GET /imports/{id}` until its status is one of `statuses`.
    pub async fn wait_status(&self, import_id: &str, statuses: &[&str]) -> serde_json::Value {
        let start = Instant::now();
        loop {
            let (status, import) = self.get(&format!("/imports/{import_id}")).await;
            assert_eq!(status, reqwest::StatusCode::OK, "{import}");
            let now = import["status"].as_str().unwrap_or_default();
            if statuses.contains(&now) {
                return import;
            }
            assert!(
                start.elapsed() < IMPORT_PATIENCE,
                "import {import_id} still {now} (waiting for {statuses:?}): {import}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

/// Splits a sample file of `events/` by hand ([`split_by_hand`]) with its
/// suggested mapping.
pub async fn split_sample_by_hand(
    stack: &TestStack,
    file: &str,
    max_rows: usize,
) -> (ImportId, Vec<SqsMessage>) {
    let bytes = sample(file);
    let mapping = suggested(Entity::Employees, &bytes);
    split_by_hand(stack, file, bytes, mapping, max_rows).await
}

/// Uploads an employees file and splits it by hand (no host) into chunks
/// of at most `max_rows` rows; returns the import and its chunk messages,
/// taken from the queue.
pub async fn split_by_hand(
    stack: &TestStack,
    file_name: &str,
    bytes: Vec<u8>,
    mapping: Mapping,
    max_rows: usize,
) -> (ImportId, Vec<SqsMessage>) {
    let id = stack
        .upload(Entity::Employees, file_name, bytes, Some(mapping))
        .await;
    let events = stack.take_s3_events(1).await;
    let mut deps = (*stack.deps).clone();
    deps.chunk_limits.max_rows = max_rows;
    dic_aws::split::split_new_objects(events[0].clone(), &deps)
        .await
        .unwrap();
    let import = stack.import(&id).await;
    assert_eq!(
        import.status,
        dic_aws::model::ImportStatus::InProgress,
        "{:?}",
        import.reason
    );
    let messages = stack
        .take_chunk_messages(import.counters.chunk_count as usize)
        .await;
    (id, messages)
}

/// The row logs list every row once, and agree with the counters.
pub async fn assert_logs_agree(stack: &TestStack, import: &ImportRecord) {
    let (company, id) = (&stack.company, &import.import_id);
    let failed = stack.deps.logs.failed_rows(company, id).await.unwrap();
    let logs = stack.deps.logs.chunk_logs(company, id).await.unwrap();
    let c = import.counters;
    assert_eq!(failed.len() as u64, c.failed, "failed row logs");
    let sum =
        |f: fn(&dic_aws::imports::ChunkLog) -> usize| logs.iter().map(f).sum::<usize>() as u64;
    assert_eq!(sum(|l| l.created.len()), c.created, "created in logs");
    assert_eq!(sum(|l| l.updated.len()), c.updated, "updated in logs");
    assert_eq!(sum(|l| l.unchanged.len()), c.unchanged, "unchanged in logs");
    let mut rows = std::collections::BTreeSet::new();
    for row in failed
        .iter()
        .map(|f| f.row.0)
        .chain(logs.iter().flat_map(|l| {
            l.created
                .iter()
                .chain(&l.updated)
                .chain(&l.unchanged)
                .copied()
        }))
    {
        assert!(rows.insert(row), "row {row} logged twice");
    }
    assert_eq!(rows.len() as u64, c.rows_total, "every row logged once");
    assert_eq!(c.rows_done(), c.rows_total);
    assert_eq!(c.chunks_done, c.chunk_count);
}

#[cfg(test)]
mod tests {
    use super::is_loopback;

    #[test]
    fn only_loopback_endpoints_pass() {
        assert!(is_loopback("http://127.0.0.1:4566"));
        assert!(is_loopback("http://localhost:8000/"));
        assert!(!is_loopback("http://127.0.0.1.example.com"));
        assert!(!is_loopback("https://dynamodb.us-east-1.amazonaws.com"));
        assert!(!is_loopback(""));
    }
}
