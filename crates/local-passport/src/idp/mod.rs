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

pub(crate) use authorize::new_account;
pub use issue::current_passport_claim;
pub use sign_in_page::error_page;
pub use userinfo::{bearer, bearer_access_claims};

/// The OAuth endpoints: their errors are RFC 6749 JSON.
pub const OAUTH_ENDPOINTS: [&str; 2] = [TOKEN, REVOKE];
/// The routes a browser navigates to: their errors are pages.
pub const PAGES: [&str; 2] = [AUTHORIZE, LOGOUT];
const AUTHORIZE: &str = "/authorize";
const TOKEN: &str = "/oauth/token";
const REVOKE: &str = "/oauth/revoke";
const LOGOUT: &str = "/v2/logout";

/// Routes of the identity provider.
pub fn router() -> Router<Shared> {
    Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(discovery::configuration),
        )
        .route("/.well-known/jwks.json", get(discovery::jwks))
        .route(AUTHORIZE, get(authorize::start).post(authorize::submit))
        .route(TOKEN, post(token::exchange))
        .route("/userinfo", get(userinfo::userinfo))
        .route(REVOKE, post(revoke::revoke))
        .route(LOGOUT, get(logout::logout))
}
