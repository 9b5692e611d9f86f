//! A small in-memory log of recent requests for the admin page: method,
//! path (never the query, where authorization codes and state travel),
//! status, duration and time. The admin routes' own requests are left out.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use serde::Serialize;

use crate::state::Shared;

/// How many requests are kept.
const KEPT: usize = 200;

/// One request as logged.
#[derive(Debug, Clone, Serialize)]
pub struct Logged {
    /// Increasing from 1: the page asks for those after the last it has.
    pub seq: u64,
    /// Milliseconds since the Unix epoch.
    pub at_ms: u64,
    /// `idp` (the identity provider and the IMX API) or `wallet`.
    pub server: &'static str,
    pub method: String,
    /// The path only, cut to 200 characters.
    pub path: String,
    pub status: u16,
    pub ms: u64,
}

/// The last [`KEPT`] requests.
#[derive(Default)]
pub struct RequestLog {
    seq: AtomicU64,
    kept: Mutex<VecDeque<Logged>>,
}

impl RequestLog {
    fn push(&self, mut entry: Logged) {
        let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        entry.seq = self.seq.fetch_add(1, Ordering::SeqCst) + 1;
        if kept.len() == KEPT {
            kept.pop_front();
        }
        kept.push_back(entry);
    }

    /// The requests logged after `seq`, oldest first.
    pub fn after(&self, seq: u64) -> Vec<Logged> {
        let kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        kept.iter().filter(|e| e.seq > seq).cloned().collect()
    }

    pub fn clear(&self) {
        self.kept.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

/// The layer over each server's routes that logs its requests.
pub async fn record_requests(
    State((state, server)): State<(Shared, &'static str)>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    if path.starts_with("/__admin/") || path == "/__admin" {
        return next.run(request).await;
    }
    let method = request.method().to_string();
    let path: String = path.chars().take(200).collect();
    let started = Instant::now();
    let response = next.run(request).await;
    let at_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    state.admin.requests.push(Logged {
        seq: 0,
        at_ms,
        server,
        method,
        path,
        status: response.status().as_u16(),
        ms: started.elapsed().as_millis() as u64,
    });
    response
}
