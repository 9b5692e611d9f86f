//! The frame around every page: header, main area, footer.

use leptos::prelude::*;

/// Header with the product name, the main area with `children`, and a footer.
#[component]
pub fn Layout(children: Children) -> impl IntoView {
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="site-header">
            <div class="container header-row">
                <span class="brand">
                    <span class="brand-mark" aria-hidden="true">"◆"</span>
                    " Passport for IMX"
                </span>
            </div>
        </header>
        <main id="main" class="container" tabindex="-1">
            {children()}
        </main>
        <footer class="site-footer">
            <div class="container">"Immutable Passport login, built with Leptos."</div>
        </footer>
    }
}
