//! The wire contract of Immutable Passport, as the client speaks it and the
//! local Passport answers it: where things are, what the headers are called,
//! the values Immutable's SDK sends to Magic, and the claim types. One crate,
//! so that a change on one side cannot compile while the other drifts.

pub mod claims;
pub mod magic;
pub mod paths;
pub mod worker;

pub use claims::PassportClaim;

/// The API audience Immutable's SDK asks for (the IMX API's access tokens).
pub const API_AUDIENCE: &str = "platform_api";
