//! Newtypes for secrets and identifiers. Secrets print as `[redacted]` and have
//! no `PartialEq`, so they cannot leak through `Debug` or be compared by accident.

use serde::{Deserialize, Serialize};

macro_rules! secret {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps a value.
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }
            /// The secret value itself: use only to send it where it belongs.
            pub fn secret(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, concat!(stringify!($name), "([redacted])"))
            }
        }
    };
}

secret!(
    /// An OAuth access token.
    AccessToken
);
secret!(
    /// An OpenID Connect ID token (a JWT).
    IdToken
);
secret!(
    /// An OAuth refresh token.
    RefreshToken
);
secret!(
    /// A PKCE code verifier.
    CodeVerifier
);
secret!(
    /// An authorization code.
    AuthorizationCode
);
secret!(
    /// The OIDC nonce bound into the ID token.
    Nonce
);

/// The OAuth `state` of one sign-in: not secret once sent, but an identifier
/// that must not be confused with other strings.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LoginState(String);

impl LoginState {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    /// The value.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print_their_value() {
        let token = AccessToken::new("eyJhbGciOi.secret.value");
        assert_eq!(format!("{token:?}"), "AccessToken([redacted])");
        assert_eq!(
            format!("{:?}", CodeVerifier::new("v")),
            "CodeVerifier([redacted])"
        );
        assert_eq!(token.secret(), "eyJhbGciOi.secret.value");
    }

    #[test]
    fn secrets_serialize_as_plain_strings_for_storage() {
        let json = serde_json::to_string(&RefreshToken::new("r1")).unwrap();
        assert_eq!(json, "\"r1\"");
        let back: RefreshToken = serde_json::from_str(&json).unwrap();
        assert_eq!(back.secret(), "r1");
    }
}
