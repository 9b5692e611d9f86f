//! Sign-in sessions: the browser's cookie (stored as its hash) and its user.

use rusqlite::{params, Connection, OptionalExtension};

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
