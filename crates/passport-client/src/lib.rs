//! Immutable Passport login and IMX registration for Leptos apps.
//!
//! Layers point down only:
//! - protocol modules (`config`, `pending`, `oauth`, `jwt`, `user`, `expiry`, …)
//!   know nothing of the browser or Leptos and are unit-tested natively;
//! - [`browser`] wraps the web APIs the protocol needs (wasm32 only);
//! - [`Passport`] puts them together into the client (wasm32 only);
//! - [`ui`] is the Leptos layer: context, signals, components (wasm32 only).

pub mod address;
pub mod callback;
pub mod config;
pub mod error;
pub mod expiry;
pub mod http;
pub mod jwt;
pub mod oauth;
pub mod pending;
pub mod progress;
pub mod registration;
pub mod secret;
pub mod session;
pub mod storage;
pub mod user;

#[cfg(target_arch = "wasm32")]
pub mod browser;
#[cfg(target_arch = "wasm32")]
mod client;
#[cfg(target_arch = "wasm32")]
mod imx;
#[cfg(target_arch = "wasm32")]
pub mod ui;

pub use address::Address;
#[cfg(target_arch = "wasm32")]
pub use client::{CallbackOutcome, LoginOptions, Passport};
pub use config::{Environment, PassportConfig, RuntimeConfig};
pub use error::{ConfigError, ErrorKind, PassportError};
#[cfg(target_arch = "wasm32")]
pub use imx::ImxProvider;
pub use oauth::{DirectLogin, DirectMethod, MarketingConsent};
pub use user::{PassportClaims, User, UserProfile};

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

    /// A JSON answer with this status and body.
    pub fn json_response(status: u16, body: &str) -> crate::http::HttpResponse {
        oauth2::http::Response::builder()
            .status(status)
            .header("content-type", "application/json")
            .body(body.as_bytes().to_vec())
            .unwrap()
    }
}
