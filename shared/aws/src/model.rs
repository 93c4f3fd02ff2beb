//! The import as stored: status, counters and what the splitter learned.

use chrono::{DateTime, Utc};
use dic_core::ids::{CompanyId, ImportId};
use dic_core::mapping::Mapping;
use dic_core::prepare::Analysis;
use dic_core::template::ImportSettings;
use dic_core::Entity;
use serde::{Deserialize, Serialize};

/// `Pending upload → Uploaded → In Progress → Finished | Finished with Errors | Failed`
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportStatus {
    PendingUpload,
    /// The file is read and waits for a complete mapping.
    Uploaded,
    InProgress,
    Finished,
    FinishedWithErrors,
    Failed,
}

impl ImportStatus {
    /// The stored (and API) value.
    pub fn as_str(self) -> &'static str {
        match self {
            ImportStatus::PendingUpload => "pending_upload",
            ImportStatus::Uploaded => "uploaded",
            ImportStatus::InProgress => "in_progress",
            ImportStatus::Finished => "finished",
            ImportStatus::FinishedWithErrors => "finished_with_errors",
            ImportStatus::Failed => "failed",
        }
    }

    /// What an admin reads.
    pub fn label(self) -> &'static str {
        match self {
            ImportStatus::PendingUpload => "Pending upload",
            ImportStatus::Uploaded => "Uploaded",
            ImportStatus::InProgress => "In Progress",
            ImportStatus::Finished => "Finished",
            ImportStatus::FinishedWithErrors => "Finished with Errors",
            ImportStatus::Failed => "Failed",
        }
    }

    pub fn is_final(self) -> bool {
        matches!(
            self,
            ImportStatus::Finished | ImportStatus::FinishedWithErrors | ImportStatus::Failed
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportSource {
    Upload,
    Feed,
}

/// Exact counters: each chunk adds its share once.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    #[serde(default)]
    pub rows_total: u64,
    #[serde(default)]
    pub created: u64,
    #[serde(default)]
    pub updated: u64,
    #[serde(default)]
    pub unchanged: u64,
    #[serde(default)]
    pub failed: u64,
    #[serde(default)]
    pub chunk_count: u64,
    #[serde(default)]
    pub chunks_done: u64,
}

impl Counters {
    pub fn rows_done(&self) -> u64 {
        self.created + self.updated + self.unchanged + self.failed
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImportRecord {
    pub company_id: CompanyId,
    pub import_id: ImportId,
    pub entity: Entity,
    pub source: ImportSource,
    pub file_name: String,
    pub object_key: String,
    /// The object version a feed file's event named (versioned buckets), so
    /// a connector overwriting the same key cannot make this import read a
    /// newer file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_version_id: Option<String>,
    /// The feed file's ETag from its event: where the bucket keeps no
    /// versions, the read is conditioned on it instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_etag: Option<String>,
    pub status: ImportStatus,
    /// Why the import failed, for the admin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_code: Option<String>,
    #[serde(with = "stored_time")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "stored_time")]
    pub updated_at: DateTime<Utc>,
    #[serde(
        default,
        with = "stored_time::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub finished_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feed_id: Option<String>,
    /// The caller (token subject) who created the import.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// The caller who started it, once the mapping was confirmed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_by: Option<String>,
    #[serde(
        default,
        with = "stored_time::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub started_at: Option<DateTime<Utc>>,
    /// The import whose failed rows this one re-uploads, fixed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corrects: Option<ImportId>,
    /// Set once the mapping is complete; the splitter waits for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mapping: Option<Mapping>,
    #[serde(default)]
    pub settings: ImportSettings,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analysis: Option<Analysis>,
    #[serde(flatten)]
    pub counters: Counters,
}

impl ImportRecord {
    /// A new import waiting for its file.
    pub fn new(
        company_id: CompanyId,
        import_id: ImportId,
        entity: Entity,
        source: ImportSource,
        file_name: &str,
        object_key: &str,
        now: DateTime<Utc>,
    ) -> ImportRecord {
        ImportRecord {
            company_id,
            import_id,
            entity,
            source,
            file_name: file_name.to_string(),
            object_key: object_key.to_string(),
            object_version_id: None,
            object_etag: None,
            status: ImportStatus::PendingUpload,
            reason: None,
            reason_code: None,
            created_at: now,
            updated_at: now,
            finished_at: None,
            template_id: None,
            feed_id: None,
            created_by: None,
            started_by: None,
            started_at: None,
            corrects: None,
            mapping: None,
            settings: ImportSettings::default(),
            analysis: None,
            counters: Counters::default(),
        }
    }
}

/// A connector feed: files dropped under `feeds/{company}/{feed}/` import
/// with this entity, mapping and settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedConfig {
    pub company_id: CompanyId,
    pub feed_id: String,
    pub entity: Entity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mapping: Option<Mapping>,
    #[serde(default)]
    pub settings: ImportSettings,
}

/// The time now, as stored (see [`stored_time`]): for update expressions.
pub fn now() -> String {
    stored_time::text(&Utc::now())
}

/// Times as stored and answered: RFC 3339 UTC with milliseconds, one fixed
/// width, so that they sort as text (the company index lists imports by
/// `created_at`) and read the same in every language.
pub mod stored_time {
    use chrono::{DateTime, SecondsFormat, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn text(time: &DateTime<Utc>) -> String {
        time.to_rfc3339_opts(SecondsFormat::Millis, true)
    }

    pub fn parse(text: &str) -> Result<DateTime<Utc>, chrono::ParseError> {
        DateTime::parse_from_rfc3339(text).map(|t| t.with_timezone(&Utc))
    }

    pub fn serialize<S: Serializer>(time: &DateTime<Utc>, to: S) -> Result<S::Ok, S::Error> {
        to.serialize_str(&text(time))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(from: D) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(from)?;
        parse(&text).map_err(serde::de::Error::custom)
    }

    pub mod option {
        use chrono::{DateTime, Utc};
        use serde::{Deserialize, Deserializer, Serializer};

        pub fn serialize<S: Serializer>(
            time: &Option<DateTime<Utc>>,
            to: S,
        ) -> Result<S::Ok, S::Error> {
            match time {
                Some(time) => super::serialize(time, to),
                None => to.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            from: D,
        ) -> Result<Option<DateTime<Utc>>, D::Error> {
            Option::<String>::deserialize(from)?
                .map(|text| super::parse(&text).map_err(serde::de::Error::custom))
                .transpose()
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn stored_times_have_one_width_and_read_back() {
            let early = parse("2026-01-02T03:04:05Z").unwrap();
            let late = parse("2026-01-02T03:04:05.120+00:00").unwrap();
            assert_eq!(text(&early), "2026-01-02T03:04:05.000Z");
            assert_eq!(text(&late), "2026-01-02T03:04:05.120Z");
            assert!(text(&early) < text(&late));
            assert_eq!(parse(&text(&late)).unwrap(), late);
        }
    }
}
