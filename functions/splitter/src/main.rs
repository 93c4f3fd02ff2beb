//! The split queue (S3 notifications of new uploads and feed files, and the
//! API's requests for started imports) → the import's chunks on the queue.

#![forbid(unsafe_code)]

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::{run, service_fn, Error, LambdaEvent};

/// Every row allocates a few short strings; mimalloc serves them faster
/// than the system allocator (see the engine benchmark).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let deps = dic_aws::Deps::from_env().await?;
    run(service_fn(|event: LambdaEvent<SqsEvent>| async {
        Ok::<SqsBatchResponse, Error>(dic_aws::split::split_messages(event.payload, &deps).await)
    }))
    .await
}
