//! Races on the emulator: imports of the same records at the same time,
//! records written before versions existed, a chunk counted by both its
//! processor and the dead-letter function, and a chunk whose warnings are
//! more than one DynamoDB item holds.

use aws_lambda_events::event::sqs::SqsMessage;
use aws_sdk_dynamodb::types::AttributeValue;
use dic_aws::dead_letter::count_dead_chunk;
use dic_aws::imports::{ChunkCount, ChunkLog, Counter, FailedRowLog};
use dic_aws::keys::record_pk;
use dic_aws::model::ImportStatus;
use dic_aws::process::{apply_chunk, process_chunk_batch};
use dic_aws::row_logs::{row_page, LoggedOutcome};
use dic_core::chunk::ChunkMessage;
use dic_core::ids::ImportId;
use dic_core::mapping::Mapping;
use dic_core::validate::WarningCode;
use dic_core::Entity;
use dic_e2e::{
    assert_logs_agree, batch, chunk_of, split_by_hand, split_sample_by_hand, suggested, TestStack,
};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Processes messages as one Lambda batch; every one must succeed.
async fn process(stack: &TestStack, messages: &[SqsMessage]) {
    let response = process_chunk_batch(batch(messages), &stack.deps).await;
    assert!(
        response.batch_item_failures.is_empty(),
        "{:?}",
        response.batch_item_failures
    );
}

/// Row numbers logged created and updated, over all of an import's logs.
async fn created_and_updated(stack: &TestStack, id: &ImportId) -> (BTreeSet<u32>, BTreeSet<u32>) {
    let logs = stack
        .deps
        .logs
        .chunk_logs(&stack.company, id)
        .await
        .unwrap();
    let created = logs.iter().flat_map(|l| l.created.clone()).collect();
    let updated = logs.iter().flat_map(|l| l.updated.clone()).collect();
    (created, updated)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_imports_of_the_same_records_at_once_lose_no_update() {
    let stack = TestStack::new().await;
    const PEOPLE: usize = 200;
    // The same people with the same required values; each file also sets
    // an optional field the other does not have.
    let file = |column: &str, value: &str| {
        let mut csv = format!("Email,First Name,Last Name,Employee Status,{column}\n");
        for i in 0..PEOPLE {
            csv.push_str(&format!(
                "person{i}@example.com,Ann{i},Lee,Active,{value} {i}\n"
            ));
        }
        csv.into_bytes()
    };
    let required = [
        ("Email", "email"),
        ("First Name", "first_name"),
        ("Last Name", "last_name"),
        ("Employee Status", "employee_status"),
    ];
    let with = |extra: (&'static str, &'static str)| {
        let mut pairs = required.to_vec();
        pairs.push(extra);
        Mapping::from_iter(pairs)
    };
    let (a, a_chunks) = split_by_hand(
        &stack,
        "titles.csv",
        file("Job Title", "Nurse"),
        with(("Job Title", "job_title")),
        25,
    )
    .await;
    let (b, b_chunks) = split_by_hand(
        &stack,
        "departments.csv",
        file("Department", "Ward"),
        with(("Department", "department")),
        25,
    )
    .await;
    assert_eq!((a_chunks.len(), b_chunks.len()), (8, 8));

    // Every chunk of both imports at once, as two Lambda batches.
    let (a_response, b_response) = tokio::join!(
        process_chunk_batch(batch(&a_chunks), &stack.deps),
        process_chunk_batch(batch(&b_chunks), &stack.deps),
    );
    assert!(a_response.batch_item_failures.is_empty());
    assert!(b_response.batch_item_failures.is_empty());

    let emails: Vec<String> = (0..PEOPLE)
        .map(|i| format!("person{i}@example.com"))
        .collect();
    let keys: Vec<&str> = emails.iter().map(String::as_str).collect();
    let stored = stack.records(Entity::Employees, &keys).await;
    assert_eq!(stored.len(), PEOPLE);
    let (a_created, a_updated) = created_and_updated(&stack, &a).await;
    let (b_created, b_updated) = created_and_updated(&stack, &b).await;
    for (i, email) in emails.iter().enumerate() {
        let record = &stored[email];
        let values = &record.values;
        assert_eq!(
            (
                values.get("job_title").map(String::as_str),
                values.get("department").map(String::as_str),
            ),
            (Some(&*format!("Nurse {i}")), Some(&*format!("Ward {i}"))),
            "{email}: both imports' values are kept"
        );
        assert_eq!(values["first_name"], format!("Ann{i}"));
        // Row i + 2 of both files: one created the record, the other
        // updated it, and the record names the one that created it.
        let row = i as u32 + 2;
        let outcomes = (
            a_created.contains(&row),
            a_updated.contains(&row),
            b_created.contains(&row),
            b_updated.contains(&row),
        );
        let (creator, updater) = match outcomes {
            (true, false, false, true) => (&a, &b),
            (false, true, true, false) => (&b, &a),
            other => panic!("{email}: (A created, A updated, B created, B updated) = {other:?}"),
        };
        assert_eq!(creator, &record.created_by.import_id, "{email}");
        assert_eq!(record.created_by.row.0, row);
        assert_eq!(
            record.updated_by.as_ref().map(|o| o.import_id.as_str()),
            Some(updater.as_str()),
            "{email}"
        );
    }

    let (a, b) = (stack.import(&a).await, stack.import(&b).await);
    for import in [&a, &b] {
        assert_eq!(
            import.status,
            ImportStatus::Finished,
            "{:?}",
            import.counters
        );
        assert_eq!(import.counters.rows_total, PEOPLE as u64);
        assert_eq!(import.counters.unchanged + import.counters.failed, 0);
        assert_logs_agree(&stack, import).await;
    }
    assert_eq!(a.counters.created + b.counters.created, PEOPLE as u64);
    assert_eq!(a.counters.updated + b.counters.updated, PEOPLE as u64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_written_before_versions_is_updated_and_gets_a_version() {
    let stack = TestStack::new().await;
    let email = "ann.lee@example.com";
    let s = |v: &str| AttributeValue::S(v.to_string());
    let table = &stack.deps.resources.records_table;
    let dynamodb = &stack.deps.clients.dynamodb;
    // The item as it was written before records carried a version.
    dynamodb
        .put_item()
        .table_name(table)
        .item(
            "pk",
            s(&record_pk(&stack.company, Entity::Employees, email)),
        )
        .item("sk", s("RECORD"))
        .item("company_id", s(&stack.company))
        .item("entity", s("employees"))
        .item("key", s(email))
        .item(
            "values",
            AttributeValue::M(HashMap::from([
                ("email".to_string(), s(email)),
                ("first_name".to_string(), s("Ann")),
                ("last_name".to_string(), s("Lee")),
                ("employee_status".to_string(), s("Active")),
                ("job_title".to_string(), s("Nurse")),
            ])),
        )
        .item(
            "created_by",
            AttributeValue::M(HashMap::from([
                ("import_id".to_string(), s("imp-before-versions")),
                ("row".to_string(), AttributeValue::N("7".into())),
            ])),
        )
        .send()
        .await
        .unwrap();
    let before = stack
        .deps
        .records
        .get(&stack.company, Entity::Employees, email)
        .await
        .unwrap()
        .expect("the old item reads as a record");
    assert_eq!(before.values["job_title"], "Nurse");

    let csv = format!(
        "Email,First Name,Last Name,Employee Status,Job Title\n{email},Ann,Lee,Active,Charge Nurse\n"
    );
    let bytes = csv.into_bytes();
    let (id, chunks) = split_by_hand(
        &stack,
        "promotion.csv",
        bytes.clone(),
        suggested(Entity::Employees, &bytes),
        25,
    )
    .await;
    process(&stack, &chunks).await;

    let import = stack.import(&id).await;
    assert_eq!(
        import.status,
        ImportStatus::Finished,
        "{:?}",
        import.counters
    );
    assert_eq!(
        (import.counters.created, import.counters.updated),
        (0, 1),
        "the old record is updated, not created again"
    );
    let item = dynamodb
        .get_item()
        .table_name(table)
        .key(
            "pk",
            s(&record_pk(&stack.company, Entity::Employees, email)),
        )
        .key("sk", s("RECORD"))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
        .expect("the record");
    assert_eq!(item.get("version"), Some(&AttributeValue::N("1".into())));
    let record = stack
        .deps
        .records
        .get(&stack.company, Entity::Employees, email)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.values["job_title"], "Charge Nurse");
    assert_eq!(record.values["last_name"], "Lee");
    assert_eq!(record.created_by.import_id, "imp-before-versions");
    assert_eq!(record.updated_by.map(|o| o.import_id), Some(id.to_string()));
}

/// The failed rows logged for chunk `index`, by row number.
fn failed_of(failed: &[FailedRowLog], index: u32) -> Vec<u32> {
    failed
        .iter()
        .filter(|f| f.chunk_index == index)
        .map(|f| f.row.0)
        .collect()
}

fn rows_of(chunk: &ChunkMessage) -> Vec<u32> {
    chunk.rows.iter().map(|r| r.row.number.0).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_delivery_of_a_dead_lettered_chunk_changes_nothing() {
    let stack = TestStack::new().await;
    let (id, messages) = split_sample_by_hand(&stack, "employees.csv", 10).await;
    assert!(messages.len() >= 3, "{} chunks", messages.len());
    let company = &stack.company;

    // A first delivery of each chunk found it uncounted and is still
    // running when the chunk is dead-lettered and counted as failed: it
    // applies the chunk before the dead letter comes, or after.
    for (message, applies_first) in [(&messages[0], true), (&messages[1], false)] {
        let chunk = chunk_of(message);
        let index = chunk.chunk_index;
        let state = stack
            .deps
            .ledger
            .chunk_state(company, &id, index)
            .await
            .unwrap();
        assert_eq!(state.counted_by, None);
        let before = stack.import(&id).await.counters;
        let applied = if applies_first {
            let applied = apply_chunk(&chunk, &stack.deps).await.unwrap();
            count_dead_chunk(&chunk, &stack.deps).await.unwrap();
            applied
        } else {
            count_dead_chunk(&chunk, &stack.deps).await.unwrap();
            apply_chunk(&chunk, &stack.deps).await.unwrap()
        };
        assert!(!applied.log.created.is_empty(), "rows that would import");
        let counted = stack.import(&id).await;
        assert_eq!(
            counted.counters.failed,
            before.failed + chunk.rows.len() as u64
        );
        assert_eq!(counted.counters.chunks_done, before.chunks_done + 1);
        let state = stack
            .deps
            .ledger
            .chunk_state(company, &id, index)
            .await
            .unwrap();
        assert_eq!(state.counted_by, Some(Counter::DeadLetter));

        // The first delivery's count comes too late, and so does a
        // redelivery of the chunk.
        let late = ChunkCount {
            chunk_index: index,
            tally: applied.tally,
            by: Counter::Processor,
            log: Some(&applied.log),
        };
        assert!(!stack
            .deps
            .ledger
            .count_chunk_once(company, &id, &late)
            .await
            .unwrap());
        process(&stack, std::slice::from_ref(message)).await;

        assert_eq!(stack.import(&id).await, counted, "no counter changed");
        let logs = stack.deps.logs.chunk_logs(company, &id).await.unwrap();
        let logged: Vec<&ChunkLog> = logs.iter().filter(|l| l.chunk_index == index).collect();
        assert!(
            logged.iter().all(|l| l.created.is_empty()
                && l.updated.is_empty()
                && l.unchanged.is_empty()
                && l.warnings.is_empty()),
            "no successful rows logged for the dead chunk {index}: {logged:?}"
        );
        let failed = stack.deps.logs.failed_rows(company, &id).await.unwrap();
        assert_eq!(
            failed_of(&failed, index),
            rows_of(&chunk),
            "each row of chunk {index} logged failed once"
        );
    }

    // The other chunks finish the import; every row is logged once.
    process(&stack, &messages[2..]).await;
    let import = stack.import(&id).await;
    assert_eq!(import.status, ImportStatus::FinishedWithErrors);
    assert_logs_agree(&stack, &import).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_letter_of_a_processed_chunk_changes_nothing() {
    let stack = TestStack::new().await;
    let (id, messages) = split_sample_by_hand(&stack, "employees.csv", 10).await;
    assert!(messages.len() >= 3, "{} chunks", messages.len());
    let (company, chunk) = (&stack.company, chunk_of(&messages[0]));
    process(&stack, &messages[..1]).await;
    let processed = stack.import(&id).await;
    assert_eq!(processed.status, ImportStatus::InProgress);
    let failed = stack.deps.logs.failed_rows(company, &id).await.unwrap();
    let logs = stack.deps.logs.chunk_logs(company, &id).await.unwrap();
    assert_eq!(logs.len(), 1);

    count_dead_chunk(&chunk, &stack.deps).await.unwrap();
    count_dead_chunk(&chunk, &stack.deps).await.unwrap();
    assert_eq!(stack.import(&id).await, processed, "no counter changed");
    assert_eq!(
        stack.deps.logs.failed_rows(company, &id).await.unwrap(),
        failed,
        "no row logged failed by the dead letter"
    );
    assert_eq!(
        stack.deps.logs.chunk_logs(company, &id).await.unwrap(),
        logs
    );

    process(&stack, &messages[1..]).await;
    let import = stack.import(&id).await;
    assert_eq!(import.status, ImportStatus::FinishedWithErrors);
    assert_logs_agree(&stack, &import).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_letter_that_died_after_its_count_logs_its_rows_on_retry() {
    let stack = TestStack::new().await;
    let (id, messages) = split_sample_by_hand(&stack, "employees.csv", 10).await;
    let (company, chunk) = (&stack.company, chunk_of(&messages[0]));

    // The dead letter counted the chunk, then died before its logs.
    let count = ChunkCount {
        chunk_index: chunk.chunk_index,
        tally: dic_aws::imports::Tally {
            failed: chunk.rows.len() as u64,
            ..Default::default()
        },
        by: Counter::DeadLetter,
        log: None,
    };
    assert!(stack
        .deps
        .ledger
        .count_chunk_once(company, &id, &count)
        .await
        .unwrap());
    let counted = stack.import(&id).await;
    assert!(stack
        .deps
        .logs
        .failed_rows(company, &id)
        .await
        .unwrap()
        .is_empty());

    // Its retry finds its own count: it logs the rows and counts nothing.
    count_dead_chunk(&chunk, &stack.deps).await.unwrap();
    assert_eq!(stack.import(&id).await, counted);
    let failed = stack.deps.logs.failed_rows(company, &id).await.unwrap();
    assert_eq!(failed_of(&failed, chunk.chunk_index), rows_of(&chunk));

    process(&stack, &messages[1..]).await;
    let import = stack.import(&id).await;
    assert_eq!(import.status, ImportStatus::FinishedWithErrors);
    assert_logs_agree(&stack, &import).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chunk_whose_warnings_outgrow_an_item_still_logs_every_warning() {
    let stack = TestStack::new().await;
    const ROWS: usize = 250;
    // Headers as long as a header may be (255 characters, 3 bytes each
    // after the name), over IDs a spreadsheet turned into scientific
    // notation, as long as an ID may be: two warnings of about 1.2 KB a row.
    let id_header = format!("Employee ID {}", "€".repeat(243));
    let code_header = format!("Location Code {}", "€".repeat(241));
    assert_eq!(id_header.chars().count(), 255);
    assert_eq!(code_header.chars().count(), 255);
    let scientific = format!("1.{}E+10", "2".repeat(58));
    assert_eq!(scientific.len(), 64);
    let mut csv = format!("Email,First Name,Last Name,Employee Status,{id_header},{code_header}\n");
    for i in 0..ROWS {
        csv.push_str(&format!(
            "warned{i}@example.com,Ann,Lee,Active,{scientific},{scientific}\n"
        ));
    }
    let mapping = Mapping::from_iter([
        ("Email", "email"),
        ("First Name", "first_name"),
        ("Last Name", "last_name"),
        ("Employee Status", "employee_status"),
        (&id_header, "employee_id"),
        (&code_header, "location_code"),
    ]);
    let (id, chunks) = split_by_hand(&stack, "warned.csv", csv.into_bytes(), mapping, ROWS).await;
    assert_eq!(chunks.len(), 1, "one chunk of {ROWS} rows");
    process(&stack, &chunks).await;

    let import = stack.import(&id).await;
    assert_eq!(
        import.status,
        ImportStatus::Finished,
        "{:?}",
        import.counters
    );
    assert_eq!(import.counters.created, ROWS as u64);
    assert_logs_agree(&stack, &import).await;

    let logs = stack
        .deps
        .logs
        .chunk_logs(&stack.company, &id)
        .await
        .unwrap();
    assert_eq!(logs.len(), 1);
    let warnings = &logs[0].warnings;
    let bytes = serde_json::to_string(&logs[0]).unwrap().len();
    assert!(
        bytes > 400 * 1024,
        "more than one item holds: {bytes} bytes"
    );
    let mut by_row: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for (row, warning) in warnings {
        assert_eq!(warning.code, WarningCode::ScientificNotation);
        by_row
            .entry(*row)
            .or_default()
            .push(warning.header.clone().unwrap_or_default());
    }
    assert_eq!(by_row.len(), ROWS, "every row's warnings");
    for (row, mut headers) in by_row {
        headers.sort();
        let mut expected = vec![id_header.clone(), code_header.clone()];
        expected.sort();
        assert_eq!(headers, expected, "row {row}: each warning once");
    }

    // The row log pages give them back too.
    let page = row_page(&stack.deps.logs, &stack.company, &id, None, 0, ROWS + 10)
        .await
        .unwrap();
    assert_eq!(page.len(), ROWS);
    for entry in &page {
        assert_eq!(entry.outcome, LoggedOutcome::Created);
        assert_eq!(entry.warnings.len(), 2, "row {}", entry.row);
    }
}
