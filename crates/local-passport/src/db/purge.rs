//! Deleting what can no longer be used: expired codes and tokens, ended sessions.

use rusqlite::Connection;

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
