//! `/redirect`: finishes sign-in for both the popup and the redirect flow.

use leptos::prelude::*;
use passport_client::ui::CallbackStatus;
use passport_client::ui::LoginCallback;
use passport_client::PassportError;

use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;

/// Where the identity provider sends the user back after sign-in.
#[component]
pub fn RedirectPage() -> impl IntoView {
    // Home, replacing the history entry: Back must not return to a spent callback.
    let navigate = use_navigate();
    let go_home = move || {
        navigate(
            "/",
            NavigateOptions {
                replace: true,
                ..Default::default()
            },
        )
    };
    view! { <LoginCallback on_redirect_done=go_home view=status_view /> }
}

fn status_view(status: CallbackStatus) -> AnyView {
    match status {
        CallbackStatus::Working => view! {
            <section class="card" data-testid="callback" aria-busy="true">
                <h1>"Completing sign-in…"</h1>
                <p class="status"><span class="spinner" aria-hidden="true"></span>" Checking the answer from Passport."</p>
            </section>
        }
        .into_any(),
        CallbackStatus::PopupDone => view! {
            <section class="card" data-testid="callback-done">
                <h1>"Signed in"</h1>
                <p>"You can close this window and return to the app."</p>
            </section>
        }
        .into_any(),
        CallbackStatus::Failed(err) => view! { <CallbackError error=err /> }.into_any(),
    }
}

/// Explains a failed callback in plain words.
#[component]
fn CallbackError(error: PassportError) -> impl IntoView {
    // The app's home under its base path; the router takes the click, so
    // this is in-app navigation, not a reload.
    let home = passport_client::page_location().base_path;
    let explanation = match &error {
        // The state names the origin sign-in started on: another one means
        // the browser came back to another host, whose storage is its own.
        PassportError::NoMatchingState { callback_origin, started_on: Some(started) } => view! {
            <p>
                "This sign-in was started on "
                <code data-testid="started-origin">{started.clone()}</code>
                " but Passport sent you back to "
                <code data-testid="callback-origin">{callback_origin.clone()}</code>
                ". Browsers keep separate storage for each host name (even "
                <code>"localhost"</code>" and "<code>"127.0.0.1"</code>
                "), so it cannot finish here. Open the app on the same host as its redirect URI and sign in again."
            </p>
        }
        .into_any(),
        // Same origin, nothing pending: this link was used already (a reload,
        // the history, a bookmark) or waited too long.
        PassportError::NoMatchingState { started_on: None, .. } => view! {
            <p data-testid="callback-stale">
                "This sign-in link was already used or has expired. Start sign-in again from the app."
            </p>
        }
        .into_any(),
        // The description is the callback URL's text, so anyone's: shown
        // as a quotation, never as the app's own words.
        PassportError::Provider { description: Some(description), .. } => view! {
            <figure class="quoted">
                <figcaption>"The message that came with it:"</figcaption>
                <blockquote data-testid="provider-description">{description.clone()}</blockquote>
            </figure>
        }
        .into_any(),
        _ => ().into_any(),
    };
    view! {
        <section class="card error" role="alert" data-testid="callback-error">
            <h1>"Sign-in did not complete"</h1>
            <p class="error-message" data-testid="callback-error-message">{error.to_string()}</p>
            {explanation}
            <p class="muted">"Error code: " {error.kind().code()}</p>
            // In-app navigation to the base path's home: the session restores
            // there (or the sign-in button shows), with no reload.
            <a class="button" href=home data-testid="callback-back">"Back to the app"</a>
        </section>
    }
}
