//! The pending sign-in: what the callback needs to finish a login (PKCE
//! verifier, nonce, flow), stored in localStorage keyed by `state`.

use serde::{Deserialize, Serialize};

use crate::secret::{CodeVerifier, LoginState, Nonce};
use crate::storage::KeyValueStore;

/// Prefix of the storage keys of pending sign-ins.
pub const PENDING_PREFIX: &str = "passport.pending.";
/// Pending sign-ins older than this are dropped (milliseconds).
pub const PENDING_MAX_AGE_MS: f64 = 15.0 * 60.0 * 1000.0;

/// How the sign-in was started, so the callback knows how to finish.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Flow {
    /// In a popup: hand the result to the opener and close.
    Popup,
    /// In this tab: store the user and go home.
    Redirect,
}

/// One sign-in in progress.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingLogin {
    /// The `state` sent to the provider.
    pub state: LoginState,
    /// The PKCE verifier for the token exchange.
    pub verifier: CodeVerifier,
    /// The nonce the ID token must carry.
    pub nonce: Nonce,
    /// Popup or redirect.
    pub flow: Flow,
    /// The page origin that started it (shown when the callback cannot find it).
    pub origin: String,
    /// When it was created, ms since the epoch.
    pub created_at_ms: f64,
}

fn key(state: &LoginState) -> String {
    format!("{PENDING_PREFIX}{}", state.as_str())
}

/// Stores a pending sign-in, sweeping stale ones first.
pub fn save(store: &dyn KeyValueStore, pending: &PendingLogin, now_ms: f64) -> bool {
    sweep(store, now_ms);
    match serde_json::to_string(pending) {
        Ok(json) => store.set(&key(&pending.state), &json),
        Err(_) => false,
    }
}

/// Takes (reads and removes) the pending sign-in for `state`, so a callback can
/// run only once per sign-in: a reload or a replay finds nothing.
pub fn take(store: &dyn KeyValueStore, state: &LoginState, now_ms: f64) -> Option<PendingLogin> {
    let key = key(state);
    let raw = store.get(&key)?;
    store.remove(&key);
    let pending: PendingLogin = serde_json::from_str(&raw).ok()?;
    let fresh = now_ms - pending.created_at_ms <= PENDING_MAX_AGE_MS && pending.state == *state;
    fresh.then_some(pending)
}

/// Removes pending sign-ins older than 15 minutes, and unreadable ones.
pub fn sweep(store: &dyn KeyValueStore, now_ms: f64) -> usize {
    let mut removed = 0;
    for key in store
        .keys()
        .into_iter()
        .filter(|k| k.starts_with(PENDING_PREFIX))
    {
        let stale = match store
            .get(&key)
            .and_then(|raw| serde_json::from_str::<PendingLogin>(&raw).ok())
        {
            Some(pending) => now_ms - pending.created_at_ms > PENDING_MAX_AGE_MS,
            None => true,
        };
        if stale {
            store.remove(&key);
            removed += 1;
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::MemoryStore;

    fn pending(state: &str, created_at_ms: f64) -> PendingLogin {
        PendingLogin {
            state: LoginState::new(state),
            verifier: CodeVerifier::new("v".repeat(43)),
            nonce: Nonce::new("n"),
            flow: Flow::Popup,
            origin: "http://localhost:8080".into(),
            created_at_ms,
        }
    }

    #[test]
    fn a_saved_login_is_found_once_by_its_state() {
        let store = MemoryStore::default();
        assert!(save(&store, &pending("abc", 1000.0), 1000.0));
        let found = take(&store, &LoginState::new("abc"), 2000.0).unwrap();
        assert_eq!(found.flow, Flow::Popup);
        assert_eq!(found.verifier.secret(), "v".repeat(43));
        assert!(
            take(&store, &LoginState::new("abc"), 2000.0).is_none(),
            "a replayed callback finds nothing"
        );
    }

    #[test]
    fn an_unknown_state_finds_nothing() {
        let store = MemoryStore::default();
        save(&store, &pending("abc", 0.0), 0.0);
        assert!(take(&store, &LoginState::new("forged"), 0.0).is_none());
        assert!(
            store.get("passport.pending.abc").is_some(),
            "the real one is untouched"
        );
    }

    #[test]
    fn logins_older_than_fifteen_minutes_are_swept_and_refused() {
        let store = MemoryStore::default();
        save(&store, &pending("old", 0.0), 0.0);
        save(
            &store,
            &pending("new", PENDING_MAX_AGE_MS),
            PENDING_MAX_AGE_MS,
        );
        assert!(take(&store, &LoginState::new("old"), PENDING_MAX_AGE_MS + 1.0).is_none());
        save(&store, &pending("old2", 0.0), 0.0);
        assert_eq!(sweep(&store, PENDING_MAX_AGE_MS + 1.0), 1);
        assert!(store.get("passport.pending.new").is_some());
    }

    #[test]
    fn corrupt_pending_entries_are_swept_not_trusted() {
        let store = MemoryStore::default();
        store.set("passport.pending.x", "{not json");
        store.set("unrelated", "{not json");
        assert!(take(&store, &LoginState::new("x"), 0.0).is_none());
        store.set("passport.pending.y", "[]");
        assert_eq!(sweep(&store, 0.0), 1);
        assert_eq!(
            store.get("unrelated").as_deref(),
            Some("{not json"),
            "other keys are left alone"
        );
    }

    #[test]
    fn the_stored_json_never_shows_up_in_debug_output() {
        let p = pending("abc", 0.0);
        let debug = format!("{p:?}");
        assert!(!debug.contains(&"v".repeat(43)));
    }
}
