//! Legal files under 10 MB that once left an import stuck or crashed a
//! function, through the real split and process path on the emulator:
//! each ends with a clear status, its good rows imported.

use dic_aws::imports::FailedRowLog;
use dic_aws::model::{ImportRecord, ImportStatus};
use dic_core::Entity;
use dic_e2e::{sample, suggested, TestStack};

/// `employees.csv` with `edit` applied to its data lines (index 0 is the
/// first row under the header).
fn employees_with(edit: impl Fn(usize, &str) -> String) -> Vec<u8> {
    let text = String::from_utf8(sample("employees.csv")).unwrap();
    let mut lines = text.lines();
    let mut out = format!("{}\n", lines.next().unwrap());
    for (index, line) in lines.enumerate() {
        out.push_str(&edit(index, line));
        out.push('\n');
    }
    out.into_bytes()
}

/// Imports `bytes` as employees with the suggested mapping of the sample
/// and waits until the import ends.
async fn import(stack: &TestStack, name: &str, bytes: Vec<u8>) -> ImportRecord {
    let mapping = suggested(Entity::Employees, &sample("employees.csv"));
    let id = stack
        .upload(Entity::Employees, name, bytes, Some(mapping))
        .await;
    let import = stack.wait_settled(&id).await;
    assert!(import.status.is_final(), "{import:?}");
    import
}

async fn failed_rows(stack: &TestStack, import: &ImportRecord) -> Vec<FailedRowLog> {
    stack
        .deps
        .logs
        .failed_rows(&stack.company, &import.import_id)
        .await
        .unwrap()
}

fn codes(row: &FailedRowLog) -> Vec<String> {
    row.errors
        .iter()
        .map(|e| {
            serde_json::to_value(e.code)
                .unwrap()
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

/// The sample's own outcome: 35 valid rows and 5 failed.
const SAMPLE_VALID: u64 = 35;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_300_kb_cell_fails_its_row_and_the_rest_imports() {
    let mut stack = TestStack::new().await;
    stack.start_host();
    // Line 3's job title (the 8th column) becomes 300 KB: no queue message
    // could carry the row as it is.
    let bytes = employees_with(|index, line| {
        if index != 1 {
            return line.to_string();
        }
        let mut cells: Vec<String> = line.split(',').map(str::to_string).collect();
        cells[7] = "x".repeat(300 * 1024);
        cells.join(",")
    });
    let import = import(&stack, "long-cell.csv", bytes).await;
    assert_eq!(import.status, ImportStatus::FinishedWithErrors);
    assert_eq!(import.counters.created, SAMPLE_VALID - 1);
    assert_eq!(import.counters.failed, 6);
    let failed = failed_rows(&stack, &import).await;
    let row = failed.iter().find(|r| r.row.0 == 3).expect("line 3 failed");
    assert_eq!(codes(row), ["cell_too_long"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_cell_of_70_kb_of_quotes_is_logged_and_the_chunk_counts() {
    let mut stack = TestStack::new().await;
    stack.start_host();
    // Line 2's email: 70 KB of doubled quotes, inside a quoted cell.
    let bytes = employees_with(|index, line| {
        if index != 0 {
            return line.to_string();
        }
        let (_, rest) = line.split_once(',').unwrap();
        format!("\"{}\",{rest}", "\"\"".repeat(35 * 1024))
    });
    let import = import(&stack, "quotes.csv", bytes).await;
    assert_eq!(import.status, ImportStatus::FinishedWithErrors);
    assert_eq!(
        (import.counters.created, import.counters.failed),
        (SAMPLE_VALID - 1, 6),
        "valid rows of that chunk are not counted failed"
    );
    let failed = failed_rows(&stack, &import).await;
    let row = failed.iter().find(|r| r.row.0 == 2).expect("line 2");
    // 35,840 quote characters once unescaped: more than a cell may hold.
    assert_eq!(codes(row), ["cell_too_long"]);
    assert!(
        row.errors
            .iter()
            .all(|e| e.message.len() < 1024 && e.value.len() < 1024),
        "messages and shown values stay short"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_2_kb_email_address_is_an_invalid_row() {
    let mut stack = TestStack::new().await;
    stack.start_host();
    let bytes = employees_with(|index, line| {
        if index != 0 {
            return line.to_string();
        }
        let (_, rest) = line.split_once(',').unwrap();
        format!("{}@example.com,{rest}", "a".repeat(2100))
    });
    let import = import(&stack, "long-email.csv", bytes).await;
    let failed = failed_rows(&stack, &import).await;
    let row = failed.iter().find(|r| r.row.0 == 2).expect("line 2");
    assert_eq!(codes(row), ["invalid_email"]);
    assert_eq!(import.counters.created, SAMPLE_VALID - 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_500_kb_header_fails_the_file_with_a_reason() {
    let mut stack = TestStack::new().await;
    stack.start_host();
    let text = String::from_utf8(sample("employees.csv")).unwrap();
    let bytes = format!("{},{}", "H".repeat(500 * 1024), text).into_bytes();
    let import = import(&stack, "long-header.csv", bytes).await;
    assert_eq!(import.status, ImportStatus::Failed);
    assert_eq!(import.reason_code.as_deref(), Some("header_too_long"));
    assert!(import.reason.unwrap().len() < 1024);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workbook_declaring_a_huge_sheet_fails_without_crashing_the_splitter() {
    let mut stack = TestStack::new().await;
    stack.start_host();
    // Cells at A1 and XFD1048576: a 2 KB file whose grid would be 17
    // billion cells.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "Email").unwrap();
    sheet.write_string(1_048_575, 16_383, "far").unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let import = import(&stack, "huge.xlsx", bytes).await;
    assert_eq!(import.status, ImportStatus::Failed);
    assert_eq!(import.reason_code.as_deref(), Some("too_many_columns"));
}
