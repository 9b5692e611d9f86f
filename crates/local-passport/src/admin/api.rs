//! The admin API's routes, under `/__admin/api/`: accounts, sessions,
//! invalidation, the last tokens issued, fault switches, the request log,
//! reset and export.

use std::sync::atomic::Ordering;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::Deserialize;

use super::seed::{self, SeedAccount};
use crate::accounts;
use crate::db::{self, User};
use crate::errors::ApiError;
use crate::extract::ApiJson;
use crate::faults::WalletFault;
use crate::state::Shared;

pub fn router() -> Router<Shared> {
    Router::new()
        .route(
            "/__admin/api/accounts",
            get(list_accounts).post(create_account),
        )
        .route(
            "/__admin/api/accounts/{id}",
            get(account).delete(delete_account),
        )
        .route(
            "/__admin/api/accounts/{id}/sessions",
            get(sessions_of).delete(end_sessions_of),
        )
        .route(
            "/__admin/api/accounts/{id}/invalidate-access",
            post(invalidate_access),
        )
        .route(
            "/__admin/api/accounts/{id}/invalidate-refresh",
            post(invalidate_refresh),
        )
        .route("/__admin/api/accounts/{id}/tokens", get(last_tokens))
        .route("/__admin/api/sessions", get(sessions))
        .route("/__admin/api/sessions/{sid}", delete(end_session))
        .route("/__admin/api/faults", get(faults).post(set_faults))
        .route("/__admin/api/requests", get(requests))
        .route("/__admin/api/reset", post(reset))
        .route("/__admin/api/export", get(export))
}

fn not_found(what: &str) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("no {what}"))
}

/// The account an `{id}` names: its subject, or any spelling of its address.
fn user_of(state: &Shared, id: &str) -> Result<User, ApiError> {
    let conn = state.db();
    let found = match db::user_by_sub(&conn, id)? {
        Some(user) => Some(user),
        None if id.contains('@') => db::user_by_email(&conn, &crate::idp::normalise_email(id))?,
        None => None,
    };
    found.ok_or_else(|| not_found("such account"))
}

/// The account as listed, with its live sessions counted.
fn account_json(
    state: &Shared,
    account: &accounts::Account,
) -> Result<serde_json::Value, ApiError> {
    let mut json = account.to_json();
    let sessions = db::list_sessions(&state.db(), Some(&account.user.sub))?;
    json["sessions"] = sessions.iter().filter(|s| !s.ended).count().into();
    Ok(json)
}

/// GET: every account, oldest first.
async fn list_accounts(State(state): State<Shared>) -> Result<Json<serde_json::Value>, ApiError> {
    let listed = accounts::list(&state.db())?;
    let accounts = listed
        .iter()
        .map(|a| account_json(&state, a))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Json(serde_json::json!({ "accounts": accounts })))
}

/// GET one account.
async fn account(
    State(state): State<Shared>,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let user = user_of(&state, &id)?;
    let listed = accounts::list(&state.db())?;
    let account = listed
        .iter()
        .find(|a| a.user.sub == user.sub)
        .ok_or_else(|| not_found("such account"))?;
    Ok(Json(account_json(&state, account)?))
}

/// POST `{email, password?, shape?, seed?}`: 201 with the account, as
/// `users add` makes it (the same checks, shapes and wallet derivation).
async fn create_account(
    State(state): State<Shared>,
    ApiJson(request): ApiJson<SeedAccount>,
) -> Result<Response, ApiError> {
    let for_hashing = state.clone();
    let outcome = state
        .hashing
        .run(std::time::Duration::from_secs(10), move || {
            seed::create(&for_hashing, &request)
        })
        .await
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "too many password hashes at once: try again",
            )
        })???;
    match outcome {
        Ok(account) => {
            Ok((StatusCode::CREATED, Json(account_json(&state, &account)?)).into_response())
        }
        Err(refused) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "refused",
            refused,
        )),
    }
}

/// DELETE: the account and all it owns; 204.
async fn delete_account(
    State(state): State<Shared>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let user = user_of(&state, &id)?;
    db::delete_account(&mut state.db(), &user.sub)?;
    state.admin.tokens.forget(&user.sub);
    tracing::warn!(sub = %user.sub, "account deleted through the admin API");
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct SessionsQuery {
    sub: Option<String>,
}

/// GET: every token session (`?sub=` for one user's).
async fn sessions(
    State(state): State<Shared>,
    Query(query): Query<SessionsQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let sessions = db::list_sessions(&state.db(), query.sub.as_deref())?;
    Ok(Json(serde_json::json!({ "sessions": sessions })))
}

/// GET: one user's sessions.
async fn sessions_of(
    State(state): State<Shared>,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let user = user_of(&state, &id)?;
    let sessions = db::list_sessions(&state.db(), Some(&user.sub))?;
    Ok(Json(serde_json::json!({ "sessions": sessions })))
}

/// DELETE: ends every session of the user and signs it out of every
/// browser: its refresh tokens are refused, its access and ID tokens too.
async fn end_sessions_of(
    State(state): State<Shared>,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let user = user_of(&state, &id)?;
    let ended = db::end_sessions_of(&mut state.db(), &user.sub)?;
    tracing::warn!(sub = %user.sub, ended, "sessions ended through the admin API");
    Ok(Json(serde_json::json!({ "ended": ended })))
}

/// DELETE: ends one session (its `sid`) with its tokens.
async fn end_session(
    State(state): State<Shared>,
    Path(sid): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let conn = state.db();
    if db::session_owner(&conn, &sid)?.is_none() {
        return Err(not_found("such session"));
    }
    db::revoke_family(&conn, &sid)?;
    tracing::warn!("a session ended through the admin API");
    Ok(Json(serde_json::json!({ "ended": 1 })))
}

/// POST: the user's access and ID tokens issued until now are refused from
/// now on (the identity provider, the IMX API and TEE Express answer 401);
/// a refresh gets good ones.
async fn invalidate_access(
    State(state): State<Shared>,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let user = user_of(&state, &id)?;
    // Tokens carry whole seconds: those of this very second go too, and the
    // next ones are issued as of the next second (idp::issue).
    let after = crate::now() + 1;
    db::set_tokens_valid_after(&state.db(), &user.sub, after)?;
    tracing::warn!(sub = %user.sub, "access tokens invalidated through the admin API");
    Ok(Json(serde_json::json!({ "tokens_valid_after": after })))
}

/// POST: the user's refresh tokens are revoked: the next refresh is refused.
async fn invalidate_refresh(
    State(state): State<Shared>,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let user = user_of(&state, &id)?;
    let revoked = db::revoke_refresh_tokens_of(&state.db(), &user.sub)?;
    tracing::warn!(sub = %user.sub, revoked, "refresh tokens revoked through the admin API");
    Ok(Json(serde_json::json!({ "revoked": revoked })))
}

/// GET: the last tokens issued to the user since this start, decoded.
async fn last_tokens(
    State(state): State<Shared>,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let user = user_of(&state, &id)?;
    let issued = state.admin.tokens.of(&user.sub);
    Ok(Json(
        serde_json::json!({ "sub": user.sub, "issued": issued }),
    ))
}

/// `{"imx_down": bool, "wallet": null | "down" | {"slow": ms} |
/// {"unauthorised": n} | {"invalid": n}, "token": (as wallet)}`; absent
/// fields stay as they are.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultSwitches {
    imx_down: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    wallet: Option<Option<WalletFault>>,
    #[serde(default, deserialize_with = "present")]
    token: Option<Option<WalletFault>>,
}

/// Tells a field set to `null` (clear the fault) from an absent one.
fn present<'de, D, T>(de: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(de).map(Some)
}

fn faults_json(state: &Shared) -> serde_json::Value {
    serde_json::json!({ "imx_down": state.faults.imx_down(),
                        "wallet": state.faults.wallet.get(),
                        "token": state.faults.token.get() })
}

async fn faults(State(state): State<Shared>) -> Json<serde_json::Value> {
    Json(faults_json(&state))
}

async fn set_faults(
    State(state): State<Shared>,
    ApiJson(switches): ApiJson<FaultSwitches>,
) -> Json<serde_json::Value> {
    if let Some(down) = switches.imx_down {
        state.faults.imx_down.store(down, Ordering::SeqCst);
        tracing::warn!(imx_down = down, "fault switch changed");
    }
    if let Some(fault) = switches.wallet {
        state.faults.wallet.set(fault);
        tracing::warn!(wallet = ?fault, "fault switch changed");
    }
    if let Some(fault) = switches.token {
        state.faults.token.set(fault);
        tracing::warn!(token = ?fault, "fault switch changed");
    }
    Json(faults_json(&state))
}

#[derive(Deserialize)]
struct RequestsQuery {
    #[serde(default)]
    after: u64,
}

/// GET: the recent requests (`?after=seq` for those since).
async fn requests(
    State(state): State<Shared>,
    Query(query): Query<RequestsQuery>,
) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "requests": state.admin.requests.after(query.after) }))
}

/// POST: every account, session, code and token gone, faults off, the
/// request log and the decoded tokens forgotten. The keys stay.
async fn reset(State(state): State<Shared>) -> Result<Json<serde_json::Value>, ApiError> {
    db::reset(&mut state.db())?;
    state.faults.imx_down.store(false, Ordering::SeqCst);
    state.faults.wallet.set(None);
    state.faults.token.set(None);
    state.admin.clear();
    tracing::warn!("everything reset through the admin API");
    Ok(Json(serde_json::json!({ "reset": true })))
}

/// GET: the accounts and clients as a seed file (no passwords).
async fn export(State(state): State<Shared>) -> Result<Json<seed::SeedFile>, ApiError> {
    Ok(Json(seed::export(&state)?))
}
