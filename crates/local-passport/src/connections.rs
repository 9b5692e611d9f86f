//! The accept loop: HTTP/1.1 connections served by hyper, so that idle and
//! slow clients cannot hold the server.
//!
//! - A header-read timeout (`--header-read-timeout`, default 10 s): a
//!   request's headers must arrive whole within it, and it runs from the
//!   moment a connection is accepted or has answered its last request, so it
//!   is also the keep-alive idle timeout. Trickled headers do not reset it.
//! - A timeout per request (`--request-timeout`, tower-http's TimeoutLayer,
//!   408): a body sent slowly, or a handler stuck, ends there.
//! - A cap on open connections (`--max-connections`, and always below the
//!   process's file limit, `RLIMIT_NOFILE`, less a reserve for the database
//!   and the rest): past it, new connections wait in the listen backlog
//!   instead of the process running out of files, and the connections that
//!   sit idle between requests (or were never used) are closed at once to
//!   make room, so clients that send requests are served.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::connect_info::ConnectInfo;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tower::ServiceExt;

/// Files kept free for what is not a connection: the database, its WAL and
/// shared memory, the key file, standard streams, the blocking pool's work.
const RESERVED_FILES: usize = 64;

/// The bound on open connections, shared by both listeners.
pub struct ConnectionLimit {
    permits: Arc<Semaphore>,
    limit: usize,
    /// Connections being served (the permits also count one waiting accept
    /// per listener).
    active: AtomicUsize,
    peak: AtomicUsize,
    /// Raised when the cap is reached: idle connections close.
    shed: watch::Sender<u64>,
    header_read_timeout: Duration,
}

impl ConnectionLimit {
    /// At most `wanted` connections (default: as many as the file limit
    /// allows), never more than the file limit less the reserve.
    pub fn new(wanted: Option<usize>, header_read_timeout: Duration) -> Self {
        let by_files = file_limit()
            .map(|files| files.saturating_sub(RESERVED_FILES))
            .unwrap_or(960);
        let limit = wanted.unwrap_or(usize::MAX).min(by_files).max(8);
        Self {
            permits: Arc::new(Semaphore::new(limit)),
            limit,
            active: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
            shed: watch::channel(0).0,
            header_read_timeout,
        }
    }

    /// `{limit, open, peak}`, for the readiness endpoint.
    pub fn report(&self) -> serde_json::Value {
        serde_json::json!({
            "limit": self.limit,
            "open": self.active.load(Ordering::SeqCst),
            "peak": self.peak.load(Ordering::SeqCst),
        })
    }

    /// Waits (up to `wait`) for every connection to close.
    pub async fn drained(&self, wait: Duration) {
        let all = u32::try_from(self.limit).unwrap_or(u32::MAX);
        let _ = tokio::time::timeout(wait, self.permits.acquire_many(all)).await;
    }
}

/// The process's soft limit on open files.
fn file_limit() -> Option<usize> {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit writes into the struct it is given.
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0 {
            return usize::try_from(limit.rlim_cur).ok();
        }
        None
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    None
}

/// Serves `app` on `listener` until `stop` turns true, then asks every open
/// connection to finish its request and close. The peer address goes into
/// each request as `ConnectInfo` (the sign-in form's throttle reads it).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limit: Arc<ConnectionLimit>,
    stop: watch::Receiver<bool>,
) {
    serve_with(listener, app, limit, stop, None).await
}

/// [`serve`], over TLS when `tls` is given: the handshake must end within
/// the header-read timeout, and counts against the cap like the requests.
pub async fn serve_with(
    listener: TcpListener,
    app: Router,
    limit: Arc<ConnectionLimit>,
    mut stop: watch::Receiver<bool>,
    tls: Option<tokio_rustls::TlsAcceptor>,
) {
    loop {
        let permit = match limit.permits.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                // Full: idle connections make room; this one waits for it.
                limit.shed.send_modify(|n| *n = n.wrapping_add(1));
                tokio::select! {
                    permit = limit.permits.clone().acquire_owned() => match permit {
                        Ok(permit) => permit,
                        Err(_) => return,
                    },
                    _ = stop.wait_for(|stop| *stop) => return,
                }
            }
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of files, or the peer gone before the accept: wait a
                    // moment rather than spin.
                    tracing::warn!(%err, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = stop.wait_for(|stop| *stop) => return,
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let limit = limit.clone();
        let stop = stop.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let open = limit.active.fetch_add(1, Ordering::SeqCst) + 1;
            limit.peak.fetch_max(open, Ordering::SeqCst);
            match tls {
                None => connection(stream, peer, app, &limit, stop).await,
                Some(acceptor) => {
                    let handshake =
                        tokio::time::timeout(limit.header_read_timeout, acceptor.accept(stream));
                    match handshake.await {
                        Ok(Ok(stream)) => connection(stream, peer, app, &limit, stop).await,
                        Ok(Err(err)) => tracing::debug!(%err, %peer, "TLS handshake failed"),
                        Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                    }
                }
            }
            limit.active.fetch_sub(1, Ordering::SeqCst);
        });
    }
}

/// One connection, until the client or a timeout closes it.
async fn connection<S>(
    stream: S,
    peer: SocketAddr,
    app: Router,
    limit: &ConnectionLimit,
    mut stop: watch::Receiver<bool>,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = TowerToHyperService::new(app.map_request(
        move |mut request: axum::http::Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            request
        },
    ));
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limit.header_read_timeout)
        .keep_alive(true);
    let conn = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    let mut shed = limit.shed.subscribe();
    let mut closing = false;
    loop {
        tokio::select! {
            _ = conn.as_mut() => break,
            // Under pressure or at shutdown: an idle connection closes now, a
            // busy one after its response.
            changed = shed.changed(), if !closing => {
                let _ = changed;
                conn.as_mut().graceful_shutdown();
                closing = true;
            }
            _ = stop.wait_for(|stop| *stop), if !closing => {
                conn.as_mut().graceful_shutdown();
                closing = true;
            }
        }
    }
}
