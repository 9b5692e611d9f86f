//! Magic's TEE Express, the wallet service that holds the user's Ethereum key:
//! `POST /v1/wallet` for the address and `POST /v1/wallet/sign/message` for a
//! personal signature, each with the user's ID token and Magic's headers, as
//! Immutable's SDK 2.14 calls it (`packages/wallet/src/magic/magicTEESigner.ts`).

use oauth2::http::header::{self, HeaderName};
use oauth2::http::Method;
use passport_wire::magic;

use super::http;

// Magic's headers, checked at compile time (`const`), not parsed at run time.
const MAGIC_API_KEY: HeaderName = HeaderName::from_static(magic::API_KEY_HEADER);
const OIDC_PROVIDER_ID: HeaderName = HeaderName::from_static(magic::PROVIDER_ID_HEADER);
const MAGIC_CHAIN: HeaderName = HeaderName::from_static(magic::CHAIN_HEADER);
use crate::config::PassportConfig;
use crate::http::HttpError;
use crate::registration::WalletError;

/// `POST /v1/wallet`: the user's wallet address (created on first use).
pub async fn wallet_address(
    config: &PassportConfig,
    id_token: &str,
) -> Result<String, WalletError> {
    #[derive(serde::Deserialize)]
    struct Wallet {
        public_address: String,
    }
    let body = call(config, "v1/wallet", id_token, None).await?;
    serde_json::from_slice::<Wallet>(&body)
        .map(|w| w.public_address)
        .map_err(|_| unreadable("no public_address"))
}

/// `POST /v1/wallet/sign/message`: the personal signature of `message`.
pub async fn sign_message(
    config: &PassportConfig,
    id_token: &str,
    message: &str,
) -> Result<String, WalletError> {
    #[derive(serde::Serialize)]
    struct Request {
        message_base64: String,
    }
    #[derive(serde::Deserialize)]
    struct Signed {
        signature: String,
    }
    let request = Request {
        message_base64: base64::Engine::encode(&base64::engine::general_purpose::STANDARD, message),
    };
    let json = serde_json::to_vec(&request).map_err(|_| unreadable("the request"))?;
    let body = call(config, "v1/wallet/sign/message", id_token, Some(json)).await?;
    serde_json::from_slice::<Signed>(&body)
        .map(|s| s.signature)
        .map_err(|_| unreadable("no signature"))
}

fn unreadable(what: &'static str) -> WalletError {
    WalletError::Service {
        error: HttpError::Unreadable(what.into()),
        detail: None,
    }
}

async fn call(
    config: &PassportConfig,
    path: &str,
    id_token: &str,
    body: Option<Vec<u8>>,
) -> Result<Vec<u8>, WalletError> {
    let url = config.tee_endpoint(path);
    let bearer = format!("Bearer {id_token}");
    let service = |error| WalletError::Service {
        error,
        detail: None,
    };
    let request = http::request(
        Method::POST,
        url.as_str(),
        Some(body.unwrap_or_default()),
        &[
            (header::AUTHORIZATION, &bearer),
            (MAGIC_API_KEY, &config.magic_publishable_api_key),
            (OIDC_PROVIDER_ID, &config.magic_provider_id),
            (MAGIC_CHAIN, magic::CHAIN),
        ],
    )
    .map_err(service)?;
    let response = http::fetch(request).await.map_err(service)?;
    crate::http::success_body(response).map_err(|error| {
        let detail = match &error {
            HttpError::Status { body, .. } => detail_of(body.as_bytes()),
            _ => None,
        };
        WalletError::Service { error, detail }
    })
}

/// FastAPI's `detail`: a sentence, or a list of `{loc, msg}` (the first is shown).
fn detail_of(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Item {
        msg: String,
        #[serde(default)]
        loc: Vec<serde_json::Value>,
    }
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Detail {
        Text(String),
        List(Vec<Item>),
    }
    #[derive(serde::Deserialize)]
    struct Body {
        detail: Detail,
    }
    match serde_json::from_slice::<Body>(body).ok()?.detail {
        Detail::Text(text) => Some(text),
        Detail::List(items) => items.first().map(|item| {
            let field = item
                .loc
                .last()
                .and_then(|v| v.as_str())
                .unwrap_or("request");
            format!("{field}: {}", item.msg)
        }),
    }
}
