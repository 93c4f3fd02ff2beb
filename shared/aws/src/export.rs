//! The failed-rows export: an XLSX of an import's failed rows, put under
//! `exports/` and handed back as a presigned GET.

use crate::deps::Deps;
use crate::error::{aws, StoreError};
use crate::keys::export_key;
use aws_sdk_s3::presigning::PresigningConfig;
use dic_core::ids::{CompanyId, ImportId};
use dic_core::xlsx_out::{failed_rows_xlsx, ExportError as WorkbookError, FailedRow};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How long the download link works.
pub const LINK_LIFETIME: Duration = Duration::from_secs(15 * 60);
const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportRequest {
    pub company_id: CompanyId,
    pub import_id: ImportId,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportResponse {
    pub url: String,
    pub key: String,
    pub failed_rows: usize,
    pub expires_in_seconds: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("import {0} does not exist")]
    NoSuchImport(String),
    #[error("import {0} has not read its file yet, so it has no rows to export")]
    NotRead(String),
    #[error(transparent)]
    Workbook(#[from] WorkbookError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub async fn export_failed_rows(
    request: ExportRequest,
    deps: &Deps,
) -> Result<ExportResponse, ExportError> {
    let ExportRequest {
        company_id,
        import_id,
    } = request;
    let import = deps
        .imports
        .get(&company_id, &import_id)
        .await?
        .ok_or_else(|| ExportError::NoSuchImport(import_id.to_string()))?;
    let headers = import
        .analysis
        .map(|a| a.headers.names)
        .ok_or_else(|| ExportError::NotRead(import_id.to_string()))?;
    let rows: Vec<FailedRow> = deps
        .logs
        .failed_rows(&company_id, &import_id)
        .await?
        .into_iter()
        .map(|log| FailedRow {
            number: log.row,
            cells: log.cells.iter().map(str::to_string).collect(),
            errors: log.errors,
        })
        .collect();
    let workbook = failed_rows_xlsx(&headers, &rows)?;
    let key = export_key(&company_id, &import_id);
    let s3 = &deps.clients.s3;
    s3.put_object()
        .bucket(&deps.resources.data_bucket)
        .key(&key)
        .content_type(XLSX_TYPE)
        .content_disposition("attachment; filename=\"failed-rows.xlsx\"")
        .body(workbook.into())
        .send()
        .await
        .map_err(aws("PutObject export"))?;
    let presigning =
        PresigningConfig::expires_in(LINK_LIFETIME).map_err(aws("PresigningConfig"))?;
    let url = s3
        .get_object()
        .bucket(&deps.resources.data_bucket)
        .key(&key)
        .presigned(presigning)
        .await
        .map_err(aws("presign GetObject export"))?
        .uri()
        .to_string();
    Ok(ExportResponse {
        url,
        key,
        failed_rows: rows.len(),
        expires_in_seconds: LINK_LIFETIME.as_secs(),
    })
}
