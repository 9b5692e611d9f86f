//! The local Passport as an emulator a team can drive: the admin API (JSON
//! under `/__admin/api/`), the admin page over it (`/__admin/`), the log of
//! recent requests it shows, the last tokens issued to each user (decoded),
//! and seeding at start (`serve --seed`).
//!
//! Who may call it: a peer on loopback only (403 otherwise), with the admin
//! token in `Authorization: Bearer` (401 otherwise). The token is random at
//! each start (printed on stderr and in the ready line) unless given with
//! `--admin-token`. A web page can never call it: the routes sit outside the
//! CORS layer and answer no preflight, so a browser sends no cross-origin
//! request with an `Authorization` header (it needs a preflight first), and
//! any request whose `Origin` is not this server's own is refused outright.

mod api;
mod log;
pub mod memory;
mod page;
pub mod seed;
mod tokens;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;

use crate::errors::{no_method, ApiError};
use crate::extract::PeerIp;
use crate::state::Shared;

/// The admin routes: the page and its script (loopback only), the API
/// (loopback and token). Merged outside the CORS layer and the pages'
/// headers: they set their own.
pub fn router(state: &Shared) -> Router<Shared> {
    let api = api::router()
        .method_not_allowed_fallback(no_method)
        .route_layer(middleware::from_fn_with_state(state.clone(), token_only));
    page::router()
        .method_not_allowed_fallback(no_method)
        .merge(api)
        .layer(middleware::from_fn(loopback_only))
        .layer(middleware::from_fn(no_cache))
}

/// 403 unless the peer is on loopback and the request comes from no web
/// page but this server's own.
async fn loopback_only(PeerIp(peer): PeerIp, request: Request, next: Next) -> Response {
    let loopback = match peer {
        std::net::IpAddr::V4(ip) => ip.is_loopback(),
        std::net::IpAddr::V6(ip) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    };
    if !loopback {
        return forbidden("the admin API answers on loopback only");
    }
    if !own_origin(request.headers()) {
        return forbidden("the admin API is not for web pages");
    }
    next.run(request).await
}

/// No `Origin`, or this server's own (`http(s)://` and its `Host`): the admin
/// page's own requests. A page of another origin could not send the token
/// anyway (no preflight is ever answered), but is turned away before asking.
fn own_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    match (origin.to_str().ok(), host) {
        (Some(origin), Some(host)) => {
            origin == format!("http://{host}") || origin == format!("https://{host}")
        }
        _ => false,
    }
}

/// 401 without the admin token in `Authorization: Bearer`.
async fn token_only(State(state): State<Shared>, request: Request, next: Next) -> Response {
    let presented = crate::bearer::bearer(request.headers());
    if !presented.is_some_and(|token| state.admin.accepts(token)) {
        return ApiError::unauthorised("the admin token is missing or wrong").into_response();
    }
    next.run(request).await
}

fn forbidden(message: &'static str) -> Response {
    ApiError::new(StatusCode::FORBIDDEN, "forbidden", message).into_response()
}

/// Nothing the admin routes answer is kept by a cache.
async fn no_cache(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

/// The layer over each server's routes that logs its requests.
pub async fn record_requests(
    State((state, server)): State<(Shared, &'static str)>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    if path.starts_with("/__admin/") || path == "/__admin" {
        return next.run(request).await;
    }
    let method = request.method().to_string();
    let path: String = path.chars().take(200).collect();
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    let at_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    state.admin.requests.push(log::Logged {
        seq: 0,
        at_ms,
        server,
        method,
        path,
        status: response.status().as_u16(),
        ms: started.elapsed().as_millis() as u64,
    });
    response
}
