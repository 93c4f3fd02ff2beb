//! Every page of a DynamoDB query, for reads whose whole answer is needed.

use crate::error::{aws, StoreError};
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::types::AttributeValue;
use std::collections::HashMap;

pub(crate) type Item = HashMap<String, AttributeValue>;

pub(crate) async fn all_items(
    query: QueryFluentBuilder,
    operation: &'static str,
) -> Result<Vec<Item>, StoreError> {
    let pages = query
        .into_paginator()
        .items()
        .send()
        .collect::<Vec<_>>()
        .await;
    pages
        .into_iter()
        .map(|item| item.map_err(aws(operation)))
        .collect()
}
