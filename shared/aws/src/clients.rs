//! The SDK clients, built once per process from the standard environment
//! (`AWS_ENDPOINT_URL`, `AWS_REGION`, credentials): the same code talks to
//! AWS, LocalStack, or moto and DynamoDB Local. `aws_config` also reads the
//! per-service endpoints, so the local stack sends DynamoDB's requests to
//! `AWS_ENDPOINT_URL_DYNAMODB` (DynamoDB Local) and S3's and SQS's to
//! `AWS_ENDPOINT_URL` (moto).

use aws_config::BehaviorVersion;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{
    future::ProvideCredentials as ProvideCredentialsFuture, ProvideCredentials,
    SharedCredentialsProvider,
};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

#[derive(Clone, Debug)]
pub struct Clients {
    pub s3: aws_sdk_s3::Client,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub sqs: aws_sdk_sqs::Client,
    /// Every HTTP request the clients sent, retries included.
    pub requests: RequestCounter,
    pub signing: Signing,
}

/// What signing by hand needs (the upload form's POST policy).
#[derive(Clone, Debug)]
pub struct Signing {
    pub credentials: SharedCredentialsProvider,
    pub region: String,
    /// The emulator's endpoint; `None` on AWS.
    pub endpoint: Option<String>,
}

impl Signing {
    /// The bucket's URL for a browser form: path-style on an emulator,
    /// virtual-hosted on AWS.
    pub fn bucket_url(&self, bucket: &str) -> String {
        match &self.endpoint {
            Some(endpoint) => format!("{}/{bucket}", endpoint.trim_end_matches('/')),
            None => format!("https://{bucket}.s3.{}.amazonaws.com", self.region),
        }
    }
}

impl Clients {
    pub async fn from_env() -> Clients {
        let shared = aws_config::defaults(BehaviorVersion::latest()).load().await;
        let requests = RequestCounter::default();
        let signing = Signing {
            credentials: shared
                .credentials_provider()
                .unwrap_or_else(|| SharedCredentialsProvider::new(NoCredentials)),
            region: shared
                .region()
                .map(|r| r.to_string())
                .unwrap_or_else(|| "us-east-1".to_string()),
            endpoint: shared.endpoint_url().map(str::to_string),
        };
        // Path-style addressing: emulators serve one host; AWS accepts it too.
        let s3 = aws_sdk_s3::config::Builder::from(&shared)
            .force_path_style(true)
            .interceptor(requests.clone())
            .build();
        let dynamodb = aws_sdk_dynamodb::config::Builder::from(&shared)
            .interceptor(requests.clone())
            .build();
        let sqs = aws_sdk_sqs::config::Builder::from(&shared)
            .interceptor(requests.clone())
            .build();
        Clients {
            s3: aws_sdk_s3::Client::from_conf(s3),
            dynamodb: aws_sdk_dynamodb::Client::from_conf(dynamodb),
            sqs: aws_sdk_sqs::Client::from_conf(sqs),
            requests,
            signing,
        }
    }
}

/// Stands in when no credentials are configured, so that signing fails with
/// a clear error rather than at start-up.
#[derive(Debug)]
struct NoCredentials;

impl ProvideCredentials for NoCredentials {
    fn provide_credentials<'a>(&'a self) -> ProvideCredentialsFuture<'a>
    where
        Self: 'a,
    {
        ProvideCredentialsFuture::ready(Err(CredentialsError::not_loaded(
            "no AWS credentials are configured",
        )))
    }
}

/// Counts requests on the wire, by service and call, to state what an
/// import costs.
#[derive(Clone, Debug, Default)]
pub struct RequestCounter(Arc<Mutex<BTreeMap<(String, String), u64>>>);

impl RequestCounter {
    /// Every request so far.
    pub fn get(&self) -> u64 {
        self.by_call().iter().map(|(_, n)| n).sum()
    }

    /// Requests so far by (service, call), e.g. `(("DynamoDB",
    /// "BatchWriteItem"), 812)`, in name order.
    pub fn by_call(&self) -> Vec<((String, String), u64)> {
        let counts = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        counts.iter().map(|(k, n)| (k.clone(), *n)).collect()
    }
}

impl Intercept for RequestCounter {
    fn name(&self) -> &'static str {
        "RequestCounter"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let (service, call) = cfg
            .load::<Metadata>()
            .map(|m| (m.service(), m.name()))
            .unwrap_or(("unknown", "unknown"));
        let mut counts = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match counts.get_mut(&(service.to_string(), call.to_string())) {
            Some(n) => *n += 1,
            None => {
                counts.insert((service.to_string(), call.to_string()), 1);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_counter_sums_its_calls() {
        let counter = RequestCounter::default();
        counter
            .0
            .lock()
            .unwrap()
            .insert(("SQS".into(), "ReceiveMessage".into()), 2);
        counter
            .0
            .lock()
            .unwrap()
            .insert(("DynamoDB".into(), "BatchWriteItem".into()), 3);
        assert_eq!(counter.get(), 5);
        assert_eq!(
            counter.by_call()[0],
            (("DynamoDB".to_string(), "BatchWriteItem".to_string()), 3)
        );
    }
}
