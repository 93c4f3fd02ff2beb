//! Company configuration: templates and connector feeds, one item each,
//! under the company's partition.

use crate::error::{aws, StoreError};
use crate::model::FeedConfig;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use dic_core::template::Template;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::collections::HashMap;

/// Items of one kind (`T#` templates, `F#` feeds) in a company's partition.
#[derive(Clone, Debug)]
struct CompanyItems {
    client: Client,
    table: String,
    kind: &'static str,
}

impl CompanyItems {
    fn key(&self, company_id: &str, id: &str) -> HashMap<String, AttributeValue> {
        HashMap::from([
            (
                "pk".to_string(),
                AttributeValue::S(format!("C#{company_id}")),
            ),
            (
                "sk".to_string(),
                AttributeValue::S(format!("{}{id}", self.kind)),
            ),
        ])
    }

    async fn put<T: Serialize>(
        &self,
        company_id: &str,
        id: &str,
        value: &T,
    ) -> Result<(), StoreError> {
        let mut item: HashMap<String, AttributeValue> = serde_dynamo::to_item(value)?;
        item.extend(self.key(company_id, id));
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(aws("PutItem configuration"))?;
        Ok(())
    }

    async fn get<T: DeserializeOwned>(
        &self,
        company_id: &str,
        id: &str,
    ) -> Result<Option<T>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(self.key(company_id, id)))
            .send()
            .await
            .map_err(aws("GetItem configuration"))?;
        Ok(match out.item {
            Some(item) => Some(serde_dynamo::from_item(item)?),
            None => None,
        })
    }
}

#[derive(Clone, Debug)]
pub struct TemplateStore(CompanyItems);

impl TemplateStore {
    pub fn new(client: Client, table: String) -> TemplateStore {
        TemplateStore(CompanyItems {
            client,
            table,
            kind: "T#",
        })
    }

    pub async fn put(
        &self,
        company_id: &str,
        template_id: &str,
        template: &Template,
    ) -> Result<(), StoreError> {
        self.0.put(company_id, template_id, template).await
    }

    pub async fn get(
        &self,
        company_id: &str,
        template_id: &str,
    ) -> Result<Option<Template>, StoreError> {
        self.0.get(company_id, template_id).await
    }
}

#[derive(Clone, Debug)]
pub struct FeedStore(CompanyItems);

impl FeedStore {
    pub fn new(client: Client, table: String) -> FeedStore {
        FeedStore(CompanyItems {
            client,
            table,
            kind: "F#",
        })
    }

    pub async fn put(&self, feed: &FeedConfig) -> Result<(), StoreError> {
        self.0.put(&feed.company_id, &feed.feed_id, feed).await
    }

    pub async fn get(
        &self,
        company_id: &str,
        feed_id: &str,
    ) -> Result<Option<FeedConfig>, StoreError> {
        self.0.get(company_id, feed_id).await
    }
}
