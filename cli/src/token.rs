//! Local tokens: what the local stack's API verifies (`dic dev`).

use dic_api::auth::{local_token, LOCAL_SECRET};

/// A token signed with `DIC_JWT_SECRET`, or the local stack's default secret.
pub fn local(company: &str, role: &str, subject: &str, hours: u64) -> anyhow::Result<String> {
    let secret = std::env::var("DIC_JWT_SECRET").unwrap_or_else(|_| LOCAL_SECRET.to_string());
    Ok(local_token(&secret, company, role, subject, hours)?)
}
