//! The provider's JWKS, fetched once per page and cached.

use std::cell::RefCell;

use serde::Deserialize;

use super::http::get_json;
use crate::http::HttpError;

/// One RSA public key of the provider.
#[derive(Debug, Clone, Deserialize)]
pub struct Jwk {
    /// Key id.
    pub kid: Option<String>,
    /// Key type; only `RSA` is used.
    pub kty: String,
    /// Modulus, base64url.
    #[serde(default)]
    pub n: String,
    /// Exponent, base64url.
    #[serde(default)]
    pub e: String,
}

#[derive(Debug, Clone, Deserialize)]
struct JwkSet {
    keys: Vec<Jwk>,
}

thread_local! {
    static CACHE: RefCell<Option<(String, Vec<Jwk>)>> = const { RefCell::new(None) };
}

/// The key with `kid` from the JWKS at `url`; fetched once, re-fetched once when
/// the key is unknown (the provider may have rotated its keys).
pub async fn key(url: &str, kid: Option<&str>) -> Result<Option<Jwk>, HttpError> {
    let find = |keys: &[Jwk]| {
        keys.iter()
            .find(|k| k.kty == "RSA" && (kid.is_none() || k.kid.as_deref() == kid))
            .cloned()
    };
    let cached = CACHE.with(|c| {
        c.borrow()
            .as_ref()
            .filter(|(u, _)| u == url)
            .map(|(_, keys)| keys.clone())
    });
    if let Some(found) = cached.as_deref().and_then(find) {
        return Ok(Some(found));
    }
    let set: JwkSet = get_json(url, "the provider's key set").await?;
    let found = find(&set.keys);
    CACHE.with(|c| *c.borrow_mut() = Some((url.to_owned(), set.keys)));
    Ok(found)
}
