//! TEE Express answers errors the way its FastAPI service does: `{"detail": "…"}`
//! for a refused request, and 422 with `{"detail": [{type, loc, msg}]}` listing
//! every header or body field that failed validation.

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use crate::errors::{server_faults, AnswersFaults};

use passport_wire::magic::{API_KEY_HEADER, CHAIN, CHAIN_HEADER, PROVIDER_ID_HEADER};

/// One failed field of a 422.
#[derive(Debug, Clone)]
pub struct Invalid {
    kind: &'static str,
    loc: Vec<Value>,
    msg: String,
}

/// A TEE Express error response.
#[derive(Debug)]
pub enum TeeError {
    /// 422: what failed validation.
    Validation(Vec<Invalid>),
    /// Any other refusal: status and `detail`.
    Refused(StatusCode, String),
    /// 500, with its cause for the request log (never sent).
    Internal(String),
}

impl TeeError {
    /// 401: the API key, provider or ID token is not accepted.
    pub fn unauthorised(detail: impl Into<String>) -> Self {
        Self::Refused(StatusCode::UNAUTHORIZED, detail.into())
    }
    /// 404.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::Refused(StatusCode::NOT_FOUND, detail.into())
    }
    /// 422 for one field.
    pub fn invalid(place: &str, field: &str, msg: &str) -> Self {
        Self::Validation(vec![Invalid {
            kind: "value_error",
            loc: vec![json!(place), json!(field)],
            msg: msg.into(),
        }])
    }
}

impl IntoResponse for TeeError {
    fn into_response(self) -> Response {
        let mut cause = None;
        let (status, body) = match self {
            TeeError::Validation(list) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({ "detail": list.into_iter().map(|i| json!({
                    "type": i.kind, "loc": i.loc, "msg": i.msg,
                })).collect::<Vec<_>>() }),
            ),
            TeeError::Refused(status, detail) => (status, json!({ "detail": detail })),
            TeeError::Internal(fault) => {
                cause = Some(fault);
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    json!({ "detail": "Internal Server Error" }),
                )
            }
        };
        let response = (status, [(header::CACHE_CONTROL, "no-store")], Json(body)).into_response();
        crate::errors::with_fault(response, cause)
    }
}

impl AnswersFaults for TeeError {
    fn server_fault(cause: String) -> Self {
        Self::Internal(cause)
    }
}

server_faults!(TeeError);

fn missing(place: &str, field: &str) -> Invalid {
    Invalid {
        kind: "missing",
        loc: vec![json!(place), json!(field)],
        msg: "Field required".into(),
    }
}

/// Validates the required headers and, for calls that take one, the JSON body
/// `{message_base64: string}`; lists every problem at once, as FastAPI does.
/// Answers the body's `message_base64`, read once here.
pub fn validate(headers: &HeaderMap, body: Option<&[u8]>) -> Result<Option<String>, TeeError> {
    let mut problems = Vec::new();
    let value = |name: &str| headers.get(name).map(|v| v.to_str().unwrap_or(""));
    for name in [API_KEY_HEADER, PROVIDER_ID_HEADER] {
        if value(name).is_none_or(str::is_empty) {
            problems.push(missing("header", name));
        }
    }
    match value(CHAIN_HEADER) {
        None => problems.push(missing("header", CHAIN_HEADER)),
        Some(CHAIN) => {}
        Some(_) => problems.push(Invalid {
            kind: "enum",
            loc: vec![json!("header"), json!(CHAIN_HEADER)],
            msg: format!("Input should be '{CHAIN}'"),
        }),
    }
    let message = match body.map(message_base64) {
        None => None,
        Some(Ok(message)) => Some(message),
        Some(Err(problem)) => {
            problems.push(problem);
            None
        }
    };
    if problems.is_empty() {
        Ok(message)
    } else {
        Err(TeeError::Validation(problems))
    }
}

fn message_base64(body: &[u8]) -> Result<String, Invalid> {
    if body.is_empty() {
        return Err(Invalid {
            kind: "missing",
            loc: vec![json!("body")],
            msg: "Field required".into(),
        });
    }
    let Ok(mut value) = serde_json::from_slice::<Value>(body) else {
        return Err(Invalid {
            kind: "json_invalid",
            loc: vec![json!("body"), json!(0)],
            msg: "JSON decode error".into(),
        });
    };
    match value.get_mut("message_base64").map(Value::take) {
        None => Err(missing("body", "message_base64")),
        Some(Value::String(message)) => Ok(message),
        Some(_) => Err(Invalid {
            kind: "string_type",
            loc: vec![json!("body"), json!("message_base64")],
            msg: "Input should be a valid string".into(),
        }),
    }
}
