//! Magic's TEE Express, the wallet service that holds the user's Ethereum key:
//! `POST /v1/wallet` for the address and `POST /v1/wallet/sign/message` for a
//! personal signature, each with the user's ID token and Magic's headers, as
//! Immutable's SDK 2.14 calls it (`packages/wallet/src/magic/magicTEESigner.ts`).

use gloo_net::http::{Method, RequestBuilder};

use super::http;
use crate::config::PassportConfig;

/// How a TEE Express call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TeeError {
    /// No answer (offline, timeout, service down at the TCP level).
    Network(String),
    /// 401: the ID token (or the app's key) was not accepted.
    Unauthorised(String),
    /// Any other non-2xx answer, or an answer without the expected field.
    Refused {
        /// HTTP status (0 when the status was fine but the body was not).
        status: u16,
        /// The service's own words.
        detail: String,
    },
}

impl std::fmt::Display for TeeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TeeError::Network(detail) => {
                write!(f, "the wallet service could not be reached ({detail})")
            }
            TeeError::Unauthorised(detail) => {
                write!(
                    f,
                    "the wallet service did not accept your session ({detail}, HTTP 401)"
                )
            }
            TeeError::Refused { status: 0, detail } => {
                write!(f, "the wallet service gave an unreadable answer ({detail})")
            }
            TeeError::Refused { status, detail } if *status >= 500 => {
                write!(
                    f,
                    "the wallet service is unavailable ({detail}, HTTP {status})"
                )
            }
            TeeError::Refused { status, detail } => {
                write!(
                    f,
                    "the wallet service refused the request ({detail}, HTTP {status})"
                )
            }
        }
    }
}

/// `POST /v1/wallet`: the user's wallet address (created on first use).
pub async fn wallet_address(config: &PassportConfig, id_token: &str) -> Result<String, TeeError> {
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
) -> Result<String, TeeError> {
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
    let json = serde_json::to_vec(&request).map_err(|e| unreadable(&e.to_string()))?;
    let body = call(config, "v1/wallet/sign/message", id_token, Some(json)).await?;
    serde_json::from_slice::<Signed>(&body)
        .map(|s| s.signature)
        .map_err(|_| unreadable("no signature"))
}

fn unreadable(detail: &str) -> TeeError {
    TeeError::Refused {
        status: 0,
        detail: detail.to_owned(),
    }
}

async fn call(
    config: &PassportConfig,
    path: &str,
    id_token: &str,
    body: Option<Vec<u8>>,
) -> Result<Vec<u8>, TeeError> {
    let url = config.tee_endpoint(path);
    let builder = RequestBuilder::new(url.as_str())
        .method(Method::POST)
        .header("Content-Type", "application/json")
        .header("Authorization", &format!("Bearer {id_token}"))
        .header("X-Magic-API-Key", &config.magic_publishable_api_key)
        .header("X-OIDC-Provider-ID", &config.magic_provider_id)
        .header("X-Magic-Chain", "ETH");
    let (status, _, bytes) = http::send(builder, body)
        .await
        .map_err(|e| TeeError::Network(e.0))?;
    if (200..300).contains(&status) {
        return Ok(bytes);
    }
    let detail = detail_of(&bytes).unwrap_or_else(|| format!("HTTP {status}"));
    Err(if status == 401 {
        TeeError::Unauthorised(detail)
    } else {
        TeeError::Refused { status, detail }
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
