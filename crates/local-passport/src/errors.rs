//! Error responses: RFC 6749 `{error, error_description}` for the identity
//! provider, `{code, message}` for the IMX API and the wallet service.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

/// Why a request failed on the server's side (a database or internal error),
/// carried on the response for the request log to write: the error types
/// themselves never log (`logging::log_requests` does, once per request).
#[derive(Debug, Clone)]
pub struct ServerFault(pub String);

/// A 500's response with its cause attached for the log.
pub fn with_fault(mut response: Response, cause: Option<String>) -> Response {
    if let Some(cause) = cause {
        response.extensions_mut().insert(ServerFault(cause));
    }
    response
}

/// An error type that answers a failure on the server's side (the database,
/// or anything else that should not happen) as its wire format's 500, with
/// the cause kept for the log.
pub trait AnswersFaults {
    /// The 500 for `cause`.
    fn server_fault(cause: String) -> Self;
}

/// `?` on a database or internal error, for each error type that answers
/// faults: one conversion, whichever the wire format.
macro_rules! server_faults {
    ($($error:ty),+) => {$(
        impl From<rusqlite::Error> for $error {
            fn from(err: rusqlite::Error) -> Self {
                <$error as $crate::errors::AnswersFaults>::server_fault(format!("database error: {err}"))
            }
        }
        impl From<anyhow::Error> for $error {
            fn from(err: anyhow::Error) -> Self {
                <$error as $crate::errors::AnswersFaults>::server_fault(format!("internal error: {err}"))
            }
        }
    )+};
}
pub(crate) use server_faults;

/// An OAuth 2.0 error response (RFC 6749 §5.2).
#[derive(Debug)]
pub struct OAuthError {
    /// HTTP status.
    pub status: StatusCode,
    /// The RFC 6749 error code.
    pub error: &'static str,
    /// A sentence for developers.
    pub description: String,
    /// For a server-side failure, its cause (logged, never sent).
    pub cause: Option<String>,
}

impl OAuthError {
    /// 400 with `error`.
    pub fn bad(error: &'static str, description: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            error,
            description: description.into(),
            cause: None,
        }
    }
    /// 401 `invalid_client`.
    pub fn invalid_client(description: impl Into<String>) -> Self {
        Self {
            status: StatusCode::UNAUTHORIZED,
            error: "invalid_client",
            description: description.into(),
            cause: None,
        }
    }
    /// 400 `invalid_grant`.
    pub fn invalid_grant(description: impl Into<String>) -> Self {
        Self::bad("invalid_grant", description)
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let body =
            serde_json::json!({ "error": self.error, "error_description": self.description });
        let response = (
            self.status,
            [(header::CACHE_CONTROL, "no-store")],
            Json(body),
        )
            .into_response();
        with_fault(response, self.cause)
    }
}

impl AnswersFaults for OAuthError {
    fn server_fault(cause: String) -> Self {
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            error: "server_error",
            description: "the server could not complete the request".into(),
            cause: Some(cause),
        }
    }
}

/// An IMX API or wallet service error: `{code, message}`.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Machine-readable code.
    pub code: &'static str,
    /// What went wrong, for the user.
    pub message: String,
    /// For a server-side failure, its cause (logged, never sent).
    pub cause: Option<String>,
}

impl ApiError {
    /// Builds an error.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            cause: None,
        }
    }
    /// 400 `bad_request`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }
    /// 401 `unauthorised`.
    pub fn unauthorised(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorised", message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "code": self.code, "message": self.message });
        let response = (
            self.status,
            [(header::CACHE_CONTROL, "no-store")],
            Json(body),
        )
            .into_response();
        with_fault(response, self.cause)
    }
}

impl AnswersFaults for ApiError {
    fn server_fault(cause: String) -> Self {
        Self {
            cause: Some(cause),
            ..Self::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal_error",
                "the server could not complete the request",
            )
        }
    }
}

server_faults!(OAuthError, ApiError);

/// 404 for a path no route serves.
pub async fn no_route() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "there is nothing at this address",
    )
}

/// 405 for a route asked with a method it does not take (axum adds `Allow`).
pub async fn no_method() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this address does not take this method",
    )
}
