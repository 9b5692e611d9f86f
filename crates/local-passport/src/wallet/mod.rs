//! The wallet origin: the frame page the app embeds, and the wallet service
//! behind it that holds each user's Ethereum key (sealed at rest) and derives
//! the Stark key. Keys never leave this origin; only signatures do.

use std::str::FromStr;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use imx_crypto::{derive_stark_private_key, personal_sign, StarkHash};
use k256::ecdsa::SigningKey;
use serde::Deserialize;

use crate::db;
use crate::errors::{json_body, ApiError};
use crate::html::escape;
use crate::idp::bearer;
use crate::jwt::IdClaims;
use crate::state::{AppState, Shared};

/// Routes of the wallet origin.
pub fn router() -> Router<Shared> {
    Router::new()
        .route("/frame", get(frame_page))
        .route("/frame.js", get(frame_script))
        .route("/wallet/v1/connect", post(connect))
        .route("/wallet/v1/personal-sign", post(sign_message))
        .route("/wallet/v1/stark-key", post(stark_key))
        .route("/wallet/v1/stark-sign", post(stark_sign))
}

/// The frame page: no inline script, the allowed parent origins as data.
async fn frame_page(State(state): State<Shared>) -> Response {
    let origins =
        serde_json::to_string(&state.clients.web_origins()).unwrap_or_else(|_| "[]".into());
    let html = format!(
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Passport wallet</title>
<meta name="allowed-origins" content="{}">
<script src="/frame.js" defer></script></head><body></body></html>"#,
        escape(&origins)
    );
    let csp = "default-src 'none'; script-src 'self'; connect-src 'self'";
    ([(header::CONTENT_SECURITY_POLICY, csp)], Html(html)).into_response()
}

/// The frame's script.
async fn frame_script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        include_str!("frame.js"),
    )
        .into_response()
}

/// The verified ID token's subject: every wallet request is authenticated with it.
fn authenticated_user(state: &AppState, headers: &HeaderMap) -> Result<String, ApiError> {
    let token = bearer(headers).ok_or_else(|| ApiError::unauthorised("missing bearer ID token"))?;
    let claims: IdClaims = state
        .signing_key
        .verify(token, &state.issuer, &state.clients.ids())
        .map_err(|err| ApiError::unauthorised(format!("invalid ID token: {err}")))?;
    Ok(claims.sub)
}

/// The user's Ethereum key, created on first connect.
fn wallet_key(state: &AppState, sub: &str, create: bool) -> Result<(String, SigningKey), ApiError> {
    let stored = db::wallet_of(&state.db(), sub)?;
    let (address, sealed) = match stored {
        Some(found) => found,
        None if create => {
            let key = SigningKey::random(&mut rand::rngs::OsRng);
            let address = imx_crypto::address_of(key.verifying_key()).to_string();
            let sealed = state.kek.seal(sub, &key.to_bytes());
            let stored = db::insert_wallet(&state.db(), sub, &address, &sealed, crate::now())?;
            tracing::info!(sub, address = %stored.0, "wallet created");
            stored
        }
        None => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "wallet_not_connected",
                "connect the wallet first",
            ))
        }
    };
    let secret = state.kek.open(sub, &sealed)?;
    let key = SigningKey::from_slice(&secret)
        .map_err(|_| anyhow::anyhow!("stored wallet key is invalid"))?;
    Ok((address, key))
}

/// POST `/wallet/v1/connect`: get or create the user's wallet.
async fn connect(
    State(state): State<Shared>,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    let sub = authenticated_user(&state, &headers)?;
    let (address, _) = wallet_key(&state, &sub, true)?;
    Ok(Json(serde_json::json!({ "address": address })))
}

#[derive(Deserialize)]
struct SignMessageRequest {
    message: String,
}

/// POST `/wallet/v1/personal-sign`: EIP-191 signature of a UTF-8 message.
async fn sign_message(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<serde_json::Value>, ApiError> {
    let sub = authenticated_user(&state, &headers)?;
    let request: SignMessageRequest = json_body(&headers, &body)?;
    let (_, key) = wallet_key(&state, &sub, false)?;
    Ok(Json(
        serde_json::json!({ "signature": personal_sign(&key, request.message.as_bytes()).to_hex() }),
    ))
}

/// POST `/wallet/v1/stark-key`: the Stark public key (IMX legacy derivation).
async fn stark_key(
    State(state): State<Shared>,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    let sub = authenticated_user(&state, &headers)?;
    let (_, key) = wallet_key(&state, &sub, false)?;
    let stark = derive_stark_private_key(&key).public_key();
    Ok(Json(serde_json::json!({ "stark_key": stark.to_string() })))
}

#[derive(Deserialize)]
struct StarkSignRequest {
    hash: String,
}

/// POST `/wallet/v1/stark-sign`: deterministic Stark signature of a hash.
async fn stark_sign(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<serde_json::Value>, ApiError> {
    let sub = authenticated_user(&state, &headers)?;
    let request: StarkSignRequest = json_body(&headers, &body)?;
    let hash = StarkHash::from_str(&request.hash)
        .map_err(|e| ApiError::bad_request(format!("hash is not a Stark field element: {e}")))?;
    let (_, key) = wallet_key(&state, &sub, false)?;
    let signature = derive_stark_private_key(&key).sign(&hash);
    Ok(Json(serde_json::json!({ "signature": signature.to_hex() })))
}
