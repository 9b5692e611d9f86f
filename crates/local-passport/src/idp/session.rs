//! The sign-in session cookie that lets a second login skip the form.

use axum::http::{header, HeaderMap};

use crate::secrets::{hash_secret, random_token};
use crate::state::AppState;

/// The cookie's name.
pub const COOKIE: &str = "lp_session";

/// The session id the browser sent, if any.
pub fn cookie_value(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_owned())
}

/// The signed-in user of this browser, if the session is valid.
pub fn current_user(state: &AppState, headers: &HeaderMap) -> rusqlite::Result<Option<String>> {
    match cookie_value(headers) {
        Some(id) => crate::db::session_user(&state.db(), &hash_secret(&id), crate::now()),
        None => Ok(None),
    }
}

/// Starts a session for `sub`; returns the `Set-Cookie` value.
pub fn start(state: &AppState, sub: &str) -> rusqlite::Result<String> {
    let id = random_token();
    let ttl = state.opts.session_ttl;
    crate::db::insert_session(&state.db(), &hash_secret(&id), sub, crate::now() + ttl)?;
    Ok(format!(
        "{COOKIE}={id}; Path=/; HttpOnly; SameSite=Lax; Max-Age={ttl}"
    ))
}

/// Ends this browser's session; returns the `Set-Cookie` value that clears it.
pub fn end(state: &AppState, headers: &HeaderMap) -> rusqlite::Result<String> {
    if let Some(id) = cookie_value(headers) {
        crate::db::delete_session(&state.db(), &hash_secret(&id))?;
    }
    Ok(format!(
        "{COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"
    ))
}
