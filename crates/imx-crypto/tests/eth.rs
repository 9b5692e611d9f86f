//! Ethereum side against published vectors, plus round trips and rejections.

use imx_crypto::{
    address_of, eip191_hash, personal_sign, recover_personal_sign, CryptoError, EthAddress,
    EthSignature,
};
use k256::ecdsa::SigningKey;

/// Hardhat / Anvil default account #0, as published in wevm/viem
/// src/_test/constants.ts (accounts[0]).
const ACCOUNT0_KEY: &str = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const ACCOUNT0_ADDRESS: &str = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266";

fn account0() -> SigningKey {
    SigningKey::from_slice(&hex::decode(ACCOUNT0_KEY).unwrap()).unwrap()
}

#[test]
fn address_of_hardhat_account0() {
    // wevm/viem src/_test/constants.ts
    let address = address_of(account0().verifying_key());
    assert_eq!(address.to_string(), ACCOUNT0_ADDRESS);
}

#[test]
fn address_parsing_accepts_any_case_and_prints_lowercase() {
    // The same address in its EIP-55 checksum casing, and all upper case.
    let mixed: EthAddress = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
        .parse()
        .unwrap();
    assert_eq!(mixed.to_string(), ACCOUNT0_ADDRESS);
    let upper: EthAddress = "0XF39FD6E51AAD88F6F4CE6AB8827279CFFFB92266"
        .parse()
        .unwrap();
    assert_eq!(upper, mixed);
}

#[test]
fn address_parsing_rejects_bad_input() {
    assert_eq!(
        "f39fd6e51aad88f6f4ce6ab8827279cfffb92266".parse::<EthAddress>(),
        Err(CryptoError::MissingHexPrefix)
    );
    assert_eq!(
        "0xf39fd6e51aad88f6f4ce6ab8827279cfffb922".parse::<EthAddress>(),
        Err(CryptoError::BadLength {
            expected: 40,
            actual: 38
        })
    );
    assert_eq!(
        "0xf39fd6e51aad88f6f4ce6ab8827279cfffb9226g".parse::<EthAddress>(),
        Err(CryptoError::BadHex)
    );
}

#[test]
fn eip191_hash_vectors() {
    // wevm/viem src/utils/signature/hashMessage.test.ts
    assert_eq!(
        hex::encode(eip191_hash(b"hello world")),
        "d9eba16ed0ecae432b71fe008c98cc872bb4cc214d3220a36f365326cf807d68"
    );
    // The length prefix counts UTF-8 bytes (4 here), not characters.
    assert_eq!(
        hex::encode(eip191_hash("🤗".as_bytes())),
        "716ce69c5d2d629c168bc02e24a961456bdc5a362d366119305aea73978a0332"
    );
}

#[test]
fn personal_sign_vectors() {
    // wevm/viem src/accounts/utils/signMessage.test.ts (v printed as 1b there;
    // this crate prints the recovery id 0/1).
    let cases = [
        (
            "hello world",
            "0xa461f509887bd19e312c0c58467ce8ff8e300d3c1a90b608a760c5b80318eaf15fe57c96f9175d6cd4daad4663763baa7e78836e067d0163e9a2ccf2ff753f5b1b",
        ),
        (
            "🥵",
            "0x05c99bbbe9fac3ad61721a815d19d6771ad39f3e8dffa7ae7561358f20431d8e7f9e1d487c77355790c79c6eb0b0d63690f690615ef99ee3e4f25eef0317d0701b",
        ),
    ];
    let key = account0();
    for (message, published) in cases {
        let sig = personal_sign(&key, message.as_bytes());
        let parsed: EthSignature = published.parse().unwrap();
        assert_eq!(sig, parsed, "{message}");
        assert_eq!(sig.v, 0);
        // Same text except the last byte: 1b (27) there, 00 here.
        assert_eq!(sig.to_hex()[..130], published[..130]);
        assert!(sig.to_hex().ends_with("00"));
        assert_eq!(
            recover_personal_sign(message.as_bytes(), &parsed)
                .unwrap()
                .to_string(),
            ACCOUNT0_ADDRESS
        );
    }
}

#[test]
fn sign_then_recover_round_trip() {
    for seed in 1u8..=8 {
        let key = SigningKey::from_slice(&[seed; 32]).unwrap();
        let expected = address_of(key.verifying_key());
        for message in [
            &b""[..],
            b"x",
            b"Only sign this request",
            &[0u8, 255, 10, 13],
        ] {
            let sig = personal_sign(&key, message);
            assert!(sig.v <= 1);
            assert_eq!(recover_personal_sign(message, &sig), Ok(expected));
            // Low s, as ethers produces: s <= n/2 means its top bit is clear.
            assert!(sig.s[0] < 0x80);
            // Deterministic (RFC 6979).
            assert_eq!(personal_sign(&key, message), sig);
        }
    }
}

#[test]
fn signature_text_round_trip_and_legacy_v() {
    let sig = personal_sign(&account0(), b"round trip");
    let text = sig.to_hex();
    assert_eq!(text.len(), 132);
    assert_eq!(text.parse::<EthSignature>(), Ok(sig));
    assert_eq!(sig.to_string(), text);

    let mut bytes = sig.to_bytes();
    for (byte, v) in [(0u8, 0u8), (1, 1), (0x1b, 0), (0x1c, 1)] {
        bytes[64] = byte;
        let parsed = EthSignature::from_bytes(&bytes).unwrap();
        assert_eq!(parsed.v, v);
        let upper = format!("0x{}", hex::encode_upper(bytes));
        assert_eq!(upper.parse::<EthSignature>(), Ok(parsed));
    }
    for bad in [2u8, 26, 29, 0x25, 0xff] {
        bytes[64] = bad;
        assert_eq!(
            EthSignature::from_bytes(&bytes),
            Err(CryptoError::BadRecoveryId(bad))
        );
        let text = format!("0x{}", hex::encode(bytes));
        assert_eq!(
            text.parse::<EthSignature>(),
            Err(CryptoError::BadRecoveryId(bad))
        );
    }
    assert!(matches!(
        text[..130].parse::<EthSignature>(),
        Err(CryptoError::BadLength { expected: 130, .. })
    ));
    assert_eq!(
        text[2..].parse::<EthSignature>(),
        Err(CryptoError::MissingHexPrefix)
    );
}

#[test]
fn tampered_signatures_do_not_recover_the_signer() {
    let key = account0();
    let signer = address_of(key.verifying_key());
    let message = b"transfer 1 IMX";
    let sig = personal_sign(&key, message);

    // Different message.
    assert_ne!(
        recover_personal_sign(b"transfer 2 IMX", &sig).ok(),
        Some(signer)
    );
    // Flipped recovery id.
    let flipped = EthSignature {
        v: sig.v ^ 1,
        ..sig
    };
    assert_ne!(recover_personal_sign(message, &flipped).ok(), Some(signer));
    // Altered r and s.
    let mut r = sig;
    r.r[31] ^= 1;
    assert_ne!(recover_personal_sign(message, &r).ok(), Some(signer));
    let mut s = sig;
    s.s[31] ^= 1;
    assert_ne!(recover_personal_sign(message, &s).ok(), Some(signer));
    // Out-of-range scalars and v are errors, not wrong addresses.
    let zero = EthSignature { r: [0; 32], ..sig };
    assert_eq!(
        recover_personal_sign(message, &zero),
        Err(CryptoError::InvalidSignature)
    );
    let big = EthSignature {
        s: [0xff; 32],
        ..sig
    };
    assert_eq!(
        recover_personal_sign(message, &big),
        Err(CryptoError::InvalidSignature)
    );
    let bad_v = EthSignature { v: 5, ..sig };
    assert_eq!(
        recover_personal_sign(message, &bad_v),
        Err(CryptoError::BadRecoveryId(5))
    );
}

#[test]
fn high_s_signature_still_recovers_like_ecrecover() {
    // secp256k1 order n; (r, n - s, v ^ 1) is the same signature.
    let n =
        hex::decode("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141").unwrap();
    let key = account0();
    let sig = personal_sign(&key, b"hello world");
    let mut high_s = [0u8; 32];
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let d = i16::from(n[i]) - i16::from(sig.s[i]) - borrow;
        high_s[i] = d.rem_euclid(256) as u8;
        borrow = i16::from(d < 0);
    }
    let high = EthSignature {
        r: sig.r,
        s: high_s,
        v: sig.v ^ 1,
    };
    assert_eq!(
        recover_personal_sign(b"hello world", &high),
        Ok(address_of(key.verifying_key()))
    );
}
