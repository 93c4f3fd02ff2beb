//! `{ company_id, import_id }` → the failed rows as XLSX, and a link to it.

#![forbid(unsafe_code)]

use dic_aws::export::{export_failed_rows, ExportRequest};
use lambda_runtime::{run, service_fn, Error, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let deps = dic_aws::Deps::from_env().await?;
    run(service_fn(|event: LambdaEvent<ExportRequest>| async {
        export_failed_rows(event.payload, &deps)
            .await
            .map_err(Error::from)
    }))
    .await
}
