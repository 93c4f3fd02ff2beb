//! `dic import` end to end: the real binary against the real router and
//! handlers on the emulator, through the API only.

use dic_api::auth::{local_token, Authenticator};
use dic_api::serve::serve_loopback;
use dic_api::AppState;
use dic_core::ids::ImportId;
use dic_e2e::TestStack;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::Output;

const SECRET: &str = "cli-test-secret";

/// A stack with its host and API running, a scratch folder, and the binary.
struct Harness {
    stack: TestStack,
    api: String,
    dir: PathBuf,
    _server: tokio::task::JoinHandle<()>,
}

impl Harness {
    async fn new() -> Harness {
        let mut stack = TestStack::new().await;
        stack.start_host();
        let app = dic_api::router(AppState::new(
            stack.deps.clone(),
            Authenticator::hs256(SECRET),
        ));
        let (address, server) = serve_loopback(app, 0).await.expect("serving the API");
        let dir = std::env::temp_dir().join(format!("dic-cli-{}", stack.company));
        std::fs::create_dir_all(&dir).unwrap();
        Harness {
            stack,
            api: format!("http://{address}"),
            dir,
            _server: server,
        }
    }

    fn file(&self, name: &str, contents: impl AsRef<[u8]>) -> String {
        let path = self.dir.join(name);
        std::fs::write(&path, contents).unwrap();
        path.to_string_lossy().into_owned()
    }

    async fn dic(&self, args: &[&str]) -> Output {
        let token = local_token(SECRET, &self.stack.company, "Admin", "cli-test", 1).unwrap();
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_dic"));
        command
            .args(args)
            .env("DIC_API_URL", &self.api)
            .env("DIC_TOKEN", token)
            .env("RUST_LOG", "warn");
        // The API and the host run on this test's runtime: wait off it.
        tokio::task::spawn_blocking(move || command.output())
            .await
            .expect("joining dic")
            .expect("running dic")
    }

    /// `dic import FILE --entity employees --json ARGS…`: exit code and summary.
    async fn import(&self, file: &str, args: &[&str]) -> (Option<i32>, Value) {
        let mut all = vec!["import", file, "--entity", "employees", "--json"];
        all.extend_from_slice(args);
        let output = self.dic(&all).await;
        (output.status.code(), one_json_object(&output))
    }
}

fn one_json_object(output: &Output) -> Value {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut lines = stdout.lines().filter(|l| !l.trim().is_empty());
    let first = lines.next().unwrap_or_else(|| {
        panic!(
            "no JSON on stdout; stderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    assert_eq!(lines.next(), None, "more than one line on stdout: {stdout}");
    serde_json::from_str(first).expect("stdout is one JSON object")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_with_messy_headers_imports_with_auto_map_and_reports_json() {
    let h = Harness::new().await;
    // Semicolons, odd spacing and case, synonyms, one bad email, one
    // impossible date.
    let file = h.file(
        "Staff export (final).csv",
        " E-Mail Address ;FIRST;surname;Emp Status;Hire date\n\
         ann@example.com;Ann;Lee;Active;2024-01-05\n\
         bob@example;Bob;Ray;A;2024-02-03\n\
         cy@example.com;Cy;Fox;inactive;2024-02-30\n\
         dee@example.com;Dee;Ng;Active;2023-12-01\n",
    );
    let out_xlsx = h.dir.join("failed.xlsx");
    let (code, summary) = h
        .import(
            &file,
            &["--auto-map", "--failed-rows", out_xlsx.to_str().unwrap()],
        )
        .await;
    assert_eq!(code, Some(2), "{summary}");
    assert_eq!(summary["status"], "Finished with Errors");
    assert_eq!(summary["encoding"], "utf8");
    assert_eq!(summary["delimiter"], "semicolon");
    assert_eq!(summary["reason"], Value::Null);
    assert_eq!(
        summary["counts"],
        json!({"total": 4, "created": 2, "updated": 0, "unchanged": 0, "failed": 2})
    );
    let import_id = ImportId::parse(summary["import_id"].as_str().unwrap()).unwrap();
    assert_eq!(
        h.stack.import(&import_id).await.counters.created,
        2,
        "the JSON matches the stored counters"
    );
    assert!(out_xlsx.exists(), "the failed rows were downloaded");

    // The row logs name the failed rows by spreadsheet row number.
    let rows = h.dic(&["rows", &import_id, "--failed", "--json"]).await;
    assert!(rows.status.success());
    let rows: Value = serde_json::from_slice(&rows.stdout).unwrap();
    let failed: Vec<(u64, &str)> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["row"].as_u64().unwrap(),
                r["errors"][0]["code"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(failed, [(3, "invalid_email"), (4, "invalid_date")]);
    assert_eq!(rows[0]["errors"][0]["column"], "E-Mail Address");

    // The same file again changes nothing.
    let (_, again) = h.import(&file, &["--auto-map"]).await;
    assert_eq!(again["counts"]["unchanged"], 2);
    assert_eq!(again["counts"]["created"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_map_fails_clearly_when_a_mandatory_field_stays_unmapped() {
    let h = Harness::new().await;
    let file = h.file("no-email.csv", "First,Last,Status\nAnn,Lee,Active\n");
    let (code, summary) = h.import(&file, &["--auto-map"]).await;
    assert_eq!(code, Some(1));
    assert_eq!(summary["status"], "Failed");
    let reason = summary["reason"].as_str().unwrap();
    assert!(reason.contains("Email"), "{reason}");
    assert_eq!(summary["counts"]["created"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_that_cannot_be_read_fails_with_exit_code_1() {
    let h = Harness::new().await;
    let file = h.file("photo.csv", [0u8, 159, 146, 150, 0, 0, 1, 2, 3, 0, 0, 0]);
    let (code, summary) = h.import(&file, &[]).await;
    assert_eq!(code, Some(1));
    assert_eq!(summary["status"], "Failed");
    assert!(summary["reason"].as_str().is_some_and(|r| !r.is_empty()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_template_maps_the_import_and_can_be_deleted() {
    let h = Harness::new().await;
    // Headers no suggestion would map: only the template knows them.
    let file = h.file(
        "payroll.csv",
        "c1,c2,c3,c4\nann@example.com,Ann,Lee,Active\n",
    );
    let mapping = h.file(
        "mapping.json",
        r#"{"c1": "email", "c2": "first_name", "c3": "last_name", "c4": "employee_status"}"#,
    );
    let save = h
        .dic(&[
            "templates",
            "save",
            "Payroll",
            "--entity",
            "employees",
            "--mapping",
            &mapping,
        ])
        .await;
    assert!(
        save.status.success(),
        "{}",
        String::from_utf8_lossy(&save.stderr)
    );

    let (_, auto) = h.import(&file, &["--auto-map"]).await;
    assert_eq!(auto["status"], "Failed");

    let (code, summary) = h.import(&file, &["--template", "payroll"]).await;
    assert_eq!(code, Some(0), "{summary}");
    assert_eq!(summary["status"], "Finished");
    assert_eq!(summary["counts"]["created"], 1);
    let record = h
        .dic(&["records", "employees", "ANN@example.com", "--json"])
        .await;
    let record: Value = serde_json::from_slice(&record.stdout).unwrap();
    assert_eq!(record["values"]["last_name"], "Lee");

    assert!(h
        .dic(&["templates", "delete", "Payroll"])
        .await
        .status
        .success());
    let gone = h
        .dic(&[
            "import",
            &file,
            "--entity",
            "employees",
            "--template",
            "Payroll",
        ])
        .await;
    assert_eq!(gone.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&gone.stderr).contains("no employees template is named"));
}
