//! Errors of the stores and queues.

use aws_smithy_types::error::display::DisplayErrorContext;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{operation} failed: {message}")]
    Aws {
        operation: &'static str,
        message: String,
    },
    #[error("a stored item does not have the expected shape: {0}")]
    Malformed(#[from] serde_dynamo::Error),
    #[error("a message does not have the expected shape: {0}")]
    Json(#[from] serde_json::Error),
    #[error("{0}")]
    Incomplete(String),
}

/// Wraps an SDK error with the operation, keeping its whole cause chain.
pub(crate) fn aws<E: std::error::Error + 'static>(
    operation: &'static str,
) -> impl FnOnce(E) -> StoreError {
    move |err| StoreError::Aws {
        operation,
        message: DisplayErrorContext(&err).to_string(),
    }
}
