//! `/userinfo`: the profile of the access token's subject.

use axum::extract::State;
use axum::Json;

use crate::bearer::BearerAccess;
use crate::db;
use crate::errors::ApiError;
use crate::state::Shared;

/// GET `/userinfo`.
pub async fn userinfo(
    State(state): State<Shared>,
    BearerAccess(claims): BearerAccess,
) -> Result<Json<serde_json::Value>, ApiError> {
    let user = db::user_by_sub(&state.db(), &claims.sub)?
        .ok_or_else(|| ApiError::unauthorised("unknown user"))?;
    let mut body =
        serde_json::json!({ "sub": user.sub, "email": user.email, "nickname": user.nickname });
    if let Some(passport) = super::current_passport_claim(&state, &user.sub)? {
        body["passport"] = serde_json::to_value(passport).map_err(anyhow::Error::from)?;
    }
    Ok(Json(body))
}
