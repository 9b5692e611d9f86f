//! The app: configuration first, then the auth context, then the page for the
//! route, on leptos_router under the deploy base path.

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::StaticSegment;
use passport_client::page_location;
use passport_client::ui::{provide_auth, ConfigGate};
use passport_client::{Passport, PassportConfig};

use crate::components::layout::Layout;
use crate::pages::{ConfigErrorPage, Home, NotFound, RedirectPage};

/// The root component.
#[component]
pub fn App() -> impl IntoView {
    view! {
        <Layout>
            <ConfigGate error=|err| view! { <ConfigErrorPage error=err /> }>
                <WithAuth>
                    <Pages />
                </WithAuth>
            </ConfigGate>
        </Layout>
    }
}

/// Provides the auth context for the Passport client the gate built (which
/// restores the session after mount).
#[component]
fn WithAuth(children: Children) -> impl IntoView {
    provide_auth(expect_context::<Passport>());
    children()
}

/// The pages: `/` and the login callback, whose path is the configured
/// `redirect_uri`'s (one source of truth), below the base path the bundle was
/// deployed under.
#[component]
fn Pages() -> impl IntoView {
    let config = expect_context::<PassportConfig>();
    let page = page_location();
    // Route paths are 'static; the callback's is read once per page load.
    // Without one on this page (a redirect URI elsewhere), a segment no URL
    // path can hold (a NUL) keeps the route from ever matching.
    let callback: &'static str = config
        .callback_route(&page.origin, &page.base_path)
        .map_or("\0", |route| Box::leak(route.into_boxed_str()));
    let base = page.base_path.trim_end_matches('/').to_owned();
    view! {
        <Router base=base>
            <Routes fallback=|| view! { <NotFound /> }>
                <Route path=StaticSegment("") view=Home />
                <Route path=StaticSegment("index.html") view=Home />
                <Route path=StaticSegment(callback) view=RedirectPage />
            </Routes>
        </Router>
    }
}
