//! The authorization request: its parameters as the client sends them, and
//! their validation. Until the client and redirect URI are known to be
//! registered, a refusal is an error page and never a redirect (RFC 6749
//! §4.1.2.1); after that, it goes back to the client as `error` and
//! `error_description` with the `state`.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::state::AppState;

/// The parameters of an authorization request, as sent by the client.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct AuthorizeParams {
    pub response_type: Option<String>,
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub scope: Option<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub audience: Option<String>,
    pub prompt: Option<String>,
    /// `signup` opens the create-account form (Auth0's `screen_hint`).
    pub screen_hint: Option<String>,
    /// The SDK's direct login: `email`, `google`, `apple` or `facebook`.
    pub direct: Option<String>,
    /// With `direct=email`: the address to fill in.
    #[serde(rename = "email")]
    pub direct_email: Option<String>,
    /// The SDK's `marketingConsent` (accepted; nothing is mailed here).
    #[serde(rename = "marketingConsent")]
    pub marketing_consent: Option<String>,
    /// The trace id the SDK carries from its embedded login prompt
    /// (accepted, not used).
    pub im_passport_trace_id: Option<String>,
}

/// A request that passed validation.
pub struct ValidRequest {
    pub params: AuthorizeParams,
    pub client_id: String,
    pub redirect_uri: String,
    pub code_challenge: String,
    pub scope: String,
    pub client_name: String,
}

/// Why a request was refused.
pub enum Refusal {
    /// Client or redirect URI not trusted: show a page, never redirect.
    Page(StatusCode, String),
    /// Tell the client, by redirect.
    Redirect {
        redirect_uri: String,
        error: &'static str,
        description: String,
        state: Option<String>,
    },
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::Page(status, message) => {
                (status, Html(crate::html::error_page(&message))).into_response()
            }
            Refusal::Redirect {
                redirect_uri,
                error,
                description,
                state,
            } => {
                let mut url = Url::parse(&redirect_uri).expect("registered redirect URIs are URLs");
                url.query_pairs_mut()
                    .append_pair("error", error)
                    .append_pair("error_description", &description);
                if let Some(state) = state {
                    url.query_pairs_mut().append_pair("state", &state);
                }
                Redirect::to(url.as_str()).into_response()
            }
        }
    }
}

const MAX_PARAM_LEN: usize = 2048;

/// Checks client, redirect URI, response type, PKCE and scope.
pub fn validate(state: &AppState, params: AuthorizeParams) -> Result<ValidRequest, Refusal> {
    let too_long = [
        &params.state,
        &params.nonce,
        &params.scope,
        &params.audience,
        &params.code_challenge,
        &params.im_passport_trace_id,
    ]
    .iter()
    .any(|p| p.as_ref().is_some_and(|v| v.len() > MAX_PARAM_LEN));
    let client_id = params.client_id.clone().unwrap_or_default();
    let Some(client) = state.clients.get(&client_id) else {
        return Err(Refusal::Page(
            StatusCode::BAD_REQUEST,
            format!(
                "Unknown client “{}”. The application is not registered with this Passport.",
                client_id
            ),
        ));
    };
    let redirect_uri = params.redirect_uri.clone().unwrap_or_default();
    if !client.allows_redirect(&redirect_uri) {
        return Err(Refusal::Page(
            StatusCode::BAD_REQUEST,
            format!(
                "The redirect URI “{redirect_uri}” is not registered for this application. \
                 Registered: {}.",
                client.redirect_uris.join(", ")
            ),
        ));
    }
    // An over-long state is not echoed back: the refusal would carry it.
    let echoed_state = params.state.clone().filter(|s| s.len() <= MAX_PARAM_LEN);
    let refuse = |error: &'static str, description: &str| Refusal::Redirect {
        redirect_uri: redirect_uri.clone(),
        error,
        description: description.to_owned(),
        state: echoed_state.clone(),
    };
    if too_long {
        return Err(refuse("invalid_request", "a parameter is too long"));
    }
    if params.response_type.as_deref() != Some("code") {
        return Err(refuse(
            "unsupported_response_type",
            "only response_type=code is supported",
        ));
    }
    let code_challenge = match (
        params.code_challenge.as_deref(),
        params.code_challenge_method.as_deref(),
    ) {
        (Some(challenge), Some("S256")) if is_s256_challenge(challenge) => challenge.to_owned(),
        (Some(_), Some("S256")) => {
            return Err(refuse(
                "invalid_request",
                "code_challenge is not a valid S256 challenge",
            ))
        }
        (Some(_), Some("plain")) | (Some(_), None) => {
            return Err(refuse(
                "invalid_request",
                "PKCE method plain is not allowed; use S256",
            ))
        }
        (Some(_), Some(_)) => {
            return Err(refuse(
                "invalid_request",
                "unsupported code_challenge_method; use S256",
            ))
        }
        (None, _) => {
            return Err(refuse(
                "invalid_request",
                "PKCE is required: send code_challenge with method S256",
            ))
        }
    };
    let asked = params.scope.clone().unwrap_or_default();
    if !asked.split_whitespace().any(|s| s == "openid") {
        return Err(refuse("invalid_scope", "the scope must include openid"));
    }
    // Only what the client is allowed; the rest is left out of the grant.
    let mut granted: Vec<&str> = Vec::new();
    for scope in asked.split_whitespace() {
        if client.scopes.iter().any(|s| s == scope) && !granted.contains(&scope) {
            granted.push(scope);
        }
    }
    let scope = granted.join(" ");
    if let Some(audience) = &params.audience {
        if !client.audiences.iter().any(|a| a == audience) {
            return Err(refuse(
                "access_denied",
                &format!("the client is not allowed to access the API “{audience}”"),
            ));
        }
    }
    Ok(ValidRequest {
        client_id,
        redirect_uri,
        code_challenge,
        scope,
        client_name: client
            .name
            .clone()
            .unwrap_or_else(|| client.client_id.clone()),
        params,
    })
}

pub(crate) fn is_s256_challenge(challenge: &str) -> bool {
    challenge.len() == 43
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::is_s256_challenge;

    #[test]
    fn an_s256_challenge_is_43_characters_of_base64url() {
        let good = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(is_s256_challenge(good));
        assert!(!is_s256_challenge(&good[1..]), "42 characters");
        assert!(!is_s256_challenge(&format!("{good}A")), "44 characters");
        assert!(
            !is_s256_challenge(&good.replace('-', "+")),
            "base64, not base64url"
        );
        assert!(!is_s256_challenge(&good.replace('c', "=")), "padding");
        assert!(!is_s256_challenge(""));
    }
}
