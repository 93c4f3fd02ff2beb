//! Row logs, the failed-rows export and the stored records.

use super::{load_import, parse_entity};
use crate::auth::Caller;
use crate::cursor;
use crate::error::ApiError;
use crate::extract::{Path, Query};
use crate::types::{FailedRowsExport, RecordView, RowPage};
use crate::AppState;
use axum::extract::State;
use dic_aws::export::{export_failed_rows, ExportError, ExportRequest};
use dic_aws::row_logs::{row_page, LoggedOutcome};
use dic_core::ids::ImportId;
use dic_core::rules::{record_key, KEY_SEPARATOR};
use dic_core::validate::{normalize, DateRule};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct RowsQuery {
    outcome: Option<LoggedOutcome>,
    cursor: Option<String>,
    limit: Option<usize>,
}

/// `GET /imports/{id}/rows`: row logs in row order.
pub async fn rows(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<ImportId>,
    Query(query): Query<RowsQuery>,
) -> Result<axum::Json<RowPage>, ApiError> {
    load_import(&state, &caller, &id).await?;
    let after: u32 = query
        .cursor
        .as_deref()
        .map(cursor::decode)
        .transpose()?
        .unwrap_or(0);
    let limit = query.limit.unwrap_or(100).clamp(1, 1000);
    let rows = row_page(
        &state.deps.logs,
        &caller.company_id,
        &id,
        query.outcome,
        after,
        limit,
    )
    .await?;
    let next_cursor = rows
        .last()
        .filter(|_| rows.len() >= limit)
        .map(|last| cursor::encode(&last.row));
    Ok(axum::Json(RowPage { rows, next_cursor }))
}

/// `POST /imports/{id}/failed-rows`: writes the XLSX and links to it.
pub async fn failed_rows(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<ImportId>,
) -> Result<axum::Json<FailedRowsExport>, ApiError> {
    let request = ExportRequest {
        company_id: caller.company_id.clone(),
        import_id: id,
    };
    match export_failed_rows(request, &state.deps).await {
        Ok(export) => Ok(axum::Json(export)),
        Err(ExportError::NoSuchImport(_)) => Err(ApiError::NotFound("import")),
        Err(err @ ExportError::NotRead(_)) => {
            Err(ApiError::conflict("not_uploaded", err.to_string()))
        }
        Err(err) => Err(ApiError::Internal(err.to_string())),
    }
}

/// `GET /records/{entity}/{key}`: the stored record. Enrollment keys are
/// `email|course code`; emails match whatever their case.
pub async fn record(
    State(state): State<AppState>,
    caller: Caller,
    Path((entity, key)): Path<(String, String)>,
) -> Result<axum::Json<RecordView>, ApiError> {
    let entity = parse_entity(&entity)?;
    let parts: Vec<&str> = key.split('|').map(str::trim).collect();
    let fields: Vec<_> = entity.key_fields().collect();
    if parts.len() != fields.len() {
        let names: Vec<&str> = fields.iter().map(|f| f.label).collect();
        return Err(ApiError::bad_request(format!(
            "a {entity} key is {}, joined by `|`",
            names.join(" and ")
        )));
    }
    // Normalized as the splitter normalizes key cells; a part that could
    // not be a key names no stored record.
    let values = parts
        .iter()
        .zip(&fields)
        .map(|(part, field)| normalize(field.field_type, part, DateRule::Undecided))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| ApiError::NotFound("record"))?;
    let key = record_key(values);
    let record = state
        .deps
        .records
        .get(&caller.company_id, entity, &key)
        .await?
        .ok_or(ApiError::NotFound("record"))?;
    Ok(axum::Json(RecordView {
        entity,
        key: key.replace(KEY_SEPARATOR, "|"),
        values: record.values,
    }))
}
