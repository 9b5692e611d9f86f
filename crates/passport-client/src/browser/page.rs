//! Where the app runs: origin and base path of the current page.

use crate::config::PageLocation;

/// The page's origin and the app's base path (from `<base href>`, always ending with `/`).
pub fn page_location() -> PageLocation {
    let window = web_sys::window().expect("a browser window");
    let origin = window.location().origin().unwrap_or_default();
    let base = window
        .document()
        .and_then(|doc| doc.base_uri().ok().flatten())
        .and_then(|uri| crate::address::Address::parse(&uri).ok());
    let base_path = match base {
        // A document without <base> reports its own URL: keep only the directory part.
        Some(url) => {
            let path = url.path();
            path[..=path.rfind('/').unwrap_or(0)].to_owned()
        }
        None => "/".to_owned(),
    };
    PageLocation { origin, base_path }
}

/// A URL below the app's base path, for fetches and links.
pub fn app_url(path: &str) -> String {
    let page = page_location();
    format!(
        "{}{}{}",
        page.origin,
        page.base_path,
        path.trim_start_matches('/')
    )
}

/// Whether this page is `config`'s redirect URI, where the login callback runs.
pub fn is_callback_page(config: &crate::config::PassportConfig) -> bool {
    let Some(location) = web_sys::window().map(|w| w.location()) else {
        return false;
    };
    let redirect = &config.redirect_uri;
    // `/auth/callback/` and `/auth/callback` are one page to the router.
    let same_path =
        |path: String| path.trim_end_matches('/') == redirect.path().trim_end_matches('/');
    location.origin().ok().as_deref() == Some(redirect.origin().as_str())
        && location.pathname().is_ok_and(same_path)
}
