//! `GET /catalog/{entity}?q=&exclude=`: the fields an admin can map,
//! grouped by category, searched as they type.

use super::parse_entity;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{Path, Query};
use crate::types::{CatalogCategory, CatalogField, CatalogView};
use axum::Json;
use dic_core::catalog::search;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct CatalogQuery {
    #[serde(default)]
    q: String,
    /// Comma-separated field ids already mapped.
    #[serde(default)]
    exclude: String,
}

pub async fn fields(
    _caller: Caller,
    Path(entity): Path<String>,
    Query(query): Query<CatalogQuery>,
) -> Result<Json<CatalogView>, ApiError> {
    let entity = parse_entity(&entity)?;
    let mapped: Vec<&str> = query
        .exclude
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let searching = !query.q.trim().is_empty();
    let mut categories: Vec<CatalogCategory> = Vec::new();
    // Hits come ranked; a category appears where its best hit does.
    for hit in search(entity, &query.q, &mapped) {
        let field = hit.field;
        let view = CatalogField {
            id: field.id.to_string(),
            label: field.label.to_string(),
            subcategory: field.subcategory.to_string(),
            field_type: field.field_type.name().to_string(),
            mandatory: field.mandatory,
            key: field.key,
            synonyms: field.synonyms.iter().map(|s| s.to_string()).collect(),
            score: searching.then_some(hit.score),
        };
        match categories.iter_mut().find(|c| c.category == field.category) {
            Some(category) => category.fields.push(view),
            None => categories.push(CatalogCategory {
                category: field.category.to_string(),
                fields: vec![view],
            }),
        }
    }
    Ok(Json(CatalogView { entity, categories }))
}
