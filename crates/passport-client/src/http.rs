//! The one HTTP error of the protocol layer, and the request and response types
//! every call goes through (oauth2's, which are the `http` crate's). The token
//! endpoint, the JWKS, the IMX API and the wallet all fail the same few ways;
//! each caller decides what a status means for it.

pub use oauth2::{HttpRequest, HttpResponse};

/// Why an HTTP call gave no usable answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
pub enum HttpError {
    /// No answer within the client's time limit.
    #[error("the request timed out")]
    Timeout,
    /// No answer at all: offline, the host is down, or the browser blocked it (CORS).
    #[error("the network request failed")]
    Offline,
    /// An answer that could not be read: cut off, or not the document expected.
    #[error("the answer could not be read ({0})")]
    Unreadable(std::borrow::Cow<'static, str>),
    /// A status the caller does not accept, with the body as text (for the
    /// service's own explanation; never shown whole).
    #[error("HTTP {status}")]
    Status {
        /// The HTTP status.
        status: u16,
        /// The body, lossily decoded.
        body: String,
    },
}

impl HttpError {
    /// Whether the same call may succeed later: no answer, or a server-side failure.
    pub fn is_retryable(&self) -> bool {
        match self {
            HttpError::Timeout | HttpError::Offline | HttpError::Unreadable(_) => true,
            HttpError::Status { status, .. } => *status >= 500 || *status == 429,
        }
    }

    /// The status of an answer the caller refused, if there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            HttpError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// A response's body when its status is 2xx, otherwise [`HttpError::Status`].
pub fn success_body(response: HttpResponse) -> Result<Vec<u8>, HttpError> {
    let status = response.status().as_u16();
    if response.status().is_success() {
        Ok(response.into_body())
    } else {
        Err(HttpError::Status {
            status,
            body: String::from_utf8_lossy(response.body()).into_owned(),
        })
    }
}

/// Parses a 2xx JSON body; anything else is the matching [`HttpError`].
pub fn json_body<T: serde::de::DeserializeOwned>(
    response: HttpResponse,
    what: &'static str,
) -> Result<T, HttpError> {
    let body = success_body(response)?;
    serde_json::from_slice(&body).map_err(|_| HttpError::Unreadable(what.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_support::json_response as response;

    #[test]
    fn a_refused_status_keeps_its_body_and_a_bad_document_is_unreadable() {
        #[derive(serde::Deserialize, Debug)]
        struct Keys {
            #[allow(dead_code)]
            keys: Vec<u8>,
        }
        let err = json_body::<Keys>(response(503, "down"), "a key set").unwrap_err();
        assert_eq!(
            err,
            HttpError::Status {
                status: 503,
                body: "down".into()
            }
        );
        assert!(err.is_retryable());
        assert_eq!(
            json_body::<Keys>(response(200, "{}"), "a key set").unwrap_err(),
            HttpError::Unreadable("a key set".into())
        );
        assert!(!HttpError::Status {
            status: 404,
            body: String::new()
        }
        .is_retryable());
        assert!(json_body::<Keys>(response(200, r#"{"keys":[1]}"#), "a key set").is_ok());
    }
}
