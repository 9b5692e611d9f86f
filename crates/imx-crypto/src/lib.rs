//! Ethereum `personal_sign` (EIP-191) and the Immutable X legacy Stark key:
//! its derivation from an Ethereum key, and signing and verifying with it.

#![warn(missing_docs)]

pub mod error;
pub mod eth;
mod hexutil;
pub mod stark;

pub use error::CryptoError;
pub use eth::{
    address_of, eip191_hash, keccak256, personal_sign, recover_personal_sign, EthAddress,
    EthSignature,
};
pub use stark::{
    account_path, derive_stark_private_key, derive_stark_private_key_with, grind_key,
    stark_private_key_from_seed, stark_private_key_from_seed_with, verify, Grinding, StarkHash,
    StarkKey, StarkPrivateKey, StarkSignature, STARK_DERIVATION_MESSAGE,
};
