//! The route handlers, by area. Each takes the verified [`Caller`] and
//! reads and writes under the caller's company only.

pub mod analysis;
pub mod catalog;
pub mod config;
pub mod imports;
pub mod rows;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::AppState;
use axum::http::{header, Method, Uri};
use axum::response::IntoResponse;
use dic_aws::import_cases::{self, Asker};
use dic_aws::model::ImportRecord;
use dic_core::ids::ImportId;
use dic_core::Entity;

pub async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], crate::OPENAPI)
}

pub async fn no_route(method: Method, uri: Uri) -> ApiError {
    ApiError::NoRoute {
        method: method.to_string(),
        path: uri.path().to_string(),
    }
}

/// Who asks, as the application layer knows them.
pub fn asker(caller: &Caller) -> Asker<'_> {
    Asker {
        company_id: &caller.company_id,
        subject: &caller.subject,
    }
}

/// The caller's import, or 404 (also when it is another company's).
pub async fn load_import(
    state: &AppState,
    caller: &Caller,
    id: &ImportId,
) -> Result<ImportRecord, ApiError> {
    Ok(import_cases::load_import(&state.deps, asker(caller), id).await?)
}

pub fn parse_entity(text: &str) -> Result<Entity, ApiError> {
    text.parse().map_err(|_| ApiError::NotFound("entity"))
}
