//! `/`: signed out, restoring, or the signed-in profile.

use leptos::prelude::*;
use passport_client::ui::{use_auth, AuthState, PopupBlockedPrompt, SignInButton};
use passport_client::User;

use crate::components::profile::ProfileCard;

/// The home page.
#[component]
pub fn Home() -> impl IntoView {
    let auth = use_auth();
    move || {
        match auth.state.get() {
        AuthState::Loading => view! {
            <section class="card" aria-busy="true" data-testid="restoring">
                <p class="status"><span class="spinner" aria-hidden="true"></span>" Restoring your session…"</p>
            </section>
        }
        .into_any(),
        AuthState::SignedOut => view! { <SignedOut /> }.into_any(),
        AuthState::SignedIn(user) => view! { <SignedIn user=user /> }.into_any(),
        AuthState::Failed(err) => {
            let retry = auth.clone();
            view! {
                <section class="card error" role="alert" data-testid="restore-error">
                    <h1>"Your session could not be restored"</h1>
                    <p class="error-message">{err.to_string()}</p>
                    <p class="muted">"Error code: " {err.kind().code()}</p>
                    <div class="actions">
                        <button type="button" on:click=move |_| retry.restore()>"Try again"</button>
                    </div>
                </section>
            }
            .into_any()
        }
    }
    }
}

#[component]
fn SignedOut() -> impl IntoView {
    view! {
        <section class="card" data-testid="signed-out">
            <h1>"Sign in with Immutable Passport"</h1>
            <p>"Your Passport account gives you an IMX wallet that works across games and apps."</p>
            <div class="actions"><SignInButton /></div>
        </section>
        <PopupBlockedPrompt />
    }
}

#[component]
fn SignedIn(user: User) -> impl IntoView {
    let auth = use_auth();
    let sign_out = move |_| auth.sign_out();
    view! {
        <ProfileCard user=user />
        <div class="actions">
            <button type="button" class="secondary" data-testid="sign-out" on:click=sign_out>"Sign out"</button>
        </div>
    }
}
