//! The pipeline end to end on the emulator: S3 → splitter → SQS → row
//! processors → DynamoDB, with the real SDK clients over HTTP.

use dic_aws::dead_letter::count_dead_chunk;
use dic_aws::model::{Counters, FeedConfig, ImportStatus};
use dic_aws::process::{apply_chunk, process_chunk_batch};
use dic_aws::split::{split_import, split_new_objects, SplitOutcome};
use dic_core::chunk::{ChunkLimits, ChunkMessage};
use dic_core::ids::ImportId;
use dic_core::mapping::Mapping;
use dic_core::prepare::{analyze, split};
use dic_core::template::ImportSettings;
use dic_core::Entity;
use dic_e2e::{
    assert_logs_agree, batch, chunk_of, engine_verdicts, sample, split_sample_by_hand, suggested,
    TestStack,
};
use std::collections::BTreeSet;

/// What the engine alone says of a file: (valid rows, failed rows).
fn expected_outcome(entity: Entity, bytes: &[u8], mapping: &Mapping) -> (u64, u64) {
    let verdicts = engine_verdicts(entity, bytes, mapping);
    (verdicts.valid, verdicts.invalid)
}

fn assert_counts(c: &Counters, created: u64, updated: u64, unchanged: u64, failed: u64) {
    assert_eq!(
        (c.created, c.updated, c.unchanged, c.failed),
        (created, updated, unchanged, failed),
        "created, updated, unchanged, failed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_entity_imports_end_to_end() {
    let mut stack = TestStack::new().await;
    stack.start_host();
    for (entity, file) in [
        (Entity::Employees, "employees.csv"),
        (Entity::Providers, "providers.csv"),
        (Entity::Locations, "locations.csv"),
        (Entity::Enrollments, "enrollments.csv"),
    ] {
        let bytes = sample(file);
        let mapping = suggested(entity, &bytes);
        let (valid, failed) = expected_outcome(entity, &bytes, &mapping);
        assert!(valid > 0, "{file} has valid rows");
        let id = stack.upload(entity, file, bytes, Some(mapping)).await;
        let import = stack.wait_settled(&id).await;
        let expected = if failed > 0 {
            ImportStatus::FinishedWithErrors
        } else {
            ImportStatus::Finished
        };
        assert_eq!(import.status, expected, "{file}: {:?}", import.reason);
        assert_eq!(import.counters.rows_total, valid + failed, "{file}");
        assert_counts(&import.counters, valid, 0, 0, failed);
        assert_logs_agree(&stack, &import).await;
    }
    let stored = stack
        .deps
        .records
        .get(
            &stack.company,
            Entity::Employees,
            "dana.whitfield@example.com",
        )
        .await
        .unwrap()
        .expect("Dana's record");
    assert_eq!(stored.values["last_name"], "Whitfield");
    assert_eq!(stored.values["hire_date"], "2015-01-15");
    assert_eq!(stored.values["phone"], "+16175550100");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_import_of_the_same_file_changes_nothing_and_an_edit_updates() {
    let mut stack = TestStack::new().await;
    stack.start_host();
    let bytes = sample("locations.csv");
    let mapping = suggested(Entity::Locations, &bytes);
    let (valid, failed) = expected_outcome(Entity::Locations, &bytes, &mapping);
    let first = stack
        .upload(
            Entity::Locations,
            "locations.csv",
            bytes.clone(),
            Some(mapping.clone()),
        )
        .await;
    stack.wait_settled(&first).await;
    let again = stack
        .upload(
            Entity::Locations,
            "locations.csv",
            bytes.clone(),
            Some(mapping.clone()),
        )
        .await;
    let import = stack.wait_settled(&again).await;
    assert_counts(&import.counters, 0, 0, valid, failed);
    let edited =
        String::from_utf8(bytes)
            .unwrap()
            .replacen("Back Bay Clinic", "Back Bay Health", 1);
    let third = stack
        .upload(
            Entity::Locations,
            "locations.csv",
            edited.into_bytes(),
            Some(mapping),
        )
        .await;
    let import = stack.wait_settled(&third).await;
    assert_counts(&import.counters, 0, 1, valid - 1, failed);
    assert_logs_agree(&stack, &import).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_chunk_delivered_twice_counts_once() {
    let stack = TestStack::new().await;
    let (id, messages) = split_sample_by_hand(&stack, "employees.csv", 7).await;
    assert!(messages.len() >= 5, "several chunks: {}", messages.len());
    let bytes = sample("employees.csv");
    let (valid, failed) = expected_outcome(
        Entity::Employees,
        &bytes,
        &suggested(Entity::Employees, &bytes),
    );
    for round in 0..2 {
        for pair in messages.chunks(3) {
            let response = process_chunk_batch(batch(pair), &stack.deps).await;
            assert!(
                response.batch_item_failures.is_empty(),
                "round {round}: {:?}",
                response.batch_item_failures
            );
        }
    }
    let import = stack.import(&id).await;
    assert_eq!(import.status, ImportStatus::FinishedWithErrors);
    assert_counts(&import.counters, valid, 0, 0, failed);
    assert_logs_agree(&stack, &import).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_dying_between_upsert_and_count_changes_no_counter() {
    let stack = TestStack::new().await;
    let (id, messages) = split_sample_by_hand(&stack, "employees.csv", 10).await;
    let bytes = sample("employees.csv");
    let (valid, failed) = expected_outcome(
        Entity::Employees,
        &bytes,
        &suggested(Entity::Employees, &bytes),
    );
    // The first delivery of every chunk upserts and logs, then dies.
    for message in &messages {
        let chunk = chunk_of(message);
        apply_chunk(&chunk, &stack.deps).await.unwrap();
    }
    let import = stack.import(&id).await;
    assert_eq!(
        import.status,
        ImportStatus::InProgress,
        "nothing counted yet"
    );
    assert_eq!(import.counters.chunks_done, 0);
    // SQS redelivers; the rows created by the dead attempt still count as created.
    let response = process_chunk_batch(batch(&messages), &stack.deps).await;
    assert!(response.batch_item_failures.is_empty());
    let import = stack.import(&id).await;
    assert_eq!(
        import.status,
        ImportStatus::FinishedWithErrors,
        "{:?}",
        import.counters
    );
    assert_counts(&import.counters, valid, 0, 0, failed);
    assert_logs_agree(&stack, &import).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_s3_event_splits_once() {
    let stack = TestStack::new().await;
    let bytes = sample("employees.csv");
    let mapping = suggested(Entity::Employees, &bytes);
    let id = stack
        .upload(Entity::Employees, "employees.csv", bytes, Some(mapping))
        .await;
    let event = stack.take_s3_events(1).await.remove(0);
    split_new_objects(event.clone(), &stack.deps).await.unwrap();
    split_new_objects(event, &stack.deps).await.unwrap();
    assert_eq!(
        split_import(&stack.deps, &stack.company, &id)
            .await
            .unwrap(),
        SplitOutcome::AlreadySplit
    );
    let import = stack.import(&id).await;
    let chunks = import.counters.chunk_count as usize;
    assert!(chunks >= 1);
    stack.take_chunk_messages(chunks).await;
    assert_eq!(
        stack
            .visible_messages(&stack.stack.resources.chunk_queue_url)
            .await,
        0,
        "no second split"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_that_cannot_be_read_end_failed_with_a_reason() {
    let mut stack = TestStack::new().await;
    stack.start_host();
    let mapping = suggested(Entity::Employees, &sample("employees.csv"));
    let too_big = vec![b'a'; 10 * 1024 * 1024 + 1];
    let cases: [(&str, Vec<u8>, &str); 4] = [
        ("big.csv", too_big, "file_too_large"),
        ("empty.csv", Vec::new(), "empty_file"),
        (
            "photo.csv",
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec(),
            "not_text",
        ),
        (
            "short.csv",
            b"Email Address,First Name\nann@example.com,Ann\n".to_vec(),
            "missing_mandatory_columns",
        ),
    ];
    for (name, bytes, code) in cases {
        let id = stack
            .upload(Entity::Employees, name, bytes, Some(mapping.clone()))
            .await;
        let import = stack.wait_settled(&id).await;
        assert_eq!(import.status, ImportStatus::Failed, "{name}");
        assert_eq!(import.reason_code.as_deref(), Some(code), "{name}");
        assert!(
            import.reason.as_deref().unwrap_or("").len() > 30,
            "{name}: a reason an admin can act on"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_without_mapping_waits_then_resumes() {
    let stack = TestStack::new().await;
    let bytes = sample("providers.csv");
    let id = stack
        .upload(Entity::Providers, "providers.csv", bytes.clone(), None)
        .await;
    let event = stack.take_s3_events(1).await.remove(0);
    split_new_objects(event, &stack.deps).await.unwrap();
    let import = stack.import(&id).await;
    assert_eq!(import.status, ImportStatus::Uploaded);
    let analysis = import
        .analysis
        .expect("analysis stored for the mapping screen");
    assert_eq!(analysis.row_count, 20);
    assert!(analysis.headers.names.contains(&"NPI Number".to_string()));

    let mapping = suggested(Entity::Providers, &bytes);
    stack
        .deps
        .imports
        .set_mapping(&stack.company, &id, &mapping, &ImportSettings::default())
        .await
        .unwrap();
    let outcome = split_import(&stack.deps, &stack.company, &id)
        .await
        .unwrap();
    assert!(
        matches!(outcome, SplitOutcome::Started { rows: 20, .. }),
        "{outcome:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_feed_file_creates_its_import_and_finishes() {
    let mut stack = TestStack::new().await;
    stack.start_host();
    let bytes = sample("enrollments.csv");
    let feed = FeedConfig {
        company_id: stack.company.clone(),
        feed_id: "lms".into(),
        entity: Entity::Enrollments,
        template_id: None,
        mapping: Some(suggested(Entity::Enrollments, &bytes)),
        settings: ImportSettings::default(),
    };
    stack.deps.feeds.put(&feed).await.unwrap();
    stack
        .put_object(
            &format!("feeds/{}/lms/enrollments 2026-11.csv", stack.company),
            bytes,
        )
        .await;
    let start = std::time::Instant::now();
    let import = loop {
        let imports = stack
            .deps
            .imports
            .list(&stack.company, None, None, 10)
            .await
            .unwrap()
            .0;
        if let Some(import) = imports.into_iter().find(|i| i.status.is_final()) {
            break import;
        }
        assert!(
            start.elapsed().as_secs() < 120,
            "the feed file never finished"
        );
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    };
    assert_eq!(import.source, dic_aws::model::ImportSource::Feed);
    assert_eq!(import.file_name, "enrollments 2026-11.csv");
    assert!(
        import.status == ImportStatus::Finished
            || import.status == ImportStatus::FinishedWithErrors
    );
    assert!(import.counters.created > 0);
    assert_logs_agree(&stack, &import).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_lettered_chunk_counts_as_failed_rows_so_the_import_ends() {
    let stack = TestStack::new().await;
    let (id, messages) = split_sample_by_hand(&stack, "employees.csv", 25).await;
    assert_eq!(messages.len(), 2);
    let response = process_chunk_batch(batch(&messages[..1]), &stack.deps).await;
    assert!(response.batch_item_failures.is_empty());
    let dead = chunk_of(&messages[1]);
    count_dead_chunk(&dead, &stack.deps).await.unwrap();
    count_dead_chunk(&dead, &stack.deps).await.unwrap();
    let import = stack.import(&id).await;
    assert_eq!(import.status, ImportStatus::FinishedWithErrors);
    let failed = stack
        .deps
        .logs
        .failed_rows(&stack.company, &id)
        .await
        .unwrap();
    let dead_rows = failed
        .iter()
        .filter(|f| f.errors[0].code == dic_core::validate::ErrorCode::ProcessingFailed)
        .count();
    assert_eq!(dead_rows, dead.rows.len());
    assert_logs_agree(&stack, &import).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_failed_rows_export_gives_back_the_failed_rows() {
    let mut stack = TestStack::new().await;
    stack.start_host();
    let bytes = sample("employees.csv");
    let mapping = suggested(Entity::Employees, &bytes);
    let id = stack
        .upload(Entity::Employees, "employees.csv", bytes, Some(mapping))
        .await;
    let import = stack.wait_settled(&id).await;
    let export = dic_aws::export::export_failed_rows(
        dic_aws::export::ExportRequest {
            company_id: stack.company.clone(),
            import_id: dic_core::ids::ImportId::parse(&id).unwrap(),
        },
        &stack.deps,
    )
    .await
    .unwrap();
    assert_eq!(export.failed_rows as u64, import.counters.failed);
    assert!(
        export.url.contains(&export.key) && export.url.contains("X-Amz-Signature"),
        "{}",
        export.url
    );
    let object = stack
        .deps
        .clients
        .s3
        .get_object()
        .bucket(&stack.deps.resources.data_bucket)
        .key(&export.key)
        .send()
        .await
        .unwrap();
    let body = object.body.collect().await.unwrap().into_bytes();
    let table = dic_core::xlsx_in::read_xlsx(&body).unwrap();
    assert_eq!(
        table.headers.names,
        import.analysis.unwrap().headers.names,
        "Row and Errors columns are dropped on re-import"
    );
    assert_eq!(table.rows.len() as u64, import.counters.failed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chunks_go_out_in_batches_within_the_sqs_limits() {
    let stack = TestStack::new().await;
    // 20 rows of about 30 KB, one a chunk: eight fit the 256 KiB of a
    // batch, so 8 + 8 + 4.
    let title = "t".repeat(30_000);
    let mut csv = String::from("Email,First Name,Last Name,Employee Status,Job Title\n");
    for i in 0..20 {
        csv.push_str(&format!("e{i}@example.com,Ann,Lee,Active,{title}\n"));
    }
    let mapping = suggested(Entity::Employees, csv.as_bytes());
    let (_, table) = analyze(Entity::Employees, csv.as_bytes()).unwrap();
    let limits = ChunkLimits {
        max_rows: 1,
        ..ChunkLimits::default()
    };
    let chunks = split(
        &stack.company,
        &ImportId::parse("i-batches").unwrap(),
        Entity::Employees,
        table,
        &mapping,
        ImportSettings::default(),
        limits,
    )
    .unwrap();
    let bodies: BTreeSet<String> = chunks.iter().map(ChunkMessage::to_json).collect();
    assert_eq!(bodies.len(), 20);
    assert!(bodies.iter().all(|b| (30_000..32_000).contains(&b.len())));
    let requests = stack.deps.chunks.send_all(&chunks).await.unwrap();
    assert_eq!(requests, 3);
    let sent: BTreeSet<String> = stack
        .take_chunk_messages(20)
        .await
        .into_iter()
        .filter_map(|m| m.body)
        .collect();
    assert_eq!(sent, bodies);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chunks_arriving_after_the_import_failed_change_nothing() {
    let stack = TestStack::new().await;
    let (id, messages) = split_sample_by_hand(&stack, "employees.csv", 10).await;
    stack
        .deps
        .imports
        .fail(&stack.company, &id, "split_failed", "stopped for the test")
        .await
        .unwrap();
    let response = process_chunk_batch(batch(&messages), &stack.deps).await;
    assert!(response.batch_item_failures.is_empty(), "acknowledged");
    // So does a dead-lettered one.
    let chunk = chunk_of(&messages[0]);
    count_dead_chunk(&chunk, &stack.deps).await.unwrap();

    let import = stack.import(&id).await;
    assert_eq!(import.status, ImportStatus::Failed);
    assert_eq!(import.counters.rows_done(), 0, "{:?}", import.counters);
    assert_eq!(import.counters.chunks_done, 0);
    let keys: Vec<&str> = vec!["dana.whitfield@example.com"];
    let stored = stack.records(Entity::Employees, &keys).await;
    assert!(stored.is_empty(), "no record written: {stored:?}");
    assert!(stack
        .deps
        .logs
        .failed_rows(&stack.company, &id)
        .await
        .unwrap()
        .is_empty());
}
