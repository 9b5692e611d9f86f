//! What happens to the session, as the one owner of it ([`Passport`]) tells
//! its listeners: from this tab's own calls, and from other tabs through the
//! `storage` event on the stored user's key.
//!
//! [`Passport`]: crate::Passport

use crate::error::PassportError;
use crate::jwt::TokenError;
use crate::user::{self, User};

/// A change of the session.
#[derive(Debug, Clone)]
pub enum SessionEvent {
    /// A user signed in (in this tab's popup or callback, or in another tab).
    SignedIn(User),
    /// The same user's tokens were renewed.
    Refreshed(User),
    /// The user signed out, or the stored session was removed.
    SignedOut,
    /// The provider no longer accepts the session (revoked, expired or reused
    /// refresh token): signed out, and the user should be told why.
    Ended,
}

/// Where the change happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventSource {
    /// A call on this page.
    ThisTab,
    /// Another tab or window of the same origin (including the sign-in popup).
    OtherTab,
}

/// What another tab's write of the stored user means: `old` and `new` are the
/// stored values before and after. Unreadable content reads as signed out.
pub fn from_storage_change(old: Option<&str>, new: Option<&str>) -> SessionEvent {
    let Some(Ok(new)) = new.map(user::from_stored) else {
        return SessionEvent::SignedOut;
    };
    let old_sub = old
        .and_then(|raw| user::from_stored(raw).ok())
        .map(|u| u.profile.sub);
    if old_sub.as_deref() == Some(new.profile.sub.as_str()) {
        SessionEvent::Refreshed(new)
    } else {
        SessionEvent::SignedIn(new)
    }
}

/// The event for storing `user` where `previous` was stored.
pub fn on_store(previous: Option<&User>, user: &User) -> SessionEvent {
    match previous {
        Some(p) if p.profile.sub == user.profile.sub => SessionEvent::Refreshed(user.clone()),
        _ => SessionEvent::SignedIn(user.clone()),
    }
}

/// What a refresh leads to, once its ID token was checked.
#[derive(Debug)]
pub enum AfterRefresh {
    /// The same user with new tokens: store it.
    Store(Box<User>),
    /// The answer cannot belong to this session: the stored session ends
    /// (removed, [`SessionEvent::Ended`]) and the user signs in again.
    End(PassportError),
    /// No verdict this time (the signing keys could not be fetched, a browser
    /// API failed): the session is kept and the caller may try again.
    Keep(PassportError),
}

/// Decides what a refresh of `previous`'s session leads to. OpenID Connect
/// Core 12.2: a refreshed ID token must name the same subject (and, checked
/// with the claims, the same issuer) as the session's; oidc-client-ts refuses
/// another one. A token that fails verification is no session either. Only a
/// failure to get an answer keeps the session.
pub fn after_refresh(previous: &User, verified: Result<User, PassportError>) -> AfterRefresh {
    match verified {
        Ok(user) if user.profile.sub != previous.profile.sub => {
            AfterRefresh::End(PassportError::InvalidIdToken(TokenError::SubjectChanged))
        }
        Ok(user) => AfterRefresh::Store(Box::new(user)),
        Err(err @ PassportError::InvalidIdToken(_)) => AfterRefresh::End(err),
        Err(err) => AfterRefresh::Keep(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::user::tests::user;

    #[test]
    fn a_refresh_for_another_subject_ends_the_session() {
        let ada = user(0);
        match after_refresh(&ada, Ok(other_user())) {
            AfterRefresh::End(PassportError::InvalidIdToken(TokenError::SubjectChanged)) => {}
            other => panic!("expected the session to end, got {other:?}"),
        }
    }

    #[test]
    fn a_refreshed_id_token_that_fails_verification_ends_the_session() {
        for error in [
            TokenError::BadSignature,
            TokenError::WrongIssuer { expected: "a".into(), found: "b".into() },
            TokenError::WrongAudience,
            TokenError::Expired,
            TokenError::Malformed("not three parts".into()),
            TokenError::UnknownKey,
        ] {
            let verdict = after_refresh(&user(0), Err(PassportError::InvalidIdToken(error.clone())));
            assert!(matches!(verdict, AfterRefresh::End(_)), "{error:?}: {verdict:?}");
        }
    }

    #[test]
    fn the_same_subject_is_stored_and_no_answer_keeps_the_session() {
        let mut renewed = user(0);
        renewed.id_token_expires_at += 10;
        assert!(matches!(after_refresh(&user(0), Ok(renewed)), AfterRefresh::Store(_)));
        let offline = PassportError::SigningKeys(crate::http::HttpError::Offline);
        assert!(matches!(after_refresh(&user(0), Err(offline)), AfterRefresh::Keep(_)));
        let browser = PassportError::Browser("WebCrypto failed".into());
        assert!(matches!(after_refresh(&user(0), Err(browser)), AfterRefresh::Keep(_)));
    }

    fn other_user() -> User {
        let mut u = user(0);
        u.profile.sub = "email|2".into();
        u
    }

    #[test]
    fn another_tab_signing_in_refreshing_and_out_is_told_apart() {
        let ada = user::to_stored(&user(0));
        let bob = user::to_stored(&other_user());
        assert!(
            matches!(from_storage_change(None, Some(&ada)), SessionEvent::SignedIn(u) if u.profile.sub == "email|1")
        );
        assert!(matches!(
            from_storage_change(Some(&ada), Some(&ada)),
            SessionEvent::Refreshed(_)
        ));
        assert!(
            matches!(from_storage_change(Some(&ada), Some(&bob)), SessionEvent::SignedIn(u) if u.profile.sub == "email|2")
        );
        assert!(matches!(
            from_storage_change(Some(&ada), None),
            SessionEvent::SignedOut
        ));
        assert!(
            matches!(
                from_storage_change(Some(&ada), Some("{corrupt")),
                SessionEvent::SignedOut
            ),
            "unreadable content is nobody signed in"
        );
        assert!(matches!(
            from_storage_change(Some("{corrupt"), Some(&ada)),
            SessionEvent::SignedIn(_)
        ));
    }

    #[test]
    fn storing_the_same_user_again_is_a_refresh() {
        assert!(matches!(
            on_store(None, &user(0)),
            SessionEvent::SignedIn(_)
        ));
        assert!(matches!(
            on_store(Some(&user(0)), &user(5)),
            SessionEvent::Refreshed(_)
        ));
        assert!(matches!(
            on_store(Some(&other_user()), &user(0)),
            SessionEvent::SignedIn(_)
        ));
    }
}
