//! fetch, for the identity provider's form POSTs and the JSON APIs, with a timeout.

use gloo_net::http::{Method, RequestBuilder};
use wasm_bindgen::JsCast;

use crate::oauth::{FormPost, HttpReply};

/// Requests that take longer are aborted and reported as network failures.
pub const TIMEOUT_MS: u32 = 15_000;

/// A request that did not get an HTTP answer.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct NetworkError(pub String);

/// Sends a form POST to the identity provider: the OAuth transport.
pub async fn post_form(post: FormPost) -> Result<HttpReply, String> {
    let builder = RequestBuilder::new(&post.url)
        .method(Method::POST)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json");
    let (status, _, body) = send(builder, Some(post.body.into_bytes()))
        .await
        .map_err(|e| e.0)?;
    Ok(HttpReply { status, body })
}

/// Sends a request with a timeout; returns status, headers and body.
pub async fn send(
    builder: RequestBuilder,
    body: Option<Vec<u8>>,
) -> Result<(u16, Vec<(String, String)>, Vec<u8>), NetworkError> {
    let controller =
        web_sys::AbortController::new().map_err(|_| NetworkError("fetch is unavailable".into()))?;
    let signal = controller.signal();
    let timer = gloo_timers::callback::Timeout::new(TIMEOUT_MS, move || controller.abort());
    let builder = builder.abort_signal(Some(&signal));
    let request = match body {
        Some(bytes) => builder.body(
            js_sys::Uint8Array::from(bytes.as_slice()).unchecked_into::<wasm_bindgen::JsValue>(),
        ),
        None => builder.build(),
    }
    .map_err(|e| NetworkError(e.to_string()))?;
    let result = request.send().await;
    let response = match result {
        Ok(response) => response,
        Err(_) if signal.aborted() => return Err(NetworkError("the request timed out".into())),
        Err(_) => return Err(NetworkError("the network request failed".into())),
    };
    let bytes = response
        .binary()
        .await
        .map_err(|_| NetworkError("the response was cut off".into()))?;
    drop(timer);
    let headers = response.headers().entries().collect();
    Ok((response.status(), headers, bytes))
}

/// GETs a JSON document.
pub async fn get_json<T: serde::de::DeserializeOwned>(url: &str) -> Result<T, NetworkError> {
    let (status, _, body) = send(RequestBuilder::new(url).method(Method::GET), None).await?;
    if !(200..300).contains(&status) {
        return Err(NetworkError(format!("{url} answered HTTP {status}")));
    }
    serde_json::from_slice(&body)
        .map_err(|_| NetworkError(format!("{url} did not return the expected JSON")))
}
