//! `/oauth/token`: the authorization code and refresh token grants.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use subtle::ConstantTimeEq;

use super::issue::{issue, Grant, TokenResponse};
use crate::db::{self, RefreshStatus};
use crate::errors::OAuthError;
use crate::extract::{OAuthBody, OAuthFormOrJson};
use crate::secrets::{hash_secret, pkce_s256, random_id};
use crate::state::Shared;

/// The token request, form-encoded (or JSON, as Auth0 also accepts).
/// No `Debug`: it holds the code, the verifier and the refresh token.
#[derive(Default, Deserialize)]
pub struct TokenRequest {
    grant_type: Option<String>,
    client_id: Option<String>,
    code: Option<String>,
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
    refresh_token: Option<String>,
}

/// POST `/oauth/token`.
pub async fn exchange(
    State(state): State<Shared>,
    OAuthBody(request): OAuthFormOrJson<TokenRequest>,
) -> Response {
    if let Some(refused) = switched_fault(&state).await {
        return refused.into_response();
    }
    match handle(&state, &request) {
        Ok(tokens) => (
            [
                (header::CACHE_CONTROL, "no-store"),
                (header::PRAGMA, "no-cache"),
            ],
            Json(tokens),
        )
            .into_response(),
        Err(err) => err.into_response(),
    }
}

/// The token endpoint's fault switch (admin API): the refusal it makes, or
/// `None` to answer normally (after its delay, when slow).
async fn switched_fault(state: &Shared) -> Option<OAuthError> {
    use crate::faults::WalletFault;
    let refused = |status, error, description: &str| OAuthError {
        status,
        error,
        description: description.to_owned(),
        cause: None,
    };
    match state.faults.token.take()? {
        WalletFault::Slow(ms) => {
            tokio::time::sleep(std::time::Duration::from_millis(ms.min(60_000))).await;
            None
        }
        WalletFault::Down => Some(refused(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "temporarily_unavailable",
            "the token endpoint is unavailable (fault switch)",
        )),
        WalletFault::Unauthorised(_) => {
            Some(OAuthError::invalid_client("rejected by fault switch"))
        }
        WalletFault::Invalid(_) => Some(OAuthError::invalid_grant("rejected by fault switch")),
    }
}

fn handle(state: &Shared, request: &TokenRequest) -> Result<TokenResponse, OAuthError> {
    let client_id = request.client_id.as_deref().unwrap_or_default();
    if state.clients.get(client_id).is_none() {
        return Err(OAuthError::invalid_client("unknown client"));
    }
    match request.grant_type.as_deref() {
        Some("authorization_code") => authorization_code(state, client_id, request),
        Some("refresh_token") => refresh(state, client_id, request),
        Some(_) => Err(OAuthError::bad(
            "unsupported_grant_type",
            "use authorization_code or refresh_token",
        )),
        None => Err(OAuthError::bad("invalid_request", "grant_type is required")),
    }
}

fn authorization_code(
    state: &Shared,
    client_id: &str,
    request: &TokenRequest,
) -> Result<TokenResponse, OAuthError> {
    let (code_hash, record) = presented(
        state,
        &request.code,
        "code",
        "authorization code",
        db::code_by_hash,
    )?;
    if record.client_id != client_id {
        return Err(OAuthError::invalid_grant(
            "the authorization code was issued to another client",
        ));
    }
    if request.redirect_uri.as_deref() != Some(record.redirect_uri.as_str()) {
        return Err(OAuthError::invalid_grant(
            "redirect_uri does not match the authorization request",
        ));
    }
    let verifier = required(&request.code_verifier, "code_verifier is required (PKCE)")?;
    // Constant time, so the comparison's duration reveals no matching prefix.
    let verifier_ok = (43..=128).contains(&verifier.len())
        && bool::from(
            pkce_s256(verifier)
                .as_bytes()
                .ct_eq(record.code_challenge.as_bytes()),
        );
    if !verifier_ok {
        return Err(OAuthError::invalid_grant(
            "PKCE verification failed: code_verifier does not match",
        ));
    }
    // Only now, with the client and its verifier proven: a stranger who
    // replays a code he saw cannot revoke the victim's session with it.
    if record.used {
        // A replayed code may mean it was stolen: revoke what it produced (RFC 6749 §4.1.2).
        if let Some(family) = &record.family {
            db::revoke_family(&state.db(), family)?;
        }
        tracing::warn!(
            client_id,
            "authorization code replayed; tokens issued from it revoked"
        );
        return Err(OAuthError::invalid_grant(
            "the authorization code was already used",
        ));
    }
    if record.expires_at <= crate::now() {
        return Err(OAuthError::invalid_grant(
            "the authorization code has expired",
        ));
    }
    let family = random_id();
    {
        // One hold of the database: a replay of the code cannot end the
        // family between its code being consumed and its row being written.
        let db = state.db();
        if !db::consume_code(&db, &code_hash, &family)? {
            return Err(OAuthError::invalid_grant(
                "the authorization code was already used",
            ));
        }
        // The session this exchange starts: the ID tokens' `sid`, ended by
        // revocation or by signing out of the sign-in session it came from.
        // It can issue tokens until its refresh tokens' absolute end; the
        // last of them expire a token lifetime later.
        let opts = &state.settings;
        let expires_at = crate::now()
            + opts.refresh_token_ttl.max(0)
            + opts.access_token_ttl.max(opts.id_token_ttl).max(0);
        db::start_family(
            &db,
            &family,
            &record.sub,
            record.browser_session.as_deref(),
            expires_at,
        )?;
    }
    let grant = Grant {
        client_id,
        scope: &record.scope,
        audience: record.audience.as_deref(),
        nonce: record.nonce.as_deref(),
        family: &family,
        refresh_expires_at: None,
    };
    let tokens = tokens_for(state, &record.sub, &grant)?;
    tracing::info!(sub = %record.sub, client_id, "authorization code exchanged");
    Ok(tokens)
}

fn refresh(
    state: &Shared,
    client_id: &str,
    request: &TokenRequest,
) -> Result<TokenResponse, OAuthError> {
    let (token_hash, record) = presented(
        state,
        &request.refresh_token,
        "refresh_token",
        "refresh token",
        db::refresh_token_by_hash,
    )?;
    if record.client_id != client_id {
        return Err(OAuthError::invalid_grant(
            "the refresh token was issued to another client",
        ));
    }
    let now = crate::now();
    let within_reuse_interval = |rotated_at: Option<i64>| {
        rotated_at.is_some_and(|at| now - at < state.settings.refresh_reuse_interval)
    };
    match record.status {
        RefreshStatus::Revoked => {
            return Err(OAuthError::invalid_grant("the refresh token was revoked"))
        }
        // Used again moments after its rotation: a concurrent refresh of the
        // same session, not a thief. It gets a new token in the same family.
        RefreshStatus::Rotated if within_reuse_interval(record.rotated_at) => {
            tracing::info!(sub = %record.sub, "refresh token reused within the reuse interval");
        }
        RefreshStatus::Rotated => return Err(reuse_detected(state, &record.family)?),
        RefreshStatus::Active => {}
    }
    if record.expires_at <= now {
        return Err(OAuthError::invalid_grant("the refresh token has expired"));
    }
    if record.status == RefreshStatus::Active
        && !db::rotate_refresh_token(&state.db(), &token_hash, now)?
    {
        // Rotated by a concurrent request between the read and the update.
        let again = db::refresh_token_by_hash(&state.db(), &token_hash)?;
        if !again.is_some_and(|r| {
            r.status == RefreshStatus::Rotated && within_reuse_interval(r.rotated_at)
        }) {
            return Err(reuse_detected(state, &record.family)?);
        }
    }
    let grant = Grant {
        client_id,
        scope: &record.scope,
        audience: record.audience.as_deref(),
        nonce: None,
        family: &record.family,
        refresh_expires_at: Some(record.expires_at),
    };
    tokens_for(state, &record.sub, &grant)
}

/// Both grants' opening: the secret the request must carry in `field`, as
/// stored (its hash), and its record, or `invalid_grant` for a `what` that
/// was never issued.
fn presented<R>(
    state: &Shared,
    value: &Option<String>,
    field: &str,
    what: &str,
    find: impl FnOnce(&rusqlite::Connection, &str) -> rusqlite::Result<Option<R>>,
) -> Result<(String, R), OAuthError> {
    let secret = required(value, &format!("{field} is required"))?;
    let hash = hash_secret(secret);
    let record = find(&state.db(), &hash)?
        .ok_or_else(|| OAuthError::invalid_grant(format!("the {what} is invalid")))?;
    Ok((hash, record))
}

/// Both grants' closing: the tokens of `grant` for the user `sub`, who must
/// still exist.
fn tokens_for(state: &Shared, sub: &str, grant: &Grant) -> Result<TokenResponse, OAuthError> {
    let user = db::user_by_sub(&state.db(), sub)?
        .ok_or_else(|| OAuthError::invalid_grant("the user no longer exists"))?;
    Ok(issue(state, &user, grant)?)
}

/// A rotated refresh token came back: someone holds a copy. Revoke the family.
fn reuse_detected(state: &Shared, family: &str) -> Result<OAuthError, OAuthError> {
    let revoked = db::revoke_family(&state.db(), family)?;
    tracing::warn!(
        revoked,
        "refresh token reuse detected; its family was revoked"
    );
    Ok(OAuthError::invalid_grant(
        "the refresh token was already used; the session was revoked",
    ))
}

/// A parameter the grant cannot do without.
fn required<'a>(value: &'a Option<String>, missing: &str) -> Result<&'a str, OAuthError> {
    value
        .as_deref()
        .ok_or_else(|| OAuthError::bad("invalid_request", missing))
}
