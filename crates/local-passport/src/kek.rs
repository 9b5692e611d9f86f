//! The key-encryption key that seals the wallet keys and the token-signing key at rest.
//!
//! It lives in its own file beside (not inside) the database, so a copy of the
//! database alone gives away no wallet key and cannot sign a token.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};

const NONCE_LEN: usize = 12;

/// Seals and opens secrets with ChaCha20-Poly1305, bound to the owner's id.
pub struct Kek {
    cipher: ChaCha20Poly1305,
}

impl Kek {
    /// Loads `kek.key` from `data_dir`, creating it (mode 0600) on first start.
    pub fn load_or_create(data_dir: &Path) -> anyhow::Result<Self> {
        let path = data_dir.join("kek.key");
        let key = if path.exists() {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            let bytes = hex::decode(text.trim()).context("kek.key is not hex")?;
            anyhow::ensure!(bytes.len() == 32, "kek.key must hold 32 bytes");
            bytes
        } else {
            let key = ChaCha20Poly1305::generate_key(&mut OsRng).to_vec();
            let mut file = crate::db::open_private(&path, true)?;
            file.write_all(hex::encode(&key).as_bytes())?;
            file.sync_all()?;
            key
        };
        Ok(Self {
            cipher: ChaCha20Poly1305::new(Key::from_slice(&key)),
        })
    }

    /// Encrypts `secret` for `owner`: nonce followed by ciphertext.
    pub fn seal(&self, owner: &str, secret: &[u8]) -> Vec<u8> {
        let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
        let mut out = nonce.to_vec();
        let sealed = self
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: secret,
                    aad: owner.as_bytes(),
                },
            )
            .expect("ChaCha20-Poly1305 encryption does not fail for in-memory buffers");
        out.extend_from_slice(&sealed);
        out
    }

    /// Decrypts what [`Kek::seal`] produced for the same `owner`.
    pub fn open(&self, owner: &str, sealed: &[u8]) -> anyhow::Result<Vec<u8>> {
        anyhow::ensure!(sealed.len() > NONCE_LEN, "sealed key is too short");
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        self.cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: owner.as_bytes(),
                },
            )
            .map_err(|_| {
                anyhow::anyhow!(
                    "a sealed key could not be decrypted: wrong kek.key for this database?"
                )
            })
    }
}
