//! The route handlers, by area. Each takes the verified [`Caller`] and
//! reads and writes under the caller's company only.

pub mod analysis;
pub mod catalog;
pub mod config;
pub mod imports;
pub mod rows;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::types::MappingChoice;
use crate::AppState;
use axum::http::{header, Method, Uri};
use axum::response::IntoResponse;
use dic_aws::model::ImportRecord;
use dic_core::mapping::{Mapping, MappingError};
use dic_core::template::ImportSettings;
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

/// The caller's import, or 404 (also when it is another company's).
pub async fn load_import(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<ImportRecord, ApiError> {
    state
        .deps
        .imports
        .get(&caller.company_id, id)
        .await?
        .ok_or(ApiError::NotFound("import"))
}

pub fn parse_entity(text: &str) -> Result<Entity, ApiError> {
    text.parse().map_err(|_| ApiError::NotFound("entity"))
}

/// The mapping and settings a preview or start runs with, and the template
/// they came from. The template must be the caller's and of the entity.
pub async fn resolve_choice(
    state: &AppState,
    caller: &Caller,
    entity: Entity,
    choice: MappingChoice,
) -> Result<(Mapping, ImportSettings, Option<String>), ApiError> {
    match (choice.mapping, choice.template_id) {
        (Some(_), Some(_)) => Err(ApiError::bad_request(
            "give either `mapping` or `template_id`, not both",
        )),
        (None, None) => Err(ApiError::bad_request(
            "give a `mapping` (header → field id) or a `template_id`",
        )),
        (Some(mapping), None) => Ok((mapping, choice.settings.unwrap_or_default(), None)),
        (None, Some(template_id)) => {
            let saved = state
                .deps
                .templates
                .get(&caller.company_id, &template_id)
                .await?
                .ok_or(ApiError::NotFound("template"))?;
            if saved.template.entity != entity {
                return Err(ApiError::unprocessable(
                    "template_entity_mismatch",
                    format!(
                        "template {:?} maps {}, but this import is of {entity}",
                        saved.template.name, saved.template.entity
                    ),
                ));
            }
            let settings = choice.settings.unwrap_or(saved.template.settings);
            Ok((saved.template.mapping, settings, Some(template_id)))
        }
    }
}

/// A mapping an import can run with: known fields, each once, every
/// mandatory field mapped, and every mapped header in the file.
pub fn check_mapping(
    entity: Entity,
    mapping: &Mapping,
    headers: &[String],
) -> Result<(), ApiError> {
    mapping.check(entity).map_err(mapping_error)?;
    let unknown: Vec<&str> = mapping
        .0
        .keys()
        .filter(|h| !headers.contains(h))
        .map(String::as_str)
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(ApiError::unprocessable(
            "unknown_headers",
            format!(
                "the mapping names headers the file does not have: {}; map the file's own headers",
                unknown.join(", ")
            ),
        ))
    }
}

pub fn mapping_error(err: MappingError) -> ApiError {
    let code = match err {
        MappingError::MissingMandatory { .. } => "mandatory_fields_unmapped",
        _ => "invalid_mapping",
    };
    ApiError::unprocessable(code, err.to_string())
}
