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
