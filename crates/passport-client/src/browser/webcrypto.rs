//! RS256 signature verification with WebCrypto: no RSA code in the bundle.

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::jwks::Jwk;

fn set(object: &Object, key: &str, value: impl Into<JsValue>) {
    let _ = Reflect::set(object, &key.into(), &value.into());
}

/// Why WebCrypto could not give an answer (not: the signature is invalid).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct WebCryptoError(&'static str);

fn subtle() -> Result<web_sys::SubtleCrypto, WebCryptoError> {
    let window = web_sys::window().ok_or(WebCryptoError("no window"))?;
    let crypto = window
        .crypto()
        .map_err(|_| WebCryptoError("WebCrypto is unavailable"))?;
    Ok(crypto.subtle())
}

/// Whether `signature` is a valid RSASSA-PKCS1-v1_5 SHA-256 signature of `message` by `jwk`.
pub async fn verify_rs256(
    jwk: &Jwk,
    message: &[u8],
    signature: &[u8],
) -> Result<bool, WebCryptoError> {
    let subtle = subtle()?;
    let key_data = Object::new();
    set(&key_data, "kty", "RSA");
    set(&key_data, "n", jwk.n.as_str());
    set(&key_data, "e", jwk.e.as_str());
    set(&key_data, "alg", "RS256");
    set(&key_data, "ext", true);
    let algorithm = Object::new();
    set(&algorithm, "name", "RSASSA-PKCS1-v1_5");
    set(&algorithm, "hash", "SHA-256");
    let usages = Array::of1(&"verify".into());
    let key_promise = subtle
        .import_key_with_object("jwk", &key_data, &algorithm, false, &usages)
        .map_err(|_| WebCryptoError("the provider's key could not be imported"))?;
    let key: web_sys::CryptoKey = JsFuture::from(key_promise)
        .await
        .map_err(|_| WebCryptoError("the provider's key could not be imported"))?
        .unchecked_into();
    let verify_promise = subtle
        .verify_with_object_and_buffer_source_and_buffer_source(
            &algorithm,
            &key,
            &Uint8Array::from(signature),
            &Uint8Array::from(message),
        )
        .map_err(|_| WebCryptoError("the signature could not be checked"))?;
    let verified = JsFuture::from(verify_promise)
        .await
        .map_err(|_| WebCryptoError("the signature could not be checked"))?;
    Ok(verified.as_bool().unwrap_or(false))
}
