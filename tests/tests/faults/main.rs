//! The fault suite: real imports on the emulator while every chunk message
//! is delivered twice at once, workers die at random points, and a fifth of
//! DynamoDB's answers are throttling or conflicts; two imports of one
//! company write the same records at the same time. When the queues have
//! drained, nothing may be stuck, lost or counted twice.
//!
//! Seeds 1–20 run by default, a few at a time; each prints its seed and
//! what it injected. `DIC_FAULT_SEEDS=7` (or `3-9`) replays seeds.

mod proxy;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsMessage};
use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_sqs::types::QueueAttributeName;
use dic_aws::dead_letter::count_dead_chunks;
use dic_aws::imports::ChunkLog;
use dic_aws::model::{ImportRecord, ImportStatus};
use dic_aws::process::process_chunk_batch;
use dic_aws::split::split_new_objects;
use dic_aws::Deps;
use dic_core::ids::ImportId;
use dic_core::upsert::Origin;
use dic_core::validate::RowOutcome;
use dic_core::Entity;
use dic_e2e::{batch, engine_verdicts, suggested, TestStack};
use futures::stream::{self, StreamExt};
use proxy::{FaultProxy, FaultRates};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const RATES: FaultRates = FaultRates {
    throttle: 0.20,
    kill: 0.05,
};
/// Rows per file; the two files share half their keys.
const ROWS: usize = 120;
const CHUNK_ROWS: usize = 20;
const SEEDS_AT_ONCE: usize = 4;
const PATIENCE: Duration = Duration::from_secs(240);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn imports_end_true_under_duplicates_deaths_throttling_and_overlap() {
    let seeds = seeds();
    let results: Vec<(u64, BTreeMap<String, u64>)> = stream::iter(seeds.clone())
        .map(|seed| async move { (seed, run_seed(seed).await) })
        .buffer_unordered(SEEDS_AT_ONCE)
        .collect()
        .await;
    let mut total: BTreeMap<String, u64> = BTreeMap::new();
    for (_, faults) in &results {
        for (kind, n) in faults {
            *total.entry(kind.clone()).or_default() += n;
        }
    }
    let injected: u64 = total.values().sum();
    println!(
        "fault suite: {} seeds, {injected} faults injected: {total:?}",
        seeds.len()
    );
    assert!(
        total.keys().any(|k| k.starts_with("kill"))
            && total.keys().any(|k| k.starts_with("throttle")),
        "both kinds of fault were injected: {total:?}"
    );
}

fn seeds() -> Vec<u64> {
    let spec = std::env::var("DIC_FAULT_SEEDS").unwrap_or_else(|_| "1-20".to_string());
    match spec.split_once('-') {
        Some((a, b)) => (a.trim().parse().unwrap()..=b.trim().parse().unwrap()).collect(),
        None => vec![spec
            .trim()
            .parse()
            .expect("DIC_FAULT_SEEDS: a seed or a range")],
    }
}

/// Two employee files over overlapping keys: the shared columns agree, and
/// each file sets an optional field the other does not, so a lost update
/// shows as a missing field. Every 11th row of the first file is invalid.
fn files(seed: u64) -> [(String, Vec<u8>); 2] {
    let email = |i: usize| format!("person{i}.s{seed}@example.com");
    let mut a = String::from("Email Address,First Name,Surname,Status,Job Title\n");
    for i in 0..ROWS {
        let address = if i % 11 == 5 {
            format!("person{i} at example")
        } else {
            email(i)
        };
        a.push_str(&format!("{address},Ann{i},Lee{i},Active,Nurse {i}\n"));
    }
    let mut b = String::from("Email Address,First Name,Surname,Status,Department\n");
    for i in ROWS / 2..ROWS + ROWS / 2 {
        b.push_str(&format!("{},Ann{i},Lee{i},Active,Ward {i}\n", email(i)));
    }
    [
        ("staff-a.csv".to_string(), a.into_bytes()),
        ("staff-b.csv".to_string(), b.into_bytes()),
    ]
}

/// What the engine alone says each row of a file is: its record key and
/// values when valid.
type Expected = HashMap<u32, Option<(String, Vec<(String, String)>)>>;

fn expected(bytes: &[u8]) -> Expected {
    let mapping = suggested(Entity::Employees, bytes);
    engine_verdicts(Entity::Employees, bytes, &mapping)
        .first_rows
        .into_iter()
        .map(|(row, outcome)| {
            let valid = match outcome {
                RowOutcome::Valid { record, .. } => Some((
                    record.key,
                    record
                        .values
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                )),
                RowOutcome::Invalid { .. } => None,
            };
            (row.0, valid)
        })
        .collect()
}

async fn run_seed(seed: u64) -> BTreeMap<String, u64> {
    println!("fault suite: seed {seed} starts (replay with DIC_FAULT_SEEDS={seed})");
    // Long enough that no message is received again while a worker is
    // still on it; failed ones are made visible again at once instead.
    let stack = TestStack::with_visibility_timeout(60).await;
    let upstream = std::env::var("AWS_ENDPOINT_URL_DYNAMODB")
        .or_else(|_| std::env::var("AWS_ENDPOINT_URL"))
        .expect("the emulator's endpoint");
    let proxy =
        FaultProxy::start(&upstream, &stack.deps.resources.records_table, seed, RATES).await;
    let faulty = faulty_deps(&stack, &proxy.endpoint, seed);

    // The files are split without faults: what is under test is the rows.
    let files = files(seed);
    let mut ids = Vec::new();
    for (name, bytes) in &files {
        let mapping = suggested(Entity::Employees, bytes);
        ids.push(
            stack
                .upload(Entity::Employees, name, bytes.clone(), Some(mapping))
                .await,
        );
    }
    let mut deps = (*stack.deps).clone();
    deps.chunk_limits.max_rows = CHUNK_ROWS;
    for event in stack.take_s3_events(2).await {
        split_new_objects(event, &deps).await.unwrap();
    }

    drain(&stack, &faulty, &ids, seed).await;
    let faults = proxy.counts.snapshot();
    println!(
        "fault suite: seed {seed} drained with {} faults: {faults:?}",
        proxy.counts.total()
    );
    check(&stack, &ids, &files, seed).await;
    faults
}

/// The stack's clients, with DynamoDB behind the fault proxy. The SDK's
/// retries start sooner than its defaults so that the suite stays quick;
/// how many it makes is unchanged.
fn faulty_deps(stack: &TestStack, endpoint: &str, seed: u64) -> Deps {
    let config = stack
        .deps
        .clients
        .dynamodb
        .config()
        .to_builder()
        .endpoint_url(endpoint)
        .retry_config(
            RetryConfig::standard()
                .with_initial_backoff(Duration::from_millis(20))
                .with_max_backoff(Duration::from_millis(400)),
        )
        .retry_partition(aws_sdk_dynamodb::config::retry::RetryPartition::new(
            format!("faults-{seed}"),
        ))
        .build();
    let mut clients = stack.deps.clients.clone();
    clients.dynamodb = aws_sdk_dynamodb::Client::from_conf(config);
    Deps::new(clients, stack.deps.resources.clone())
}

#[derive(Clone, Copy)]
enum Queue {
    Chunks,
    DeadLetters,
}

/// Runs row processors and the dead-letter function against the queues,
/// every batch delivered twice at once, until both imports ended and both
/// queues are empty.
async fn drain(stack: &TestStack, faulty: &Deps, ids: &[ImportId], seed: u64) {
    let done = Arc::new(AtomicBool::new(false));
    let workers = [
        Queue::Chunks,
        Queue::Chunks,
        Queue::Chunks,
        Queue::DeadLetters,
    ]
    .into_iter()
    .map(|queue| {
        let done = done.clone();
        async move {
            while !done.load(Ordering::Relaxed) {
                deliver_twice(stack, faulty, queue).await;
            }
        }
    });
    let watch = async {
        let start = Instant::now();
        loop {
            let mut ended = true;
            for id in ids {
                ended &= stack.import(id).await.status.is_final();
            }
            if ended
                && queued(stack, &stack.deps.resources.chunk_queue_url).await == 0
                && queued(stack, &stack.stack.dead_letter_queue_url).await == 0
            {
                break;
            }
            assert!(
                start.elapsed() < PATIENCE,
                "seed {seed}: not drained after {PATIENCE:?}: {:?}",
                futures::future::join_all(ids.iter().map(|id| stack.import(id)))
                    .await
                    .iter()
                    .map(|i| (i.status, i.counters))
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        done.store(true, Ordering::Relaxed);
    };
    futures::join!(watch, futures::future::join_all(workers));
}

/// One receive, handed to two handlers at once; a message goes back to its
/// queue only when both deliveries failed.
async fn deliver_twice(stack: &TestStack, faulty: &Deps, queue: Queue) {
    let sqs = &stack.deps.clients.sqs;
    let url = match queue {
        Queue::Chunks => &stack.deps.resources.chunk_queue_url,
        Queue::DeadLetters => &stack.stack.dead_letter_queue_url,
    };
    let out = sqs
        .receive_message()
        .queue_url(url)
        .max_number_of_messages(10)
        .wait_time_seconds(1)
        .send()
        .await
        .expect("receive");
    let messages: Vec<SqsMessage> = out
        .messages
        .unwrap_or_default()
        .into_iter()
        .map(|m| SqsMessage {
            message_id: m.message_id,
            receipt_handle: m.receipt_handle,
            body: m.body,
            ..Default::default()
        })
        .collect();
    if messages.is_empty() {
        return;
    }
    let handle = |event| async move {
        match queue {
            Queue::Chunks => process_chunk_batch(event, faulty).await,
            Queue::DeadLetters => count_dead_chunks(event, faulty).await,
        }
    };
    let (first, second) = futures::join!(handle(batch(&messages)), handle(batch(&messages)));
    let failed = |r: &SqsBatchResponse| -> HashSet<String> {
        r.batch_item_failures
            .iter()
            .map(|f| f.item_identifier.clone())
            .collect()
    };
    let (first, second) = (failed(&first), failed(&second));
    for message in &messages {
        let id = message.message_id.clone().unwrap_or_default();
        let handle = message.receipt_handle.clone().unwrap_or_default();
        if first.contains(&id) && second.contains(&id) {
            sqs.change_message_visibility()
                .queue_url(url)
                .receipt_handle(handle)
                .visibility_timeout(0)
                .send()
                .await
                .expect("release");
            continue;
        }
        sqs.delete_message()
            .queue_url(url)
            .receipt_handle(handle)
            .send()
            .await
            .expect("delete");
    }
}

/// Messages on a queue, visible or in flight.
async fn queued(stack: &TestStack, url: &str) -> u64 {
    let out = stack
        .deps
        .clients
        .sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
        .send()
        .await
        .expect("queue attributes");
    out.attributes
        .unwrap_or_default()
        .values()
        .filter_map(|n| n.parse::<u64>().ok())
        .sum()
}

/// What a row of an import was logged as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Logged {
    Created,
    Updated,
    Unchanged,
    Failed,
}

/// Every row's logged outcome, after checking that the logs agree with the
/// counters and name every row exactly once.
async fn logged_rows(stack: &TestStack, import: &ImportRecord, seed: u64) -> HashMap<u32, Logged> {
    let (company, id) = (&stack.company, &import.import_id);
    let failed = stack.deps.logs.failed_rows(company, id).await.unwrap();
    let logs: Vec<ChunkLog> = stack.deps.logs.chunk_logs(company, id).await.unwrap();
    let mut rows = HashMap::new();
    let mut log = |row: u32, outcome: Logged| {
        assert!(
            rows.insert(row, outcome).is_none(),
            "seed {seed}: row {row} of {id} logged twice"
        );
    };
    for f in &failed {
        log(f.row.0, Logged::Failed);
    }
    for l in &logs {
        for (numbers, outcome) in [
            (&l.created, Logged::Created),
            (&l.updated, Logged::Updated),
            (&l.unchanged, Logged::Unchanged),
        ] {
            for &row in numbers {
                log(row, outcome);
            }
        }
    }
    let c = import.counters;
    let count = |o: Logged| rows.values().filter(|&&v| v == o).count() as u64;
    assert_eq!(
        (
            count(Logged::Created),
            count(Logged::Updated),
            count(Logged::Unchanged),
            count(Logged::Failed)
        ),
        (c.created, c.updated, c.unchanged, c.failed),
        "seed {seed}: the counters of {id} agree with its logs"
    );
    assert_eq!(
        rows.len() as u64,
        c.rows_total,
        "seed {seed}: every row of {id} logged"
    );
    assert_eq!(
        c.chunks_done, c.chunk_count,
        "seed {seed}: every chunk of {id} counted"
    );
    rows
}

/// A row logged as imported: its import, row, outcome and values.
type Applied = (ImportId, u32, Logged, Vec<(String, String)>);

async fn check(stack: &TestStack, ids: &[ImportId], files: &[(String, Vec<u8>); 2], seed: u64) {
    let mut applied: HashMap<String, Vec<Applied>> = HashMap::new();
    for (id, (_, bytes)) in ids.iter().zip(files) {
        let import = stack.import(id).await;
        assert_ne!(
            import.status,
            ImportStatus::InProgress,
            "seed {seed}: {id} ended"
        );
        assert_ne!(
            import.status,
            ImportStatus::Failed,
            "seed {seed}: {id} failed: {:?}",
            import.reason
        );
        let expected = expected(bytes);
        let rows = logged_rows(stack, &import, seed).await;
        assert_eq!(rows.len(), expected.len(), "seed {seed}: rows of {id}");
        for (row, outcome) in rows {
            match (&expected[&row], outcome) {
                (None, Logged::Failed) => {}
                (None, other) => panic!("seed {seed}: invalid row {row} of {id} logged {other:?}"),
                (Some(_), Logged::Failed) => {} // dead-lettered: counted failed
                (Some((key, values)), outcome) => applied.entry(key.clone()).or_default().push((
                    id.clone(),
                    row,
                    outcome,
                    values.clone(),
                )),
            }
        }
    }
    assert_eq!(queued(stack, &stack.stack.dead_letter_queue_url).await, 0);

    let keys: Vec<&str> = applied.keys().map(String::as_str).collect();
    let stored = stack.records(Entity::Employees, &keys).await;
    for (key, rows) in &applied {
        let record = stored
            .get(key)
            .unwrap_or_else(|| panic!("seed {seed}: {key} imported but not stored"));
        for (id, row, _, values) in rows {
            for (field, value) in values {
                assert_eq!(
                    record.values.get(field),
                    Some(value),
                    "seed {seed}: {field} of {key}, written by row {row} of {id}, was lost"
                );
            }
        }
        let created = rows.iter().filter(|r| r.2 == Logged::Created).count();
        assert!(created <= 1, "seed {seed}: {key} created {created} times");
        let last: &Origin = record.updated_by.as_ref().unwrap_or(&record.created_by);
        assert!(
            ids.iter().any(|id| *id == last.import_id),
            "seed {seed}: {key} last written by {last:?}, a row of neither import"
        );
        if rows.len() == 2 {
            assert_eq!(
                created, 1,
                "seed {seed}: {key} written by both imports: {rows:?}"
            );
        }
    }
}
