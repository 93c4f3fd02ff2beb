//! Claims on an import's split, so that a re-delivered S3 event does not
//! split one file twice, and a dead splitter's claim is found and retaken.

use super::{n, s, send_update, written, ImportTable};
use crate::error::StoreError;
use crate::keys::imports as k;
use crate::model::ImportStatus;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Utc};
use dic_core::ids::{CompanyId, ImportId};
use serde::Deserialize;
use std::time::Duration;

/// A split claimed longer ago than this is presumed dead and may be
/// retaken: just over the splitter's 300 s timeout, so that Lambda's retry
/// of a timed-out invocation finds the claim free.
pub const SPLIT_LEASE: Duration = Duration::from_secs(310);

/// Split claims taken before this time have outlived their lease.
pub fn lease_expired_before(now: DateTime<Utc>) -> DateTime<Utc> {
    now - chrono::Duration::from_std(SPLIT_LEASE).unwrap_or_default()
}

/// The split claims on the imports' status items.
#[derive(Clone, Debug)]
pub struct SplitClaims {
    t: ImportTable,
}

impl SplitClaims {
    pub fn new(client: Client, table: String) -> SplitClaims {
        SplitClaims {
            t: ImportTable::new(client, table),
        }
    }

    /// Claims the split of an import, so that a re-delivered S3 event does
    /// not split the same object twice. A claim older than [`SPLIT_LEASE`]
    /// belongs to a dead splitter and may be retaken.
    pub async fn claim_split(
        &self,
        company_id: &CompanyId,
        import_id: &ImportId,
    ) -> Result<bool, StoreError> {
        let now = chrono::Utc::now();
        let stale = lease_expired_before(now);
        let result = self
            .t
            .update_meta(company_id, import_id)
            .update_expression(
                "SET #split_claimed_at = :now, #updated_at = :now_text, #claim_pk = :claim_pk \
                 ADD #split_attempts :one",
            )
            .condition_expression(
                "attribute_exists(#pk) AND attribute_not_exists(#split_done) \
                 AND (attribute_not_exists(#split_claimed_at) OR #split_claimed_at < :stale) \
                 AND #status IN (:pending, :uploaded, :in_progress)",
            )
            .expression_attribute_names("#split_claimed_at", "split_claimed_at")
            .expression_attribute_names("#updated_at", "updated_at")
            .expression_attribute_names("#claim_pk", "claim_pk")
            .expression_attribute_names("#split_attempts", "split_attempts")
            .expression_attribute_values(":claim_pk", s(k::SPLIT_CLAIMS))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_names("#pk", "pk")
            .expression_attribute_names("#split_done", "split_done")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":now", n(now.timestamp()))
            .expression_attribute_values(":now_text", s(crate::model::now()))
            .expression_attribute_values(":stale", n(stale.timestamp()))
            .expression_attribute_values(":pending", s(ImportStatus::PendingUpload.as_str()))
            .expression_attribute_values(":uploaded", s(ImportStatus::Uploaded.as_str()))
            .expression_attribute_values(":in_progress", s(ImportStatus::InProgress.as_str()))
            .send()
            .await;
        written(result, "UpdateItem claim split")
    }

    /// Gives a claim back after an error, so that a retry may split.
    pub async fn release_split(
        &self,
        company_id: &CompanyId,
        import_id: &ImportId,
    ) -> Result<(), StoreError> {
        let update = self
            .t
            .update_meta(company_id, import_id)
            .update_expression("REMOVE #split_claimed_at")
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#split_claimed_at", "split_claimed_at")
            .expression_attribute_names("#pk", "pk");
        send_update(update, "UpdateItem release split").await
    }

    /// Marks the split complete: every chunk is on the queue.
    pub async fn split_done(
        &self,
        company_id: &CompanyId,
        import_id: &ImportId,
    ) -> Result<(), StoreError> {
        let update = self
            .t
            .update_meta(company_id, import_id)
            .update_expression("SET #split_done = :true REMOVE #split_claimed_at")
            .expression_attribute_names("#split_done", "split_done")
            .expression_attribute_names("#split_claimed_at", "split_claimed_at")
            .expression_attribute_values(":true", AttributeValue::Bool(true));
        send_update(update, "UpdateItem split done").await
    }

    /// Splits claimed before `before` and never finished: their splitter
    /// died (timeout, crash) without giving the claim back. Claims leave the
    /// sparse `by_split_claim` index as soon as `split_claimed_at` goes.
    pub async fn stale_split_claims(
        &self,
        before: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<StaleClaim>, StoreError> {
        let query = self
            .t
            .client
            .query()
            .table_name(&self.t.table)
            .index_name(k::SPLIT_CLAIMS_INDEX)
            .key_condition_expression("#claim_pk = :claims AND #split_claimed_at < :before")
            .expression_attribute_names("#claim_pk", "claim_pk")
            .expression_attribute_names("#split_claimed_at", "split_claimed_at")
            .expression_attribute_values(":claims", s(k::SPLIT_CLAIMS))
            .expression_attribute_values(":before", n(before.timestamp()));
        crate::paging::all_items(query, "Query stale split claims")
            .await?
            .into_iter()
            .map(|item| Ok(serde_dynamo::from_item(item)?))
            .collect()
    }

    /// Drops a stale claim on an import that needs no split any more (it
    /// ended, or its split was done): the claim only kept it in the index.
    pub async fn drop_stale_claim(
        &self,
        company_id: &CompanyId,
        import_id: &ImportId,
        before: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), StoreError> {
        let result = self
            .t
            .update_meta(company_id, import_id)
            .update_expression("REMOVE #split_claimed_at")
            .condition_expression("#split_claimed_at < :before")
            .expression_attribute_names("#split_claimed_at", "split_claimed_at")
            .expression_attribute_values(":before", n(before.timestamp()))
            .send()
            .await;
        written(result, "UpdateItem drop stale claim")?;
        Ok(())
    }
}

/// A split whose claim outlived its lease.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct StaleClaim {
    pub company_id: CompanyId,
    pub import_id: ImportId,
    /// Claims taken so far, this one included.
    #[serde(default)]
    pub split_attempts: u32,
}
