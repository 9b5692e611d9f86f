//! The app: configuration first, then the routes inside the layout.

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;
use passport_client::browser::page::page_location;
use passport_client::ui::ConfigGate;

use crate::components::layout::Layout;
use crate::pages::{ConfigErrorPage, Home, NotFound, RedirectPage};

/// The root component.
#[component]
pub fn App() -> impl IntoView {
    // Deployed under a sub-path, the router must strip it; `<base href>` tells us which.
    let base = page_location().base_path.trim_end_matches('/').to_owned();
    view! {
        <Layout>
            <ConfigGate error=|err| view! { <ConfigErrorPage error=err /> }>
                <Router base=base.clone()>
                    <Routes fallback=NotFound>
                        <Route path=path!("/") view=Home />
                        <Route path=path!("/redirect") view=RedirectPage />
                    </Routes>
                </Router>
            </ConfigGate>
        </Layout>
    }
}
