//! `dic demo`: one import end to end through the running local stack, as an
//! admin would run it: upload, accept the suggested mapping, wait, download
//! the failed rows.

use anyhow::{bail, Context};
use clap::Args;
use dic_aws::clients::Clients;
use dic_aws::config::Resources;
use dic_aws::export::{export_failed_rows, ExportRequest};
use dic_aws::keys::upload_key;
use dic_aws::model::{now, ImportRecord, ImportSource};
use dic_aws::Deps;
use dic_core::mapping::suggested_mapping;
use dic_core::prepare::{analyze, FileFormat};
use dic_core::Entity;
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Suggestions at or above this confidence are accepted.
const ACCEPT_CONFIDENCE: f32 = 0.5;

#[derive(Args)]
pub struct DemoArgs {
    /// The CSV or XLSX file to import.
    pub file: PathBuf,
    #[arg(long, default_value = "employees")]
    pub entity: Entity,
    /// Where to write the failed rows (XLSX), if any row failed.
    #[arg(long, default_value = "failed-rows.xlsx")]
    pub out: PathBuf,
    /// The company the import belongs to.
    #[arg(long, default_value = "company-demo")]
    pub company: String,
    /// The file `dic dev` wrote with the resource names.
    #[arg(long, default_value = ".local/dev.ready")]
    pub stack_file: PathBuf,
    /// Give up waiting after this many seconds.
    #[arg(long, default_value_t = 1800)]
    pub timeout: u64,
}

pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    let resources = stack_resources(&args)?;
    let clients = Clients::from_env().await;
    let deps = Deps::new(clients, resources);
    let bytes =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let file_name = args
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "upload.csv".into());

    // What the mapping screen shows; the demo accepts the suggestions.
    let (analysis, _) = analyze(args.entity, &bytes).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mapping = suggested_mapping(&analysis.suggestions, ACCEPT_CONFIDENCE);
    println!(
        "{} ({} bytes, {} rows, {})",
        file_name,
        bytes.len(),
        analysis.row_count,
        describe(analysis.format)
    );
    for s in &analysis.suggestions {
        match &s.field {
            Some(field) if s.confidence >= ACCEPT_CONFIDENCE => {
                println!("  {:<28} → {:<26} {:.2}", s.header, field, s.confidence)
            }
            _ => println!("  {:<28} → (not imported)", s.header),
        }
    }

    let import_id = format!("imp-{}", uuid::Uuid::new_v4().simple());
    let key = upload_key(&args.company, &import_id, &file_name);
    let mut import = ImportRecord::new(
        &args.company,
        &import_id,
        args.entity,
        ImportSource::Upload,
        &file_name,
        &key,
        &now(),
    );
    import.mapping = Some(mapping);
    deps.imports.create(&import).await?;
    let started = Instant::now();
    deps.clients
        .s3
        .put_object()
        .bucket(&deps.resources.data_bucket)
        .key(&key)
        .body(bytes.into())
        .send()
        .await
        .context("uploading the file")?;

    let bar = ProgressBar::new(analysis.row_count as u64).with_style(
        ProgressStyle::with_template("{spinner} {msg:<14} [{bar:30}] {pos}/{len} rows {elapsed}")?
            .progress_chars("=> "),
    );
    let record = loop {
        let Some(record) = deps.imports.get(&args.company, &import_id).await? else {
            bail!("import {import_id} disappeared");
        };
        bar.set_message(record.status.label());
        bar.set_position(record.counters.rows_done());
        if record.status.is_final() || record.status == dic_aws::model::ImportStatus::Uploaded {
            break record;
        }
        if started.elapsed() > Duration::from_secs(args.timeout) {
            bail!(
                "import {import_id} still {} after {}s: is `dic dev` running? (`make up`)",
                record.status.label(),
                args.timeout
            );
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    bar.finish_and_clear();
    let c = record.counters;
    println!("import {import_id}: {}", record.status.label());
    if let Some(reason) = &record.reason {
        println!("  reason: {reason}");
    }
    println!(
        "  rows {} · created {} · updated {} · unchanged {} · failed {}",
        c.rows_total, c.created, c.updated, c.unchanged, c.failed
    );
    println!("  took {:.1}s end to end", started.elapsed().as_secs_f64());

    if c.failed > 0 {
        let export = export_failed_rows(
            ExportRequest {
                company_id: args.company.clone(),
                import_id: import_id.clone(),
            },
            &deps,
        )
        .await?;
        let object = deps
            .clients
            .s3
            .get_object()
            .bucket(&deps.resources.data_bucket)
            .key(&export.key)
            .send()
            .await
            .context("downloading the failed rows")?;
        let body = object.body.collect().await?.into_bytes();
        std::fs::write(&args.out, &body)
            .with_context(|| format!("writing {}", args.out.display()))?;
        println!(
            "  failed rows: {} ({} rows; link valid {}s)",
            args.out.display(),
            export.failed_rows,
            export.expires_in_seconds
        );
    }
    Ok(())
}

fn describe(format: FileFormat) -> String {
    match format {
        FileFormat::Xlsx => "XLSX".to_string(),
        FileFormat::Csv {
            encoding,
            delimiter,
        } => format!("CSV, {encoding:?}, {delimiter:?}-separated"),
    }
}

/// The resource names `dic dev` wrote, else the standard environment.
fn stack_resources(args: &DemoArgs) -> anyhow::Result<Resources> {
    if let Ok(text) = std::fs::read_to_string(&args.stack_file) {
        for line in text.lines() {
            if let Some((name, value)) = line.split_once('=') {
                std::env::set_var(name, value);
            }
        }
    }
    Resources::from_env().context("the local stack is not running: start it with `make up`")
}
