//! Every key the service makes, in one place, each scoped by company.
//!
//! Object keys are made by the server; the company in an object key is
//! trusted only because no caller can choose it.

use dic_core::ids::{CompanyId, ImportId};
use percent_encoding::percent_decode_str;

pub const UPLOADS: &str = "uploads/";
pub const FEEDS: &str = "feeds/";
pub const EXPORTS: &str = "exports/";

/// `uploads/{company}/{import}/{file name}`: where an admin's upload lands.
pub fn upload_key(company_id: &CompanyId, import_id: &ImportId, file_name: &str) -> String {
    format!(
        "{UPLOADS}{company_id}/{import_id}/{}",
        safe_file_name(file_name)
    )
}

/// `exports/{company}/{import}/failed-rows.xlsx`.
pub fn export_key(company_id: &CompanyId, import_id: &ImportId) -> String {
    format!("{EXPORTS}{company_id}/{import_id}/failed-rows.xlsx")
}

/// Keeps a file name readable in keys while dropping path separators and
/// control characters an admin's browser might send.
pub fn safe_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = base
        .chars()
        .map(|c| if c.is_control() { '_' } else { c })
        .take(200)
        .collect();
    if cleaned.trim().is_empty() {
        "upload".to_string()
    } else {
        cleaned
    }
}

/// What a new object is, by its key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ObjectRoute {
    Upload {
        company_id: CompanyId,
        import_id: ImportId,
        file_name: String,
    },
    Feed {
        company_id: CompanyId,
        feed_id: String,
        file_name: String,
    },
}

/// Decodes an S3 event key (URL-encoded, `+` for spaces) and routes it.
/// `None` for keys outside `uploads/` and `feeds/`, without all parts, or
/// whose ids are not valid ids.
pub fn route_event_key(raw_key: &str) -> Option<(String, ObjectRoute)> {
    let plus_decoded = raw_key.replace('+', " ");
    let key = percent_decode_str(&plus_decoded)
        .decode_utf8()
        .ok()?
        .into_owned();
    let route = if let Some(rest) = key.strip_prefix(UPLOADS) {
        let (company_id, import_id, file_name) = three_parts(rest)?;
        ObjectRoute::Upload {
            company_id: CompanyId::try_from(company_id).ok()?,
            import_id: ImportId::try_from(import_id).ok()?,
            file_name,
        }
    } else if let Some(rest) = key.strip_prefix(FEEDS) {
        let (company_id, feed_id, file_name) = three_parts(rest)?;
        ObjectRoute::Feed {
            company_id: CompanyId::try_from(company_id).ok()?,
            feed_id,
            file_name,
        }
    } else {
        return None;
    };
    Some((key, route))
}

fn three_parts(rest: &str) -> Option<(String, String, String)> {
    let mut parts = rest.splitn(3, '/');
    let a = parts.next().filter(|s| !s.is_empty())?;
    let b = parts.next().filter(|s| !s.is_empty())?;
    let c = parts.next().filter(|s| !s.is_empty())?;
    Some((a.to_string(), b.to_string(), c.to_string()))
}

/// DynamoDB keys of the imports table: one partition per import holds its
/// status item, chunk markers and row logs.
pub mod imports {
    use crate::model::stored_time;
    use chrono::{DateTime, Utc};
    use dic_core::ids::{CompanyId, ImportId};

    pub const META: &str = "META";

    pub fn pk(company_id: &CompanyId, import_id: &ImportId) -> String {
        format!("C#{company_id}#I#{import_id}")
    }
    pub fn chunk_marker(index: u32) -> String {
        format!("CHUNK#{index:06}")
    }
    pub fn failed_row(row: u32) -> String {
        format!("FAIL#{row:09}")
    }
    /// The compact log of a chunk's successful rows.
    pub fn chunk_log(index: u32) -> String {
        format!("OK#{index:06}")
    }
    /// Warnings of a chunk's successful rows beyond what its log holds.
    pub fn chunk_log_part(index: u32, part: u32) -> String {
        format!("OK#{index:06}#W{part:04}")
    }
    /// The chunk whose log part `sk` is; `None` for any other item.
    pub fn chunk_log_part_of(sk: &str) -> Option<u32> {
        let (chunk, part) = sk.strip_prefix(CHUNK_LOG_PREFIX)?.split_once("#W")?;
        part.parse::<u32>().ok()?;
        chunk.parse().ok()
    }
    pub const FAILED_PREFIX: &str = "FAIL#";
    /// The one partition of the sparse index of splits in flight.
    pub const SPLIT_CLAIMS: &str = "SPLIT";
    pub const SPLIT_CLAIMS_INDEX: &str = "by_split_claim";
    pub const CHUNK_LOG_PREFIX: &str = "OK#";
    /// The company index, for listing imports newest first.
    pub fn company(company_id: &CompanyId) -> String {
        format!("C#{company_id}")
    }
    /// An import's place in its company's index: by creation time (stored
    /// fixed-width, so the text sorts as the time), then id.
    pub fn company_sort(created_at: &DateTime<Utc>, import_id: &ImportId) -> String {
        format!("{}#{import_id}", stored_time::text(created_at))
    }
}

/// Records are keyed by company, entity and record key together, so writes
/// spread over many partitions rather than one per company.
pub fn record_pk(company_id: &CompanyId, entity: dic_core::Entity, key: &str) -> String {
    format!("C#{company_id}#{entity}#{key}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_keys_are_url_decoded_and_routed() {
        let (key, route) =
            route_event_key("uploads/acme/imp-1/My+Staff%20List%E2%80%99s.csv").unwrap();
        assert_eq!(key, "uploads/acme/imp-1/My Staff List’s.csv");
        assert_eq!(
            route,
            ObjectRoute::Upload {
                company_id: CompanyId::parse("acme").unwrap(),
                import_id: ImportId::parse("imp-1").unwrap(),
                file_name: "My Staff List’s.csv".into()
            }
        );
        let (_, feed) = route_event_key("feeds/acme/hris/2026-11-25.csv").unwrap();
        assert!(matches!(feed, ObjectRoute::Feed { feed_id, .. } if feed_id == "hris"));
    }

    #[test]
    fn other_or_incomplete_keys_are_not_routed() {
        assert_eq!(route_event_key("exports/acme/imp/failed-rows.xlsx"), None);
        assert_eq!(route_event_key("uploads/acme/imp-1/"), None);
        assert_eq!(route_event_key("uploads/acme"), None);
    }

    #[test]
    fn file_names_lose_paths_and_control_characters() {
        assert_eq!(safe_file_name("C:\\Users\\x\\staff.csv"), "staff.csv");
        assert_eq!(safe_file_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_file_name("a\nb.csv"), "a_b.csv");
        assert_eq!(safe_file_name("  "), "upload");
    }

    #[test]
    fn log_parts_are_told_from_logs_and_failed_rows_by_their_key() {
        assert_eq!(imports::chunk_log_part_of("OK#000012#W0003"), Some(12));
        assert_eq!(
            imports::chunk_log_part_of(&imports::chunk_log_part(7, 0)),
            Some(7)
        );
        assert_eq!(imports::chunk_log_part_of("OK#000012"), None);
        assert_eq!(imports::chunk_log_part_of(&imports::chunk_log(12)), None);
        assert_eq!(imports::chunk_log_part_of("FAIL#000000001"), None);
        assert_eq!(imports::chunk_log_part_of(imports::META), None);
        assert_eq!(imports::chunk_log_part_of("CHUNK#000012"), None);
    }
}
