//! Signing in and signing up against the accounts: argon2 hashing under the
//! server's bound on concurrent hashes, and the same answer, taking as long,
//! for an unknown email as for a wrong password.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;

use super::credentials::{check_email, check_new_password, normalise_email};
use crate::accounts::{NewAccount, Shape};
use crate::db::{self, User};
use crate::secrets::random_id;
use crate::state::Shared;

/// How long a sign-in waits for a free password-hashing slot before a 503.
const HASHING_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// The form's message when no hashing slot came free in time.
pub(crate) const BUSY: &str = "The sign-in service is busy. Wait a moment and try again.";

/// How a sign-in or sign-up ended, short of a server fault.
pub(crate) enum Outcome {
    /// The account's `sub`.
    SignedIn(String),
    /// Unknown email or wrong password (the same answer for both).
    WrongCredentials,
    /// No hashing slot came free in time.
    Busy,
    /// Refused with this message (a weak password, a taken email).
    Refused(&'static str),
}

/// Runs `work` under the password-hashing bound: `Busy` when no slot came free.
async fn hashed(
    state: &Shared,
    work: impl FnOnce(Shared) -> anyhow::Result<Outcome> + Send + 'static,
) -> anyhow::Result<Outcome> {
    let work_state = state.clone();
    match state
        .hashing
        .run(HASHING_WAIT, move || work(work_state))
        .await
    {
        Some(outcome) => outcome?,
        None => Ok(Outcome::Busy),
    }
}

pub(crate) async fn sign_in(
    state: Shared,
    email: String,
    password: String,
) -> anyhow::Result<Outcome> {
    hashed(&state, move |state| {
        let user = db::user_by_email(&state.db(), &email)?;
        // Verify against a dummy hash when the email is unknown, so the answer
        // takes as long and says the same: nobody learns which emails exist.
        let hash = user
            .as_ref()
            .map(|u| u.password_hash.clone())
            .unwrap_or_else(dummy_hash);
        let parsed = PasswordHash::new(&hash).map_err(|e| anyhow::anyhow!("stored hash: {e}"))?;
        let matches = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        Ok(match (user, matches) {
            (Some(user), true) => Outcome::SignedIn(user.sub),
            _ => Outcome::WrongCredentials,
        })
    })
    .await
}

fn dummy_hash() -> String {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY
        .get_or_init(|| hash_password("not a real password").expect("argon2 hashes a constant"))
        .clone()
}

fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
}

/// A new account's user record, with the sign-up form's checks (the email,
/// normalised; the password policy) and its password hashed with argon2:
/// the refusal's message, or the user. The form and `users add` share it.
pub(crate) fn new_account(
    email: &str,
    password: &str,
) -> anyhow::Result<Result<User, &'static str>> {
    let email = normalise_email(email);
    if let Err(message) = check_email(&email).and_then(|()| check_new_password(password)) {
        return Ok(Err(message));
    }
    Ok(Ok(User {
        sub: format!("email|{}", random_id()),
        nickname: email.split('@').next().unwrap_or_default().to_owned(),
        email,
        password_hash: hash_password(password)?,
    }))
}

pub(crate) async fn sign_up(
    state: Shared,
    email: String,
    password: String,
    shape: Shape,
) -> anyhow::Result<Outcome> {
    if let Err(message) = check_new_password(&password) {
        return Ok(Outcome::Refused(message));
    }
    hashed(&state, move |state| {
        let user = match new_account(&email, &password)? {
            Ok(user) => user,
            Err(message) => return Ok(Outcome::Refused(message)),
        };
        // The wallet and the Stark key are derived before the database is held.
        let account = NewAccount::derive(user, shape, None);
        match account.store(&mut state.db(), &state.kek, crate::now())? {
            Ok(account) => {
                tracing::info!(sub = %account.user.sub, %shape, "account created");
                Ok(Outcome::SignedIn(account.user.sub))
            }
            Err(refused) => Ok(Outcome::Refused(refused.message())),
        }
    })
    .await
}
