//! Who is calling: the company and role come from verified token claims
//! only, never from the path or the body.
//!
//! On AWS the API Gateway JWT authorizer verifies the token and hands its
//! claims to the function in the request context. Locally `dic dev` verifies
//! an HS256 token signed with the local secret (`dic token` prints one).

use crate::error::ApiError;
use crate::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use lambda_http::request::RequestContext;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The local stack's signing secret when `DIC_JWT_SECRET` is not set. It
/// guards a server bound to 127.0.0.1 only; on AWS tokens come from the
/// identity provider and this secret plays no part.
pub const LOCAL_SECRET: &str = "dic-local-development-secret";

/// Roles allowed to use the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Role {
    SuperAdmin,
    Admin,
}

/// A verified caller, scoped to one company.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    pub company_id: String,
    pub role: Role,
    /// The token's subject: who created or started an import.
    pub subject: String,
}

/// The claims this service reads; identity providers that namespace custom
/// claims (Cognito's `custom:`) are read as well.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Claims {
    #[serde(default)]
    pub sub: String,
    #[serde(default, alias = "custom:company_id")]
    pub company_id: String,
    #[serde(default, alias = "custom:role")]
    pub role: String,
    #[serde(default)]
    pub exp: u64,
}

/// How callers are verified.
#[derive(Clone)]
pub enum Authenticator {
    /// Trust the claims API Gateway's JWT authorizer verified.
    ApiGateway,
    /// Verify `Authorization: Bearer` HS256 tokens with this secret.
    Hs256 { secret: Vec<u8> },
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Authenticator::ApiGateway => f.write_str("ApiGateway"),
            Authenticator::Hs256 { .. } => f.write_str("Hs256"),
        }
    }
}

impl Authenticator {
    pub fn hs256(secret: &str) -> Authenticator {
        Authenticator::Hs256 {
            secret: secret.as_bytes().to_vec(),
        }
    }

    fn claims(&self, parts: &Parts) -> Result<Claims, ApiError> {
        match self {
            Authenticator::ApiGateway => {
                let claims = match parts.extensions.get::<RequestContext>() {
                    Some(RequestContext::ApiGatewayV2(context)) => context
                        .authorizer
                        .as_ref()
                        .and_then(|a| a.jwt.as_ref())
                        .map(|jwt| &jwt.claims),
                    _ => None,
                };
                let claims = claims.ok_or(ApiError::Unauthorized("no verified token"))?;
                claims_from_map(claims)
            }
            Authenticator::Hs256 { secret } => {
                let token = bearer(parts)?;
                let mut validation = Validation::new(Algorithm::HS256);
                validation.set_required_spec_claims(&["exp", "sub"]);
                jsonwebtoken::decode::<Claims>(
                    token,
                    &DecodingKey::from_secret(secret),
                    &validation,
                )
                .map(|data| data.claims)
                .map_err(|_| ApiError::Unauthorized("the token is invalid or expired"))
            }
        }
    }

    /// The caller, or 401 (no or bad token) / 403 (a role without access).
    pub fn caller(&self, parts: &Parts) -> Result<Caller, ApiError> {
        let claims = self.claims(parts)?;
        if claims.company_id.trim().is_empty() {
            return Err(ApiError::Unauthorized("the token names no company"));
        }
        let role = match claims.role.as_str() {
            "SuperAdmin" => Role::SuperAdmin,
            "Admin" => Role::Admin,
            _ => return Err(ApiError::Forbidden),
        };
        Ok(Caller {
            company_id: claims.company_id,
            role,
            subject: claims.sub,
        })
    }
}

fn claims_from_map(map: &HashMap<String, String>) -> Result<Claims, ApiError> {
    let value =
        serde_json::to_value(map).map_err(|_| ApiError::Unauthorized("unreadable claims"))?;
    serde_json::from_value(value).map_err(|_| ApiError::Unauthorized("unreadable claims"))
}

fn bearer(parts: &Parts) -> Result<&str, ApiError> {
    let header =
        parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .ok_or(ApiError::Unauthorized(
                "no bearer token: send `Authorization: Bearer <token>`",
            ))?;
    header
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(ApiError::Unauthorized(
            "the Authorization header is not `Bearer <token>`",
        ))
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Caller, ApiError> {
        state.auth.caller(parts)
    }
}

/// A token the local stack accepts, valid for `hours`.
pub fn local_token(
    secret: &str,
    company_id: &str,
    role: &str,
    subject: &str,
    hours: u64,
) -> Result<String, jsonwebtoken::errors::Error> {
    let exp = chrono::Utc::now().timestamp().max(0) as u64 + hours * 3600;
    let claims = Claims {
        sub: subject.to_string(),
        company_id: company_id.to_string(),
        role: role.to_string(),
        exp,
    };
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    fn parts(authorization: Option<&str>) -> Parts {
        let mut request = Request::builder().uri("/imports");
        if let Some(value) = authorization {
            request = request.header("authorization", value);
        }
        request.body(()).unwrap().into_parts().0
    }

    fn local() -> Authenticator {
        Authenticator::hs256("s3cret")
    }

    #[test]
    fn a_valid_local_token_names_company_role_and_subject() {
        let token = local_token("s3cret", "acme", "Admin", "u-1", 1).unwrap();
        let caller = local()
            .caller(&parts(Some(&format!("Bearer {token}"))))
            .unwrap();
        assert_eq!(
            caller,
            Caller {
                company_id: "acme".into(),
                role: Role::Admin,
                subject: "u-1".into()
            }
        );
    }

    #[test]
    fn missing_forged_or_expired_tokens_are_401() {
        assert!(matches!(
            local().caller(&parts(None)),
            Err(ApiError::Unauthorized(_))
        ));
        let forged = local_token("other secret", "acme", "Admin", "u-1", 1).unwrap();
        assert!(matches!(
            local().caller(&parts(Some(&format!("Bearer {forged}")))),
            Err(ApiError::Unauthorized(_))
        ));
        let claims = Claims {
            sub: "u-1".into(),
            company_id: "acme".into(),
            role: "Admin".into(),
            exp: chrono::Utc::now().timestamp() as u64 - 3600,
        };
        let expired = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(b"s3cret"),
        )
        .unwrap();
        assert!(matches!(
            local().caller(&parts(Some(&format!("Bearer {expired}")))),
            Err(ApiError::Unauthorized(_))
        ));
        assert!(matches!(
            local().caller(&parts(Some("Basic abc"))),
            Err(ApiError::Unauthorized(_))
        ));
    }

    #[test]
    fn other_roles_are_403_and_a_token_without_company_401() {
        let viewer = local_token("s3cret", "acme", "Learner", "u-1", 1).unwrap();
        assert!(matches!(
            local().caller(&parts(Some(&format!("Bearer {viewer}")))),
            Err(ApiError::Forbidden)
        ));
        let nobody = local_token("s3cret", "", "Admin", "u-1", 1).unwrap();
        assert!(matches!(
            local().caller(&parts(Some(&format!("Bearer {nobody}")))),
            Err(ApiError::Unauthorized(_))
        ));
    }

    #[test]
    fn api_gateway_claims_are_read_from_the_request_context_only() {
        let mut with_context = parts(Some("Bearer ignored"));
        let context: RequestContext = serde_json::from_value(serde_json::json!({
            "routeKey": "GET /imports",
            "accountId": "1",
            "stage": "$default",
            "requestId": "r",
            "apiId": "a",
            "domainName": "d",
            "domainPrefix": "d",
            "time": "t",
            "timeEpoch": 0,
            "http": {"method": "GET", "path": "/imports", "protocol": "HTTP/1.1", "sourceIp": "1.2.3.4", "userAgent": "x"},
            "authorizer": {"jwt": {"claims": {"sub": "u-9", "custom:company_id": "acme", "custom:role": "SuperAdmin"}, "scopes": null}}
        }))
        .unwrap();
        with_context.extensions.insert(context);
        let caller = Authenticator::ApiGateway.caller(&with_context).unwrap();
        assert_eq!(caller.company_id, "acme");
        assert_eq!(caller.role, Role::SuperAdmin);
        // A bearer token alone proves nothing behind API Gateway.
        assert!(matches!(
            Authenticator::ApiGateway.caller(&parts(Some("Bearer x"))),
            Err(ApiError::Unauthorized(_))
        ));
    }
}
