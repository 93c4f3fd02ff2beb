//! The admin API: one axum router, served by the `api` Lambda behind API
//! Gateway and by `dic dev` on 127.0.0.1:3000.
//!
//! Every route but `/openapi.json` needs a verified caller ([`auth::Caller`]),
//! and every id is looked up under the caller's company only, so another
//! company's ids answer 404. The same router serves the admins' workspace
//! ([`web`]) at `/`, without a token: the page signs in and then calls the
//! API with `Authorization: Bearer`.

#![forbid(unsafe_code)]

pub mod auth;
mod cursor;
pub mod error;
mod extract;
mod routes;
pub mod serve;
pub mod types;
pub mod web;

use auth::Authenticator;
use axum::http::{Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put, MethodRouter};
use axum::Router;
use dic_aws::Deps;
use std::sync::Arc;

/// What every request shares: the stores and how callers are verified.
#[derive(Clone, Debug)]
pub struct AppState {
    pub deps: Arc<Deps>,
    pub auth: Arc<Authenticator>,
}

impl AppState {
    pub fn new(deps: Arc<Deps>, auth: Authenticator) -> AppState {
        AppState {
            deps,
            auth: Arc::new(auth),
        }
    }
}

/// The OpenAPI document, served at `/openapi.json`.
pub const OPENAPI: &str = include_str!("../openapi.json");

/// Every route, once: the router is built from this table, and a test holds
/// it against the OpenAPI document.
pub fn routes() -> Vec<(Method, &'static str, MethodRouter<AppState>)> {
    use routes::*;
    vec![
        (Method::GET, "/openapi.json", get(openapi)),
        (Method::GET, "/catalog/{entity}", get(catalog::fields)),
        (Method::POST, "/imports", post(imports::create)),
        (Method::GET, "/imports", get(imports::list)),
        (Method::GET, "/imports/{id}", get(imports::show)),
        (
            Method::GET,
            "/imports/{id}/analysis",
            get(analysis::analysis),
        ),
        (
            Method::POST,
            "/imports/{id}/preview",
            post(analysis::preview),
        ),
        (Method::POST, "/imports/{id}/start", post(imports::start)),
        (Method::GET, "/imports/{id}/rows", get(rows::rows)),
        (
            Method::POST,
            "/imports/{id}/failed-rows",
            post(rows::failed_rows),
        ),
        (Method::GET, "/records/{entity}/{key}", get(rows::record)),
        (Method::GET, "/templates", get(config::list_templates)),
        (Method::POST, "/templates", post(config::create_template)),
        (Method::GET, "/templates/{id}", get(config::show_template)),
        (
            Method::PUT,
            "/templates/{id}",
            put(config::replace_template),
        ),
        (
            Method::DELETE,
            "/templates/{id}",
            delete(config::delete_template),
        ),
        (Method::GET, "/feeds", get(config::list_feeds)),
        (Method::POST, "/feeds", post(config::create_feed)),
        (Method::DELETE, "/feeds/{id}", delete(config::delete_feed)),
    ]
}

/// The API and the workspace, the workspace configured from the
/// environment ([`web::WebConfig::from_env`]).
pub fn router(state: AppState) -> Router {
    router_with_web(state, web::WebConfig::from_env())
}

/// The API and the workspace with its sign-in configuration.
pub fn router_with_web(state: AppState, web: web::WebConfig) -> Router {
    routes()
        .into_iter()
        .fold(Router::new(), |router, (_, path, method_router)| {
            router.route(path, method_router)
        })
        .merge(web::router(web))
        .fallback(page_or_no_route)
        .method_not_allowed_fallback(routes::no_route)
        .with_state(state)
}

/// The workspace's files for the paths that are no API route.
async fn page_or_no_route(method: Method, uri: Uri) -> Response {
    match web::page(&method, &uri) {
        Some(page) => page,
        None => routes::no_route(method, uri).await.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn documented() -> BTreeSet<(String, String)> {
        let doc: serde_json::Value = serde_json::from_str(OPENAPI).expect("openapi.json is JSON");
        let mut found = BTreeSet::new();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for method in item.as_object().expect("path item").keys() {
                if ["get", "post", "put", "delete", "patch"].contains(&method.as_str()) {
                    found.insert((method.to_uppercase(), path.clone()));
                }
            }
        }
        found
    }

    #[test]
    fn the_openapi_document_lists_exactly_the_routes() {
        let served: BTreeSet<(String, String)> = routes()
            .iter()
            .map(|(method, path, _)| (method.to_string(), path.to_string()))
            .collect();
        assert_eq!(served, documented());
    }

    #[test]
    fn every_operation_documents_its_errors_and_auth() {
        let doc: serde_json::Value = serde_json::from_str(OPENAPI).unwrap();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let responses = op["responses"].as_object().expect("responses");
                assert!(
                    responses.keys().any(|c| c.starts_with('2')),
                    "{method} {path} documents no success"
                );
                if path != "/openapi.json" {
                    assert!(responses.contains_key("401"), "{method} {path} lacks 401");
                    assert!(responses.contains_key("403"), "{method} {path} lacks 403");
                }
            }
        }
    }
}
