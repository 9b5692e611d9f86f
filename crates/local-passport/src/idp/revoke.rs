//! `/oauth/revoke` (RFC 7009): revoking a refresh token ends its whole family.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;

use crate::db;
use crate::errors::OAuthError;
use crate::extract::{OAuthBody, OAuthForm};
use crate::secrets::hash_secret;
use crate::state::Shared;

/// The revocation request. No `Debug`: it holds a token.
#[derive(Deserialize)]
pub struct RevokeRequest {
    token: Option<String>,
    client_id: Option<String>,
}

/// POST `/oauth/revoke`. Unknown tokens answer 200 too, as RFC 7009 asks.
pub async fn revoke(
    State(state): State<Shared>,
    OAuthBody(request): OAuthForm<RevokeRequest>,
) -> Result<StatusCode, OAuthError> {
    let client_id = request.client_id.unwrap_or_default();
    if state.clients.get(&client_id).is_none() {
        return Err(OAuthError::invalid_client("unknown client"));
    }
    let token = request
        .token
        .ok_or_else(|| OAuthError::bad("invalid_request", "token is required"))?;
    // Bind first: a guard held by the `if let` scrutinee would deadlock the next query.
    let found = db::refresh_token_by_hash(&state.db(), &hash_secret(&token))?;
    if let Some(record) = found {
        if record.client_id == client_id {
            db::revoke_family(&state.db(), &record.family)?;
            tracing::info!(sub = %record.sub, "refresh token revoked");
        }
    }
    Ok(StatusCode::OK)
}
