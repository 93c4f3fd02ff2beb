//! An import's lifecycle: created, waiting for a mapping, begun, started,
//! failed; and the company's list of imports.

use super::lease_expired_before;
use super::{n, s, send_update, written, ImportTable};
use crate::error::{aws, StoreError};
use crate::keys::imports as k;
use crate::model::stored_time;
use crate::model::{ImportRecord, ImportStatus};
use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Utc};
use dic_core::ids::{CompanyId, ImportId};
use dic_core::mapping::Mapping;
use dic_core::prepare::Analysis;
use dic_core::template::ImportSettings;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Each import's status item.
#[derive(Clone, Debug)]
pub struct ImportStore {
    t: ImportTable,
}

impl ImportStore {
    pub fn new(client: Client, table: String) -> ImportStore {
        ImportStore {
            t: ImportTable::new(client, table),
        }
    }

    pub async fn get(
        &self,
        company_id: &CompanyId,
        import_id: &ImportId,
    ) -> Result<Option<ImportRecord>, StoreError> {
        self.t.record(company_id, import_id).await
    }

    /// Stores a new import; `false` when one with this id exists already.
    pub async fn create(&self, record: &ImportRecord) -> Result<bool, StoreError> {
        let mut item: HashMap<String, AttributeValue> = serde_dynamo::to_item(record)?;
        item.extend(self.t.key(&record.company_id, &record.import_id, k::META));
        item.insert("gsi1pk".into(), s(k::company(&record.company_id)));
        item.insert(
            "gsi1sk".into(),
            s(k::company_sort(&record.created_at, &record.import_id)),
        );
        let result = self
            .t
            .client
            .put_item()
            .table_name(&self.t.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", "pk")
            .send()
            .await;
        written(result, "PutItem import")
    }

    /// Stores what the splitter learned and waits for a complete mapping;
    /// the claim is released so that the start command can resume the split.
    pub async fn await_mapping(
        &self,
        company_id: &CompanyId,
        import_id: &ImportId,
        analysis: &Analysis,
    ) -> Result<(), StoreError> {
        let update = self
            .t
            .update_meta(company_id, import_id)
            .update_expression(
                "SET #analysis = :analysis, #status = :uploaded, #updated_at = :now \
                 REMOVE #split_claimed_at, #split_attempts",
            )
            .expression_attribute_names("#split_attempts", "split_attempts")
            .expression_attribute_names("#analysis", "analysis")
            .expression_attribute_names("#updated_at", "updated_at")
            .expression_attribute_names("#split_claimed_at", "split_claimed_at")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":analysis", serde_dynamo::to_attribute_value(analysis)?)
            .expression_attribute_values(":uploaded", s(ImportStatus::Uploaded.as_str()))
            .expression_attribute_values(":now", s(crate::model::now()));
        send_update(update, "UpdateItem await mapping").await
    }

    /// Sets the mapping and settings an import will run with.
    pub async fn set_mapping(
        &self,
        company_id: &CompanyId,
        import_id: &ImportId,
        mapping: &Mapping,
        settings: &ImportSettings,
    ) -> Result<(), StoreError> {
        let update = self
            .t
            .update_meta(company_id, import_id)
            .update_expression("SET #mapping = :mapping, #settings = :settings, #updated_at = :now")
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#mapping", "mapping")
            .expression_attribute_names("#settings", "settings")
            .expression_attribute_names("#updated_at", "updated_at")
            .expression_attribute_names("#pk", "pk")
            .expression_attribute_values(":mapping", serde_dynamo::to_attribute_value(mapping)?)
            .expression_attribute_values(":settings", serde_dynamo::to_attribute_value(settings)?)
            .expression_attribute_values(":now", s(crate::model::now()));
        send_update(update, "UpdateItem mapping").await
    }

    /// Confirms the mapping an import waiting at `Uploaded` runs with, once:
    /// `false` when it is not waiting (not uploaded yet, or started before).
    pub async fn begin(
        &self,
        company_id: &CompanyId,
        import_id: &ImportId,
        start: &Start<'_>,
    ) -> Result<bool, StoreError> {
        let now = crate::model::now();
        let mut set = "SET #mapping = :mapping, #settings = :settings, #started_by = :by, \
                       #started_at = :now, #updated_at = :now"
            .to_string();
        if start.template_id.is_some() {
            set.push_str(", #template_id = :template");
        }
        let mut update = self
            .t.update_meta(company_id, import_id)
            .update_expression(set)
            .condition_expression(
                "attribute_exists(#pk) AND #status = :uploaded AND attribute_not_exists(#started_at)",
            )
            .expression_attribute_names("#mapping", "mapping")
            .expression_attribute_names("#settings", "settings")
            .expression_attribute_names("#started_by", "started_by")
            .expression_attribute_names("#started_at", "started_at")
            .expression_attribute_names("#updated_at", "updated_at")
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#pk", "pk")
            .expression_attribute_values(":mapping", serde_dynamo::to_attribute_value(start.mapping)?)
            .expression_attribute_values(":settings", serde_dynamo::to_attribute_value(start.settings)?)
            .expression_attribute_values(":by", s(start.started_by))
            .expression_attribute_values(":now", s(now))
            .expression_attribute_values(":uploaded", s(ImportStatus::Uploaded.as_str()));
        if let Some(template_id) = start.template_id {
            update = update
                .expression_attribute_names("#template_id", "template_id")
                .expression_attribute_values(":template", s(template_id));
        }
        written(update.send().await, "UpdateItem begin import")
    }

    /// Takes a start back after its split could not run, so that the admin
    /// can start again.
    pub async fn unbegin(
        &self,
        company_id: &CompanyId,
        import_id: &ImportId,
    ) -> Result<(), StoreError> {
        let update = self
            .t
            .update_meta(company_id, import_id)
            .update_expression("REMOVE #started_at, #started_by")
            .condition_expression("attribute_exists(#pk) AND #status = :uploaded")
            .expression_attribute_names("#started_at", "started_at")
            .expression_attribute_names("#started_by", "started_by")
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#pk", "pk")
            .expression_attribute_values(":uploaded", s(ImportStatus::Uploaded.as_str()));
        send_update(update, "UpdateItem unbegin import").await
    }

    /// Records the totals and moves the import to `In Progress`, before any
    /// chunk is sent, so that the last chunk counted can tell it is last.
    pub async fn start(
        &self,
        company_id: &CompanyId,
        import_id: &ImportId,
        rows_total: u64,
        chunk_count: u64,
        analysis: &Analysis,
    ) -> Result<(), StoreError> {
        let update = self
            .t
            .update_meta(company_id, import_id)
            .update_expression(
                "SET #status = :in_progress, #rows_total = :rows, #chunk_count = :chunks, #analysis = :analysis, \
                 #updated_at = :now, #created = if_not_exists(#created, :zero), #updated = if_not_exists(#updated, :zero), \
                 #unchanged = if_not_exists(#unchanged, :zero), #failed = if_not_exists(#failed, :zero), \
                 #chunks_done = if_not_exists(#chunks_done, :zero)",
            )
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#rows_total", "rows_total")
            .expression_attribute_names("#chunk_count", "chunk_count")
            .expression_attribute_names("#analysis", "analysis")
            .expression_attribute_names("#updated_at", "updated_at")
            .expression_attribute_names("#created", "created")
            .expression_attribute_names("#updated", "updated")
            .expression_attribute_names("#unchanged", "unchanged")
            .expression_attribute_names("#failed", "failed")
            .expression_attribute_names("#chunks_done", "chunks_done")
            .expression_attribute_names("#pk", "pk")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":in_progress", s(ImportStatus::InProgress.as_str()))
            .expression_attribute_values(":rows", n(rows_total))
            .expression_attribute_values(":chunks", n(chunk_count))
            .expression_attribute_values(":analysis", serde_dynamo::to_attribute_value(analysis)?)
            .expression_attribute_values(":now", s(crate::model::now()))
            .expression_attribute_values(":zero", n(0));
        send_update(update, "UpdateItem start import").await
    }

    /// Ends an import as `Failed` with a reason the admin can act on,
    /// unless it already ended.
    pub async fn fail(
        &self,
        company_id: &CompanyId,
        import_id: &ImportId,
        code: &str,
        reason: &str,
    ) -> Result<(), StoreError> {
        let result = self
            .fail_update(company_id, import_id, code, reason)
            .condition_expression(
                "attribute_exists(#pk) AND NOT #status IN (:finished, :with_errors, :failed)",
            )
            .send()
            .await;
        written(result, "UpdateItem fail import")?;
        Ok(())
    }

    /// Ends as `Failed` an import whose split request exhausted its
    /// retries, unless it ended, its split was done (a later delivery or
    /// the sweeper did it), or a split holds a live claim on it (the
    /// sweeper fails or resumes that one). `true` when it was failed.
    pub async fn fail_unsplit(
        &self,
        company_id: &CompanyId,
        import_id: &ImportId,
        code: &str,
        reason: &str,
    ) -> Result<bool, StoreError> {
        let stale = lease_expired_before(Utc::now());
        let result = self
            .fail_update(company_id, import_id, code, reason)
            .condition_expression(
                "attribute_exists(#pk) AND NOT #status IN (:finished, :with_errors, :failed) \
                 AND attribute_not_exists(#split_done) \
                 AND (attribute_not_exists(#split_claimed_at) OR #split_claimed_at < :stale)",
            )
            .expression_attribute_values(":stale", n(stale.timestamp()))
            .send()
            .await;
        written(result, "UpdateItem fail unsplit import")
    }

    /// The update that ends an import as `Failed`; callers add the
    /// condition. It marks the split done, so no later delivery splits it.
    fn fail_update(
        &self,
        company_id: &CompanyId,
        import_id: &ImportId,
        code: &str,
        reason: &str,
    ) -> UpdateItemFluentBuilder {
        let now = crate::model::now();
        self.t.update_meta(company_id, import_id)
            .update_expression(
                "SET #status = :failed, #reason = :reason, #reason_code = :code, #finished_at = :now, \
                 #updated_at = :now, #split_done = :true REMOVE #split_claimed_at",
            )
            .expression_attribute_names("#reason", "reason")
            .expression_attribute_names("#reason_code", "reason_code")
            .expression_attribute_names("#finished_at", "finished_at")
            .expression_attribute_names("#updated_at", "updated_at")
            .expression_attribute_names("#split_done", "split_done")
            .expression_attribute_names("#split_claimed_at", "split_claimed_at")
            .expression_attribute_names("#pk", "pk")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":failed", s(ImportStatus::Failed.as_str()))
            .expression_attribute_values(":finished", s(ImportStatus::Finished.as_str()))
            .expression_attribute_values(":with_errors", s(ImportStatus::FinishedWithErrors.as_str()))
            .expression_attribute_values(":reason", s(reason))
            .expression_attribute_values(":code", s(code))
            .expression_attribute_values(":now", s(now))
            .expression_attribute_values(":true", AttributeValue::Bool(true))
    }

    /// One page of a company's imports, newest first, optionally of one
    /// status; the cursor continues after the last import returned.
    pub async fn list(
        &self,
        company_id: &CompanyId,
        status: Option<ImportStatus>,
        after: Option<&ListPosition>,
        limit: usize,
    ) -> Result<(Vec<ImportRecord>, Option<ListPosition>), StoreError> {
        let limit = limit.max(1);
        let mut found = Vec::with_capacity(limit);
        let mut start = after.map(|p| p.key(company_id));
        loop {
            let mut query = self
                .t
                .client
                .query()
                .table_name(&self.t.table)
                .index_name("by_company")
                .key_condition_expression("#gsi1pk = :company")
                .expression_attribute_names("#gsi1pk", "gsi1pk")
                .expression_attribute_values(":company", s(k::company(company_id)))
                .scan_index_forward(false)
                .limit((limit - found.len()) as i32)
                .set_exclusive_start_key(start.take());
            if let Some(status) = status {
                query = query
                    .filter_expression("#status = :status")
                    .expression_attribute_names("#status", "status")
                    .expression_attribute_values(":status", s(status.as_str()));
            }
            let out = query.send().await.map_err(aws("Query imports"))?;
            for item in out.items.unwrap_or_default() {
                found.push(serde_dynamo::from_item::<_, ImportRecord>(item)?);
            }
            start = out.last_evaluated_key;
            if found.len() >= limit || start.is_none() {
                break;
            }
        }
        // A full page may be the last one; the next call then finds nothing.
        let next = found
            .last()
            .filter(|_| found.len() >= limit)
            .map(ListPosition::after);
        Ok((found, next))
    }

    /// A company's imports of the object `key`, created at `since` or
    /// later, whose split was never done. Finds a feed file's import from
    /// its S3 event without knowing how its id was made.
    pub async fn unsplit_imports_of(
        &self,
        company_id: &CompanyId,
        key: &str,
        since: DateTime<Utc>,
    ) -> Result<Vec<ImportRecord>, StoreError> {
        let query = self
            .t
            .client
            .query()
            .table_name(&self.t.table)
            .index_name("by_company")
            .key_condition_expression("#gsi1pk = :company AND #gsi1sk >= :since")
            .filter_expression("#object_key = :key AND attribute_not_exists(#split_done)")
            .expression_attribute_names("#gsi1pk", "gsi1pk")
            .expression_attribute_names("#gsi1sk", "gsi1sk")
            .expression_attribute_names("#object_key", "object_key")
            .expression_attribute_names("#split_done", "split_done")
            .expression_attribute_values(":company", s(k::company(company_id)))
            .expression_attribute_values(":since", s(stored_time::text(&since)))
            .expression_attribute_values(":key", s(key));
        crate::paging::all_items(query, "Query imports of an object")
            .await?
            .into_iter()
            .map(|item| Ok(serde_dynamo::from_item(item)?))
            .collect()
    }
}

/// Where a page of the imports list ended: the index's sort key and the
/// import, enough to rebuild DynamoDB's start key for this company only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListPosition {
    #[serde(with = "crate::model::stored_time")]
    pub created_at: DateTime<Utc>,
    pub import_id: ImportId,
}

impl ListPosition {
    fn after(import: &ImportRecord) -> ListPosition {
        ListPosition {
            created_at: import.created_at,
            import_id: import.import_id.clone(),
        }
    }

    fn key(&self, company_id: &CompanyId) -> HashMap<String, AttributeValue> {
        HashMap::from([
            ("gsi1pk".to_string(), s(k::company(company_id))),
            (
                "gsi1sk".to_string(),
                s(k::company_sort(&self.created_at, &self.import_id)),
            ),
            ("pk".to_string(), s(k::pk(company_id, &self.import_id))),
            ("sk".to_string(), s(k::META)),
        ])
    }
}

/// What the admin confirmed when starting an import.
#[derive(Clone, Copy, Debug)]
pub struct Start<'a> {
    pub mapping: &'a Mapping,
    pub settings: &'a ImportSettings,
    pub template_id: Option<&'a str>,
    pub started_by: &'a str,
}
