//! The SQLite database: opening it, the schema and its numbered migrations
//! ([`migrations`]), and one function per query the server makes, in a module
//! per table or concern (all re-exported here).
//!
//! WAL mode with `synchronous=FULL`: whatever was answered with success is on
//! disk, so it survives `kill -9` and a restart.

use std::path::Path;

use anyhow::Context;
use rusqlite::Connection;

mod admin;
mod codes;
mod files;
mod imx;
mod meta;
pub mod migrations;
mod purge;
mod sessions;
mod tokens;
mod users;
mod wallets;

pub use admin::*;
pub use codes::*;
pub use files::*;
pub use imx::*;
pub use meta::*;
pub use purge::*;
pub use sessions::*;
pub use tokens::*;
pub use users::*;
pub use wallets::*;

/// Opens (creating if needed) the database in `data_dir`. The directory is
/// the owner's alone (0700) and so is every file in it (0600): SQLite gives
/// its `-wal` and `-shm` files the database file's mode, so creating that
/// file 0600 first covers them too.
pub fn open(data_dir: &Path) -> anyhow::Result<Connection> {
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("creating data directory {}", data_dir.display()))?;
    restrict(data_dir, 0o700)?;
    let path = data_dir.join("local-passport.sqlite3");
    open_private(&path, false)?;
    for file in [
        path.clone(),
        data_dir.join("local-passport.sqlite3-wal"),
        data_dir.join("local-passport.sqlite3-shm"),
    ] {
        if file.exists() {
            restrict(&file, 0o600)?;
        }
    }
    let mut conn =
        Connection::open(&path).with_context(|| format!("opening {}", path.display()))?;
    // Deleted rows are overwritten, not left in free pages for a copy to find.
    conn.pragma_update(None, "secure_delete", "ON")?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    migrations::migrate(&mut conn)?;
    Ok(conn)
}
