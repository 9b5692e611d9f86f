//! fetch with a timeout: the HTTP client of oauth2's requests and of every
//! other call (JWKS, IMX API, TEE Express), in and out as `http` types.

use gloo_net::http::RequestBuilder;
use wasm_bindgen::JsCast;

use crate::http::{json_body, HttpError, HttpRequest, HttpResponse};
use oauth2::http::header::{self, HeaderName};

/// Requests that take longer are aborted and reported as [`HttpError::Timeout`].
pub const TIMEOUT_MS: u32 = 15_000;

/// Sends `request` on fetch and reads the whole answer, whatever its status.
pub async fn fetch(request: HttpRequest) -> Result<HttpResponse, HttpError> {
    let (parts, body) = request.into_parts();
    // gloo-net's `Method` is http's own.
    let mut builder = RequestBuilder::new(&parts.uri.to_string()).method(parts.method);
    for (name, value) in &parts.headers {
        if let Ok(value) = value.to_str() {
            builder = builder.header(name.as_str(), value);
        }
    }
    let controller = web_sys::AbortController::new().map_err(|_| HttpError::Offline)?;
    let signal = controller.signal();
    let timer = gloo_timers::callback::Timeout::new(TIMEOUT_MS, move || controller.abort());
    let builder = builder.abort_signal(Some(&signal));
    let request = if body.is_empty() {
        builder.build()
    } else {
        builder.body(
            js_sys::Uint8Array::from(body.as_slice()).unchecked_into::<wasm_bindgen::JsValue>(),
        )
    }
    .map_err(|_| HttpError::Offline)?;
    let response = match request.send().await {
        Ok(response) => response,
        Err(_) if signal.aborted() => return Err(HttpError::Timeout),
        Err(_) => return Err(HttpError::Offline),
    };
    let bytes = response.binary().await.map_err(|_| {
        if signal.aborted() {
            HttpError::Timeout
        } else {
            HttpError::Unreadable("the answer was cut off".into())
        }
    })?;
    drop(timer);
    let mut answer = oauth2::http::Response::builder().status(response.status());
    // The media type is all that is read (oauth2 checks it is JSON).
    if let Some(content_type) = response.headers().get("content-type") {
        answer = answer.header(header::CONTENT_TYPE, content_type);
    }
    answer
        .body(bytes)
        .map_err(|_| HttpError::Unreadable("an invalid status line".into()))
}

/// A request with `method`, `url`, JSON `body` (when given) and extra headers.
/// Header names are `http` constants: parsing names from text would link
/// `HeaderName::from_bytes` and its tables for nothing.
pub fn request(
    method: oauth2::http::Method,
    url: &str,
    body: Option<Vec<u8>>,
    headers: &[(HeaderName, &str)],
) -> Result<HttpRequest, HttpError> {
    let mut builder = oauth2::http::Request::builder()
        .method(method)
        .uri(url)
        .header(header::ACCEPT, "application/json");
    if body.is_some() {
        builder = builder.header(header::CONTENT_TYPE, "application/json");
    }
    for (name, value) in headers {
        builder = builder.header(name, *value);
    }
    builder
        .body(body.unwrap_or_default())
        .map_err(|_| HttpError::Unreadable("the request could not be written".into()))
}

/// GETs a JSON document.
pub async fn get_json<T: serde::de::DeserializeOwned>(
    url: &str,
    what: &'static str,
) -> Result<T, HttpError> {
    let get = request(oauth2::http::Method::GET, url, None, &[])?;
    json_body(fetch(get).await?, what)
}
