//! The identity provider: OIDC authorization code flow with PKCE, Auth0-shaped.

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use passport_wire::paths;

use crate::body_limit::{self, Format};
use crate::errors::no_method;
use crate::state::Shared;

mod authorize;
mod authorize_request;
mod cookies;
mod credentials;
mod csrf;
pub mod device;
mod discovery;
pub mod embedded_prompt;
mod grant;
mod issue;
mod logout;
mod revoke;
mod session;
mod sign_in;
mod sign_in_page;
mod token;
mod userinfo;

pub(crate) use credentials::normalise_email;
pub use issue::current_passport_claim;
pub(crate) use sign_in::new_account;

/// Routes of the identity provider, each group with the body limit in its
/// own error format: OAuth JSON for the OAuth endpoints, pages for what a
/// browser navigates to, `{code, message}` for the rest.
pub fn router() -> Router<Shared> {
    // Every answer that may carry a token, a code or a profile is never
    // stored by a cache, its errors included (RFC 6749 §5.1, OIDC §5.3.2).
    let oauth = Router::new()
        .route(
            paths::TOKEN,
            post(token::exchange).layer(middleware::from_fn(no_store)),
        )
        .route(paths::REVOKE, post(revoke::revoke))
        .method_not_allowed_fallback(no_method)
        .layer(middleware::from_fn_with_state(
            Format::OAuth,
            body_limit::limit,
        ));
    let pages = Router::new()
        .route(
            paths::AUTHORIZE,
            get(authorize::start)
                .post(authorize::submit)
                .layer(middleware::from_fn(no_store)),
        )
        .route(paths::LOGOUT, get(logout::logout))
        .method_not_allowed_fallback(no_method)
        .layer(middleware::from_fn_with_state(
            Format::Page,
            body_limit::limit,
        ));
    let documents = Router::new()
        .route(paths::DISCOVERY, get(discovery::configuration))
        .route(paths::JWKS, get(discovery::jwks))
        .route(
            paths::USERINFO,
            get(userinfo::userinfo).layer(middleware::from_fn(no_store)),
        )
        .method_not_allowed_fallback(no_method)
        .layer(middleware::from_fn_with_state(
            Format::Api,
            body_limit::limit,
        ));
    oauth
        .merge(pages)
        .merge(embedded_prompt::router())
        .merge(documents)
        .layer(middleware::from_fn(cookies::expire_tossed))
}

/// `Cache-Control: no-store` (and `Pragma: no-cache` for HTTP/1.0 caches).
async fn no_store(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}
