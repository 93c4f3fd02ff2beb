//! The API client: base URL and token from the environment, JSON in and
//! out, the API's `{"error": {"code", "message"}}` turned into an error an
//! admin can read.

use anyhow::{anyhow, Context};
use clap::Args;
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// The local stack's demo company, which `dic` signs its default token for.
pub const DEMO_COMPANY: &str = "demo";

#[derive(Args, Clone, Debug)]
pub struct ApiArgs {
    /// The API's base URL.
    #[arg(
        long,
        env = "DIC_API_URL",
        default_value = "http://127.0.0.1:3000",
        global = true
    )]
    pub api_url: String,
    /// A bearer token; by default a local Admin token of the demo company,
    /// signed with the local stack's secret.
    #[arg(long, env = "DIC_TOKEN", hide_env_values = true, global = true)]
    pub token: Option<String>,
}

/// An error the API answered with.
#[derive(Debug, thiserror::Error)]
#[error("{message} ({status}, {code})")]
pub struct ApiFailure {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
}

pub struct Api {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Api {
    pub fn new(args: &ApiArgs) -> anyhow::Result<Api> {
        let token = match &args.token {
            Some(token) => token.clone(),
            None => crate::token::local(DEMO_COMPANY, "Admin", "dic-cli", 12)?,
        };
        Ok(Api {
            http: reqwest::Client::builder()
                .user_agent(concat!("dic/", env!("CARGO_PKG_VERSION")))
                .build()?,
            base: args.api_url.trim_end_matches('/').to_string(),
            token,
        })
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    async fn send<B: Serialize>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> anyhow::Result<reqwest::Response> {
        let url = format!("{}{path}", self.base);
        let mut request = self.http.request(method, &url).bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.with_context(|| {
            format!("calling {url}: is the API running? (`make up` starts the local one)")
        })?;
        if response.status().is_success() {
            return Ok(response);
        }
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        let parsed: Option<serde_json::Value> = serde_json::from_str(&text).ok();
        let field = |name: &str| {
            parsed
                .as_ref()
                .and_then(|v| v["error"][name].as_str())
                .map(str::to_string)
        };
        Err(ApiFailure {
            status,
            code: field("code").unwrap_or_else(|| "unexpected".into()),
            message: field("message").unwrap_or(text),
        }
        .into())
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> anyhow::Result<T> {
        self.json(Method::GET, path, None::<&()>).await
    }

    pub async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> anyhow::Result<T> {
        self.json(Method::POST, path, Some(body)).await
    }

    pub async fn put<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> anyhow::Result<T> {
        self.json(Method::PUT, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> anyhow::Result<()> {
        self.send(Method::DELETE, path, None::<&()>).await?;
        Ok(())
    }

    async fn json<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> anyhow::Result<T> {
        let response = self.send(method, path, body).await?;
        let text = response.text().await?;
        serde_json::from_str(&text)
            .map_err(|err| anyhow!("the API answered something unexpected ({err}): {text}"))
    }
}

/// Percent-encodes one path segment (file names, record keys).
pub fn segment(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}
