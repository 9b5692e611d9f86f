//! `local-passport users`: list the accounts, or create one of a given shape.

use crate::accounts::{self, KeySource, NewAccount};
use crate::cli::{UsersAddArgs, UsersArgs, UsersCommand, UsersListArgs, UsersUnblockArgs};
use crate::db;
use crate::idp::new_account;
use crate::kek::Kek;

/// Runs `users list` (the default) or `users add`.
pub fn run(args: UsersArgs) -> anyhow::Result<()> {
    match args.command.unwrap_or(UsersCommand::List(args.list)) {
        UsersCommand::List(args) => list(args),
        UsersCommand::Add(args) => add(args),
        UsersCommand::Unblock(args) => unblock(args),
    }
}

/// Prints every account as a JSON array: subject, email, shape, wallet,
/// zkEVM part, IMX registration and the `passport` claim its tokens carry.
fn list(args: UsersListArgs) -> anyhow::Result<()> {
    let conn = db::open(&args.data_dir)?;
    let users: Vec<serde_json::Value> = accounts::list(&conn)?
        .iter()
        .map(accounts::Account::to_json)
        .collect();
    println!("{}", serde_json::to_string_pretty(&users)?);
    Ok(())
}

/// Creates the account, all its parts in one transaction (a server on the
/// same data directory sees it whole or not at all), and prints it as one
/// JSON line.
fn add(args: UsersAddArgs) -> anyhow::Result<()> {
    if args.seed.as_deref().is_some_and(str::is_empty) {
        anyhow::bail!("--seed must not be empty");
    }
    // The sign-up form's checks, hashing and user record.
    let user = new_account(&args.email, &args.password)?
        .map_err(|message| anyhow::anyhow!("{message}"))?;
    let source = match &args.seed {
        Some(seed) => KeySource::Seed(seed),
        None => KeySource::Email(&user.email),
    };
    let prepared = NewAccount::derive(user.clone(), args.shape, Some(source));
    let mut conn = db::open(&args.data_dir)?;
    let kek = Kek::load_or_create(&args.data_dir)?;
    let account = prepared
        .store(&mut conn, &kek, crate::now())?
        .map_err(|refused| anyhow::anyhow!("{refused}"))?;
    let mut out = account.to_json();
    out["wallet_from"] = if args.seed.is_some() { "seed" } else { "email" }.into();
    println!("{}", serde_json::to_string(&out)?);
    Ok(())
}

/// Raises the account's unblock generation: a server on the same data
/// directory gives it a full allowance of sign-in attempts at the next one.
fn unblock(args: UsersUnblockArgs) -> anyhow::Result<()> {
    let conn = db::open(&args.data_dir)?;
    let email = crate::idp::normalise_email(&args.email);
    let user = db::user_by_email(&conn, &email)?
        .ok_or_else(|| anyhow::anyhow!("no account has the address {email:?}"))?;
    db::raise_unblock_generation(&conn, &db::email_key(&user.email))?;
    println!(
        "{}",
        serde_json::json!({ "sub": user.sub, "email": user.email, "unblocked": true })
    );
    Ok(())
}
