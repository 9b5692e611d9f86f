//! The auth state as one signal, the context that carries it with the client,
//! and the session restore that runs after mount.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::error::PassportError;
use crate::login::LoginOptions;
use crate::session::{EventSource, SessionEvent};
use crate::user::User;
use crate::ImxProvider;
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
    /// Whether a call waits for the sign-in code to load (the engine, when
    /// it loads on demand): buttons say so on a slow network.
    pub loading_engine: RwSignal<bool>,
    /// This page's IMX provider once connected (it is not `Send`: kept beside
    /// the reactive graph, not in it). Any state but signed in drops it.
    provider: StoredValue<Option<ImxProvider>, LocalStorage>,
    /// Whether this page load ran its login callback: it runs once, however
    /// often its component renders.
    pub(crate) callback_started: StoredValue<bool>,
}

/// Creates the auth context, provides it, restores the session after mount and
/// follows the client's session events (this tab's and other tabs').
pub fn provide_auth(passport: Passport) -> AuthContext {
    let auth = AuthContext {
        passport,
        state: RwSignal::new(AuthState::Loading),
        sign_in_error: RwSignal::new(None),
        signing_in: RwSignal::new(false),
        loading_engine: RwSignal::new(false),
        provider: StoredValue::new_local(None),
        callback_started: StoredValue::new(false),
    };
    provide_context(auth.clone());

    // After mount: restore the cached session. Never opens a window. Not on the
    // callback page: it finishes a sign-in instead, and must not spend requests.
    if !auth.passport.is_callback_page() {
        let restore = auth.clone();
        Effect::new(move |_| restore.restore());
    }

    let loading = auth.loading_engine;
    auth.passport.watch_engine(move |now| loading.set(now));

    // The client tells what happened to the session; the subscription lives
    // as long as this reactive owner (the stored value is dropped with it).
    let follow = auth.clone();
    let subscription = auth
        .passport
        .subscribe(move |event, source| follow.on_session_event(event, source));
    StoredValue::new_local(subscription);
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
    /// pages that show the user. The IMX provider lives as long as the same
    /// user stays signed in: any other state drops it.
    pub fn set_state(&self, next: AuthState) {
        let (same_user, same_session) =
            self.state.with_untracked(|current| match (current, &next) {
                (AuthState::SignedIn(a), AuthState::SignedIn(b)) => (
                    a.profile.sub == b.profile.sub,
                    a.id_token.secret() == b.id_token.secret()
                        && a.access_token.secret() == b.access_token.secret(),
                ),
                _ => (false, false),
            });
        if !same_user {
            self.provider.set_value(None);
        }
        if !same_session {
            self.state.set(next);
        }
    }

    /// The state a session event leads to. This tab's own refreshes change
    /// nothing on screen (the client hands out fresh tokens when asked; a
    /// registration announces the registered user itself, once its steps are
    /// painted done); another tab's are followed.
    fn on_session_event(&self, event: &SessionEvent, source: EventSource) {
        let next = match (event, source) {
            (SessionEvent::SignedIn(user), _) => AuthState::SignedIn(user.clone()),
            (SessionEvent::Refreshed(_), EventSource::ThisTab) => return,
            (SessionEvent::Refreshed(user), EventSource::OtherTab) => {
                AuthState::SignedIn(user.clone())
            }
            (SessionEvent::SignedOut, _) => AuthState::SignedOut,
            (SessionEvent::Ended, _) => AuthState::SessionEnded,
        };
        self.set_state(next);
    }

    /// Restores the stored session (refreshing it if needed).
    pub fn restore(&self) {
        let this = self.clone();
        spawn_local(async move {
            let next = match this.passport.restore().await {
                Ok(Some(user)) => AuthState::SignedIn(user),
                // The client's `Ended` event came first and says why: keep it.
                Ok(None)
                    if this
                        .state
                        .with_untracked(|s| matches!(s, AuthState::SessionEnded)) =>
                {
                    AuthState::SessionEnded
                }
                Ok(None) => AuthState::SignedOut,
                Err(err) => AuthState::Failed(err),
            };
            #[cfg(feature = "marks")]
            crate::browser::time::mark("passport:restored");
            this.set_state(next);
            // The first screen is up: the rest of the client loads while idle.
            this.passport.prefetch_engine();
        });
    }

    /// Calls `then` with this page's IMX provider, connecting first (and so
    /// signing in, if nobody is) when there is none yet. Call it from a click
    /// handler: a sign-in popup opens synchronously.
    pub fn connect_imx(&self, then: impl FnOnce(Result<ImxProvider, PassportError>) + 'static) {
        if let Some(provider) = self.provider.get_value() {
            return then(Ok(provider));
        }
        let connect = self.passport.connect_imx();
        let provider = self.provider;
        spawn_local(async move {
            let connected = connect.await;
            if let Ok(p) = &connected {
                provider.set_value(Some(p.clone()));
            }
            then(connected);
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
                Ok(user) => this.set_state(AuthState::SignedIn(user)),
                Err(err) => this.sign_in_error.set(Some(err)),
            }
            this.signing_in.set(false);
        });
    }

    /// Signs in by navigating this tab to the provider.
    pub fn sign_in_with_redirect(&self) {
        self.sign_in_error.set(None);
        let this = self.clone();
        spawn_local(async move {
            if let Err(err) = this.passport.login_with_redirect().await {
                this.sign_in_error.set(Some(err));
            }
        });
    }

    /// Signs out everywhere. Nothing of the session stays in memory: the
    /// user leaves the state now, the IMX provider goes, and a registration
    /// still running stops at its next step (it finds nobody signed in) and
    /// terminates its Stark worker.
    pub fn sign_out(&self) {
        let this = self.clone();
        // Now, not after the provider's round trip; the client's `SignedOut`
        // event follows when it clears storage.
        self.set_state(AuthState::SignedOut);
        spawn_local(async move {
            if let Err(err) = this.passport.logout().await {
                this.sign_in_error.set(Some(err));
            }
        });
    }
}
