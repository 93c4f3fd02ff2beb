//! Errors of the stores and queues.

use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::operation::BuildError;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A call to AWS failed; `source` is the SDK's own error, whose kind a
    /// caller can match by type (`source.downcast_ref::<SdkError<…>>()`).
    #[error("{operation} failed: {}", DisplayErrorContext(&**source))]
    Aws {
        operation: &'static str,
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
    /// A request or part of one that this code built lacks a field the SDK
    /// requires: a mistake here, not a failure of AWS, and no retry helps.
    #[error("{operation}: the request is incomplete: {source}")]
    Request {
        operation: &'static str,
        source: BuildError,
    },
    #[error("a stored item does not have the expected shape: {0}")]
    Malformed(#[from] serde_dynamo::Error),
    #[error("a message does not have the expected shape: {0}")]
    Json(#[from] serde_json::Error),
    #[error("{0}")]
    Incomplete(String),
}

/// Wraps an SDK error with the operation, keeping the error itself.
pub(crate) fn aws<E: std::error::Error + Send + Sync + 'static>(
    operation: &'static str,
) -> impl FnOnce(E) -> StoreError {
    move |err| StoreError::Aws {
        operation,
        source: Box::new(err),
    }
}

/// Wraps the error of a request builder's `build()`.
pub(crate) fn request(operation: &'static str) -> impl FnOnce(BuildError) -> StoreError {
    move |source| StoreError::Request { operation, source }
}

/// Operation errors that can say a write's condition did not hold, matched
/// by the SDK's variant rather than by its code's text.
pub(crate) trait ConditionFailed {
    fn condition_failed(&self) -> bool;
}

macro_rules! condition_failed {
    ($($error:ty),*) => {$(
        impl ConditionFailed for $error {
            fn condition_failed(&self) -> bool {
                self.is_conditional_check_failed_exception()
            }
        }
    )*};
}

condition_failed!(
    aws_sdk_dynamodb::operation::put_item::PutItemError,
    aws_sdk_dynamodb::operation::update_item::UpdateItemError,
    aws_sdk_dynamodb::operation::delete_item::DeleteItemError
);

/// A conditional write's result: `true` when written, `false` when its
/// condition did not hold.
pub(crate) fn written<O, E, R>(
    result: Result<O, aws_sdk_dynamodb::error::SdkError<E, R>>,
    operation: &'static str,
) -> Result<bool, StoreError>
where
    E: ConditionFailed + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match result {
        Ok(_) => Ok(true),
        Err(err) if err.as_service_error().is_some_and(E::condition_failed) => Ok(false),
        Err(err) => Err(aws(operation)(err)),
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

/// The cancellation code of an action whose condition did not hold.
pub(crate) const CONDITION_FAILED: &str = "ConditionalCheckFailed";

/// Cancellation codes that another attempt may clear: a race with another
/// writer, or throttling of one of the items.
pub(crate) fn transient(code: &str) -> bool {
    matches!(
        code,
        "TransactionConflict" | "ThrottlingError" | "ProvisionedThroughputExceeded"
    )
}
