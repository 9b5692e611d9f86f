//! What the running server is told by its operator: token lifetimes, limits,
//! the wallet's accepted Magic values. Plain data, apart from the command
//! line that fills it (`cli::ServeOptions::settings`), so the state and tests
//! build it without clap.

/// The server's settings; see `local-passport serve --help` for each.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Access token lifetime, seconds.
    pub access_token_ttl: i64,
    /// ID token lifetime, seconds.
    pub id_token_ttl: i64,
    /// Refresh token lifetime, seconds.
    pub refresh_token_ttl: i64,
    /// Seconds a rotated refresh token may still be used without revoking
    /// its family.
    pub refresh_reuse_interval: i64,
    /// Authorization code lifetime, seconds.
    pub code_ttl: i64,
    /// Sign-in session (cookie) lifetime, seconds.
    pub session_ttl: i64,
    /// Seconds a client has to send a request's headers (and keep-alive idle time).
    pub header_read_timeout: u64,
    /// Seconds a request may take.
    pub request_timeout: u64,
    /// Open connections at most, both ports together.
    pub max_connections: Option<usize>,
    /// Seconds between purges of what can no longer be used.
    pub purge_interval: u64,
    /// Lifetime of a signable registration payload, seconds.
    pub payload_ttl: i64,
    /// The publishable API key the wallet service accepts.
    pub magic_api_key: String,
    /// The OIDC provider id the wallet service accepts.
    pub magic_provider_id: String,
    /// The ID-token audiences the wallet's provider registers (empty: the first client).
    pub magic_audience: Vec<String>,
    /// Sign-in form submissions per second from one IP, sustained.
    pub sign_in_rate: u32,
    /// Sign-in form submissions from one IP in a burst.
    pub sign_in_burst: u32,
    /// Sign-in attempts one account takes in a burst from unknown browsers.
    pub lockout_after: u32,
    /// Seconds in which an account's allowance of attempts comes back.
    pub lockout_seconds: u64,
    /// Password hashes at once at most (`None`: the number of CPUs).
    pub max_concurrent_hashes: Option<usize>,
    /// Send `Cross-Origin-Opener-Policy: same-origin` with the sign-in page.
    pub sign_in_coop: bool,
    /// The admin API's token (`None`: a random one at each start).
    pub admin_token: Option<String>,
}
