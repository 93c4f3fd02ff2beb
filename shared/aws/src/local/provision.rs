//! Creates the bucket, queues, tables and bucket notifications of
//! `infra/template.yaml` on an emulator. Idempotent.

use crate::clients::Clients;
use crate::config::Resources;
use crate::error::{aws, request, StoreError};
use crate::keys::{FEEDS, UPLOADS};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TimeToLiveSpecification,
};
use aws_sdk_s3::types::{
    Event, FilterRule, FilterRuleName, NotificationConfiguration, NotificationConfigurationFilter,
    QueueConfiguration, S3KeyFilter,
};
use aws_sdk_sqs::types::QueueAttributeName;

/// Redrive after this many receives, as the template's `maxReceiveCount`.
pub const MAX_RECEIVE_COUNT: u32 = 5;

/// Resource names for one local stack; a prefix keeps stacks apart (tests
/// each make their own).
#[derive(Clone, Debug)]
pub struct StackNames {
    pub prefix: String,
}

impl StackNames {
    pub fn new(prefix: &str) -> StackNames {
        StackNames {
            prefix: prefix.to_ascii_lowercase(),
        }
    }
    fn name(&self, what: &str) -> String {
        format!("{}-{what}", self.prefix)
    }
}

/// A provisioned local stack: what the functions see, plus the dead-letter
/// queue only the host polls.
#[derive(Clone, Debug)]
pub struct LocalStack {
    pub resources: Resources,
    pub dead_letter_queue_url: String,
}

pub async fn provision(
    clients: &Clients,
    names: &StackNames,
    visibility_timeout_secs: u32,
) -> Result<LocalStack, StoreError> {
    let bucket = names.name("data");
    let resources_tables = [
        names.name("imports"),
        names.name("records"),
        names.name("templates"),
        names.name("feeds"),
    ];
    for table in &resources_tables {
        create_table(clients, table, table == &resources_tables[0]).await?;
    }
    let dead_letter_queue_url = create_queue(clients, &names.name("chunks-dlq"), &[]).await?;
    let dlq_arn = queue_arn(clients, &dead_letter_queue_url).await?;
    let redrive =
        format!(r#"{{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":"{MAX_RECEIVE_COUNT}"}}"#);
    let chunk_queue_url = create_queue(
        clients,
        &names.name("chunks"),
        &[
            (QueueAttributeName::RedrivePolicy, redrive),
            (
                QueueAttributeName::VisibilityTimeout,
                visibility_timeout_secs.to_string(),
            ),
        ],
    )
    .await?;
    let split_queue_url = create_queue(clients, &names.name("splits"), &[]).await?;
    let splits_arn = queue_arn(clients, &split_queue_url).await?;
    create_bucket(clients, &bucket, &splits_arn).await?;
    Ok(LocalStack {
        resources: Resources {
            data_bucket: bucket,
            imports_table: resources_tables[0].clone(),
            records_table: resources_tables[1].clone(),
            templates_table: resources_tables[2].clone(),
            feeds_table: resources_tables[3].clone(),
            chunk_queue_url,
            split_queue_url,
        },
        dead_letter_queue_url,
    })
}

fn key_attribute(name: &str) -> Result<AttributeDefinition, StoreError> {
    typed_attribute(name, ScalarAttributeType::S)
}

fn typed_attribute(
    name: &str,
    kind: ScalarAttributeType,
) -> Result<AttributeDefinition, StoreError> {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(kind)
        .build()
        .map_err(request("AttributeDefinition"))
}

fn key_element(name: &str, key_type: KeyType) -> Result<KeySchemaElement, StoreError> {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(key_type)
        .build()
        .map_err(request("KeySchemaElement"))
}

async fn create_table(clients: &Clients, table: &str, is_imports: bool) -> Result<(), StoreError> {
    let db = &clients.dynamodb;
    if db.describe_table().table_name(table).send().await.is_ok() {
        return Ok(());
    }
    let mut create = db
        .create_table()
        .table_name(table)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(key_attribute("pk")?)
        .attribute_definitions(key_attribute("sk")?)
        .key_schema(key_element("pk", KeyType::Hash)?)
        .key_schema(key_element("sk", KeyType::Range)?);
    if is_imports {
        create = create
            .attribute_definitions(key_attribute("gsi1pk")?)
            .attribute_definitions(key_attribute("gsi1sk")?)
            .global_secondary_indexes(
                GlobalSecondaryIndex::builder()
                    .index_name("by_company")
                    .key_schema(key_element("gsi1pk", KeyType::Hash)?)
                    .key_schema(key_element("gsi1sk", KeyType::Range)?)
                    .projection(
                        Projection::builder()
                            .projection_type(ProjectionType::All)
                            .build(),
                    )
                    .build()
                    .map_err(request("GlobalSecondaryIndex"))?,
            )
            .attribute_definitions(key_attribute("claim_pk")?)
            .attribute_definitions(typed_attribute("split_claimed_at", ScalarAttributeType::N)?)
            .global_secondary_indexes(
                GlobalSecondaryIndex::builder()
                    .index_name(crate::keys::imports::SPLIT_CLAIMS_INDEX)
                    .key_schema(key_element("claim_pk", KeyType::Hash)?)
                    .key_schema(key_element("split_claimed_at", KeyType::Range)?)
                    .projection(
                        Projection::builder()
                            .projection_type(ProjectionType::Include)
                            .non_key_attributes("company_id")
                            .non_key_attributes("import_id")
                            .non_key_attributes("split_attempts")
                            .build(),
                    )
                    .build()
                    .map_err(request("GlobalSecondaryIndex"))?,
            );
    }
    create.send().await.map_err(aws("CreateTable"))?;
    if is_imports {
        db.update_time_to_live()
            .table_name(table)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .attribute_name("expires_at")
                    .enabled(true)
                    .build()
                    .map_err(request("TimeToLiveSpecification"))?,
            )
            .send()
            .await
            .map_err(aws("UpdateTimeToLive"))?;
    }
    Ok(())
}

async fn create_queue(
    clients: &Clients,
    name: &str,
    attributes: &[(QueueAttributeName, String)],
) -> Result<String, StoreError> {
    let mut request = clients.sqs.create_queue().queue_name(name);
    for (key, value) in attributes {
        request = request.attributes(key.clone(), value);
    }
    let out = request.send().await.map_err(aws("CreateQueue"))?;
    out.queue_url
        .ok_or_else(|| StoreError::Incomplete(format!("CreateQueue {name} returned no URL")))
}

async fn queue_arn(clients: &Clients, url: &str) -> Result<String, StoreError> {
    let out = clients
        .sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .map_err(aws("GetQueueAttributes"))?;
    out.attributes
        .and_then(|mut a| a.remove(&QueueAttributeName::QueueArn))
        .ok_or_else(|| StoreError::Incomplete(format!("queue {url} has no ARN")))
}

async fn create_bucket(
    clients: &Clients,
    bucket: &str,
    events_queue_arn: &str,
) -> Result<(), StoreError> {
    let s3 = &clients.s3;
    if s3.head_bucket().bucket(bucket).send().await.is_err() {
        s3.create_bucket()
            .bucket(bucket)
            .send()
            .await
            .map_err(aws("CreateBucket"))?;
    }
    let mut notifications = NotificationConfiguration::builder();
    for prefix in [UPLOADS, FEEDS] {
        let filter = NotificationConfigurationFilter::builder()
            .key(
                S3KeyFilter::builder()
                    .filter_rules(
                        FilterRule::builder()
                            .name(FilterRuleName::Prefix)
                            .value(prefix)
                            .build(),
                    )
                    .build(),
            )
            .build();
        notifications = notifications.queue_configurations(
            QueueConfiguration::builder()
                .id(format!("split-{}", prefix.trim_end_matches('/')))
                .queue_arn(events_queue_arn)
                .events(Event::from("s3:ObjectCreated:*"))
                .filter(filter)
                .build()
                .map_err(request("QueueConfiguration"))?,
        );
    }
    s3.put_bucket_notification_configuration()
        .bucket(bucket)
        .notification_configuration(notifications.build())
        .send()
        .await
        .map_err(aws("PutBucketNotificationConfiguration"))?;
    Ok(())
}
