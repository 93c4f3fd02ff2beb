//! The API's request and response bodies, shared with the `dic` client so
//! that both ends read the same shapes.

use chrono::{DateTime, Utc};
use dic_aws::imports::FailedRowLog;
use dic_aws::model::{ImportRecord, ImportSource, ImportStatus};
use dic_aws::upload_form::UploadForm;
use dic_core::headers::HeaderProblem;
use dic_core::ids::ImportId;
use dic_core::mapping::{Mapping, MatchReason};
use dic_core::prepare::{Analysis, FileFormat};
use dic_core::template::{ImportSettings, Template};
use dic_core::validate::{RowError, RowWarning};
use dic_core::Entity;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `POST /imports`
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateImport {
    pub entity: Option<Entity>,
    pub file_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mapping: Option<Mapping>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings: Option<ImportSettings>,
    /// The import whose failed rows this upload corrects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corrects: Option<ImportId>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CreatedImport {
    pub import_id: String,
    /// Post the file with these form fields, the file last, as `file`.
    pub upload: UploadForm,
    pub max_bytes: u64,
    pub expires_in_seconds: u64,
}

/// `POST /imports/{id}/preview` and `/start`: a mapping, or a template.
pub use dic_aws::import_cases::MappingChoice;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub total: u64,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub failed: u64,
    /// Rows counted so far (all of them once the import ends).
    pub processed: u64,
}

/// An import as the API shows it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ImportView {
    pub import_id: String,
    pub entity: Entity,
    /// `pending_upload`, `uploaded`, `in_progress`, `finished`,
    /// `finished_with_errors` or `failed`.
    pub status: ImportStatus,
    /// What an admin reads: `Finished with Errors`…
    pub status_label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_code: Option<String>,
    pub file_name: String,
    pub source: ImportSource,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feed_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corrects: Option<String>,
    /// `csv` or `xlsx`, once the file is read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    pub counts: Counts,
    pub settings: ImportSettings,
    #[serde(with = "dic_aws::model::stored_time")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "dic_aws::model::stored_time")]
    pub updated_at: DateTime<Utc>,
    #[serde(
        default,
        with = "dic_aws::model::stored_time::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(
        default,
        with = "dic_aws::model::stored_time::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub finished_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_by: Option<String>,
}

/// Format, encoding and delimiter as short words (`csv`, `utf8`, `comma`).
pub fn format_words(format: &FileFormat) -> (String, Option<String>, Option<String>) {
    match format {
        FileFormat::Xlsx => ("xlsx".into(), None, None),
        FileFormat::Csv {
            encoding,
            delimiter,
        } => ("csv".into(), word(encoding), word(delimiter)),
    }
}

/// A unit enum's wire name (`invalid_email`, `created`, `comma`).
pub fn word<T: Serialize>(value: &T) -> Option<String> {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
}

impl From<ImportRecord> for ImportView {
    fn from(import: ImportRecord) -> ImportView {
        let (format, encoding, delimiter) =
            match import.analysis.as_ref().map(|a| format_words(&a.format)) {
                Some((format, encoding, delimiter)) => (Some(format), encoding, delimiter),
                None => (None, None, None),
            };
        let c = import.counters;
        ImportView {
            import_id: import.import_id.into(),
            entity: import.entity,
            status: import.status,
            status_label: import.status.label().to_string(),
            reason: import.reason,
            reason_code: import.reason_code,
            file_name: import.file_name,
            source: import.source,
            feed_id: import.feed_id,
            template_id: import.template_id,
            corrects: import.corrects.map(String::from),
            format,
            encoding,
            delimiter,
            counts: Counts {
                total: c.rows_total,
                created: c.created,
                updated: c.updated,
                unchanged: c.unchanged,
                failed: c.failed,
                processed: c.rows_done(),
            },
            settings: import.settings,
            created_at: import.created_at,
            updated_at: import.updated_at,
            started_at: import.started_at,
            finished_at: import.finished_at,
            created_by: import.created_by,
            started_by: import.started_by,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ImportPage {
    pub imports: Vec<ImportView>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// `GET /imports/{id}/analysis`
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AnalysisView {
    pub import_id: String,
    pub entity: Entity,
    pub format: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    pub headers: Vec<String>,
    pub header_problems: Vec<HeaderProblem>,
    pub row_count: usize,
    pub sample_rows: Vec<SampleRow>,
    pub suggestions: Vec<SuggestionView>,
    /// The suggestions an admin would accept as they are (confidence ≥ 0.5).
    pub suggested_mapping: Mapping,
    /// Mandatory fields the suggested mapping leaves unmapped, by id.
    pub missing_mandatory: Vec<String>,
    pub warnings: Vec<String>,
    /// Saved templates of this entity whose mapped headers are all in the
    /// file, best fit first.
    pub templates: Vec<TemplateFit>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SampleRow {
    pub row: u32,
    pub cells: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SuggestionView {
    pub column: usize,
    pub header: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    pub confidence: f32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<MatchReason>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TemplateFit {
    pub template_id: String,
    pub name: String,
    /// Share of the file's headers the template knows, 0.0 to 1.0.
    pub fit: f32,
}

/// Mapping suggestions at or above this confidence are taken as they are.
pub const ACCEPT_CONFIDENCE: f32 = 0.5;

impl AnalysisView {
    pub fn new(
        import_id: &str,
        entity: Entity,
        analysis: &Analysis,
        templates: Vec<TemplateFit>,
    ) -> AnalysisView {
        let (format, encoding, delimiter) = format_words(&analysis.format);
        let suggested_mapping =
            dic_core::mapping::suggested_mapping(&analysis.suggestions, ACCEPT_CONFIDENCE);
        AnalysisView {
            import_id: import_id.to_string(),
            entity,
            format,
            encoding,
            delimiter,
            headers: analysis.headers.names.clone(),
            header_problems: analysis.headers.problems.clone(),
            row_count: analysis.row_count,
            sample_rows: analysis
                .sample_rows
                .iter()
                .map(|row| SampleRow {
                    row: row.number.0,
                    cells: row.cells.iter().map(str::to_string).collect(),
                })
                .collect(),
            suggestions: analysis
                .suggestions
                .iter()
                .map(|s| SuggestionView {
                    column: s.column,
                    header: s.header.clone(),
                    label: s
                        .field
                        .as_deref()
                        .and_then(|id| entity.field(id))
                        .map(|f| f.label.to_string()),
                    field: s.field.clone(),
                    confidence: s.confidence,
                    reason: s.reason,
                })
                .collect(),
            missing_mandatory: suggested_mapping
                .missing_mandatory(entity)
                .iter()
                .map(|f| f.id.to_string())
                .collect(),
            suggested_mapping,
            warnings: analysis
                .warnings
                .iter()
                .map(|w| w.message.clone())
                .collect(),
            templates,
        }
    }
}

/// `POST /imports/{id}/preview`: the first rows mapped, and what the whole
/// file would do. Nothing is written.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Preview {
    pub rows: Vec<PreviewRow>,
    pub summary: PreviewSummary,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PreviewRow {
    pub row: u32,
    pub valid: bool,
    /// Field id → normalized value, for valid rows.
    pub values: BTreeMap<String, String>,
    pub errors: Vec<RowError>,
    pub warnings: Vec<RowWarning>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct PreviewSummary {
    pub rows: u64,
    pub valid: u64,
    pub invalid: u64,
    /// Error code → rows with that error.
    pub errors_by_code: BTreeMap<String, u64>,
    pub would_create: u64,
    pub would_update: u64,
    pub would_leave_unchanged: u64,
    /// Valid rows the mode refuses (create-only on an existing record,
    /// update-only on a new one).
    pub would_fail: u64,
}

/// `GET /imports/{id}/rows`
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RowPage {
    pub rows: Vec<dic_aws::row_logs::RowLogEntry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// `POST /imports/{id}/failed-rows`
pub type FailedRowsExport = dic_aws::export::ExportResponse;

/// `POST /templates` and `PUT /templates/{id}`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateBody {
    pub name: String,
    pub entity: Entity,
    pub mapping: Mapping,
    #[serde(default)]
    pub headers: Vec<String>,
    #[serde(default)]
    pub settings: ImportSettings,
}

impl From<TemplateBody> for Template {
    fn from(body: TemplateBody) -> Template {
        Template {
            name: body.name.trim().to_string(),
            entity: body.entity,
            mapping: body.mapping,
            headers: body.headers,
            settings: body.settings,
        }
    }
}

pub type TemplateView = dic_aws::config_store::SavedTemplate;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TemplateList {
    pub templates: Vec<TemplateView>,
}

/// `POST /feeds`
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateFeed {
    pub entity: Entity,
    pub template_id: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FeedView {
    pub feed_id: String,
    pub entity: Entity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_id: Option<String>,
    /// Files dropped under this prefix of the data bucket import on their own.
    pub prefix: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FeedList {
    pub feeds: Vec<FeedView>,
}

/// `GET /records/{entity}/{key}`
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RecordView {
    pub entity: Entity,
    pub key: String,
    pub values: BTreeMap<String, String>,
}

/// `GET /catalog/{entity}`
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CatalogView {
    pub entity: Entity,
    pub categories: Vec<CatalogCategory>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CatalogCategory {
    pub category: String,
    pub fields: Vec<CatalogField>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CatalogField {
    pub id: String,
    pub label: String,
    pub subcategory: String,
    #[serde(rename = "type")]
    pub field_type: String,
    pub mandatory: bool,
    pub key: bool,
    pub synonyms: Vec<String>,
    /// The search score when a query was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f32>,
}

/// Failed-row logs in the API: the stored log, as is.
pub type FailedRow = FailedRowLog;
