//! A minimal app on passport-client: sign in, restore, register with IMX.

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::StaticSegment;
use passport_client::ui::{
    provide_auth, use_auth, AuthState, CallbackStatus, ConfigGate, LoginCallback,
    PopupBlockedPrompt, RegistrationScreen, SignInButton,
};
use passport_client::Passport;

fn main() {
    leptos::mount::mount_to_body(App);
}

/// `config.json` first (the gate shows what is wrong with it), then the pages.
#[component]
fn App() -> impl IntoView {
    view! {
        <ConfigGate error=|err| view! { <p role="alert">{err.to_string()}</p> }>
            <Pages />
        </ConfigGate>
    }
}

/// The session restores after mount; `/redirect` is the default callback route.
#[component]
fn Pages() -> impl IntoView {
    provide_auth(expect_context::<Passport>());
    view! {
        <Router>
            <Routes fallback=|| "Not found">
                <Route path=StaticSegment("") view=Home />
                <Route path=StaticSegment("redirect") view=Callback />
            </Routes>
        </Router>
    }
}

#[component]
fn Home() -> impl IntoView {
    let auth = use_auth();
    move || match auth.state.get() {
        AuthState::Loading => view! { <p>"Restoring your session…"</p> }.into_any(),
        AuthState::SignedIn(user) => match user.imx_address() {
            Ok(address) => view! {
                <p data-testid="outside-email">{user.profile.email}</p>
                <p>"Registered with IMX as " <code data-testid="outside-address">{address}</code></p>
            }
            .into_any(),
            Err(_) => view! {
                <p data-testid="outside-email">{user.profile.email}</p>
                <RegistrationScreen />
            }
            .into_any(),
        },
        _ => view! { <SignInButton /> <PopupBlockedPrompt /> }.into_any(),
    }
}

#[component]
fn Callback() -> impl IntoView {
    let navigate = leptos_router::hooks::use_navigate();
    let home = move || navigate("/", Default::default());
    view! { <LoginCallback on_redirect_done=home view=status /> }
}

fn status(status: CallbackStatus) -> AnyView {
    match status {
        CallbackStatus::Failed(err) => view! { <p role="alert">{err.to_string()}</p> }.into_any(),
        _ => view! { <p>"Completing sign-in…"</p> }.into_any(),
    }
}
