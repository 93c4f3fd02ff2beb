//! Who is calling: the company and role come from verified token claims
//! only, never from the path or the body.
//!
//! On AWS the API Gateway JWT authorizer verifies the token and hands its
//! claims to the function in the request context, every value as text
//! (`"exp": "1735689600"`, `"email_verified": "true"`). Locally `dic dev`
//! verifies an HS256 token signed with the local secret (`dic token` prints
//! one). Both paths read the claims as text by name, so neither depends on
//! how the other types its values.

use crate::error::ApiError;
use crate::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use dic_core::ids::CompanyId;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use lambda_http::request::RequestContext;
use serde::{Deserialize, Serialize};
use serde_json::Value;
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
    pub company_id: CompanyId,
    pub role: Role,
    /// The token's subject: who created or started an import.
    pub subject: String,
}

/// The claims that name the caller's company and role. Identity providers
/// name custom claims differently, so the names are configuration; the
/// `custom:` form Cognito gives custom attributes is accepted for each.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimNames {
    pub company: String,
    pub role: String,
}

impl Default for ClaimNames {
    fn default() -> ClaimNames {
        ClaimNames {
            company: "company_id".to_string(),
            role: "role".to_string(),
        }
    }
}

impl ClaimNames {
    /// Variables the SAM template sets on the api function.
    pub const COMPANY_VAR: &str = "DIC_COMPANY_CLAIM";
    pub const ROLE_VAR: &str = "DIC_ROLE_CLAIM";

    /// From `DIC_COMPANY_CLAIM` and `DIC_ROLE_CLAIM`; unset or blank keeps
    /// the default name.
    pub fn from_env() -> ClaimNames {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> ClaimNames {
        let defaults = ClaimNames::default();
        let pick = |var: &str, default: String| {
            lookup(var)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .unwrap_or(default)
        };
        ClaimNames {
            company: pick(Self::COMPANY_VAR, defaults.company),
            role: pick(Self::ROLE_VAR, defaults.role),
        }
    }

    /// The caller named by `claims`, looked up by name as text.
    fn caller<'a>(&self, claim: impl Fn(&str) -> Option<&'a str>) -> Result<Caller, ApiError> {
        let named = |name: &str| {
            claim(name).or_else(|| match name.strip_prefix("custom:") {
                Some(bare) => claim(bare),
                None => claim(&format!("custom:{name}")),
            })
        };
        let company_id = named(&self.company).map(str::trim).unwrap_or("");
        if company_id.is_empty() {
            return Err(ApiError::Unauthorized("the token names no company"));
        }
        let company_id = CompanyId::parse(company_id).map_err(|_| {
            ApiError::Unauthorized(
                "the token's company is not a valid id (`#`, `/` or control characters)",
            )
        })?;
        let role = match named(&self.role).map(str::trim) {
            Some("SuperAdmin") => Role::SuperAdmin,
            Some("Admin") => Role::Admin,
            _ => return Err(ApiError::Forbidden),
        };
        Ok(Caller {
            company_id,
            role,
            subject: claim("sub").unwrap_or("").to_string(),
        })
    }
}

/// The claims of the tokens the local stack signs.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Claims {
    #[serde(default)]
    pub sub: String,
    #[serde(default)]
    pub company_id: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub exp: u64,
}

/// How callers are verified.
#[derive(Clone)]
pub enum Authenticator {
    /// Trust the claims API Gateway's JWT authorizer verified.
    ApiGateway { names: ClaimNames },
    /// Verify `Authorization: Bearer` HS256 tokens with this secret.
    Hs256 { secret: Vec<u8>, names: ClaimNames },
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Authenticator::ApiGateway { names } => write!(f, "ApiGateway({names:?})"),
            Authenticator::Hs256 { .. } => f.write_str("Hs256"),
        }
    }
}

impl Authenticator {
    /// Behind API Gateway, with the claim names from the environment.
    pub fn api_gateway(names: ClaimNames) -> Authenticator {
        Authenticator::ApiGateway { names }
    }

    pub fn hs256(secret: &str) -> Authenticator {
        Authenticator::Hs256 {
            secret: secret.as_bytes().to_vec(),
            names: ClaimNames::default(),
        }
    }

    /// The caller, or 401 (no or bad token) / 403 (a role without access).
    pub fn caller(&self, parts: &Parts) -> Result<Caller, ApiError> {
        match self {
            Authenticator::ApiGateway { names } => {
                let claims =
                    authorizer_claims(parts).ok_or(ApiError::Unauthorized("no verified token"))?;
                names.caller(|name| claims.get(name).map(String::as_str))
            }
            Authenticator::Hs256 { secret, names } => {
                let claims = verify_hs256(bearer(parts)?, secret)?;
                let text: HashMap<&str, &str> = claims
                    .iter()
                    .filter_map(|(name, value)| Some((name.as_str(), value.as_str()?)))
                    .collect();
                names.caller(|name| text.get(name).copied())
            }
        }
    }
}

/// The claims API Gateway's JWT authorizer verified (payload format 2.0).
fn authorizer_claims(parts: &Parts) -> Option<&HashMap<String, String>> {
    match parts.extensions.get::<RequestContext>()? {
        RequestContext::ApiGatewayV2(context) => context
            .authorizer
            .as_ref()?
            .jwt
            .as_ref()
            .map(|jwt| &jwt.claims),
        _ => None,
    }
}

fn verify_hs256(token: &str, secret: &[u8]) -> Result<serde_json::Map<String, Value>, ApiError> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_required_spec_claims(&["exp", "sub"]);
    jsonwebtoken::decode::<serde_json::Map<String, Value>>(
        token,
        &DecodingKey::from_secret(secret),
        &validation,
    )
    .map(|data| data.claims)
    .map_err(|_| ApiError::Unauthorized("the token is invalid or expired"))
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
                company_id: CompanyId::parse("acme").unwrap(),
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

    /// The documented HTTP API request (payload format 2.0) with a JWT
    /// authorizer, as Lambda hands it to the function, turned into a request
    /// the way `lambda_http::run` does, with `edit` applied to its JSON.
    fn apigw_parts(edit: impl FnOnce(&mut Value)) -> Parts {
        let mut event: Value =
            serde_json::from_str(include_str!("../../../events/apigw-v2-jwt.json")).unwrap();
        edit(&mut event);
        let request = lambda_http::request::from_str(&event.to_string()).unwrap();
        request.into_parts().0
    }

    fn claims(event: &mut Value) -> &mut serde_json::Map<String, Value> {
        event["requestContext"]["authorizer"]["jwt"]["claims"]
            .as_object_mut()
            .unwrap()
    }

    fn gateway() -> Authenticator {
        Authenticator::api_gateway(ClaimNames::default())
    }

    #[test]
    fn api_gateway_claims_arrive_as_text_and_name_the_caller() {
        // `exp`, `iat` and `auth_time` are numbers sent as text, and
        // `email_verified` a boolean sent as text: none of them may matter.
        let caller = gateway().caller(&apigw_parts(|_| {})).unwrap();
        assert_eq!(
            caller,
            Caller {
                company_id: CompanyId::parse("company-demo").unwrap(),
                role: Role::Admin,
                subject: "0f9e8d7c-6b5a-4938-a271-605f4e3d2c1b".into(),
            }
        );
    }

    #[test]
    fn plain_and_custom_claim_names_are_both_read_and_values_are_text() {
        let parts = apigw_parts(|event| {
            let claims = claims(event);
            claims.remove("custom:company_id");
            claims.remove("custom:role");
            // A company id that looks like a number stays text.
            claims.insert("company_id".into(), "00420".into());
            claims.insert("role".into(), "SuperAdmin".into());
        });
        let caller = gateway().caller(&parts).unwrap();
        assert_eq!(caller.company_id, "00420");
        assert_eq!(caller.role, Role::SuperAdmin);
    }

    #[test]
    fn configured_claim_names_are_used_with_or_without_custom() {
        let names = ClaimNames::from_lookup(|var| match var {
            "DIC_COMPANY_CLAIM" => Some("tenant".into()),
            "DIC_ROLE_CLAIM" => Some("custom:app_role".into()),
            _ => None,
        });
        let parts = apigw_parts(|event| {
            let claims = claims(event);
            claims.insert("custom:tenant".into(), "acme".into());
            claims.insert("app_role".into(), "Admin".into());
            claims.insert("custom:role".into(), "Learner".into());
        });
        let caller = Authenticator::api_gateway(names).caller(&parts).unwrap();
        assert_eq!(
            (caller.company_id.as_str(), caller.role),
            ("acme", Role::Admin)
        );
        // Unset or blank variables keep the defaults.
        assert_eq!(
            ClaimNames::from_lookup(|_| Some("  ".into())),
            ClaimNames::default()
        );
    }

    #[test]
    fn api_gateway_refuses_other_roles_and_claims_without_company() {
        let learner = apigw_parts(|event| {
            claims(event).insert("custom:role".into(), "Learner".into());
        });
        assert!(matches!(
            gateway().caller(&learner),
            Err(ApiError::Forbidden)
        ));
        let no_role = apigw_parts(|event| {
            claims(event).remove("custom:role");
        });
        assert!(matches!(
            gateway().caller(&no_role),
            Err(ApiError::Forbidden)
        ));
        let no_company = apigw_parts(|event| {
            claims(event).insert("custom:company_id".into(), " ".into());
        });
        assert!(matches!(
            gateway().caller(&no_company),
            Err(ApiError::Unauthorized(_))
        ));
        // A company that could reach into another's keys is no company.
        let forged = apigw_parts(|event| {
            claims(event).insert("custom:company_id".into(), "acme#I#x".into());
        });
        assert!(matches!(
            gateway().caller(&forged),
            Err(ApiError::Unauthorized(_))
        ));
    }

    #[test]
    fn behind_api_gateway_a_bearer_token_without_verified_claims_is_401() {
        // A well-formed token the local stack would accept, sent straight
        // to the function: nothing verified it, so it proves nothing.
        let token = local_token(LOCAL_SECRET, "acme", "SuperAdmin", "u-1", 1).unwrap();
        let unverified = apigw_parts(|event| {
            event["headers"]["authorization"] = format!("Bearer {token}").into();
            event["requestContext"]
                .as_object_mut()
                .unwrap()
                .remove("authorizer");
        });
        assert!(matches!(
            gateway().caller(&unverified),
            Err(ApiError::Unauthorized(_))
        ));
        assert!(matches!(
            gateway().caller(&parts(Some("Bearer x"))),
            Err(ApiError::Unauthorized(_))
        ));
    }

    #[test]
    fn local_tokens_with_custom_claim_names_are_read_too() {
        let claims = serde_json::json!({
            "sub": "u-2", "custom:company_id": "acme", "custom:role": "Admin",
            "exp": chrono::Utc::now().timestamp() + 600,
        });
        let token = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(b"s3cret"),
        )
        .unwrap();
        let caller = local()
            .caller(&parts(Some(&format!("Bearer {token}"))))
            .unwrap();
        assert_eq!(caller.company_id, "acme");
    }
}
