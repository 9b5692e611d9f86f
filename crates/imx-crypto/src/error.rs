//! The one error type of this crate.

use thiserror::Error;

/// Everything that can go wrong when parsing keys, hashes and signatures or
/// recovering a signer.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CryptoError {
    /// The text does not start with `0x`.
    #[error("missing 0x prefix")]
    MissingHexPrefix,
    /// The text contains a character that is not a hexadecimal digit.
    #[error("invalid hex digit")]
    BadHex,
    /// The text has the wrong number of hex digits (`expected` is the exact
    /// count, or the maximum for numbers that may be written short).
    #[error("wrong length: expected {expected} hex digits, got {actual}")]
    BadLength {
        /// Hex digits wanted (exact, or the maximum).
        expected: usize,
        /// Hex digits given.
        actual: usize,
    },
    /// The recovery byte `v` of an Ethereum signature is not 0, 1, 27 or 28.
    #[error("invalid recovery id {0}")]
    BadRecoveryId(u8),
    /// `r` or `s` of an Ethereum signature is zero or not below the curve order.
    #[error("invalid signature scalars")]
    InvalidSignature,
    /// No public key could be recovered from the signature.
    #[error("public key recovery failed")]
    RecoveryFailed,
    /// A number is outside the range its type allows (named in the message).
    #[error("{0} is out of range")]
    OutOfRange(&'static str),
}
