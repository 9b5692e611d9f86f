//! The app: configuration first, then the auth context, then the routes.

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;
use passport_client::browser::page::page_location;
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
                    <Router base=router_base()>
                        <Routes fallback=NotFound>
                            <Route path=path!("/") view=Home />
                            <Route path=path!("/redirect") view=RedirectPage />
                        </Routes>
                    </Router>
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

/// Deployed under a sub-path, the router must strip it; `<base href>` tells us which.
fn router_base() -> String {
    page_location().base_path.trim_end_matches('/').to_owned()
}
