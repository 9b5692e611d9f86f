//! `local-passport keys`: the address and Stark key an Ethereum private key gets.

use std::str::FromStr;

use anyhow::Context;
use imx_crypto::{address_of, derive_stark_private_key, StarkHash};
use k256::ecdsa::SigningKey;

use crate::cli::KeysArgs;

/// Prints `{eth_address, stark_key[, stark_signature]}` as JSON.
pub fn run(args: KeysArgs) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(&keys_json(&args)?)?);
    Ok(())
}

/// The JSON the command prints.
pub fn keys_json(args: &KeysArgs) -> anyhow::Result<serde_json::Value> {
    let hex_key = args.eth_private_key.trim();
    let hex_key = hex_key
        .strip_prefix("0x")
        .context("--eth-private-key must start with 0x")?;
    let bytes = hex::decode(hex_key).context("--eth-private-key is not hex")?;
    anyhow::ensure!(
        bytes.len() == 32,
        "--eth-private-key must be 32 bytes (64 hex digits)"
    );
    let key =
        SigningKey::from_slice(&bytes).context("--eth-private-key is not a valid secp256k1 key")?;
    let stark = derive_stark_private_key(&key);
    let mut out = serde_json::json!({
        "eth_address": address_of(key.verifying_key()).to_string(),
        "stark_key": stark.public_key().to_string(),
    });
    if let Some(hash) = &args.sign_hash {
        let hash = StarkHash::from_str(hash).map_err(|e| anyhow::anyhow!("--sign-hash: {e}"))?;
        out["hash"] = hash.to_string().into();
        out["stark_signature"] = stark.sign(&hash).to_hex().into();
    }
    Ok(out)
}
