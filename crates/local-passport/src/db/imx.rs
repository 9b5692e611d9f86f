//! The IMX API's records: signable registration payloads and registrations.

use rusqlite::{params, Connection, OptionalExtension};

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
