//! `/.well-known/openid-configuration` and the JWKS.

use axum::extract::State;
use axum::Json;

use crate::state::Shared;

/// The OpenID Connect discovery document.
pub async fn configuration(State(state): State<Shared>) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "issuer": state.issuer,
        "authorization_endpoint": state.endpoint("authorize"),
        "token_endpoint": state.endpoint("oauth/token"),
        "userinfo_endpoint": state.endpoint("userinfo"),
        "jwks_uri": state.endpoint(".well-known/jwks.json"),
        "revocation_endpoint": state.endpoint("oauth/revoke"),
        "end_session_endpoint": state.endpoint("v2/logout"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "offline_access", "email", "profile", "transact"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "token_endpoint_auth_methods_supported": ["none"],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": ["iss", "sub", "aud", "exp", "iat", "nonce", "email", "nickname", "passport"],
        "request_parameter_supported": false,
    }))
}

/// The public signing keys.
pub async fn jwks(State(state): State<Shared>) -> Json<serde_json::Value> {
    Json(state.signing_key.jwks())
}
