//! `/userinfo`: the profile of the access token's subject.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;

use crate::db;
use crate::errors::ApiError;
use crate::jwt::AccessClaims;
use crate::state::{AppState, Shared};

/// Verifies the bearer access token and returns its claims: signed here,
/// unexpired, and its session (`sid`) still alive. Signing out or revoking
/// the refresh token ends what its access tokens can do, as it ends what its
/// ID tokens can do at the wallet; a token without `sid` (from before tokens
/// carried one) is refused too.
pub fn bearer_access_claims(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<AccessClaims, ApiError> {
    let token =
        bearer(headers).ok_or_else(|| ApiError::unauthorised("missing bearer access token"))?;
    let claims = state
        .signing_key
        .verify::<AccessClaims>(
            token,
            &state.issuer,
            &[super::issue::DEFAULT_AUDIENCE.to_owned()],
        )
        .map_err(|err| ApiError::unauthorised(format!("invalid access token: {err}")))?;
    let alive = match claims.sid.as_deref() {
        Some(sid) => db::family_alive(&state.db(), sid)?,
        None => false,
    };
    if !alive {
        return Err(ApiError::unauthorised(
            "the session of this access token ended: sign in again",
        ));
    }
    Ok(claims)
}

/// The bearer token of the `Authorization` header.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// GET `/userinfo`.
pub async fn userinfo(
    State(state): State<Shared>,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    let claims = bearer_access_claims(&state, &headers)?;
    let user = db::user_by_sub(&state.db(), &claims.sub)?
        .ok_or_else(|| ApiError::unauthorised("unknown user"))?;
    let mut body =
        serde_json::json!({ "sub": user.sub, "email": user.email, "nickname": user.nickname });
    if let Some(passport) = super::current_passport_claim(&state, &user.sub)? {
        body["passport"] = serde_json::to_value(passport).map_err(anyhow::Error::from)?;
    }
    Ok(Json(body))
}
