//! Company configuration: templates and connector feeds.

use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{Json, Path, Query};
use crate::types::{CreateFeed, FeedList, FeedView, TemplateBody, TemplateList, TemplateView};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use dic_aws::config_store::SaveError;
use dic_aws::keys::FEEDS;
use dic_aws::model::FeedConfig;
use dic_core::template::{Template, TemplateError};
use dic_core::Entity;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct TemplateQuery {
    entity: Option<Entity>,
}

fn checked(body: TemplateBody) -> Result<Template, ApiError> {
    let template = Template::from(body);
    template.check().map_err(|err| match err {
        TemplateError::Mapping(err) => dic_aws::import_cases::CaseError::from(err).into(),
        TemplateError::NoName => ApiError::unprocessable("invalid_template", err.to_string()),
    })?;
    Ok(template)
}

fn save_error(err: SaveError) -> ApiError {
    match err {
        SaveError::NameTaken { .. } => ApiError::conflict("template_name_taken", err.to_string()),
        SaveError::NotFound => ApiError::NotFound("template"),
        SaveError::Changed => ApiError::conflict("template_changed", err.to_string()),
        SaveError::Store(err) => err.into(),
    }
}

pub async fn list_templates(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<TemplateQuery>,
) -> Result<axum::Json<TemplateList>, ApiError> {
    let templates = state
        .deps
        .templates
        .list(&caller.company_id)
        .await?
        .into_iter()
        .filter(|t| query.entity.is_none_or(|e| e == t.template.entity))
        .collect();
    Ok(axum::Json(TemplateList { templates }))
}

pub async fn create_template(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<TemplateBody>,
) -> Result<(StatusCode, axum::Json<TemplateView>), ApiError> {
    let saved = state
        .deps
        .templates
        .create(&caller.company_id, checked(body)?)
        .await
        .map_err(save_error)?;
    Ok((StatusCode::CREATED, axum::Json(saved)))
}

pub async fn show_template(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<axum::Json<TemplateView>, ApiError> {
    let saved = state
        .deps
        .templates
        .get(&caller.company_id, &id)
        .await?
        .ok_or(ApiError::NotFound("template"))?;
    Ok(axum::Json(saved))
}

pub async fn replace_template(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<TemplateBody>,
) -> Result<axum::Json<TemplateView>, ApiError> {
    let template = checked(body)?;
    let templates = &state.deps.templates;
    let old = templates
        .get(&caller.company_id, &id)
        .await?
        .ok_or(ApiError::NotFound("template"))?;
    let saved = templates
        .replace(&caller.company_id, &old, template)
        .await
        .map_err(save_error)?;
    Ok(axum::Json(saved))
}

/// `DELETE /templates/{id}`: refused while a feed imports with it, as the
/// feed's files would have no mapping.
pub async fn delete_template(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let deps = &state.deps;
    let seen = deps
        .templates
        .get(&caller.company_id, &id)
        .await?
        .ok_or(ApiError::NotFound("template"))?;
    let feeds = deps.feeds.list(&caller.company_id).await?;
    if let Some(feed) = feeds
        .iter()
        .find(|f| f.template_id.as_deref() == Some(id.as_str()))
    {
        return Err(ApiError::conflict(
            "template_in_use",
            format!(
                "feed {} imports with this template: delete the feed first (DELETE /feeds/{})",
                feed.feed_id, feed.feed_id
            ),
        ));
    }
    deps.templates
        .delete(&caller.company_id, &seen)
        .await
        .map_err(save_error)?;
    Ok(StatusCode::NO_CONTENT)
}

fn feed_view(feed: FeedConfig) -> FeedView {
    FeedView {
        prefix: format!("{FEEDS}{}/{}/", feed.company_id, feed.feed_id),
        feed_id: feed.feed_id,
        entity: feed.entity,
        template_id: feed.template_id,
    }
}

pub async fn list_feeds(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<axum::Json<FeedList>, ApiError> {
    let feeds = state.deps.feeds.list(&caller.company_id).await?;
    Ok(axum::Json(FeedList {
        feeds: feeds.into_iter().map(feed_view).collect(),
    }))
}

/// `POST /feeds`: files dropped under the returned prefix import with the
/// template's mapping and settings.
pub async fn create_feed(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<CreateFeed>,
) -> Result<(StatusCode, axum::Json<FeedView>), ApiError> {
    let saved = state
        .deps
        .templates
        .get(&caller.company_id, &body.template_id)
        .await?
        .ok_or(ApiError::NotFound("template"))?;
    if saved.template.entity != body.entity {
        return Err(ApiError::unprocessable(
            "template_entity_mismatch",
            format!(
                "template {:?} maps {}, not {}",
                saved.template.name, saved.template.entity, body.entity
            ),
        ));
    }
    let feed = FeedConfig {
        company_id: caller.company_id.clone(),
        feed_id: uuid::Uuid::new_v4().simple().to_string()[..12].to_string(),
        entity: body.entity,
        template_id: Some(body.template_id),
        mapping: None,
        settings: saved.template.settings,
    };
    state.deps.feeds.put(&feed).await?;
    Ok((StatusCode::CREATED, axum::Json(feed_view(feed))))
}

pub async fn delete_feed(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    if state.deps.feeds.delete(&caller.company_id, &id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound("feed"))
    }
}
