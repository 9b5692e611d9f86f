//! The page for unknown routes.

use leptos::prelude::*;

/// Shown for any path the app does not know.
#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <section class="card" data-testid="not-found">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address."</p>
            // Relative to <base href>: the app's root, also under a sub-path.
            <a href="./">"Back to the home page"</a>
        </section>
    }
}
