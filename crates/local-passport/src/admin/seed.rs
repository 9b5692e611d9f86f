//! Seed files: `serve --seed FILE` creates the accounts and clients a file
//! lists at start, idempotently (an account whose address exists is left as
//! it is, a client whose id is registered too), and the admin API's export
//! writes the same format.
//!
//! ```json
//! { "clients": [ { "client_id": "...", "redirect_uris": ["..."], ... } ],
//!   "accounts": [ { "email": "zk@example.test", "password": "...",
//!                   "shape": "zkevm", "seed": "optional" } ] }
//! ```
//!
//! An account without `password` gets a random one nobody knows: it exists
//! (with its wallet and claim) but cannot sign in with a password. The export
//! never holds passwords, so add them to an exported file before seeding
//! with it when its accounts must sign in. The wallet is derived from `seed`
//! when given, otherwise from the email, as `users add` does; the export
//! cannot give a seed back (it is not stored), so an account seeded with one
//! is exported with `wallet_address` for reference and, seeded again without
//! a seed, gets its email's wallet.

use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::accounts::{self, Account, KeySource, NewAccount, Shape};
use crate::clients::Client;
use crate::db;
use crate::idp::new_account;
use crate::state::AppState;

/// A seed file.
#[derive(Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SeedFile {
    /// Clients registered beside `--clients` (or the built-in one).
    #[serde(default)]
    pub clients: Vec<Client>,
    /// Accounts created unless their address exists.
    #[serde(default)]
    pub accounts: Vec<SeedAccount>,
}

/// An account of a seed file, or the admin API's request to create one.
/// No `Debug`: it may hold a password.
#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SeedAccount {
    pub email: String,
    /// The sign-up form's policy; none: the account cannot sign in with one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// `new` (default), `zkevm`, `imx-zkevm` or `imx`.
    #[serde(default = "new_shape", with = "shape_name")]
    pub shape: Shape,
    /// Derive the wallet from this string instead of the email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<String>,
    /// In an export, the account's wallet (ignored when seeding).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wallet_address: Option<String>,
}

fn new_shape() -> Shape {
    Shape::New
}

mod shape_name {
    use super::Shape;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(shape: &Shape, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(shape.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Shape, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// Reads and parses a seed file.
pub fn load(path: &Path) -> anyhow::Result<SeedFile> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading seed file {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing seed file {}", path.display()))
}

/// Creates an account as `users add` does (blocking: it hashes the
/// password); `Err` with the reason it was refused.
pub fn create(state: &AppState, request: &SeedAccount) -> anyhow::Result<Result<Account, String>> {
    if request.seed.as_deref().is_some_and(str::is_empty) {
        return Ok(Err("seed must not be empty".into()));
    }
    let password = request
        .password
        .clone()
        .unwrap_or_else(crate::secrets::random_token);
    let user = match new_account(&request.email, &password)? {
        Ok(user) => user,
        Err(message) => return Ok(Err(message.into())),
    };
    let source = match &request.seed {
        Some(seed) => KeySource::Seed(seed),
        None => KeySource::Email(&user.email),
    };
    let prepared = NewAccount::derive(user.clone(), request.shape, Some(source));
    Ok(prepared
        .store(&mut state.db(), &state.kek, crate::now())?
        .map_err(|refused| refused.to_string()))
}

/// Creates the accounts of `seed` that do not exist yet; the number created.
pub fn apply_accounts(state: &AppState, seed: &SeedFile) -> anyhow::Result<usize> {
    let mut created = 0;
    for account in &seed.accounts {
        let email = crate::idp::normalise_email(&account.email);
        if db::user_by_email(&state.db(), &email)?.is_some() {
            continue;
        }
        create(state, account)?
            .map_err(|refused| anyhow::anyhow!("seed account {email}: {refused}"))?;
        created += 1;
    }
    Ok(created)
}

/// The accounts and clients as a seed file, without passwords.
pub fn export(state: &AppState) -> anyhow::Result<SeedFile> {
    let accounts: Vec<SeedAccount> = accounts::list(&state.db())?
        .into_iter()
        .map(|account| {
            let from_email = accounts::wallet_key(KeySource::Email(&account.user.email));
            let from_email = imx_crypto::address_of(from_email.verifying_key()).to_string();
            SeedAccount {
                shape: account.shape(),
                wallet_address: account
                    .wallet_address
                    .clone()
                    .filter(|address| *address != from_email),
                email: account.user.email,
                password: None,
                seed: None,
            }
        })
        .collect::<Vec<_>>();
    // By address: the same accounts export the same, whenever each was made.
    let mut accounts = accounts;
    accounts.sort_by(|a, b| a.email.cmp(&b.email));
    Ok(SeedFile {
        clients: state.clients.clients.clone(),
        accounts,
    })
}
