//! The splitter: a new object becomes an import's chunks on the queue.

use crate::deps::Deps;
use crate::error::{aws, StoreError};
use crate::keys::{route_event_key, ObjectRoute};
use crate::model::{FeedConfig, ImportRecord, ImportSource, ImportStatus};
use aws_lambda_events::event::s3::{S3Event, S3EventRecord};
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use aws_sdk_s3::error::SdkError;
use aws_smithy_runtime_api::http::Response as HttpResponse;
use chrono::Utc;
use dic_core::file_error::{FileError, MAX_FILE_BYTES};
use dic_core::ids::{CompanyId, ImportId};
use dic_core::mapping::Mapping;
use dic_core::prepare;
use dic_core::template::ImportSettings;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tracing::{error, info, instrument, warn};

/// How a split ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SplitOutcome {
    /// Chunks are on the queue.
    Started { rows: u64, chunks: u64 },
    /// The file is read; the import waits for a complete mapping.
    AwaitingMapping,
    /// The file cannot be imported; the import is `Failed`.
    Failed { code: &'static str },
    /// Another delivery of the same object split it, or is splitting it.
    AlreadySplit,
    /// No import to split (deleted, or an object nobody announced).
    NoImport,
}

/// The API's request to split an import whose mapping is now complete.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SplitRequest {
    pub company_id: CompanyId,
    pub import_id: ImportId,
}

/// What a message of the split queue asks for.
#[derive(Clone, Debug, PartialEq)]
pub enum SplitWork {
    /// S3's notification of new objects.
    Objects(S3Event),
    /// A started import.
    Import(SplitRequest),
    /// S3's test event when notifications are configured.
    Nothing,
}

impl SplitWork {
    pub fn read(body: &str) -> Result<SplitWork, serde_json::Error> {
        if let Ok(request) = serde_json::from_str::<SplitRequest>(body) {
            return Ok(SplitWork::Import(request));
        }
        Ok(match s3_event_from_notification(body)? {
            Some(event) => SplitWork::Objects(event),
            None => SplitWork::Nothing,
        })
    }
}

/// Queues the split of a started import.
pub async fn request_split(
    deps: &Deps,
    company_id: &CompanyId,
    import_id: &ImportId,
) -> Result<(), StoreError> {
    let body = serde_json::to_string(&SplitRequest {
        company_id: company_id.clone(),
        import_id: import_id.clone(),
    })?;
    deps.clients
        .sqs
        .send_message()
        .queue_url(&deps.resources.split_queue_url)
        .message_body(body)
        .send()
        .await
        .map_err(aws("SendMessage split request"))?;
    Ok(())
}

/// The splitter's handler: one message at a time from the split queue (new
/// objects and started imports). A failed message is retried by the queue,
/// then dead-lettered; the sweeper takes up splits that died mid-way.
pub async fn split_messages(batch: SqsEvent, deps: &Deps) -> SqsBatchResponse {
    let mut response = SqsBatchResponse::default();
    for message in batch.records {
        let body = message.body.as_deref().unwrap_or("");
        let result = match SplitWork::read(body) {
            Ok(SplitWork::Objects(event)) => split_new_objects(event, deps).await,
            Ok(SplitWork::Import(request)) => {
                split_import(deps, &request.company_id, &request.import_id)
                    .await
                    .map(|_| ())
            }
            Ok(SplitWork::Nothing) => Ok(()),
            Err(err) => {
                warn!(%err, "neither an S3 notification nor a split request; dropped");
                Ok(())
            }
        };
        if let Err(err) = result {
            error!(%err, "split failed; the queue will retry");
            response
                .batch_item_failures
                .push(crate::process::failed_item(&message));
        }
    }
    response
}

/// Reads an S3 notification as Lambda would receive it. Emulators leave out
/// fields AWS always sends (`userIdentity`, `requestParameters`); they are
/// filled with empty values. `None` for S3's test event.
pub fn s3_event_from_notification(body: &str) -> Result<Option<S3Event>, serde_json::Error> {
    let mut value: serde_json::Value = serde_json::from_str(body)?;
    if value.get("Event").and_then(|e| e.as_str()) == Some("s3:TestEvent") {
        return Ok(None);
    }
    if let Some(records) = value.get_mut("Records").and_then(|r| r.as_array_mut()) {
        for record in records.iter_mut().filter_map(|r| r.as_object_mut()) {
            for field in ["userIdentity", "requestParameters", "responseElements"] {
                record.entry(field).or_insert_with(|| serde_json::json!({}));
            }
        }
    }
    serde_json::from_value(value).map(Some)
}

/// Splits every object of an S3 event. An event for an object that is not
/// an upload or a feed file is ignored.
pub async fn split_new_objects(event: S3Event, deps: &Deps) -> Result<(), StoreError> {
    for record in event.records {
        split_event_record(&record, deps).await?;
    }
    Ok(())
}

/// Whether an uploaded object is its import's file. An object under an
/// import's prefix that the import was not given (another key) is no file
/// of it, so neither splitting nor a dead letter may touch the import.
pub(crate) async fn is_imports_upload(
    deps: &Deps,
    company_id: &CompanyId,
    import_id: &ImportId,
    key: &str,
) -> Result<bool, StoreError> {
    let Some(import) = deps.imports.get(company_id, import_id).await? else {
        warn!(%company_id, %import_id, "no import for this upload");
        return Ok(false);
    };
    if import.object_key != key {
        warn!(%company_id, %import_id, "upload key differs from the key the import was given");
        return Ok(false);
    }
    Ok(true)
}

async fn split_event_record(
    record: &S3EventRecord,
    deps: &Deps,
) -> Result<SplitOutcome, StoreError> {
    let Some(raw_key) = record.s3.object.key.as_deref() else {
        return Ok(SplitOutcome::NoImport);
    };
    let Some((key, route)) = route_event_key(raw_key) else {
        warn!("ignoring an object outside uploads/ and feeds/");
        return Ok(SplitOutcome::NoImport);
    };
    match route {
        ObjectRoute::Upload {
            company_id,
            import_id,
            ..
        } => {
            if !is_imports_upload(deps, &company_id, &import_id, &key).await? {
                return Ok(SplitOutcome::NoImport);
            }
            split_import(deps, &company_id, &import_id).await
        }
        ObjectRoute::Feed {
            company_id,
            feed_id,
            file_name,
        } => {
            let Some(feed) = deps.feeds.get(&company_id, &feed_id).await? else {
                warn!(%company_id, %feed_id, "no feed is configured for this folder; file ignored");
                return Ok(SplitOutcome::NoImport);
            };
            let object = &record.s3.object;
            let version = object
                .version_id
                .as_deref()
                .or(object.sequencer.as_deref())
                .or(object.e_tag.as_deref())
                .unwrap_or("");
            let import_id = feed_import_id(&key, version);
            let (mut import, template_missing) =
                feed_import(deps, &feed, import_id.clone(), &file_name, &key).await?;
            import.object_version_id = object.version_id.clone().filter(|v| !v.is_empty());
            import.object_etag = object.e_tag.clone().filter(|e| !e.is_empty());
            if deps.imports.create(&import).await? {
                info!(%company_id, %feed_id, %import_id, "feed file became an import");
            }
            if template_missing {
                warn!(%feed_id, code = FEED_TEMPLATE_MISSING, "feed file rejected");
                deps.imports
                    .fail(
                        &company_id,
                        &import_id,
                        FEED_TEMPLATE_MISSING,
                        "this feed's template was deleted, so the file has no mapping: \
                         create the feed again with a template, then drop the file again",
                    )
                    .await?;
                return Ok(SplitOutcome::Failed {
                    code: FEED_TEMPLATE_MISSING,
                });
            }
            split_import(deps, &company_id, &import_id).await
        }
    }
}

/// Why an import fails when its rows could not all be queued.
pub const SPLIT_FAILED: &str = "split_failed";
const SPLIT_FAILED_REASON: &str = "the file was read but its rows could not all be queued \
     for import: import the file again; if this happens again, contact support";

/// Why a feed file fails when its feed's template is gone.
pub const FEED_TEMPLATE_MISSING: &str = "feed_template_missing";

/// One import per object version: a re-delivered event finds the same id.
fn feed_import_id(key: &str, version: &str) -> ImportId {
    let digest = Sha256::new()
        .chain_update(key.as_bytes())
        .chain_update([0])
        .chain_update(version.as_bytes())
        .finalize();
    ImportId::parse(&format!("feed-{}", &hex::encode(digest)[..20]))
        .expect("hex digits make a valid id")
}

/// The feed file's import, and whether the feed's template is gone (its
/// files then have no mapping and fail, rather than wait for a start).
async fn feed_import(
    deps: &Deps,
    feed: &FeedConfig,
    import_id: ImportId,
    file_name: &str,
    key: &str,
) -> Result<(ImportRecord, bool), StoreError> {
    let mut import = ImportRecord::new(
        feed.company_id.clone(),
        import_id,
        feed.entity,
        ImportSource::Feed,
        file_name,
        key,
        Utc::now(),
    );
    import.status = ImportStatus::Uploaded;
    import.feed_id = Some(feed.feed_id.clone());
    import.template_id = feed.template_id.clone();
    import.mapping = feed.mapping.clone();
    import.settings = feed.settings;
    let mut template_missing = false;
    if let Some(template_id) = &feed.template_id {
        match deps.templates.get(&feed.company_id, template_id).await? {
            Some(saved) => {
                import.mapping = Some(saved.template.mapping);
                import.settings = saved.template.settings;
            }
            None => template_missing = true,
        }
    }
    Ok((import, template_missing))
}

/// Reads the import's object and splits it, once. Called for new objects and
/// by the API's start command once the admin completed the mapping.
#[instrument(skip_all, fields(import_id))]
pub async fn split_import(
    deps: &Deps,
    company_id: &CompanyId,
    import_id: &ImportId,
) -> Result<SplitOutcome, StoreError> {
    tracing::Span::current().record("import_id", import_id.as_str());
    if !deps.claims.claim_split(company_id, import_id).await? {
        return Ok(SplitOutcome::AlreadySplit);
    }
    let outcome = split_claimed(deps, company_id, import_id).await;
    if outcome.is_err() {
        // Best effort: the lease frees the claim anyway if this fails too.
        let _ = deps.claims.release_split(company_id, import_id).await;
    }
    outcome
}

async fn split_claimed(
    deps: &Deps,
    company_id: &CompanyId,
    import_id: &ImportId,
) -> Result<SplitOutcome, StoreError> {
    let Some(import) = deps.imports.get(company_id, import_id).await? else {
        return Ok(SplitOutcome::NoImport);
    };
    let bytes = match read_object(deps, &import).await? {
        Ok(bytes) => bytes,
        Err(err) => return fail(deps, &import, err).await,
    };
    let (analysis, table) = match prepare::analyze(import.entity, &bytes) {
        Ok(read) => read,
        Err(err) => return fail(deps, &import, err.into()).await,
    };
    drop(bytes);
    let Some(mapping) = complete_mapping(&import) else {
        deps.imports
            .await_mapping(company_id, import_id, &analysis)
            .await?;
        info!("file read; waiting for a complete mapping");
        return Ok(SplitOutcome::AwaitingMapping);
    };
    let settings: ImportSettings = import.settings;
    let chunks = match prepare::split(
        company_id,
        import_id,
        import.entity,
        table,
        mapping,
        settings,
        deps.chunk_limits,
    ) {
        Ok(chunks) => chunks,
        Err(err) => return fail(deps, &import, err.into()).await,
    };
    let rows: u64 = chunks.iter().map(|c| c.rows.len() as u64).sum();
    let chunk_count = chunks.len() as u64;
    deps.imports
        .start(company_id, import_id, rows, chunk_count, &analysis)
        .await?;
    if let Err(err) = deps.chunks.send_all(&chunks).await {
        // The chunks sent so far count, but the rest would never come: a
        // split that stops after the start must end the import, not leave
        // it In Progress for the sweeper to split again and again.
        error!(%err, "chunks could not all be queued");
        deps.imports
            .fail(company_id, import_id, SPLIT_FAILED, SPLIT_FAILED_REASON)
            .await?;
        return Ok(SplitOutcome::Failed { code: SPLIT_FAILED });
    }
    deps.claims.split_done(company_id, import_id).await?;
    info!(rows, chunks = chunk_count, "import split");
    Ok(SplitOutcome::Started {
        rows,
        chunks: chunk_count,
    })
}

fn complete_mapping(import: &ImportRecord) -> Option<&Mapping> {
    import
        .mapping
        .as_ref()
        .filter(|m| m.missing_mandatory(import.entity).is_empty())
}

async fn fail(
    deps: &Deps,
    import: &ImportRecord,
    err: Unreadable,
) -> Result<SplitOutcome, StoreError> {
    warn!(code = err.code(), "file rejected");
    deps.imports
        .fail(
            &import.company_id,
            &import.import_id,
            err.code(),
            &err.to_string(),
        )
        .await?;
    Ok(SplitOutcome::Failed { code: err.code() })
}

/// Why an import's file cannot be imported as it stands.
#[derive(Debug, thiserror::Error)]
pub enum Unreadable {
    #[error(transparent)]
    File(#[from] FileError),
    /// The version the event named is gone: the connector wrote the key
    /// again before the file was read. The newer file has its own event and
    /// import, so this one must not read it.
    #[error(
        "the feed file was replaced or deleted before it could be read; a newer \
         file under the same name is imported on its own, so there is nothing to do"
    )]
    Replaced,
}

impl Unreadable {
    pub fn code(&self) -> &'static str {
        match self {
            Unreadable::File(err) => err.code(),
            Unreadable::Replaced => "file_replaced",
        }
    }
}

/// The import's file, as the version its event named when it named one,
/// or why it cannot be imported. The size is checked before the body is
/// read, so an oversized file costs nothing.
pub async fn read_object(
    deps: &Deps,
    import: &ImportRecord,
) -> Result<Result<Vec<u8>, Unreadable>, StoreError> {
    let request = deps
        .clients
        .s3
        .get_object()
        .bucket(&deps.resources.data_bucket)
        .key(&import.object_key);
    let request = match (&import.object_version_id, &import.object_etag) {
        (Some(version), _) => request.version_id(version),
        (None, Some(etag)) => request.if_match(quoted(etag)),
        (None, None) => request,
    };
    let object = match request.send().await {
        Ok(object) => object,
        Err(err) if replaced(import, &err) => return Ok(Err(Unreadable::Replaced)),
        Err(err) => return Err(aws("GetObject upload")(err)),
    };
    let size = object.content_length.unwrap_or(0).max(0) as u64;
    if size > MAX_FILE_BYTES {
        return Ok(Err(FileError::TooLarge {
            size,
            limit: MAX_FILE_BYTES,
        }
        .into()));
    }
    let body = object
        .body
        .collect()
        .await
        .map_err(crate::error::aws("GetObject body"))?;
    Ok(Ok(body.to_vec()))
}

/// S3 events carry ETags without the quotes HTTP's `If-Match` wants.
fn quoted(etag: &str) -> String {
    if etag.starts_with('"') {
        etag.to_string()
    } else {
        format!("\"{etag}\"")
    }
}

/// Whether a pinned read failed because the named file is gone: 404 for
/// a version id (the version was deleted), 412 for an ETag (the key now
/// holds other bytes).
fn replaced<E>(import: &ImportRecord, err: &SdkError<E, HttpResponse>) -> bool {
    let status = err.raw_response().map(|r| r.status().as_u16());
    match (&import.object_version_id, &import.object_etag) {
        (Some(_), _) => status == Some(404),
        (None, Some(_)) => status == Some(412),
        (None, None) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bodies() -> Vec<String> {
        let batch: SqsEvent =
            serde_json::from_str(include_str!("../../../events/sqs-split.json")).unwrap();
        batch.records.into_iter().filter_map(|m| m.body).collect()
    }

    #[test]
    fn the_split_queue_carries_s3_notifications_and_split_requests() {
        let bodies = bodies();
        match SplitWork::read(&bodies[0]).unwrap() {
            SplitWork::Objects(event) => assert_eq!(
                event.records[0].s3.object.key.as_deref(),
                Some("uploads/company-demo/imp-demo/employees.csv")
            ),
            other => panic!("not read as objects: {other:?}"),
        }
        assert_eq!(
            SplitWork::read(&bodies[1]).unwrap(),
            SplitWork::Import(SplitRequest {
                company_id: CompanyId::parse("company-demo").unwrap(),
                import_id: ImportId::parse("imp-demo").unwrap()
            })
        );
    }

    #[test]
    fn s3_test_events_ask_for_nothing_and_other_json_is_an_error() {
        assert_eq!(
            SplitWork::read(r#"{"Service":"Amazon S3","Event":"s3:TestEvent"}"#).unwrap(),
            SplitWork::Nothing
        );
        assert!(SplitWork::read("not json").is_err());
        assert!(SplitWork::read(r#"{"Records": "nope"}"#).is_err());
    }
}
