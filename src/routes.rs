//! Which page the address shows. Three fixed routes need no router crate (which
//! cost ~10% of the wasm): the path below the base path picks the page, and the
//! one in-app navigation, callback → home, replaces the history entry.

use leptos::prelude::*;
use passport_client::browser::page::page_location;

/// The app's pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// `/`: sign-in, profile, registration.
    Home,
    /// `/redirect`: the login callback.
    Redirect,
    /// Anything else.
    NotFound,
}

impl Route {
    /// The route for `pathname`, for an app deployed at `base_path` (`/…/`).
    pub fn of(pathname: &str, base_path: &str) -> Route {
        let below_base = match pathname.strip_prefix(base_path) {
            Some(rest) => rest,
            // The base itself without its trailing slash, e.g. `/passport`.
            None if format!("{pathname}/") == base_path => "",
            None => return Route::NotFound,
        };
        match below_base.trim_end_matches('/') {
            "" | "index.html" => Route::Home,
            "redirect" => Route::Redirect,
            _ => Route::NotFound,
        }
    }
}

/// The current route, provided as context; follows Back and Forward.
#[derive(Debug, Clone, Copy)]
pub struct CurrentRoute(RwSignal<Route>);

impl CurrentRoute {
    /// Reads the route from the address and starts following history changes.
    pub fn provide() -> CurrentRoute {
        let route = RwSignal::new(Self::from_address());
        let listener = window_event_listener(leptos::ev::popstate, move |_| {
            route.set(Self::from_address())
        });
        on_cleanup(move || listener.remove());
        let current = CurrentRoute(route);
        provide_context(current);
        current
    }

    fn from_address() -> Route {
        let pathname = window().location().pathname().unwrap_or_default();
        Route::of(&pathname, &page_location().base_path)
    }

    /// The route now (tracked).
    pub fn get(self) -> Route {
        self.0.get()
    }

    /// Shows the home page at the base path, replacing the current history
    /// entry so Back does not return to a spent callback URL.
    pub fn replace_with_home(self) {
        let base = page_location().base_path;
        let _ = window()
            .history()
            .and_then(|h| h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&base)));
        self.0.set(Route::Home);
    }
}
