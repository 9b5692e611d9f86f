//! What every handler shares: database, keys, clients and settings.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::Connection;

use crate::clients::Clients;
use crate::connections::ConnectionLimit;
use crate::faults::Faults;
use crate::jwt::SigningKey;
use crate::kek::Kek;
use crate::settings::Settings;
use crate::sign_in_guard::SignInGuard;

/// What the data directory and the clients file hold, opened.
pub struct Stores {
    /// The database.
    pub conn: Connection,
    /// The RS256 signing key.
    pub signing_key: SigningKey,
    /// The key-encryption key.
    pub kek: Kek,
    /// Registered clients.
    pub clients: Clients,
    /// Keys the device cookies.
    pub device_key: [u8; 32],
}

/// Shared server state.
pub struct AppState {
    db: Mutex<Connection>,
    /// The RS256 signing key.
    pub signing_key: SigningKey,
    /// Seals wallet keys at rest.
    pub kek: Kek,
    /// Registered clients.
    pub clients: Clients,
    /// The operator's settings.
    pub settings: Settings,
    /// The issuer: `--issuer` as given, or `http://host:port/`.
    pub issuer: String,
    /// The wallet origin, `http://host:wallet_port`.
    pub wallet_origin: String,
    /// Fault switches for tests (off unless switched on through the admin endpoint).
    pub faults: Faults,
    /// Bounds concurrent password hashing (about 19 MiB each).
    pub hashing: Hashing,
    /// Keys the sign-in form's CSRF tokens (new at every start: a form shown
    /// before a restart must be opened again).
    pub csrf_key: [u8; 32],
    /// Keys the device cookies (kept in the database: a browser stays
    /// known across restarts).
    pub device_key: [u8; 32],
    /// The cap on open connections (both listeners).
    pub connections: Arc<ConnectionLimit>,
    /// Brute-force protection of the sign-in form.
    pub sign_in_guard: SignInGuard,
    /// The admin API's token, request log and decoded last tokens.
    pub admin: crate::admin::memory::Admin,
    /// The ID-token audiences the wallet's identity provider accepts:
    /// `--magic-audience`, or by default the first client (the app).
    pub wallet_audiences: Vec<String>,
}

/// At most `limit` password hashes at once: argon2 takes about 19 MiB for
/// each, so unbounded concurrency is unbounded memory. The rest wait their
/// turn, up to a deadline, then get a 503.
pub struct Hashing {
    permits: Arc<tokio::sync::Semaphore>,
    limit: usize,
    peak: std::sync::atomic::AtomicUsize,
}

impl Hashing {
    /// A bound of `limit` concurrent hashes.
    pub fn new(limit: usize) -> Self {
        let limit = limit.max(1);
        Self {
            permits: Arc::new(tokio::sync::Semaphore::new(limit)),
            limit,
            peak: Default::default(),
        }
    }

    /// Hashes running now: the permits taken.
    fn running(&self) -> usize {
        self.limit - self.permits.available_permits()
    }

    /// Runs `work` (a password hash or verification) on the blocking pool once
    /// a permit is free; `None` when none came within `wait`.
    pub async fn run<T: Send + 'static>(
        &self,
        wait: std::time::Duration,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Option<anyhow::Result<T>> {
        let permit = tokio::time::timeout(wait, self.permits.clone().acquire_owned())
            .await
            .ok()?
            .ok()?;
        self.peak.fetch_max(self.running(), Ordering::SeqCst);
        // The permit goes with the work: a client that hangs up drops this
        // future, not the hash already running on the pool.
        let outcome = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work()
        })
        .await
        .map_err(anyhow::Error::from);
        Some(outcome)
    }

    /// `{limit, running, peak}`, for the readiness endpoint.
    pub fn report(&self) -> serde_json::Value {
        serde_json::json!({
            "limit": self.limit,
            "running": self.running(),
            "peak": self.peak.load(Ordering::SeqCst),
        })
    }
}

/// Shared state handle.
pub type Shared = Arc<AppState>;

fn hashes_at_once(settings: &Settings) -> usize {
    settings
        .max_concurrent_hashes
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
}

impl AppState {
    /// Builds the state.
    pub fn new(stores: Stores, settings: Settings, issuer: String, wallet_origin: String) -> Self {
        let Stores {
            conn,
            signing_key,
            kek,
            clients,
            device_key,
        } = stores;
        let wallet_audiences = if settings.magic_audience.is_empty() {
            clients.ids().into_iter().take(1).collect()
        } else {
            settings.magic_audience.clone()
        };
        Self {
            db: Mutex::new(conn),
            signing_key,
            kek,
            clients,
            issuer,
            wallet_origin,
            faults: Faults::default(),
            hashing: Hashing::new(hashes_at_once(&settings)),
            csrf_key: rand::random(),
            device_key,
            connections: Arc::new(ConnectionLimit::new(
                settings.max_connections,
                std::time::Duration::from_secs(settings.header_read_timeout),
            )),
            sign_in_guard: SignInGuard::new(&settings),
            wallet_audiences,
            admin: crate::admin::memory::Admin::new(settings.admin_token.clone()),
            settings,
        }
    }

    /// The database connection. Queries are short; hold the guard only for them.
    pub fn db(&self) -> MutexGuard<'_, Connection> {
        self.db
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// An endpoint URL below the issuer.
    pub fn endpoint(&self, path: &str) -> String {
        format!("{}{}", self.issuer, path.trim_start_matches('/'))
    }
}
