//! The import engine of Data Import Center.
//!
//! Pure on purpose: it takes bytes and settings and returns rows, outcomes and
//! errors, so every rule is unit-tested in milliseconds and the Lambda
//! functions stay thin adapters. Nothing here knows AWS or an async runtime.
//!
//! The flow of one file:
//! [`decode`] → [`dialect`] → [`table`] (or [`xlsx_in`]) → [`mapping`] →
//! [`plan`] (column hints) and [`duplicates`] (duplicate keys) → [`chunk`]
//! → [`validate`] per row → [`xlsx_out`] for the rows that failed.
//! [`prepare`] strings the splitter's half together. The rules planning and
//! validation must read alike (date order, trimming, record keys) live in
//! [`rules`], which depends on nothing else here.

mod bytescan;
pub mod catalog;
pub mod checksum;
pub mod chunk;
pub mod decode;
pub mod dialect;
pub mod docs;
pub mod duplicates;
pub mod file_error;
pub mod headers;
pub mod ids;
pub mod limits;
pub mod mapping;
pub mod plan;
pub mod prepare;
pub mod preview;
pub mod row;
pub mod rules;
pub mod sample;
pub mod table;
pub mod template;
pub mod upsert;
pub mod validate;
pub mod xlsx_in;
pub mod xlsx_out;

pub use catalog::{Entity, Field, FieldType};
pub use file_error::FileError;
pub use row::{Cells, RowNumber, SourceRow};
