//! Ethereum side: addresses and EIP-191 `personal_sign` signatures.

use core::fmt;
use core::str::FromStr;

use k256::ecdsa::{RecoveryId, Signature, SigningKey, VerifyingKey};
use sha3::{Digest, Keccak256};

use crate::hexutil::parse_fixed;
use crate::CryptoError;

/// A 20-byte Ethereum account address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EthAddress(pub [u8; 20]);

impl EthAddress {
    /// The raw 20 bytes.
    pub fn as_bytes(&self) -> &[u8; 20] {
        &self.0
    }
}

impl fmt::Display for EthAddress {
    /// Lowercase `0x` + 40 hex digits (no EIP-55 checksum casing), the form
    /// the IMX key derivation feeds into the account path.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{}", hex::encode(self.0))
    }
}

impl FromStr for EthAddress {
    type Err = CryptoError;

    /// Accepts `0x` + 40 hex digits in any case; the checksum casing is not
    /// verified because IMX only ever uses the lowercase form.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_fixed::<20>(s).map(EthAddress)
    }
}

/// Keccak-256 of `data`.
pub fn keccak256(data: &[u8]) -> [u8; 32] {
    Keccak256::digest(data).into()
}

/// The address of a secp256k1 public key: the last 20 bytes of the
/// Keccak-256 of the uncompressed point without its `0x04` tag.
pub fn address_of(key: &VerifyingKey) -> EthAddress {
    let point = key.to_encoded_point(false);
    let hash = keccak256(&point.as_bytes()[1..]);
    let mut out = [0u8; 20];
    out.copy_from_slice(&hash[12..]);
    EthAddress(out)
}

/// The EIP-191 (version `0x45`) digest that `personal_sign` signs:
/// `keccak256("\x19Ethereum Signed Message:\n" + decimal byte length + message)`.
pub fn eip191_hash(message: &[u8]) -> [u8; 32] {
    let mut hasher = Keccak256::new();
    hasher.update(b"\x19Ethereum Signed Message:\n");
    hasher.update(message.len().to_string().as_bytes());
    hasher.update(message);
    hasher.finalize().into()
}

/// A recoverable secp256k1 signature as `personal_sign` returns it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EthSignature {
    /// The `r` scalar, big-endian.
    pub r: [u8; 32],
    /// The `s` scalar, big-endian.
    pub s: [u8; 32],
    /// The recovery id: 0 or 1 (the parity of the nonce point's y).
    pub v: u8,
}

impl EthSignature {
    /// `0x` + r (64 hex) + s (64 hex) + v as `00` or `01`.
    pub fn to_hex(&self) -> String {
        format!("0x{}", hex::encode(self.to_bytes()))
    }

    /// The 65 bytes `r || s || v`, with v as 0 or 1.
    pub fn to_bytes(&self) -> [u8; 65] {
        let mut out = [0u8; 65];
        out[..32].copy_from_slice(&self.r);
        out[32..64].copy_from_slice(&self.s);
        out[64] = self.v;
        out
    }

    /// Reads `r || s || v`; v may be 0/1 or the legacy 27/28 that wallets
    /// such as ethers and MetaMask return, and is stored as 0/1.
    pub fn from_bytes(bytes: &[u8; 65]) -> Result<Self, CryptoError> {
        let v = match bytes[64] {
            0 | 27 => 0,
            1 | 28 => 1,
            other => return Err(CryptoError::BadRecoveryId(other)),
        };
        let mut r = [0u8; 32];
        let mut s = [0u8; 32];
        r.copy_from_slice(&bytes[..32]);
        s.copy_from_slice(&bytes[32..64]);
        Ok(EthSignature { r, s, v })
    }
}

impl fmt::Display for EthSignature {
    /// Same text as [`EthSignature::to_hex`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl FromStr for EthSignature {
    type Err = CryptoError;

    /// Accepts `0x` + 130 hex digits with v in `00`, `01`, `1b` or `1c`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bytes = parse_fixed::<65>(s)?;
        EthSignature::from_bytes(&bytes)
    }
}

/// Signs `message` the way `personal_sign` / ethers' `signMessage` do:
/// EIP-191 digest, deterministic RFC 6979 nonce, low-s normalised.
pub fn personal_sign(key: &SigningKey, message: &[u8]) -> EthSignature {
    let hash = eip191_hash(message);
    // k256 normalises s to the low half and flips the recovery id to match,
    // which is exactly what ethers (elliptic with `canonical: true`) does.
    // It can only fail for a prehash of the wrong size, and ours is 32 bytes.
    let (sig, recid) = key
        .sign_prehash_recoverable(&hash)
        .expect("signing a 32-byte prehash cannot fail");
    // An x-reduced nonce point (r >= n) happens with probability ~2^-128; the
    // 0/1 recovery byte of Ethereum cannot express it, as in every wallet.
    let (r, s) = sig.split_bytes();
    EthSignature {
        r: r.into(),
        s: s.into(),
        v: u8::from(recid.is_y_odd()),
    }
}

/// Recovers the address that produced `sig` over `message` with
/// [`personal_sign`] (what `ethers.verifyMessage` does).
pub fn recover_personal_sign(
    message: &[u8],
    sig: &EthSignature,
) -> Result<EthAddress, CryptoError> {
    let mut y_odd = match sig.v {
        0 | 27 => false,
        1 | 28 => true,
        other => return Err(CryptoError::BadRecoveryId(other)),
    };
    let mut signature =
        Signature::from_scalars(sig.r, sig.s).map_err(|_| CryptoError::InvalidSignature)?;
    // Like ecrecover, accept a high-s signature: (r, n - s) with the opposite
    // parity names the same key, and k256's recovery only takes low s.
    if let Some(low) = signature.normalize_s() {
        signature = low;
        y_odd = !y_odd;
    }
    let recid = RecoveryId::new(y_odd, false);
    let key = VerifyingKey::recover_from_prehash(&eip191_hash(message), &signature, recid)
        .map_err(|_| CryptoError::RecoveryFailed)?;
    Ok(address_of(&key))
}
