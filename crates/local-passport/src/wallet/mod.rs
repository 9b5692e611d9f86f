//! The wallet origin plays Magic's TEE Express, the service that holds each
//! Passport user's Ethereum key and signs with it: the same paths, headers,
//! status codes and error bodies as `https://tee.express.magiclabs.com`
//! (Immutable's SDK 2.14, `packages/internal/generated-clients/src/magic-tee-openapi.json`).
//!
//! - `POST /v1/wallet`: the user's wallet, created on first use: `{public_address}`.
//! - `POST /v1/wallet/sign/message` `{message_base64}`: an EIP-191 personal
//!   signature of the decoded bytes: `{signature, r, s, v}`.
//!
//! Every call carries the user's ID token as `Authorization: Bearer`, the
//! publishable key as `X-Magic-API-Key`, the OIDC provider id as
//! `X-OIDC-Provider-ID`, and `X-Magic-Chain: ETH`. The keys are sealed at rest and never leave; the Stark
//! key is derived by the client from one signature, as the SDK does.

mod errors;
mod fault;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use base64::Engine;
use imx_crypto::{personal_sign, EthSignature};
use k256::ecdsa::SigningKey;
use serde::Serialize;

use crate::db;
use crate::idp::bearer;
use crate::jwt::IdClaims;
use crate::state::{AppState, Shared};

pub use errors::TeeError;
pub use fault::{WalletFault, WalletFaults};

/// The publishable API key Immutable's SDK sends for sandbox and production
/// (`@imtbl/passport` 2.14, `packages/passport/sdk/src/config/config.ts`).
pub const DEFAULT_PUBLISHABLE_API_KEY: &str = "pk_live_10F423798A540ED7";
/// The OIDC provider id Immutable's SDK sends (same file).
pub const DEFAULT_PROVIDER_ID: &str = "aa80b860-8869-4f13-9000-6a6ad3d20017";
/// The only chain the IMX wallet uses.
pub const CHAIN: &str = "ETH";

/// Header names, lower-cased as HTTP/2 and axum present them.
pub const API_KEY_HEADER: &str = "x-magic-api-key";
/// The OIDC provider id header.
pub const PROVIDER_ID_HEADER: &str = "x-oidc-provider-id";
/// The chain header.
pub const CHAIN_HEADER: &str = "x-magic-chain";

/// Routes of the wallet origin.
pub fn router() -> Router<Shared> {
    Router::new()
        .route("/v1/wallet", post(create_wallet))
        .route("/v1/wallet/sign/message", post(sign_message))
}

#[derive(Serialize)]
struct WalletResponse {
    public_address: String,
}

/// POST `/v1/wallet`: the user's wallet address, creating the wallet on first
/// use. Idempotent: the same user always gets the same address.
async fn create_wallet(
    State(state): State<Shared>,
    headers: HeaderMap,
) -> Result<Json<WalletResponse>, Response> {
    let (sub, _) = admit(&state, &headers, None).await?;
    let (public_address, _) = wallet_key(&state, &sub, true).map_err(TeeError::into_response)?;
    Ok(Json(WalletResponse { public_address }))
}

#[derive(Serialize)]
struct SignMessageResponse {
    signature: String,
    r: String,
    s: String,
    v: u8,
}

/// POST `/v1/wallet/sign/message`: the personal signature of the decoded
/// message, `v` as 27 or 28 like every Ethereum wallet.
async fn sign_message(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<SignMessageResponse>, Response> {
    let (sub, message_base64) = admit(&state, &headers, Some(&body)).await?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(message_base64.unwrap_or_default().as_bytes())
        .map_err(|_| {
            TeeError::invalid("body", "message_base64", "Value error, not valid base64")
                .into_response()
        })?;
    let message = message_bytes(decoded);
    let (_, key) = wallet_key(&state, &sub, false).map_err(TeeError::into_response)?;
    // v as 27 or 28, as Ethereum wallets answer it.
    let sig = personal_sign(&key, &message);
    let sig = EthSignature {
        v: sig.v + 27,
        ..sig
    };
    Ok(Json(SignMessageResponse {
        signature: sig.to_hex(),
        r: format!("0x{}", hex::encode(sig.r)),
        s: format!("0x{}", hex::encode(sig.s)),
        v: sig.v,
    }))
}

/// The bytes to sign. The SDK sends a byte message as the text `0x<hex>`
/// (the Stark key's seed message among them), and personal_sign, in every
/// wallet, signs such hex data as the bytes it names; any other text is
/// signed as its UTF-8 bytes.
fn message_bytes(decoded: Vec<u8>) -> Vec<u8> {
    let hex_bytes = decoded
        .strip_prefix(b"0x")
        .filter(|digits| digits.len() % 2 == 0)
        .and_then(|digits| hex::decode(digits).ok());
    hex_bytes.unwrap_or(decoded)
}

/// Checks a request as TEE Express does, in its order: the headers and body
/// validate (422, every problem listed), then the API key and provider are
/// known, then the bearer ID token is valid (401). Answers with the user and
/// the body's `message_base64`, when the call takes a body.
async fn admit(
    state: &AppState,
    headers: &HeaderMap,
    body: Option<&[u8]>,
) -> Result<(String, Option<String>), Response> {
    if let Some(response) = state.faults.wallet.next_fault().await {
        return Err(response);
    }
    let message = errors::validate(headers, body).map_err(TeeError::into_response)?;
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    };
    if header(API_KEY_HEADER) != state.opts.magic_api_key {
        return Err(TeeError::unauthorised("Invalid API key").into_response());
    }
    if header(PROVIDER_ID_HEADER) != state.opts.magic_provider_id {
        return Err(TeeError::unauthorised("Unknown OIDC provider").into_response());
    }
    let token = bearer(headers)
        .ok_or_else(|| TeeError::unauthorised("Missing bearer token").into_response())?;
    // As Magic's identity-provider registration: this provider's issuer and
    // audience only, so an ID token of another application is no key here.
    let claims: IdClaims = state
        .signing_key
        .verify(token, &state.issuer, &state.wallet_audiences)
        .map_err(|err| {
            TeeError::unauthorised(format!("Invalid ID token: {err}")).into_response()
        })?;
    // And only while the user's session lives: signing out or revoking the
    // refresh token ends what its ID tokens can do here.
    let alive = match claims.sid.as_deref() {
        Some(sid) => {
            db::family_alive(&state.db(), sid).map_err(|e| TeeError::from(e).into_response())?
        }
        None => false,
    };
    if !alive {
        return Err(TeeError::unauthorised("Session ended: sign in again").into_response());
    }
    Ok((claims.sub, message))
}

/// The user's Ethereum key, created on first use.
fn wallet_key(state: &AppState, sub: &str, create: bool) -> Result<(String, SigningKey), TeeError> {
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
            return Err(TeeError::not_found(
                "Wallet not found: create it first with POST /v1/wallet",
            ))
        }
    };
    let secret = state.kek.open(sub, &sealed)?;
    let key = SigningKey::from_slice(&secret)
        .map_err(|_| anyhow::anyhow!("stored wallet key is invalid"))?;
    Ok((address, key))
}

/// 404 for a path the wallet service does not serve, as FastAPI words it.
pub async fn no_route() -> TeeError {
    TeeError::not_found("Not Found")
}

/// 405 for a known path asked with another method.
pub async fn no_method() -> TeeError {
    TeeError::Refused(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        "Method Not Allowed".into(),
    )
}
