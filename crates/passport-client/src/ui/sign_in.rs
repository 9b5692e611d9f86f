//! The sign-in button and the prompt shown when the browser blocks the popup.

use leptos::prelude::*;

use super::auth::use_auth;
use crate::error::PassportError;

/// "Sign in with Passport": opens the sign-in popup.
#[component]
pub fn SignInButton(
    /// The button's label.
    #[prop(into, default = "Sign in with Passport".into())]
    label: String,
) -> impl IntoView {
    let auth = use_auth();
    let busy = auth.signing_in;
    let loading = auth.loading_engine;
    let on_click = move |_| auth.sign_in();
    let text = move || match (busy.get(), loading.get()) {
        (true, true) => "Loading sign-in…".to_owned(),
        (true, false) => "Waiting for the sign-in window…".to_owned(),
        (false, _) => label.clone(),
    };
    view! {
        <button type="button" data-testid="sign-in" on:click=on_click disabled=move || busy.get() aria-busy=move || busy.get().to_string()>
            {move || busy.get().then(|| view! { <span class="spinner" aria-hidden="true"></span> })}
            {text}
        </button>
    }
}

/// Shows why the last sign-in did not finish, with the ways forward: "Try
/// again" (a fresh click, so the browser allows the popup) and, when the popup
/// was blocked, "Continue in this tab" (the redirect flow).
#[component]
pub fn PopupBlockedPrompt() -> impl IntoView {
    let auth = use_auth();
    move || {
        let err = auth.sign_in_error.get()?;
        let blocked = matches!(err, PassportError::PopupBlocked);
        let retry = auth.clone();
        let redirect = auth.clone();
        Some(view! {
            <div class="notice error" role="alert" data-testid="sign-in-error">
                <p>{err.to_string()}</p>
                <div class="actions">
                    <button type="button" data-testid="try-again" on:click=move |_| retry.sign_in()>"Try again"</button>
                    {blocked.then(|| view! {
                        <button type="button" class="secondary" data-testid="continue-in-tab"
                            on:click=move |_| redirect.sign_in_with_redirect()>"Continue in this tab"</button>
                    })}
                </div>
            </div>
        })
    }
}

/// An email field with "Continue with email": the SDK's direct login by
/// email, which opens the sign-in window with the address filled in.
#[component]
pub fn EmailSignIn() -> impl IntoView {
    let auth = use_auth();
    let busy = auth.signing_in;
    let email = RwSignal::new(String::new());
    let submit = move |event: leptos::ev::SubmitEvent| {
        // The popup opens in this handler, synchronously, or browsers block it.
        event.prevent_default();
        let address = email.get_untracked().trim().to_owned();
        if address.is_empty() {
            return;
        }
        auth.sign_in_with(crate::login::LoginOptions {
            direct: Some(crate::oauth::DirectLogin {
                method: crate::oauth::DirectMethod::Email(address),
                marketing_consent: None,
            }),
        });
    };
    view! {
        <form class="email-sign-in" data-testid="email-sign-in" on:submit=submit>
            <label for="direct-email">"Email"</label>
            <input id="direct-email" type="email" autocomplete="email" placeholder="you@example.com"
                data-testid="direct-email" prop:value=move || email.get()
                on:input=move |ev| email.set(event_target_value(&ev)) />
            <button type="submit" class="secondary" data-testid="continue-with-email"
                disabled=move || busy.get()>"Continue with email"</button>
        </form>
    }
}
