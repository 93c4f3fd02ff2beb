//! The admins' workspace: the single-page app built from `web/` by Vite,
//! embedded in this crate at compile time (see `build.rs`) and served by the
//! same router as the API, so the page and the API share one origin.
//!
//! The page routes with the URL's fragment (`/#/imports/…`), so the only
//! page paths the server knows are `/`, `/index.html` and the built files;
//! every other path stays the API's, and `GET /imports` answers JSON, never
//! the page. Hashed files under `/assets/` are cached for a year; the rest
//! is revalidated.

use axum::extract::State;
use axum::http::{header, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Serialize;

include!(concat!(env!("OUT_DIR"), "/web_assets.rs"));

/// What the page needs to know before anyone signs in, served at
/// `/config.json` without a token.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct WebConfig {
    /// OpenID Connect sign-in (authorization code with PKCE), when set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oidc: Option<OidcConfig>,
    /// `dic dev` offers a development sign-in at `POST /dev/sign-in`.
    pub dev_sign_in: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OidcConfig {
    /// The issuer the API's JWT authorizer trusts.
    pub issuer: String,
    /// The public (secretless) app client of the page.
    pub client_id: String,
    pub scope: String,
}

impl WebConfig {
    /// From `DIC_OIDC_ISSUER`, `DIC_OIDC_CLIENT_ID` and optionally
    /// `DIC_OIDC_SCOPE` (default `openid email profile`).
    pub fn from_env() -> WebConfig {
        let var = |name: &str| {
            std::env::var(name)
                .ok()
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let oidc = match (var("DIC_OIDC_ISSUER"), var("DIC_OIDC_CLIENT_ID")) {
            (Some(issuer), Some(client_id)) => Some(OidcConfig {
                issuer,
                client_id,
                scope: var("DIC_OIDC_SCOPE").unwrap_or_else(|| "openid email profile".into()),
            }),
            _ => None,
        };
        WebConfig {
            oidc,
            dev_sign_in: false,
        }
    }
}

/// `/config.json`; the built files are served by [`page`], the fallback.
pub fn router<S: Clone + Send + Sync + 'static>(config: WebConfig) -> Router<S> {
    Router::new().route(
        "/config.json",
        get(|State(config): State<WebConfig>| async move {
            ([(header::CACHE_CONTROL, "no-store")], axum::Json(config))
        })
        .with_state(config),
    )
}

/// Whether the page was built into this binary.
pub fn is_built() -> bool {
    asset("index.html").is_some()
}

fn asset(path: &str) -> Option<&'static [u8]> {
    ASSETS
        .binary_search_by(|(name, _)| (*name).cmp(path))
        .ok()
        .map(|i| ASSETS[i].1)
}

/// A built file for `GET`/`HEAD` of `/`, `/index.html` or a file's path;
/// `None` for every other request, which the API answers.
pub fn page(method: &Method, uri: &Uri) -> Option<Response> {
    if method != Method::GET && method != Method::HEAD {
        return None;
    }
    let path = match uri.path() {
        "/" => "index.html",
        other => other.strip_prefix('/')?,
    };
    let Some(bytes) = asset(path) else {
        return (path == "index.html").then(not_built);
    };
    let cache = if path.starts_with("assets/") {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let mut response = (
        [
            (header::CONTENT_TYPE, content_type(path)),
            (header::CACHE_CONTROL, cache),
        ],
        bytes,
    )
        .into_response();
    harden(&mut response);
    Some(response)
}

/// The page when `web/dist` was not built before this binary.
fn not_built() -> Response {
    let mut response = (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        NOT_BUILT,
    )
        .into_response();
    harden(&mut response);
    response
}

const NOT_BUILT: &str = "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\">\
<title>Data Import Center</title>\
<body style=\"font-family:sans-serif;max-width:40em;margin:3em auto\">\
<h1>Data Import Center</h1>\
<p>The admins' workspace was not built into this binary. Build it with \
<code>make web</code> (Node 20 and npm: <code>npm ci &amp;&amp; npm run build</code> in <code>web/</code>), \
then build and start the API again (<code>make up</code>).</p>\
<p>The admin API itself works: see <a href=\"/openapi.json\">/openapi.json</a>.</p>\
</body></html>";

fn harden(response: &mut Response) {
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json" | "map") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_is_the_page_or_how_to_build_it() {
        let response = page(&Method::GET, &"/".parse().unwrap()).expect("a page");
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "text/html; charset=utf-8"
        );
    }

    #[test]
    fn api_paths_and_writes_are_not_the_page() {
        assert!(page(&Method::GET, &"/imports".parse().unwrap()).is_none());
        assert!(page(&Method::GET, &"/imports/abc/rows".parse().unwrap()).is_none());
        assert!(page(&Method::POST, &"/".parse().unwrap()).is_none());
        assert!(page(&Method::GET, &"/assets/nothing.js".parse().unwrap()).is_none());
    }

    #[test]
    fn hashed_assets_are_cached_for_long_and_typed() {
        let Some((path, _)) = ASSETS.iter().find(|(p, _)| p.ends_with(".js")) else {
            return; // the page is not built into this test binary
        };
        let response = page(&Method::GET, &format!("/{path}").parse().unwrap()).unwrap();
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "text/javascript; charset=utf-8"
        );
        if path.starts_with("assets/") {
            assert!(response.headers()[header::CACHE_CONTROL]
                .to_str()
                .unwrap()
                .contains("immutable"));
        }
    }

    #[test]
    fn oidc_is_configured_only_with_issuer_and_client() {
        let json = serde_json::to_value(WebConfig::default()).unwrap();
        assert_eq!(json, serde_json::json!({"dev_sign_in": false}));
    }
}
