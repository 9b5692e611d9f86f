//! The database schema, as numbered migrations recorded in SQLite's
//! `PRAGMA user_version`.
//!
//! Version 0 is a database made before migrations were numbered (or a new,
//! empty one); migration 1 brings either to the schema of that time, with the
//! columns that older databases lacked; every later migration is one change.
//! Each runs in its own write transaction together with the version it sets,
//! so a server and a `users add` opening the same database at once apply it
//! once, and a failed migration leaves the database as it was.

use rusqlite::{params, Connection, TransactionBehavior};

/// The schema version this code reads and writes.
pub const LATEST: u32 = MIGRATIONS.len() as u32;

/// Migration `n` is `MIGRATIONS[n - 1]`.
const MIGRATIONS: [fn(&Connection) -> rusqlite::Result<()>; 5] = [
    migration_1_base_schema,
    migration_2_zkevm_accounts,
    migration_3_email_keys_without_skeleton,
    migration_4_purge,
    migration_5_account_unblocks,
];

/// The schema version recorded in the database.
pub fn version(conn: &Connection) -> rusqlite::Result<u32> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
}

/// Brings the database to [`LATEST`].
pub fn migrate(conn: &mut Connection) -> anyhow::Result<()> {
    migrate_to(conn, LATEST)
}

/// Applies the migrations after the recorded version up to `target` (tests
/// make older databases with it). A database newer than this code is refused:
/// it may hold what this code would misread.
pub fn migrate_to(conn: &mut Connection, target: u32) -> anyhow::Result<()> {
    anyhow::ensure!(
        target <= LATEST,
        "no migration {target}: the latest is {LATEST}"
    );
    let found = version(conn)?;
    anyhow::ensure!(
        found <= LATEST,
        "the database has schema version {found}, newer than this local-passport knows ({LATEST}): \
         use a newer local-passport or another --data-dir"
    );
    for n in found + 1..=target {
        // IMMEDIATE: the write lock first, then the version is read again, so
        // of two processes migrating at once the second finds it done.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if version(&tx)? >= n {
            continue;
        }
        MIGRATIONS[n as usize - 1](&tx)?;
        tx.pragma_update(None, "user_version", n)?;
        tx.commit()?;
        tracing::debug!(version = n, "database migrated");
    }
    Ok(())
}

/// Every account's subject and stored address, for the migrations that
/// recompute keys from the address.
fn user_emails(conn: &Connection) -> rusqlite::Result<Vec<(String, String)>> {
    conn.prepare("SELECT sub, email FROM users")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect()
}

/// Migration 1: the schema as it stood before migrations were numbered. It
/// runs on empty databases and on every older one (version 0 either way), so
/// it creates only what is missing and adds the columns older databases lack.
fn migration_1_base_schema(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(BASE_SCHEMA)?;
    // Databases from before the reuse interval lack `rotated_at`.
    if !has_column(conn, "refresh_tokens", "rotated_at")? {
        conn.execute_batch("ALTER TABLE refresh_tokens ADD COLUMN rotated_at INTEGER")?;
    }
    // Databases from before confusable-proof accounts lack `email_key`.
    if !has_column(conn, "users", "email_key")? {
        conn.execute_batch("ALTER TABLE users ADD COLUMN email_key TEXT")?;
        for (sub, email) in user_emails(conn)? {
            conn.execute(
                "UPDATE users SET email_key = ?1 WHERE sub = ?2",
                // The key of that time: the skeleton (migration 3 rewrites it).
                params![super::email_skeleton(&email), sub],
            )?;
        }
    }
    conn.execute_batch("CREATE INDEX IF NOT EXISTS users_email_key ON users(email_key)")?;
    // Databases from before sessions ended the wallet's trust lack `browser_session`.
    if !has_column(conn, "auth_codes", "browser_session")? {
        conn.execute_batch("ALTER TABLE auth_codes ADD COLUMN browser_session TEXT")?;
    }
    Ok(())
}

/// Migration 2: an account's zkEVM part (the `zkevm_*` fields of its
/// `passport` claim), beside its IMX registration.
fn migration_2_zkevm_accounts(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        r#"
CREATE TABLE zkevm_accounts (
    sub TEXT PRIMARY KEY REFERENCES users(sub),
    eth_address TEXT NOT NULL UNIQUE,
    user_admin_address TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
"#,
    )
}

/// Migration 3: accounts keyed on the normalised address (NFKC + full case
/// folding), no longer on its confusable skeleton, which merged different
/// real addresses (`a1ice@` signed in to `alice@`). The skeleton moves to its
/// own column, which refuses cross-script look-alikes at sign-up. Keys are
/// recomputed from the stored address, so every account keeps signing in
/// under each spelling it had (no two accounts can share a new key: they
/// would have shared the old one, which was unique).
fn migration_3_email_keys_without_skeleton(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch("ALTER TABLE users ADD COLUMN skeleton TEXT")?;
    for (sub, email) in user_emails(conn)? {
        conn.execute(
            "UPDATE users SET email_key = ?1, skeleton = ?2 WHERE sub = ?3",
            params![super::email_key(&email), super::email_skeleton(&email), sub],
        )?;
    }
    conn.execute_batch("CREATE INDEX users_skeleton ON users(skeleton)")
}

/// Migration 4: what the purge needs. A session's end (after which none of
/// its tokens can be valid: `expires_at`, NULL for sessions started before,
/// which go when they are ended), and the indexes the purge and the
/// per-account cap on codes search by.
fn migration_4_purge(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        r#"
ALTER TABLE session_families ADD COLUMN expires_at INTEGER;
CREATE INDEX session_families_expiry ON session_families(expires_at);
CREATE INDEX auth_codes_sub ON auth_codes(sub);
CREATE INDEX auth_codes_expiry ON auth_codes(expires_at);
CREATE INDEX refresh_tokens_expiry ON refresh_tokens(expires_at);
CREATE INDEX sessions_expiry ON sessions(expires_at);
"#,
    )
}

/// Migration 5: `users unblock` raises an account's unblock generation,
/// which starts a new sign-in allowance for it on a running server.
fn migration_5_account_unblocks(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "CREATE TABLE account_unblocks (email_key TEXT PRIMARY KEY, generation INTEGER NOT NULL);",
    )
}

/// Whether `table` has `column` (older databases lack the newer ones).
fn has_column(conn: &Connection, table: &str, column: &str) -> rusqlite::Result<bool> {
    conn.prepare("SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2")?
        .exists([table, column])
}

/// The tables of migration 1, as the unnumbered versions created them
/// (`IF NOT EXISTS`: an older database has some of them already).
const BASE_SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    sub TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
    nickname TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    id_hash TEXT PRIMARY KEY,
    sub TEXT NOT NULL REFERENCES users(sub),
    expires_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS auth_codes (
    code_hash TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    code_challenge TEXT NOT NULL,
    nonce TEXT,
    scope TEXT NOT NULL,
    audience TEXT,
    sub TEXT NOT NULL REFERENCES users(sub),
    expires_at INTEGER NOT NULL,
    used INTEGER NOT NULL DEFAULT 0,
    family TEXT
);
CREATE TABLE IF NOT EXISTS refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    family TEXT NOT NULL,
    sub TEXT NOT NULL REFERENCES users(sub),
    client_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    audience TEXT,
    status TEXT NOT NULL CHECK (status IN ('active', 'rotated', 'revoked')),
    expires_at INTEGER NOT NULL,
    rotated_at INTEGER
);
CREATE INDEX IF NOT EXISTS refresh_tokens_family ON refresh_tokens(family);
CREATE TABLE IF NOT EXISTS wallets (
    sub TEXT PRIMARY KEY REFERENCES users(sub),
    address TEXT NOT NULL UNIQUE,
    sealed_key BLOB NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS signable_payloads (
    payload_hash TEXT PRIMARY KEY,
    ether_key TEXT NOT NULL,
    stark_key TEXT NOT NULL,
    signable_message TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS session_families (
    family TEXT PRIMARY KEY,
    sub TEXT NOT NULL,
    browser_session TEXT,
    ended INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS session_families_browser ON session_families(browser_session);
CREATE INDEX IF NOT EXISTS signable_payloads_pair ON signable_payloads(ether_key, stark_key);
CREATE INDEX IF NOT EXISTS signable_payloads_expiry ON signable_payloads(expires_at);
CREATE TABLE IF NOT EXISTS registrations (
    ether_key TEXT PRIMARY KEY,
    sub TEXT NOT NULL UNIQUE REFERENCES users(sub),
    stark_key TEXT NOT NULL,
    user_admin_address TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn tables(conn: &Connection) -> Vec<String> {
        conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    #[test]
    fn a_new_database_gets_every_migration() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        assert_eq!(version(&conn).unwrap(), LATEST);
        assert!(tables(&conn).contains(&"zkevm_accounts".to_owned()));
        // Again: nothing to do, nothing fails.
        migrate(&mut conn).unwrap();
        assert_eq!(version(&conn).unwrap(), LATEST);
    }

    #[test]
    fn migration_1_alone_is_the_schema_before_zkevm_accounts() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate_to(&mut conn, 1).unwrap();
        assert_eq!(version(&conn).unwrap(), 1);
        assert!(!tables(&conn).contains(&"zkevm_accounts".to_owned()));
        assert!(has_column(&conn, "users", "email_key").unwrap());
        migrate(&mut conn).unwrap();
        assert_eq!(version(&conn).unwrap(), LATEST);
        assert!(tables(&conn).contains(&"zkevm_accounts".to_owned()));
    }

    /// The oldest unnumbered database: no `email_key`, `rotated_at` or
    /// `browser_session`, and user_version 0 with its tables present.
    #[test]
    fn an_unnumbered_database_of_the_oldest_schema_upgrades_and_keeps_its_accounts() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
             CREATE TABLE users (sub TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE COLLATE NOCASE,
                 nickname TEXT NOT NULL, password_hash TEXT NOT NULL, created_at INTEGER NOT NULL);
             CREATE TABLE auth_codes (code_hash TEXT PRIMARY KEY, client_id TEXT NOT NULL,
                 redirect_uri TEXT NOT NULL, code_challenge TEXT NOT NULL, nonce TEXT,
                 scope TEXT NOT NULL, audience TEXT, sub TEXT NOT NULL REFERENCES users(sub),
                 expires_at INTEGER NOT NULL, used INTEGER NOT NULL DEFAULT 0, family TEXT);
             CREATE TABLE refresh_tokens (token_hash TEXT PRIMARY KEY, family TEXT NOT NULL,
                 sub TEXT NOT NULL REFERENCES users(sub), client_id TEXT NOT NULL,
                 scope TEXT NOT NULL, audience TEXT,
                 status TEXT NOT NULL CHECK (status IN ('active', 'rotated', 'revoked')),
                 expires_at INTEGER NOT NULL);
             INSERT INTO users VALUES ('email|old', 'ÄLICE@example.test', 'alice', 'hash', 1);",
        )
        .unwrap();
        assert_eq!(version(&conn).unwrap(), 0);
        migrate(&mut conn).unwrap();
        assert_eq!(version(&conn).unwrap(), LATEST);
        assert!(has_column(&conn, "refresh_tokens", "rotated_at").unwrap());
        assert!(has_column(&conn, "auth_codes", "browser_session").unwrap());
        let key: String = conn
            .query_row(
                "SELECT email_key FROM users WHERE sub = 'email|old'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(key, super::super::email_key("älice@example.test"));
    }

    /// Every migration, from the schema just before it with an account in
    /// it: it applies, records its number, and the account is still there.
    #[test]
    fn each_migration_applies_to_the_schema_before_it_and_keeps_the_accounts() {
        for n in 2..=LATEST {
            let mut conn = Connection::open_in_memory().unwrap();
            migrate_to(&mut conn, n - 1).unwrap();
            conn.execute(
                "INSERT INTO users (sub, email, email_key, nickname, password_hash, created_at)
                 VALUES ('email|kept', 'Kept@example.test', ?1, 'kept', 'hash', 1)",
                [super::super::email_key("Kept@example.test")],
            )
            .unwrap();
            migrate_to(&mut conn, n).unwrap_or_else(|err| panic!("migration {n}: {err}"));
            assert_eq!(version(&conn).unwrap(), n);
            let email: String = conn
                .query_row(
                    "SELECT email FROM users WHERE sub = 'email|kept'",
                    [],
                    |r| r.get(0),
                )
                .unwrap_or_else(|err| panic!("after migration {n}: {err}"));
            assert_eq!(email, "Kept@example.test", "migration {n} kept the account");
        }
    }

    #[test]
    fn a_database_newer_than_the_code_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", LATEST + 1)
            .unwrap();
        let err = migrate(&mut conn).unwrap_err().to_string();
        assert!(err.contains("newer"), "{err}");
    }
}
