//! `local-passport users`: accounts and their IMX registration state.

use crate::cli::UsersArgs;
use crate::db;

/// Prints one JSON object per account.
pub fn run(args: UsersArgs) -> anyhow::Result<()> {
    let conn = db::open(&args.data_dir)?;
    let users: Vec<serde_json::Value> = db::list_users(&conn)?
        .into_iter()
        .map(|(user, created_at, registration)| {
            serde_json::json!({
                "sub": user.sub,
                "email": user.email,
                "nickname": user.nickname,
                "created_at": created_at,
                "registered": registration.is_some(),
                "imx": registration,
            })
        })
        .collect();
    println!("{}", serde_json::to_string_pretty(&users)?);
    Ok(())
}
