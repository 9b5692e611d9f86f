//! The local Passport as a library: the binary is a thin shell over these modules.

pub mod accounts;
pub mod admin;
pub mod bearer;
pub mod body_limit;
pub mod cli;
pub mod clients;
pub mod connections;
pub mod db;
pub mod errors;
pub mod extract;
pub mod faults;
pub mod hosts;
pub mod html;
pub mod idp;
pub mod imx;
pub mod jwt;
pub mod kek;
pub mod keys_cmd;
pub mod logging;
pub mod secrets;
pub mod server;
pub mod settings;
pub mod sign_in_guard;
pub mod state;
pub mod tls;
pub mod users_cmd;
pub mod wallet;

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
