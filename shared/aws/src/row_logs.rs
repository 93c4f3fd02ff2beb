//! Pages of an import's row logs: failed rows are items of their own,
//! successful rows are row numbers in each chunk's compact log; a page
//! merges both in row order.

use crate::error::StoreError;
use crate::imports::{ChunkLog, FailedRowLog, RowLogStore};
use dic_core::ids::{CompanyId, ImportId};
use dic_core::validate::{RowError, RowWarning};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoggedOutcome {
    Created,
    Updated,
    Unchanged,
    Failed,
}

/// One row's logged outcome.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowLogEntry {
    pub row: u32,
    pub outcome: LoggedOutcome,
    pub errors: Vec<RowError>,
    pub warnings: Vec<RowWarning>,
}

impl From<FailedRowLog> for RowLogEntry {
    fn from(log: FailedRowLog) -> RowLogEntry {
        RowLogEntry {
            row: log.row.0,
            outcome: LoggedOutcome::Failed,
            errors: log.errors,
            warnings: log.warnings,
        }
    }
}

/// Successful rows after row `after` with the wanted outcome (any when
/// `None`), in row order, at most `limit`.
pub fn successes_after(
    logs: &[ChunkLog],
    outcome: Option<LoggedOutcome>,
    after: u32,
    limit: usize,
) -> Vec<RowLogEntry> {
    let wanted = |o: LoggedOutcome| outcome.is_none_or(|w| w == o);
    let mut rows: Vec<(u32, LoggedOutcome)> = Vec::new();
    for log in logs {
        for (outcome, numbers) in [
            (LoggedOutcome::Created, &log.created),
            (LoggedOutcome::Updated, &log.updated),
            (LoggedOutcome::Unchanged, &log.unchanged),
        ] {
            if wanted(outcome) {
                rows.extend(
                    numbers
                        .iter()
                        .filter(|&&n| n > after)
                        .map(|&n| (n, outcome)),
                );
            }
        }
    }
    rows.sort_unstable_by_key(|(n, _)| *n);
    rows.truncate(limit);
    rows.into_iter()
        .map(|(row, outcome)| RowLogEntry {
            row,
            outcome,
            errors: Vec::new(),
            warnings: logs
                .iter()
                .flat_map(|l| &l.warnings)
                .filter(|(n, _)| *n == row)
                .map(|(_, w)| w.clone())
                .collect(),
        })
        .collect()
}

/// Two row-ordered lists merged, cut at `limit`.
pub fn merge(a: Vec<RowLogEntry>, b: Vec<RowLogEntry>, limit: usize) -> Vec<RowLogEntry> {
    let mut all = a;
    all.extend(b);
    all.sort_by_key(|e| e.row);
    all.truncate(limit);
    all
}

/// A page of row logs after row `after`.
pub async fn row_page(
    logs: &RowLogStore,
    company_id: &CompanyId,
    import_id: &ImportId,
    outcome: Option<LoggedOutcome>,
    after: u32,
    limit: usize,
) -> Result<Vec<RowLogEntry>, StoreError> {
    let failed = if outcome.is_none_or(|o| o == LoggedOutcome::Failed) {
        logs.failed_rows_after(company_id, import_id, after, limit)
            .await?
            .into_iter()
            .map(RowLogEntry::from)
            .collect()
    } else {
        Vec::new()
    };
    if outcome == Some(LoggedOutcome::Failed) {
        return Ok(failed);
    }
    let chunks = logs.chunk_logs(company_id, import_id).await?;
    Ok(merge(
        failed,
        successes_after(&chunks, outcome, after, limit),
        limit,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use dic_core::validate::WarningCode;

    fn logs() -> Vec<ChunkLog> {
        let warning = RowWarning {
            code: WarningCode::LeadingZerosLost,
            column: Some(2),
            header: Some("Employee ID".into()),
            field: Some("employee_id".into()),
            value: "42".into(),
            message: "zeros".into(),
        };
        vec![
            ChunkLog {
                chunk_index: 1,
                created: vec![6, 8],
                updated: vec![7],
                unchanged: vec![],
                warnings: vec![(8, warning)],
            },
            ChunkLog {
                chunk_index: 0,
                created: vec![2, 5],
                updated: vec![],
                unchanged: vec![3],
                warnings: vec![],
            },
        ]
    }

    #[test]
    fn successes_come_in_row_order_after_the_cursor() {
        let page = successes_after(&logs(), None, 2, 3);
        let rows: Vec<(u32, LoggedOutcome)> = page.iter().map(|e| (e.row, e.outcome)).collect();
        assert_eq!(
            rows,
            [
                (3, LoggedOutcome::Unchanged),
                (5, LoggedOutcome::Created),
                (6, LoggedOutcome::Created)
            ]
        );
    }

    #[test]
    fn an_outcome_filter_keeps_only_its_rows_with_their_warnings() {
        let page = successes_after(&logs(), Some(LoggedOutcome::Created), 0, 10);
        let rows: Vec<u32> = page.iter().map(|e| e.row).collect();
        assert_eq!(rows, [2, 5, 6, 8]);
        assert_eq!(page[3].warnings.len(), 1);
        assert!(page[0].warnings.is_empty());
    }

    #[test]
    fn merged_pages_interleave_failed_rows_and_stop_at_the_limit() {
        let failed = vec![RowLogEntry {
            row: 4,
            outcome: LoggedOutcome::Failed,
            errors: vec![],
            warnings: vec![],
        }];
        let merged = merge(failed, successes_after(&logs(), None, 0, 4), 4);
        let rows: Vec<u32> = merged.iter().map(|e| e.row).collect();
        assert_eq!(rows, [2, 3, 4, 5]);
    }
}
