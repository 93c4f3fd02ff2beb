//! Adapters of Data Import Center: the stores and queues over the AWS SDK,
//! and the handlers that the Lambda functions and the local host both call.
//!
//! Handlers are plain `async fn(event, &Deps)`: a Lambda main builds
//! [`Deps`] once and hands each event to one of them.

#![forbid(unsafe_code)]

mod batch;
pub mod chunk_queue;
pub mod clients;
pub mod config;
pub mod config_store;
pub mod dead_letter;
pub mod deps;
pub mod error;
pub mod export;
pub mod import_cases;
pub mod imports;
pub mod keys;
#[cfg(feature = "local")]
pub mod local;
pub mod model;
mod paging;
pub mod process;
pub mod records;
mod retry;
pub mod row_logs;
pub mod split;
pub mod sweep;
pub mod upload_form;

pub use deps::Deps;
