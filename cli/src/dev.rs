//! `dic dev`: the local stack's host.

use anyhow::Context;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::post;
use axum::{Json, Router};
use clap::Args;
use dic_api::auth::local_token;
use dic_api::auth::Authenticator;
use dic_api::serve::serve_loopback;
use dic_api::web::WebConfig;
use dic_api::AppState;
use dic_aws::clients::Clients;
use dic_aws::local::{provision, spawn_host, HostOptions, StackNames};
use dic_aws::Deps;
use serde::Deserialize;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tracing::{info, warn};

/// The prefix of the local stack's resource names.
pub const DEFAULT_PREFIX: &str = "dic-local";

#[derive(Args)]
pub struct DevArgs {
    /// Prefix of every resource name (bucket, queues, tables).
    #[arg(long, default_value = DEFAULT_PREFIX)]
    pub prefix: String,
    /// Row processors running at once, like Lambda's concurrency; each
    /// takes a batch of up to 10 chunks. The default, per core, keeps the
    /// emulators busy: the work is mostly waiting on them.
    #[arg(long, env = "DIC_CONCURRENCY", default_value_t = default_concurrency())]
    pub concurrency: usize,
    /// The chunk queue's visibility timeout, in seconds.
    #[arg(long, default_value_t = 30)]
    pub visibility_timeout: u32,
    /// The API's port on 127.0.0.1.
    #[arg(long, env = "DIC_API_PORT", default_value_t = dic_api::serve::LOCAL_PORT)]
    pub api_port: u16,
    /// The secret local tokens are signed with (see `dic token`).
    #[arg(long, env = "DIC_JWT_SECRET", default_value = dic_api::auth::LOCAL_SECRET, hide_env_values = true)]
    pub jwt_secret: String,
    /// Written once the host serves, with the resource variables in it.
    #[arg(long, default_value = ".local/dev.ready")]
    pub ready_file: PathBuf,
}

pub async fn run(args: DevArgs) -> anyhow::Result<()> {
    let clients = Clients::from_env().await;
    let stack = provision(
        &clients,
        &StackNames::new(&args.prefix),
        args.visibility_timeout,
    )
    .await
    .context(
        "creating the local resources: is the emulator running on AWS_ENDPOINT_URL? (`make up`)",
    )?;
    let requests = clients.requests.clone();
    let deps = Arc::new(Deps::new(clients, stack.resources.clone()));
    let web = WebConfig {
        oidc: None,
        dev_sign_in: true,
    };
    let app = dic_api::router_with_web(
        AppState::new(deps.clone(), Authenticator::hs256(&args.jwt_secret)),
        web,
    )
    .merge(dev_sign_in(args.jwt_secret.clone()));
    let (api_address, api) = serve_loopback(app, args.api_port).await.with_context(|| {
        format!(
            "serving the API on 127.0.0.1:{}: is the port taken?",
            args.api_port
        )
    })?;
    let host = spawn_host(
        deps,
        &stack,
        &HostOptions {
            concurrency: args.concurrency,
            // Long polls, as Lambda's pollers make: idle pollers cost one
            // request in 20 s, not one a second. Stopping does not wait.
            wait_seconds: 20,
            ..HostOptions::default()
        },
    );
    let mut vars: String = stack
        .resources
        .vars()
        .iter()
        .map(|(name, value)| format!("{name}={value}\n"))
        .collect();
    vars.push_str(&format!("DIC_API_URL=http://{api_address}\n"));
    if let Some(dir) = args.ready_file.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&args.ready_file, vars).context("writing the ready file")?;
    info!(bucket = %stack.resources.data_bucket, concurrency = args.concurrency, api = %format!("http://{api_address}"), "local stack serving");
    if dic_api::web::is_built() {
        info!(page = %format!("http://{api_address}/"), "the admins' workspace");
    } else {
        warn!(
            "the admins' workspace is not built into this binary: `make web`, then build dic again"
        );
    }

    let mut ticker = tokio::time::interval(Duration::from_secs(5));
    let mut reported = 0;
    let stop = shutdown_signal();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = &mut stop => break,
            _ = ticker.tick() => {
                let now = requests.get();
                if now != reported {
                    info!(aws_requests = now, by_call = %by_call(&requests), "requests sent so far");
                    reported = now;
                }
            }
        }
    }
    host.stop();
    api.abort();
    let _ = std::fs::remove_file(&args.ready_file);
    info!(aws_requests = requests.get(), by_call = %by_call(&requests), "local stack stopped");
    Ok(())
}

/// `POST /dev/sign-in`: the workspace's development sign-in, in `dic dev`
/// only (the API on AWS has no such route). Anyone who can reach the local
/// API on 127.0.0.1 picks a company and a role and gets a token signed with
/// the local secret, as `dic token` prints one.
fn dev_sign_in(secret: String) -> Router {
    Router::new().route(
        "/dev/sign-in",
        post(move |Json(body): Json<DevSignIn>| async move {
            let company = body.company_id.trim();
            let user = body.user.as_deref().map(str::trim).unwrap_or("");
            if company.is_empty() || user.is_empty() {
                let body = serde_json::json!({"error": {"code": "invalid_request", "message": "give a company and a user name"}});
                return (StatusCode::BAD_REQUEST, Json(body)).into_response();
            }
            match local_token(&secret, company, &body.role, user, DEV_TOKEN_HOURS) {
                Ok(token) => Json(serde_json::json!({
                    "token": token,
                    "expires_in_seconds": DEV_TOKEN_HOURS * 3600,
                }))
                .into_response(),
                Err(err) => {
                    let body = serde_json::json!({"error": {"code": "internal", "message": err.to_string()}});
                    (StatusCode::INTERNAL_SERVER_ERROR, Json(body)).into_response()
                }
            }
        }),
    )
}

/// How long a development sign-in lasts.
const DEV_TOKEN_HOURS: u64 = 8;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DevSignIn {
    company_id: String,
    /// `SuperAdmin`, `Admin`, or any other role (which the API refuses).
    role: String,
    /// Who signs in: the token's subject, shown as "started by".
    user: Option<String>,
}

/// Row processors per core. The processors mostly wait on the emulators,
/// so several per core keep both busy: on 2 cores, 8 processors of up to
/// 10 chunks each gave the README's figures (other factors not yet
/// measured).
const PROCESSORS_PER_CORE: usize = 4;

fn default_concurrency() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get()) * PROCESSORS_PER_CORE
}

/// `Service.Call=n` for every call so far, e.g. `DynamoDB.BatchWriteItem=812`.
fn by_call(requests: &dic_aws::clients::RequestCounter) -> String {
    requests
        .by_call()
        .iter()
        .map(|((service, call), n)| format!("{service}.{call}={n}"))
        .collect::<Vec<_>>()
        .join(" ")
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => return ctrl_c.await.unwrap_or(()),
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    ctrl_c.await.unwrap_or(());
}
