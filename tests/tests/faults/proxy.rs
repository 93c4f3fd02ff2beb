//! A proxy in front of DynamoDB Local that injects DynamoDB's own error
//! responses, seeded so that a failing run can be replayed: throttling and
//! transaction conflicts (the SDK and the stores must retry them), and
//! "killed workers" (an error nothing retries, so the handler fails at that
//! point and SQS delivers the message again).

use axum::body::{to_bytes, Body};
use axum::extract::State;
use axum::http::{HeaderMap, Request, Response, StatusCode};
use axum::Router;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// How often each kind of fault is injected, per eligible request.
#[derive(Clone, Copy, Debug)]
pub struct FaultRates {
    /// Any DynamoDB request answered with throttling or a conflict.
    pub throttle: f64,
    /// A request of the row processor's path answered with an error that
    /// ends the handler there.
    pub kill: f64,
}

/// Faults injected so far, by kind (`"throttle ProvisionedThroughputExceededException"`,
/// `"kill before upsert"`, ...).
#[derive(Clone, Default)]
pub struct FaultCounts(Arc<Mutex<BTreeMap<String, u64>>>);

impl FaultCounts {
    fn add(&self, kind: String) {
        *self.0.lock().unwrap().entry(kind).or_default() += 1;
    }

    pub fn snapshot(&self) -> BTreeMap<String, u64> {
        self.0.lock().unwrap().clone()
    }

    pub fn total(&self) -> u64 {
        self.snapshot().values().sum()
    }
}

struct Proxy {
    upstream: String,
    records_table: String,
    http: reqwest::Client,
    rng: Mutex<fastrand::Rng>,
    rates: FaultRates,
    counts: FaultCounts,
}

pub struct FaultProxy {
    pub endpoint: String,
    pub counts: FaultCounts,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FaultProxy {
    pub async fn start(
        upstream: &str,
        records_table: &str,
        seed: u64,
        rates: FaultRates,
    ) -> FaultProxy {
        let counts = FaultCounts::default();
        let proxy = Arc::new(Proxy {
            upstream: upstream.trim_end_matches('/').to_string(),
            records_table: records_table.to_string(),
            http: reqwest::Client::new(),
            rng: Mutex::new(fastrand::Rng::with_seed(seed)),
            rates,
            counts: counts.clone(),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let app = Router::new().fallback(handle).with_state(proxy);
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        FaultProxy {
            endpoint,
            counts,
            task,
        }
    }
}

/// Where in the row processor a failed request leaves it.
fn kill_point(call: &str, body: &serde_json::Value, records_table: &str) -> Option<&'static str> {
    let on_records = body
        .get("RequestItems")
        .and_then(|items| items.get(records_table))
        .is_some()
        || body.to_string().contains(records_table);
    match call {
        "BatchGetItem" if on_records => Some("before upsert"),
        "TransactWriteItems" if on_records => Some("during upsert"),
        "BatchWriteItem" => Some("between upsert and logs"),
        "TransactWriteItems" => Some("between logs and count"),
        _ => None,
    }
}

async fn handle(State(proxy): State<Arc<Proxy>>, request: Request<Body>) -> Response<Body> {
    let (parts, body) = request.into_parts();
    let body = to_bytes(body, usize::MAX).await.unwrap();
    let target = header(&parts.headers, "x-amz-target");
    let call = target.rsplit('.').next().unwrap_or_default().to_string();
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let (roll, pick) = {
        let mut rng = proxy.rng.lock().unwrap();
        (rng.f64(), rng.u32(..))
    };
    if roll < proxy.rates.throttle {
        let (kind, response) = throttled(&call, &json, pick);
        proxy.counts.add(format!("throttle {kind}"));
        return response;
    }
    if roll < proxy.rates.throttle + proxy.rates.kill {
        if let Some(point) = kill_point(&call, &json, &proxy.records_table) {
            proxy.counts.add(format!("kill {point}"));
            return error(
                "InjectedWorkerDeath",
                "the fault suite killed the worker here",
            );
        }
    }
    let mut upstream = proxy
        .http
        .post(format!("{}{}", proxy.upstream, parts.uri.path()))
        .body(body);
    for (name, value) in &parts.headers {
        if name != "host" && name != "content-length" {
            upstream = upstream.header(name, value);
        }
    }
    let answer = upstream.send().await.expect("DynamoDB Local answers");
    let mut response = Response::builder().status(answer.status().as_u16());
    for (name, value) in answer.headers() {
        if name != "content-length" && name != "transfer-encoding" {
            response = response.header(name, value);
        }
    }
    response
        .body(Body::from(answer.bytes().await.unwrap()))
        .unwrap()
}

/// One of the errors DynamoDB answers a busy table or a race with.
fn throttled(call: &str, body: &serde_json::Value, pick: u32) -> (&'static str, Response<Body>) {
    if call == "TransactWriteItems" && pick % 3 == 2 {
        let actions = body
            .get("TransactItems")
            .and_then(|items| items.as_array())
            .map_or(1, Vec::len);
        let conflicted = pick as usize % actions;
        let reasons: Vec<serde_json::Value> = (0..actions)
            .map(|i| {
                if i == conflicted {
                    serde_json::json!({"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"})
                } else {
                    serde_json::json!({"Code": "None"})
                }
            })
            .collect();
        let body = serde_json::json!({
            "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
            "message": "Transaction cancelled, please refer cancellation reasons for specific reasons",
            "CancellationReasons": reasons,
        });
        return ("TransactionConflict", respond(body));
    }
    match pick % 3 {
        0 => (
            "ProvisionedThroughputExceededException",
            error(
                "ProvisionedThroughputExceededException",
                "The level of configured provisioned throughput for the table was exceeded",
            ),
        ),
        1 => (
            "ThrottlingException",
            error(
                "ThrottlingException",
                "Rate of requests exceeds the allowed throughput",
            ),
        ),
        _ => (
            "TransactionConflictException",
            error(
                "TransactionConflictException",
                "Transaction is ongoing for the item",
            ),
        ),
    }
}

fn error(kind: &str, message: &str) -> Response<Body> {
    respond(serde_json::json!({
        "__type": format!("com.amazonaws.dynamodb.v20120810#{kind}"),
        "message": message,
    }))
}

fn respond(body: serde_json::Value) -> Response<Body> {
    Response::builder()
        .status(StatusCode::BAD_REQUEST)
        .header("content-type", "application/x-amz-json-1.0")
        .header("x-amzn-requestid", "injected-by-the-fault-suite")
        .body(Body::from(body.to_string()))
        .unwrap()
}

fn header(headers: &HeaderMap, name: &str) -> String {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}
