//! The local stack: the resources the SAM template declares, created on an
//! emulator, and a host that polls the queues and calls the very handlers
//! the Lambda functions call.

mod host;
mod provision;

pub use crate::split::s3_event_from_notification;
pub use host::{spawn_host, HostHandle, HostOptions};
pub use provision::{provision, LocalStack, StackNames};
