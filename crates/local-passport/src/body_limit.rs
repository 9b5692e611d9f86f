//! The cap on request bodies, answered in the error format of the router
//! that serves the route.
//!
//! tower-http's limit answers in plain text, and a body streamed past the cap
//! surfaced as whatever each extractor made of it (plain text, or the sign-in
//! form's "malformed" page). Reading every body here, once, gives one answer
//! everywhere: 413 in the route's own format.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

use crate::errors::{ApiError, OAuthError};
use crate::html::error_page;

/// Largest request body accepted; nothing in the protocol comes near it.
pub const MAX_BODY: usize = 64 * 1024;

const TOO_LARGE: &str = "the request body is larger than 64 KB";

/// How a router answers errors.
#[derive(Clone, Copy)]
pub enum Format {
    /// RFC 6749 `{error, error_description}`: the OAuth endpoints.
    OAuth,
    /// An error page: what a browser navigates to.
    Page,
    /// `{code, message}`: the IMX API and the provider's other routes.
    Api,
    /// FastAPI's `{detail}`: the wallet origin (TEE Express).
    Tee,
}

/// Buffers the body up to [`MAX_BODY`] and hands it on, or answers 413 in
/// `format`. Layered with `middleware::from_fn_with_state(format, limit)`.
pub async fn limit(State(format): State<Format>, request: Request, next: Next) -> Response {
    // A declared length over the cap is refused before reading a byte of it.
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > MAX_BODY as u64) {
        return too_large(format);
    }
    let (parts, body) = request.into_parts();
    match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(bytes) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        // Past the cap. (The only other cause, a client gone mid-body, never
        // reads the answer.)
        Err(_) => too_large(format),
    }
}

/// 413 as the router's clients expect errors.
fn too_large(format: Format) -> Response {
    match format {
        Format::OAuth => OAuthError {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            error: "invalid_request",
            description: TOO_LARGE.into(),
            cause: None,
        }
        .into_response(),
        Format::Page => {
            let page = error_page("This request is too large. Start again from the application.");
            (StatusCode::PAYLOAD_TOO_LARGE, Html(page)).into_response()
        }
        Format::Api => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            TOO_LARGE,
        )
        .into_response(),
        Format::Tee => {
            crate::wallet::TeeError::Refused(StatusCode::PAYLOAD_TOO_LARGE, TOO_LARGE.into())
                .into_response()
        }
    }
}
