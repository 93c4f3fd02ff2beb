//! The README's field and rule reference, generated from the catalog so it
//! cannot go stale.

/// Markdown tables of every entity's fields.
pub fn catalog_markdown() -> String {
    todo!()
}

/// Markdown list of the validation rules and error codes.
pub fn rules_markdown() -> String {
    todo!()
}
