//! Row logs: each failed row an item of its own, each counted chunk's
//! successful rows in one compact item (written with its count, see the
//! ledger), and warnings that outgrow that item in parts beside it.

use super::{n, s, ImportTable, Tally};
use crate::error::{aws, request, StoreError};
use crate::keys::imports as k;
use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use aws_sdk_dynamodb::Client;
use dic_core::ids::{CompanyId, ImportId};
use dic_core::validate::{RowError, RowWarning};
use dic_core::{Cells, RowNumber};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Row logs expire after this long (the table's TTL attribute `expires_at`).
pub const ROW_LOG_DAYS: i64 = 90;

/// A failed row as logged: enough to list it and to export it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedRowLog {
    pub row: RowNumber,
    pub chunk_index: u32,
    pub cells: Cells,
    pub errors: Vec<RowError>,
    #[serde(default)]
    pub warnings: Vec<RowWarning>,
}

/// The compact log of a chunk's successful rows: row numbers per outcome.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkLog {
    pub chunk_index: u32,
    pub created: Vec<u32>,
    pub updated: Vec<u32>,
    pub unchanged: Vec<u32>,
    /// Warnings of rows that imported, by row.
    #[serde(default)]
    pub warnings: Vec<(u32, RowWarning)>,
}

/// Warnings of a chunk's successful rows that its log has no room for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WarningPart {
    pub chunk_index: u32,
    pub part: u32,
    pub warnings: Vec<(u32, RowWarning)>,
}

/// How much of DynamoDB's 400 KB item a row log item may fill.
const LOG_ITEM_BYTES: usize = 300 * 1024;

impl ChunkLog {
    /// What the chunk adds to the counters: the rows its log names, and its
    /// `failed` rows, so that counters and logs cannot disagree.
    pub fn tally(&self, failed: usize) -> Tally {
        Tally {
            created: self.created.len() as u64,
            updated: self.updated.len() as u64,
            unchanged: self.unchanged.len() as u64,
            failed: failed as u64,
        }
    }

    /// Moves the warnings that would not fit the log's item into parts of
    /// their own, so that a chunk of many warned rows still logs.
    pub fn spill_warnings(&mut self) -> Vec<WarningPart> {
        let rows = self.created.len() + self.updated.len() + self.unchanged.len();
        let sizes: Vec<usize> = self
            .warnings
            .iter()
            .map(|w| serde_json::to_string(w).map_or(LOG_ITEM_BYTES, |t| t.len() + 1))
            .collect();
        let mut used = 128 + rows * 11;
        let keep = sizes
            .iter()
            .take_while(|&&size| {
                used += size;
                used <= LOG_ITEM_BYTES
            })
            .count();
        let mut parts: Vec<WarningPart> = Vec::new();
        let mut part_bytes = 0;
        for (warning, size) in self.warnings.drain(keep..).zip(&sizes[keep..]) {
            match parts.last_mut() {
                Some(part) if part_bytes + size <= LOG_ITEM_BYTES => {
                    part.warnings.push(warning);
                    part_bytes += size;
                }
                _ => {
                    parts.push(WarningPart {
                        chunk_index: self.chunk_index,
                        part: parts.len() as u32,
                        warnings: vec![warning],
                    });
                    part_bytes = *size;
                }
            }
        }
        parts
    }
}

/// The row log items of the imports' partitions.
#[derive(Clone, Debug)]
pub struct RowLogStore {
    t: ImportTable,
}

impl RowLogStore {
    pub fn new(client: Client, table: String) -> RowLogStore {
        RowLogStore {
            t: ImportTable::new(client, table),
        }
    }

    /// Writes a chunk's failed rows and the warnings its log of successful
    /// rows has no room for, before the chunk is counted. Puts with fixed
    /// keys: a retry overwrites the same items, so no row is logged twice.
    pub async fn write_row_logs(
        &self,
        company_id: &CompanyId,
        import_id: &ImportId,
        failed: &[FailedRowLog],
        overflow: &[WarningPart],
    ) -> Result<(), StoreError> {
        let expires_at = log_expiry();
        let mut requests = Vec::with_capacity(failed.len() + overflow.len());
        for row in failed {
            let mut item = self.t.key(company_id, import_id, &k::failed_row(row.row.0));
            item.insert("row".into(), n(row.row.0));
            item.insert("log".into(), s(serde_json::to_string(row)?));
            item.insert("expires_at".into(), n(expires_at));
            requests.push(put_request(item)?);
        }
        for part in overflow {
            let sk = k::chunk_log_part(part.chunk_index, part.part);
            let mut item = self.t.key(company_id, import_id, &sk);
            item.insert("log".into(), s(serde_json::to_string(&part.warnings)?));
            item.insert("expires_at".into(), n(expires_at));
            requests.push(put_request(item)?);
        }
        crate::batch::write_all(&self.t.client, &self.t.table, requests).await
    }

    /// Every failed row of an import, in row order.
    pub async fn failed_rows(
        &self,
        company_id: &CompanyId,
        import_id: &ImportId,
    ) -> Result<Vec<FailedRowLog>, StoreError> {
        let items = self
            .query_prefix(company_id, import_id, k::FAILED_PREFIX)
            .await?;
        failed_row_logs(items)
    }

    /// Every counted chunk's compact log of successful rows, with the
    /// warnings kept beside it. Parts of a chunk that was never counted by
    /// its processor (a dead letter counted it instead) are left out.
    pub async fn chunk_logs(
        &self,
        company_id: &CompanyId,
        import_id: &ImportId,
    ) -> Result<Vec<ChunkLog>, StoreError> {
        let items = self
            .query_prefix(company_id, import_id, k::CHUNK_LOG_PREFIX)
            .await?;
        let mut logs: Vec<ChunkLog> = Vec::new();
        let mut parts: HashMap<u32, Vec<(u32, RowWarning)>> = HashMap::new();
        for item in items {
            let sk = item.get("sk").and_then(|v| v.as_s().ok());
            match sk.and_then(|sk| k::chunk_log_part_of(sk)) {
                Some(chunk) => parts
                    .entry(chunk)
                    .or_default()
                    .extend(serde_json::from_str::<Vec<(u32, RowWarning)>>(log_text(
                        &item,
                    )?)?),
                None => logs.push(serde_json::from_str(log_text(&item)?)?),
            }
        }
        for log in &mut logs {
            if let Some(warnings) = parts.remove(&log.chunk_index) {
                log.warnings.extend(warnings);
            }
        }
        Ok(logs)
    }

    /// Failed rows after row `after`, in row order, at most `limit`.
    pub async fn failed_rows_after(
        &self,
        company_id: &CompanyId,
        import_id: &ImportId,
        after: u32,
        limit: usize,
    ) -> Result<Vec<FailedRowLog>, StoreError> {
        let out = self
            .t
            .client
            .query()
            .table_name(&self.t.table)
            .key_condition_expression("#pk = :pk AND #sk BETWEEN :from AND :to")
            .expression_attribute_names("#pk", "pk")
            .expression_attribute_names("#sk", "sk")
            .expression_attribute_values(":pk", s(k::pk(company_id, import_id)))
            .expression_attribute_values(":from", s(k::failed_row(after.saturating_add(1))))
            .expression_attribute_values(":to", s(k::failed_row(u32::MAX)))
            .consistent_read(true)
            .limit(limit.max(1) as i32)
            .send()
            .await
            .map_err(aws("Query failed rows"))?;
        failed_row_logs(out.items.unwrap_or_default())
    }

    async fn query_prefix(
        &self,
        company_id: &CompanyId,
        import_id: &ImportId,
        prefix: &str,
    ) -> Result<Vec<HashMap<String, AttributeValue>>, StoreError> {
        let query = self
            .t
            .client
            .query()
            .table_name(&self.t.table)
            .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
            .expression_attribute_names("#pk", "pk")
            .expression_attribute_names("#sk", "sk")
            .expression_attribute_values(":pk", s(k::pk(company_id, import_id)))
            .expression_attribute_values(":prefix", s(prefix))
            .consistent_read(true);
        crate::paging::all_items(query, "Query row logs").await
    }
}

/// When a row log written now expires (the table's TTL).
pub(super) fn log_expiry() -> i64 {
    (chrono::Utc::now() + chrono::Duration::days(ROW_LOG_DAYS)).timestamp()
}

/// Failed rows' log items, read.
fn failed_row_logs(
    items: Vec<HashMap<String, AttributeValue>>,
) -> Result<Vec<FailedRowLog>, StoreError> {
    items
        .iter()
        .map(|item| Ok(serde_json::from_str(log_text(item)?)?))
        .collect()
}

fn log_text(item: &HashMap<String, AttributeValue>) -> Result<&str, StoreError> {
    item.get("log")
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
        .ok_or_else(|| StoreError::Incomplete("a row log item has no log".into()))
}

fn put_request(item: HashMap<String, AttributeValue>) -> Result<WriteRequest, StoreError> {
    let put = PutRequest::builder()
        .set_item(Some(item))
        .build()
        .map_err(request("PutRequest"))?;
    Ok(WriteRequest::builder().put_request(put).build())
}

#[cfg(test)]
mod tests {
    use super::*;
    use dic_core::validate::WarningCode;

    fn warning(message: String) -> RowWarning {
        RowWarning {
            code: WarningCode::ScientificNotation,
            column: Some(6),
            header: Some("Employee ID".into()),
            field: Some("employee_id".into()),
            value: "1.23E+10".into(),
            message,
        }
    }

    /// The sizes the items are written with: the log as a whole, a part
    /// as its list of warnings.
    fn log_bytes(log: &ChunkLog) -> usize {
        serde_json::to_string(log).unwrap().len()
    }

    fn part_bytes(part: &WarningPart) -> usize {
        serde_json::to_string(&part.warnings).unwrap().len()
    }

    #[test]
    fn a_small_log_keeps_its_warnings() {
        let mut log = ChunkLog {
            chunk_index: 3,
            created: (2..200).collect(),
            updated: vec![200, 201],
            unchanged: vec![202],
            warnings: (2..12).map(|row| (row, warning("short".into()))).collect(),
        };
        let before = log.clone();
        assert!(log.spill_warnings().is_empty());
        assert_eq!(log, before);
    }

    #[test]
    fn warnings_beyond_an_item_spill_into_numbered_parts_that_each_fit() {
        // 250 rows, each with a warning of about 5 KB: some 1.25 MB, far
        // more than one DynamoDB item (400 KB) holds.
        let rows: Vec<u32> = (1_000_000..1_000_250).collect();
        let warnings: Vec<(u32, RowWarning)> = rows
            .iter()
            .map(|&row| (row, warning(format!("{row}: {}", "x".repeat(5_000)))))
            .collect();
        let mut log = ChunkLog {
            chunk_index: 12,
            created: rows[..100].to_vec(),
            updated: rows[100..200].to_vec(),
            unchanged: rows[200..].to_vec(),
            warnings: warnings.clone(),
        };
        assert!(log_bytes(&log) > 400 * 1024);
        let parts = log.spill_warnings();

        assert!(parts.len() >= 3, "{} parts", parts.len());
        assert!(log_bytes(&log) <= 300 * 1024, "log: {}", log_bytes(&log));
        for (number, part) in parts.iter().enumerate() {
            assert_eq!(part.part, number as u32, "parts are numbered 0, 1, 2…");
            assert_eq!(part.chunk_index, 12);
            assert!(!part.warnings.is_empty());
            assert!(
                part_bytes(part) <= 300 * 1024,
                "part {number}: {}",
                part_bytes(part)
            );
        }
        // The rows stay in the log; every warning is kept once, in order.
        assert_eq!(
            log.created.len() + log.updated.len() + log.unchanged.len(),
            250
        );
        let kept: Vec<(u32, RowWarning)> = log
            .warnings
            .iter()
            .chain(parts.iter().flat_map(|p| &p.warnings))
            .cloned()
            .collect();
        assert_eq!(kept, warnings);
    }

    #[test]
    fn a_log_just_over_an_item_spills_only_what_does_not_fit() {
        // Each warning about 1 KB: 400 of them are some 400 KB.
        let mut log = ChunkLog {
            chunk_index: 0,
            created: (2..402).collect(),
            warnings: (2..402)
                .map(|row| (row, warning("y".repeat(900))))
                .collect(),
            ..ChunkLog::default()
        };
        let all = log.warnings.clone();
        let parts = log.spill_warnings();
        assert_eq!(parts.len(), 1);
        assert!(log_bytes(&log) <= 300 * 1024);
        // The log is filled before anything spills.
        assert!(log_bytes(&log) > 250 * 1024, "{}", log_bytes(&log));
        assert_eq!(log.warnings.len() + parts[0].warnings.len(), all.len());
        assert_eq!(parts[0].warnings[..], all[log.warnings.len()..]);
    }
}
