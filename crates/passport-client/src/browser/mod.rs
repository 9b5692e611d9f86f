//! Thin wrappers over the web APIs the protocol needs. Nothing here decides
//! anything; the decisions live in the protocol modules and the client.

pub mod config_file;
#[cfg(feature = "on-demand-engine")]
pub mod engine;
pub mod http;
pub mod jwks;
pub mod locks;
pub mod messaging;
pub mod once;
pub mod session_ports;
pub mod page;
pub mod popup;
pub mod stark_worker;
pub mod storage;
pub mod subscription;
pub mod tee;
pub mod time;
pub mod webcrypto;
