//! Immutable Passport login and IMX registration for Leptos apps.
//!
//! # Using it from your app
//!
//! This is the whole recipe; `examples/outside-app/` in this repository is an
//! app outside the workspace that follows it, and its end-to-end test signs
//! in, restores and registers with the local Passport.
//!
//! 1. **Cargo.toml**: `leptos = { version = "0.8", features = ["csr"] }`,
//!    `leptos_router = "0.8"` and
//!    `passport-client = { path = "<this repository>/crates/passport-client" }`
//!    (or a git dependency on this repository).
//! 2. **index.html** (trunk 0.21): besides your app's own `rel="rust"` link,
//!    the registration worker, which holds the Stark maths and is loaded only
//!    when the user registers, and its loader:
//!    ```html
//!    <link data-trunk rel="rust" href="<this repository>/crates/stark-worker/Cargo.toml"
//!          data-type="worker" data-bin="stark_worker" data-wasm-opt="z" />
//!    <link data-trunk rel="copy-file" href="<this repository>/crates/stark-worker/stark_worker_loader.js" />
//!    <link data-trunk rel="copy-file" href="config.json" />
//!    ```
//! 3. **config.json** beside `index.html`: `{}` for the local Passport, or
//!    `{"environment": "production", "client_id": "…"}`; every key is in the
//!    repository's README.
//! 4. **The code**: `ui::ConfigGate` reads the configuration,
//!    `ui::provide_auth` restores the session after mount, and the callback
//!    route (`/redirect` unless `redirect_uri` says otherwise) renders
//!    `ui::LoginCallback`. The whole example app:
//!
//! ```ignore
#![doc = include_str!("../../../examples/outside-app/src/main.rs")]
//! ```
//!
//! The wasm32 API (`Passport`, `ImxProvider`, `ui`) is documented by
//! `cargo doc -p passport-client --target wasm32-unknown-unknown`.
//!
//! # Inside
//!
//! Layers point down only:
//! - protocol modules (`config`, `pending`, `oauth`, `jwt`, `user`, `expiry`, …)
//!   know nothing of the browser or Leptos and are unit-tested natively;
//! - `browser` wraps the web APIs the protocol needs (wasm32 only);
//! - `Passport` puts them together into the client (wasm32 only);
//! - `ui` is the Leptos layer: context, signals, components (wasm32 only).
//!
//! Modules are private; the types a caller meets are re-exported here.
// Every public type is nameable from the root.
#![warn(unnameable_types)]
// Off wasm32 the crate is only its protocol layer, built for its tests: the
// client that calls it is wasm32-only. The wasm32 build is warning-free.
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
// The front of the on-demand engine leaves the engine's protocol code unused
// in this module (it is the engine's).
#![cfg_attr(feature = "on-demand-engine", allow(dead_code, unused_imports))]

/// Declares modules that are private to the crate, except that the crate's
/// own integration tests (`tests/`) reach them with the `testing` feature,
/// which the crate turns on for itself as a dev-dependency. The public API is
/// what the root re-exports below.
macro_rules! internal_modules {
    ($($(#[$attr:meta])* $name:ident;)*) => {$(
        $(#[$attr])* #[cfg(feature = "testing")] #[doc(hidden)] pub mod $name;
        $(#[$attr])* #[cfg(not(feature = "testing"))] mod $name;
    )*};
}

// Before the modules that expand them.
#[macro_use]
mod accessors;

internal_modules! {
    address;
    callback;
    claims;
    config;
    engine_wire;
    error;
    expiry;
    http;
    jwt;
    kind;
    login;
    oauth;
    pending;
    progress;
    registration;
    registration_error;
    secret;
    session;
    session_core;
    storage;
    stored_user;
    user;
    #[cfg(target_arch = "wasm32")]
    browser;
}

// The client: in one module (default), or as a front in the app's module with
// the rest in the engine loaded on demand (feature `on-demand-engine`; the
// engine's binary, `crates/passport-engine`, runs `engine_host`).
#[cfg(all(target_arch = "wasm32", not(feature = "on-demand-engine")))]
mod client;
#[cfg(all(target_arch = "wasm32", not(feature = "on-demand-engine")))]
#[doc(hidden)]
pub mod engine_host;
#[cfg(all(target_arch = "wasm32", feature = "on-demand-engine"))]
mod front;
#[cfg(all(target_arch = "wasm32", not(feature = "on-demand-engine")))]
mod imx;
#[cfg(target_arch = "wasm32")]
pub mod ui;

// The public API. The Leptos layer is the `ui` module; everything else is here.
pub use address::{Address, InvalidAddress};
pub use claims::{ImxRegistration, PassportClaims};
pub use config::{Environment, LogoutMode, PageLocation, PassportConfig, Preset, RuntimeConfig};
pub use error::{ConfigError, ErrorKind, PassportError, TokenEndpointError};
pub use http::HttpError;
pub use jwt::{Audience, IdTokenClaims, TokenError};
pub use login::{CallbackOutcome, LoginOptions};
pub use oauth::{DirectLogin, DirectMethod, MarketingConsent};
pub use progress::{Failure, RegistrationProgress, StepState};
pub use registration_error::{RegistrationError, RegistrationStep};
pub use secret::{AccessToken, IdToken, RefreshToken};
pub use session::{EventSource, SessionEvent};
pub use user::{User, UserProfile};

#[cfg(target_arch = "wasm32")]
pub use browser::subscription::SessionSubscription;
#[cfg(all(target_arch = "wasm32", feature = "marks"))]
pub use browser::time::mark;
#[cfg(target_arch = "wasm32")]
pub use browser::{config_file::load_config, page::page_location};
#[cfg(all(target_arch = "wasm32", not(feature = "on-demand-engine")))]
pub use client::Passport;
#[cfg(all(target_arch = "wasm32", feature = "on-demand-engine"))]
pub use front::{ImxProvider, Passport};
#[cfg(all(target_arch = "wasm32", not(feature = "on-demand-engine")))]
pub use imx::ImxProvider;

#[cfg(test)]
mod test_support {
    /// Runs a future whose fakes never pend: one poll finishes it.
    pub fn poll_once<F: std::future::Future>(future: F) -> F::Output {
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        match std::pin::pin!(future).poll(&mut cx) {
            std::task::Poll::Ready(out) => out,
            std::task::Poll::Pending => panic!("a fake pended"),
        }
    }

    /// The local Passport's default configuration, for an app on
    /// `http://localhost:8080/`.
    pub fn local_config() -> crate::config::PassportConfig {
        crate::config::RuntimeConfig::default()
            .resolve(&crate::config::PageLocation {
                origin: "http://localhost:8080".into(),
                base_path: "/".into(),
            })
            .unwrap()
    }

    /// A JSON answer with this status and body.
    pub fn json_response(status: u16, body: &str) -> crate::http::HttpResponse {
        oauth2::http::Response::builder()
            .status(status)
            .header("content-type", "application/json")
            .body(body.as_bytes().to_vec())
            .unwrap()
    }
}
