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

/// Why DynamoDB canceled a transaction, one code per action (`"None"` for
/// the actions that were fine); `None` when the error is no cancellation.
pub(crate) fn cancellation_codes<R>(
    err: &aws_sdk_dynamodb::error::SdkError<
        aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError,
        R,
    >,
) -> Option<Vec<&str>> {
    use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
    match err.as_service_error()? {
        TransactWriteItemsError::TransactionCanceledException(canceled) => Some(
            canceled
                .cancellation_reasons()
                .iter()
                .map(|r| r.code().unwrap_or("None"))
                .collect(),
        ),
        _ => None,
    }
}

/// Cancellation codes that another attempt may clear: a race with another
/// writer, or throttling of one of the items.
pub(crate) fn transient(code: &str) -> bool {
    matches!(
        code,
        "TransactionConflict" | "ThrottlingError" | "ProvisionedThroughputExceeded"
    )
}
