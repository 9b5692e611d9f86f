//! The Stark worker's messages, as plain objects posted between the page and
//! the worker: the field names and operations both sides read and write.
//!
//! - page → worker: `{id, op: "derive", signature, address}` or
//!   `{id, op: "sign", hash}`;
//! - worker → page: `{ready: true}` once loaded, then `{id, stark_key}`,
//!   `{id, signature}` or `{id, error}`.

/// The request's number, echoed in its reply.
pub const ID: &str = "id";
/// The operation asked.
pub const OP: &str = "op";
/// Operation: derive the Stark key from the wallet's signature.
pub const DERIVE: &str = "derive";
/// Operation: sign a payload hash with the derived key.
pub const SIGN: &str = "sign";
/// `derive`'s input: the wallet's signature of the seed message; also
/// `sign`'s answer: the Stark signature.
pub const SIGNATURE: &str = "signature";
/// `derive`'s input: the wallet address.
pub const ADDRESS: &str = "address";
/// `sign`'s input: the payload hash.
pub const HASH: &str = "hash";
/// `derive`'s answer: the Stark public key.
pub const STARK_KEY: &str = "stark_key";
/// A failed request's answer: why.
pub const ERROR: &str = "error";
/// Sent once, when the worker is ready for requests.
pub const READY: &str = "ready";
