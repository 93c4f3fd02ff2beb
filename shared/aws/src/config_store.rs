//! Company configuration: templates and connector feeds, one item each,
//! under the company's partition. A template's name is held by a second
//! item, written in the same transaction, so names stay unique per company
//! and entity even when two admins save at once.

use crate::error::{aws, cancellation_codes, request, StoreError, CONDITION_FAILED};
use crate::model::{stored_time, FeedConfig};
use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem};
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, SubsecRound, Utc};
use dic_core::ids::CompanyId;
use dic_core::template::Template;
use dic_core::Entity;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

type Item = HashMap<String, AttributeValue>;

/// Items of one kind (`T#` templates, `F#` feeds) in a company's partition.
#[derive(Clone, Debug)]
struct CompanyItems {
    client: Client,
    table: String,
    kind: &'static str,
}

fn key(company_id: &CompanyId, sk: String) -> Item {
    HashMap::from([
        (
            "pk".to_string(),
            AttributeValue::S(format!("C#{company_id}")),
        ),
        ("sk".to_string(), AttributeValue::S(sk)),
    ])
}

/// A time as stored, for a condition on it.
fn time(time: &DateTime<Utc>) -> AttributeValue {
    AttributeValue::S(stored_time::text(time))
}

impl CompanyItems {
    fn key(&self, company_id: &CompanyId, id: &str) -> Item {
        key(company_id, format!("{}{id}", self.kind))
    }

    fn item<T: Serialize>(
        &self,
        company_id: &CompanyId,
        id: &str,
        value: &T,
    ) -> Result<Item, StoreError> {
        let mut item: Item = serde_dynamo::to_item(value)?;
        item.extend(self.key(company_id, id));
        Ok(item)
    }

    async fn put<T: Serialize>(
        &self,
        company_id: &CompanyId,
        id: &str,
        value: &T,
    ) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(self.item(company_id, id, value)?))
            .send()
            .await
            .map_err(aws("PutItem configuration"))?;
        Ok(())
    }

    async fn get<T: DeserializeOwned>(
        &self,
        company_id: &CompanyId,
        id: &str,
    ) -> Result<Option<T>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(self.key(company_id, id)))
            .consistent_read(true)
            .send()
            .await
            .map_err(aws("GetItem configuration"))?;
        Ok(match out.item {
            Some(item) => Some(serde_dynamo::from_item(item)?),
            None => None,
        })
    }

    /// Every item of this kind in the company's partition.
    async fn list<T: DeserializeOwned>(
        &self,
        company_id: &CompanyId,
    ) -> Result<Vec<T>, StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("#pk = :pk AND begins_with(#sk, :kind)")
            .expression_attribute_names("#pk", "pk")
            .expression_attribute_names("#sk", "sk")
            .expression_attribute_values(":pk", AttributeValue::S(format!("C#{company_id}")))
            .expression_attribute_values(":kind", AttributeValue::S(self.kind.to_string()))
            .consistent_read(true);
        crate::paging::all_items(query, "Query configuration")
            .await?
            .into_iter()
            .map(|item| Ok(serde_dynamo::from_item(item)?))
            .collect()
    }

    /// `false` when there was nothing to delete.
    async fn delete(&self, company_id: &CompanyId, id: &str) -> Result<bool, StoreError> {
        let out = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(self.key(company_id, id)))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllOld)
            .send()
            .await
            .map_err(aws("DeleteItem configuration"))?;
        Ok(out.attributes.is_some_and(|a| !a.is_empty()))
    }
}

/// A template as saved: the engine's template plus its id and times.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedTemplate {
    pub template_id: String,
    #[serde(flatten)]
    pub template: Template,
    #[serde(with = "stored_time")]
    pub created_at: DateTime<Utc>,
    /// The last save's time, and the token a replace or delete is
    /// conditional on: each save moves it forward (see `save_time`).
    #[serde(with = "stored_time")]
    pub updated_at: DateTime<Utc>,
}

/// The time a save is stamped with, to the millisecond it is stored with:
/// now, but always after the save it replaces (`None` for a new template),
/// so that two saves within one millisecond, or on a clock behind the
/// last saver's, still change the token.
fn save_time(replaced: Option<DateTime<Utc>>) -> DateTime<Utc> {
    let now = Utc::now();
    let time = match replaced {
        Some(seen) => now.max(seen + chrono::Duration::milliseconds(1)),
        None => now,
    };
    time.trunc_subsecs(3)
}

/// Why a template could not be saved.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    #[error("a {entity} template named {name:?} exists already: choose another name, or update that template")]
    NameTaken { entity: Entity, name: String },
    #[error("no such template")]
    NotFound,
    #[error("the template was changed or deleted meanwhile: reload it and try again")]
    Changed,
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Clone, Debug)]
pub struct TemplateStore(CompanyItems);

/// The name item's sort key: names compare without case or outer spaces.
fn name_key(template: &Template) -> String {
    format!(
        "N#{}#{}",
        template.entity,
        template.name.trim().to_lowercase()
    )
}

impl TemplateStore {
    pub fn new(client: Client, table: String) -> TemplateStore {
        TemplateStore(CompanyItems {
            client,
            table,
            kind: "T#",
        })
    }

    pub async fn get(
        &self,
        company_id: &CompanyId,
        template_id: &str,
    ) -> Result<Option<SavedTemplate>, StoreError> {
        self.0.get(company_id, template_id).await
    }

    /// The company's templates, by name.
    pub async fn list(&self, company_id: &CompanyId) -> Result<Vec<SavedTemplate>, StoreError> {
        let mut templates: Vec<SavedTemplate> = self.0.list(company_id).await?;
        templates.sort_by(|a, b| {
            a.template
                .name
                .to_lowercase()
                .cmp(&b.template.name.to_lowercase())
        });
        Ok(templates)
    }

    /// Saves a new template under a name not taken yet, with a new id.
    pub async fn create(
        &self,
        company_id: &CompanyId,
        template: Template,
    ) -> Result<SavedTemplate, SaveError> {
        let now = save_time(None);
        let saved = SavedTemplate {
            template_id: uuid::Uuid::new_v4().simple().to_string(),
            template,
            created_at: now,
            updated_at: now,
        };
        let items = vec![
            (self.put_template(company_id, &saved, None)?, Clash::Gone),
            (self.put_name(company_id, &saved)?, Clash::NameTaken),
        ];
        self.transact(items, &saved.template).await?;
        Ok(saved)
    }

    /// Replaces the template `seen` was read as; a new name must be free.
    /// Fails with [`SaveError::Changed`] when someone saved it meanwhile, so
    /// that overlapping renames cannot free or hold the wrong names.
    pub async fn replace(
        &self,
        company_id: &CompanyId,
        seen: &SavedTemplate,
        template: Template,
    ) -> Result<SavedTemplate, SaveError> {
        let saved = SavedTemplate {
            template_id: seen.template_id.clone(),
            template,
            created_at: seen.created_at,
            updated_at: save_time(Some(seen.updated_at)),
        };
        let mut items = vec![(
            self.put_template(company_id, &saved, Some(seen.updated_at))?,
            Clash::Changed,
        )];
        if name_key(&seen.template) != name_key(&saved.template) {
            items.push((self.delete_name(company_id, seen)?, Clash::Changed));
            items.push((self.put_name(company_id, &saved)?, Clash::NameTaken));
        }
        self.transact(items, &saved.template).await?;
        Ok(saved)
    }

    /// Deletes the template `seen` was read as, with its name.
    pub async fn delete(
        &self,
        company_id: &CompanyId,
        seen: &SavedTemplate,
    ) -> Result<(), SaveError> {
        let delete_template = Delete::builder()
            .table_name(&self.0.table)
            .set_key(Some(self.0.key(company_id, &seen.template_id)))
            .condition_expression("#updated_at = :seen")
            .expression_attribute_names("#updated_at", "updated_at")
            .expression_attribute_values(":seen", time(&seen.updated_at))
            .build()
            .map_err(request("TransactWriteItems delete template"))?;
        let items = vec![
            (
                TransactWriteItem::builder().delete(delete_template).build(),
                Clash::Changed,
            ),
            (self.delete_name(company_id, seen)?, Clash::Changed),
        ];
        self.transact(items, &seen.template).await
    }

    /// A new template (`seen` = `None`: the id must be free), or the one
    /// last saved at `seen`.
    fn put_template(
        &self,
        company_id: &CompanyId,
        saved: &SavedTemplate,
        seen: Option<DateTime<Utc>>,
    ) -> Result<TransactWriteItem, StoreError> {
        let put = Put::builder()
            .table_name(&self.0.table)
            .set_item(Some(self.0.item(company_id, &saved.template_id, saved)?))
            .expression_attribute_names("#pk", "pk");
        let put = match seen {
            None => put.condition_expression("attribute_not_exists(#pk)"),
            Some(updated_at) => put
                .condition_expression("attribute_exists(#pk) AND #updated_at = :seen")
                .expression_attribute_names("#updated_at", "updated_at")
                .expression_attribute_values(":seen", time(&updated_at)),
        };
        let put = put
            .build()
            .map_err(request("TransactWriteItems template"))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    fn put_name(
        &self,
        company_id: &CompanyId,
        saved: &SavedTemplate,
    ) -> Result<TransactWriteItem, StoreError> {
        let mut item = key(company_id, name_key(&saved.template));
        item.insert(
            "template_id".into(),
            AttributeValue::S(saved.template_id.clone()),
        );
        let put = Put::builder()
            .table_name(&self.0.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", "pk")
            .build()
            .map_err(request("TransactWriteItems template name"))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// Frees the template's name, only if the name is still its own.
    fn delete_name(
        &self,
        company_id: &CompanyId,
        old: &SavedTemplate,
    ) -> Result<TransactWriteItem, StoreError> {
        let delete = Delete::builder()
            .table_name(&self.0.table)
            .set_key(Some(key(company_id, name_key(&old.template))))
            .condition_expression("#template_id = :id")
            .expression_attribute_names("#template_id", "template_id")
            .expression_attribute_values(":id", AttributeValue::S(old.template_id.clone()))
            .build()
            .map_err(request("TransactWriteItems template name"))?;
        Ok(TransactWriteItem::builder().delete(delete).build())
    }

    /// Runs the items in one transaction; a failed condition becomes the
    /// clash its item stands for.
    async fn transact(
        &self,
        items: Vec<(TransactWriteItem, Clash)>,
        template: &Template,
    ) -> Result<(), SaveError> {
        let (items, clashes): (Vec<_>, Vec<_>) = items.into_iter().unzip();
        let result = self
            .0
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await;
        let Err(err) = result else {
            return Ok(());
        };
        let clash = cancellation_codes(&err)
            .unwrap_or_default()
            .into_iter()
            .zip(&clashes)
            .find(|(code, _)| *code == CONDITION_FAILED)
            .map(|(_, clash)| *clash);
        Err(match clash {
            Some(Clash::Gone) => SaveError::NotFound,
            Some(Clash::Changed) => SaveError::Changed,
            Some(Clash::NameTaken) => SaveError::NameTaken {
                entity: template.entity,
                name: template.name.trim().to_string(),
            },
            None => SaveError::Store(aws("TransactWriteItems template")(err)),
        })
    }
}

/// What a failed condition on a transaction's item means.
#[derive(Clone, Copy, Debug)]
enum Clash {
    Gone,
    Changed,
    NameTaken,
}

#[derive(Clone, Debug)]
pub struct FeedStore(CompanyItems);

impl FeedStore {
    pub fn new(client: Client, table: String) -> FeedStore {
        FeedStore(CompanyItems {
            client,
            table,
            kind: "F#",
        })
    }

    pub async fn put(&self, feed: &FeedConfig) -> Result<(), StoreError> {
        self.0.put(&feed.company_id, &feed.feed_id, feed).await
    }

    pub async fn get(
        &self,
        company_id: &CompanyId,
        feed_id: &str,
    ) -> Result<Option<FeedConfig>, StoreError> {
        self.0.get(company_id, feed_id).await
    }

    pub async fn list(&self, company_id: &CompanyId) -> Result<Vec<FeedConfig>, StoreError> {
        self.0.list(company_id).await
    }

    /// `false` when the feed did not exist.
    pub async fn delete(&self, company_id: &CompanyId, feed_id: &str) -> Result<bool, StoreError> {
        self.0.delete(company_id, feed_id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_save_is_stamped_after_the_one_it_replaces() {
        let seen = save_time(None);
        assert_eq!(seen, stored_time::parse(&stored_time::text(&seen)).unwrap());
        // Saves in a row, however fast, and on a clock an hour behind the
        // last saver's: each token differs from the one it replaced.
        let ahead = seen + chrono::Duration::hours(1);
        for replaced in [seen, save_time(Some(seen)), ahead] {
            let next = save_time(Some(replaced));
            assert!(next > replaced, "{next} after {replaced}");
            assert_ne!(stored_time::text(&next), stored_time::text(&replaced));
        }
        assert_eq!(
            save_time(Some(ahead)),
            ahead + chrono::Duration::milliseconds(1)
        );
    }
}
