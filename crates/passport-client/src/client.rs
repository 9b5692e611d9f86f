//! The Passport client: login (popup or redirect), the callback, the cached
//! session with refresh, logout and the token accessors. It joins the protocol
//! modules to the browser wrappers; it knows nothing of Leptos.

use std::future::Future;
use std::sync::{Arc, Mutex};

use crate::browser::session_ports::BrowserSession;
use crate::browser::subscription::{Listeners, SessionSubscription};
use crate::browser::{http, messaging, page, popup, storage::LocalStore, time};
use crate::callback;
use crate::config::{LogoutMode, PassportConfig};
use crate::error::PassportError;
use crate::login::{CallbackOutcome, LoginOptions};
use crate::oauth::{self, OAuthClient};
use crate::pending::{self, Flow};
use crate::session::{EventSource, SessionEvent};
use crate::session_core::SessionCore;
use crate::user::User;

/// How often an open sign-in popup is checked for having been closed.
const POPUP_CLOSED_POLL_MS: u32 = 200;
/// How long a result is still awaited after the popup reads as closed.
const POPUP_CLOSED_GRACE_MS: u32 = 1_000;

/// The Passport client, the one owner of the session: it is stored in
/// localStorage, and every change to it is told to the listeners
/// ([`Passport::subscribe`]). Cheap to clone; clones share the listeners.
#[derive(Clone)]
pub struct Passport {
    config: Arc<PassportConfig>,
    oauth: Arc<OAuthClient>,
    /// The session: storage, refresh and verification (protocol code).
    core: Arc<SessionCore<BrowserSession>>,
    listeners: Arc<Mutex<Listeners>>,
}

impl std::fmt::Debug for Passport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Passport")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// A popup that is open and waiting for its callback.
struct OpenPopup {
    window: web_sys::Window,
    listener: messaging::ResultListener,
}

impl Passport {
    /// A client for this configuration (already checked when it was resolved).
    pub fn new(config: PassportConfig) -> Self {
        let config = Arc::new(config);
        let oauth = Arc::new(OAuthClient::new(&config));
        let session = BrowserSession::default();
        let listeners = session.listeners.clone();
        Self {
            core: Arc::new(SessionCore::new(session, config.clone(), oauth.clone())),
            oauth,
            config,
            listeners,
        }
    }

    /// Calls `listener` with every change of the session from now on: this
    /// tab's sign-in, refresh, sign-out and the provider ending the session,
    /// and other tabs' changes to the stored user. Ends when the returned
    /// subscription is dropped.
    pub fn subscribe(
        &self,
        listener: impl Fn(&SessionEvent, EventSource) + Send + Sync + 'static,
    ) -> SessionSubscription {
        SessionSubscription::new(&self.listeners, self.core.user_key(), Arc::new(listener))
    }

    /// For the on-demand engine's front, which says when a call waits for
    /// the engine: this client holds everything, so nothing ever waits.
    pub fn watch_engine(&self, _watcher: impl Fn(bool) + Send + Sync + 'static) {}

    /// For the on-demand engine's front; this client has nothing to load.
    pub fn prefetch_engine(&self) {}

    /// The configuration.
    pub fn config(&self) -> &PassportConfig {
        &self.config
    }

    /// The localStorage key of the signed-in user, for tests that plant or
    /// corrupt a stored session.
    #[cfg(feature = "testing")]
    #[doc(hidden)]
    pub fn user_storage_key(&self) -> &str {
        self.core.user_key()
    }

    /// Whether this page is the redirect URI, where the login callback runs.
    pub fn is_callback_page(&self) -> bool {
        page::is_callback_page(&self.config)
    }

    /// Signs the user in by popup, as the SDK's `login` does: a signed-in user
    /// is returned as stored (refreshed if needed) without a window; with
    /// nobody stored it opens the sign-in popup **now, synchronously** (call it
    /// inside the click handler), then waits. A stored session the provider no
    /// longer accepts opens the popup after the refresh told so (a browser may
    /// block that one: [`PassportError::PopupBlocked`]). To restore without
    /// ever opening a window, see [`Passport::restore`]; to sign in in this
    /// tab, [`Passport::login_with_redirect`].
    pub fn login(
        &self,
        options: LoginOptions,
    ) -> impl Future<Output = Result<User, PassportError>> + 'static {
        let opened = self
            .stored_user()
            .is_none()
            .then(|| self.open_popup(options.direct.as_ref(), None));
        let this = self.clone();
        async move {
            let popup = match opened {
                Some(opened) => opened?,
                None => match this.restore().await? {
                    Some(user) => return Ok(user),
                    None => this.open_popup(options.direct.as_ref(), None)?,
                },
            };
            this.wait_for_popup(popup).await
        }
    }

    fn start(
        &self,
        flow: Flow,
        direct: Option<&oauth::DirectLogin>,
    ) -> Result<oauth::AuthorizeRequest, PassportError> {
        let origin = page::page_location().origin;
        let request = self.oauth.authorize(flow, &origin, time::now_ms(), direct);
        if !pending::save(&LocalStore, &request.pending, time::now_ms()) {
            return Err(PassportError::Storage(
                "localStorage is full or disabled".into(),
            ));
        }
        Ok(request)
    }

    /// Starts a popup sign-in: in `blank`, a window the caller opened empty
    /// inside the click (the on-demand engine's front does), else in a new one.
    fn open_popup(
        &self,
        direct: Option<&oauth::DirectLogin>,
        blank: Option<web_sys::Window>,
    ) -> Result<OpenPopup, PassportError> {
        let request = self.start(Flow::Popup, direct)?;
        let state = request.pending.state.clone();
        let listener = messaging::ResultListener::new(state.as_str());
        let opened = match blank {
            Some(window) => popup::navigate(window, request.url.as_str()),
            None => popup::open(request.url.as_str()),
        };
        match opened {
            Ok(window) => Ok(OpenPopup { window, listener }),
            Err(err) => {
                pending::take(&LocalStore, &state, time::now_ms());
                Err(err)
            }
        }
    }

    /// A popup sign-in in `window`, opened empty inside the user's click by
    /// the on-demand engine's front; resolves with the signed-in user.
    pub(crate) async fn login_in_window(
        &self,
        window: web_sys::Window,
        options: LoginOptions,
    ) -> Result<User, PassportError> {
        let popup = self.open_popup(options.direct.as_ref(), Some(window))?;
        self.wait_for_popup(popup).await
    }

    async fn wait_for_popup(&self, popup: OpenPopup) -> Result<User, PassportError> {
        // Wakes on the result itself; whether the user closed the popup can
        // only be polled (a cross-origin window sends no event).
        let ended = popup.listener.arrived();
        let closed = ended.clone();
        let window = popup.window.clone();
        let _watch = gloo_timers::callback::Interval::new(POPUP_CLOSED_POLL_MS, move || {
            if popup::is_closed(&window) {
                closed.fill(());
            }
        });
        ended.wait().await;
        if let Some(message) = popup.listener.take() {
            return self.popup_result(message);
        }
        // `closed` is only a hint: a window that passes through a page with
        // `Cross-Origin-Opener-Policy: same-origin` (Google's and Apple's
        // sign-in pages send it) reads as closed while the user is still
        // signing in there. So the result is still awaited a moment, and the
        // pending sign-in is kept: if that window finishes after all, its
        // callback completes the sign-in and this tab follows it through the
        // `storage` event. (Stale pending sign-ins are swept after 15 minutes.)
        time::sleep(POPUP_CLOSED_GRACE_MS).await;
        if let Some(message) = popup.listener.take() {
            return self.popup_result(message);
        }
        Err(PassportError::PopupClosed)
    }

    fn popup_result(&self, message: messaging::LoginMessage) -> Result<User, PassportError> {
        match message.error {
            None => self.stored_user().ok_or(PassportError::NotLoggedIn),
            Some(error) => Err(PassportError::CallbackFailed(error)),
        }
    }

    /// The IMX provider for a signed-in user, signing in first as the SDK's
    /// `getUserOrLogin` does: the stored user (refreshed if needed), or the
    /// sign-in popup (opened synchronously now when nobody is stored; after
    /// the refresh when the stored session was ended by the provider). No
    /// wallet call happens here: TEE Express and the Stark worker are reached
    /// when registering.
    pub fn connect_imx(
        &self,
    ) -> impl Future<Output = Result<crate::imx::ImxProvider, PassportError>> + 'static {
        let login = self.login(LoginOptions::default());
        let this = self.clone();
        async move {
            login.await?;
            Ok(crate::imx::ImxProvider::new(this))
        }
    }

    /// Signs the user in by navigating this tab to the provider.
    pub async fn login_with_redirect(&self) -> Result<(), PassportError> {
        let request = self.start(Flow::Redirect, None)?;
        web_sys::window()
            .ok_or_else(|| PassportError::Browser("no window".into()))?
            .location()
            .assign(request.url.as_str())
            .map_err(|_| PassportError::Browser("could not navigate to the sign-in page".into()))
    }

    /// Runs the login callback on the redirect URI page, for both flows.
    /// A second run for the same sign-in finds no state: it runs once.
    pub async fn login_callback(&self) -> Result<CallbackOutcome, PassportError> {
        let window = web_sys::window().ok_or_else(|| PassportError::Browser("no window".into()))?;
        let href = window.location().href().unwrap_or_default();
        let callback_origin = window.location().origin().unwrap_or_default();
        let callback::Callback {
            pending,
            state,
            outcome,
        } = callback::read(&href, &callback_origin, &LocalStore, time::now_ms())?;
        let flow = pending.flow;
        let result = match outcome {
            Ok(code) => self.core.complete(&code, &pending).await,
            Err(err) => Err(err),
        };
        match flow {
            Flow::Popup => {
                messaging::send(&messaging::LoginMessage {
                    kind: messaging::MESSAGE_TYPE.into(),
                    state: state.as_str().to_owned(),
                    error: result.as_ref().err().map(|e| e.to_string()),
                });
                result.map(|_| {
                    let _ = window.close();
                    CallbackOutcome::Popup
                })
            }
            Flow::Redirect => result.map(CallbackOutcome::Redirect),
        }
    }

    /// The stored user, without any network. Corrupt or foreign content is
    /// removed and reported once on the console, without its contents.
    pub fn stored_user(&self) -> Option<User> {
        self.core.stored_user()
    }

    /// The SDK's `login({ useCachedSession: true })`: the stored user if both
    /// tokens are valid, a refreshed one if not, nothing when there is no
    /// session. Never opens a window; run it after mount.
    pub async fn restore(&self) -> Result<Option<User>, PassportError> {
        self.core.restore().await
    }

    /// Renews the tokens even while they are valid, to pick up new claims
    /// (the `passport` claim after registering).
    pub async fn renew_session(&self) -> Result<Option<User>, PassportError> {
        self.core.renew_session().await
    }

    session_accessors!();

    /// Signs out: revokes the refresh token, clears storage, then ends the
    /// provider session by redirect (default) or silently in a hidden frame.
    pub async fn logout(&self) -> Result<(), PassportError> {
        let user = self.stored_user();
        self.core.remove_user(SessionEvent::SignedOut);
        pending::sweep(&LocalStore, f64::MAX);
        self.end_session(user).await
    }

    /// The provider's half of a sign-out, after this browser forgot `user`:
    /// revokes the refresh token and ends the provider session.
    pub(crate) async fn end_session(&self, user: Option<User>) -> Result<(), PassportError> {
        let mut problem = None;
        let id_token = user.as_ref().map(|u| u.id_token.clone());
        if let Some(token) = user.and_then(|u| u.refresh_token) {
            if let Err(err) = self.oauth.revoke(&http::fetch, &token).await {
                problem = Some(format!(
                    "the session could not be revoked at the provider ({err})"
                ));
            }
        }
        let window = web_sys::window().ok_or_else(|| PassportError::Browser("no window".into()))?;
        match self.config.logout_mode {
            LogoutMode::Redirect => {
                let url = oauth::logout_url(&self.config);
                let _ = window.location().assign(url.as_str());
            }
            LogoutMode::Silent => {
                let url = oauth::silent_logout_url(&self.config, id_token.as_ref());
                silent_logout(&window, url.as_str());
            }
        }
        match problem {
            Some(message) => Err(PassportError::Logout(message)),
            None => Ok(()),
        }
    }
}

/// Loads the provider's logout URL in a hidden frame and removes it afterwards.
fn silent_logout(window: &web_sys::Window, url: &str) {
    use wasm_bindgen::JsCast;
    let Some(document) = window.document() else {
        return;
    };
    let Ok(frame) = document.create_element("iframe") else {
        return;
    };
    let _ = frame.set_attribute("src", url);
    let _ = frame.set_attribute("hidden", "");
    let _ = frame.set_attribute("aria-hidden", "true");
    if let Some(body) = document.body() {
        let _ = body.append_child(&frame);
        let frame: web_sys::Element = frame.unchecked_into();
        gloo_timers::callback::Timeout::new(5_000, move || frame.remove()).forget();
    }
}
