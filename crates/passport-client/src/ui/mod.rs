//! The Leptos layer: context, signals and components any app can reuse.

pub mod config_gate;

pub use config_gate::ConfigGate;
