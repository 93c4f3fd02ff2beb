//! The sample events in `events/`, shaped as AWS documents them, each read
//! the way the Lambda runtime reads it (`lambda_http` for the API, the
//! `aws_lambda_events` types and the functions' own request types for the
//! rest) and handed to its handler on the emulator.

use aws_lambda_events::event::sqs::SqsEvent;
use dic_aws::dead_letter::count_dead_chunks;
use dic_aws::export::{export_failed_rows, ExportRequest};
use dic_aws::model::{ImportRecord, ImportStatus};
use dic_aws::process::process_chunk_batch;
use dic_aws::split::split_messages;
use dic_core::Entity;
use dic_e2e::{api_v2_request, batch, fixture, sample, suggested, TestStack};
use lambda_http::request::LambdaRequest;
use lambda_http::Adapter;
use lambda_runtime::{Context, LambdaEvent};
use serde_json::{json, Value};
use tower::Service;

fn sqs_event(json: &str) -> SqsEvent {
    serde_json::from_str(json).expect("an SQS event as Lambda delivers it")
}

/// Calls the router as `lambda_http::run` does: the v2 event deserialized
/// into a `LambdaRequest`, the answer serialized as API Gateway reads it.
async fn invoke_api(router: axum::Router, event: &Value) -> (u16, Value) {
    let request: LambdaRequest = serde_json::from_value(event.clone()).expect("a v2 request");
    let mut adapter = Adapter::from(router);
    let response = adapter
        .call(LambdaEvent::new(request, Context::default()))
        .await
        .expect("the router answers");
    let response = serde_json::to_value(response).expect("a v2 response");
    let status = response["statusCode"].as_u64().expect("statusCode") as u16;
    let body = response["body"].as_str().unwrap_or("null");
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_answers_a_v2_request_with_jwt_claims_as_text() {
    let stack = TestStack::new().await;
    let router = dic_api::router(dic_api::AppState::new(
        stack.deps.clone(),
        dic_api::auth::Authenticator::api_gateway(dic_api::auth::ClaimNames::default()),
    ));
    let create = api_v2_request(
        &stack.company,
        "POST",
        "/imports",
        Some(json!({"entity": "employees", "file_name": "Weekly roster.csv"})),
    );
    let (status, created) = invoke_api(router.clone(), &create).await;
    assert_eq!(status, 201, "{created}");
    let id = created["import_id"].as_str().expect("import_id");

    let (status, import) = invoke_api(
        router.clone(),
        &api_v2_request(&stack.company, "GET", &format!("/imports/{id}"), None),
    )
    .await;
    assert_eq!(status, 200, "{import}");
    assert_eq!(import["import_id"], id);
    assert_eq!(import["status"], "pending_upload");

    // Another company's verified admin does not see it.
    let (status, _) = invoke_api(
        router.clone(),
        &api_v2_request("company-other", "GET", &format!("/imports/{id}"), None),
    )
    .await;
    assert_eq!(status, 404);

    // The same request reaching the function without the authorizer's
    // context is refused, whatever its Authorization header says.
    let mut unverified = api_v2_request(&stack.company, "GET", "/imports", None);
    unverified["requestContext"]
        .as_object_mut()
        .unwrap()
        .remove("authorizer");
    let (status, _) = invoke_api(router, &unverified).await;
    assert_eq!(status, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_start_message_splits_and_the_export_request_exports_its_failed_rows() {
    let stack = TestStack::new().await;
    let bytes = sample("employees.csv");
    let mapping = suggested(Entity::Employees, &bytes);
    let id = stack
        .upload(Entity::Employees, "employees.csv", bytes, Some(mapping))
        .await;
    // The split queue's sample batch: the upload's S3 notification and the
    // API's start request for the same import, which splits once.
    let split = sqs_event(&fixture("sqs-split.json", &stack.company, &id));
    let response = split_messages(split, &stack.deps).await;
    assert!(response.batch_item_failures.is_empty());
    let import = stack.import(&id).await;
    assert_eq!(import.status, ImportStatus::InProgress);
    assert_eq!(import.counters.rows_total, 40);

    let chunks = stack
        .take_chunk_messages(import.counters.chunk_count as usize)
        .await;
    let response = process_chunk_batch(batch(&chunks), &stack.deps).await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(
        stack.import(&id).await.status,
        ImportStatus::FinishedWithErrors
    );

    let request: ExportRequest =
        serde_json::from_str(&fixture("export-request.json", &stack.company, &id))
            .expect("the export's direct invocation");
    let export = export_failed_rows(request, &stack.deps).await.unwrap();
    assert_eq!(export.failed_rows, 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_s3_test_event_is_acknowledged_and_ignored() {
    let stack = TestStack::new().await;
    let event = sqs_event(&fixture("sqs-s3-test-event.json", &stack.company, ""));
    let response = split_messages(event, &stack.deps).await;
    assert!(response.batch_item_failures.is_empty());
    let (imports, _) = stack
        .deps
        .imports
        .list(&stack.company, None, None, 10)
        .await
        .unwrap();
    assert!(imports.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chunk_batch_is_processed_once_however_often_it_comes() {
    let stack = TestStack::new().await;
    let id = stack.started_for_sample_chunk().await;
    for _ in 0..2 {
        let event = sqs_event(&fixture("sqs-chunk.json", &stack.company, &id));
        let response = process_chunk_batch(event, &stack.deps).await;
        assert!(response.batch_item_failures.is_empty());
    }
    let import = stack.import(&id).await;
    assert_eq!(import.status, ImportStatus::Finished);
    assert_eq!(
        (import.counters.created, import.counters.failed),
        (3, 0),
        "{:?}",
        import.counters
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_lettered_chunk_batch_counts_its_rows_as_failed() {
    let stack = TestStack::new().await;
    let id = stack.started_for_sample_chunk().await;
    let event = sqs_event(&fixture("sqs-chunk.json", &stack.company, &id));
    let response = count_dead_chunks(event, &stack.deps).await;
    assert!(response.batch_item_failures.is_empty());
    let import = stack.import(&id).await;
    assert_eq!(import.status, ImportStatus::FinishedWithErrors);
    assert_eq!(import.counters.failed, 3);
}

/// The feed file of `sqs-feed-object.json`: its key arrives URL-encoded
/// (`+` for a space, `%2B` for a plus), and the event names the version.
const FEED_FILE: &str = "Weekly Roster + Q4 (2026).csv";

/// A feed `hr-feed` for employees, a versioned bucket, and the feed file
/// written twice under the same key: the event names the first version.
async fn feed_file_written_twice(stack: &TestStack) -> (String, String) {
    let s3 = &stack.deps.clients.s3;
    s3.put_bucket_versioning()
        .bucket(&stack.deps.resources.data_bucket)
        .versioning_configuration(
            aws_sdk_s3::types::VersioningConfiguration::builder()
                .status(aws_sdk_s3::types::BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .expect("versioning on");
    let bytes = sample("employees.csv");
    let feed = dic_aws::model::FeedConfig {
        company_id: stack.company.clone(),
        feed_id: "hr-feed".into(),
        entity: Entity::Employees,
        template_id: None,
        mapping: Some(suggested(Entity::Employees, &bytes)),
        settings: Default::default(),
    };
    stack.deps.feeds.put(&feed).await.unwrap();
    let key = format!("feeds/{}/hr-feed/{FEED_FILE}", stack.company);
    let mut versions = Vec::new();
    // The second version keeps the header and the first three rows only.
    let second: Vec<u8> = String::from_utf8(bytes.clone())
        .unwrap()
        .lines()
        .take(4)
        .flat_map(|line| format!("{line}\n").into_bytes())
        .collect();
    for body in [bytes, second] {
        let put = s3
            .put_object()
            .bucket(&stack.deps.resources.data_bucket)
            .key(&key)
            .body(body.into())
            .send()
            .await
            .expect("put feed file");
        versions.push((
            put.version_id().expect("a version id").to_string(),
            put.e_tag().expect("an ETag").trim_matches('"').to_string(),
        ));
    }
    versions.swap_remove(0)
}

/// The feed notification naming this stack's first version of the file.
fn feed_event(stack: &TestStack, version_id: Option<&str>, etag: &str) -> SqsEvent {
    let mut event: Value =
        serde_json::from_str(&fixture("sqs-feed-object.json", &stack.company, "")).unwrap();
    let body = event["Records"][0]["body"].as_str().unwrap();
    let mut notification: Value = serde_json::from_str(body).unwrap();
    let object = &mut notification["Records"][0]["s3"]["object"];
    object["eTag"] = etag.into();
    match version_id {
        Some(version) => object["versionId"] = version.into(),
        None => {
            object.as_object_mut().unwrap().remove("versionId");
        }
    }
    event["Records"][0]["body"] = notification.to_string().into();
    serde_json::from_value(event).unwrap()
}

async fn only_import(stack: &TestStack) -> ImportRecord {
    let (mut imports, _) = stack
        .deps
        .imports
        .list(&stack.company, None, None, 10)
        .await
        .unwrap();
    assert_eq!(imports.len(), 1, "{imports:?}");
    imports.remove(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_feed_event_reads_the_version_it_names_after_the_file_was_overwritten() {
    let stack = TestStack::new().await;
    let (version, etag) = feed_file_written_twice(&stack).await;
    let response = split_messages(feed_event(&stack, Some(&version), &etag), &stack.deps).await;
    assert!(response.batch_item_failures.is_empty());
    let import = only_import(&stack).await;
    assert_eq!(import.file_name, FEED_FILE);
    assert_eq!(import.object_version_id.as_deref(), Some(version.as_str()));
    assert_eq!(import.status, ImportStatus::InProgress);
    assert_eq!(
        import.counters.rows_total, 40,
        "the first version's 40 rows, not the second's 3"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_feed_event_without_a_version_fails_when_its_file_was_replaced() {
    let stack = TestStack::new().await;
    let (_, etag) = feed_file_written_twice(&stack).await;
    let response = split_messages(feed_event(&stack, None, &etag), &stack.deps).await;
    assert!(response.batch_item_failures.is_empty());
    let import = only_import(&stack).await;
    assert_eq!(import.status, ImportStatus::Failed);
    assert_eq!(import.reason_code.as_deref(), Some("file_replaced"));
}
