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

pub use passport_wire::PassportClaim;

/// The claim of an account with these parts; `None` when it has none (a new
/// account's tokens carry no `passport` claim).
pub fn passport_claim_of(
    zkevm: Option<&db::ZkevmAccount>,
    imx: Option<&db::Registration>,
) -> Option<PassportClaim> {
    let claim = PassportClaim {
        zkevm_eth_address: zkevm.map(|z| z.eth_address.clone()),
        zkevm_user_admin_address: zkevm.map(|z| z.user_admin_address.clone()),
        imx_eth_address: imx.map(|r| r.ether_key.clone()),
        imx_stark_address: imx.map(|r| r.stark_key.clone()),
        imx_user_admin_address: imx.map(|r| r.user_admin_address.clone()),
    };
    (!claim.is_empty()).then_some(claim)
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
    /// The session (refresh-token family) the token belongs to, as in the ID
    /// token: `/userinfo` and the IMX API refuse it once that session ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
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

    /// Stores `pem` (PKCS#8) as the provider's key, sealed, for the next
    /// [`SigningKey::load_or_create`]: a data directory prepared with a known
    /// key, as the tests do to skip generating one per start.
    pub fn install(conn: &Connection, kek: &Kek, pem: &str) -> anyhow::Result<()> {
        RsaPrivateKey::from_pkcs8_pem(pem).context("decoding the RSA key")?;
        store_sealed(conn, kek, &crate::secrets::random_id(), pem)
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
        self.verify_with(token, issuer, audiences, true)
    }

    /// [`Self::verify`] without the expiry: an `id_token_hint` may have
    /// expired (OpenID Connect RP-Initiated Logout §2) and still name its user.
    pub fn verify_ignoring_expiry<T: DeserializeOwned>(
        &self,
        token: &str,
        issuer: &str,
        audiences: &[String],
    ) -> Result<T, TokenRejected> {
        self.verify_with(token, issuer, audiences, false)
    }

    fn verify_with<T: DeserializeOwned>(
        &self,
        token: &str,
        issuer: &str,
        audiences: &[String],
        check_expiry: bool,
    ) -> Result<T, TokenRejected> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenRejected::Malformed)?;
        if header.kid.as_deref() != Some(&self.kid) {
            return Err(TokenRejected::UnknownKey);
        }
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[issuer]);
        validation.set_audience(audiences);
        validation.leeway = 0;
        validation.validate_exp = check_expiry;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(claim: &PassportClaim) -> Vec<String> {
        let value = serde_json::to_value(claim).unwrap();
        let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        keys
    }

    #[test]
    fn the_passport_claim_has_the_fields_of_the_parts_and_none_without_parts() {
        let zkevm = db::ZkevmAccount {
            eth_address: "0x01".into(),
            user_admin_address: "0x02".into(),
        };
        let imx = db::Registration {
            ether_key: "0x02".into(),
            stark_key: "0x03".into(),
            user_admin_address: "0x04".into(),
        };
        assert_eq!(passport_claim_of(None, None), None);
        let only_zkevm = passport_claim_of(Some(&zkevm), None).unwrap();
        assert_eq!(
            keys(&only_zkevm),
            ["zkevm_eth_address", "zkevm_user_admin_address"]
        );
        let only_imx = passport_claim_of(None, Some(&imx)).unwrap();
        assert_eq!(
            keys(&only_imx),
            [
                "imx_eth_address",
                "imx_stark_address",
                "imx_user_admin_address"
            ]
        );
        let both = passport_claim_of(Some(&zkevm), Some(&imx)).unwrap();
        assert_eq!(keys(&both).len(), 5);
        // Tokens with any of these read back, and so do the older ones.
        let read: PassportClaim =
            serde_json::from_value(serde_json::json!({ "zkevm_eth_address": "0x01" })).unwrap();
        assert_eq!(read.zkevm_eth_address.as_deref(), Some("0x01"));
        assert!(PassportClaim::default().is_empty());
    }
}
