//! The Passport for IMX demo app: Leptos, client-side rendered, built by trunk.

#[cfg(target_arch = "wasm32")]
mod app;
#[cfg(target_arch = "wasm32")]
mod callback_path;
#[cfg(target_arch = "wasm32")]
mod components;
#[cfg(target_arch = "wasm32")]
mod pages;
#[cfg(target_arch = "wasm32")]
fn main() {
    passport_client::mark("passport:wasm-start");
    leptos::mount::mount_to_body(app::App);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("passport-app runs in the browser: build it with `trunk build` or `scripts/run.sh`");
}
