//! The auth state as one signal, the context that carries it with the client,
//! and the session restore that runs after mount.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::client::LoginOptions;
use crate::error::PassportError;
use crate::user::{self, User};
use crate::Passport;

/// Where the user stands.
#[derive(Debug, Clone)]
pub enum AuthState {
    /// The stored session is being restored.
    Loading,
    /// Nobody is signed in.
    SignedOut,
    /// The provider ended the session (revoked, expired or reused refresh
    /// token): signed out, and the user should be told why.
    SessionEnded,
    /// Signed in.
    SignedIn(User),
    /// Restoring or signing in failed; the message says what to do.
    Failed(PassportError),
}

/// The client and the auth signal, shared through context.
#[derive(Clone)]
pub struct AuthContext {
    /// The Passport client.
    pub passport: Passport,
    /// The auth state.
    pub state: RwSignal<AuthState>,
    /// The last sign-in attempt's error (popup blocked or closed, …), if any.
    pub sign_in_error: RwSignal<Option<PassportError>>,
    /// Whether a sign-in is in progress.
    pub signing_in: RwSignal<bool>,
}

/// Creates the auth context, provides it, restores the session after mount and
/// follows sign-in and sign-out in other tabs.
pub fn provide_auth(passport: Passport) -> AuthContext {
    let auth = AuthContext {
        passport,
        state: RwSignal::new(AuthState::Loading),
        sign_in_error: RwSignal::new(None),
        signing_in: RwSignal::new(false),
    };
    provide_context(auth.clone());

    // After mount: restore the cached session. Never opens a window. Not on the
    // callback page: it finishes a sign-in instead, and must not spend requests.
    if !auth.passport.is_callback_page() {
        let restore = auth.clone();
        Effect::new(move |_| restore.restore());
    }

    // Other tabs signing in or out write the same key; follow them.
    let follow = auth.clone();
    let handle = window_event_listener(leptos::ev::storage, move |event: web_sys::StorageEvent| {
        if event.key().as_deref() != Some(follow.passport.user_storage_key()) {
            return;
        }
        let next = match event.new_value() {
            None => AuthState::SignedOut,
            Some(raw) => match user::from_stored(&raw) {
                Ok(user) => AuthState::SignedIn(user),
                Err(_) => AuthState::SignedOut,
            },
        };
        follow.set_state(next);
    });
    // This tab's own refresh found the session ended: no `storage` event
    // comes for that, so the client announces it.
    let ended = auth.clone();
    let ended_handle = window_event_listener(
        leptos::ev::Custom::<web_sys::CustomEvent>::new(crate::client::SESSION_ENDED_EVENT),
        move |event: web_sys::CustomEvent| {
            if event.detail().as_string().as_deref() == Some(ended.passport.user_storage_key()) {
                ended.set_state(AuthState::SessionEnded);
            }
        },
    );
    on_cleanup(move || {
        handle.remove();
        ended_handle.remove();
    });
    auth
}

/// The auth context provided by [`provide_auth`].
pub fn use_auth() -> AuthContext {
    expect_context::<AuthContext>()
}

impl AuthContext {
    /// Sets the auth state, except when it would replace a signed-in session with
    /// the very same one: a popup sign-in arrives twice (its message and the
    /// `storage` event), and a second identical update must not re-render the
    /// pages that show the user.
    pub fn set_state(&self, next: AuthState) {
        let same_session = self.state.with_untracked(|current| match (current, &next) {
            (AuthState::SignedIn(a), AuthState::SignedIn(b)) => {
                a.id_token.secret() == b.id_token.secret()
                    && a.access_token.secret() == b.access_token.secret()
            }
            _ => false,
        });
        if !same_session {
            self.state.set(next);
        }
    }

    /// Restores the stored session (refreshing it if needed).
    pub fn restore(&self) {
        let this = self.clone();
        spawn_local(async move {
            let next = match this
                .passport
                .login(LoginOptions {
                    use_cached_session: true,
                    ..LoginOptions::default()
                })
                .await
            {
                Ok(Some(user)) => AuthState::SignedIn(user),
                Ok(None) => AuthState::SignedOut,
                Err(err) => AuthState::Failed(err),
            };
            mark_restored();
            this.set_state(next);
        });
    }

    /// Signs in with the popup. Call it from a click handler: the popup opens
    /// synchronously, before anything is awaited, or the browser blocks it.
    pub fn sign_in(&self) {
        self.sign_in_with(LoginOptions::default());
    }

    /// [`AuthContext::sign_in`] with options, such as a direct login by email.
    pub fn sign_in_with(&self, options: LoginOptions) {
        self.sign_in_error.set(None);
        let login = self.passport.login(options);
        self.signing_in.set(true);
        let this = self.clone();
        spawn_local(async move {
            match login.await {
                Ok(Some(user)) => this.set_state(AuthState::SignedIn(user)),
                Ok(None) => this.set_state(AuthState::SignedOut),
                Err(err) => this.sign_in_error.set(Some(err)),
            }
            this.signing_in.set(false);
        });
    }

    /// Signs in by navigating this tab to the provider.
    pub fn sign_in_with_redirect(&self) {
        self.sign_in_error.set(None);
        if let Err(err) = self.passport.login_with_redirect() {
            self.sign_in_error.set(Some(err));
        }
    }

    /// Signs out everywhere. Nothing of the session stays in memory: the
    /// user leaves the state now, the IMX provider goes, and a registration
    /// still running stops at its next step (it finds nobody signed in) and
    /// terminates its Stark worker.
    pub fn sign_out(&self) {
        let this = self.clone();
        self.set_state(AuthState::SignedOut);
        super::registration::forget_provider();
        spawn_local(async move {
            let result = this.passport.logout().await;
            this.set_state(AuthState::SignedOut);
            if let Err(err) = result {
                this.sign_in_error.set(Some(err));
            }
        });
    }
}

/// Marks when the session restore finished, for performance measurements.
fn mark_restored() {
    crate::browser::time::mark("passport:restored");
}
