//! S3 ObjectCreated on `uploads/` and `feeds/` → the import's chunks on the queue.

use aws_lambda_events::event::s3::S3Event;
use lambda_runtime::{run, service_fn, Error, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let deps = dic_aws::Deps::from_env().await?;
    run(service_fn(|event: LambdaEvent<S3Event>| async {
        dic_aws::split::split_new_objects(event.payload, &deps)
            .await
            .map_err(Error::from)
    }))
    .await
}
