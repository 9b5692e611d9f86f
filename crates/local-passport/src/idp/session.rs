//! The sign-in session cookie that lets a second login skip the form.

use axum::http::{header, HeaderMap};

use crate::secrets::{hash_secret, random_token};
use crate::state::AppState;

/// The cookie's name.
pub const COOKIE: &str = "lp_session";

/// The session id the browser sent, if any.
pub fn cookie_value(headers: &HeaderMap) -> Option<String> {
    cookie(headers, COOKIE)
}

/// The value of the cookie `wanted` the browser sent, if any (and not empty).
pub fn cookie(headers: &HeaderMap, wanted: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == wanted && !value.is_empty())
        .map(|(_, value)| value.to_owned())
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
    let ttl = state.opts.session_ttl;
    let hash = hash_secret(&id);
    crate::db::insert_session(&state.db(), &hash, sub, crate::now() + ttl)?;
    Ok((
        format!("{COOKIE}={id}; Path=/; HttpOnly; SameSite=Lax; Max-Age={ttl}"),
        hash,
    ))
}

/// Ends this browser's session; returns the `Set-Cookie` value that clears it.
pub fn end(state: &AppState, headers: &HeaderMap) -> rusqlite::Result<String> {
    if let Some(id) = cookie_value(headers) {
        let hash = hash_secret(&id);
        // What was signed in through this session ends with it: its refresh
        // tokens, and the wallet's trust in its outstanding ID tokens.
        let db = state.db();
        crate::db::end_browser_session(&db, &hash)?;
        crate::db::delete_session(&db, &hash)?;
    }
    Ok(format!(
        "{COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"
    ))
}
