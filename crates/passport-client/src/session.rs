//! What happens to the session, as the one owner of it ([`Passport`]) tells
//! its listeners: from this tab's own calls, and from other tabs through the
//! `storage` event on the stored user's key.
//!
//! [`Passport`]: crate::Passport

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::user::tests::user;

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
