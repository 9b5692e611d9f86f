//! Authorization codes: single-use, short-lived, a bounded few per account.

use rusqlite::{params, Connection, OptionalExtension};

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
