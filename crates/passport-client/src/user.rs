//! The signed-in user. How it is stored (the official SDK's format and key)
//! is in [`crate::stored_user`], re-exported here.

use serde::{Deserialize, Serialize};

use crate::claims::{lenient_claims, ImxRegistration, PassportClaims};
use crate::error::PassportError;
use crate::expiry::is_expired;
use crate::jwt::IdTokenClaims;
use crate::secret::{AccessToken, IdToken, RefreshToken};

pub use crate::stored_user::{
    from_stored, from_stored_value, storage_key, to_stored, to_stored_value,
};

/// The profile from the ID token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserProfile {
    /// Subject: the user's stable id.
    pub sub: String,
    /// Email address.
    pub email: Option<String>,
    /// Display name.
    pub nickname: Option<String>,
    /// The Passport username, when the account has one (the SDK's
    /// `profile.username`). Absent from sessions stored before it was read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
}

/// A signed-in user with their tokens.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct User {
    /// The profile.
    pub profile: UserProfile,
    /// The `passport` claim (zkEVM and IMX addresses), when it has any part.
    #[serde(default, deserialize_with = "lenient_claims")]
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
                username: claims.username.clone(),
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

    /// The user's IMX registration, from the `passport` claim.
    pub fn imx(&self) -> Option<ImxRegistration> {
        self.passport.as_ref().and_then(PassportClaims::imx)
    }

    /// The Ethereum address registered with IMX, as the SDK's `getAddress`
    /// answers it; `USER_NOT_REGISTERED_ERROR` without the IMX registration.
    pub fn imx_address(&self) -> Result<String, PassportError> {
        self.imx()
            .map(|imx| imx.eth_address)
            .ok_or(PassportError::NotRegistered)
    }

    /// Whether the user is registered with IMX off-chain: all three `imx_*`
    /// fields of the claim are present.
    pub fn is_registered_offchain(&self) -> bool {
        self.imx().is_some()
    }
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
                username: None,
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

    /// The shapes of the `passport` claim real Passport issues, each with
    /// what the SDK 2.14 makes of it (`packages/auth/src/types.ts`
    /// `PassportMetadata`; `packages/passport/sdk/src/utils/imxUser.ts`
    /// `toUserImx`: registered with IMX only when all three `imx_*` fields
    /// are present). The local Passport's own default (no claim until
    /// registration, then the three `imx_*` fields) is two of these rows.
    const CLAIM_SHAPES: &[(&str, &str, bool, Option<&str>)] = &[
        // (what, the claim's JSON or "" for none, registered with IMX, zkEVM address)
        ("a new account: no claim", "", false, None),
        ("an empty claim", "{}", false, None),
        (
            "a zkEVM wallet, not registered with IMX (the common case)",
            r#"{"zkevm_eth_address":"0x1111111111111111111111111111111111111111","zkevm_user_admin_address":"0x2222222222222222222222222222222222222222"}"#,
            false,
            Some("0x1111111111111111111111111111111111111111"),
        ),
        (
            "registered with IMX only",
            r#"{"imx_eth_address":"0xabc","imx_stark_address":"0x0def","imx_user_admin_address":"0x123"}"#,
            true,
            None,
        ),
        (
            "registered with IMX and a zkEVM wallet",
            r#"{"imx_eth_address":"0xabc","imx_stark_address":"0x0def","imx_user_admin_address":"0x123","zkevm_eth_address":"0x1111111111111111111111111111111111111111","zkevm_user_admin_address":"0x2222222222222222222222222222222222222222"}"#,
            true,
            Some("0x1111111111111111111111111111111111111111"),
        ),
        (
            "two of the three imx fields: not registered",
            r#"{"imx_eth_address":"0xabc","imx_stark_address":"0x0def"}"#,
            false,
            None,
        ),
        (
            "an empty imx field counts as absent",
            r#"{"imx_eth_address":"","imx_stark_address":"0x0def","imx_user_admin_address":"0x123"}"#,
            false,
            None,
        ),
        (
            "fields this client does not know are ignored",
            r#"{"zkevm_eth_address":"0x1111111111111111111111111111111111111111","zkevm_user_admin_address":"0x2","future_chain_address":"0x3","nested":{"a":[1]}}"#,
            false,
            Some("0x1111111111111111111111111111111111111111"),
        ),
        ("a claim that is a string", r#""registered""#, false, None),
        ("a claim that is null", "null", false, None),
        ("a claim that is an array", "[1,2]", false, None),
        (
            "a field of the wrong type counts as absent",
            r#"{"imx_eth_address":7,"imx_stark_address":"0x0def","imx_user_admin_address":"0x123"}"#,
            false,
            None,
        ),
    ];

    #[test]
    fn every_shape_of_the_passport_claim_signs_in_and_reads_as_the_sdk_reads_it() {
        for &(what, claim, registered, zkevm) in CLAIM_SHAPES {
            let mut json = crate::jwt::tests::claims_json(0);
            if !claim.is_empty() {
                json["passport"] = serde_json::from_str(claim).unwrap();
            }
            let claims: IdTokenClaims = serde_json::from_value(json)
                .unwrap_or_else(|e| panic!("{what}: the ID token was refused: {e}"));
            let user = User::from_tokens(
                &claims,
                IdToken::new("i"),
                AccessToken::new("a"),
                None,
                100,
            );
            assert_eq!(user.is_registered_offchain(), registered, "{what}");
            assert_eq!(
                user.passport
                    .as_ref()
                    .and_then(|p| p.zkevm_eth_address.as_deref()),
                zkevm,
                "{what}"
            );
            // What is stored reads back the same.
            let back = from_stored(&to_stored(&user)).unwrap();
            assert_eq!(back.passport, user.passport, "{what}: stored and read back");
            assert_eq!(back.is_registered_offchain(), registered, "{what}");
        }
    }

    #[test]
    fn the_imx_registration_is_the_three_imx_fields() {
        let claims: PassportClaims = serde_json::from_str(CLAIM_SHAPES[4].1).unwrap();
        assert_eq!(
            claims.imx(),
            Some(ImxRegistration {
                eth_address: "0xabc".into(),
                stark_address: "0x0def".into(),
                user_admin_address: "0x123".into(),
            })
        );
    }

    /// `getAddress` in the SDK 2.14 (`utils/imxUser.ts` `toUserImx`): the
    /// `imx_eth_address` of a registered user, USER_NOT_REGISTERED_ERROR for
    /// every other shape, a zkEVM-only account included.
    #[test]
    fn the_imx_address_is_there_only_for_registered_users() {
        for &(what, claim, registered, _) in CLAIM_SHAPES {
            let mut u = user(0);
            u.passport = if claim.is_empty() {
                None
            } else {
                serde_json::from_str(claim).ok()
            };
            match u.imx_address() {
                Ok(address) => {
                    assert!(registered, "{what}");
                    assert_eq!(address, "0xabc", "{what}");
                }
                Err(err) => {
                    assert!(!registered, "{what}");
                    assert_eq!(err.kind(), crate::error::ErrorKind::UserNotRegisteredError, "{what}");
                }
            }
        }
    }

    #[test]
    fn the_username_is_read_when_present() {
        let mut json = crate::jwt::tests::claims_json(0);
        json["username"] = "player_one".into();
        let claims: IdTokenClaims = serde_json::from_value(json).unwrap();
        assert_eq!(claims.username.as_deref(), Some("player_one"));
        let claims: IdTokenClaims =
            serde_json::from_value(crate::jwt::tests::claims_json(0)).unwrap();
        assert_eq!(claims.username, None);
    }

}
