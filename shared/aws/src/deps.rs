//! What a handler needs, built once per process and shared by reference.

use crate::chunk_queue::ChunkQueue;
use crate::clients::Clients;
use crate::config::Resources;
use crate::config_store::{FeedStore, TemplateStore};
use crate::imports::{ChunkLedger, ImportStore, RowLogStore, SplitClaims};
use crate::records::RecordStore;
use dic_core::chunk::ChunkLimits;

#[derive(Clone, Debug)]
pub struct Deps {
    pub clients: Clients,
    pub resources: Resources,
    pub imports: ImportStore,
    pub claims: SplitClaims,
    pub ledger: ChunkLedger,
    pub logs: RowLogStore,
    pub records: RecordStore,
    pub templates: TemplateStore,
    pub feeds: FeedStore,
    pub chunks: ChunkQueue,
    pub chunk_limits: ChunkLimits,
}

impl Deps {
    pub fn new(clients: Clients, resources: Resources) -> Deps {
        let db = &clients.dynamodb;
        Deps {
            imports: ImportStore::new(db.clone(), resources.imports_table.clone()),
            claims: SplitClaims::new(db.clone(), resources.imports_table.clone()),
            ledger: ChunkLedger::new(db.clone(), resources.imports_table.clone()),
            logs: RowLogStore::new(db.clone(), resources.imports_table.clone()),
            records: RecordStore::new(db.clone(), resources.records_table.clone()),
            templates: TemplateStore::new(db.clone(), resources.templates_table.clone()),
            feeds: FeedStore::new(db.clone(), resources.feeds_table.clone()),
            chunks: ChunkQueue::new(clients.sqs.clone(), resources.chunk_queue_url.clone()),
            chunk_limits: ChunkLimits::default(),
            clients,
            resources,
        }
    }

    /// For a Lambda function: clients and resource names from the environment.
    pub async fn from_env() -> anyhow::Result<Deps> {
        let resources = Resources::from_env()?;
        Ok(Deps::new(Clients::from_env().await, resources))
    }
}
