//! Thin wrappers over the web APIs the protocol needs. Nothing here decides
//! anything; the decisions live in the protocol modules.

pub mod config_file;
pub mod page;
