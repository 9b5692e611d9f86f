//! `local-passport`: a local stand-in for Immutable Passport (identity provider,
//! IMX API and wallet service) on SQLite, for offline development and tests.

use clap::Parser;
use local_passport::cli::{Cli, Command};

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Serve(Box::new(cli.serve))) {
        Command::Serve(opts) => local_passport::server::run(*opts),
        Command::Keys(args) => local_passport::keys_cmd::run(args),
        Command::Users(args) => local_passport::users_cmd::run(args),
    }
}
