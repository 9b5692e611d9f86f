//! What every handler shares: database, keys, clients and settings.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::Connection;

use crate::cli::ServeOptions;
use crate::clients::Clients;
use crate::jwt::SigningKey;
use crate::kek::Kek;

/// Shared server state.
pub struct AppState {
    db: Mutex<Connection>,
    /// The RS256 signing key.
    pub signing_key: SigningKey,
    /// Seals wallet keys at rest.
    pub kek: Kek,
    /// Registered clients.
    pub clients: Clients,
    /// Settings from the command line.
    pub opts: ServeOptions,
    /// The issuer, `http://host:port/`.
    pub issuer: String,
    /// The wallet origin, `http://host:wallet_port`.
    pub wallet_origin: String,
    /// Fault switches for tests (off unless switched on through the admin endpoint).
    pub faults: Faults,
}

/// Shared state handle.
pub type Shared = Arc<AppState>;

/// Faults a test can switch on to see how clients cope.
#[derive(Default)]
pub struct Faults {
    /// The IMX API answers 503 to everything.
    pub imx_down: AtomicBool,
    /// The wallet service (TEE Express) down, slow or refusing.
    pub wallet: crate::wallet::WalletFaults,
}

impl Faults {
    /// Whether the IMX API is switched off.
    pub fn imx_down(&self) -> bool {
        self.imx_down.load(Ordering::SeqCst)
    }
}

impl AppState {
    /// Builds the state.
    pub fn new(
        conn: Connection,
        signing_key: SigningKey,
        kek: Kek,
        clients: Clients,
        opts: ServeOptions,
        issuer: String,
        wallet_origin: String,
    ) -> Self {
        Self {
            db: Mutex::new(conn),
            signing_key,
            kek,
            clients,
            opts,
            issuer,
            wallet_origin,
            faults: Faults::default(),
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
