//! Command-line interface: `serve` (default), `keys`, `users [list|add]`.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::settings::Settings;

/// A local Immutable Passport: identity provider, IMX API and wallet service.
/// No `Debug` here or below: `keys` takes a private key.
#[derive(Parser)]
#[command(
    name = "local-passport",
    version,
    about,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Options of `serve`, which runs when no subcommand is given.
    #[command(flatten)]
    pub serve: ServeOptions,
}

/// What to do.
#[derive(Subcommand)]
pub enum Command {
    /// Run the server (the default).
    Serve(Box<ServeOptions>),
    /// Print the Ethereum address and Stark key an Ethereum private key gets.
    Keys(KeysArgs),
    /// List accounts (their shape, wallet and IMX registration), or create one with `users add`.
    Users(UsersArgs),
}

/// Options of `serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeOptions {
    /// Port of the identity provider and the IMX API (0 picks a free one).
    #[arg(long, default_value_t = 8081)]
    pub port: u16,
    /// Port of the wallet origin, which plays Magic's TEE Express (0 picks a free one).
    #[arg(long, default_value_t = 8082)]
    pub wallet_port: u16,
    /// The issuer to announce in discovery and write into tokens, exactly as
    /// given (trailing slash included), e.g. `https://auth.immutable.com/` to
    /// stand in for Immutable's provider behind a proxy or browser routing.
    /// Default: this server's own address, `http://<bind>:<port>/`.
    #[arg(long)]
    pub issuer: Option<String>,
    /// Address to listen on. Keep it on loopback: this is a development server.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// Another host name the server answers for (repeatable), as `NAME` (with
    /// the listening port or none) or `NAME:PORT`: a container's service name,
    /// a LAN name. It answers for its issuer's host, 127.0.0.1, localhost,
    /// [::1], the bound address and the hosts it stands in for (Immutable's
    /// auth and IMX API hosts, TEE Express); any other `Host` gets 421
    /// Misdirected Request (a defence against DNS rebinding).
    #[arg(long = "allowed-host", value_name = "NAME[:PORT]")]
    pub allowed_hosts: Vec<String>,
    /// Where the SQLite database and the key-encryption key live.
    #[arg(long, default_value = ".data/local-passport")]
    pub data_dir: PathBuf,
    /// JSON file with the registered clients (a default for the app is built in).
    #[arg(long)]
    pub clients: Option<PathBuf>,
    /// Access token lifetime, seconds.
    #[arg(long, default_value_t = 24 * 3600)]
    pub access_token_ttl: i64,
    /// ID token lifetime, seconds.
    #[arg(long, default_value_t = 10 * 3600)]
    pub id_token_ttl: i64,
    /// Refresh token lifetime, seconds.
    #[arg(long, default_value_t = 30 * 24 * 3600)]
    pub refresh_token_ttl: i64,
    /// Seconds after a refresh token was rotated during which it may be used
    /// again without being taken for a stolen copy (Auth0's "reuse interval",
    /// Okta's "grace period"): two tabs refreshing at once, or a response lost
    /// on the way, do not sign the user out. Later reuse revokes the family.
    #[arg(long, default_value_t = 10)]
    pub refresh_reuse_interval: i64,
    /// Authorization code lifetime, seconds.
    #[arg(long, default_value_t = 60)]
    pub code_ttl: i64,
    /// Sign-in session (cookie) lifetime, seconds.
    #[arg(long, default_value_t = 7 * 24 * 3600)]
    pub session_ttl: i64,
    /// Seconds a client has to send a request's headers, counted from the
    /// connection's start or its previous response: also how long an idle
    /// keep-alive connection stays open. Slowly trickled headers do not
    /// extend it.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    pub header_read_timeout: u64,
    /// Seconds a request may take, its body's upload included (then 408).
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    pub request_timeout: u64,
    /// Open connections at most, both ports together (default, and never
    /// more than: the process's open-file limit less 64). Past it, new
    /// connections wait and idle ones are closed to make room.
    #[arg(long)]
    pub max_connections: Option<usize>,
    /// Seconds between purges of what can no longer be used (expired codes,
    /// refresh tokens past their lifetime, ended sessions); one runs at start.
    #[arg(long, default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..))]
    pub purge_interval: u64,
    /// Lifetime of a signable registration payload, seconds.
    #[arg(long, default_value_t = 15 * 60)]
    pub payload_ttl: i64,
    /// The publishable API key the wallet service accepts in `X-Magic-API-Key`
    /// (default: the one Immutable's SDK sends).
    #[arg(long, default_value = passport_wire::magic::PUBLISHABLE_API_KEY)]
    pub magic_api_key: String,
    /// The OIDC provider id the wallet service accepts in `X-OIDC-Provider-ID`
    /// (default: the one Immutable's SDK sends).
    #[arg(long, default_value = passport_wire::magic::PROVIDER_ID)]
    pub magic_provider_id: String,
    /// The ID-token audience (client id) that provider registers with the
    /// wallet; repeat for several. Default: the first client of the clients file.
    #[arg(long)]
    pub magic_audience: Vec<String>,
    /// Sign-in form submissions allowed per second from one IP, sustained.
    #[arg(long, default_value_t = 2)]
    pub sign_in_rate: u32,
    /// Sign-in form submissions allowed from one IP in a burst.
    #[arg(long, default_value_t = 60)]
    pub sign_in_burst: u32,
    /// Sign-in attempts one account takes in a burst, from every address
    /// together, from browsers that never signed in to it (a browser that
    /// did carries a device cookie and is exempt); past them, 429.
    #[arg(long, default_value_t = 10)]
    pub lockout_after: u32,
    /// Seconds in which an account's whole allowance of attempts comes back
    /// (one attempt every lockout-seconds / lockout-after).
    #[arg(long, default_value_t = 900)]
    pub lockout_seconds: u64,
    /// Password hashes (about 19 MiB each) run at once at most; others wait up
    /// to 10 s, then get a 503. Default: the number of CPUs.
    #[arg(long)]
    pub max_concurrent_hashes: Option<usize>,
    /// Send `Cross-Origin-Opener-Policy: same-origin` with the sign-in page,
    /// as Google's and Apple's sign-in pages do: the opener then sees the
    /// popup as closed while the user signs in (for testing clients).
    #[arg(long)]
    pub sign_in_coop: bool,
    /// The admin API's token (`Authorization: Bearer`), for scripts that
    /// set it beforehand. Default: a random one at each start, printed on
    /// stderr and in the ready line.
    #[arg(long, env = "LOCAL_PASSPORT_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
    /// A seed file (JSON: accounts and clients) applied at start, idempotently:
    /// what exists already is left as it is.
    #[arg(long)]
    pub seed: Option<PathBuf>,
    /// Serve both origins (identity provider and wallet) over HTTPS, with a
    /// self-signed certificate for 127.0.0.1, localhost and [::1] made on the
    /// first start and kept in the data directory (`tls-cert.pem` and
    /// `tls-key.pem`, readable by their owner only). Its path and SHA-256
    /// fingerprints are printed at start; the issuer becomes `https://`.
    #[arg(long)]
    pub tls: bool,
    /// Log format.
    #[arg(long, value_enum, default_value_t = crate::logging::LogFormat::Text)]
    pub log_format: crate::logging::LogFormat,
}

impl ServeOptions {
    /// The settings the running server keeps (the rest only opens it).
    pub fn settings(&self) -> Settings {
        Settings {
            access_token_ttl: self.access_token_ttl,
            id_token_ttl: self.id_token_ttl,
            refresh_token_ttl: self.refresh_token_ttl,
            refresh_reuse_interval: self.refresh_reuse_interval,
            code_ttl: self.code_ttl,
            session_ttl: self.session_ttl,
            header_read_timeout: self.header_read_timeout,
            request_timeout: self.request_timeout,
            max_connections: self.max_connections,
            purge_interval: self.purge_interval,
            payload_ttl: self.payload_ttl,
            magic_api_key: self.magic_api_key.clone(),
            magic_provider_id: self.magic_provider_id.clone(),
            magic_audience: self.magic_audience.clone(),
            sign_in_rate: self.sign_in_rate,
            sign_in_burst: self.sign_in_burst,
            lockout_after: self.lockout_after,
            lockout_seconds: self.lockout_seconds,
            max_concurrent_hashes: self.max_concurrent_hashes,
            sign_in_coop: self.sign_in_coop,
            admin_token: self.admin_token.clone(),
        }
    }
}

/// Arguments of `keys`.
#[derive(Args)]
pub struct KeysArgs {
    /// The Ethereum private key, 0x + 64 hex digits.
    #[arg(long)]
    pub eth_private_key: String,
    /// A Stark hash (0x hex, below 2^251) to sign with the derived Stark key.
    #[arg(long)]
    pub sign_hash: Option<String>,
}

/// Arguments of `users`: a subcommand, or the options of `users list`,
/// which runs when none is given. No `Debug`: `add` takes a password.
#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct UsersArgs {
    #[command(subcommand)]
    pub command: Option<UsersCommand>,
    /// Options of `users list`, which runs when no subcommand is given.
    #[command(flatten)]
    pub list: UsersListArgs,
}

/// What `users` does.
#[derive(Subcommand)]
pub enum UsersCommand {
    /// List accounts as a JSON array (the default).
    List(UsersListArgs),
    /// Create an account of a given shape, with its wallet, and print it as
    /// one JSON line (never the password or a key). Works while a server
    /// runs on the same data directory.
    Add(UsersAddArgs),
    /// Lift an account's sign-in limit at once (after guessing blocked it),
    /// on a running server too; prints the account as one JSON line.
    Unblock(UsersUnblockArgs),
}

/// Arguments of `users unblock`.
#[derive(Debug, Clone, Args)]
pub struct UsersUnblockArgs {
    /// The account's email address (any spelling of it).
    #[arg(long)]
    pub email: String,
    /// Where the database lives (as given to `serve`).
    #[arg(long, default_value = ".data/local-passport")]
    pub data_dir: PathBuf,
}

/// Arguments of `users list`.
#[derive(Debug, Clone, Args)]
pub struct UsersListArgs {
    /// Where the database lives (as given to `serve`).
    #[arg(long, default_value = ".data/local-passport")]
    pub data_dir: PathBuf,
}

/// Arguments of `users add`. No `Debug`: it holds the password.
#[derive(Args)]
pub struct UsersAddArgs {
    /// The account's email address (the sign-up form's rules).
    #[arg(long)]
    pub email: String,
    /// Its password (the sign-up form's policy: 8+ characters, not a common one).
    #[arg(long)]
    pub password: String,
    /// The kind of Passport account, by the `passport` claim its tokens carry.
    #[arg(long, value_enum, default_value_t = crate::accounts::Shape::New)]
    pub shape: crate::accounts::Shape,
    /// Derive the wallet key from this string instead of the email.
    #[arg(long)]
    pub seed: Option<String>,
    /// Where the database lives (as given to `serve`).
    #[arg(long, default_value = ".data/local-passport")]
    pub data_dir: PathBuf,
}
