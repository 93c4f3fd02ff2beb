//! Both dead-letter queues → dead chunks' rows counted as failed, dead split
//! requests' imports ended `Failed`, so every import still ends.

#![forbid(unsafe_code)]

use aws_lambda_events::event::sqs::SqsEvent;
use lambda_runtime::{run, service_fn, Error, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let deps = dic_aws::Deps::from_env().await?;
    run(service_fn(|event: LambdaEvent<SqsEvent>| async {
        Ok::<_, Error>(dic_aws::dead_letter::count_dead_chunks(event.payload, &deps).await)
    }))
    .await
}
