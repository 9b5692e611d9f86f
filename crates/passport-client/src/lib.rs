//! Immutable Passport login and IMX registration for Leptos apps.
//!
//! Layers point down only:
//! - protocol modules (`config`, `error`, …) know nothing of the browser or Leptos
//!   and are unit-tested natively;
//! - [`browser`] wraps the web APIs the protocol needs (wasm32 only);
//! - [`ui`] is the Leptos layer: context, signals, components (wasm32 only).

pub mod config;
pub mod error;

#[cfg(target_arch = "wasm32")]
pub mod browser;
#[cfg(target_arch = "wasm32")]
pub mod ui;

pub use config::{Environment, PassportConfig, RuntimeConfig};
pub use error::{ConfigError, ErrorKind, PassportError};
