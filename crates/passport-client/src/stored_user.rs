//! The signed-in user as stored: in the official JS SDK's format and key, so
//! that this client and `@imtbl/passport` on one origin share one session.
//!
//! The SDK keeps its session with oidc-client-ts's `WebStorageStateStore` in
//! localStorage: the key is `oidc.` + `user:<authority>:<client_id>`, the
//! authority being the SDK's `authenticationDomain` string as configured (no
//! trailing slash), and the value is `User.toStorageString()`: `id_token`,
//! `session_state`, `access_token`, `refresh_token`, `token_type`, `scope`,
//! `profile` (the ID token's claims without oidc-client-ts's filtered protocol
//! claims) and `expires_at` (the access token's expiry, seconds). The SDK
//! itself reads `passport` and `username` from the ID token, not the profile.
//!
//! Releases of this client before it kept `{"version":1,"user":…}` under
//! `passport.user.v1:<authority>:<client_id>`: that is still read, and moved
//! once to the shared key (see [`legacy_storage_key`]).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::claims::PassportClaims;
use crate::secret::{AccessToken, IdToken, RefreshToken};
use crate::storage::KeyValueStore;
use crate::user::{User, UserProfile};

/// The version of this client's own former format.
pub const STORED_USER_VERSION: u32 = 1;

/// Why the stored user could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoredUserError {
    /// Not JSON at all (truncated or foreign).
    #[error("the stored session is not valid JSON")]
    NotJson,
    /// Written by an unknown version of this client's former format.
    #[error("the stored session has format version {0}, expected {STORED_USER_VERSION}")]
    WrongVersion(u64),
    /// JSON, but not a user.
    #[error("the stored session is not in the expected format")]
    WrongShape,
}

/// The authority as the SDK writes it into its key: its `authenticationDomain`,
/// which has no trailing slash.
fn sdk_authority(authority: &str) -> &str {
    authority.strip_suffix('/').unwrap_or(authority)
}

/// The storage key of the signed-in user: the official SDK's
/// `oidc.user:<authority>:<client_id>`.
pub fn storage_key(authority: &str, client_id: &str) -> String {
    format!("oidc.user:{}:{client_id}", sdk_authority(authority))
}

/// Where releases before the shared session kept the user.
pub fn legacy_storage_key(authority: &str, client_id: &str) -> String {
    format!("passport.user.v{STORED_USER_VERSION}:{authority}:{client_id}")
}

/// Claims oidc-client-ts leaves out of `profile` (its `DefaultProtocolClaims`).
const FILTERED_CLAIMS: [&str; 8] = [
    "nbf",
    "jti",
    "auth_time",
    "nonce",
    "acr",
    "amr",
    "azp",
    "at_hash",
];

/// oidc-client-ts's `User`, as it stores it.
#[derive(Serialize, Deserialize)]
struct OidcUser {
    id_token: IdToken,
    #[serde(default)]
    session_state: Option<String>,
    access_token: AccessToken,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refresh_token: Option<RefreshToken>,
    #[serde(default)]
    token_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scope: Option<String>,
    profile: Map<String, Value>,
    #[serde(default)]
    expires_at: Option<f64>,
}

/// The claims of a JWT's payload, unverified (the token was verified when
/// it was received; this only reads what it says).
fn payload(token: &str) -> Option<Map<String, Value>> {
    let part = token.split('.').nth(1)?;
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).ok()?).ok()
}

/// The profile oidc-client-ts would store: the ID token's claims without the
/// filtered ones; from the user's fields when the token cannot be read.
fn profile_of(user: &User) -> Map<String, Value> {
    if let Some(mut claims) = payload(user.id_token.secret()) {
        for claim in FILTERED_CLAIMS {
            claims.remove(claim);
        }
        return claims;
    }
    let mut profile = Map::new();
    profile.insert("sub".into(), user.profile.sub.clone().into());
    for (name, value) in [
        ("email", &user.profile.email),
        ("nickname", &user.profile.nickname),
        ("username", &user.profile.username),
    ] {
        if let Some(value) = value {
            profile.insert(name.into(), value.clone().into());
        }
    }
    if let Some(passport) = &user.passport {
        if let Ok(value) = serde_json::to_value(passport) {
            profile.insert("passport".into(), value);
        }
    }
    profile.insert("exp".into(), user.id_token_expires_at.into());
    profile
}

/// Serialises a user as the SDK stores it.
pub fn to_stored(user: &User) -> String {
    to_stored_value(user).to_string()
}

/// A user as the SDK stores it, as a JSON value (what the browser's store
/// writes with gloo-storage's typed API).
pub fn to_stored_value(user: &User) -> Value {
    let scope = payload(user.access_token.secret())
        .and_then(|claims| claims.get("scope")?.as_str().map(str::to_owned));
    serde_json::to_value(OidcUser {
        id_token: user.id_token.clone(),
        session_state: None,
        access_token: user.access_token.clone(),
        refresh_token: user.refresh_token.clone(),
        token_type: Some("Bearer".into()),
        scope,
        profile: profile_of(user),
        expires_at: Some(user.access_token_expires_at as f64),
    })
    .expect("a user always serialises")
}

/// Reads a stored user in the SDK's format, or in this client's former one;
/// tells corrupt, foreign and unknown formats apart.
pub fn from_stored(raw: &str) -> Result<User, StoredUserError> {
    let value: Value = serde_json::from_str(raw).map_err(|_| StoredUserError::NotJson)?;
    from_stored_value(value)
}

/// [`from_stored`] for content already read as JSON.
pub fn from_stored_value(value: Value) -> Result<User, StoredUserError> {
    let Value::Object(object) = &value else {
        return Err(StoredUserError::WrongShape);
    };
    if let Some(version) = object.get("version") {
        return from_legacy(version, value.clone());
    }
    let stored: OidcUser = serde_json::from_value(value).map_err(|_| StoredUserError::WrongShape)?;
    from_oidc(stored).ok_or(StoredUserError::WrongShape)
}

fn from_oidc(stored: OidcUser) -> Option<User> {
    // What the profile lacks is read from the ID token, as the SDK does.
    let token_claims = payload(stored.id_token.secret()).unwrap_or_default();
    let claim = |name: &str| stored.profile.get(name).or_else(|| token_claims.get(name));
    let text = |name: &str| claim(name).and_then(Value::as_str).map(str::to_owned);
    let id_token_expires_at = claim("exp").and_then(Value::as_f64)? as i64;
    let passport = claim("passport")
        .cloned()
        .and_then(|value| serde_json::from_value::<PassportClaims>(value).ok())
        .filter(|claims| !claims.is_empty());
    Some(User {
        profile: UserProfile {
            sub: text("sub")?,
            email: text("email"),
            nickname: text("nickname"),
            username: text("username"),
        },
        passport,
        // A session without an access-token expiry is held to the ID token's.
        access_token_expires_at: stored
            .expires_at
            .map_or(id_token_expires_at, |at| at as i64),
        id_token: stored.id_token,
        access_token: stored.access_token,
        refresh_token: stored.refresh_token,
        id_token_expires_at,
    })
}

fn from_legacy(version: &Value, value: Value) -> Result<User, StoredUserError> {
    #[derive(Deserialize)]
    struct Legacy {
        user: User,
    }
    let version = version.as_u64().ok_or(StoredUserError::WrongShape)?;
    if version != u64::from(STORED_USER_VERSION) {
        return Err(StoredUserError::WrongVersion(version));
    }
    serde_json::from_value::<Legacy>(value)
        .map(|legacy| legacy.user)
        .map_err(|_| StoredUserError::WrongShape)
}

/// Moves a session stored by a release before the shared session to the
/// shared key, once: the user stays signed in. A session already under the
/// shared key (the SDK's, or this client's) wins, and the old copy goes.
/// Unreadable old content is dropped, as a corrupt session is.
pub fn migrate_legacy(store: &impl KeyValueStore, authority: &str, client_id: &str) {
    let legacy = legacy_storage_key(authority, client_id);
    let Some(raw) = store.get(&legacy) else {
        return;
    };
    let shared = storage_key(authority, client_id);
    if store.get(&shared).is_none() {
        if let Ok(user) = from_stored(&raw) {
            if !store.set(&shared, &to_stored(&user)) {
                return; // storage refused: keep the old copy for the next try
            }
        }
    }
    store.remove(&legacy);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::user::tests::user;

    /// An ID token whose payload is `claims` (the signature is not read here).
    fn token(claims: Value) -> String {
        format!(
            "eyJhbGciOiJSUzI1NiJ9.{}.c2ln",
            URL_SAFE_NO_PAD.encode(claims.to_string())
        )
    }

    #[test]
    fn the_key_is_the_sdks_for_the_same_authority_and_client() {
        // The SDK's authenticationDomain has no trailing slash; this client's
        // authority may have one: the same key either way.
        assert_eq!(
            storage_key("https://auth.immutable.com/", "abc"),
            "oidc.user:https://auth.immutable.com:abc"
        );
        assert_eq!(
            storage_key("https://auth.immutable.com", "abc"),
            "oidc.user:https://auth.immutable.com:abc"
        );
        assert_eq!(
            legacy_storage_key("http://a/", "c"),
            "passport.user.v1:http://a/:c"
        );
    }

    #[test]
    fn a_stored_user_round_trips_in_the_sdks_shape() {
        let stored = to_stored(&user(0));
        let json: Value = serde_json::from_str(&stored).unwrap();
        for field in ["id_token", "session_state", "access_token", "refresh_token", "token_type", "profile", "expires_at"] {
            assert!(json.get(field).is_some(), "{field} is written");
        }
        assert_eq!(json["token_type"], "Bearer");
        assert_eq!(json["expires_at"], 86_400.0);
        let back = from_stored(&stored).unwrap();
        assert_eq!(back.profile, user(0).profile);
        assert_eq!(back.access_token.secret(), "access.token.value");
        assert_eq!(back.id_token_expires_at, 36_000);
        assert_eq!(back.access_token_expires_at, 86_400);
    }

    #[test]
    fn the_profile_is_the_id_tokens_claims_without_the_filtered_ones() {
        let mut u = user(0);
        u.id_token = IdToken::new(token(serde_json::json!({
            "iss": "https://auth.immutable.com/", "sub": "email|1", "aud": "abc", "exp": 36_000, "iat": 1,
            "nonce": "n", "at_hash": "h", "auth_time": 1, "sid": "s", "email": "a@b.test",
            "passport": { "zkevm_eth_address": "0x1", "zkevm_user_admin_address": "0x2" },
        })));
        let json: Value = serde_json::from_str(&to_stored(&u)).unwrap();
        let profile = json["profile"].as_object().unwrap();
        for kept in ["iss", "sub", "aud", "exp", "iat", "sid", "email", "passport"] {
            assert!(profile.contains_key(kept), "{kept} kept");
        }
        for dropped in ["nonce", "at_hash", "auth_time"] {
            assert!(!profile.contains_key(dropped), "{dropped} filtered");
        }
    }

    /// What the official SDK 2.14 (oidc-client-ts 3.4) writes after a popup
    /// sign-in, field for field; `refresh_token` may be absent, `expires_at`
    /// a whole number of seconds, `profile` with `passport` or without.
    #[test]
    fn a_session_the_sdk_wrote_is_read() {
        let id_token = token(serde_json::json!({
            "sub": "email|9", "exp": 5_000, "username": "player",
            "passport": { "imx_eth_address": "0xa", "imx_stark_address": "0xb", "imx_user_admin_address": "0xc" },
        }));
        let raw = serde_json::json!({
            "id_token": id_token, "session_state": null, "access_token": "a.b.c",
            "refresh_token": "r", "token_type": "Bearer", "scope": "openid offline_access email transact",
            "profile": { "sub": "email|9", "iss": "x", "aud": "abc", "exp": 5_000, "iat": 1, "email": "p@x.test", "nickname": "p" },
            "expires_at": 4_000,
        })
        .to_string();
        let user = from_stored(&raw).unwrap();
        assert_eq!(user.profile.sub, "email|9");
        assert_eq!(user.profile.email.as_deref(), Some("p@x.test"));
        assert_eq!(user.profile.username.as_deref(), Some("player"), "read from the ID token, as the SDK does");
        assert!(user.is_registered_offchain(), "the passport claim from the ID token");
        assert_eq!(user.access_token_expires_at, 4_000);
        assert_eq!(user.id_token_expires_at, 5_000);

        let without_refresh = raw.replace(r#""refresh_token":"r","#, "");
        assert!(from_stored(&without_refresh).unwrap().refresh_token.is_none());
    }

    #[test]
    fn a_former_session_moves_to_the_shared_key_once() {
        use crate::storage::MemoryStore;
        let store = MemoryStore::default();
        let legacy = r#"{"version":1,"user":{"profile":{"sub":"email|1","email":"a@b.test","nickname":"a"},"id_token":"i.d.t","access_token":"a.c.t","refresh_token":"r","id_token_expires_at":36000,"access_token_expires_at":86400}}"#;
        store.set("passport.user.v1:http://a/:c", legacy);
        migrate_legacy(&store, "http://a/", "c");
        assert_eq!(store.get("passport.user.v1:http://a/:c"), None, "the old copy is gone");
        let moved = from_stored(&store.get("oidc.user:http://a:c").unwrap()).unwrap();
        assert_eq!(moved.profile.email.as_deref(), Some("a@b.test"));
        assert_eq!(moved.refresh_token.unwrap().secret(), "r");
        assert_eq!(moved.access_token_expires_at, 86_400);

        // A session under the shared key already (the SDK's) wins.
        store.set("passport.user.v1:http://a/:c", &legacy.replace("a@b.test", "old@b.test"));
        migrate_legacy(&store, "http://a/", "c");
        let kept = from_stored(&store.get("oidc.user:http://a:c").unwrap()).unwrap();
        assert_eq!(kept.profile.email.as_deref(), Some("a@b.test"));
        assert_eq!(store.keys(), vec!["oidc.user:http://a:c".to_owned()]);

        // Nothing stored: nothing written.
        let empty = MemoryStore::default();
        migrate_legacy(&empty, "http://a/", "c");
        assert!(empty.keys().is_empty());
    }

    #[test]
    fn corrupt_foreign_and_unknown_content_is_told_apart() {
        let stored = to_stored(&user(0));
        assert_eq!(from_stored(&stored[..stored.len() / 2]).unwrap_err(), StoredUserError::NotJson);
        assert_eq!(from_stored("").unwrap_err(), StoredUserError::NotJson);
        assert_eq!(from_stored(r#"{"hello":"world"}"#).unwrap_err(), StoredUserError::WrongShape);
        assert_eq!(from_stored("[1,2,3]").unwrap_err(), StoredUserError::WrongShape);
        assert_eq!(from_stored(r#"{"version":0,"user":{}}"#).unwrap_err(), StoredUserError::WrongVersion(0));
        let no_sub = stored.replace(r#""sub":"email|1""#, r#""sub":7"#);
        assert_eq!(from_stored(&no_sub).unwrap_err(), StoredUserError::WrongShape);
        let message = from_stored(&stored.replace("\"Bearer\"", "[")).unwrap_err().to_string();
        assert!(!message.contains("access.token.value"));
    }

    /// A session stored by the releases before the shared session (format
    /// v1) keeps working, so it can be moved to the shared key.
    #[test]
    fn a_session_in_the_former_format_still_restores() {
        let stored = r#"{"version":1,"user":{"profile":{"sub":"email|1","email":"a@b.test","nickname":"a"},"passport":{"imx_eth_address":"0xabc","imx_stark_address":"0x0def","imx_user_admin_address":"0x123"},"id_token":"i.d.t","access_token":"a.c.t","refresh_token":"r","id_token_expires_at":36000,"access_token_expires_at":86400}}"#;
        let user = from_stored(stored).unwrap();
        assert!(user.is_registered_offchain());
        assert_eq!(user.imx().unwrap().eth_address, "0xabc");
        assert_eq!(user.profile.username, None);
        let unregistered = stored.replace(
            r#""passport":{"imx_eth_address":"0xabc","imx_stark_address":"0x0def","imx_user_admin_address":"0x123"}"#,
            r#""passport":null"#,
        );
        assert!(!from_stored(&unregistered).unwrap().is_registered_offchain());
        assert_eq!(
            from_stored(&stored.replace("\"version\":1", "\"version\":9")).unwrap_err(),
            StoredUserError::WrongVersion(9)
        );
    }
}
