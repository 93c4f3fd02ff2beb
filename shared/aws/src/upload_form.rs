//! Presigned POST for uploads: the browser (or `dic import`) posts the file
//! straight to S3 with a form whose signed policy fixes the key and caps the
//! size. The Rust SDK presigns GET and PUT only, and a presigned PUT cannot
//! bound the size, so the POST policy is built and signed here (SigV4,
//! with the signing-key derivation of `aws-sigv4`).

use crate::clients::Signing;
use crate::error::StoreError;
use aws_credential_types::provider::ProvideCredentials;
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::Duration;

/// How long an upload form stays usable.
pub const UPLOAD_FORM_LIFETIME: Duration = Duration::from_secs(15 * 60);
const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// Where to post and the form fields to send before the `file` field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadForm {
    pub url: String,
    pub fields: BTreeMap<String, String>,
}

/// What the signed policy allows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostPolicy<'a> {
    pub bucket: &'a str,
    pub key: &'a str,
    pub max_bytes: u64,
    pub expires_in: Duration,
}

/// The credentials' part of a signature.
#[derive(Clone, Debug)]
pub struct SigningKeys<'a> {
    pub access_key_id: &'a str,
    pub secret_access_key: &'a str,
    pub session_token: Option<&'a str>,
    pub region: &'a str,
}

impl PostPolicy<'_> {
    /// The policy document: exact bucket and key, 1 byte to `max_bytes`,
    /// and the signing fields S3 requires to appear in the policy.
    pub fn document(&self, keys: &SigningKeys<'_>, now: DateTime<Utc>) -> Value {
        let expires = now
            + chrono::Duration::from_std(self.expires_in).unwrap_or(chrono::Duration::minutes(15));
        let mut conditions = vec![
            json!({ "bucket": self.bucket }),
            json!({ "key": self.key }),
            json!(["content-length-range", 1, self.max_bytes]),
            json!({ "x-amz-algorithm": ALGORITHM }),
            json!({ "x-amz-credential": credential(keys, now) }),
            json!({ "x-amz-date": amz_date(now) }),
        ];
        if let Some(token) = keys.session_token {
            conditions.push(json!({ "x-amz-security-token": token }));
        }
        json!({
            "expiration": expires.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
            "conditions": conditions,
        })
    }

    /// The form fields: the key, the base64 policy and its signature.
    pub fn sign(&self, keys: &SigningKeys<'_>, now: DateTime<Utc>) -> BTreeMap<String, String> {
        let policy = base64::engine::general_purpose::STANDARD
            .encode(self.document(keys, now).to_string().as_bytes());
        let signing_key = aws_sigv4::sign::v4::generate_signing_key(
            keys.secret_access_key,
            now.into(),
            keys.region,
            "s3",
        );
        let signature = aws_sigv4::sign::v4::calculate_signature(signing_key, policy.as_bytes());
        let mut fields = BTreeMap::from([
            ("key".to_string(), self.key.to_string()),
            ("policy".to_string(), policy),
            ("x-amz-algorithm".to_string(), ALGORITHM.to_string()),
            ("x-amz-credential".to_string(), credential(keys, now)),
            ("x-amz-date".to_string(), amz_date(now)),
            ("x-amz-signature".to_string(), signature),
        ]);
        if let Some(token) = keys.session_token {
            fields.insert("x-amz-security-token".to_string(), token.to_string());
        }
        fields
    }
}

fn credential(keys: &SigningKeys<'_>, now: DateTime<Utc>) -> String {
    format!(
        "{}/{}/{}/s3/aws4_request",
        keys.access_key_id,
        now.format("%Y%m%d"),
        keys.region
    )
}

fn amz_date(now: DateTime<Utc>) -> String {
    now.format("%Y%m%dT%H%M%SZ").to_string()
}

/// A signed upload form for `key`, with the process's own credentials.
pub async fn presigned_post(
    signing: &Signing,
    policy: &PostPolicy<'_>,
) -> Result<UploadForm, StoreError> {
    let credentials = signing
        .credentials
        .provide_credentials()
        .await
        .map_err(crate::error::aws("load credentials for the upload form"))?;
    let keys = SigningKeys {
        access_key_id: credentials.access_key_id(),
        secret_access_key: credentials.secret_access_key(),
        session_token: credentials.session_token(),
        region: &signing.region,
    };
    Ok(UploadForm {
        url: signing.bucket_url(policy.bucket),
        fields: policy.sign(&keys, Utc::now()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const KEYS: SigningKeys<'static> = SigningKeys {
        access_key_id: "AKIAIOSFODNN7EXAMPLE",
        secret_access_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        session_token: None,
        region: "us-east-1",
    };

    fn policy() -> PostPolicy<'static> {
        PostPolicy {
            bucket: "dic-data",
            key: "uploads/acme/imp-1/staff.csv",
            max_bytes: 10 * 1024 * 1024,
            expires_in: UPLOAD_FORM_LIFETIME,
        }
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 9, 30, 0).unwrap()
    }

    fn decoded(fields: &BTreeMap<String, String>) -> Value {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(&fields["policy"])
            .unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[test]
    fn the_policy_fixes_the_key_and_caps_the_size_at_10_mb() {
        let doc = decoded(&policy().sign(&KEYS, now()));
        assert_eq!(doc["expiration"], "2026-11-25T09:45:00.000Z");
        let conditions = doc["conditions"].as_array().unwrap();
        assert!(conditions.contains(&json!({"bucket": "dic-data"})));
        assert!(conditions.contains(&json!({"key": "uploads/acme/imp-1/staff.csv"})));
        assert!(conditions.contains(&json!(["content-length-range", 1, 10_485_760])));
        // No `starts-with` on the key: the client cannot choose another one.
        assert!(!doc.to_string().contains("starts-with"));
    }

    #[test]
    fn every_signed_field_is_bound_by_the_policy() {
        let fields = policy().sign(&KEYS, now());
        let doc = decoded(&fields);
        let conditions = doc["conditions"].as_array().unwrap();
        for name in ["key", "x-amz-algorithm", "x-amz-credential", "x-amz-date"] {
            assert!(
                conditions.contains(&json!({ name: fields[name] })),
                "{name} is not in the policy"
            );
        }
        assert_eq!(
            fields["x-amz-credential"],
            "AKIAIOSFODNN7EXAMPLE/20261125/us-east-1/s3/aws4_request"
        );
        assert_eq!(fields["x-amz-date"], "20261125T093000Z");
    }

    #[test]
    fn the_signature_is_sigv4_over_the_base64_policy() {
        let fields = policy().sign(&KEYS, now());
        let key = aws_sigv4::sign::v4::generate_signing_key(
            KEYS.secret_access_key,
            now().into(),
            "us-east-1",
            "s3",
        );
        let expected = aws_sigv4::sign::v4::calculate_signature(key, fields["policy"].as_bytes());
        assert_eq!(fields["x-amz-signature"], expected);
        assert_eq!(fields["x-amz-signature"].len(), 64);
        // Another secret signs differently.
        let other = SigningKeys {
            secret_access_key: "another",
            ..KEYS
        };
        assert_ne!(policy().sign(&other, now())["x-amz-signature"], expected);
    }

    #[test]
    fn temporary_credentials_carry_their_token_in_form_and_policy() {
        let keys = SigningKeys {
            session_token: Some("token-1"),
            ..KEYS
        };
        let fields = policy().sign(&keys, now());
        assert_eq!(fields["x-amz-security-token"], "token-1");
        let doc = decoded(&fields);
        assert!(doc["conditions"]
            .as_array()
            .unwrap()
            .contains(&json!({"x-amz-security-token": "token-1"})));
    }
}
