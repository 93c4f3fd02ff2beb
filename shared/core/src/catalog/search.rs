//! Search-as-you-type over the catalog.

use super::{Entity, Field};

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SearchHit {
    pub field: &'static Field,
    /// Higher is better; hits come sorted by it.
    pub score: f32,
}

/// Fields whose label, synonyms, category or subcategory match `query`,
/// ranked, leaving out the field ids in `mapped`.
pub fn search(entity: Entity, query: &str, mapped: &[&str]) -> Vec<SearchHit> {
    let _ = (entity, query, mapped);
    todo!()
}
