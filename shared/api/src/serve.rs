//! Serving the router outside Lambda (`dic dev`, tests): on loopback only.

use axum::Router;
use std::net::{Ipv4Addr, SocketAddr};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// The local API's port.
pub const LOCAL_PORT: u16 = 3000;

/// Serves `router` on 127.0.0.1:`port` (0 for any free port) until the
/// returned task is aborted.
pub async fn serve_loopback(
    router: Router,
    port: u16,
) -> std::io::Result<(SocketAddr, JoinHandle<()>)> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await?;
    let address = listener.local_addr()?;
    let task = tokio::spawn(async move {
        if let Err(err) = axum::serve(listener, router).await {
            tracing::error!(%err, "the local API stopped");
        }
    });
    Ok((address, task))
}
