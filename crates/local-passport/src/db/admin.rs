//! What the admin API changes and reads: the sessions of every user, a
//! user's tokens made invalid at once, an account deleted with everything it
//! owns, and the whole database emptied (its keys kept).

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

/// Access and ID tokens of `sub` issued (`iat`) before this second are
/// refused; 0 for an unknown user or one never invalidated.
pub fn tokens_valid_after(conn: &Connection, sub: &str) -> rusqlite::Result<i64> {
    Ok(conn
        .query_row(
            "SELECT tokens_valid_after FROM users WHERE sub = ?1",
            [sub],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(0))
}

/// Refuses from now on the tokens of `sub` issued before `after`; false for
/// an unknown user.
pub fn set_tokens_valid_after(conn: &Connection, sub: &str, after: i64) -> rusqlite::Result<bool> {
    Ok(conn.execute(
        "UPDATE users SET tokens_valid_after = MAX(tokens_valid_after, ?2) WHERE sub = ?1",
        params![sub, after],
    )? == 1)
}

/// Revokes every refresh token of `sub` (their sessions stay alive until
/// their access tokens expire); the number revoked.
pub fn revoke_refresh_tokens_of(conn: &Connection, sub: &str) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE refresh_tokens SET status = 'revoked' WHERE sub = ?1 AND status != 'revoked'",
        [sub],
    )
}

/// A token session (refresh-token family, the tokens' `sid`) as listed.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SessionRow {
    /// The `sid` of its tokens.
    pub sid: String,
    /// Its user.
    pub sub: String,
    /// Its user's address.
    pub email: Option<String>,
    /// The client it was issued to, once it has a refresh token.
    pub client_id: Option<String>,
    /// Whether it was signed in through the sign-in page (a browser session).
    pub browser: bool,
    /// Whether it ended (revoked or signed out).
    pub ended: bool,
    /// When the last token it can issue expires.
    pub expires_at: Option<i64>,
}

/// Every token session, or `sub`'s, the live ones first.
pub fn list_sessions(conn: &Connection, sub: Option<&str>) -> rusqlite::Result<Vec<SessionRow>> {
    let mut stmt = conn.prepare(
        "SELECT f.family, f.sub, u.email,
                (SELECT client_id FROM refresh_tokens r WHERE r.family = f.family LIMIT 1),
                f.browser_session IS NOT NULL, f.ended, f.expires_at
         FROM session_families f LEFT JOIN users u ON u.sub = f.sub
         WHERE ?1 IS NULL OR f.sub = ?1
         ORDER BY f.ended, f.expires_at DESC, f.family",
    )?;
    let rows = stmt.query_map([sub], |r| {
        Ok(SessionRow {
            sid: r.get(0)?,
            sub: r.get(1)?,
            email: r.get(2)?,
            client_id: r.get(3)?,
            browser: r.get(4)?,
            ended: r.get::<_, i64>(5)? != 0,
            expires_at: r.get(6)?,
        })
    })?;
    rows.collect()
}

/// The user of the session `sid`, if there is one.
pub fn session_owner(conn: &Connection, sid: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row(
        "SELECT sub FROM session_families WHERE family = ?1",
        [sid],
        |r| r.get(0),
    )
    .optional()
}

/// Ends every session of `sub` with its refresh tokens, and signs it out of
/// every browser (its sign-in sessions go): the number of token sessions ended.
pub fn end_sessions_of(conn: &mut Connection, sub: &str) -> rusqlite::Result<usize> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute(
        "UPDATE refresh_tokens SET status = 'revoked' WHERE sub = ?1",
        [sub],
    )?;
    let ended = tx.execute(
        "UPDATE session_families SET ended = 1 WHERE sub = ?1 AND ended = 0",
        [sub],
    )?;
    tx.execute("DELETE FROM sessions WHERE sub = ?1", [sub])?;
    tx.commit()?;
    Ok(ended)
}

/// Deletes the account `sub` and all it owns (sessions, codes, tokens,
/// wallet, zkEVM part, IMX registration, sign-in unblocks); false if there
/// was none.
pub fn delete_account(conn: &mut Connection, sub: &str) -> rusqlite::Result<bool> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute(
        "DELETE FROM account_unblocks WHERE email_key = (SELECT email_key FROM users WHERE sub = ?1)",
        [sub],
    )?;
    for table in [
        "sessions",
        "auth_codes",
        "refresh_tokens",
        "session_families",
        "wallets",
        "registrations",
        "zkevm_accounts",
    ] {
        tx.execute(&format!("DELETE FROM {table} WHERE sub = ?1"), [sub])?;
    }
    let deleted = tx.execute("DELETE FROM users WHERE sub = ?1", [sub])? == 1;
    tx.commit()?;
    Ok(deleted)
}

/// Empties every account and everything issued; the signing key, the device
/// key and the rest of `meta` stay.
pub fn reset(conn: &mut Connection) -> rusqlite::Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_batch(
        "DELETE FROM sessions; DELETE FROM auth_codes; DELETE FROM refresh_tokens;
         DELETE FROM session_families; DELETE FROM wallets; DELETE FROM registrations;
         DELETE FROM zkevm_accounts; DELETE FROM signable_payloads;
         DELETE FROM account_unblocks; DELETE FROM users;",
    )?;
    tx.commit()
}
