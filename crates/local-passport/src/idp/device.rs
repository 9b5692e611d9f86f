//! The device cookie: a browser that signed in to an account carries a tag
//! for it, an HMAC of the account's email key under a key kept in the
//! database (so it survives restarts), and is exempt from that account's
//! sign-in limit (see [`crate::sign_in_guard`]). It proves nothing about who is
//! signing in (the password still does that); it only tells the owner's
//! browser from a guesser's, so guessing elsewhere cannot lock the owner out.
//! A browser keeps tags for its last few accounts in one cookie.

use axum::http::HeaderMap;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// The cookie's name.
pub const COOKIE: &str = "lp_device";

/// Accounts a browser is remembered for at most.
const MAX_ACCOUNTS: usize = 5;

/// How long a browser is remembered: a year.
const MAX_AGE: u64 = 365 * 24 * 3600;

/// The tag of `account` (an email key): 128 bits of HMAC-SHA256, as hex.
fn tag(key: &[u8; 32], account: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(b"local-passport device v1\0");
    mac.update(account.as_bytes());
    hex::encode(&mac.finalize().into_bytes()[..16])
}

/// The tags the browser sent (one cookie; two of the name count as none).
fn tags(headers: &HeaderMap) -> Vec<String> {
    super::cookies::cookie(headers, COOKIE)
        .map(|value| {
            value
                .split('.')
                .filter(|t| t.len() == 32 && t.bytes().all(|b| b.is_ascii_hexdigit()))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// Whether this browser signed in to `account` before.
pub fn knows(key: &[u8; 32], headers: &HeaderMap, account: &str) -> bool {
    let expected = tag(key, account);
    tags(headers)
        .iter()
        .any(|t| bool::from(t.as_bytes().ct_eq(expected.as_bytes())))
}

/// The `Set-Cookie` that remembers this browser for `account` too.
pub fn remember(key: &[u8; 32], headers: &HeaderMap, account: &str) -> String {
    let new = tag(key, account);
    let mut kept: Vec<String> = tags(headers).into_iter().filter(|t| *t != new).collect();
    kept.push(new);
    let start = kept.len().saturating_sub(MAX_ACCOUNTS);
    format!(
        "{COOKIE}={}; Path=/authorize; HttpOnly; SameSite=Lax; Max-Age={MAX_AGE}",
        kept[start..].join(".")
    )
}

/// The key, from the database, made on first use.
pub fn load_or_create_key(conn: &rusqlite::Connection) -> anyhow::Result<[u8; 32]> {
    const META: &str = "device_cookie_key";
    if let Some(stored) = crate::db::meta_get(conn, META)? {
        let bytes = hex::decode(stored)?;
        return bytes
            .try_into()
            .map_err(|_| anyhow::anyhow!("the stored device cookie key is not 32 bytes"));
    }
    let key: [u8; 32] = rand::random();
    conn.execute(
        "INSERT OR IGNORE INTO meta (key, value) VALUES (?1, ?2)",
        [META, &hex::encode(key)],
    )?;
    // Another process may have stored one first: use whichever is stored.
    let stored = crate::db::meta_get(conn, META)?.unwrap_or_default();
    hex::decode(stored)?
        .try_into()
        .map_err(|_| anyhow::anyhow!("the stored device cookie key is not 32 bytes"))
}
