//! The Passport for IMX demo app: Leptos, client-side rendered, built by trunk.

mod app;
mod components;
mod pages;

fn main() {
    leptos::mount::mount_to_body(app::App);
}
