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

mod caller;
mod errors;
mod faults;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{middleware, Json, Router};
use base64::Engine;
use imx_crypto::{personal_sign, EthSignature};
use k256::ecdsa::SigningKey;
use passport_wire::paths;
use serde::Serialize;

use crate::db;
use crate::state::{AppState, Shared};

pub use caller::{TeeCaller, TeeMessage};
pub use errors::TeeError;

/// Routes of the wallet origin, with the fault switch over them.
pub fn router(state: &Shared) -> Router<Shared> {
    Router::new()
        .route(paths::TEE_WALLET, post(create_wallet))
        .route(paths::TEE_SIGN_MESSAGE, post(sign_message))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            faults::switched,
        ))
}

#[derive(Serialize)]
struct WalletResponse {
    public_address: String,
}

/// POST `/v1/wallet`: the user's wallet address, creating the wallet on first
/// use. Idempotent: the same user always gets the same address.
async fn create_wallet(
    State(state): State<Shared>,
    caller: TeeCaller,
) -> Result<Json<WalletResponse>, TeeError> {
    let (public_address, _) = wallet_key(&state, &caller.sub, true)?;
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
    call: TeeMessage,
) -> Result<Json<SignMessageResponse>, TeeError> {
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(call.message_base64.as_bytes())
        .map_err(|_| {
            TeeError::invalid("body", "message_base64", "Value error, not valid base64")
        })?;
    let message = message_bytes(decoded);
    let (_, key) = wallet_key(&state, &call.caller.sub, false)?;
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
    TeeError::Refused(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed".into())
}

#[cfg(test)]
mod tests {
    use super::message_bytes;

    #[test]
    fn hex_text_is_signed_as_the_bytes_it_names_and_other_text_as_itself() {
        assert_eq!(message_bytes(b"0x0aff".to_vec()), vec![0x0a, 0xff]);
        assert_eq!(message_bytes(b"hello".to_vec()), b"hello".to_vec());
        // Odd length or not hex: text after all.
        assert_eq!(message_bytes(b"0xabc".to_vec()), b"0xabc".to_vec());
        assert_eq!(message_bytes(b"0xzz".to_vec()), b"0xzz".to_vec());
        assert_eq!(message_bytes(b"0x".to_vec()), Vec::<u8>::new());
    }
}
