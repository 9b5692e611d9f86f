//! Reading a JWT and checking the claims of an ID token.
//!
//! Only decoding happens here; the RS256 signature is verified with WebCrypto
//! in `browser::webcrypto` against the provider's JWKS.

use serde::{Deserialize, Serialize};

use crate::claims::PassportClaims;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// Clock skew tolerated for `iat` in the future, seconds.
pub const IAT_LEEWAY_SECS: i64 = 60;

/// The JOSE header of a JWT.
#[derive(Debug, Clone, Deserialize)]
pub struct JwtHeader {
    /// The signature algorithm; only `RS256` is accepted.
    pub alg: String,
    /// The key id in the provider's JWKS.
    pub kid: Option<String>,
}

/// `aud` may be a string or an array of strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    /// A single audience.
    One(String),
    /// Several audiences.
    Many(Vec<String>),
}

impl Audience {
    /// Whether every audience named passes `test`.
    pub fn all(&self, test: impl Fn(&str) -> bool) -> bool {
        match self {
            Audience::One(a) => test(a),
            Audience::Many(all) => all.iter().all(|a| test(a)),
        }
    }

    fn contains(&self, value: &str) -> bool {
        match self {
            Audience::One(a) => a == value,
            Audience::Many(all) => all.iter().any(|a| a == value),
        }
    }
}

/// The claims of a Passport ID token.
#[derive(Debug, Clone, Deserialize)]
pub struct IdTokenClaims {
    pub iss: String,
    pub sub: String,
    pub aud: Audience,
    pub exp: i64,
    pub iat: i64,
    #[serde(default)]
    pub nonce: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub nickname: Option<String>,
    #[serde(default, deserialize_with = "crate::claims::lenient_string")]
    pub username: Option<String>,
    /// Every part optional; a claim of any other shape reads as absent.
    #[serde(default, deserialize_with = "crate::claims::lenient_claims")]
    pub passport: Option<PassportClaims>,
}

/// A JWT split into its parts. Its `Debug` leaves out the signed bytes and the
/// signature, which together are the token itself.
#[derive(Clone)]
pub struct DecodedJwt {
    /// The header.
    pub header: JwtHeader,
    /// The claims.
    pub claims: IdTokenClaims,
    /// `header.payload`, the bytes the signature covers.
    pub signing_input: String,
    /// The signature bytes.
    pub signature: Vec<u8>,
}

impl std::fmt::Debug for DecodedJwt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DecodedJwt")
            .field("header", &self.header)
            .field("sub", &self.claims.sub)
            .finish_non_exhaustive()
    }
}

/// Why an ID token was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
pub enum TokenError {
    /// Not three base64url parts of JSON.
    #[error("the ID token is malformed ({0})")]
    Malformed(std::borrow::Cow<'static, str>),
    /// Signed with something other than RS256 (including `none`).
    #[error("the ID token uses the unsupported algorithm `{0}`")]
    UnsupportedAlgorithm(String),
    /// Its `kid` is not in the provider's JWKS.
    #[error("the ID token was signed with an unknown key")]
    UnknownKey,
    /// The signature does not verify.
    #[error("the ID token signature is invalid")]
    BadSignature,
    /// Issued by another issuer.
    #[error("the ID token was issued by `{found}`, expected `{expected}`")]
    WrongIssuer { expected: String, found: String },
    /// Meant for another client.
    #[error("the ID token is meant for another application")]
    WrongAudience,
    /// Past its `exp`.
    #[error("the ID token has expired")]
    Expired,
    /// `iat` lies in the future.
    #[error("the ID token was issued in the future; check this device's clock")]
    IssuedInFuture,
    /// The `nonce` is not the one this sign-in sent.
    #[error("the ID token does not belong to this sign-in (nonce mismatch)")]
    NonceMismatch,
    /// A refresh answered with an ID token for another user.
    #[error("the refreshed ID token names another user than the session's")]
    SubjectChanged,
}

/// Splits and decodes a JWT; checks nothing but its shape and algorithm.
pub fn decode(token: &str) -> Result<DecodedJwt, TokenError> {
    let mut parts = token.split('.');
    let (Some(header_b64), Some(claims_b64), Some(signature_b64), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::Malformed("not three parts".into()));
    };
    let header_json = URL_SAFE_NO_PAD
        .decode(header_b64)
        .map_err(|_| TokenError::Malformed("header is not base64url".into()))?;
    let header: JwtHeader = serde_json::from_slice(&header_json)
        .map_err(|_| TokenError::Malformed("header is not JSON".into()))?;
    if header.alg != "RS256" {
        return Err(TokenError::UnsupportedAlgorithm(header.alg));
    }
    let claims_json = URL_SAFE_NO_PAD
        .decode(claims_b64)
        .map_err(|_| TokenError::Malformed("claims are not base64url".into()))?;
    let claims: IdTokenClaims = serde_json::from_slice(&claims_json)
        .map_err(|_| TokenError::Malformed("claims are not valid".into()))?;
    let signature = URL_SAFE_NO_PAD
        .decode(signature_b64)
        .map_err(|_| TokenError::Malformed("signature is not base64url".into()))?;
    Ok(DecodedJwt {
        header,
        claims,
        signing_input: format!("{header_b64}.{claims_b64}"),
        signature,
    })
}

/// What the ID token must match.
#[derive(Debug, Clone)]
pub struct Expected<'a> {
    /// The issuer, exactly as the provider states it.
    pub issuer: &'a str,
    /// Our client id, which must be in `aud`.
    pub client_id: &'a str,
    /// The API audience we asked for: the only other audience `aud` may name.
    pub api_audience: &'a str,
    /// The nonce of this sign-in; `None` after a refresh, which carries none.
    pub nonce: Option<&'a str>,
    /// Now, seconds since the epoch.
    pub now: i64,
}

/// Checks `iss`, `aud`, `exp`, `iat` and `nonce`.
pub fn check_claims(claims: &IdTokenClaims, expected: &Expected<'_>) -> Result<(), TokenError> {
    if claims.iss != expected.issuer {
        return Err(TokenError::WrongIssuer {
            expected: expected.issuer.to_owned(),
            found: claims.iss.clone(),
        });
    }
    // Ours, and nobody else's: an ID token that also names an audience we did
    // not ask for was meant for someone else too (the openidconnect crate's
    // rule for untrusted audiences).
    let trusted = |a: &str| a == expected.client_id || a == expected.api_audience;
    if !claims.aud.contains(expected.client_id) || !claims.aud.all(trusted) {
        return Err(TokenError::WrongAudience);
    }
    if claims.exp <= expected.now {
        return Err(TokenError::Expired);
    }
    if claims.iat > expected.now + IAT_LEEWAY_SECS {
        return Err(TokenError::IssuedInFuture);
    }
    if let Some(nonce) = expected.nonce {
        if claims.nonce.as_deref() != Some(nonce) {
            return Err(TokenError::NonceMismatch);
        }
    }
    Ok(())
}

/// The `exp` of any JWT (e.g. the access token), without verifying it.
pub fn unverified_exp(token: &str) -> Option<i64> {
    #[derive(Deserialize)]
    struct Exp {
        exp: Option<i64>,
    }
    let payload = token.split('.').nth(1)?;
    let json = URL_SAFE_NO_PAD.decode(payload).ok()?;
    serde_json::from_slice::<Exp>(&json).ok()?.exp
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn encode(header: &serde_json::Value, claims: &serde_json::Value) -> String {
        format!(
            "{}.{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string()),
            URL_SAFE_NO_PAD.encode(b"signature")
        )
    }

    pub fn claims_json(now: i64) -> serde_json::Value {
        serde_json::json!({
            "iss": "http://127.0.0.1:8081/", "sub": "email|1", "aud": "app", "exp": now + 3600,
            "iat": now, "nonce": "n1", "email": "a@b.test", "nickname": "a"
        })
    }

    fn expected(now: i64) -> Expected<'static> {
        Expected {
            issuer: "http://127.0.0.1:8081/",
            client_id: "app",
            api_audience: "platform_api",
            nonce: Some("n1"),
            now,
        }
    }

    fn decode_claims(claims: serde_json::Value) -> IdTokenClaims {
        decode(&encode(
            &serde_json::json!({"alg": "RS256", "kid": "k"}),
            &claims,
        ))
        .unwrap()
        .claims
    }

    #[test]
    fn a_good_token_decodes_and_passes() {
        let token = encode(
            &serde_json::json!({"alg": "RS256", "kid": "k"}),
            &claims_json(1000),
        );
        let decoded = decode(&token).unwrap();
        assert_eq!(decoded.header.kid.as_deref(), Some("k"));
        assert_eq!(decoded.signature, b"signature");
        assert!(token.starts_with(&decoded.signing_input));
        check_claims(&decoded.claims, &expected(1000)).unwrap();
    }

    #[test]
    fn alg_none_and_hs256_are_refused() {
        for alg in ["none", "HS256", "RS512"] {
            let token = encode(&serde_json::json!({ "alg": alg }), &claims_json(0));
            assert_eq!(
                decode(&token).unwrap_err(),
                TokenError::UnsupportedAlgorithm(alg.into())
            );
        }
    }

    #[test]
    fn malformed_tokens_are_refused() {
        assert!(matches!(decode("a.b"), Err(TokenError::Malformed(_))));
        assert!(matches!(decode("a.b.c.d"), Err(TokenError::Malformed(_))));
        assert!(matches!(decode("!!!.b.c"), Err(TokenError::Malformed(_))));
        let not_json = format!(
            "{}.{}.c",
            URL_SAFE_NO_PAD.encode("{\"alg\":\"RS256\"}"),
            URL_SAFE_NO_PAD.encode("nope")
        );
        assert!(matches!(decode(&not_json), Err(TokenError::Malformed(_))));
    }

    #[test]
    fn wrong_issuer_audience_and_nonce_are_refused() {
        let mut c = claims_json(1000);
        c["iss"] = "https://evil.test/".into();
        assert!(matches!(
            check_claims(&decode_claims(c), &expected(1000)),
            Err(TokenError::WrongIssuer { .. })
        ));
        let mut c = claims_json(1000);
        c["aud"] = "other-app".into();
        assert_eq!(
            check_claims(&decode_claims(c), &expected(1000)),
            Err(TokenError::WrongAudience)
        );
        let mut c = claims_json(1000);
        c["aud"] = serde_json::json!(["app", "platform_api"]);
        assert!(
            check_claims(&decode_claims(c), &expected(1000)).is_ok(),
            "our client and our API audience are fine"
        );
        let mut c = claims_json(1000);
        c["aud"] = serde_json::json!(["other", "app"]);
        assert_eq!(
            check_claims(&decode_claims(c), &expected(1000)),
            Err(TokenError::WrongAudience),
            "a token also meant for someone else is refused"
        );
        for wrong in [
            serde_json::json!(42),
            serde_json::json!(["app", 42]),
            serde_json::json!({"app": true}),
            serde_json::Value::Null,
        ] {
            let mut c = claims_json(1000);
            c["aud"] = wrong;
            let token = encode(&serde_json::json!({"alg": "RS256"}), &c);
            assert!(
                matches!(decode(&token), Err(TokenError::Malformed(_))),
                "{}",
                c["aud"]
            );
        }
        let mut c = claims_json(1000);
        c["nonce"] = "n2".into();
        assert_eq!(
            check_claims(&decode_claims(c), &expected(1000)),
            Err(TokenError::NonceMismatch)
        );
    }

    #[test]
    fn issuer_is_compared_exactly() {
        let mut c = claims_json(1000);
        c["iss"] = "http://127.0.0.1:8081".into();
        assert!(matches!(
            check_claims(&decode_claims(c), &expected(1000)),
            Err(TokenError::WrongIssuer { .. })
        ));
    }

    #[test]
    fn expired_and_future_tokens_are_refused() {
        let c = claims_json(1000);
        assert_eq!(
            check_claims(&decode_claims(c.clone()), &expected(1000 + 3600)),
            Err(TokenError::Expired)
        );
        assert_eq!(
            check_claims(&decode_claims(c), &expected(1000 - 61)),
            Err(TokenError::IssuedInFuture)
        );
    }

    #[test]
    fn refreshed_tokens_need_no_nonce() {
        let mut c = claims_json(1000);
        c.as_object_mut().unwrap().remove("nonce");
        let e = Expected {
            nonce: None,
            ..expected(1000)
        };
        assert!(check_claims(&decode_claims(c), &e).is_ok());
    }

    #[test]
    fn unverified_exp_reads_any_jwt() {
        let token = encode(
            &serde_json::json!({"alg": "RS256"}),
            &serde_json::json!({"exp": 42}),
        );
        assert_eq!(unverified_exp(&token), Some(42));
        assert_eq!(unverified_exp("garbage"), None);
    }
}
