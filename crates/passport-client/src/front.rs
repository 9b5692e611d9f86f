//! The client when the engine loads on demand (feature `on-demand-engine`):
//! the same API as the one-module client, but this module holds only what
//! the first screen needs — the configuration, the stored session and its
//! events. Whatever needs the OAuth stack, ID-token verification, the wallet
//! or the IMX API is a call into the engine (`engine_wire`), loaded when the
//! first such call comes or at idle time after the first screen.
//!
//! A sign-in popup still opens inside the click: empty at once, then sent to
//! the provider once the engine has built the authorization URL.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use js_sys::{Function, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::browser::subscription::{emit, Listeners, SessionSubscription};
use crate::browser::{engine, page, popup, storage::LocalStore, time};
use crate::claims::ImxRegistration;
use crate::config::PassportConfig;
use crate::engine_wire::{Answer, Call, Reply, Start, WireEvent};
use crate::error::PassportError;
use crate::login::{CallbackOutcome, LoginOptions};
use crate::pending;
use crate::registration_error::RegistrationStep;
use crate::session::{EventSource, SessionEvent};
use crate::session_core::read_stored_user;
use crate::storage::KeyValueStore;
use crate::user::{self, User};

type EngineWatcher = Arc<dyn Fn(bool) + Send + Sync>;

/// The Passport client, the one owner of the session: it is stored in
/// localStorage, and every change to it is told to the listeners
/// ([`Passport::subscribe`]). Cheap to clone; clones share the listeners.
#[derive(Clone)]
pub struct Passport {
    config: Arc<PassportConfig>,
    user_key: Arc<str>,
    listeners: Arc<Mutex<Listeners>>,
    /// Told `true` when a call has to wait for the engine to load, `false` after.
    engine_watchers: Arc<Mutex<Vec<EngineWatcher>>>,
    /// Whether the engine was started with this client's configuration.
    started: Arc<AtomicBool>,
}

impl std::fmt::Debug for Passport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Passport")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Passport {
    /// A client for this configuration (already checked when it was resolved).
    pub fn new(config: PassportConfig) -> Self {
        let authority = config.authority.as_str();
        crate::stored_user::migrate_legacy(&LocalStore, authority, &config.client_id);
        let user_key = user::storage_key(authority, &config.client_id).into();
        Self {
            config: Arc::new(config),
            user_key,
            listeners: Arc::default(),
            engine_watchers: Arc::default(),
            started: Arc::default(),
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
        SessionSubscription::new(&self.listeners, &self.user_key, Arc::new(listener))
    }

    /// Calls `watcher` with `true` when a call starts waiting for the engine
    /// to load and `false` when it stops (loaded or failed): a button can say
    /// it is loading.
    pub fn watch_engine(&self, watcher: impl Fn(bool) + Send + Sync + 'static) {
        if let Ok(mut all) = self.engine_watchers.lock() {
            all.push(Arc::new(watcher));
        }
    }

    /// Loads the engine at idle time, so that a click rarely waits for it.
    pub fn prefetch_engine(&self) {
        engine::prefetch();
    }

    /// The configuration.
    pub fn config(&self) -> &PassportConfig {
        &self.config
    }

    /// The localStorage key of the signed-in user, for tests that plant or
    /// corrupt a stored session.
    #[cfg(feature = "testing")]
    #[doc(hidden)]
    pub fn user_storage_key(&self) -> &str {
        &self.user_key
    }

    /// Whether this page is the redirect URI, where the login callback runs.
    pub fn is_callback_page(&self) -> bool {
        page::is_callback_page(&self.config)
    }

    /// The stored user, without any network. Corrupt or foreign content is
    /// removed and reported once on the console, without its contents.
    pub fn stored_user(&self) -> Option<User> {
        read_stored_user(&LocalStore, &self.user_key, |m| {
            web_sys::console::warn_1(&m.into())
        })
    }

    /// Signs the user in by popup, as the SDK's `login` does: a signed-in user
    /// is returned as stored (refreshed if needed) without a window; with
    /// nobody stored it opens the sign-in popup **now, synchronously** (call it
    /// inside the click handler), then waits.
    pub fn login(
        &self,
        options: LoginOptions,
    ) -> impl Future<Output = Result<User, PassportError>> + 'static {
        let opened = self.stored_user().is_none().then(popup::open_blank);
        let this = self.clone();
        async move {
            let window = match opened {
                Some(opened) => opened?,
                None => match this.restore().await? {
                    Some(user) => return Ok(user),
                    None => popup::open_blank()?,
                },
            };
            let reply = this
                .call(&Call::LoginInWindow { options }, &window, None)
                .await;
            if reply.is_err() {
                // An empty window left open would look like a hung sign-in.
                let _ = window.close();
            }
            one_user(reply)?.ok_or(PassportError::NotLoggedIn)
        }
    }

    /// The IMX provider for a signed-in user, signing in first as the SDK's
    /// `getUserOrLogin` does (the popup opens synchronously when nobody is
    /// stored).
    pub fn connect_imx(
        &self,
    ) -> impl Future<Output = Result<ImxProvider, PassportError>> + 'static {
        let login = self.login(LoginOptions::default());
        let this = self.clone();
        async move {
            login.await?;
            Ok(ImxProvider { passport: this })
        }
    }

    /// Signs the user in by navigating this tab to the provider.
    pub async fn login_with_redirect(&self) -> Result<(), PassportError> {
        self.call(&Call::LoginWithRedirect, &JsValue::UNDEFINED, None)
            .await
            .map(|_| ())
    }

    /// Runs the login callback on the redirect URI page, for both flows.
    pub async fn login_callback(&self) -> Result<CallbackOutcome, PassportError> {
        match self
            .call(&Call::Callback, &JsValue::UNDEFINED, None)
            .await?
        {
            Answer::Callback(Some(user)) => Ok(CallbackOutcome::Redirect(user.user()?)),
            _ => Ok(CallbackOutcome::Popup),
        }
    }

    /// The SDK's `login({ useCachedSession: true })`: the stored user if both
    /// tokens are valid (no engine, no network), a refreshed one if not,
    /// nothing when there is no session. Never opens a window.
    pub async fn restore(&self) -> Result<Option<User>, PassportError> {
        match self.stored_user() {
            None => Ok(None),
            Some(user) if user.tokens_valid(time::now_secs()) => Ok(Some(user)),
            Some(_) => one_user(self.call(&Call::Restore, &JsValue::UNDEFINED, None).await),
        }
    }

    /// Renews the tokens even while they are valid, to pick up new claims.
    pub async fn renew_session(&self) -> Result<Option<User>, PassportError> {
        match self.stored_user() {
            None => Ok(None),
            Some(_) => one_user(self.call(&Call::Renew, &JsValue::UNDEFINED, None).await),
        }
    }

    session_accessors!();

    /// Signs out: forgets the user here at once (even if the engine cannot
    /// load), then has the engine revoke the refresh token and end the
    /// provider session.
    pub async fn logout(&self) -> Result<(), PassportError> {
        let user = self.stored_user();
        if LocalStore.get(&self.user_key).is_some() {
            LocalStore.remove(&self.user_key);
            emit(&self.listeners, &SessionEvent::SignedOut);
        }
        pending::sweep(&LocalStore, f64::MAX);
        let call = Call::EndSession {
            user: user.as_ref().map(Into::into),
        };
        match self.call(&call, &JsValue::UNDEFINED, None).await {
            Ok(_) => Ok(()),
            Err(PassportError::EngineUnavailable(why)) => Err(PassportError::Logout(format!(
                "you are signed out here, but the provider could not be told ({why})"
            ))),
            Err(err) => Err(err),
        }
    }

    /// One call into the engine, loading and starting it first if needed.
    async fn call(&self, call: &Call, window: &JsValue, on_step: Option<&Function>) -> Reply {
        let api = self.engine().await?;
        let json =
            serde_json::to_string(call).map_err(|e| PassportError::Browser(e.to_string()))?;
        let call_fn = method(&api, "call")?;
        let step = on_step.map_or(JsValue::UNDEFINED, |f| f.clone().into());
        let promise = call_fn
            .call3(&api, &json.into(), window, &step)
            .ok()
            .and_then(|p| p.dyn_into::<js_sys::Promise>().ok())
            .ok_or_else(|| unavailable("it did not take the call"))?;
        let reply = JsFuture::from(promise)
            .await
            .ok()
            .and_then(|r| r.as_string())
            .ok_or_else(|| unavailable("it did not answer"))?;
        serde_json::from_str::<Reply>(&reply)
            // Not serde's message: it can quote the reply, tokens included.
            .map_err(|_| PassportError::Browser("the engine's answer could not be read".into()))?
    }

    /// The engine's entry points, started for this client.
    async fn engine(&self) -> Result<JsValue, PassportError> {
        let waits = !engine::is_ready();
        if waits {
            self.tell_watchers(true);
        }
        let loaded = engine::api().await;
        if waits {
            self.tell_watchers(false);
        }
        let api = loaded.map_err(PassportError::EngineUnavailable)?;
        if !self.started.swap(true, Ordering::SeqCst) {
            let start = serde_json::to_string(&Start {
                config: (*self.config).clone(),
            })
            .map_err(|e| PassportError::Browser(e.to_string()))?;
            let listeners = self.listeners.clone();
            let on_event = Closure::<dyn Fn(String)>::new(move |json: String| {
                let event = serde_json::from_str::<WireEvent>(&json).ok();
                if let Some(event) = event.as_ref().and_then(WireEvent::event) {
                    emit(&listeners, &event);
                }
            });
            let started = method(&api, "start")?.call2(&api, &start.into(), on_event.as_ref());
            // The engine keeps calling it for as long as the page lives.
            on_event.forget();
            if started.is_err() {
                self.started.store(false, Ordering::SeqCst);
                return Err(unavailable("it did not start"));
            }
        }
        Ok(api)
    }

    fn tell_watchers(&self, loading: bool) {
        let all: Vec<EngineWatcher> = match self.engine_watchers.lock() {
            Ok(all) => all.clone(),
            Err(_) => return,
        };
        for watcher in all {
            watcher(loading);
        }
    }
}

fn unavailable(why: &str) -> PassportError {
    PassportError::EngineUnavailable(why.into())
}

fn method(api: &JsValue, name: &str) -> Result<Function, PassportError> {
    Reflect::get(api, &name.into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .ok_or_else(|| unavailable("it lacks its entry points"))
}

fn one_user(reply: Reply) -> Result<Option<User>, PassportError> {
    match reply? {
        Answer::User(user) => user.map(|u| u.user()).transpose(),
        _ => Err(PassportError::Browser(
            "the engine answered another call".into(),
        )),
    }
}

/// Talks to IMX on behalf of the signed-in user; registration runs in the engine.
#[derive(Clone)]
pub struct ImxProvider {
    passport: Passport,
}

impl ImxProvider {
    provider_claims!();

    /// Registers the user with IMX, reporting each step as it happens.
    pub async fn register_offchain(
        &self,
        progress: impl Fn(RegistrationStep) + 'static,
    ) -> Result<ImxRegistration, PassportError> {
        let on_step = Closure::<dyn Fn(String)>::new(move |json: String| {
            if let Ok(step) = serde_json::from_str(&json) {
                progress(step);
            }
        });
        let step_fn: &Function = on_step.as_ref().unchecked_ref();
        let reply = self
            .passport
            .call(&Call::Register, &JsValue::UNDEFINED, Some(step_fn))
            .await;
        // The engine reports no step after its reply.
        drop(on_step);
        match reply? {
            Answer::Registered(registration) => Ok(registration),
            _ => Err(PassportError::Browser(
                "the engine answered another call".into(),
            )),
        }
    }
}
