//! The RS256 signing key (generated on first start, sealed in the database), the
//! JWKS that publishes it, and the claims of the tokens signed with it.

use anyhow::Context;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;
use rusqlite::Connection;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::db;
use crate::kek::Kek;

/// The `passport` claim: present once the user is registered with IMX.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PassportClaim {
    /// The user's Ethereum address registered with IMX.
    pub imx_eth_address: String,
    /// The user's Stark key.
    pub imx_stark_address: String,
    /// The user admin address.
    pub imx_user_admin_address: String,
}

/// Claims of the ID token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IdClaims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// The session (refresh-token family) the token belongs to, as Auth0's `sid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    pub email: String,
    pub nickname: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub passport: Option<PassportClaim>,
}

/// Claims of the access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub azp: String,
    pub scope: String,
    pub exp: i64,
    pub iat: i64,
    pub jti: String,
}

/// The provider's signing key.
pub struct SigningKey {
    kid: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
    n: String,
    e: String,
}

impl SigningKey {
    /// Loads the key from the database, generating and storing one on first
    /// start. It is stored sealed under the key-encryption key (`kek.key`,
    /// beside the database), so a copy of the database alone cannot sign a
    /// token. A key stored in the clear by an older version is sealed now and
    /// its plain copy erased.
    pub fn load_or_create(conn: &Connection, kek: &Kek) -> anyhow::Result<Self> {
        let kid = db::meta_get(conn, "signing_kid")?;
        let sealed = db::meta_get(conn, "signing_key_sealed")?;
        let legacy = db::meta_get(conn, "signing_key_pem")?;
        let (kid, pem) = match (kid, sealed, legacy) {
            (Some(kid), Some(sealed), _) => {
                let bytes = hex::decode(sealed).context("the sealed signing key is not hex")?;
                let pem = String::from_utf8(kek.open(SEALED_FOR, &bytes)?)
                    .context("the sealed signing key is not PEM")?;
                (kid, pem)
            }
            (Some(kid), None, Some(pem)) => {
                store_sealed(conn, kek, &kid, &pem)?;
                (kid, pem)
            }
            _ => {
                let key = RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048)
                    .context("generating RSA key")?;
                let pem = key
                    .to_pkcs8_pem(LineEnding::LF)
                    .context("encoding RSA key")?
                    .to_string();
                let kid = crate::secrets::random_id();
                store_sealed(conn, kek, &kid, &pem)?;
                (kid, pem)
            }
        };
        let key = RsaPrivateKey::from_pkcs8_pem(&pem).context("decoding the stored RSA key")?;
        let n = URL_SAFE_NO_PAD.encode(key.n().to_bytes_be());
        let e = URL_SAFE_NO_PAD.encode(key.e().to_bytes_be());
        Ok(Self {
            encoding: EncodingKey::from_rsa_pem(pem.as_bytes())
                .context("loading the signing key")?,
            decoding: DecodingKey::from_rsa_components(&n, &e)
                .context("loading the verifying key")?,
            kid,
            n,
            e,
        })
    }

    /// The JSON Web Key Set publishing the public key.
    pub fn jwks(&self) -> serde_json::Value {
        serde_json::json!({
            "keys": [{
                "kty": "RSA", "use": "sig", "alg": "RS256",
                "kid": self.kid, "n": self.n, "e": self.e,
            }]
        })
    }

    /// Signs claims as an RS256 JWT with this key's `kid`.
    pub fn sign<T: Serialize>(&self, claims: &T) -> anyhow::Result<String> {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.encoding).context("signing a token")
    }

    /// Verifies signature, `kid`, `iss`, `exp` and that `aud` is one of `audiences`.
    pub fn verify<T: DeserializeOwned>(
        &self,
        token: &str,
        issuer: &str,
        audiences: &[String],
    ) -> Result<T, TokenRejected> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenRejected::Malformed)?;
        if header.kid.as_deref() != Some(&self.kid) {
            return Err(TokenRejected::UnknownKey);
        }
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[issuer]);
        validation.set_audience(audiences);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        jsonwebtoken::decode::<T>(token, &self.decoding, &validation)
            .map(|data| data.claims)
            .map_err(|err| match err.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenRejected::Expired,
                jsonwebtoken::errors::ErrorKind::InvalidSignature => TokenRejected::BadSignature,
                jsonwebtoken::errors::ErrorKind::InvalidIssuer => TokenRejected::WrongIssuer,
                jsonwebtoken::errors::ErrorKind::InvalidAudience => TokenRejected::WrongAudience,
                _ => TokenRejected::Malformed,
            })
    }
}

/// What the signing key is sealed for (the AEAD's associated data).
const SEALED_FOR: &str = "local-passport signing key";

/// Stores the key sealed and erases any plain copy (secure_delete is on; the
/// checkpoint moves the change out of the WAL).
fn store_sealed(conn: &Connection, kek: &Kek, kid: &str, pem: &str) -> anyhow::Result<()> {
    let sealed = hex::encode(kek.seal(SEALED_FOR, pem.as_bytes()));
    db::meta_set(conn, "signing_key_sealed", &sealed)?;
    db::meta_set(conn, "signing_kid", kid)?;
    conn.execute("DELETE FROM meta WHERE key = 'signing_key_pem'", [])?;
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    Ok(())
}

/// Why a presented token was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenRejected {
    /// Not a well-formed JWT.
    #[error("the token is malformed")]
    Malformed,
    /// Signed by a key this server does not know.
    #[error("the token was signed by an unknown key")]
    UnknownKey,
    /// The signature does not verify.
    #[error("the token signature is invalid")]
    BadSignature,
    /// Past its `exp`.
    #[error("the token has expired")]
    Expired,
    /// Issued by someone else.
    #[error("the token was issued by another issuer")]
    WrongIssuer,
    /// Meant for another audience.
    #[error("the token is meant for another audience")]
    WrongAudience,
}
