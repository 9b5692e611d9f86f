//! `/redirect`: the login callback page.

use leptos::prelude::*;

/// Where the identity provider sends the user back after sign-in.
#[component]
pub fn RedirectPage() -> impl IntoView {
    view! {
        <section class="card" data-testid="callback">
            <h1>"Completing sign-in…"</h1>
            <p class="muted">"This window closes by itself when sign-in is complete."</p>
        </section>
    }
}
