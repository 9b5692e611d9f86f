//! Request bodies, read with axum's extractors and refused in each API's own
//! error format: `{code, message}` for the IMX API, RFC 6749 for OAuth.

use axum::extract::{FromRequest, Request};
use axum::http::{header, StatusCode};
use axum::{Form, Json};
use serde::de::DeserializeOwned;

use crate::errors::{ApiError, OAuthError};

const FORM: &str = "application/x-www-form-urlencoded";
const JSON: &str = "application/json";

/// The request's media type without parameters, lower-cased:
/// `Application/JSON; charset=utf-8` is `application/json`; none is `""`.
/// Compared whole, so `application/jsonx` is not JSON.
pub fn media_type(headers: &axum::http::HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// A JSON body, as axum's `Json` but refused in the API's own `{code, message}`
/// format: 415 when it is not declared JSON, 400 when it does not parse.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if media_type(request.headers()) != JSON {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "the body must be JSON (Content-Type: application/json)",
            ));
        }
        Json::<T>::from_request(request, state)
            .await
            .map(|Json(value)| ApiJson(value))
            .map_err(|rejection| {
                ApiError::bad_request(format!("the body is not valid: {}", rejection.body_text()))
            })
    }
}

/// An OAuth request's form (RFC 6749 §4.1.3, RFC 7009 §2.1), as axum's `Form`
/// but refused as an OAuth `invalid_request`.
pub struct OAuthForm<T>(pub T);

impl<S, T> FromRequest<S> for OAuthForm<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = OAuthError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if media_type(request.headers()) != FORM {
            return Err(OAuthError::bad(
                "invalid_request",
                "the body must be a form (application/x-www-form-urlencoded)",
            ));
        }
        Form::<T>::from_request(request, state)
            .await
            .map(|Form(value)| OAuthForm(value))
            .map_err(|_| OAuthError::bad("invalid_request", "the body is not a valid form"))
    }
}

/// The token endpoint's body: a form, or JSON, which Auth0 also accepts there.
pub struct OAuthFormOrJson<T>(pub T);

impl<S, T> FromRequest<S> for OAuthFormOrJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = OAuthError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match media_type(request.headers()).as_str() {
            FORM => OAuthForm::<T>::from_request(request, state)
                .await
                .map(|OAuthForm(value)| OAuthFormOrJson(value)),
            JSON => Json::<T>::from_request(request, state)
                .await
                .map(|Json(value)| OAuthFormOrJson(value))
                .map_err(|_| OAuthError::bad("invalid_request", "the body is not valid JSON")),
            _ => Err(OAuthError::bad(
                "invalid_request",
                "send the request as application/x-www-form-urlencoded",
            )),
        }
    }
}
