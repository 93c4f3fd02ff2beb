//! The imports table: each import's status item, its chunk markers and its
//! row logs, in one partition per import. A store per job shares it: the
//! import's lifecycle, the split claims, the chunk ledger and the row logs.

mod claims;
mod ledger;
mod lifecycle;
mod logs;

pub use claims::{lease_expired_before, SplitClaims, StaleClaim, SPLIT_LEASE};
pub use ledger::{ChunkCount, ChunkLedger, ChunkState, Counter, Tally};
pub use lifecycle::{ImportStore, ListPosition, Start};
pub use logs::{ChunkLog, FailedRowLog, RowLogStore, WarningPart, ROW_LOG_DAYS};

pub(crate) use crate::error::written;
use crate::error::{aws, StoreError};
use crate::keys::imports as k;
use crate::model::ImportRecord;
use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use dic_core::ids::{CompanyId, ImportId};
use std::collections::HashMap;

/// The table the stores share: its client, its name, its items' keys.
#[derive(Clone, Debug)]
struct ImportTable {
    client: Client,
    table: String,
}

impl ImportTable {
    fn new(client: Client, table: String) -> ImportTable {
        ImportTable { client, table }
    }

    fn key(
        &self,
        company_id: &CompanyId,
        import_id: &ImportId,
        sk: &str,
    ) -> HashMap<String, AttributeValue> {
        HashMap::from([
            ("pk".to_string(), s(k::pk(company_id, import_id))),
            ("sk".to_string(), s(sk)),
        ])
    }

    /// An update of the import's status item.
    fn update_meta(&self, company_id: &CompanyId, import_id: &ImportId) -> UpdateItemFluentBuilder {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(self.key(company_id, import_id, k::META)))
    }

    /// The import's status item, read consistently.
    pub(super) async fn record(
        &self,
        company_id: &CompanyId,
        import_id: &ImportId,
    ) -> Result<Option<ImportRecord>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(self.key(company_id, import_id, k::META)))
            .consistent_read(true)
            .send()
            .await
            .map_err(aws("GetItem import"))?;
        Ok(match out.item {
            Some(item) => Some(serde_dynamo::from_item(item)?),
            None => None,
        })
    }
}

/// Sends an update whose only answer is that it was applied.
async fn send_update(
    update: UpdateItemFluentBuilder,
    operation: &'static str,
) -> Result<(), StoreError> {
    update.send().await.map_err(aws(operation))?;
    Ok(())
}

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}
