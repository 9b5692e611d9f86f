//! The app: configuration first, then the auth context, then the page for the route.

use leptos::prelude::*;
use passport_client::ui::{provide_auth, ConfigGate};
use passport_client::{Passport, PassportConfig};

use crate::components::layout::Layout;
use crate::pages::{ConfigErrorPage, Home, NotFound, RedirectPage};
use crate::routes::{CurrentRoute, Route};

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

/// Creates the Passport client from the loaded configuration and provides the
/// auth context (which restores the session after mount).
#[component]
fn WithAuth(children: Children) -> impl IntoView {
    let config = expect_context::<PassportConfig>();
    provide_auth(Passport::new(config));
    children()
}

/// The page for the current route.
#[component]
fn Pages() -> impl IntoView {
    let route = CurrentRoute::provide();
    move || match route.get() {
        Route::Home => view! { <Home /> }.into_any(),
        Route::Redirect => view! { <RedirectPage /> }.into_any(),
        Route::NotFound => view! { <NotFound /> }.into_any(),
    }
}
