//! Accounts: users, found by any spelling of their email address, and
//! the unblock generation of each account's sign-in limit.

use rusqlite::{params, Connection, OptionalExtension};

use super::Registration;

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
