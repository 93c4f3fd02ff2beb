//! Read-only commands: imports, row logs, records and the catalog.

use crate::client::{segment, Api};
use dic_api::types::{word, CatalogView, ImportPage, RecordView, RowPage};
use dic_aws::row_logs::RowLogEntry;
use dic_core::Entity;
use serde_json::json;

pub async fn imports(api: &Api, status: Option<String>, json_out: bool) -> anyhow::Result<()> {
    let mut path = "/imports?limit=50".to_string();
    if let Some(status) = status {
        path.push_str(&format!("&status={}", segment(&status)));
    }
    let page: ImportPage = api.get(&path).await?;
    if json_out {
        println!("{}", serde_json::to_string_pretty(&page.imports)?);
        return Ok(());
    }
    println!(
        "{:<32}  {:<11}  {:<20}  {:>7}  {:>7}  {:>7}  {:>6}  FILE",
        "IMPORT", "ENTITY", "STATUS", "ROWS", "CREATED", "UPDATED", "FAILED"
    );
    for i in &page.imports {
        println!(
            "{:<32}  {:<11}  {:<20}  {:>7}  {:>7}  {:>7}  {:>6}  {}",
            i.import_id,
            i.entity.to_string(),
            i.status_label,
            i.counts.total,
            i.counts.created,
            i.counts.updated,
            i.counts.failed,
            i.file_name
        );
    }
    Ok(())
}

/// Every row log of an import, following the cursor.
pub async fn rows(api: &Api, id: &str, failed_only: bool, json_out: bool) -> anyhow::Result<()> {
    let mut rows: Vec<RowLogEntry> = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/imports/{}/rows?limit=1000", segment(id));
        if failed_only {
            path.push_str("&outcome=failed");
        }
        if let Some(cursor) = &cursor {
            path.push_str(&format!("&cursor={}", segment(cursor)));
        }
        let page: RowPage = api.get(&path).await?;
        rows.extend(page.rows);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    if json_out {
        let out: Vec<serde_json::Value> = rows
            .iter()
            .map(|r| {
                json!({
                    "row": r.row,
                    "outcome": r.outcome,
                    "errors": r.errors.iter().map(|e| json!({
                        "code": e.code,
                        "column": e.header,
                        "message": e.message,
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    for r in &rows {
        let outcome = word(&r.outcome).unwrap_or_default();
        if r.errors.is_empty() {
            println!("row {:>6}  {outcome}", r.row);
        }
        for e in &r.errors {
            println!(
                "row {:>6}  {outcome}  {}  [{}] {}",
                r.row,
                word(&e.code).unwrap_or_default(),
                e.header.as_deref().unwrap_or("-"),
                e.message
            );
        }
    }
    Ok(())
}

pub async fn record(api: &Api, entity: Entity, key: &str, json_out: bool) -> anyhow::Result<()> {
    let record: RecordView = api
        .get(&format!("/records/{entity}/{}", segment(key)))
        .await?;
    if json_out {
        println!("{}", serde_json::to_string_pretty(&record)?);
        return Ok(());
    }
    println!("{} {}", record.entity, record.key);
    for (field, value) in &record.values {
        println!("  {field:<24} {value}");
    }
    Ok(())
}

pub async fn catalog(
    api: &Api,
    entity: Entity,
    query: Option<String>,
    json_out: bool,
) -> anyhow::Result<()> {
    let q = query
        .map(|q| format!("?q={}", segment(&q)))
        .unwrap_or_default();
    let view: CatalogView = api.get(&format!("/catalog/{entity}{q}")).await?;
    if json_out {
        println!("{}", serde_json::to_string_pretty(&view)?);
        return Ok(());
    }
    for category in &view.categories {
        println!("{}", category.category);
        for f in &category.fields {
            let marks = match (f.key, f.mandatory) {
                (true, _) => " (key)",
                (false, true) => " (mandatory)",
                _ => "",
            };
            println!("  {:<28} {:<24} {}{marks}", f.label, f.id, f.field_type);
        }
    }
    Ok(())
}
