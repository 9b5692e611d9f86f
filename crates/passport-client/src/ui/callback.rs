//! The component on the redirect URI route that finishes sign-in.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::auth::{use_auth, AuthState};
use crate::error::PassportError;
use crate::login::CallbackOutcome;

/// What the callback page shows.
#[derive(Debug, Clone)]
pub enum CallbackStatus {
    /// Exchanging the code.
    Working,
    /// Popup done: the window is closing.
    PopupDone,
    /// Failed; the page explains.
    Failed(PassportError),
}

/// Runs the login callback once; `on_redirect_done` runs after a redirect
/// sign-in (navigate home with `replace` there), `children` renders the status.
#[component]
pub fn LoginCallback<F, V>(
    /// Called after a redirect-flow sign-in has stored the user.
    on_redirect_done: F,
    /// Renders the callback's status.
    view: fn(CallbackStatus) -> V,
) -> impl IntoView
where
    F: Fn() + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let auth = use_auth();
    let status = RwSignal::new(CallbackStatus::Working);
    // Once per page load, however often the component renders.
    if !auth.callback_started.get_value() {
        auth.callback_started.set_value(true);
        spawn_local(async move {
            match auth.passport.login_callback().await {
                Ok(CallbackOutcome::Popup) => status.set(CallbackStatus::PopupDone),
                Ok(CallbackOutcome::Redirect(user)) => {
                    auth.set_state(AuthState::SignedIn(user));
                    on_redirect_done();
                }
                Err(err) => {
                    // The page skipped restoring the session to finish this
                    // sign-in; it did not, so the way back to the app finds
                    // the session this browser has (or the sign-in button)
                    // instead of waiting on a restore that never ran.
                    auth.restore();
                    status.set(CallbackStatus::Failed(err));
                }
            }
        });
    }
    move || view(status.get())
}
