//! The sweeper on the emulator: a split whose splitter died mid-way is
//! taken up again, and one that keeps dying ends `Failed` with a reason.

use aws_sdk_dynamodb::types::AttributeValue;
use dic_aws::keys::imports as k;
use dic_aws::model::ImportStatus;
use dic_aws::sweep::{sweep_stale_splits, SweepReport, MAX_SPLIT_ATTEMPTS};
use dic_core::ids::ImportId;
use dic_core::Entity;
use dic_e2e::{sample, suggested, TestStack};

/// Makes the import's split claim look older than its lease, as if its
/// splitter had died long ago, after `attempts` claims.
async fn age_claim(stack: &TestStack, import_id: &ImportId, attempts: u32) {
    let long_ago = chrono::Utc::now().timestamp() - 3600;
    stack
        .deps
        .clients
        .dynamodb
        .update_item()
        .table_name(&stack.deps.resources.imports_table)
        .key("pk", AttributeValue::S(k::pk(&stack.company, import_id)))
        .key("sk", AttributeValue::S(k::META.to_string()))
        .update_expression("SET split_claimed_at = :then, split_attempts = :attempts")
        .expression_attribute_values(":then", AttributeValue::N(long_ago.to_string()))
        .expression_attribute_values(":attempts", AttributeValue::N(attempts.to_string()))
        .send()
        .await
        .expect("ageing the claim");
}

/// An upload whose splitter claimed it and died before reading the file.
async fn dead_split(stack: &TestStack) -> ImportId {
    let bytes = sample("employees.csv");
    let mapping = suggested(Entity::Employees, &bytes);
    // No host runs yet: the S3 event waits in its queue.
    let import_id = stack
        .upload(Entity::Employees, "employees.csv", bytes, Some(mapping))
        .await;
    assert!(stack
        .deps
        .claims
        .claim_split(&stack.company, &import_id)
        .await
        .unwrap());
    import_id
}

#[tokio::test]
async fn a_split_whose_splitter_died_is_taken_up_again() {
    let mut stack = TestStack::new().await;
    let import_id = dead_split(&stack).await;

    // Within its lease the claim is left alone.
    let report = sweep_stale_splits(&stack.deps).await.unwrap();
    assert_eq!(report, SweepReport::default());
    assert_eq!(
        stack.import(&import_id).await.status,
        ImportStatus::PendingUpload
    );

    age_claim(&stack, &import_id, 1).await;
    let report = sweep_stale_splits(&stack.deps).await.unwrap();
    assert_eq!(report.resumed, 1, "{report:?}");
    let import = stack.import(&import_id).await;
    assert_eq!(import.status, ImportStatus::InProgress);
    assert_eq!(import.counters.rows_total, 40);

    // The rows are processed once, and the late S3 event changes nothing.
    stack.start_host();
    let import = stack.wait_settled(&import_id).await;
    assert_eq!(import.status, ImportStatus::FinishedWithErrors);
    assert_eq!((import.counters.created, import.counters.failed), (35, 5));
    let before = chrono::Utc::now() + chrono::Duration::hours(1);
    assert!(
        stack
            .deps
            .claims
            .stale_split_claims(before)
            .await
            .unwrap()
            .is_empty(),
        "no claim is left behind"
    );
}

#[tokio::test]
async fn a_split_that_keeps_stopping_ends_failed_with_a_reason() {
    let stack = TestStack::new().await;
    let import_id = dead_split(&stack).await;
    age_claim(&stack, &import_id, MAX_SPLIT_ATTEMPTS).await;

    let report = sweep_stale_splits(&stack.deps).await.unwrap();
    assert_eq!(report.failed, 1, "{report:?}");
    let import = stack.import(&import_id).await;
    assert_eq!(import.status, ImportStatus::Failed);
    assert_eq!(import.reason_code.as_deref(), Some("split_stopped"));
    assert!(import.reason.unwrap().contains("save it again as CSV"));

    // Nothing is left for the next sweep.
    assert_eq!(
        sweep_stale_splits(&stack.deps).await.unwrap(),
        SweepReport::default()
    );
}
