//! `dic import FILE`: create the import, upload with the presigned POST,
//! read the analysis, start with a template or the suggested mapping, and
//! follow it with a progress bar until it ends.

use crate::client::{Api, ApiArgs, ApiFailure};
use anyhow::{bail, Context};
use clap::{Args, ValueEnum};
use dic_api::types::{
    AnalysisView, CreateImport, CreatedImport, ImportView, MappingChoice, TemplateList,
    TemplateView,
};
use dic_aws::model::ImportStatus;
use dic_core::ids::ImportId;
use dic_core::template::{ImportMode, ImportSettings};
use dic_core::Entity;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

#[derive(Args)]
pub struct ImportArgs {
    /// A CSV (any common encoding and delimiter) or XLSX file, 10 MB at most.
    pub file: PathBuf,
    /// employees, providers, locations or enrollments.
    #[arg(long)]
    pub entity: Entity,
    /// Map the file with this saved template.
    #[arg(long, conflicts_with = "auto_map")]
    pub template: Option<String>,
    /// Map the file with the suggested mapping; the import fails clearly when
    /// a mandatory field stays unmapped. (The default when no template fits.)
    #[arg(long)]
    pub auto_map: bool,
    #[arg(long, value_enum)]
    pub mode: Option<Mode>,
    /// The import whose failed rows this file corrects.
    #[arg(long, value_parser = ImportId::parse)]
    pub corrects: Option<ImportId>,
    /// Print exactly one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
    /// Download the failed rows as XLSX here when rows failed.
    #[arg(long, value_name = "OUT.xlsx")]
    pub failed_rows: Option<PathBuf>,
    /// Give up following after this many seconds (the import goes on).
    #[arg(long, default_value_t = 1800)]
    pub timeout: u64,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Mode {
    CreateAndUpdate,
    CreateOnly,
    UpdateOnly,
}

impl From<Mode> for ImportMode {
    fn from(mode: Mode) -> ImportMode {
        match mode {
            Mode::CreateAndUpdate => ImportMode::CreateAndUpdate,
            Mode::CreateOnly => ImportMode::CreateOnly,
            Mode::UpdateOnly => ImportMode::UpdateOnly,
        }
    }
}

/// How an import ended, as the command reports it.
struct Summary {
    import_id: String,
    status: &'static str,
    reason: Option<String>,
    encoding: Option<String>,
    delimiter: Option<String>,
    counts: dic_api::types::Counts,
}

impl Summary {
    fn of(import: &ImportView) -> Summary {
        Summary {
            import_id: import.import_id.clone(),
            status: import.status.label(),
            reason: import.reason.clone(),
            encoding: import.encoding.clone(),
            delimiter: import.delimiter.clone(),
            counts: import.counts,
        }
    }

    /// Exit code: 0 finished, 2 finished with errors, 1 failed.
    fn exit_code(&self) -> ExitCode {
        match self.status {
            "Finished" => ExitCode::SUCCESS,
            "Finished with Errors" => ExitCode::from(2),
            _ => ExitCode::from(1),
        }
    }

    fn to_json(&self) -> serde_json::Value {
        let c = &self.counts;
        json!({
            "import_id": self.import_id,
            "status": self.status,
            "reason": self.reason,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "counts": {
                "total": c.total,
                "created": c.created,
                "updated": c.updated,
                "unchanged": c.unchanged,
                "failed": c.failed,
            },
        })
    }

    fn print_human(&self) {
        let c = &self.counts;
        println!("{}: {}", self.status, self.import_id);
        if let Some(reason) = &self.reason {
            println!("  reason:  {reason}");
        }
        if let (Some(encoding), Some(delimiter)) = (&self.encoding, &self.delimiter) {
            println!("  file:    {encoding}, {delimiter}-delimited");
        }
        println!(
            "  rows:    {} total, {} created, {} updated, {} unchanged, {} failed",
            c.total, c.created, c.updated, c.unchanged, c.failed
        );
    }
}

pub async fn run(args: ImportArgs, api: &ApiArgs) -> anyhow::Result<ExitCode> {
    let api = Api::new(api)?;
    let say = |line: &str| {
        if !args.json {
            eprintln!("{line}");
        }
    };
    let bytes =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let file_name = file_name(&args.file);
    // A missing template is known before anything is created.
    let template = match &args.template {
        Some(name) => Some(find_template(&api, args.entity, name).await?),
        None => None,
    };
    let created: CreatedImport = api
        .post(
            "/imports",
            &CreateImport {
                entity: Some(args.entity),
                file_name: file_name.clone(),
                corrects: args.corrects.clone(),
                ..CreateImport::default()
            },
        )
        .await?;
    let id = created.import_id.clone();
    say(&format!(
        "import {id}: uploading {file_name} ({} bytes)",
        bytes.len()
    ));
    upload(&api, &created, &file_name, bytes).await?;

    let import = wait_until_read(&api, &id, Duration::from_secs(args.timeout)).await?;
    if import.status != ImportStatus::Uploaded {
        return finish(&api, &args, Summary::of(&import)).await;
    }
    let analysis: AnalysisView = api.get(&format!("/imports/{id}/analysis")).await?;
    say(&format!(
        "read {} rows: {}{}",
        analysis.row_count,
        analysis.encoding.as_deref().unwrap_or(&analysis.format),
        analysis
            .delimiter
            .as_deref()
            .map(|d| format!(", {d}-delimited"))
            .unwrap_or_default()
    ));
    let choice = choose_mapping(&args, template.as_ref(), &analysis);
    say(&match &choice.template_id {
        Some(_) => format!(
            "mapping: template {:?}",
            args.template.as_deref().unwrap_or("best fit")
        ),
        None => format!(
            "mapping: {} of {} columns by suggestion",
            choice.mapping.as_ref().map_or(0, |m| m.0.len()),
            analysis.headers.len()
        ),
    });
    match api
        .post::<_, ImportView>(&format!("/imports/{id}/start"), &choice)
        .await
    {
        Ok(_) => {}
        Err(err) => match err.downcast::<ApiFailure>() {
            // The mapping cannot run: say why, as the import's outcome.
            Ok(failure) if failure.status.as_u16() == 422 => {
                let mut summary = Summary::of(&import);
                summary.status = ImportStatus::Failed.label();
                summary.counts.total = analysis.row_count as u64;
                summary.reason = Some(failure.message);
                return finish(&api, &args, summary).await;
            }
            Ok(failure) => return Err(failure.into()),
            Err(err) => return Err(err),
        },
    }
    let import = follow(&api, &id, args.json, Duration::from_secs(args.timeout)).await?;
    finish(&api, &args, Summary::of(&import)).await
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "upload.csv".to_string())
}

/// Posts the file with the signed form: every field, then the file last,
/// as S3 requires.
async fn upload(
    api: &Api,
    created: &CreatedImport,
    file_name: &str,
    bytes: Vec<u8>,
) -> anyhow::Result<()> {
    let mut form = reqwest::multipart::Form::new();
    for (name, value) in &created.upload.fields {
        form = form.text(name.clone(), value.clone());
    }
    form = form.part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_string()),
    );
    let response = api
        .http()
        .post(&created.upload.url)
        .multipart(form)
        .send()
        .await
        .context("uploading the file")?;
    if !response.status().is_success() {
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        bail!("the upload was refused ({status}): {body}");
    }
    Ok(())
}

/// Waits until the splitter has read the file (or refused it).
async fn wait_until_read(api: &Api, id: &str, timeout: Duration) -> anyhow::Result<ImportView> {
    let start = Instant::now();
    loop {
        let import: ImportView = api.get(&format!("/imports/{id}")).await?;
        if import.status != ImportStatus::PendingUpload {
            return Ok(import);
        }
        if start.elapsed() > timeout {
            bail!(
                "the file was not read within {} s; is the local stack running (`make up`)?",
                timeout.as_secs()
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn find_template(api: &Api, entity: Entity, name: &str) -> anyhow::Result<TemplateView> {
    let list: TemplateList = api.get(&format!("/templates?entity={entity}")).await?;
    let names: Vec<String> = list
        .templates
        .iter()
        .map(|t| t.template.name.clone())
        .collect();
    list.templates
        .into_iter()
        .find(|t| t.template.name.eq_ignore_ascii_case(name.trim()))
        .with_context(|| {
            format!(
                "no {entity} template is named {name:?}; saved ones: {}",
                if names.is_empty() {
                    "none".to_string()
                } else {
                    names.join(", ")
                }
            )
        })
}

/// The named template, the saved one that fits every header, or the
/// suggestions; `--mode` overrides the mode only.
fn choose_mapping(
    args: &ImportArgs,
    template: Option<&TemplateView>,
    analysis: &AnalysisView,
) -> MappingChoice {
    let with_mode = |base: ImportSettings| {
        args.mode.map(|mode| ImportSettings {
            mode: mode.into(),
            ..base
        })
    };
    if let Some(found) = template {
        return MappingChoice {
            template_id: Some(found.template_id.clone()),
            settings: with_mode(found.template.settings),
            mapping: None,
        };
    }
    if !args.auto_map {
        if let Some(best) = analysis.templates.iter().find(|t| t.fit >= 0.99) {
            return MappingChoice {
                template_id: Some(best.template_id.clone()),
                // The template's own settings, unless a mode was asked for.
                settings: with_mode(ImportSettings::default()),
                mapping: None,
            };
        }
    }
    MappingChoice {
        mapping: Some(analysis.suggested_mapping.clone()),
        template_id: None,
        settings: with_mode(ImportSettings::default()),
    }
}

/// Polls the import with a progress bar on stderr until it ends.
async fn follow(api: &Api, id: &str, quiet: bool, timeout: Duration) -> anyhow::Result<ImportView> {
    let bar = ProgressBar::with_draw_target(
        Some(0),
        if quiet {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        },
    );
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg:<12} [{bar:30}] {pos}/{len} rows {elapsed}")?
            .progress_chars("=> "),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    let start = Instant::now();
    loop {
        let import: ImportView = api.get(&format!("/imports/{id}")).await?;
        bar.set_length(import.counts.total);
        bar.set_position(import.counts.processed);
        bar.set_message(import.status.label());
        if import.status.is_final() {
            bar.finish_and_clear();
            return Ok(import);
        }
        if start.elapsed() > timeout {
            bar.abandon();
            bail!(
                "still {} after {} s; follow it with `dic imports`",
                import.status.label(),
                timeout.as_secs()
            );
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

async fn finish(api: &Api, args: &ImportArgs, summary: Summary) -> anyhow::Result<ExitCode> {
    if args.json {
        println!("{}", summary.to_json());
    } else {
        summary.print_human();
    }
    if let Some(out) = &args.failed_rows {
        if summary.counts.failed > 0 {
            let export: dic_api::types::FailedRowsExport = api
                .post(
                    &format!("/imports/{}/failed-rows", summary.import_id),
                    &json!({}),
                )
                .await?;
            let bytes = api
                .http()
                .get(&export.url)
                .send()
                .await?
                .error_for_status()?
                .bytes()
                .await?;
            std::fs::write(out, &bytes).with_context(|| format!("writing {}", out.display()))?;
            if !args.json {
                eprintln!("failed rows: {} ({} rows; fix them and import the file again with --corrects {})", out.display(), export.failed_rows, summary.import_id);
            }
        }
    }
    Ok(summary.exit_code())
}
