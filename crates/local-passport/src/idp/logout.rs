//! `/v2/logout?client_id=…&returnTo=…`: ends the sign-in session.
//!
//! As Auth0's, and as the official SDK calls it: a plain GET, no
//! confirmation. So a link on any site can sign the user out (a nuisance,
//! accepted as Auth0 accepts it: it ends a session, it never starts one).
//! With `id_token_hint` the request must name the signed-in user: an ID
//! token of this provider for this client (expired or not) whose subject is
//! the session's, otherwise nobody is signed out; and the session that
//! token was signed in through ends even when the request carries no cookie
//! (a hidden frame on another site), as OIDC front-channel logout's `sid`.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{session, sign_in_page};
use crate::html::page;
use crate::state::Shared;

/// Logout parameters, Auth0 style.
#[derive(Debug, Deserialize)]
pub struct LogoutParams {
    client_id: Option<String>,
    #[serde(rename = "returnTo")]
    return_to: Option<String>,
    /// An ID token naming who is to be signed out (OIDC RP-Initiated Logout).
    id_token_hint: Option<String>,
}

/// GET `/v2/logout`.
pub async fn logout(
    State(state): State<Shared>,
    headers: HeaderMap,
    query: Result<Query<LogoutParams>, QueryRejection>,
) -> Response {
    let Ok(Query(params)) = query else {
        let message = "This sign-out request is malformed.";
        return (
            StatusCode::BAD_REQUEST,
            Html(sign_in_page::error_page(message)),
        )
            .into_response();
    };
    let client_id = params.client_id.unwrap_or_default();
    let Some(client) = state.clients.get(&client_id) else {
        return (
            StatusCode::BAD_REQUEST,
            Html(sign_in_page::error_page("Unknown client: cannot sign out.")),
        )
            .into_response();
    };
    if let Some(return_to) = &params.return_to {
        if !client.allows_logout_return(return_to) {
            let message =
                format!("“{return_to}” is not a registered logout URL for this application.");
            return (
                StatusCode::BAD_REQUEST,
                Html(sign_in_page::error_page(&message)),
            )
                .into_response();
        }
    }
    if let Some(hint) = &params.id_token_hint {
        let refuse = |message: &str| {
            (
                StatusCode::BAD_REQUEST,
                Html(sign_in_page::error_page(message)),
            )
                .into_response()
        };
        let Ok(claims) = state
            .signing_key
            .verify_ignoring_expiry::<crate::jwt::IdClaims>(
                hint,
                &state.issuer,
                std::slice::from_ref(&client_id),
            )
        else {
            return refuse(
                "The id_token_hint of this sign-out request is not an ID token of this Passport \
                 for this application: nobody was signed out.",
            );
        };
        match session::current_user(&state, &headers) {
            Ok(Some(sub)) if sub != claims.sub => {
                tracing::warn!("sign-out refused: its id_token_hint names another user");
                return refuse(
                    "This sign-out request names another user than the one signed in here: \
                     nobody was signed out.",
                );
            }
            Ok(_) => {}
            Err(err) => return crate::errors::OAuthError::from(err).into_response(),
        }
        if let Some(sid) = &claims.sid {
            if let Err(err) = session::end_by_sid(&state, sid, &claims.sub) {
                return crate::errors::OAuthError::from(err).into_response();
            }
        }
    }
    let cookie = match session::end(&state, &headers) {
        Ok(cookie) => cookie,
        Err(err) => return crate::errors::OAuthError::from(err).into_response(),
    };
    let mut response = match params.return_to {
        Some(url) => Redirect::to(&url).into_response(),
        None => Html(page(
            "Signed out",
            "<h1>You are signed out</h1><p>You can close this window.</p>",
        ))
        .into_response(),
    };
    if let Ok(value) = cookie.parse() {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}
