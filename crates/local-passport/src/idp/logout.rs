//! `/v2/logout?client_id=…&returnTo=…`: ends the sign-in session.

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
