//! Issuing tokens: the ID token, the access token and a rotating refresh token.

use serde::Serialize;

use crate::db::{self, RefreshToken, User};
use crate::jwt::{AccessClaims, IdClaims, PassportClaim};
use crate::secrets::{hash_secret, random_id, random_token};
use crate::state::AppState;

/// The audience of access tokens when the client asks for none.
pub use passport_wire::API_AUDIENCE as DEFAULT_AUDIENCE;

/// The token endpoint's success response. No `Debug`: it holds tokens.
#[derive(Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub id_token: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    pub token_type: &'static str,
    pub expires_in: i64,
    pub scope: String,
}

/// What a grant was for.
pub struct Grant<'a> {
    pub client_id: &'a str,
    pub scope: &'a str,
    pub audience: Option<&'a str>,
    pub nonce: Option<&'a str>,
    /// The refresh-token family to continue (rotation) or start.
    pub family: &'a str,
    /// When the family's refresh tokens expire (`None`: a new family, now + TTL).
    pub refresh_expires_at: Option<i64>,
}

/// The `passport` claim of a user: its zkEVM part and its IMX registration,
/// `None` when it has neither.
pub fn current_passport_claim(
    state: &AppState,
    sub: &str,
) -> rusqlite::Result<Option<PassportClaim>> {
    crate::accounts::passport_claim(&state.db(), sub)
}

/// Signs the tokens for a grant; a refresh token only with `offline_access`.
pub fn issue(state: &AppState, user: &User, grant: &Grant<'_>) -> anyhow::Result<TokenResponse> {
    // Never before the user's cutoff (the admin API's invalidation, which
    // refuses what was issued before it): the tokens issued in the second of
    // an invalidation, after it, are good.
    let now = crate::now().max(db::tokens_valid_after(&state.db(), &user.sub)?);
    let opts = &state.settings;
    let id_claims = IdClaims {
        iss: state.issuer.clone(),
        sub: user.sub.clone(),
        aud: grant.client_id.to_owned(),
        exp: now + opts.id_token_ttl,
        iat: now,
        nonce: grant.nonce.map(str::to_owned),
        sid: Some(grant.family.to_owned()),
        email: user.email.clone(),
        nickname: user.nickname.clone(),
        passport: current_passport_claim(state, &user.sub)?,
    };
    let access_claims = AccessClaims {
        iss: state.issuer.clone(),
        sub: user.sub.clone(),
        aud: grant.audience.unwrap_or(DEFAULT_AUDIENCE).to_owned(),
        azp: grant.client_id.to_owned(),
        scope: grant.scope.to_owned(),
        exp: now + opts.access_token_ttl,
        iat: now,
        jti: random_id(),
        sid: Some(grant.family.to_owned()),
    };
    let refresh_token = if grant
        .scope
        .split_whitespace()
        .any(|s| s == "offline_access")
    {
        let token = random_token();
        let record = RefreshToken {
            family: grant.family.to_owned(),
            sub: user.sub.clone(),
            client_id: grant.client_id.to_owned(),
            scope: grant.scope.to_owned(),
            audience: grant.audience.map(str::to_owned),
            status: db::RefreshStatus::Active,
            // Absolute: a rotated token inherits its family's end, so a
            // session cannot be kept alive forever by refreshing.
            expires_at: grant
                .refresh_expires_at
                .unwrap_or(now + opts.refresh_token_ttl),
            rotated_at: None,
        };
        db::insert_refresh_token(&state.db(), &hash_secret(&token), &record)?;
        Some(token)
    } else {
        None
    };
    let access_token = state.signing_key.sign(&access_claims)?;
    let id_token = state.signing_key.sign(&id_claims)?;
    let refresh_expires_at = refresh_token.as_ref().map(|_| {
        grant
            .refresh_expires_at
            .unwrap_or(now + opts.refresh_token_ttl)
    });
    state
        .admin
        .record_issued(&user.sub, &id_token, &access_token, refresh_expires_at);
    Ok(TokenResponse {
        access_token,
        id_token,
        refresh_token,
        token_type: "Bearer",
        expires_in: opts.access_token_ttl,
        scope: grant.scope.to_owned(),
    })
}
