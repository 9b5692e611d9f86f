//! The app: configuration first, then the auth context, then the page for the
//! route, on leptos_router under the deploy base path.

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::StaticSegment;
use passport_client::page_location;
use passport_client::ui::{provide_auth, ConfigGate};
use passport_client::{Passport, PassportConfig};

use crate::callback_path::CallbackPath;
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
    // The configuration was refused unless its redirect URI is a page of
    // this app, so the route is there; `none` only guards the impossible.
    let callback = config
        .callback_route(&page.origin, &page.base_path)
        .map_or_else(CallbackPath::none, CallbackPath::new);
    let base = page.base_path.trim_end_matches('/').to_owned();
    view! {
        <Router base=base>
            <Routes fallback=|| view! { <NotFound /> }>
                <Route path=StaticSegment("") view=Home />
                <Route path=StaticSegment("index.html") view=Home />
                <Route path=callback view=RedirectPage />
            </Routes>
        </Router>
    }
}
