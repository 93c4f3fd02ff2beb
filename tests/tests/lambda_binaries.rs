//! The six functions' own binaries under a Lambda runtime emulator
//! (`cargo lambda watch --only-lambda-apis`, which serves Lambda's runtime
//! and invoke APIs), invoked with the sample events of `events/`, their
//! effects checked on the emulator. What this adds to the handler tests:
//! each `main` (tracing, clients, environment, the event type it declares)
//! and the runtime's own (de)serialization.
//!
//! The binaries are the workspace's debug builds (`cargo build --workspace
//! --bins`, which `make test` runs first), started here with the variables
//! Lambda gives a function: building them from here would compile the SDK
//! again with another feature set.

use dic_aws::model::ImportStatus;
use dic_core::Entity;
use dic_e2e::{sample, suggested, TestStack};
use serde_json::{json, Value};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const FUNCTIONS: [&str; 6] = [
    "api",
    "splitter",
    "row-processor",
    "dead-letter",
    "failed-rows-export",
    "sweeper",
];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace root")
        .to_path_buf()
}

/// `cargo-lambda`, from `CARGO_LAMBDA` or the project's venv, where `make
/// test` installs it.
fn cargo_lambda() -> PathBuf {
    std::env::var_os("CARGO_LAMBDA")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join(".venv/bin/cargo-lambda"))
}

/// The function's binary beside this test's own (`target/debug/deps/..`).
fn binary(function: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test's path");
    let debug = exe.parent().and_then(Path::parent).expect("target/debug");
    let path = debug.join(function);
    assert!(
        path.is_file(),
        "{} is not built: run `cargo build --workspace --bins` (make test does)",
        path.display()
    );
    path
}

/// A process in its own group, stopped with everything it started when the
/// test ends, pass or fail.
struct Process(Child);

impl Process {
    fn spawn(mut command: Command, log: &Path) -> Process {
        let out = std::fs::File::create(log).expect("a log file");
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let child = command
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {command:?}: {e}"));
        Process(child)
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let group = format!("-{}", self.0.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if matches!(self.0.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.0.wait();
    }
}

/// The runtime emulator and the six functions polling it.
struct Lambda {
    base: String,
    logs: PathBuf,
    _processes: Vec<Process>,
}

impl Lambda {
    fn start(stack: &TestStack) -> Lambda {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let logs = workspace().join(format!("target/lambda-{port}"));
        std::fs::create_dir_all(&logs).expect("the log folder");
        let mut watch = Command::new(cargo_lambda());
        watch
            .current_dir(workspace())
            .args(["lambda", "watch", "--only-lambda-apis"])
            .args(["--invoke-address", "127.0.0.1"])
            .args(["--invoke-port", &port.to_string()]);
        let mut processes = vec![Process::spawn(watch, &logs.join("watch.log"))];
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "cargo lambda watch did not listen; see {}",
                logs.display()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        for function in FUNCTIONS {
            let mut command = Command::new(binary(function));
            command
                .envs(stack.stack.resources.vars())
                .env(
                    "AWS_LAMBDA_RUNTIME_API",
                    format!("http://127.0.0.1:{port}/.rt/{function}"),
                )
                .env("AWS_LAMBDA_FUNCTION_NAME", function)
                .env("AWS_LAMBDA_FUNCTION_VERSION", "1")
                .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024")
                .env("AWS_LAMBDA_LOG_FORMAT", "JSON");
            processes.push(Process::spawn(
                command,
                &logs.join(format!("{function}.log")),
            ));
        }
        Lambda {
            base: format!("http://127.0.0.1:{port}"),
            logs,
            _processes: processes,
        }
    }

    fn log_tail(&self, function: &str) -> String {
        let log =
            std::fs::read_to_string(self.logs.join(format!("{function}.log"))).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// Invokes `function` with `payload` as Lambda's Invoke API does and
    /// returns the function's answer.
    async fn invoke(&self, function: &str, payload: &Value) -> Value {
        let response = reqwest::Client::new()
            .post(format!(
                "{}/2015-03-31/functions/{function}/invocations",
                self.base
            ))
            .timeout(Duration::from_secs(120))
            .json(payload)
            .send()
            .await
            .unwrap_or_else(|e| panic!("invoking {function}: {e}\n{}", self.log_tail(function)));
        let status = response.status();
        let text = response.text().await.expect("the answer");
        assert!(
            status.is_success() && !text.contains("\"errorType\""),
            "{function} answered {status}: {text}\n{}",
            self.log_tail(function)
        );
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }
}

fn fixture(name: &str, company: &str, import_id: &str) -> Value {
    serde_json::from_str(&dic_e2e::fixture(name, company, import_id)).expect("a JSON event")
}

fn api_answer(response: &Value) -> (u64, Value) {
    let status = response["statusCode"].as_u64().expect("statusCode");
    let body = response["body"].as_str().unwrap_or("null");
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_function_binaries_handle_the_sample_events() {
    let stack = TestStack::new().await;
    let watch = Lambda::start(&stack);

    // api: an HTTP API v2 request with the JWT authorizer's claims.
    let create = dic_e2e::api_v2_request(
        &stack.company,
        "POST",
        "/imports",
        Some(json!({"entity": "employees", "file_name": "employees.csv"})),
    );
    let (status, created) = api_answer(&watch.invoke("api", &create).await);
    assert_eq!(status, 201, "{created}");
    let created_id = created["import_id"].as_str().expect("import_id");
    let get = dic_e2e::api_v2_request(
        &stack.company,
        "GET",
        &format!("/imports/{created_id}"),
        None,
    );
    let (status, got) = api_answer(&watch.invoke("api", &get).await);
    assert_eq!((status, &got["import_id"]), (200, &json!(created_id)));

    // splitter: the split queue's batch (the upload's notification and the
    // start request) for an uploaded file with a complete mapping.
    let bytes = sample("employees.csv");
    let mapping = suggested(Entity::Employees, &bytes);
    let id = stack
        .upload(Entity::Employees, "employees.csv", bytes, Some(mapping))
        .await;
    let answer = watch
        .invoke("splitter", &fixture("sqs-split.json", &stack.company, &id))
        .await;
    assert_eq!(answer["batchItemFailures"], json!([]));
    let import = stack.import(&id).await;
    assert_eq!(import.status, ImportStatus::InProgress);

    // row-processor: the chunks the splitter sent, as one SQS batch.
    let chunks = stack
        .take_chunk_messages(import.counters.chunk_count as usize)
        .await;
    let mut batch = fixture("sqs-chunk.json", &stack.company, &id);
    let template = batch["Records"][0].clone();
    batch["Records"] = chunks
        .iter()
        .map(|chunk| {
            let mut record = template.clone();
            record["messageId"] = chunk.message_id.clone().unwrap_or_default().into();
            record["body"] = chunk.body.clone().unwrap_or_default().into();
            record.as_object_mut().unwrap().remove("md5OfBody");
            record
        })
        .collect();
    let answer = watch.invoke("row-processor", &batch).await;
    assert_eq!(answer["batchItemFailures"], json!([]));
    let import = stack.import(&id).await;
    assert_eq!(import.status, ImportStatus::FinishedWithErrors);
    assert_eq!(import.counters.failed, 5);

    // failed-rows-export: the direct invocation.
    let answer = watch
        .invoke(
            "failed-rows-export",
            &fixture("export-request.json", &stack.company, &id),
        )
        .await;
    assert_eq!(answer["failed_rows"], 5);
    let key = answer["key"].as_str().expect("the export's key");
    stack
        .deps
        .clients
        .s3
        .head_object()
        .bucket(&stack.deps.resources.data_bucket)
        .key(key)
        .send()
        .await
        .expect("the export is in the bucket");

    // dead-letter: the chunk queue's sample batch, dead-lettered, for an
    // import of that one chunk.
    let dead_id = stack.started_for_sample_chunk().await;
    let answer = watch
        .invoke(
            "dead-letter",
            &fixture("sqs-chunk.json", &stack.company, &dead_id),
        )
        .await;
    assert_eq!(answer["batchItemFailures"], json!([]));
    let dead = stack.import(&dead_id).await;
    assert_eq!(
        (dead.status, dead.counters.failed),
        (ImportStatus::FinishedWithErrors, 3)
    );

    // sweeper: the scheduled event; no split of this stack is stale.
    let answer = watch
        .invoke("sweeper", &fixture("schedule.json", &stack.company, ""))
        .await;
    assert_eq!(answer, json!({"resumed": 0, "failed": 0, "errors": 0}));
}
