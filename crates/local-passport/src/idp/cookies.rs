//! The provider's cookies: their names, reading them, and expiring copies
//! tossed in by another page of the same host.

use axum::http::{header, HeaderMap};

/// The sign-in session's cookie.
pub const SESSION: &str = "lp_session";
/// The sign-in form's CSRF cookie.
pub const CSRF: &str = "lp_csrf";

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
    let tossed: Vec<&str> = [SESSION, CSRF]
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
