//! The IMX API: off-chain registration of a user's Ethereum and Stark keys.

use std::str::FromStr;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use imx_crypto::{
    recover_personal_sign, EthAddress, EthSignature, StarkHash, StarkKey, StarkSignature,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::bearer::BearerAccess;
use crate::db::{self, Registration};
use crate::errors::ApiError;
use crate::extract::ApiJson;
use crate::state::Shared;

/// The first line of every signable registration message.
pub const SIGNABLE_MESSAGE_PREFIX: &str = "Only sign this key linked with Immutable X.";

/// Routes of the IMX API, with its fault switch over them.
pub fn router(state: &Shared) -> Router<Shared> {
    Router::new()
        .route(
            passport_wire::paths::IMX_SIGNABLE_REGISTRATION,
            post(signable_registration),
        )
        .route(passport_wire::paths::IMX_REGISTER_USER, post(register_user))
        .route("/v1/users/{ether_key}", get(user_accounts))
        .route_layer(middleware::from_fn_with_state(state.clone(), available))
}

#[derive(Debug, Deserialize)]
struct SignableRequest {
    ether_key: String,
    stark_key: String,
}

#[derive(Debug, Serialize)]
struct SignableResponse {
    signable_message: String,
    payload_hash: String,
}

/// 503 while the IMX API is switched off, before anything else is checked.
async fn available(State(state): State<Shared>, request: Request, next: Next) -> Response {
    if state.faults.imx_down() {
        return ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "service_unavailable",
            "the IMX API is unavailable",
        )
        .into_response();
    }
    next.run(request).await
}

fn parse_keys(ether_key: &str, stark_key: &str) -> Result<(EthAddress, StarkKey), ApiError> {
    let ether = EthAddress::from_str(ether_key)
        .map_err(|e| ApiError::bad_request(format!("ether_key is not an Ethereum address: {e}")))?;
    let stark = StarkKey::from_str(stark_key)
        .map_err(|e| ApiError::bad_request(format!("stark_key is not a Stark key: {e}")))?;
    Ok((ether, stark))
}

/// POST `/v1/signable-registration-offchain`.
async fn signable_registration(
    State(state): State<Shared>,
    body: Result<ApiJson<SignableRequest>, ApiError>,
) -> Result<Json<SignableResponse>, ApiError> {
    let ApiJson(request) = body?;
    let (ether, stark) = parse_keys(&request.ether_key, &request.stark_key)?;
    // A fresh random payload bound to this key pair: the Stark signature over it
    // proves possession of the Stark key for this registration only.
    let mut nonce = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut nonce);
    let mut digest: [u8; 32] = Sha256::new()
        .chain_update(b"imx-offchain-registration")
        .chain_update(ether.as_bytes())
        .chain_update(stark.as_bytes())
        .chain_update(nonce)
        .finalize()
        .into();
    digest[0] &= 0x03; // below 2^250 < 2^251: a Stark field element
    let payload_hash = StarkHash::from_bytes(&digest)
        .map_err(anyhow::Error::from)?
        .to_string();
    let signable_message =
        format!("{SIGNABLE_MESSAGE_PREFIX}\n\nStark key: {stark}\nPayload: {payload_hash}");
    db::insert_payload(
        &state.db(),
        &payload_hash,
        &ether.to_string(),
        &stark.to_string(),
        &signable_message,
        crate::now(),
        crate::now() + state.settings.payload_ttl,
    )?;
    Ok(Json(SignableResponse {
        signable_message,
        payload_hash,
    }))
}

#[derive(Debug, Deserialize)]
struct RegisterRequest {
    eth_signature: String,
    ether_key: String,
    stark_signature: String,
    stark_key: String,
}

/// POST `/v2/passport/users`.
async fn register_user(
    State(state): State<Shared>,
    // Who asks is checked before what they sent.
    BearerAccess(claims): BearerAccess,
    body: Result<ApiJson<RegisterRequest>, ApiError>,
) -> Result<Response, ApiError> {
    let ApiJson(request) = body?;
    let (ether, stark) = parse_keys(&request.ether_key, &request.stark_key)?;
    let (ether_key, stark_key) = (ether.to_string(), stark.to_string());

    if let Some(existing) = db::registration_of_user(&state.db(), &claims.sub)? {
        return Ok(already_registered(&existing));
    }
    let wallet = db::wallet_of(&state.db(), &claims.sub)?;
    if wallet.as_ref().map(|(address, _)| address.as_str()) != Some(ether_key.as_str()) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "ether_key is not the wallet address of the signed-in user",
        ));
    }
    let eth_signature = EthSignature::from_str(&request.eth_signature)
        .map_err(|e| ApiError::bad_request(format!("eth_signature is malformed: {e}")))?;
    let stark_signature = StarkSignature::from_str(&request.stark_signature)
        .map_err(|e| ApiError::bad_request(format!("stark_signature is malformed: {e}")))?;

    let payloads = db::payload_for(&state.db(), &ether_key, &stark_key, crate::now())?;
    if payloads.is_empty() {
        return Err(ApiError::bad_request(
            "no signable registration was issued for this key pair, or it expired: request a new one",
        ));
    }
    // Curve maths off the async runtime, over the few payloads kept per pair.
    tokio::task::spawn_blocking(move || {
        verify_signatures(&payloads, &ether, &stark, &eth_signature, &stark_signature)
    })
    .await
    .map_err(anyhow::Error::from)??;
    let registration = Registration {
        user_admin_address: user_admin_address(&ether),
        ether_key: ether_key.clone(),
        stark_key,
    };
    if !db::insert_registration(&state.db(), &claims.sub, &registration, crate::now())? {
        let existing = db::registration_of_user(&state.db(), &claims.sub)?.unwrap_or(registration);
        return Ok(already_registered(&existing));
    }
    tracing::info!(sub = %claims.sub, ether_key = %ether_key, "user registered with IMX");
    Ok((StatusCode::CREATED, Json(serde_json::json!({}))).into_response())
}

/// Finds the payload the Ethereum signature is over and checks the Stark
/// signature of its hash.
fn verify_signatures(
    payloads: &[(String, String)],
    ether: &EthAddress,
    stark: &StarkKey,
    eth_signature: &EthSignature,
    stark_signature: &StarkSignature,
) -> Result<(), ApiError> {
    let eth_ok = payloads.iter().find(|(_, message)| {
        recover_personal_sign(message.as_bytes(), eth_signature)
            .is_ok_and(|signer| signer == *ether)
    });
    let Some((payload_hash, _)) = eth_ok else {
        return Err(ApiError::bad_request(
            "eth_signature does not verify for ether_key over the signable message",
        ));
    };
    let hash = StarkHash::from_str(payload_hash).map_err(anyhow::Error::from)?;
    if !imx_crypto::verify(stark, &hash, stark_signature) {
        return Err(ApiError::bad_request(
            "stark_signature does not verify for stark_key over the payload hash",
        ));
    }
    Ok(())
}

fn already_registered(existing: &Registration) -> Response {
    ApiError::new(
        StatusCode::CONFLICT,
        "user_already_registered",
        format!(
            "this user is already registered with IMX as {}",
            existing.ether_key
        ),
    )
    .into_response()
}

/// The user admin address: a stable address derived from the user's address,
/// the last 20 bytes of Keccak-256("imx-user-admin:" ‖ its 20 bytes).
pub fn user_admin_address(ether: &EthAddress) -> String {
    let hash = imx_crypto::keccak256(&[b"imx-user-admin:".as_slice(), ether.as_bytes()].concat());
    let mut bytes = [0u8; 20];
    bytes.copy_from_slice(&hash[12..]);
    EthAddress(bytes).to_string()
}

/// GET `/v1/users/{ether_key}`.
async fn user_accounts(
    State(state): State<Shared>,
    ether_key: Result<Path<String>, PathRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    // A segment that is not UTF-8 once decoded (`%ff`) is no address either.
    let Ok(Path(ether_key)) = ether_key else {
        return Err(ApiError::bad_request("not an Ethereum address"));
    };
    let ether = EthAddress::from_str(&ether_key)
        .map_err(|e| ApiError::bad_request(format!("not an Ethereum address: {e}")))?;
    match db::registration_of_address(&state.db(), &ether.to_string())? {
        Some(reg) => Ok(Json(
            serde_json::json!({ "accounts": [reg.stark_key], "ether_key": reg.ether_key }),
        )),
        None => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "account_not_found",
            "no IMX account is registered for this address",
        )),
    }
}
