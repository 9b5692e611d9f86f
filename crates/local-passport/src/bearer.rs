//! The bearer access token at the edge: the `BearerAccess` extractor that
//! `/userinfo` and the IMX API take, refused as `{code, message}` 401s.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::HeaderMap;

use crate::db;
use crate::errors::ApiError;
use crate::jwt::AccessClaims;
use crate::state::Shared;

/// The claims of a valid bearer access token: signed here, unexpired, and
/// its session (`sid`) still alive. Signing out or revoking the refresh token
/// ends what its access tokens can do, as it ends what its ID tokens can do
/// at the wallet; a token without `sid` (from before tokens carried one) is
/// refused too.
pub struct BearerAccess(pub AccessClaims);

impl FromRequestParts<Shared> for BearerAccess {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Shared) -> Result<Self, ApiError> {
        let token = bearer(&parts.headers)
            .ok_or_else(|| ApiError::unauthorised("missing bearer access token"))?;
        let claims = state
            .signing_key
            .verify::<AccessClaims>(
                token,
                &state.issuer,
                &[passport_wire::API_AUDIENCE.to_owned()],
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
        if claims.iat < db::tokens_valid_after(&state.db(), &claims.sub)? {
            return Err(ApiError::unauthorised(
                "this access token was invalidated: refresh the session",
            ));
        }
        Ok(BearerAccess(claims))
    }
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
