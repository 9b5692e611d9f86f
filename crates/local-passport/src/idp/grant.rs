//! The grant: a single-use authorization code for the signed-in user, and
//! the redirect that takes it back to the client.

use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use url::Url;

use super::authorize_request::ValidRequest;
use crate::db::{self, AuthCode};
use crate::errors::OAuthError;
use crate::secrets::{hash_secret, random_token};
use crate::state::AppState;

/// Issues a code for `sub` and redirects back to the client.
pub(crate) fn grant(
    state: &AppState,
    request: &ValidRequest,
    sub: &str,
    set_cookie: Option<String>,
    browser_session: Option<String>,
) -> Response {
    let code = random_token();
    let record = AuthCode {
        client_id: request.client_id.clone(),
        redirect_uri: request.redirect_uri.clone(),
        code_challenge: request.code_challenge.clone(),
        nonce: request.params.nonce.clone(),
        scope: request.scope.clone(),
        audience: request.params.audience.clone(),
        sub: sub.to_owned(),
        expires_at: crate::now() + state.settings.code_ttl,
        used: false,
        family: None,
        browser_session,
    };
    if let Err(err) = db::insert_code(&state.db(), &hash_secret(&code), &record, crate::now()) {
        return OAuthError::from(err).into_response();
    }
    let mut url = Url::parse(&request.redirect_uri).expect("registered redirect URIs are URLs");
    url.query_pairs_mut().append_pair("code", &code);
    if let Some(st) = &request.params.state {
        url.query_pairs_mut().append_pair("state", st);
    }
    let mut response = Redirect::to(url.as_str()).into_response();
    if let Some(cookie) = set_cookie {
        if let Ok(value) = cookie.parse() {
            response.headers_mut().insert(header::SET_COOKIE, value);
        }
    }
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        "no-store".parse().expect("static header"),
    );
    response
}
