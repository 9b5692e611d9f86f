//! The on-demand engine's contract: what the app's own module (the front)
//! asks the engine module for, and what comes back, as JSON. Both modules
//! are built from this crate, so both sides read and write these very types.
//!
//! Users cross as the stored-user JSON (the SDK's format), errors as the
//! typed [`PassportError`], so the front shows the same message, kind and
//! retry advice the one-module client would.

use serde::{Deserialize, Serialize};

use crate::claims::ImxRegistration;
use crate::config::PassportConfig;
use crate::error::PassportError;
use crate::login::LoginOptions;
use crate::session::SessionEvent;
use crate::user::{self, User};

/// The global the engine's module puts its entry points on.
pub const ENGINE_GLOBAL: &str = "__passportEngine";

/// Sent once, when the engine starts for a page.
#[derive(Debug, Serialize, Deserialize)]
pub struct Start {
    /// The configuration the front resolved (parsed and checked again).
    pub config: PassportConfig,
}

/// One call of the front into the engine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "call")]
pub enum Call {
    /// A popup sign-in in the window the front opened empty inside the click
    /// (the window goes beside the JSON).
    LoginInWindow { options: LoginOptions },
    /// A sign-in in this tab: the engine navigates to the provider.
    LoginWithRedirect,
    /// The login callback of this page.
    Callback,
    /// The stored session, refreshed (the front found its tokens expired).
    Restore,
    /// The stored session, refreshed even while valid.
    Renew,
    /// The provider's half of a sign-out: the front already forgot the user.
    EndSession { user: Option<WireUser> },
    /// The off-chain registration; each step goes to the progress function
    /// beside the JSON, as a [`crate::registration_error::RegistrationStep`].
    Register,
}

/// What a call answers.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Answer {
    /// The (restored, refreshed or signed-in) user, or nobody.
    User(Option<WireUser>),
    /// A redirect sign-in's callback stored this user; `None`: a popup's
    /// callback told its opener.
    Callback(Option<WireUser>),
    /// Done, nothing to say.
    Done,
    /// Registered with IMX.
    Registered(ImxRegistration),
}

/// A call's result.
pub type Reply = Result<Answer, PassportError>;

/// A user as the stored-user JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireUser(pub String);

impl From<&User> for WireUser {
    fn from(user: &User) -> Self {
        WireUser(user::to_stored(user))
    }
}

impl WireUser {
    /// The user back; a user the engine wrote always reads.
    pub fn user(&self) -> Result<User, PassportError> {
        user::from_stored(&self.0)
            .map_err(|err| PassportError::Browser(format!("the engine answered: {err}")))
    }
}

/// A session event of the engine's, told to the front's listeners as this tab's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum WireEvent {
    /// Someone signed in.
    SignedIn(WireUser),
    /// The tokens were renewed.
    Refreshed(WireUser),
    /// Signed out.
    SignedOut,
    /// The provider ended the session.
    Ended,
}

impl From<&SessionEvent> for WireEvent {
    fn from(event: &SessionEvent) -> Self {
        match event {
            SessionEvent::SignedIn(user) => WireEvent::SignedIn(user.into()),
            SessionEvent::Refreshed(user) => WireEvent::Refreshed(user.into()),
            SessionEvent::SignedOut => WireEvent::SignedOut,
            SessionEvent::Ended => WireEvent::Ended,
        }
    }
}

impl WireEvent {
    /// The event back; `None` for a user that does not read.
    #[cfg_attr(not(feature = "on-demand-engine"), allow(dead_code))]
    pub fn event(&self) -> Option<SessionEvent> {
        Some(match self {
            WireEvent::SignedIn(user) => SessionEvent::SignedIn(user.user().ok()?),
            WireEvent::Refreshed(user) => SessionEvent::Refreshed(user.user().ok()?),
            WireEvent::SignedOut => SessionEvent::SignedOut,
            WireEvent::Ended => SessionEvent::Ended,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ErrorKind, TokenEndpointError};
    use crate::http::HttpError;
    use crate::oauth::{DirectLogin, DirectMethod, MarketingConsent};
    use crate::registration_error::{RegistrationError, RegistrationStep};

    fn through_json<T: Serialize + serde::de::DeserializeOwned>(value: &T) -> T {
        serde_json::from_str(&serde_json::to_string(value).unwrap()).unwrap()
    }

    #[test]
    fn every_call_crosses_unchanged() {
        let calls = [
            Call::LoginInWindow {
                options: LoginOptions {
                    direct: Some(DirectLogin {
                        method: DirectMethod::Email("a@b.test".into()),
                        marketing_consent: Some(MarketingConsent::OptedIn),
                    }),
                },
            },
            Call::LoginInWindow { options: LoginOptions::default() },
            Call::LoginWithRedirect,
            Call::Callback,
            Call::Restore,
            Call::Renew,
            Call::EndSession { user: Some((&crate::user::tests::user(1_000)).into()) },
            Call::EndSession { user: None },
            Call::Register,
        ];
        for call in calls {
            assert_eq!(through_json(&call), call);
        }
    }

    /// The front shows what the one-module client would: the same variant,
    /// so the same message, kind and retry advice.
    #[test]
    fn errors_cross_typed_with_their_message_kind_and_advice() {
        let errors = [
            PassportError::PopupBlocked,
            PassportError::PopupClosed,
            PassportError::RefreshFailed(TokenEndpointError::Network(HttpError::Offline)),
            PassportError::TokenEndpoint(TokenEndpointError::InvalidResponse("no id_token".into())),
            PassportError::SigningKeys(HttpError::Unreadable("the JWKS".into())),
            PassportError::InvalidIdToken(crate::jwt::TokenError::Malformed("two parts".into())),
            PassportError::NoMatchingState {
                callback_origin: "http://localhost:8080".into(),
                started_on: None,
            },
            PassportError::Registration(RegistrationError {
                step: RegistrationStep::Submitting,
                message: "IMX said no".into(),
                advice: "Try again.".into(),
                retryable: true,
                kind: ErrorKind::UserRegistrationError,
            }),
            PassportError::EngineUnavailable("offline".into()),
        ];
        for err in errors {
            let reply: Reply = Err(err.clone());
            let back = through_json(&reply).unwrap_err();
            assert_eq!(back, err);
            assert_eq!(back.to_string(), err.to_string());
            assert_eq!(back.kind(), err.kind());
            assert_eq!(back.is_retryable(), err.is_retryable());
        }
    }

    #[test]
    fn users_and_events_cross_as_the_stored_user() {
        let user = crate::user::tests::user(1_000);
        let wire = WireUser::from(&user);
        assert_eq!(wire.user().unwrap().profile.sub, user.profile.sub);
        for event in [
            SessionEvent::SignedIn(user.clone()),
            SessionEvent::Refreshed(user.clone()),
            SessionEvent::SignedOut,
            SessionEvent::Ended,
        ] {
            let back = through_json(&WireEvent::from(&event)).event().unwrap();
            assert_eq!(format!("{back:?}"), format!("{event:?}"));
        }
        // A user that does not read is no event, not a panic.
        assert!(WireEvent::SignedIn(WireUser("{".into())).event().is_none());
        assert!(WireUser("null".into()).user().is_err());
    }
}
