//! The signed-in user and the versioned format it is stored in.

use serde::{Deserialize, Serialize};

use crate::expiry::is_expired;
use crate::jwt::IdTokenClaims;
use crate::secret::{AccessToken, IdToken, RefreshToken};

/// The current version of the stored-user format.
pub const STORED_USER_VERSION: u32 = 1;

/// The profile from the ID token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserProfile {
    /// Subject: the user's stable id.
    pub sub: String,
    /// Email address.
    pub email: Option<String>,
    /// Display name.
    pub nickname: Option<String>,
}

/// The `passport` claim: the user's IMX addresses, present once registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PassportClaims {
    /// Ethereum address registered with IMX.
    pub imx_eth_address: String,
    /// Stark key.
    pub imx_stark_address: String,
    /// User admin address.
    pub imx_user_admin_address: String,
}

/// A signed-in user with their tokens.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct User {
    /// The profile.
    pub profile: UserProfile,
    /// IMX registration, from the `passport` claim.
    pub passport: Option<PassportClaims>,
    /// The ID token.
    pub id_token: IdToken,
    /// The access token.
    pub access_token: AccessToken,
    /// The refresh token (with `offline_access`).
    pub refresh_token: Option<RefreshToken>,
    /// ID token expiry, seconds since the epoch.
    pub id_token_expires_at: i64,
    /// Access token expiry, seconds since the epoch.
    pub access_token_expires_at: i64,
}

impl User {
    /// Builds the user from verified ID token claims and the token response.
    pub fn from_tokens(
        claims: &IdTokenClaims,
        id_token: IdToken,
        access_token: AccessToken,
        refresh_token: Option<RefreshToken>,
        access_token_expires_at: i64,
    ) -> Self {
        User {
            profile: UserProfile {
                sub: claims.sub.clone(),
                email: claims.email.clone(),
                nickname: claims.nickname.clone(),
            },
            passport: claims.passport.clone(),
            id_token,
            access_token,
            refresh_token,
            id_token_expires_at: claims.exp,
            access_token_expires_at,
        }
    }

    /// Whether both tokens are still usable at `now` (30 s margin).
    pub fn tokens_valid(&self, now: i64) -> bool {
        !is_expired(Some(self.id_token_expires_at), now)
            && !is_expired(Some(self.access_token_expires_at), now)
    }

    /// When the session needs its next refresh: the earlier of the two expiries.
    pub fn expires_at(&self) -> i64 {
        self.id_token_expires_at.min(self.access_token_expires_at)
    }

    /// Whether the user is registered with IMX off-chain.
    pub fn is_registered_offchain(&self) -> bool {
        self.passport.is_some()
    }
}

/// Why the stored user could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoredUserError {
    /// Not JSON at all (truncated or foreign).
    #[error("the stored session is not valid JSON")]
    NotJson,
    /// Written by another version of this client.
    #[error("the stored session has format version {0}, expected {STORED_USER_VERSION}")]
    WrongVersion(u64),
    /// JSON, but not a user.
    #[error("the stored session is not in the expected format")]
    WrongShape,
}

#[derive(Serialize)]
struct StoredUserOut<'a> {
    version: u32,
    user: &'a User,
}

#[derive(Deserialize)]
struct StoredUserIn {
    user: User,
}

/// The storage key of the signed-in user for this authority and client.
pub fn storage_key(authority: &str, client_id: &str) -> String {
    format!("passport.user.v{STORED_USER_VERSION}:{authority}:{client_id}")
}

/// Serialises a user for storage.
pub fn to_stored(user: &User) -> String {
    serde_json::to_string(&StoredUserOut {
        version: STORED_USER_VERSION,
        user,
    })
    .expect("a user always serialises")
}

/// Reads a stored user, telling corrupt, foreign and old formats apart.
pub fn from_stored(raw: &str) -> Result<User, StoredUserError> {
    // The version alone first, so an old format is told from a broken one.
    #[derive(Deserialize)]
    struct Versioned {
        version: u64,
    }
    serde_json::from_str::<serde::de::IgnoredAny>(raw).map_err(|_| StoredUserError::NotJson)?;
    let version = serde_json::from_str::<Versioned>(raw)
        .map_err(|_| StoredUserError::WrongShape)?
        .version;
    if version != u64::from(STORED_USER_VERSION) {
        return Err(StoredUserError::WrongVersion(version));
    }
    serde_json::from_str::<StoredUserIn>(raw)
        .map(|s| s.user)
        .map_err(|_| StoredUserError::WrongShape)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn user(now: i64) -> User {
        User {
            profile: UserProfile {
                sub: "email|1".into(),
                email: Some("a@b.test".into()),
                nickname: Some("a".into()),
            },
            passport: None,
            id_token: IdToken::new("id.token.value"),
            access_token: AccessToken::new("access.token.value"),
            refresh_token: Some(RefreshToken::new("refresh-value")),
            id_token_expires_at: now + 36_000,
            access_token_expires_at: now + 86_400,
        }
    }

    #[test]
    fn a_stored_user_round_trips() {
        let stored = to_stored(&user(0));
        let back = from_stored(&stored).unwrap();
        assert_eq!(back.profile, user(0).profile);
        assert_eq!(back.access_token.secret(), "access.token.value");
        assert!(stored.contains("\"version\":1"));
    }

    #[test]
    fn truncated_foreign_and_old_content_is_told_apart() {
        let stored = to_stored(&user(0));
        assert_eq!(
            from_stored(&stored[..stored.len() / 2]).unwrap_err(),
            StoredUserError::NotJson
        );
        assert_eq!(
            from_stored("{\"hello\":\"world\"}").unwrap_err(),
            StoredUserError::WrongShape
        );
        assert_eq!(
            from_stored("[1,2,3]").unwrap_err(),
            StoredUserError::WrongShape
        );
        assert_eq!(
            from_stored("{\"version\":0,\"user\":{}}").unwrap_err(),
            StoredUserError::WrongVersion(0)
        );
        let wrong_types = stored.replace(
            "\"id_token_expires_at\":36000",
            "\"id_token_expires_at\":\"soon\"",
        );
        assert_eq!(
            from_stored(&wrong_types).unwrap_err(),
            StoredUserError::WrongShape
        );
        assert_eq!(from_stored("").unwrap_err(), StoredUserError::NotJson);
    }

    #[test]
    fn errors_never_contain_the_tokens() {
        let stored = to_stored(&user(0)).replace("\"version\":1", "\"version\":9");
        let message = from_stored(&stored).unwrap_err().to_string();
        assert!(!message.contains("access.token.value"));
        assert!(!format!("{:?}", user(0)).contains("refresh-value"));
    }

    #[test]
    fn tokens_are_valid_until_thirty_seconds_before_the_earlier_expiry() {
        let u = user(0);
        assert!(u.tokens_valid(0));
        assert!(u.tokens_valid(36_000 - 31));
        assert!(
            !u.tokens_valid(36_000 - 30),
            "the ID token is about to expire"
        );
        assert_eq!(u.expires_at(), 36_000);
    }

    #[test]
    fn registration_comes_from_the_passport_claim() {
        let mut u = user(0);
        assert!(!u.is_registered_offchain());
        u.passport = Some(PassportClaims {
            imx_eth_address: "0x1".into(),
            imx_stark_address: "0x2".into(),
            imx_user_admin_address: "0x3".into(),
        });
        assert!(u.is_registered_offchain());
    }

    #[test]
    fn the_key_is_versioned_and_per_authority_and_client() {
        assert_eq!(
            storage_key("http://a/", "c"),
            "passport.user.v1:http://a/:c"
        );
    }
}
