//! The Leptos layer: the auth context and signal, hooks and components any app can reuse.

mod auth;
mod callback;
mod config_gate;
mod registration;
mod sign_in;

pub use auth::{provide_auth, use_auth, AuthContext, AuthState};
pub use callback::{CallbackStatus, LoginCallback};
pub use config_gate::ConfigGate;
pub use registration::RegistrationScreen;
pub use sign_in::{EmailSignIn, PopupBlockedPrompt, SignInButton};
