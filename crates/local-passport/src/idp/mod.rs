//! The identity provider: OIDC authorization code flow with PKCE, Auth0-shaped.

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;

use crate::state::Shared;

mod authorize;
mod csrf;
pub mod device;
mod discovery;
mod issue;
mod logout;
mod revoke;
mod session;
mod sign_in_page;
pub mod throttle;
mod token;
mod userinfo;

pub(crate) use authorize::{new_account, normalise_email};
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
        // Every answer that may carry a token, a code or a profile is never
        // stored by a cache, its errors included (RFC 6749 §5.1, OIDC §5.3.2).
        .route(
            AUTHORIZE,
            get(authorize::start)
                .post(authorize::submit)
                .layer(middleware::from_fn(no_store)),
        )
        .route(
            TOKEN,
            post(token::exchange).layer(middleware::from_fn(no_store)),
        )
        .route(
            "/userinfo",
            get(userinfo::userinfo).layer(middleware::from_fn(no_store)),
        )
        .route(REVOKE, post(revoke::revoke))
        .route(LOGOUT, get(logout::logout))
        .layer(middleware::from_fn(session::expire_tossed))
}

/// `Cache-Control: no-store` (and `Pragma: no-cache` for HTTP/1.0 caches).
async fn no_store(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}
