//! The dead-letter function on the emulator, fed what the split queue's
//! dead-letter queue holds: S3 notifications as the emulator sent them, the
//! API's start requests and S3's test event. An import whose split was given
//! up ends `Failed` with a reason; an import that ended, was split or is
//! being split is left alone; dead chunks still count as failed rows.

use aws_lambda_events::event::sqs::SqsMessage;
use dic_aws::dead_letter::count_dead_chunks;
use dic_aws::imports::Start;
use dic_aws::model::{FeedConfig, ImportRecord, ImportSource, ImportStatus};
use dic_aws::process::process_chunk_batch;
use dic_aws::split::{split_new_objects, SplitWork, SPLIT_FAILED};
use dic_core::ids::ImportId;
use dic_core::template::ImportSettings;
use dic_core::Entity;
use dic_e2e::{batch, sample, suggested, TestStack};

/// A message as Lambda hands it over from a queue.
fn message(body: &str) -> SqsMessage {
    SqsMessage {
        message_id: Some(uuid::Uuid::new_v4().to_string()),
        body: Some(body.to_string()),
        event_source: Some("aws:sqs".into()),
        ..Default::default()
    }
}

/// The API's start request for an import, as it queues it.
fn start_request(stack: &TestStack, import_id: &str) -> SqsMessage {
    message(&serde_json::json!({"company_id": stack.company, "import_id": import_id}).to_string())
}

/// Feeds dead letters to the handler; every one must settle.
async fn settle(stack: &TestStack, messages: &[SqsMessage]) {
    let response = count_dead_chunks(batch(messages), &stack.deps).await;
    assert!(
        response.batch_item_failures.is_empty(),
        "{:?}",
        response.batch_item_failures
    );
}

fn assert_split_failed(import: &ImportRecord, advice: &str) {
    assert_eq!(import.status, ImportStatus::Failed, "{import:?}");
    assert_eq!(import.reason_code.as_deref(), Some(SPLIT_FAILED));
    let reason = import.reason.as_deref().unwrap_or_default();
    assert!(reason.contains(advice), "{reason}");
    assert!(import.finished_at.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_lettered_upload_or_start_request_fails_its_import_with_a_reason() {
    let stack = TestStack::new().await;
    let bytes = sample("employees.csv");
    let mapping = suggested(Entity::Employees, &bytes);

    // An upload whose S3 notification exhausted the split queue's retries:
    // the import never left `Pending upload`.
    let uploaded = stack
        .upload(
            Entity::Employees,
            "Staff List (2026).csv",
            bytes.clone(),
            Some(mapping.clone()),
        )
        .await;
    let notification = stack.take_split_messages(1).await.remove(0);
    assert!(matches!(
        SplitWork::read(notification.body.as_deref().unwrap()),
        Ok(SplitWork::Objects(_))
    ));

    // A file read without a mapping, then started by the admin, whose start
    // request exhausted its retries.
    let started = stack
        .upload(Entity::Employees, "employees.csv", bytes, None)
        .await;
    let events = stack.take_s3_events(1).await;
    split_new_objects(events[0].clone(), &stack.deps)
        .await
        .unwrap();
    assert_eq!(stack.import(&started).await.status, ImportStatus::Uploaded);
    let settings = ImportSettings::default();
    let start = Start {
        mapping: &mapping,
        settings: &settings,
        template_id: None,
        started_by: "e2e-test",
    };
    assert!(stack
        .deps
        .imports
        .begin(&stack.company, &started, &start)
        .await
        .unwrap());

    let test_event = message(r#"{"Service":"Amazon S3","Event":"s3:TestEvent"}"#);
    let dead = [notification, test_event, start_request(&stack, &started)];
    settle(&stack, &dead).await;
    assert_split_failed(&stack.import(&uploaded).await, "upload it again");
    assert_split_failed(&stack.import(&started).await, "upload it again");

    // A redelivered dead letter changes nothing more.
    let failed_at = stack.import(&started).await.finished_at;
    settle(&stack, &dead).await;
    assert_eq!(stack.import(&started).await.finished_at, failed_at);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_split_leaves_ended_split_and_claimed_imports_alone_and_dead_chunks_still_count() {
    let stack = TestStack::new().await;
    let bytes = sample("employees.csv");
    let mapping = suggested(Entity::Employees, &bytes);

    // Finished: a later delivery of its notification split it, and its
    // chunks were processed.
    let finished = stack
        .upload(
            Entity::Employees,
            "employees.csv",
            bytes.clone(),
            Some(mapping.clone()),
        )
        .await;
    let finished_notification = stack.take_split_messages(1).await.remove(0);
    let event =
        dic_aws::split::s3_event_from_notification(finished_notification.body.as_deref().unwrap())
            .unwrap()
            .unwrap();
    split_new_objects(event, &stack.deps).await.unwrap();
    let chunk_count = stack.import(&finished).await.counters.chunk_count as usize;
    let chunks = stack.take_chunk_messages(chunk_count).await;
    let response = process_chunk_batch(batch(&chunks), &stack.deps).await;
    assert!(response.batch_item_failures.is_empty());
    let before = stack.import(&finished).await;
    assert_eq!(before.status, ImportStatus::FinishedWithErrors);

    // Split: its chunks are on the queue, none processed yet.
    let split = stack
        .upload(
            Entity::Employees,
            "employees.csv",
            bytes.clone(),
            Some(mapping.clone()),
        )
        .await;
    let events = stack.take_s3_events(1).await;
    split_new_objects(events[0].clone(), &stack.deps)
        .await
        .unwrap();
    assert_eq!(stack.import(&split).await.status, ImportStatus::InProgress);

    // Being split: a splitter holds a live claim (the sweeper takes it up
    // if that splitter dies).
    let claimed = stack
        .upload(Entity::Employees, "employees.csv", bytes, Some(mapping))
        .await;
    stack.take_split_messages(1).await;
    assert!(stack
        .deps
        .claims
        .claim_split(&stack.company, &claimed)
        .await
        .unwrap());

    settle(
        &stack,
        &[
            finished_notification,
            start_request(&stack, &split),
            start_request(&stack, &claimed),
            start_request(&stack, "no-such-import"),
        ],
    )
    .await;
    assert_eq!(stack.import(&finished).await, before);
    let split_import = stack.import(&split).await;
    assert_eq!(split_import.status, ImportStatus::InProgress);
    assert_eq!(split_import.reason, None);
    let claimed_import = stack.import(&claimed).await;
    assert_eq!(claimed_import.status, ImportStatus::PendingUpload);
    assert_eq!(claimed_import.reason, None);

    // The same handler still counts a dead chunk's rows as failed.
    let chunk_count = split_import.counters.chunk_count as usize;
    let chunks = stack.take_chunk_messages(chunk_count).await;
    settle(&stack, &chunks[..1]).await;
    let counted = stack.import(&split).await;
    assert_eq!(counted.counters.chunks_done, 1);
    let dead = dic_e2e::chunk_of(&chunks[0]);
    assert_eq!(counted.counters.failed, dead.rows.len() as u64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_lettered_feed_file_fails_the_import_it_made() {
    let stack = TestStack::new().await;
    let bytes = sample("employees.csv");
    let feed = FeedConfig {
        company_id: stack.company.clone(),
        feed_id: "hris".into(),
        entity: Entity::Employees,
        template_id: None,
        mapping: Some(suggested(Entity::Employees, &bytes)),
        settings: ImportSettings::default(),
    };
    stack.deps.feeds.put(&feed).await.unwrap();
    let key = format!("feeds/{}/hris/latest.csv", stack.company);

    // An earlier version of the file, split long ago.
    let earlier = feed_import(&stack, &key, "feed-earlier").await;
    stack
        .deps
        .claims
        .split_done(&stack.company, &earlier)
        .await
        .unwrap();

    stack.put_object(&key, bytes).await;
    let notification = stack.take_split_messages(1).await.remove(0);
    // The splitter made the file's import, then died on it every time. Its
    // id is made up here: the dead-letter function finds it by its key.
    let made = feed_import(&stack, &key, "feed-made-by-the-splitter").await;

    settle(&stack, &[notification]).await;
    assert_split_failed(
        &stack.import(&made).await,
        "drop it into the feed's folder again",
    );
    let earlier = stack.import(&earlier).await;
    assert_eq!(earlier.status, ImportStatus::Uploaded);
    assert_eq!(earlier.reason, None);
}

/// A feed file's import as the splitter makes it: `Uploaded`, with the
/// feed's mapping.
async fn feed_import(stack: &TestStack, key: &str, import_id: &str) -> ImportId {
    let import_id =
        ImportId::parse(&format!("{import_id}-{}", uuid::Uuid::new_v4().simple())).unwrap();
    let mut import = ImportRecord::new(
        stack.company.clone(),
        import_id.clone(),
        Entity::Employees,
        ImportSource::Feed,
        "latest.csv",
        key,
        chrono::Utc::now(),
    );
    import.status = ImportStatus::Uploaded;
    import.feed_id = Some("hris".into());
    assert!(stack.deps.imports.create(&import).await.unwrap());
    import_id
}
