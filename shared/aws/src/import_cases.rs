//! What an admin's requests do with imports, apart from HTTP: creating an
//! upload import (complete mapping or not, what it corrects), starting one
//! that waits at `Uploaded`, and choosing a mapping by value or template.
//! The API's handlers only translate requests and errors.

use crate::deps::Deps;
use crate::error::StoreError;
use crate::imports::Start;
use crate::keys::{safe_file_name, upload_key};
use crate::model::{ImportRecord, ImportSource, ImportStatus};
use crate::split::request_split;
use crate::upload_form::{presigned_post, PostPolicy, UploadForm, UPLOAD_FORM_LIFETIME};
use chrono::Utc;
use dic_core::file_error::MAX_FILE_BYTES;
use dic_core::ids::{CompanyId, ImportId};
use dic_core::mapping::{Mapping, MappingError};
use dic_core::template::ImportSettings;
use dic_core::Entity;
use serde::{Deserialize, Serialize};

/// Why a request about an import cannot be done, with a code the admin's
/// tools can act on.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error("{0}")]
    Invalid(String),
    /// Also for another company's ids: their existence is not revealed.
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error("{message}")]
    Unprocessable { code: &'static str, message: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl CaseError {
    fn unprocessable(code: &'static str, message: impl Into<String>) -> CaseError {
        CaseError::Unprocessable {
            code,
            message: message.into(),
        }
    }

    fn conflict(code: &'static str, message: impl Into<String>) -> CaseError {
        CaseError::Conflict {
            code,
            message: message.into(),
        }
    }
}

impl From<MappingError> for CaseError {
    fn from(err: MappingError) -> CaseError {
        let code = match err {
            MappingError::MissingMandatory { .. } => "mandatory_fields_unmapped",
            _ => "invalid_mapping",
        };
        CaseError::unprocessable(code, err.to_string())
    }
}

/// A mapping by value, or a saved template; settings override the
/// template's when given.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MappingChoice {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mapping: Option<Mapping>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings: Option<ImportSettings>,
}

/// A choice made concrete: the mapping and settings an import runs with,
/// and the template they came from.
#[derive(Clone, Debug)]
pub struct Resolved {
    pub mapping: Mapping,
    pub settings: ImportSettings,
    pub template_id: Option<String>,
}

/// Who asks: the company and subject from verified claims.
#[derive(Clone, Copy, Debug)]
pub struct Asker<'a> {
    pub company_id: &'a CompanyId,
    pub subject: &'a str,
}

/// A new upload import as asked for.
#[derive(Clone, Debug)]
pub struct NewUpload {
    pub entity: Entity,
    pub file_name: String,
    /// Settings alone (no mapping, no template) leave the mapping to
    /// be chosen once the file is read.
    pub choice: MappingChoice,
    pub corrects: Option<ImportId>,
}

/// The asker's import, or `NotFound` (also when it is another company's).
pub async fn load_import(
    deps: &Deps,
    asker: Asker<'_>,
    id: &ImportId,
) -> Result<ImportRecord, CaseError> {
    deps.imports
        .get(asker.company_id, id)
        .await?
        .ok_or(CaseError::NotFound("import"))
}

/// Creates an upload import and the form to upload its file with. With a
/// complete mapping the import counts as started, so that its file imports
/// as soon as it lands; otherwise it waits at `Uploaded` for one.
pub async fn create_upload(
    deps: &Deps,
    asker: Asker<'_>,
    request: NewUpload,
) -> Result<(ImportRecord, UploadForm), CaseError> {
    if request.file_name.trim().is_empty() {
        return Err(CaseError::Invalid("`file_name` is required".into()));
    }
    let entity = request.entity;
    let import_id = ImportId::parse(&uuid::Uuid::new_v4().simple().to_string())
        .expect("a uuid's hex digits make a valid id");
    let file_name = safe_file_name(&request.file_name);
    let key = upload_key(asker.company_id, &import_id, &file_name);
    let mut import = ImportRecord::new(
        asker.company_id.clone(),
        import_id,
        entity,
        ImportSource::Upload,
        &file_name,
        &key,
        Utc::now(),
    );
    import.created_by = Some(asker.subject.to_string());
    let choice = request.choice;
    if choice.mapping.is_some() || choice.template_id.is_some() {
        let resolved = resolve_choice(deps, asker, entity, choice).await?;
        if resolved.mapping.missing_mandatory(entity).is_empty() {
            resolved.mapping.check(entity)?;
            import.started_by = Some(asker.subject.to_string());
            import.started_at = Some(Utc::now());
        }
        import.mapping = Some(resolved.mapping);
        import.settings = resolved.settings;
        import.template_id = resolved.template_id;
    } else if let Some(settings) = choice.settings {
        import.settings = settings;
    }
    if let Some(corrected) = request.corrects {
        let original = load_import(deps, asker, &corrected).await?;
        if original.entity != entity {
            return Err(CaseError::unprocessable(
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
    let form = presigned_post(&deps.clients.signing, &policy).await?;
    Ok((import, form))
}

/// Confirms the mapping of an import waiting at `Uploaded` and queues its
/// split; the start is taken back if the split cannot be queued.
pub async fn start(
    deps: &Deps,
    asker: Asker<'_>,
    id: &ImportId,
    choice: MappingChoice,
) -> Result<ImportRecord, CaseError> {
    let import = load_import(deps, asker, id).await?;
    let analysis = match (import.status, &import.analysis) {
        (ImportStatus::Uploaded, Some(analysis)) if import.started_at.is_none() => analysis,
        (ImportStatus::PendingUpload, _) => return Err(CaseError::conflict(
            "not_uploaded",
            "the file has not arrived yet: upload it with the form from POST /imports, then start",
        )),
        _ => {
            return Err(CaseError::conflict(
                "already_started",
                format!(
                    "this import was started already; it is {}",
                    import.status.label()
                ),
            ))
        }
    };
    let resolved = resolve_choice(deps, asker, import.entity, choice).await?;
    check_mapping(import.entity, &resolved.mapping, &analysis.headers.names)?;
    let start = Start {
        mapping: &resolved.mapping,
        settings: &resolved.settings,
        template_id: resolved.template_id.as_deref(),
        started_by: asker.subject,
    };
    if !deps.imports.begin(asker.company_id, id, &start).await? {
        return Err(CaseError::conflict(
            "already_started",
            "this import was started already",
        ));
    }
    if let Err(err) = request_split(deps, asker.company_id, id).await {
        let _ = deps.imports.unbegin(asker.company_id, id).await;
        return Err(err.into());
    }
    load_import(deps, asker, id).await
}

/// The mapping and settings a preview or start runs with. A template must
/// be the asker's and of the entity.
pub async fn resolve_choice(
    deps: &Deps,
    asker: Asker<'_>,
    entity: Entity,
    choice: MappingChoice,
) -> Result<Resolved, CaseError> {
    match (choice.mapping, choice.template_id) {
        (Some(_), Some(_)) => Err(CaseError::Invalid(
            "give either `mapping` or `template_id`, not both".into(),
        )),
        (None, None) => Err(CaseError::Invalid(
            "give a `mapping` (header → field id) or a `template_id`".into(),
        )),
        (Some(mapping), None) => Ok(Resolved {
            mapping,
            settings: choice.settings.unwrap_or_default(),
            template_id: None,
        }),
        (None, Some(template_id)) => {
            let saved = deps
                .templates
                .get(asker.company_id, &template_id)
                .await?
                .ok_or(CaseError::NotFound("template"))?;
            if saved.template.entity != entity {
                return Err(CaseError::unprocessable(
                    "template_entity_mismatch",
                    format!(
                        "template {:?} maps {}, but this import is of {entity}",
                        saved.template.name, saved.template.entity
                    ),
                ));
            }
            Ok(Resolved {
                settings: choice.settings.unwrap_or(saved.template.settings),
                mapping: saved.template.mapping,
                template_id: Some(template_id),
            })
        }
    }
}

/// A mapping an import can run with: known fields, each once, every
/// mandatory field mapped, and every mapped header in the file.
pub fn check_mapping(
    entity: Entity,
    mapping: &Mapping,
    headers: &[String],
) -> Result<(), CaseError> {
    mapping.check(entity)?;
    let unknown: Vec<&str> = mapping
        .0
        .keys()
        .filter(|h| !headers.contains(h))
        .map(String::as_str)
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    Err(CaseError::unprocessable(
        "unknown_headers",
        format!(
            "the mapping names headers the file does not have: {}; map the file's own headers",
            unknown.join(", ")
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mapping_must_name_only_the_files_headers() {
        let m = Mapping::from_iter([
            ("Email", "email"),
            ("First", "first_name"),
            ("Last", "last_name"),
            ("Status", "employee_status"),
        ]);
        let headers: Vec<String> = ["Email", "First", "Last", "Status"]
            .map(String::from)
            .into();
        assert!(check_mapping(Entity::Employees, &m, &headers).is_ok());
        let err = check_mapping(Entity::Employees, &m, &headers[..3]).unwrap_err();
        assert!(
            matches!(&err, CaseError::Unprocessable { code: "unknown_headers", message } if message.contains("Status")),
            "{err:?}"
        );
    }

    #[test]
    fn a_mapping_without_mandatory_fields_says_which() {
        let m = Mapping::from_iter([("Email", "email")]);
        let err = check_mapping(Entity::Employees, &m, &["Email".to_string()]).unwrap_err();
        assert!(
            matches!(
                &err,
                CaseError::Unprocessable {
                    code: "mandatory_fields_unmapped",
                    ..
                }
            ),
            "{err:?}"
        );
    }
}
