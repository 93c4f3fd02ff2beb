//! `dic`: the local stack and the admin API's client.

#![forbid(unsafe_code)]

mod client;
mod dev;
mod import;
mod listing;
mod templates;
mod token;

use clap::{Parser, Subcommand};
use client::{Api, ApiArgs};
use dic_core::Entity;
use std::process::ExitCode;

/// The allocator the splitter and row-processor functions use, for the
/// same handlers run by `dic dev`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(version, about = "Data Import Center: local stack and API client")]
struct Cli {
    #[command(flatten)]
    api: ApiArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Import a file through the API and follow it to the end. Exit code 0
    /// when it finished, 2 when rows failed, 1 when the import failed.
    Import(import::ImportArgs),
    /// The company's imports, newest first.
    Imports {
        /// Only imports of this status (uploaded, in_progress, finished,
        /// finished_with_errors, failed).
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// An import's row logs.
    Rows {
        import_id: String,
        /// Failed rows only.
        #[arg(long)]
        failed: bool,
        #[arg(long)]
        json: bool,
    },
    /// A stored record (enrollments: `email|course code`).
    Records {
        entity: Entity,
        key: String,
        #[arg(long)]
        json: bool,
    },
    /// Saved templates.
    #[command(subcommand)]
    Templates(templates::TemplateCommand),
    /// The fields of an entity, or those matching a search.
    Catalog {
        entity: Entity,
        query: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Print a token the local stack accepts.
    Token {
        #[arg(long, default_value = client::DEMO_COMPANY)]
        company: String,
        #[arg(long, default_value = "Admin")]
        role: String,
        #[arg(long, default_value = "local-admin")]
        subject: String,
        #[arg(long, default_value_t = 12)]
        hours: u64,
    },
    /// Create the template's resources on the emulator and serve them: the
    /// API on 127.0.0.1:3000, and the queues polled to run the Lambda
    /// handlers, until stopped.
    Dev(dev::DevArgs),
    /// Write a generated employees CSV of about the given size (for
    /// measuring imports end to end).
    Sample {
        /// Size in bytes; the file stops a row short of it.
        #[arg(long, default_value_t = 10_000_000)]
        bytes: usize,
        #[arg(long, default_value = "sample-employees.csv")]
        out: std::path::PathBuf,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,aws_config=warn,aws_smithy_runtime=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match run(cli).await {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let api = || Api::new(&cli.api);
    match cli.command {
        Command::Import(args) => return import::run(args, &cli.api).await,
        Command::Imports { status, json } => listing::imports(&api()?, status, json).await?,
        Command::Rows {
            import_id,
            failed,
            json,
        } => listing::rows(&api()?, &import_id, failed, json).await?,
        Command::Records { entity, key, json } => {
            listing::record(&api()?, entity, &key, json).await?
        }
        Command::Templates(command) => templates::run(&api()?, command).await?,
        Command::Catalog {
            entity,
            query,
            json,
        } => listing::catalog(&api()?, entity, query, json).await?,
        Command::Token {
            company,
            role,
            subject,
            hours,
        } => {
            println!("{}", token::local(&company, &role, &subject, hours)?)
        }
        Command::Dev(args) => dev::run(args).await?,
        Command::Sample { bytes, out } => {
            let csv = dic_core::sample::employees_csv(bytes);
            std::fs::write(&out, &csv)?;
            println!("{}: {} bytes", out.display(), csv.len());
        }
    }
    Ok(ExitCode::SUCCESS)
}
