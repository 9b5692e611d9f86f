//! Stark side: the IMX legacy Stark key derivation from an Ethereum key, and
//! ECDSA signing on the Stark curve.

use core::fmt;
use core::str::FromStr;

use bip32::{ChildNumber, XPrv};
use k256::ecdsa::SigningKey;
use k256::elliptic_curve::bigint::{Encoding, NonZero, U256};
use sha2::{Digest, Sha256};
use starknet_crypto::{Felt, SignError};

use crate::eth::{address_of, personal_sign, EthAddress};
use crate::hexutil::{parse_fixed, parse_u256};
use crate::CryptoError;

/// The text the Ethereum key signs (EIP-191) to seed the IMX Stark key.
/// The apostrophe is U+2019, as in the Immutable SDKs.
pub const STARK_DERIVATION_MESSAGE: &str =
    "Only sign this request if you\u{2019}ve initiated an action with Immutable X.";

/// Order n of the Stark curve's generator.
const STARK_ORDER: U256 =
    U256::from_be_hex("0800000000000010ffffffffffffffffb781126dcae7b2321e66a241adc64d2f");

/// Prime p of the Stark field; a public key is an x-coordinate below it.
const STARK_PRIME: U256 =
    U256::from_be_hex("0800000000000011000000000000000000000000000000000000000000000001");

/// 2^251, the exclusive bound StarkEx puts on message hashes and on r and s.
const TWO_POW_251: U256 =
    U256::from_be_hex("0800000000000000000000000000000000000000000000000000000000000000");

/// BIP32 purpose of the StarkEx key path (EIP-2645).
const EIP2645_PURPOSE: u32 = 2645;
/// StarkEx "layer" name hashed into the path.
const LAYER: &str = "starkex";
/// IMX "application" name hashed into the path.
const APPLICATION: &str = "immutablex";
/// Last, non-hardened path index the IMX SDKs use.
const IMX_ACCOUNT_INDEX: u32 = 1;

fn is_below(bytes: &[u8; 32], bound: &U256) -> bool {
    U256::from_be_bytes(*bytes) < *bound
}

/// A Stark private key: a scalar in `[1, n)`. Its value never appears in
/// `Debug` output; use [`StarkPrivateKey::to_hex_secret`] deliberately.
#[derive(Clone)]
pub struct StarkPrivateKey {
    bytes: [u8; 32],
}

impl fmt::Debug for StarkPrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StarkPrivateKey([redacted])")
    }
}

impl Drop for StarkPrivateKey {
    fn drop(&mut self) {
        // Best-effort wipe of the secret; black_box keeps the store from
        // being optimised away as a write to memory about to be freed.
        self.bytes = [0u8; 32];
        core::hint::black_box(&mut self.bytes);
    }
}

impl StarkPrivateKey {
    /// Builds a key from 32 big-endian bytes; rejects 0 and values >= n.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, CryptoError> {
        if bytes.iter().all(|b| *b == 0) || !is_below(bytes, &STARK_ORDER) {
            return Err(CryptoError::OutOfRange("Stark private key"));
        }
        Ok(StarkPrivateKey { bytes: *bytes })
    }

    /// Parses a `0x`-prefixed hex secret (1 to 64 digits).
    pub fn from_hex_secret(s: &str) -> Result<Self, CryptoError> {
        Self::from_bytes(&parse_u256(s)?)
    }

    /// The secret as `0x` + 64 lowercase hex digits. Handle with care.
    pub fn to_hex_secret(&self) -> String {
        format!("0x{}", hex::encode(self.bytes))
    }

    fn felt(&self) -> Felt {
        // Below n < p, so no reduction happens.
        Felt::from_bytes_be(&self.bytes)
    }

    /// The public Stark key: the x-coordinate of `private * G`.
    pub fn public_key(&self) -> StarkKey {
        StarkKey(starknet_crypto::get_public_key(&self.felt()).to_bytes_be())
    }

    /// Deterministic ECDSA signature of `hash`: k from RFC 6979 (HMAC-SHA256)
    /// as starkware's crypto-utils and the IMX SDKs compute it.
    pub fn sign(&self, hash: &StarkHash) -> StarkSignature {
        let private = self.felt();
        let message = Felt::from_bytes_be(&hash.0);
        // A k whose r or s falls outside [1, 2^251) is astronomically rare;
        // retrying with an extra RFC 6979 seed follows cairo-lang/starknet-rs.
        let mut seed: Option<Felt> = None;
        loop {
            let k = starknet_crypto::rfc6979_generate_k(&message, &private, seed.as_ref());
            match starknet_crypto::sign(&private, &message, &k) {
                Ok(sig) => {
                    return StarkSignature {
                        r: sig.r.to_bytes_be(),
                        s: sig.s.to_bytes_be(),
                    }
                }
                Err(SignError::InvalidK) => {
                    seed = Some(seed.map_or(Felt::ONE, |prev| prev + Felt::ONE));
                }
                Err(SignError::InvalidMessageHash) => {
                    unreachable!("StarkHash is always below 2^251")
                }
            }
        }
    }
}

/// A public Stark key ("stark_key"): an x-coordinate on the Stark curve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StarkKey([u8; 32]);

impl StarkKey {
    /// The key as 32 big-endian bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Display for StarkKey {
    /// `0x` + 64 lowercase hex digits, zero-padded.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{}", hex::encode(self.0))
    }
}

impl FromStr for StarkKey {
    type Err = CryptoError;

    /// Accepts `0x` + 1 to 64 hex digits below the field prime. Whether the
    /// value is the x of a curve point is left to [`verify`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bytes = parse_u256(s)?;
        if !is_below(&bytes, &STARK_PRIME) {
            return Err(CryptoError::OutOfRange("Stark key"));
        }
        Ok(StarkKey(bytes))
    }
}

/// A message hash to sign: a field element below 2^251.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StarkHash([u8; 32]);

impl StarkHash {
    /// Builds a hash from 32 big-endian bytes; rejects values >= 2^251.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, CryptoError> {
        if !is_below(bytes, &TWO_POW_251) {
            return Err(CryptoError::OutOfRange("Stark message hash"));
        }
        Ok(StarkHash(*bytes))
    }

    /// The hash as 32 big-endian bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Display for StarkHash {
    /// `0x` + 64 lowercase hex digits, zero-padded.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{}", hex::encode(self.0))
    }
}

impl FromStr for StarkHash {
    type Err = CryptoError;

    /// Accepts `0x` + 1 to 64 hex digits with a value below 2^251.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        StarkHash::from_bytes(&parse_u256(s)?)
    }
}

/// A Stark ECDSA signature; r and s are big-endian and below 2^251.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StarkSignature {
    /// The `r` value.
    pub r: [u8; 32],
    /// The `s` value.
    pub s: [u8; 32],
}

impl StarkSignature {
    /// `0x` + r (64 hex) + s (64 hex), the form the IMX API takes.
    pub fn to_hex(&self) -> String {
        format!("0x{}{}", hex::encode(self.r), hex::encode(self.s))
    }
}

impl fmt::Display for StarkSignature {
    /// Same text as [`StarkSignature::to_hex`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl FromStr for StarkSignature {
    type Err = CryptoError;

    /// Accepts `0x` + 128 hex digits; r and s must be below 2^251.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bytes = parse_fixed::<64>(s)?;
        let mut r = [0u8; 32];
        let mut s = [0u8; 32];
        r.copy_from_slice(&bytes[..32]);
        s.copy_from_slice(&bytes[32..]);
        if !is_below(&r, &TWO_POW_251) || !is_below(&s, &TWO_POW_251) {
            return Err(CryptoError::OutOfRange("Stark signature component"));
        }
        Ok(StarkSignature { r, s })
    }
}

/// Checks `sig` over `hash` against `key`; false for any malformed input
/// (zero r or s, or a key that is not the x of a curve point).
pub fn verify(key: &StarkKey, hash: &StarkHash, sig: &StarkSignature) -> bool {
    starknet_crypto::verify(
        &Felt::from_bytes_be(&key.0),
        &Felt::from_bytes_be(&hash.0),
        &Felt::from_bytes_be(&sig.r),
        &Felt::from_bytes_be(&sig.s),
    )
    .unwrap_or(false)
}

/// The low 31 bits of the SHA-256 of `name`, as the path's layer and
/// application components are computed.
fn name_index(name: &str) -> u32 {
    let hash = Sha256::digest(name.as_bytes());
    low_31_bits(&hash)
}

/// The low 31 bits of a big-endian number.
fn low_31_bits(bytes: &[u8]) -> u32 {
    let tail: [u8; 4] = bytes[bytes.len() - 4..].try_into().expect("4 bytes");
    u32::from_be_bytes(tail) & 0x7fff_ffff
}

/// The six (index, hardened) steps of
/// `m/2645'/layer'/application'/eth1'/eth2'/index`.
fn path_components(
    layer: &str,
    application: &str,
    eth_address: &EthAddress,
    index: u32,
) -> [(u32, bool); 6] {
    let addr = eth_address.as_bytes();
    let low64 = u64::from_be_bytes(addr[12..].try_into().expect("8 bytes"));
    // eth1: address bits 0..=30; eth2: bits 31..=61 (counted from the LSB).
    let eth1 = (low64 & 0x7fff_ffff) as u32;
    let eth2 = ((low64 >> 31) & 0x7fff_ffff) as u32;
    [
        (EIP2645_PURPOSE, true),
        (name_index(layer), true),
        (name_index(application), true),
        (eth1, true),
        (eth2, true),
        (index, false),
    ]
}

fn format_path(components: &[(u32, bool); 6]) -> String {
    let mut path = String::from("m");
    for (index, hardened) in components {
        path.push('/');
        path.push_str(&index.to_string());
        if *hardened {
            path.push('\'');
        }
    }
    path
}

/// The BIP32 path of the IMX Stark key of `eth_address`:
/// `m/2645'/<sha256("starkex")>'/<sha256("immutablex")>'/<eth1>'/<eth2>'/1`.
pub fn account_path(eth_address: &EthAddress) -> String {
    format_path(&path_components(
        LAYER,
        APPLICATION,
        eth_address,
        IMX_ACCOUNT_INDEX,
    ))
}

/// BIP32 private key at `components` below the master key of `seed`.
fn bip32_child(seed: &[u8], components: &[(u32, bool); 6]) -> [u8; 32] {
    // The seed is 16, 32 or 64 bytes here, and an invalid derived scalar
    // (zero or >= the secp256k1 order) has probability ~2^-127 per step, so
    // these expects cannot fire in practice.
    let mut key = XPrv::new(seed).expect("BIP32 master key from seed");
    for (index, hardened) in components {
        let child = ChildNumber::new(*index, *hardened).expect("31-bit index");
        key = key.derive_child(child).expect("BIP32 child derivation");
    }
    key.to_bytes()
}

/// sha256(data || index), index as its minimal big-endian bytes (one byte
/// below 256), as the JS SDKs render it as an even-length hex string.
fn hash_with_index(data: &[u8; 32], index: u32) -> [u8; 32] {
    let be = index.to_be_bytes();
    let skip = be.iter().take(3).take_while(|b| **b == 0).count();
    let mut hasher = Sha256::new();
    hasher.update(data);
    hasher.update(&be[skip..]);
    hasher.finalize().into()
}

/// The largest multiple of n not above 2^256; digests at or above it would
/// bias `digest mod n`, so grinding rejects them.
fn grind_limit() -> U256 {
    let n = NonZero::new(STARK_ORDER).expect("order is not zero");
    // 2^256 - (2^256 mod n) == (2^256 - 1) - ((2^256 - 1) mod n), because
    // (2^256 - 1) mod n is not n - 1 for this n (checked in the tests).
    U256::MAX.wrapping_sub(&U256::MAX.rem(&n))
}

/// How grinding re-hashes after rejecting a digest (one that would bias the
/// key). All four agree whenever the first digest, sha256(child || 0x00), is
/// accepted (about 97% of keys); they differ for the rest, and the Immutable
/// SDKs have shipped three of them (see the crate's tests for the published
/// keys each one reproduces).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Grinding {
    /// @imtbl/core-sdk and @imtbl/sdk (x-client) default: sha256(child || 0),
    /// then sha256(previous digest || i) for i = 1, 2, ... This is what those
    /// SDKs compute for any account IMX does not know yet.
    #[default]
    ImxCoreSdk,
    /// @imtbl/core-sdk 2.0.1: sha256(child || 0), then
    /// sha256(previous digest || i) for i = 0, 1, ...
    ImxCoreSdkV201,
    /// imx-sdk-js (Link) and the Swift SDK: sha256(child || 0), then
    /// sha256(previous digest || 0) again and again (its counter never moved).
    ImxSdkJs,
    /// starkware crypto-utils reference: sha256(child || i) for i = 0, 1, ...
    Starkware,
}

/// Step 4 of the derivation: grinds a 32-byte BIP32 child key into a Stark
/// private key, sha256(key || index) until a digest falls below the largest
/// multiple of n under 2^256, then that digest mod n.
pub fn grind_key(child_key: &[u8; 32], grinding: Grinding) -> StarkPrivateKey {
    let limit = grind_limit();
    let n = NonZero::new(STARK_ORDER).expect("order is not zero");
    let mut digest = hash_with_index(child_key, 0);
    let mut attempt: u32 = 0;
    loop {
        let value = U256::from_be_bytes(digest);
        if value < limit {
            let key = value.rem(&n);
            // Zero has probability ~2^-251; skipping it keeps the key valid.
            if key != U256::ZERO {
                return StarkPrivateKey {
                    bytes: key.to_be_bytes(),
                };
            }
        }
        attempt += 1;
        digest = match grinding {
            Grinding::ImxCoreSdk => hash_with_index(&digest, attempt),
            Grinding::ImxCoreSdkV201 => hash_with_index(&digest, attempt - 1),
            Grinding::ImxSdkJs => hash_with_index(&digest, 0),
            Grinding::Starkware => hash_with_index(child_key, attempt),
        };
    }
}

fn private_key_from_bip32_seed(
    seed: &[u8],
    components: &[(u32, bool); 6],
    grinding: Grinding,
) -> StarkPrivateKey {
    let mut child = bip32_child(seed, components);
    let key = grind_key(&child, grinding);
    child.fill(0);
    key
}

/// Steps 3 and 4 of the derivation: BIP32 from the signature's `s` along
/// [`account_path`], then grinding with [`Grinding::ImxCoreSdk`].
pub fn stark_private_key_from_seed(seed_s: &[u8; 32], eth_address: &EthAddress) -> StarkPrivateKey {
    stark_private_key_from_seed_with(seed_s, eth_address, Grinding::default())
}

/// [`stark_private_key_from_seed`] with a chosen grinding variant, to
/// recover keys that older Immutable SDKs registered.
pub fn stark_private_key_from_seed_with(
    seed_s: &[u8; 32],
    eth_address: &EthAddress,
    grinding: Grinding,
) -> StarkPrivateKey {
    let components = path_components(LAYER, APPLICATION, eth_address, IMX_ACCOUNT_INDEX);
    private_key_from_bip32_seed(seed_s, &components, grinding)
}

/// The IMX legacy Stark private key of an Ethereum key: it signs
/// [`STARK_DERIVATION_MESSAGE`] with `personal_sign`, and the signature's
/// `s` seeds [`stark_private_key_from_seed`] for the key's own address.
pub fn derive_stark_private_key(eth_key: &SigningKey) -> StarkPrivateKey {
    derive_stark_private_key_with(eth_key, Grinding::default())
}

/// [`derive_stark_private_key`] with a chosen grinding variant.
pub fn derive_stark_private_key_with(eth_key: &SigningKey, grinding: Grinding) -> StarkPrivateKey {
    let sig = personal_sign(eth_key, STARK_DERIVATION_MESSAGE.as_bytes());
    stark_private_key_from_seed_with(&sig.s, &address_of(eth_key.verifying_key()), grinding)
}

#[cfg(test)]
mod tests {
    use super::*;
    use k256::elliptic_curve::bigint::CheckedMul;

    fn bytes32(hex_digits: &str) -> [u8; 32] {
        parse_u256(&format!("0x{hex_digits}")).unwrap()
    }

    #[test]
    fn grind_limit_is_31_times_the_order() {
        // 2^256 / n is just under 32 for the Stark order, so the unbiased
        // range is [0, 31n); also confirms the shortcut in grind_limit().
        let n = NonZero::new(STARK_ORDER).unwrap();
        assert_ne!(U256::MAX.rem(&n), STARK_ORDER.wrapping_sub(&U256::ONE));
        assert_eq!(grind_limit(), STARK_ORDER.wrapping_mul(&U256::from_u8(31)));
        let overflow: bool = STARK_ORDER.checked_mul(&U256::from_u8(32)).is_none().into();
        assert!(overflow);
    }

    #[test]
    fn index_is_hashed_as_minimal_even_length_bytes() {
        let key = [7u8; 32];
        let digest = |tail: &[u8]| -> [u8; 32] {
            let mut h = Sha256::new();
            h.update(key);
            h.update(tail);
            h.finalize().into()
        };
        assert_eq!(hash_with_index(&key, 0), digest(&[0]));
        assert_eq!(hash_with_index(&key, 255), digest(&[0xff]));
        assert_eq!(hash_with_index(&key, 256), digest(&[0x01, 0x00]));
        assert_eq!(
            hash_with_index(&key, 0x01_0000),
            digest(&[0x01, 0x00, 0x00])
        );
    }

    #[test]
    fn path_name_indices_match_published_path() {
        // m/2645'/579218131'/211006541'/... published in
        // immutable/imx-core-sdk-swift Tests/ImmutableXCoreTests/Crypto/Stark/StarkKeyTests.swift
        assert_eq!(name_index("starkex"), 579_218_131);
        assert_eq!(name_index("immutablex"), 211_006_541);
    }

    #[test]
    fn starkware_mnemonic_derivation_vectors() {
        // Published in starkware-libs/starkware-crypto-utils
        // test/js/key_derivation.spec.ts ("should derive key from mnemonic and
        // eth-address correctly"): layer "starkex", application
        // "starkdeployement", BIP39 seed of the mnemonic, indices 0, 7, 598.
        let mnemonic = "range mountain blast problem vibrant void vivid doctor cluster enough melody \
                        salt layer language laptop boat major space monkey unit glimpse pause change vibrant";
        let seed = bip32::Mnemonic::new(mnemonic, bip32::Language::English)
            .unwrap()
            .to_seed("");
        let address: EthAddress = "0xa4864d977b944315389d1765ffa7e66F74ee8cd7"
            .parse()
            .unwrap();
        let cases = [
            (
                0,
                "06cf0a8bf113352eb863157a45c5e5567abb34f8d32cddafd2c22aa803f4892c",
            ),
            (
                7,
                "0341751bdc42841da35ab74d13a1372c1f0250617e8a2ef96034d9f46e6847af",
            ),
            (
                598,
                "041a4d591a868353d28b7947eb132aa4d00c4a022743689ffd20a3628d6ca28c",
            ),
        ];
        for (index, want) in cases {
            let components = path_components("starkex", "starkdeployement", &address, index);
            let key =
                private_key_from_bip32_seed(seed.as_bytes(), &components, Grinding::Starkware);
            assert_eq!(key.to_hex_secret(), format!("0x{want}"), "index {index}");
        }
    }

    #[test]
    fn grinding_vectors() {
        // "86F3E7...0519" -> "5c8c86...f941": starkware-libs/starkware-crypto-utils
        // test/js/key_derivation.spec.ts and immutable/imx-core-sdk
        // src/utils/stark/starkCurve.test.ts. Its first digest is accepted, so
        // every variant gives it.
        let seed = bytes32("86F3E7293141F20A8BAFF320E8EE4ACCB9D4A4BF2B4D295E8CEE784DB46E0519");
        for g in [
            Grinding::ImxCoreSdk,
            Grinding::ImxCoreSdkV201,
            Grinding::ImxSdkJs,
            Grinding::Starkware,
        ] {
            assert_eq!(
                grind_key(&seed, g).to_hex_secret(),
                "0x05c8c8683596c732541a59e03007b2d30dbbbb873556fe65b5fb63c16688f941"
            );
        }
        // A key with a leading zero byte is hashed as all 32 bytes:
        // immutable/imx-core-sdk src/utils/stark/starkCurve.test.ts
        // ("when the key starts with zero").
        let seed = bytes32("086F3E7293141F20A8BAFF320E8EE4ACCB9D4A4BF2B4D295E8CEE784DB46E051");
        assert_eq!(
            grind_key(&seed, Grinding::default()).to_hex_secret(),
            "0x02b2c6db790a95ce05426c3d67247547f1a72d104fd5af24553d42b7557ab082"
        );
        // First digest rejected: immutable/imx-core-sdk
        // src/utils/stark/starkCurve.test.ts ("above the key limit", run with
        // the imx-sdk-js grindKey). The re-hash variants disagree here.
        let seed = bytes32("a978531943ad2e2a8af34e0e2a7d306dc99516d489be16e4ea2ee74c90a9d88f");
        let want = "0x01e8108d99e74b769d6b998a5a41ff2745f0607496f2eed39abfd161837408e7";
        assert_eq!(grind_key(&seed, Grinding::ImxSdkJs).to_hex_secret(), want);
        assert_ne!(grind_key(&seed, Grinding::ImxCoreSdk).to_hex_secret(), want);
        assert_ne!(grind_key(&seed, Grinding::Starkware).to_hex_secret(), want);
        // starkware's getPrivateKeyFromEthSignature grinds the signature's r:
        // starkware-libs/starkware-crypto-utils test/js/key_derivation.spec.ts
        // (also immutable/imx-core-sdk-swift StarkKeyTests.swift).
        let r = bytes32("21fbf0696d5e0aa2ef41a2b4ffb623bcaf070461d61cf7251c74161f82fec3a4");
        assert_eq!(
            grind_key(&r, Grinding::Starkware).to_hex_secret(),
            "0x0766f11e90cd7c7b43085b56da35c781f8c067ac0d578eabdceebc4886435bda"
        );
    }
}
