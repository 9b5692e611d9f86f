//! Who calls TEE Express, checked as TEE Express checks it, in its order: the
//! headers (and the body, for calls that take one) validate, with every
//! problem listed in one 422; then the API key and provider are known; then
//! the bearer ID token is valid and its session alive (401).

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use passport_wire::magic::{API_KEY_HEADER, PROVIDER_ID_HEADER};

use super::errors::{self, TeeError};
use crate::bearer::bearer;
use crate::db;
use crate::jwt::IdClaims;
use crate::state::{AppState, Shared};

/// The user a call to the wallet service is for.
pub struct TeeCaller {
    /// The ID token's subject.
    pub sub: String,
}

/// A call that takes `{message_base64}`: its caller and the message, still
/// base64 (its decoding is the endpoint's own check, after the caller's).
pub struct TeeMessage {
    /// Who asks.
    pub caller: TeeCaller,
    /// The body's `message_base64`.
    pub message_base64: String,
}

impl FromRequestParts<Shared> for TeeCaller {
    type Rejection = TeeError;

    async fn from_request_parts(parts: &mut Parts, state: &Shared) -> Result<Self, TeeError> {
        let (caller, _) = admit(state, &parts.headers, None)?;
        Ok(caller)
    }
}

impl FromRequest<Shared> for TeeMessage {
    type Rejection = TeeError;

    async fn from_request(request: Request, state: &Shared) -> Result<Self, TeeError> {
        let (parts, body) = request.into_parts();
        let body = Bytes::from_request(Request::from_parts(parts.clone(), body), state)
            .await
            .map_err(|_| TeeError::Refused(StatusCode::BAD_REQUEST, "Bad Request".into()))?;
        let (caller, message) = admit(state, &parts.headers, Some(&body))?;
        Ok(TeeMessage {
            caller,
            message_base64: message.unwrap_or_default(),
        })
    }
}

/// The checks, with the body's `message_base64` when the call takes a body.
fn admit(
    state: &AppState,
    headers: &HeaderMap,
    body: Option<&[u8]>,
) -> Result<(TeeCaller, Option<String>), TeeError> {
    let message = errors::validate(headers, body)?;
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    };
    if header(API_KEY_HEADER) != state.settings.magic_api_key {
        return Err(TeeError::unauthorised("Invalid API key"));
    }
    if header(PROVIDER_ID_HEADER) != state.settings.magic_provider_id {
        return Err(TeeError::unauthorised("Unknown OIDC provider"));
    }
    let token = bearer(headers).ok_or_else(|| TeeError::unauthorised("Missing bearer token"))?;
    // As Magic's identity-provider registration: this provider's issuer and
    // audience only, so an ID token of another application is no key here.
    let claims: IdClaims = state
        .signing_key
        .verify(token, &state.issuer, &state.wallet_audiences)
        .map_err(|err| TeeError::unauthorised(format!("Invalid ID token: {err}")))?;
    // And only while the user's session lives: signing out or revoking the
    // refresh token ends what its ID tokens can do here.
    let alive = match claims.sid.as_deref() {
        Some(sid) => db::family_alive(&state.db(), sid)?,
        None => false,
    };
    if !alive {
        return Err(TeeError::unauthorised("Session ended: sign in again"));
    }
    if claims.iat < db::tokens_valid_after(&state.db(), &claims.sub)? {
        return Err(TeeError::unauthorised("Invalid ID token: invalidated"));
    }
    Ok((TeeCaller { sub: claims.sub }, message))
}
