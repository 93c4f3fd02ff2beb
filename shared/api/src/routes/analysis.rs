//! What the splitter read of a file, and a dry run of an import over it.

use super::{asker, load_import};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{Json, Path};
use crate::types::{
    word, AnalysisView, MappingChoice, Preview, PreviewRow, PreviewSummary, TemplateFit,
};
use crate::AppState;
use axum::extract::State;
use dic_aws::import_cases::{check_mapping, resolve_choice};
use dic_aws::model::{ImportRecord, ImportStatus};
use dic_aws::split::read_object;
use dic_core::ids::ImportId;
use dic_core::prepare::{analyze, Analysis};
use dic_core::preview::{preview_file, tally_writes};
use dic_core::validate::RowOutcome;
use std::collections::BTreeMap;

/// Rows shown whole in a preview.
const PREVIEW_ROWS: usize = 20;

/// The stored analysis, or why there is none yet.
fn analysis_of(import: &ImportRecord) -> Result<&Analysis, ApiError> {
    match (&import.analysis, import.status) {
        (Some(analysis), _) => Ok(analysis),
        (None, ImportStatus::Failed) => Err(ApiError::conflict(
            "import_failed",
            format!(
                "the file could not be read: {}",
                import.reason.as_deref().unwrap_or("no reason was recorded")
            ),
        )),
        _ => Err(ApiError::conflict(
            "not_uploaded",
            "the file has not been read yet: upload it, then ask again in a moment",
        )),
    }
}

/// `GET /imports/{id}/analysis`
pub async fn analysis(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<ImportId>,
) -> Result<axum::Json<AnalysisView>, ApiError> {
    let import = load_import(&state, &caller, &id).await?;
    let analysis = analysis_of(&import)?;
    let headers = &analysis.headers.names;
    let mut fits: Vec<TemplateFit> = state
        .deps
        .templates
        .list(&caller.company_id)
        .await?
        .into_iter()
        .filter(|saved| saved.template.entity == import.entity)
        .filter(|saved| saved.template.mapping.0.keys().all(|h| headers.contains(h)))
        .map(|saved| {
            let known = headers
                .iter()
                .filter(|h| {
                    saved.template.headers.contains(h) || saved.template.mapping.0.contains_key(*h)
                })
                .count();
            TemplateFit {
                fit: known as f32 / headers.len().max(1) as f32,
                template_id: saved.template_id,
                name: saved.template.name,
            }
        })
        .collect();
    fits.sort_by(|a, b| b.fit.total_cmp(&a.fit).then_with(|| a.name.cmp(&b.name)));
    Ok(axum::Json(AnalysisView::new(
        &id,
        import.entity,
        analysis,
        fits,
    )))
}

/// `POST /imports/{id}/preview`: validates the whole file with the given
/// mapping and counts what it would create and update. Writes nothing.
pub async fn preview(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<ImportId>,
    Json(choice): Json<MappingChoice>,
) -> Result<axum::Json<Preview>, ApiError> {
    let import = load_import(&state, &caller, &id).await?;
    let headers = analysis_of(&import)?.headers.names.clone();
    let resolved = resolve_choice(&state.deps, asker(&caller), import.entity, choice).await?;
    let (mapping, settings) = (resolved.mapping, resolved.settings);
    check_mapping(import.entity, &mapping, &headers)?;
    let deps = &state.deps;
    let unreadable = |err: dic_core::FileError| ApiError::conflict(err.code(), err.to_string());
    let bytes = read_object(deps, &import)
        .await?
        .map_err(|err| ApiError::conflict(err.code(), err.to_string()))?;
    let (_, table) = analyze(import.entity, &bytes).map_err(unreadable)?;
    drop(bytes);
    let file =
        preview_file(import.entity, table, &mapping, settings, PREVIEW_ROWS).map_err(unreadable)?;
    let keys: Vec<&str> = file.records.iter().map(|(_, r)| r.key.as_str()).collect();
    let stored = deps
        .records
        .get_many(&caller.company_id, import.entity, &keys)
        .await?;
    let writes = tally_writes(&file.records, &stored, &settings, &id);
    let rows = file
        .first_rows
        .into_iter()
        .map(|(number, outcome)| match outcome {
            RowOutcome::Valid { record, warnings } => PreviewRow {
                row: number.0,
                valid: true,
                values: record
                    .values
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                errors: Vec::new(),
                warnings,
            },
            RowOutcome::Invalid { errors, warnings } => PreviewRow {
                row: number.0,
                valid: false,
                values: BTreeMap::new(),
                errors,
                warnings,
            },
        })
        .collect();
    let errors_by_code = file
        .errors_by_code
        .iter()
        .map(|(code, count)| (word(code).unwrap_or_default(), *count))
        .collect();
    Ok(axum::Json(Preview {
        rows,
        summary: PreviewSummary {
            rows: file.rows,
            valid: file.valid,
            invalid: file.invalid,
            errors_by_code,
            would_create: writes.create,
            would_update: writes.update,
            would_leave_unchanged: writes.unchanged,
            would_fail: writes.refused,
        },
    }))
}
