//! The admin page: plain HTML and a script file, embedded in the binary.
//! It holds no secret: the admin token is typed in once and kept in the
//! tab's sessionStorage.

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;

use crate::state::Shared;

const PAGE: &str = include_str!("page.html");
const SCRIPT: &str = include_str!("page.js");
const STYLE: &str = include_str!("page.css");

/// The sign-in page's policy, with its own script and requests to itself.
const CSP: &str = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; \
                   img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

pub fn router() -> Router<Shared> {
    Router::new()
        .route("/__admin", get(|| async { Redirect::to("/__admin/") }))
        .route("/__admin/", get(page))
        .route("/__admin/admin.js", get(script))
        .route("/__admin/admin.css", get(style))
}

fn with_headers(content_type: &'static str, body: &'static str) -> Response {
    let mut response = ([(header::CONTENT_TYPE, content_type)], body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    crate::html::no_sniffing_no_referrer(headers);
    response
}

async fn page() -> Response {
    with_headers("text/html; charset=utf-8", PAGE)
}

async fn script() -> Response {
    with_headers("text/javascript; charset=utf-8", SCRIPT)
}

async fn style() -> Response {
    with_headers("text/css; charset=utf-8", STYLE)
}
