//! Hex parsing shared by the public types.

use crate::CryptoError;

/// Returns the digits after a mandatory `0x` (or `0X`) prefix.
pub(crate) fn strip_0x(s: &str) -> Result<&str, CryptoError> {
    s.strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .ok_or(CryptoError::MissingHexPrefix)
}

/// Parses `0x` followed by exactly `2 * N` hex digits (either case).
pub(crate) fn parse_fixed<const N: usize>(s: &str) -> Result<[u8; N], CryptoError> {
    let digits = strip_0x(s)?;
    if digits.len() != 2 * N {
        return Err(CryptoError::BadLength {
            expected: 2 * N,
            actual: digits.len(),
        });
    }
    let mut out = [0u8; N];
    hex::decode_to_slice(digits, &mut out).map_err(|_| CryptoError::BadHex)?;
    Ok(out)
}

/// Parses a `0x`-prefixed number of 1 to 64 hex digits (odd counts allowed,
/// as JavaScript libraries print numbers without leading zeros) into 32
/// big-endian bytes.
pub(crate) fn parse_u256(s: &str) -> Result<[u8; 32], CryptoError> {
    let digits = strip_0x(s)?;
    if digits.is_empty() || digits.len() > 64 {
        return Err(CryptoError::BadLength {
            expected: 64,
            actual: digits.len(),
        });
    }
    let mut padded = [b'0'; 64];
    padded[64 - digits.len()..].copy_from_slice(digits.as_bytes());
    let mut out = [0u8; 32];
    hex::decode_to_slice(padded, &mut out).map_err(|_| CryptoError::BadHex)?;
    Ok(out)
}
