//! What a sign-in is asked for and how its callback ended: the same types for
//! the one-module client and for the on-demand engine's front.

use crate::oauth::DirectLogin;
use crate::user::User;

/// Options of `Passport::login`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LoginOptions {
    /// Go straight to one sign-in method (the SDK's direct login): email with
    /// the address filled in, or Google, Apple, Facebook; with marketing consent.
    pub direct: Option<DirectLogin>,
}

/// How a callback finished.
#[derive(Debug, Clone)]
pub enum CallbackOutcome {
    /// A popup sign-in: the opener was told, this window closes.
    Popup,
    /// A redirect sign-in: the user is stored; go home.
    Redirect(User),
}
