//! `dic templates list|save|delete`: a company's saved mappings.

use crate::client::{segment, Api, ApiFailure};
use anyhow::{bail, Context};
use clap::Subcommand;
use dic_api::types::{TemplateBody, TemplateList, TemplateView};
use dic_core::mapping::Mapping;
use dic_core::template::ImportSettings;
use dic_core::Entity;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum TemplateCommand {
    /// List saved templates.
    List {
        #[arg(long)]
        entity: Option<Entity>,
        #[arg(long)]
        json: bool,
    },
    /// Save a mapping (a JSON object: header → field id) as a template;
    /// replaces the template of that name when it exists.
    Save {
        name: String,
        #[arg(long)]
        entity: Entity,
        /// JSON file of the mapping, e.g. {"E-mail": "email", "Surname": "last_name"}.
        #[arg(long)]
        mapping: PathBuf,
        /// JSON file of the settings ({"mode": "update_only", ...}).
        #[arg(long)]
        settings: Option<PathBuf>,
    },
    /// Delete a template by name or id.
    Delete {
        name: String,
        #[arg(long)]
        entity: Option<Entity>,
    },
}

fn read_json<T: serde::de::DeserializeOwned>(path: &PathBuf) -> anyhow::Result<T> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text)
        .with_context(|| format!("{} is not the JSON expected", path.display()))
}

async fn find(
    api: &Api,
    name: &str,
    entity: Option<Entity>,
) -> anyhow::Result<Option<TemplateView>> {
    let list: TemplateList = api.get("/templates").await?;
    Ok(list.templates.into_iter().find(|t| {
        (t.template_id == name || t.template.name.eq_ignore_ascii_case(name.trim()))
            && entity.is_none_or(|e| e == t.template.entity)
    }))
}

pub async fn run(api: &Api, command: TemplateCommand) -> anyhow::Result<()> {
    match command {
        TemplateCommand::List { entity, json } => {
            let path = entity
                .map(|e| format!("/templates?entity={e}"))
                .unwrap_or("/templates".into());
            let list: TemplateList = api.get(&path).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list.templates)?);
                return Ok(());
            }
            for t in &list.templates {
                println!(
                    "{:<32}  {:<11}  {:>3} columns  {}",
                    t.template_id,
                    t.template.entity.to_string(),
                    t.template.mapping.0.len(),
                    t.template.name
                );
            }
        }
        TemplateCommand::Save {
            name,
            entity,
            mapping,
            settings,
        } => {
            let mapping: Mapping = read_json(&mapping)?;
            let settings: ImportSettings = match &settings {
                Some(path) => read_json(path)?,
                None => ImportSettings::default(),
            };
            let body = TemplateBody {
                name: name.clone(),
                entity,
                headers: mapping.0.keys().cloned().collect(),
                mapping,
                settings,
            };
            let saved: TemplateView = match find(api, &name, Some(entity)).await? {
                Some(existing) => {
                    api.put(
                        &format!("/templates/{}", segment(&existing.template_id)),
                        &body,
                    )
                    .await?
                }
                None => api.post("/templates", &body).await?,
            };
            println!("saved {} ({})", saved.template.name, saved.template_id);
        }
        TemplateCommand::Delete { name, entity } => {
            let Some(found) = find(api, &name, entity).await? else {
                bail!("no template is named {name:?}");
            };
            match api
                .delete(&format!("/templates/{}", segment(&found.template_id)))
                .await
            {
                Ok(()) => println!("deleted {}", found.template.name),
                Err(err) => match err.downcast::<ApiFailure>() {
                    Ok(f) if f.status.as_u16() == 404 => bail!("no template is named {name:?}"),
                    Ok(f) => return Err(f.into()),
                    Err(err) => return Err(err),
                },
            }
        }
    }
    Ok(())
}
