//! Reading the login callback: which pending sign-in a redirect URI answers,
//! and with what. Pure, so every hostile callback is tested natively; the
//! browser side only supplies the page address and the storage.

use crate::address::Address;
use crate::error::PassportError;
use crate::oauth;
use crate::pending::{self, PendingLogin};
use crate::secret::{AuthorizationCode, LoginState};
use crate::storage::KeyValueStore;

/// The longest callback address read. Real ones are well under 2 KB; a larger
/// one is refused before anything is parsed or looked up.
pub const MAX_CALLBACK_URL_BYTES: usize = 16 * 1024;

/// A callback that answers a sign-in this browser started.
#[derive(Debug)]
pub struct Callback {
    /// The pending sign-in it answers, now removed from storage (it runs once).
    pub pending: PendingLogin,
    /// The `state` it carried.
    pub state: LoginState,
    /// The authorization code, or why there is none (e.g. the provider's error).
    pub outcome: Result<AuthorizationCode, PassportError>,
}

/// Matches the callback at `href` with its pending sign-in in `store` and takes
/// that sign-in out of storage. An error here means no sign-in of this browser
/// is answered (forged, replayed, stale or malformed callbacks): there is no
/// window to tell and nothing to store.
pub fn read(
    href: &str,
    callback_origin: &str,
    store: &dyn KeyValueStore,
    now_ms: f64,
) -> Result<Callback, PassportError> {
    if href.len() > MAX_CALLBACK_URL_BYTES {
        return Err(PassportError::InvalidCallback(
            "the sign-in response is too large to be genuine".into(),
        ));
    }
    let url = Address::parse(href)
        .map_err(|_| PassportError::InvalidCallback("the page address is unreadable".into()))?;
    let param = |name: &str| url.query_param(name);

    let Some(state) = param("state") else {
        if let Some(error) = param("error") {
            return Err(PassportError::Provider {
                error,
                description: param("error_description"),
            });
        }
        // Passport answers in the query (response_mode=query); a response in
        // the fragment was not meant for this client.
        if url
            .fragment()
            .is_some_and(|f| f.contains("state=") || f.contains("code="))
        {
            return Err(PassportError::InvalidCallback(
                "the sign-in response arrived in the URL fragment, not the query".into(),
            ));
        }
        return Err(PassportError::NoMatchingState {
            callback_origin: callback_origin.to_owned(),
            started_on: None,
        });
    };
    let state = LoginState::new(state);
    let Some(pending) = pending::take(store, &state, now_ms) else {
        let started_on = oauth::origin_from_state(state.as_str())
            .filter(|started| is_loopback_sibling(started, callback_origin));
        return Err(PassportError::NoMatchingState {
            callback_origin: callback_origin.to_owned(),
            started_on,
        });
    };
    let outcome = match (param("error"), param("code")) {
        (Some(error), _) => Err(PassportError::Provider {
            error,
            description: param("error_description"),
        }),
        (None, Some(code)) if !code.is_empty() => Ok(AuthorizationCode::new(code)),
        (None, _) => Err(PassportError::MissingCode),
    };
    Ok(Callback {
        pending,
        state,
        outcome,
    })
}

/// Whether the origin a `state` names is the callback's own loopback
/// sibling: `localhost` against `127.0.0.1` (or the other way), same scheme
/// and port. That is the one mix-up worth explaining ("sign-in started on
/// another host"); the `state` is written by whoever made the link, so any
/// other origin it names is not repeated to the user.
fn is_loopback_sibling(started: &str, callback_origin: &str) -> bool {
    let (Ok(started), Ok(callback)) = (Address::parse(started), Address::parse(callback_origin))
    else {
        return false;
    };
    let loopback = |a: &Address| matches!(a.host(), Some("localhost" | "127.0.0.1"));
    loopback(&started)
        && loopback(&callback)
        && started.scheme() == callback.scheme()
        && started.port() == callback.port()
        && started.host() != callback.host()
}
