//! The sign-in session cookie that lets a second login skip the form.

use axum::http::HeaderMap;

use super::cookies;
pub use super::cookies::{cookie, cookie_values};
use crate::secrets::{hash_secret, random_token};
use crate::state::AppState;

/// The cookie's name.
pub const COOKIE: &str = cookies::SESSION;

/// The session id the browser sent, if any.
pub fn cookie_value(headers: &HeaderMap) -> Option<String> {
    cookie(headers, COOKIE)
}

/// The signed-in user of this browser, if the session is valid.
pub fn current_user(state: &AppState, headers: &HeaderMap) -> rusqlite::Result<Option<String>> {
    match cookie_value(headers) {
        Some(id) => crate::db::session_user(&state.db(), &hash_secret(&id), crate::now()),
        None => Ok(None),
    }
}

/// The hash of the session cookie the browser sent, if any (what codes and
/// token families record, never the cookie itself).
pub fn current_hash(headers: &HeaderMap) -> Option<String> {
    cookie_value(headers).map(|id| hash_secret(&id))
}

/// Starts a session for `sub`; returns the `Set-Cookie` value and the
/// session's hash.
pub fn start(state: &AppState, sub: &str) -> rusqlite::Result<(String, String)> {
    let id = random_token();
    let ttl = state.settings.session_ttl;
    let hash = hash_secret(&id);
    crate::db::insert_session(&state.db(), &hash, sub, crate::now() + ttl)?;
    Ok((
        format!("{COOKIE}={id}; Path=/; HttpOnly; SameSite=Lax; Max-Age={ttl}"),
        hash,
    ))
}

/// Ends the browser session whose cookie hashes to `hash`, and what was
/// signed in through it: its refresh tokens, and the wallet's trust in its
/// outstanding ID tokens.
pub fn end_by_hash(state: &AppState, hash: &str) -> rusqlite::Result<()> {
    let db = state.db();
    crate::db::end_browser_session(&db, hash)?;
    crate::db::delete_session(&db, hash)
}

/// Ends the browser session `sub` signed in through to get the token family
/// `sid`, without its cookie. A sign-out from a hidden frame on another site
/// arrives without the cookie (SameSite=Lax, and Firefox and WebKit partition
/// third-party storage), so the ID token it names is what ties it to the
/// session, as OIDC front-channel logout's `sid` does.
pub fn end_by_sid(state: &AppState, sid: &str, sub: &str) -> rusqlite::Result<()> {
    let Some(hash) = crate::db::family_browser_session(&state.db(), sid)? else {
        return Ok(());
    };
    let owner = crate::db::session_user(&state.db(), &hash, crate::now())?;
    if owner.as_deref() == Some(sub) {
        end_by_hash(state, &hash)?;
    }
    Ok(())
}

/// Ends this browser's session; returns the `Set-Cookie` value that clears it.
pub fn end(state: &AppState, headers: &HeaderMap) -> rusqlite::Result<String> {
    // Every session the browser names ends, a tossed-in second one too: the
    // one the user meant to sign out of is among them.
    for id in cookie_values(headers, COOKIE) {
        if id.is_empty() {
            continue;
        }
        end_by_hash(state, &hash_secret(&id))?;
    }
    Ok(format!(
        "{COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"
    ))
}
