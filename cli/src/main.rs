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
    }
}
