//! Every few minutes: splits whose splitter died are taken up again, or
//! failed with a reason after three attempts.

#![forbid(unsafe_code)]

use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let deps = dic_aws::Deps::from_env().await?;
    run(service_fn(|_: LambdaEvent<Value>| async {
        dic_aws::sweep::sweep_stale_splits(&deps)
            .await
            .map_err(Error::from)
    }))
    .await
}
