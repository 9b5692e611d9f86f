//! Cross-site request forgery protection for the sign-in form. Without it a
//! page on any site could post an attacker's credentials to `/authorize`, and
//! the victim's next sign-in would land in the attacker's account.
//!
//! Two independent checks, both needed:
//! - the browser says where the POST came from: `Sec-Fetch-Site` must be
//!   `same-origin` (or `none`, typed by the user) and `Origin`, when it names
//!   one, must be this server's own;
//! - the form carries a token that binds this browser (a random value in an
//!   HttpOnly cookie, set when the form is shown) to this authorization
//!   request (client, redirect URI, state, PKCE challenge), as an HMAC under a
//!   key that never leaves the process.

use axum::http::HeaderMap;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use super::authorize_request::ValidRequest;
use crate::secrets::random_token;

/// The cookie that holds this browser's value.
pub const COOKIE: &str = super::cookies::CSRF;

/// Why a form POST was refused.
pub const REFUSED: &str = "This sign-in form was not opened on this Passport, or it has expired. \
                           Start sign-in again from the application.";

/// The browser's value, if it sent one.
fn browser_value(headers: &HeaderMap) -> Option<String> {
    super::cookies::cookie(headers, COOKIE)
}

/// What the form needs: its token, and the cookie to set when the browser
/// has none yet.
pub struct FormToken {
    /// The hidden field's value.
    pub token: String,
    /// `Set-Cookie` for a browser seen for the first time.
    pub set_cookie: Option<String>,
}

/// The token for showing the form of `request` to this browser.
pub fn for_form(key: &[u8; 32], headers: &HeaderMap, request: &ValidRequest) -> FormToken {
    match browser_value(headers) {
        Some(value) => FormToken {
            token: token(key, &value, request),
            set_cookie: None,
        },
        None => {
            let value = random_token();
            FormToken {
                token: token(key, &value, request),
                set_cookie: Some(format!(
                    "{COOKIE}={value}; Path=/authorize; HttpOnly; SameSite=Lax"
                )),
            }
        }
    }
}

/// Checks a form POST; `Ok` with the token to re-render the form with.
pub fn check(
    key: &[u8; 32],
    headers: &HeaderMap,
    sent: Option<&str>,
    request: &ValidRequest,
) -> Result<String, &'static str> {
    if cross_site(headers) {
        return Err(REFUSED);
    }
    let value = browser_value(headers).ok_or(REFUSED)?;
    let expected = token(key, &value, request);
    let matches = sent.is_some_and(|s| bool::from(s.as_bytes().ct_eq(expected.as_bytes())));
    if matches {
        Ok(expected)
    } else {
        Err(REFUSED)
    }
}

/// What the browser says of the request's origin: only this server's own
/// pages (or the user typing) may post the form.
fn cross_site(headers: &HeaderMap) -> bool {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = text("sec-fetch-site") {
        if site != "same-origin" && site != "none" {
            return true;
        }
    }
    // `null` is what a page under `Referrer-Policy: no-referrer` (ours among
    // them) sends: it says nothing, and the token decides.
    match (text("origin").filter(|o| *o != "null"), text("host")) {
        (Some(origin), Some(host)) => {
            let origin_host = origin.split_once("://").map(|(_, rest)| rest);
            origin_host != Some(host)
        }
        (Some(_), None) => true,
        (None, _) => false,
    }
}

fn token(key: &[u8; 32], browser: &str, request: &ValidRequest) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    let p = &request.params;
    for part in [
        browser,
        &request.client_id,
        &request.redirect_uri,
        p.state.as_deref().unwrap_or(""),
        &request.code_challenge,
    ] {
        mac.update(&(part.len() as u64).to_be_bytes());
        mac.update(part.as_bytes());
    }
    hex::encode(mac.finalize().into_bytes())
}
