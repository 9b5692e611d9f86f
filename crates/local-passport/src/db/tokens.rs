//! Refresh tokens in rotation families, and the families (sessions) they
//! belong to.

use rusqlite::{params, Connection, OptionalExtension};

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
