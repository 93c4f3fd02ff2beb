//! Creating, listing, showing and starting imports.

use super::{asker, load_import};
use crate::auth::Caller;
use crate::cursor;
use crate::error::ApiError;
use crate::extract::{Json, Path, Query};
use crate::types::{CreateImport, CreatedImport, ImportPage, ImportView, MappingChoice};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use dic_aws::import_cases::{self, NewUpload};
use dic_aws::imports::ListPosition;
use dic_aws::model::ImportStatus;
use dic_aws::upload_form::UPLOAD_FORM_LIFETIME;
use dic_core::file_error::MAX_FILE_BYTES;
use dic_core::ids::ImportId;
use serde::Deserialize;
use tracing::info;

/// `POST /imports`: a new import and the form to upload its file with.
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<CreateImport>,
) -> Result<(StatusCode, axum::Json<CreatedImport>), ApiError> {
    let entity = body.entity.ok_or_else(|| {
        ApiError::bad_request(
            "`entity` is required: employees, providers, locations or enrollments",
        )
    })?;
    let request = NewUpload {
        entity,
        file_name: body.file_name,
        choice: MappingChoice {
            mapping: body.mapping,
            template_id: body.template_id,
            settings: body.settings,
        },
        corrects: body.corrects,
    };
    let (import, upload) =
        import_cases::create_upload(&state.deps, asker(&caller), request).await?;
    info!(import_id = %import.import_id, %entity, "import created");
    Ok((
        StatusCode::CREATED,
        axum::Json(CreatedImport {
            import_id: import.import_id.into(),
            upload,
            max_bytes: MAX_FILE_BYTES,
            expires_in_seconds: UPLOAD_FORM_LIFETIME.as_secs(),
        }),
    ))
}

#[derive(Deserialize)]
pub struct ListQuery {
    status: Option<ImportStatus>,
    cursor: Option<String>,
    limit: Option<usize>,
}

/// `GET /imports`: newest first.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<ListQuery>,
) -> Result<axum::Json<ImportPage>, ApiError> {
    let after: Option<ListPosition> = query.cursor.as_deref().map(cursor::decode).transpose()?;
    let limit = query.limit.unwrap_or(25).clamp(1, 100);
    let (imports, next) = state
        .deps
        .imports
        .list(&caller.company_id, query.status, after.as_ref(), limit)
        .await?;
    Ok(axum::Json(ImportPage {
        imports: imports.into_iter().map(ImportView::from).collect(),
        next_cursor: next.as_ref().map(cursor::encode),
    }))
}

/// `GET /imports/{id}`
pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<ImportId>,
) -> Result<axum::Json<ImportView>, ApiError> {
    Ok(axum::Json(load_import(&state, &caller, &id).await?.into()))
}

/// `POST /imports/{id}/start`: confirms the mapping and queues the split.
pub async fn start(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<ImportId>,
    Json(choice): Json<MappingChoice>,
) -> Result<(StatusCode, axum::Json<ImportView>), ApiError> {
    let import = import_cases::start(&state.deps, asker(&caller), &id, choice).await?;
    info!(import_id = %id, "split requested");
    Ok((StatusCode::ACCEPTED, axum::Json(import.into())))
}
