//! `/`: signed out, restoring, or the signed-in profile.

use leptos::prelude::*;
use passport_client::ui::{
    use_auth, AuthState, EmailSignIn, PopupBlockedPrompt, RegistrationScreen, SignInButton,
};
use passport_client::User;

use crate::components::profile::ProfileCard;

/// What the page shows; the page re-renders only when this changes, so new
/// tokens for the same user (a refresh in another tab) do not reset a
/// registration screen the user is looking at.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Screen {
    Loading,
    SignedOut,
    SessionEnded,
    SignedIn { sub: String, registered: bool },
    Failed,
}

/// The home page.
#[component]
pub fn Home() -> impl IntoView {
    let auth = use_auth();
    let screen = Memo::new(move |_| match auth.state.get() {
        AuthState::Loading => Screen::Loading,
        AuthState::SignedOut => Screen::SignedOut,
        AuthState::SessionEnded => Screen::SessionEnded,
        AuthState::SignedIn(user) => Screen::SignedIn {
            registered: user.is_registered_offchain(),
            sub: user.profile.sub,
        },
        AuthState::Failed(_) => Screen::Failed,
    });
    move || {
        let _shown = screen.get();
        match auth.state.get_untracked() {
        AuthState::Loading => view! {
            <section class="card" aria-busy="true" data-testid="restoring">
                <p class="status"><span class="spinner" aria-hidden="true"></span>" Restoring your session…"</p>
            </section>
        }
        .into_any(),
        AuthState::SignedOut => view! { <SignedOut ended=false /> }.into_any(),
        AuthState::SessionEnded => view! { <SignedOut ended=true /> }.into_any(),
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
fn SignedOut(
    /// Whether Passport ended the session (say so, not just show the button).
    ended: bool,
) -> impl IntoView {
    view! {
        {ended.then(|| view! {
            <div class="notice error" role="alert" data-testid="session-ended">
                <p class="error-title">"Your session has ended"</p>
                <p>"Passport no longer accepts it: it was signed out elsewhere, revoked or expired. Sign in again to continue."</p>
            </div>
        })}
        <section class="card" data-testid="signed-out">
            <h1>"Sign in with Immutable Passport"</h1>
            <p>"Your Passport account gives you an IMX wallet that works across games and apps."</p>
            <div class="actions"><SignInButton /></div>
            <p class="muted">"Or go straight to your email:"</p>
            <EmailSignIn />
        </section>
        <PopupBlockedPrompt />
    }
}

#[component]
fn SignedIn(user: User) -> impl IntoView {
    let auth = use_auth();
    let sign_out = move |_| auth.sign_out();
    // The truth comes from the session's `passport` claim, never a local flag,
    // so a reload in the middle of registration shows the real state.
    let registered = user.is_registered_offchain();
    view! {
        {(!registered).then(|| view! { <RegistrationScreen /> })}
        <ProfileCard user=user />
        <div class="actions">
            <button type="button" class="secondary" data-testid="sign-out" on:click=sign_out>"Sign out"</button>
        </div>
    }
}
