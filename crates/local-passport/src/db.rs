//! The SQLite database: one function per query the server makes (the schema
//! and its numbered migrations are in [`migrations`]).
//!
//! WAL mode with `synchronous=FULL`: whatever was answered with success is on
//! disk, so it survives `kill -9` and a restart.

use std::path::Path;

use anyhow::Context;
use rusqlite::{params, Connection, OptionalExtension};

pub mod migrations;

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

/// Sets `path`'s permission bits (Unix; elsewhere the platform's defaults stand).
pub fn restrict(path: &Path, mode: u32) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .with_context(|| format!("restricting {}", path.display()))?;
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}

/// Opens `path` for writing, creating it readable by the owner only (0600):
/// `fresh` fails when it exists already, otherwise an existing file is kept
/// as it is (not truncated).
pub fn open_private(path: &Path, fresh: bool) -> anyhow::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).truncate(false);
    if fresh {
        options.create_new(true);
    } else {
        options.create(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
        .open(path)
        .with_context(|| format!("creating {}", path.display()))
}

/// A user account. No `Debug`: it holds the password hash.
#[derive(Clone)]
pub struct User {
    /// Subject identifier.
    pub sub: String,
    /// Email address.
    pub email: String,
    /// Display name.
    pub nickname: String,
    /// Argon2 PHC string.
    pub password_hash: String,
}

/// A user's IMX registration.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Registration {
    /// Ethereum address.
    pub ether_key: String,
    /// Stark public key.
    pub stark_key: String,
    /// The user admin address.
    pub user_admin_address: String,
}

/// The zkEVM part of an account: the `zkevm_*` fields of its `passport` claim.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ZkevmAccount {
    /// The zkEVM wallet's address (`zkevm_eth_address`).
    pub eth_address: String,
    /// The address that administers it (`zkevm_user_admin_address`).
    pub user_admin_address: String,
}

/// A stored authorization code.
#[derive(Debug, Clone)]
pub struct AuthCode {
    /// Client the code was issued to.
    pub client_id: String,
    /// Redirect URI it was issued for.
    pub redirect_uri: String,
    /// PKCE S256 challenge.
    pub code_challenge: String,
    /// The nonce for the ID token.
    pub nonce: Option<String>,
    /// Granted scopes.
    pub scope: String,
    /// Requested audience.
    pub audience: Option<String>,
    /// The user.
    pub sub: String,
    /// Expiry.
    pub expires_at: i64,
    /// Whether it was exchanged already.
    pub used: bool,
    /// The refresh-token family created when it was exchanged.
    pub family: Option<String>,
    /// The sign-in session (hash of its cookie) the code was issued in.
    pub browser_session: Option<String>,
}

/// A stored refresh token.
#[derive(Debug, Clone)]
pub struct RefreshToken {
    /// Rotation family.
    pub family: String,
    /// The user.
    pub sub: String,
    /// The client.
    pub client_id: String,
    /// Granted scopes.
    pub scope: String,
    /// Audience.
    pub audience: Option<String>,
    /// Where the token stands.
    pub status: RefreshStatus,
    /// Expiry.
    pub expires_at: i64,
    /// When it was exchanged for its successor (rotated tokens only).
    pub rotated_at: Option<i64>,
}

/// Where a refresh token stands; stored as its lower-case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshStatus {
    /// Usable.
    Active,
    /// Exchanged for its successor (a reuse is judged by `rotated_at`).
    Rotated,
    /// Revoked, with its whole family.
    Revoked,
}

impl RefreshStatus {
    fn as_str(self) -> &'static str {
        match self {
            RefreshStatus::Active => "active",
            RefreshStatus::Rotated => "rotated",
            RefreshStatus::Revoked => "revoked",
        }
    }
}

impl rusqlite::types::ToSql for RefreshStatus {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(self.as_str().into())
    }
}

impl rusqlite::types::FromSql for RefreshStatus {
    fn column_result(value: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        match value.as_str()? {
            "active" => Ok(RefreshStatus::Active),
            "rotated" => Ok(RefreshStatus::Rotated),
            "revoked" => Ok(RefreshStatus::Revoked),
            _ => Err(rusqlite::types::FromSqlError::InvalidType),
        }
    }
}

pub fn meta_get(conn: &Connection, key: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()
}

pub fn meta_set(conn: &Connection, key: &str, value: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
        [key, value],
    )?;
    Ok(())
}

fn user_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        sub: r.get(0)?,
        email: r.get(1)?,
        nickname: r.get(2)?,
        password_hash: r.get(3)?,
    })
}

/// What makes two addresses the same account: the address normalised, NFKC
/// then full Unicode case folding of the whole of it, so `ÄLICE@`, `älice@`
/// typed with a combining accent, and fullwidth `ａlice@` are the one account
/// of `alice@`. Two different real addresses (`a1ice@` and `alice@`,
/// `rnodern@` and `modern@`) are two accounts.
pub fn email_key(email: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    caseless::default_case_fold_str(&email.nfkc().collect::<String>())
}

/// The UTS #39 confusable skeleton of an address's key: what it looks like.
/// It never merges accounts; it refuses a sign-up that looks like an account
/// in another script (see [`cross_script_look_alike`]). It is also the
/// account key of schema versions 1 and 2 (migration 3 rewrote those keys).
pub fn email_skeleton(email: &str) -> String {
    unicode_security::confusable_detection::skeleton(&email_key(email)).collect()
}

/// The resolved script set of each part of an address key (its local part
/// and each label of its domain).
fn script_sets(key: &str) -> Vec<unicode_security::mixed_script::AugmentedScriptSet> {
    key.split(['@', '.'])
        .map(unicode_security::mixed_script::AugmentedScriptSet::for_str)
        .collect()
}

/// Whether a part of the address mixes scripts (a Cyrillic `а` among Latin
/// letters): such an address is refused at sign-up.
pub fn mixes_scripts(email: &str) -> bool {
    script_sets(&email_key(email))
        .iter()
        .any(|set| set.is_empty())
}

/// Whether `new` (an address with the same skeleton as `existing`, and
/// another key) is a look-alike of it in another script: some part of one
/// is written in a script the same part of the other is not. Two ASCII
/// addresses never are: `bi11@` beside `bill@` is a real, different address.
pub fn cross_script_look_alike(new: &str, existing: &str) -> bool {
    let (new, existing) = (email_key(new), email_key(existing));
    !(new.is_ascii() && existing.is_ascii()) && script_sets(&new) != script_sets(&existing)
}

/// The address of an account that `email` would be a look-alike of in
/// another script ([`cross_script_look_alike`]), if there is one.
pub fn look_alike_account(conn: &Connection, email: &str) -> rusqlite::Result<Option<String>> {
    let key = email_key(email);
    let mut stmt =
        conn.prepare("SELECT email FROM users WHERE skeleton = ?1 AND email_key != ?2")?;
    let same_looking = stmt
        .query_map(params![email_skeleton(email), key], |r| {
            r.get::<_, String>(0)
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(same_looking
        .into_iter()
        .find(|existing| cross_script_look_alike(email, existing)))
}

/// The unblock generation of an account (its email key): 0 until
/// `users unblock` first raised it.
pub fn unblock_generation(conn: &Connection, key: &str) -> rusqlite::Result<i64> {
    Ok(conn
        .query_row(
            "SELECT generation FROM account_unblocks WHERE email_key = ?1",
            [key],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(0))
}

/// Raises an account's unblock generation: a new sign-in allowance.
pub fn raise_unblock_generation(conn: &Connection, key: &str) -> rusqlite::Result<i64> {
    conn.execute(
        "INSERT INTO account_unblocks (email_key, generation) VALUES (?1, 1)
         ON CONFLICT (email_key) DO UPDATE SET generation = generation + 1",
        [key],
    )?;
    unblock_generation(conn, key)
}

/// The account of `email`, however it is spelt (see [`email_key`]).
pub fn user_by_email(conn: &Connection, email: &str) -> rusqlite::Result<Option<User>> {
    conn.query_row(
        "SELECT sub, email, nickname, password_hash FROM users WHERE email_key = ?1",
        [email_key(email)],
        user_row,
    )
    .optional()
}

pub fn user_by_sub(conn: &Connection, sub: &str) -> rusqlite::Result<Option<User>> {
    conn.query_row(
        "SELECT sub, email, nickname, password_hash FROM users WHERE sub = ?1",
        [sub],
        user_row,
    )
    .optional()
}

/// Creates the account unless one with the same [`email_key`] exists
/// (`Ok(false)` then). The check and the insert are one statement, which
/// takes the write lock before it reads: two sign-ups, or a sign-up and a
/// `users add` in another process, cannot both pass it.
pub fn insert_user(conn: &Connection, user: &User, now: i64) -> rusqlite::Result<bool> {
    let inserted = conn.execute(
        "INSERT INTO users (sub, email, nickname, password_hash, created_at, email_key, skeleton)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7
         WHERE NOT EXISTS (SELECT 1 FROM users WHERE email_key = ?6)
         ON CONFLICT (email) DO NOTHING",
        params![
            user.sub,
            user.email,
            user.nickname,
            user.password_hash,
            now,
            email_key(&user.email),
            email_skeleton(&user.email)
        ],
    )?;
    Ok(inserted == 1)
}

/// Every user with their registration, oldest first.
pub fn list_users(conn: &Connection) -> rusqlite::Result<Vec<(User, i64, Option<Registration>)>> {
    let mut stmt = conn.prepare(
        "SELECT u.sub, u.email, u.nickname, u.password_hash, u.created_at,
                r.ether_key, r.stark_key, r.user_admin_address
         FROM users u LEFT JOIN registrations r ON r.sub = u.sub ORDER BY u.created_at, u.email",
    )?;
    let rows = stmt.query_map([], |r| {
        let registration = match r.get::<_, Option<String>>(5)? {
            Some(ether_key) => Some(Registration {
                ether_key,
                stark_key: r.get(6)?,
                user_admin_address: r.get(7)?,
            }),
            None => None,
        };
        Ok((user_row(r)?, r.get(4)?, registration))
    })?;
    rows.collect()
}

pub fn insert_session(
    conn: &Connection,
    id_hash: &str,
    sub: &str,
    expires_at: i64,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO sessions (id_hash, sub, expires_at) VALUES (?1, ?2, ?3)",
        params![id_hash, sub, expires_at],
    )?;
    Ok(())
}

pub fn session_user(
    conn: &Connection,
    id_hash: &str,
    now: i64,
) -> rusqlite::Result<Option<String>> {
    conn.query_row(
        "SELECT sub FROM sessions WHERE id_hash = ?1 AND expires_at > ?2",
        params![id_hash, now],
        |r| r.get(0),
    )
    .optional()
}

pub fn delete_session(conn: &Connection, id_hash: &str) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM sessions WHERE id_hash = ?1", [id_hash])?;
    Ok(())
}

/// Authorization codes not yet exchanged kept per account: past it, the
/// oldest go (a signed-in browser gets a new code at every `/authorize`).
pub const MAX_OUTSTANDING_CODES: i64 = 20;

/// Stores a code; the account's expired codes go, and its unexchanged codes
/// beyond [`MAX_OUTSTANDING_CODES`], oldest first.
pub fn insert_code(
    conn: &Connection,
    code_hash: &str,
    code: &AuthCode,
    now: i64,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO auth_codes (code_hash, client_id, redirect_uri, code_challenge, nonce, scope, audience, sub, expires_at, browser_session)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            code_hash, code.client_id, code.redirect_uri, code.code_challenge, code.nonce,
            code.scope, code.audience, code.sub, code.expires_at, code.browser_session
        ],
    )?;
    conn.execute(
        "DELETE FROM auth_codes WHERE sub = ?1 AND expires_at <= ?2",
        params![code.sub, now],
    )?;
    conn.execute(
        "DELETE FROM auth_codes WHERE sub = ?1 AND used = 0 AND rowid NOT IN
           (SELECT rowid FROM auth_codes WHERE sub = ?1 AND used = 0
            ORDER BY expires_at DESC, rowid DESC LIMIT ?2)",
        params![code.sub, MAX_OUTSTANDING_CODES],
    )?;
    Ok(())
}

/// What one purge deleted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Purged {
    /// Expired authorization codes.
    pub codes: usize,
    /// Refresh tokens past their absolute lifetime or of ended sessions.
    pub refresh_tokens: usize,
    /// Ended or expired sessions (token families).
    pub sessions: usize,
    /// Expired sign-in (cookie) sessions.
    pub browser_sessions: usize,
}

/// Deletes what can no longer be used: expired codes, refresh tokens past
/// their absolute lifetime, sessions that were ended (revoked, signed out)
/// or whose every token has expired, with their refresh tokens, and expired
/// sign-in sessions. One transaction.
pub fn purge(conn: &mut Connection, now: i64) -> rusqlite::Result<Purged> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let ended = "SELECT family FROM session_families WHERE ended = 1 OR expires_at <= ?1";
    let purged = Purged {
        codes: tx.execute("DELETE FROM auth_codes WHERE expires_at <= ?1", [now])?,
        refresh_tokens: tx.execute(
            &format!("DELETE FROM refresh_tokens WHERE expires_at <= ?1 OR family IN ({ended})"),
            [now],
        )?,
        sessions: tx.execute(
            "DELETE FROM session_families WHERE ended = 1 OR expires_at <= ?1",
            [now],
        )?,
        browser_sessions: tx.execute("DELETE FROM sessions WHERE expires_at <= ?1", [now])?,
    };
    tx.commit()?;
    Ok(purged)
}

pub fn code_by_hash(conn: &Connection, code_hash: &str) -> rusqlite::Result<Option<AuthCode>> {
    conn.query_row(
        "SELECT client_id, redirect_uri, code_challenge, nonce, scope, audience, sub, expires_at, used, family, browser_session
         FROM auth_codes WHERE code_hash = ?1",
        [code_hash],
        |r| {
            Ok(AuthCode {
                client_id: r.get(0)?,
                redirect_uri: r.get(1)?,
                code_challenge: r.get(2)?,
                nonce: r.get(3)?,
                scope: r.get(4)?,
                audience: r.get(5)?,
                sub: r.get(6)?,
                expires_at: r.get(7)?,
                used: r.get::<_, i64>(8)? != 0,
                family: r.get(9)?,
                browser_session: r.get(10)?,
            })
        },
    )
    .optional()
}

/// Marks a code used, recording the token family it produced; false if it was used already.
pub fn consume_code(conn: &Connection, code_hash: &str, family: &str) -> rusqlite::Result<bool> {
    let n = conn.execute(
        "UPDATE auth_codes SET used = 1, family = ?2 WHERE code_hash = ?1 AND used = 0",
        params![code_hash, family],
    )?;
    Ok(n == 1)
}

pub fn insert_refresh_token(
    conn: &Connection,
    token_hash: &str,
    t: &RefreshToken,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO refresh_tokens (token_hash, family, sub, client_id, scope, audience, status, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![token_hash, t.family, t.sub, t.client_id, t.scope, t.audience, t.status, t.expires_at],
    )?;
    Ok(())
}

pub fn refresh_token_by_hash(
    conn: &Connection,
    token_hash: &str,
) -> rusqlite::Result<Option<RefreshToken>> {
    conn.query_row(
        "SELECT family, sub, client_id, scope, audience, status, expires_at, rotated_at FROM refresh_tokens WHERE token_hash = ?1",
        [token_hash],
        |r| {
            Ok(RefreshToken {
                family: r.get(0)?,
                sub: r.get(1)?,
                client_id: r.get(2)?,
                scope: r.get(3)?,
                audience: r.get(4)?,
                status: r.get(5)?,
                expires_at: r.get(6)?,
                rotated_at: r.get(7)?,
            })
        },
    )
    .optional()
}

/// Marks an active token rotated at `now`; false if it was not active (a concurrent use won).
pub fn rotate_refresh_token(
    conn: &Connection,
    token_hash: &str,
    now: i64,
) -> rusqlite::Result<bool> {
    let n = conn.execute(
        "UPDATE refresh_tokens SET status = 'rotated', rotated_at = ?2 WHERE token_hash = ?1 AND status = 'active'",
        params![token_hash, now],
    )?;
    Ok(n == 1)
}

/// Revokes every token of a family.
pub fn revoke_family(conn: &Connection, family: &str) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE session_families SET ended = 1 WHERE family = ?1",
        [family],
    )?;
    conn.execute(
        "UPDATE refresh_tokens SET status = 'revoked' WHERE family = ?1",
        [family],
    )
}

/// Records the session a code exchange started (the ID tokens' `sid`).
/// `expires_at`: when the last token it can issue has expired (the purge
/// deletes it then).
pub fn start_family(
    conn: &Connection,
    family: &str,
    sub: &str,
    browser_session: Option<&str>,
    expires_at: i64,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT OR IGNORE INTO session_families (family, sub, browser_session, expires_at)
         VALUES (?1, ?2, ?3, ?4)",
        params![family, sub, browser_session, expires_at],
    )?;
    Ok(())
}

/// Whether the session `family` is still alive: not revoked, not signed out.
pub fn family_alive(conn: &Connection, family: &str) -> rusqlite::Result<bool> {
    Ok(conn
        .query_row(
            "SELECT ended FROM session_families WHERE family = ?1",
            [family],
            |r| r.get::<_, i64>(0),
        )
        .optional()?
        == Some(0))
}

/// The browser session a token family was signed in through, if any.
pub fn family_browser_session(conn: &Connection, family: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row(
        "SELECT browser_session FROM session_families WHERE family = ?1",
        [family],
        |r| r.get(0),
    )
    .optional()
    .map(Option::flatten)
}

/// Ends every session started in a sign-in session (logout), with its refresh tokens.
pub fn end_browser_session(conn: &Connection, browser_session: &str) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE refresh_tokens SET status = 'revoked' WHERE family IN
           (SELECT family FROM session_families WHERE browser_session = ?1)",
        [browser_session],
    )?;
    conn.execute(
        "UPDATE session_families SET ended = 1 WHERE browser_session = ?1",
        [browser_session],
    )?;
    Ok(())
}

pub fn wallet_of(conn: &Connection, sub: &str) -> rusqlite::Result<Option<(String, Vec<u8>)>> {
    conn.query_row(
        "SELECT address, sealed_key FROM wallets WHERE sub = ?1",
        [sub],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
}

/// Stores a wallet unless the user has one already; returns the one that is stored.
pub fn insert_wallet(
    conn: &Connection,
    sub: &str,
    address: &str,
    sealed_key: &[u8],
    now: i64,
) -> rusqlite::Result<(String, Vec<u8>)> {
    conn.execute(
        "INSERT INTO wallets (sub, address, sealed_key, created_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (sub) DO NOTHING",
        params![sub, address, sealed_key, now],
    )?;
    wallet_of(conn, sub).map(|w| w.expect("wallet just stored"))
}

pub fn insert_payload(
    conn: &Connection,
    payload_hash: &str,
    ether_key: &str,
    stark_key: &str,
    message: &str,
    now: i64,
    expires_at: i64,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO signable_payloads (payload_hash, ether_key, stark_key, signable_message, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![payload_hash, ether_key, stark_key, message, expires_at],
    )?;
    // The endpoint takes no credential (the SDK calls it without one), so a
    // flood must not grow the table or the work of verifying a registration:
    // only the newest few payloads of a key pair are kept, expired ones go,
    // and the table never holds more than a bounded number in all.
    conn.execute(
        "DELETE FROM signable_payloads WHERE ether_key = ?1 AND stark_key = ?2 AND payload_hash NOT IN
           (SELECT payload_hash FROM signable_payloads WHERE ether_key = ?1 AND stark_key = ?2
            ORDER BY expires_at DESC, rowid DESC LIMIT ?3)",
        params![ether_key, stark_key, MAX_PENDING_PAYLOADS],
    )?;
    conn.execute(
        "DELETE FROM signable_payloads WHERE expires_at <= ?1",
        params![now],
    )?;
    // Rowids grow with each insert: those more than the cap below the newest
    // are the oldest, found through the rowid b-tree, not a scan.
    conn.execute(
        "DELETE FROM signable_payloads
         WHERE rowid <= (SELECT MAX(rowid) FROM signable_payloads) - ?1",
        params![MAX_STORED_PAYLOADS],
    )?;
    Ok(())
}

/// Signable payloads kept in all, across key pairs.
pub const MAX_STORED_PAYLOADS: i64 = 10_000;

/// Pending signable payloads kept per key pair.
pub const MAX_PENDING_PAYLOADS: i64 = 3;

/// The unexpired payloads issued for this key pair, newest first (at most
/// [`MAX_PENDING_PAYLOADS`]): (payload_hash, signable_message).
pub fn payload_for(
    conn: &Connection,
    ether_key: &str,
    stark_key: &str,
    now: i64,
) -> rusqlite::Result<Vec<(String, String)>> {
    let mut stmt = conn.prepare(
        "SELECT payload_hash, signable_message FROM signable_payloads
         WHERE ether_key = ?1 AND stark_key = ?2 AND expires_at > ?3 ORDER BY expires_at DESC",
    )?;
    let rows = stmt.query_map(params![ether_key, stark_key, now], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })?;
    rows.collect()
}

fn registration_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Registration> {
    Ok(Registration {
        ether_key: r.get(0)?,
        stark_key: r.get(1)?,
        user_admin_address: r.get(2)?,
    })
}

pub fn registration_of_user(
    conn: &Connection,
    sub: &str,
) -> rusqlite::Result<Option<Registration>> {
    conn.query_row(
        "SELECT ether_key, stark_key, user_admin_address FROM registrations WHERE sub = ?1",
        [sub],
        registration_row,
    )
    .optional()
}

pub fn registration_of_address(
    conn: &Connection,
    ether_key: &str,
) -> rusqlite::Result<Option<Registration>> {
    conn.query_row(
        "SELECT ether_key, stark_key, user_admin_address FROM registrations WHERE ether_key = ?1",
        [ether_key],
        registration_row,
    )
    .optional()
}

/// Records a registration; `Ok(false)` when the user or address is registered already.
pub fn insert_registration(
    conn: &Connection,
    sub: &str,
    reg: &Registration,
    now: i64,
) -> rusqlite::Result<bool> {
    let n = conn.execute(
        "INSERT INTO registrations (ether_key, sub, stark_key, user_admin_address, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
        params![
            reg.ether_key,
            sub,
            reg.stark_key,
            reg.user_admin_address,
            now
        ],
    )?;
    Ok(n == 1)
}

pub fn zkevm_of_user(conn: &Connection, sub: &str) -> rusqlite::Result<Option<ZkevmAccount>> {
    conn.query_row(
        "SELECT eth_address, user_admin_address FROM zkevm_accounts WHERE sub = ?1",
        [sub],
        |r| {
            Ok(ZkevmAccount {
                eth_address: r.get(0)?,
                user_admin_address: r.get(1)?,
            })
        },
    )
    .optional()
}

/// Records an account's zkEVM part; `Ok(false)` when it has one, or the
/// address is another account's.
pub fn insert_zkevm_account(
    conn: &Connection,
    sub: &str,
    zkevm: &ZkevmAccount,
    now: i64,
) -> rusqlite::Result<bool> {
    let n = conn.execute(
        "INSERT INTO zkevm_accounts (sub, eth_address, user_admin_address, created_at)
         VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
        params![sub, zkevm.eth_address, zkevm.user_admin_address, now],
    )?;
    Ok(n == 1)
}

/// Whether some account's wallet has this address.
pub fn wallet_address_taken(conn: &Connection, address: &str) -> rusqlite::Result<bool> {
    conn.prepare("SELECT 1 FROM wallets WHERE address = ?1")?
        .exists([address])
}
