//! Magic's TEE Express: the values Immutable's SDK sends and the headers it
//! sends them in (`@imtbl/passport` 2.14, `packages/passport/sdk/src/config/config.ts`
//! and the generated TEE Express client).

/// The publishable API key Immutable's SDK sends for sandbox and production.
pub const PUBLISHABLE_API_KEY: &str = "pk_live_10F423798A540ED7";
/// The OIDC provider id Immutable's SDK sends.
pub const PROVIDER_ID: &str = "aa80b860-8869-4f13-9000-6a6ad3d20017";
/// The only chain the IMX wallet uses.
pub const CHAIN: &str = "ETH";

/// The publishable key's header, lower-cased as HTTP/2 and `http` spell it.
pub const API_KEY_HEADER: &str = "x-magic-api-key";
/// The OIDC provider id's header.
pub const PROVIDER_ID_HEADER: &str = "x-oidc-provider-id";
/// The chain's header.
pub const CHAIN_HEADER: &str = "x-magic-chain";
