//! The Leptos layer: the auth context and signal, hooks and components any app can reuse.

pub mod auth;
pub mod callback;
pub mod config_gate;
pub mod registration;
pub mod sign_in;

pub use auth::{provide_auth, use_auth, AuthContext, AuthState};
pub use callback::LoginCallback;
pub use config_gate::ConfigGate;
pub use registration::RegistrationScreen;
pub use sign_in::{EmailSignIn, PopupBlockedPrompt, SignInButton};
