//! Creating, listing, showing and starting imports.

use super::{check_mapping, load_import, mapping_error, resolve_choice};
use crate::auth::Caller;
use crate::cursor;
use crate::error::ApiError;
use crate::extract::{Json, Path, Query};
use crate::types::{CreateImport, CreatedImport, ImportPage, ImportView, MappingChoice};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use dic_aws::imports::{ListPosition, Start};
use dic_aws::keys::{safe_file_name, upload_key};
use dic_aws::model::{now, ImportRecord, ImportSource, ImportStatus};
use dic_aws::split::request_split;
use dic_aws::upload_form::{presigned_post, PostPolicy, UPLOAD_FORM_LIFETIME};
use dic_core::file_error::MAX_FILE_BYTES;
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
    if body.file_name.trim().is_empty() {
        return Err(ApiError::bad_request("`file_name` is required"));
    }
    let deps = &state.deps;
    let import_id = uuid::Uuid::new_v4().simple().to_string();
    let file_name = safe_file_name(&body.file_name);
    let key = upload_key(&caller.company_id, &import_id, &file_name);
    let mut import = ImportRecord::new(
        &caller.company_id,
        &import_id,
        entity,
        ImportSource::Upload,
        &file_name,
        &key,
        &now(),
    );
    import.created_by = Some(caller.subject.clone());
    if body.template_id.is_some() || body.mapping.is_some() {
        let choice = MappingChoice {
            mapping: body.mapping,
            template_id: body.template_id,
            settings: body.settings,
        };
        let (mapping, settings, template_id) =
            resolve_choice(&state, &caller, entity, choice).await?;
        if mapping.missing_mandatory(entity).is_empty() {
            mapping.check(entity).map_err(mapping_error)?;
            // Complete now: the file imports as soon as it lands.
            import.started_by = Some(caller.subject.clone());
            import.started_at = Some(now());
        }
        import.mapping = Some(mapping);
        import.settings = settings;
        import.template_id = template_id;
    } else if let Some(settings) = body.settings {
        import.settings = settings;
    }
    if let Some(corrected) = body.corrects {
        let original = load_import(&state, &caller, &corrected).await?;
        if original.entity != entity {
            return Err(ApiError::unprocessable(
                "corrects_other_entity",
                format!(
                    "import {corrected} imported {}, not {entity}",
                    original.entity
                ),
            ));
        }
        import.corrects = Some(corrected);
    }
    deps.imports.create(&import).await?;
    let policy = PostPolicy {
        bucket: &deps.resources.data_bucket,
        key: &key,
        max_bytes: MAX_FILE_BYTES,
        expires_in: UPLOAD_FORM_LIFETIME,
    };
    let upload = presigned_post(&deps.clients.signing, &policy).await?;
    info!(%import_id, %entity, "import created");
    Ok((
        StatusCode::CREATED,
        axum::Json(CreatedImport {
            import_id,
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
    Path(id): Path<String>,
) -> Result<axum::Json<ImportView>, ApiError> {
    Ok(axum::Json(load_import(&state, &caller, &id).await?.into()))
}

/// `POST /imports/{id}/start`: confirms the mapping and queues the split.
pub async fn start(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(choice): Json<MappingChoice>,
) -> Result<(StatusCode, axum::Json<ImportView>), ApiError> {
    let import = load_import(&state, &caller, &id).await?;
    let analysis = match (import.status, &import.analysis) {
        (ImportStatus::Uploaded, Some(analysis)) if import.started_at.is_none() => analysis,
        (ImportStatus::PendingUpload, _) => return Err(ApiError::conflict(
            "not_uploaded",
            "the file has not arrived yet: upload it with the form from POST /imports, then start",
        )),
        _ => {
            return Err(ApiError::conflict(
                "already_started",
                format!(
                    "this import was started already; it is {}",
                    import.status.label()
                ),
            ))
        }
    };
    let (mapping, settings, template_id) =
        resolve_choice(&state, &caller, import.entity, choice).await?;
    check_mapping(import.entity, &mapping, &analysis.headers.names)?;
    let start = Start {
        mapping: &mapping,
        settings: &settings,
        template_id: template_id.as_deref(),
        started_by: &caller.subject,
    };
    let deps = &state.deps;
    if !deps.imports.begin(&caller.company_id, &id, &start).await? {
        return Err(ApiError::conflict(
            "already_started",
            "this import was started already",
        ));
    }
    if let Err(err) = request_split(deps, &caller.company_id, &id).await {
        let _ = deps.imports.unbegin(&caller.company_id, &id).await;
        return Err(err.into());
    }
    info!(import_id = %id, "split requested");
    let import = load_import(&state, &caller, &id).await?;
    Ok((StatusCode::ACCEPTED, axum::Json(import.into())))
}
