//! Wallets (the sealed Ethereum keys TEE Express holds) and accounts' zkEVM parts.

use rusqlite::{params, Connection, OptionalExtension};

/// The zkEVM part of an account: the `zkevm_*` fields of its `passport` claim.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ZkevmAccount {
    /// The zkEVM wallet's address (`zkevm_eth_address`).
    pub eth_address: String,
    /// The address that administers it (`zkevm_user_admin_address`).
    pub user_admin_address: String,
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
