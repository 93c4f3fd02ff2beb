//! The splitter: a new object becomes an import's chunks on the queue.

use crate::deps::Deps;
use crate::error::{aws, StoreError};
use crate::keys::{route_event_key, ObjectRoute};
use crate::model::{now, FeedConfig, ImportRecord, ImportSource, ImportStatus};
use aws_lambda_events::event::s3::{S3Event, S3EventRecord};
use dic_core::file_error::{FileError, MAX_FILE_BYTES};
use dic_core::mapping::Mapping;
use dic_core::prepare;
use dic_core::template::ImportSettings;
use sha2::{Digest, Sha256};
use tracing::{info, instrument, warn};

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

/// Splits every object of an S3 event. An event for an object that is not
/// an upload or a feed file is ignored.
pub async fn split_new_objects(event: S3Event, deps: &Deps) -> Result<(), StoreError> {
    for record in event.records {
        split_event_record(&record, deps).await?;
    }
    Ok(())
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
            let Some(import) = deps.imports.get(&company_id, &import_id).await? else {
                warn!(%company_id, %import_id, "no import for this upload");
                return Ok(SplitOutcome::NoImport);
            };
            if import.object_key != key {
                warn!(%company_id, %import_id, "upload key differs from the key the import was given");
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
                .sequencer
                .as_deref()
                .or(object.e_tag.as_deref())
                .unwrap_or("");
            let import_id = feed_import_id(&key, version);
            let import = feed_import(deps, &feed, &import_id, &file_name, &key).await?;
            if deps.imports.create(&import).await? {
                info!(%company_id, %feed_id, %import_id, "feed file became an import");
            }
            split_import(deps, &company_id, &import_id).await
        }
    }
}

/// One import per object version: a re-delivered event finds the same id.
fn feed_import_id(key: &str, version: &str) -> String {
    let digest = Sha256::new()
        .chain_update(key.as_bytes())
        .chain_update([0])
        .chain_update(version.as_bytes())
        .finalize();
    format!("feed-{}", &hex::encode(digest)[..20])
}

async fn feed_import(
    deps: &Deps,
    feed: &FeedConfig,
    import_id: &str,
    file_name: &str,
    key: &str,
) -> Result<ImportRecord, StoreError> {
    let mut import = ImportRecord::new(
        &feed.company_id,
        import_id,
        feed.entity,
        ImportSource::Feed,
        file_name,
        key,
        &now(),
    );
    import.status = ImportStatus::Uploaded;
    import.feed_id = Some(feed.feed_id.clone());
    import.template_id = feed.template_id.clone();
    import.mapping = feed.mapping.clone();
    import.settings = feed.settings;
    if let Some(template_id) = &feed.template_id {
        if let Some(saved) = deps.templates.get(&feed.company_id, template_id).await? {
            let template = saved.template;
            import.mapping = Some(template.mapping);
            import.settings = template.settings;
        }
    }
    Ok(import)
}

/// Reads the import's object and splits it, once. Called for new objects and
/// by the API's start command once the admin completed the mapping.
#[instrument(skip_all, fields(import_id))]
pub async fn split_import(
    deps: &Deps,
    company_id: &str,
    import_id: &str,
) -> Result<SplitOutcome, StoreError> {
    tracing::Span::current().record("import_id", import_id);
    if !deps.imports.claim_split(company_id, import_id).await? {
        return Ok(SplitOutcome::AlreadySplit);
    }
    let outcome = split_claimed(deps, company_id, import_id).await;
    if outcome.is_err() {
        // Best effort: the lease frees the claim anyway if this fails too.
        let _ = deps.imports.release_split(company_id, import_id).await;
    }
    outcome
}

async fn split_claimed(
    deps: &Deps,
    company_id: &str,
    import_id: &str,
) -> Result<SplitOutcome, StoreError> {
    let Some(import) = deps.imports.get(company_id, import_id).await? else {
        return Ok(SplitOutcome::NoImport);
    };
    let bytes = match read_object(deps, &import.object_key).await? {
        Ok(bytes) => bytes,
        Err(err) => return fail(deps, &import, err).await,
    };
    let (analysis, table) = match prepare::analyze(import.entity, &bytes) {
        Ok(read) => read,
        Err(err) => return fail(deps, &import, err).await,
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
        Err(err) => return fail(deps, &import, err).await,
    };
    let rows: u64 = chunks.iter().map(|c| c.rows.len() as u64).sum();
    let chunk_count = chunks.len() as u64;
    deps.imports
        .start(company_id, import_id, rows, chunk_count, &analysis)
        .await?;
    deps.chunks.send_all(&chunks).await?;
    deps.imports.split_done(company_id, import_id).await?;
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
    err: FileError,
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

/// The object's bytes, or why the file cannot be imported. The size is
/// checked before the body is read, so an oversized file costs nothing.
pub async fn read_object(deps: &Deps, key: &str) -> Result<Result<Vec<u8>, FileError>, StoreError> {
    let object = deps
        .clients
        .s3
        .get_object()
        .bucket(&deps.resources.data_bucket)
        .key(key)
        .send()
        .await
        .map_err(aws("GetObject upload"))?;
    let size = object.content_length.unwrap_or(0).max(0) as u64;
    if size > MAX_FILE_BYTES {
        return Ok(Err(FileError::TooLarge {
            size,
            limit: MAX_FILE_BYTES,
        }));
    }
    let body = object.body.collect().await.map_err(|err| StoreError::Aws {
        operation: "GetObject body",
        message: err.to_string(),
    })?;
    Ok(Ok(body.to_vec()))
}
