//! A small in-memory log of recent requests for the admin page: method,
//! path (never the query, where authorization codes and state travel),
//! status, duration and time. The admin routes' own requests are left out.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use serde::Serialize;

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
    pub fn push(&self, mut entry: Logged) {
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
