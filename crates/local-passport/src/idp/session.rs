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

/// The value of the cookie `wanted` the browser sent, if it sent exactly one
/// (and not empty). Two of the same name mean one was tossed in: cookies are
/// shared by every port of a host, so a page on another port can set a second
/// one with a longer path, which the browser sends first. Neither is trusted:
/// the browser is treated as signed out, and [`expire_tossed`] clears both.
pub fn cookie(headers: &HeaderMap, wanted: &str) -> Option<String> {
    match cookie_values(headers, wanted).as_slice() {
        [value] if !value.is_empty() => Some(value.clone()),
        _ => None,
    }
}

/// Every value the browser sent for the cookie `wanted`, in order.
pub fn cookie_values(headers: &HeaderMap, wanted: &str) -> Vec<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(name, _)| *name == wanted)
        .map(|(_, value)| value.to_owned())
        .collect()
}

/// The paths the server's cookies are set on (the session's and the CSRF
/// cookie's), where a tossed copy is expired.
const COOKIE_PATHS: [&str; 2] = ["/", "/authorize"];

/// Middleware: when a request carries more than one session or CSRF cookie
/// of the same name, its response expires that cookie on every path the
/// server uses, before any cookie the response sets (the browser applies
/// them in order, so a new session set by this response survives).
pub async fn expire_tossed(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let tossed: Vec<&str> = [COOKIE, super::csrf::COOKIE]
        .into_iter()
        .filter(|name| cookie_values(request.headers(), name).len() > 1)
        .collect();
    let mut response = next.run(request).await;
    if tossed.is_empty() {
        return response;
    }
    tracing::warn!(cookies = ?tossed, "more than one cookie of the same name: treated as signed out, all expired");
    let headers = response.headers_mut();
    let set_by_response: Vec<_> = headers
        .get_all(header::SET_COOKIE)
        .iter()
        .cloned()
        .collect();
    headers.remove(header::SET_COOKIE);
    for name in tossed {
        for path in COOKIE_PATHS {
            let expired = format!("{name}=; Path={path}; HttpOnly; SameSite=Lax; Max-Age=0");
            if let Ok(value) = expired.parse() {
                headers.append(header::SET_COOKIE, value);
            }
        }
    }
    for value in set_by_response {
        headers.append(header::SET_COOKIE, value);
    }
    response
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
