//! Request bodies and the peer's address, read with axum's extractors; bodies
//! are refused in each API's own error format: `{code, message}` for the IMX
//! API, RFC 6749 for OAuth.

use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
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

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if media_type(request.headers()) != JSON {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "the body must be JSON (Content-Type: application/json)",
            ));
        }
        Json::from_request(request, state)
            .await
            .map(|Json(value)| ApiJson(value))
            .map_err(|rejection| {
                ApiError::bad_request(format!("the body is not valid: {}", rejection.body_text()))
            })
    }
}

/// An OAuth request's body, as axum's `Form` but refused as an OAuth
/// `invalid_request`: a form (RFC 6749 §4.1.3, RFC 7009 §2.1), or with
/// `JSON_TOO` JSON as well, which Auth0's token endpoint also accepts.
pub struct OAuthBody<T, const JSON_TOO: bool>(pub T);

/// The revocation endpoint's body: a form only.
pub type OAuthForm<T> = OAuthBody<T, false>;
/// The token endpoint's body: a form or JSON.
pub type OAuthFormOrJson<T> = OAuthBody<T, true>;

impl<S, T, const JSON_TOO: bool> FromRequest<S> for OAuthBody<T, JSON_TOO>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = OAuthError;

    async fn from_request(mut request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let refuse = |description: &str| OAuthError::bad("invalid_request", description);
        match media_type(request.headers()).as_str() {
            FORM => {
                // axum's `Form` matches the header's exact spelling; media
                // types are case-insensitive (RFC 9110 §8.3.1), so hand it the
                // plain form type this was recognised as.
                request
                    .headers_mut()
                    .insert(header::CONTENT_TYPE, HeaderValue::from_static(FORM));
                Form::from_request(request, state)
                    .await
                    .map(|Form(value)| OAuthBody(value))
                    .map_err(|_| refuse("the body is not a valid form"))
            }
            JSON if JSON_TOO => Json::from_request(request, state)
                .await
                .map(|Json(value)| OAuthBody(value))
                .map_err(|_| refuse("the body is not valid JSON")),
            _ => Err(refuse(
                "the body must be a form (application/x-www-form-urlencoded)",
            )),
        }
    }
}

/// The address a request came from: its socket's, or the one axum's
/// `MockConnectInfo` gives an in-process test. A caller with neither (a
/// router driven without it) shares one key, the unspecified address.
pub struct PeerIp(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for PeerIp {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Infallible> {
        let peer = ConnectInfo::<SocketAddr>::from_request_parts(parts, state).await;
        Ok(PeerIp(peer.map_or(
            IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            |ConnectInfo(addr)| addr.ip(),
        )))
    }
}
