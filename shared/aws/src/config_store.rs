//! Company configuration: templates and connector feeds.

use crate::error::{aws, StoreError};
use crate::model::FeedConfig;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use dic_core::template::Template;
use std::collections::HashMap;

fn key(company_id: &str, sk: String) -> HashMap<String, AttributeValue> {
    HashMap::from([
        (
            "pk".to_string(),
            AttributeValue::S(format!("C#{company_id}")),
        ),
        ("sk".to_string(), AttributeValue::S(sk)),
    ])
}

#[derive(Clone, Debug)]
pub struct TemplateStore {
    client: Client,
    table: String,
}

impl TemplateStore {
    pub fn new(client: Client, table: String) -> TemplateStore {
        TemplateStore { client, table }
    }

    pub async fn put(
        &self,
        company_id: &str,
        template_id: &str,
        template: &Template,
    ) -> Result<(), StoreError> {
        let mut item: HashMap<String, AttributeValue> = serde_dynamo::to_item(template)?;
        item.extend(key(company_id, format!("T#{template_id}")));
        item.insert(
            "template_id".into(),
            AttributeValue::S(template_id.to_string()),
        );
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(aws("PutItem template"))?;
        Ok(())
    }

    pub async fn get(
        &self,
        company_id: &str,
        template_id: &str,
    ) -> Result<Option<Template>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(company_id, format!("T#{template_id}"))))
            .send()
            .await
            .map_err(aws("GetItem template"))?;
        Ok(match out.item {
            Some(item) => Some(serde_dynamo::from_item(item)?),
            None => None,
        })
    }
}

#[derive(Clone, Debug)]
pub struct FeedStore {
    client: Client,
    table: String,
}

impl FeedStore {
    pub fn new(client: Client, table: String) -> FeedStore {
        FeedStore { client, table }
    }

    pub async fn put(&self, feed: &FeedConfig) -> Result<(), StoreError> {
        let mut item: HashMap<String, AttributeValue> = serde_dynamo::to_item(feed)?;
        item.extend(key(&feed.company_id, format!("F#{}", feed.feed_id)));
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(aws("PutItem feed"))?;
        Ok(())
    }

    pub async fn get(
        &self,
        company_id: &str,
        feed_id: &str,
    ) -> Result<Option<FeedConfig>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(company_id, format!("F#{feed_id}"))))
            .send()
            .await
            .map_err(aws("GetItem feed"))?;
        Ok(match out.item {
            Some(item) => Some(serde_dynamo::from_item(item)?),
            None => None,
        })
    }
}
