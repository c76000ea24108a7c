//! The accept loop of the mock and of the `receive` listener: HTTP/1.1 connections with a
//! header read timeout, at most so many at once, and a stop that lets requests in flight
//! finish for a moment, then drops whatever is still open.
//!
//! A client that sends half a request must not hold the server (or `baton mock`'s exit)
//! forever, so every connection is a task this loop owns and can abort. At the connection
//! limit the loop stops accepting until one closes: more clients wait in the kernel's
//! backlog, holding none of baton's file descriptors.

use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

/// A client has this long to send a request's headers (also closes idle keep-alive connections).
pub(super) const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// The mock's bounds: connections open at once, and the header read timeout.
pub(super) const MOCK_LIMITS: Limits = Limits {
    connections: 1024,
    header_read_timeout: HEADER_READ_TIMEOUT,
};

/// How much one server takes on at once.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Connections open at once; more wait to be accepted.
    pub connections: usize,
    /// A client has this long to send a request's headers; an idle connection closes then.
    pub header_read_timeout: Duration,
}

/// On stop, requests in flight have this long to finish before their connections are dropped.
pub(super) const STOP_GRACE: Duration = Duration::from_secs(1);

/// Serve `router` on `listener` until `stop` turns true or its sender is dropped.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    mut stop: watch::Receiver<bool>,
    limits: Limits,
) {
    let service = TowerToHyperService::new(router);
    let mut conns = JoinSet::new();
    loop {
        let room = conns.len() < limits.connections;
        tokio::select! {
            _ = stopped(&mut stop) => break,
            accepted = listener.accept(), if room => match accepted {
                Ok((stream, _)) => {
                    let timeout = limits.header_read_timeout;
                    conns.spawn(connection(stream, service.clone(), stop.clone(), timeout));
                }
                // Out of file descriptors and the like: a client went away or will; try again.
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            },
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
    drop(listener);
    let _ = tokio::time::timeout(STOP_GRACE, async {
        while conns.join_next().await.is_some() {}
    })
    .await;
    conns.shutdown().await;
}

async fn connection(
    stream: TcpStream,
    service: TowerToHyperService<Router>,
    mut stop: watch::Receiver<bool>,
    header_read_timeout: Duration,
) {
    let _ = stream.set_nodelay(true);
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout);
    let conn = builder.serve_connection(TokioIo::new(stream), service);
    let mut conn = std::pin::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => return,
        _ = stopped(&mut stop) => {}
    }
    // Idle connections close now; one in the middle of a request finishes it first.
    conn.as_mut().graceful_shutdown();
    let _ = conn.await;
}

/// Resolves once a stop is asked for (or whoever could ask is gone).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}
