//! Chunk queue batches → validated, upserted, logged and counted rows.

#![forbid(unsafe_code)]

use aws_lambda_events::event::sqs::SqsEvent;
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
        Ok::<_, Error>(dic_aws::process::process_chunk_batch(event.payload, &deps).await)
    }))
    .await
}
