//! `dic`: runs the local stack and imports files through it.

mod demo;
mod dev;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(version, about = "Data Import Center: local stack and client")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create the template's resources on the emulator and serve them: poll
    /// the queues and run the Lambda handlers, until stopped.
    Dev(dev::DevArgs),
    /// Import a file through the running local stack and report the outcome.
    Demo(demo::DemoArgs),
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
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,aws_config=warn,aws_smithy_runtime=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::Dev(args) => dev::run(args).await,
        Command::Demo(args) => demo::run(args).await,
        Command::Sample { bytes, out } => {
            let csv = dic_core::sample::employees_csv(bytes);
            std::fs::write(&out, &csv)?;
            println!("{}: {} bytes", out.display(), csv.len());
            Ok(())
        }
    }
}
