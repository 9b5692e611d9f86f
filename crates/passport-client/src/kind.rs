//! The error kinds of the protocol, the codes an app handles. Below every
//! error type, so each can name its kind without importing the others.

use std::fmt;

/// The error kinds of the Passport protocol, as the official SDK names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ErrorKind {
    /// The configuration is missing a field or has an invalid value.
    InvalidConfiguration,
    /// Signing in failed.
    AuthenticationError,
    /// The operation needs a signed-in user and there is none.
    NotLoggedInError,
    /// Restoring or refreshing a session without the user failed.
    SilentLoginError,
    /// The wallet could not be reached or started.
    WalletConnectionError,
    /// Registering the user with IMX failed.
    UserRegistrationError,
    /// The operation needs a user registered with IMX.
    UserNotRegisteredError,
    /// Signing out failed.
    LogoutError,
}

impl ErrorKind {
    /// The protocol's name for this kind, e.g. `INVALID_CONFIGURATION`.
    pub fn code(self) -> &'static str {
        match self {
            Self::InvalidConfiguration => "INVALID_CONFIGURATION",
            Self::AuthenticationError => "AUTHENTICATION_ERROR",
            Self::NotLoggedInError => "NOT_LOGGED_IN_ERROR",
            Self::SilentLoginError => "SILENT_LOGIN_ERROR",
            Self::WalletConnectionError => "WALLET_CONNECTION_ERROR",
            Self::UserRegistrationError => "USER_REGISTRATION_ERROR",
            Self::UserNotRegisteredError => "USER_NOT_REGISTERED_ERROR",
            Self::LogoutError => "LOGOUT_ERROR",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}
