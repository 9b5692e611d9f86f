//! Paths of the three services, below the authority, the IMX API's base and
//! the TEE Express origin.

/// OIDC discovery document.
pub const DISCOVERY: &str = "/.well-known/openid-configuration";
/// The provider's JSON Web Key Set.
pub const JWKS: &str = "/.well-known/jwks.json";
/// The authorization endpoint.
pub const AUTHORIZE: &str = "/authorize";
/// The token endpoint.
pub const TOKEN: &str = "/oauth/token";
/// The revocation endpoint.
pub const REVOKE: &str = "/oauth/revoke";
/// The end-session endpoint.
pub const LOGOUT: &str = "/v2/logout";
/// The profile of an access token's subject.
pub const USERINFO: &str = "/userinfo";

/// IMX API: a signable off-chain registration for a key pair.
pub const IMX_SIGNABLE_REGISTRATION: &str = "/v1/signable-registration-offchain";
/// IMX API: registers the signed-in user's keys.
pub const IMX_REGISTER_USER: &str = "/v2/passport/users";
/// IMX API: the accounts of an Ethereum address (followed by the address).
pub const IMX_USERS: &str = "/v1/users/";

/// TEE Express: the user's wallet, created on first use.
pub const TEE_WALLET: &str = "/v1/wallet";
/// TEE Express: a personal signature of a message.
pub const TEE_SIGN_MESSAGE: &str = "/v1/wallet/sign/message";
