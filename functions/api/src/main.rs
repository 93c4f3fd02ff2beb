//! The admin API behind API Gateway: the JWT authorizer verifies tokens,
//! the router reads the caller from its claims.

#![forbid(unsafe_code)]

use dic_api::auth::{Authenticator, ClaimNames};
use dic_api::{router, AppState};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda_http::tracing::init_default_subscriber();
    let deps = Arc::new(dic_aws::Deps::from_env().await?);
    let auth = Authenticator::api_gateway(ClaimNames::from_env());
    lambda_http::run(router(AppState::new(deps, auth))).await
}
