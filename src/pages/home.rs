//! `/`: the home page.

use leptos::prelude::*;
use passport_client::PassportConfig;

/// The home page.
#[component]
pub fn Home() -> impl IntoView {
    let config = expect_context::<PassportConfig>();
    view! {
        <section class="card" data-testid="home">
            <h1>"Sign in with Immutable Passport"</h1>
            <p>"Your Passport account gives you an IMX wallet that works across games and apps."</p>
            <p class="muted">
                "Identity provider: " <code>{config.authority.to_string()}</code>
            </p>
        </section>
    }
}
