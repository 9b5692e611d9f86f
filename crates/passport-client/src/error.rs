//! Typed errors, each mapped onto one of the protocol's user-facing error kinds,
//! each with a message that tells the user what to do next.

use std::borrow::Cow;

use crate::http::HttpError;
use crate::jwt::TokenError;
pub use crate::kind::ErrorKind;
use crate::registration_error::RegistrationError;

/// A problem with the runtime configuration file or a resolved setting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
#[error("{file}: {}{message}", field.as_ref().map(|f| format!("field `{f}`: ")).unwrap_or_default())]
pub struct ConfigError {
    /// The file the setting came from (`config.json`).
    pub file: String,
    /// The offending field, when one can be named.
    pub field: Option<String>,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// Why the token endpoint did not give tokens.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
pub enum TokenEndpointError {
    /// The provider refused (e.g. `invalid_grant`): retrying will not help.
    #[error("the identity provider refused: {error}{}", description.as_ref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Rejected {
        /// The RFC 6749 error code.
        error: String,
        /// The provider's description.
        description: Option<String>,
    },
    /// The request did not get an answer: offline, timeout, CORS.
    #[error("the identity provider could not be reached: {0}")]
    Network(HttpError),
    /// An answer that is not a token response.
    #[error("the identity provider sent an unexpected response: {0}")]
    InvalidResponse(Cow<'static, str>),
}

impl TokenEndpointError {
    /// Whether trying again later may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, TokenEndpointError::Network(_))
    }
}

/// The message of [`PassportError::NoMatchingState`], as the SDK words it.
pub const NO_MATCHING_STATE: &str = "No matching state found in storage";

/// Text from a URL, made safe to quote in a message: an RFC 6749 error code
/// is printable ASCII, so anything else (controls, bidirectional overrides)
/// is dropped, and at most 64 characters are kept.
fn printable(text: &str) -> String {
    let mut kept: String = text
        .chars()
        .filter(|c| c.is_ascii_graphic() || *c == ' ')
        .collect();
    if kept.len() > 64 {
        kept.truncate(64);
        kept.push('…');
    }
    kept
}

/// Every error the client returns.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
pub enum PassportError {
    /// The configuration is invalid; the message names the field.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The browser blocked the sign-in window.
    #[error("The sign-in window was blocked by the browser. Allow pop-ups for this site, or continue in this tab.")]
    PopupBlocked,
    /// The user closed the sign-in window before finishing.
    #[error(
        "The sign-in window was closed before sign-in finished. Try again when you are ready."
    )]
    PopupClosed,
    /// The callback found no pending sign-in for its `state`.
    #[error("{NO_MATCHING_STATE}")]
    NoMatchingState {
        /// The origin the callback runs on.
        callback_origin: String,
        /// The origin sign-in started on, when the `state` tells it.
        started_on: Option<String>,
    },
    /// The sign-in window reported a failure.
    #[error("{0}")]
    CallbackFailed(String),
    /// The provider answered the authorization request with an error. Both
    /// fields come from the callback's URL, which anyone can write: the
    /// message quotes the code and leaves the description out, so no
    /// sentence of a stranger's reads as the app's own (pages show the
    /// description apart, as quoted data).
    #[error("Sign-in was not completed: Passport answered with the error code “{}”.", printable(error))]
    Provider {
        /// The RFC 6749 error code, e.g. `access_denied`.
        error: String,
        /// The provider's explanation.
        description: Option<String>,
    },
    /// The callback URL is not a sign-in response this client can read.
    #[error("This sign-in response cannot be used: {0}. Start sign-in again.")]
    InvalidCallback(String),
    /// The callback URL has no authorization code.
    #[error("The sign-in response has no authorization code. Start sign-in again.")]
    MissingCode,
    /// The token endpoint failed.
    #[error("{0}")]
    TokenEndpoint(TokenEndpointError),
    /// The provider's signing keys (JWKS) could not be fetched; nothing was stored.
    #[error("The identity provider's signing keys could not be fetched ({0}). Nothing was stored; try again.")]
    SigningKeys(HttpError),
    /// The ID token failed verification; nothing was stored.
    #[error("The identity provider's answer could not be verified: {0}. Nothing was stored; try signing in again.")]
    InvalidIdToken(TokenError),
    /// Refreshing the session failed without the user being signed out.
    #[error("Your session could not be refreshed ({0}). You are still signed in; check your network connection and try again.")]
    RefreshFailed(TokenEndpointError),
    /// No user is signed in.
    #[error("You are not signed in. Sign in to continue.")]
    NotLoggedIn,
    /// The call needs a user registered with IMX, and this one is not.
    #[error("You are not registered with IMX yet. Register with IMX, then try again.")]
    NotRegistered,
    /// localStorage refused to store the session.
    #[error("The browser refused to store the session ({0}). Check that site data is allowed for this site.")]
    Storage(String),
    /// Signing out could not complete everywhere.
    #[error("Signing out did not complete: {0}")]
    Logout(String),
    /// Registering with IMX failed at one of its steps.
    #[error("{0} {advice}", advice = .0.advice)]
    Registration(RegistrationError),
    /// Another browser API failed.
    #[error("The browser could not complete the request: {0}")]
    Browser(String),
    /// The sign-in and registration code, loaded on demand, could not be
    /// loaded; nothing of the session changed.
    #[error("The sign-in code could not be loaded: {0}. Check your connection and try again.")]
    EngineUnavailable(String),
}

impl PassportError {
    /// The protocol error kind this error maps onto.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Config(_) => ErrorKind::InvalidConfiguration,
            Self::RefreshFailed(_) => ErrorKind::SilentLoginError,
            Self::NotLoggedIn => ErrorKind::NotLoggedInError,
            Self::NotRegistered => ErrorKind::UserNotRegisteredError,
            Self::Logout(_) => ErrorKind::LogoutError,
            Self::Registration(e) => e.kind,
            Self::PopupBlocked
            | Self::PopupClosed
            | Self::NoMatchingState { .. }
            | Self::CallbackFailed(_)
            | Self::Provider { .. }
            | Self::MissingCode
            | Self::InvalidCallback(_)
            | Self::TokenEndpoint(_)
            | Self::SigningKeys(_)
            | Self::InvalidIdToken(_)
            | Self::Storage(_)
            | Self::Browser(_)
            | Self::EngineUnavailable(_) => ErrorKind::AuthenticationError,
        }
    }

    /// Whether the same action may succeed if tried again (network, popup).
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::PopupBlocked | Self::PopupClosed | Self::EngineUnavailable(_) => true,
            Self::TokenEndpoint(e) | Self::RefreshFailed(e) => e.is_retryable(),
            Self::Registration(e) => e.retryable,
            Self::SigningKeys(e) => e.is_retryable(),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_map_to_protocol_kinds() {
        assert_eq!(
            PassportError::PopupClosed.kind().code(),
            "AUTHENTICATION_ERROR"
        );
        assert_eq!(
            PassportError::NotLoggedIn.kind().code(),
            "NOT_LOGGED_IN_ERROR"
        );
        let refresh = PassportError::RefreshFailed(TokenEndpointError::Network(
            crate::http::HttpError::Offline,
        ));
        assert_eq!(refresh.kind().code(), "SILENT_LOGIN_ERROR");
        assert!(refresh.is_retryable());
        assert!(refresh.to_string().contains("still signed in"));
    }

    #[test]
    fn no_matching_state_uses_the_sdk_wording() {
        let err = PassportError::NoMatchingState {
            callback_origin: "http://127.0.0.1:8080".into(),
            started_on: None,
        };
        assert_eq!(err.to_string(), "No matching state found in storage");
    }

    #[test]
    fn provider_errors_quote_the_code_and_leave_the_description_to_the_page() {
        let err = PassportError::Provider {
            error: "access_denied".into(),
            description: Some("user said no".into()),
        };
        assert_eq!(
            err.to_string(),
            "Sign-in was not completed: Passport answered with the error code “access_denied”."
        );
    }
}
