//! The identity provider: OIDC authorization code flow with PKCE, Auth0-shaped.

use axum::routing::{get, post};
use axum::Router;

use crate::state::Shared;

mod authorize;
mod csrf;
mod discovery;
mod issue;
mod logout;
mod revoke;
mod session;
mod sign_in_page;
pub mod throttle;
mod token;
mod userinfo;

pub use issue::current_passport_claim;
pub use sign_in_page::error_page;
pub use userinfo::{bearer, bearer_access_claims};

/// Routes of the identity provider.
pub fn router() -> Router<Shared> {
    Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(discovery::configuration),
        )
        .route("/.well-known/jwks.json", get(discovery::jwks))
        .route("/authorize", get(authorize::start).post(authorize::submit))
        .route("/oauth/token", post(token::exchange))
        .route("/userinfo", get(userinfo::userinfo))
        .route("/oauth/revoke", post(revoke::revoke))
        .route("/v2/logout", get(logout::logout))
}
