//! `serve --tls`: a self-signed certificate for 127.0.0.1, localhost and
//! [::1], made on the first start in the data directory and reused after
//! (`tls-cert.pem` and `tls-key.pem`, 0600 as every file there), served by
//! rustls on its ring backend. Browsers do not trust it: the operator trusts
//! it for a session by its fingerprint (Chromium's
//! `--ignore-certificate-errors-spki-list` takes the public key's).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use base64::Engine;
use sha2::{Digest, Sha256};
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// The certificate's file in the data directory.
pub const CERT_FILE: &str = "tls-cert.pem";
/// Its private key's file (mode 0600, as the certificate's).
pub const KEY_FILE: &str = "tls-key.pem";

/// The names the certificate covers.
const NAMES: [&str; 3] = ["127.0.0.1", "localhost", "::1"];

/// The server's certificate and what identifies it.
#[derive(Clone)]
pub struct TlsIdentity {
    /// Where the certificate is stored (PEM).
    pub cert_path: PathBuf,
    /// SHA-256 of the certificate (DER), as upper-case hex pairs joined by
    /// colons, as browsers and `openssl x509 -fingerprint -sha256` show it.
    pub fingerprint: String,
    /// SHA-256 of the certificate's public key (SubjectPublicKeyInfo), base64:
    /// what Chromium's `--ignore-certificate-errors-spki-list` takes.
    pub spki_sha256: String,
    /// The server side of the handshake.
    pub acceptor: tokio_rustls::TlsAcceptor,
}

impl TlsIdentity {
    /// Loads the certificate and key from `data_dir`, or makes and stores
    /// them on the first start.
    pub fn load_or_create(data_dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(data_dir)
            .with_context(|| format!("creating {}", data_dir.display()))?;
        crate::db::restrict(data_dir, 0o700)?;
        let cert_path = data_dir.join(CERT_FILE);
        let key_path = data_dir.join(KEY_FILE);
        let (cert_pem, key_pem) = if cert_path.exists() && key_path.exists() {
            let read = |path: &Path| {
                std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
            };
            (read(&cert_path)?, read(&key_path)?)
        } else {
            let made = rcgen::generate_simple_self_signed(NAMES.map(str::to_owned).to_vec())
                .context("making the TLS certificate")?;
            let key_pem = made.key_pair.serialize_pem();
            let cert_pem = made.cert.pem();
            // The key first, so that a certificate on disk always has its
            // key; both the owner's only, as every file of the directory.
            for (path, text) in [(&key_path, &key_pem), (&cert_path, &cert_pem)] {
                let mut file = crate::db::open_private(path, false)?;
                file.set_len(0)?;
                file.write_all(text.as_bytes())?;
                file.sync_all()?;
                crate::db::restrict(path, 0o600)?;
            }
            (cert_pem, key_pem)
        };
        Self::from_pem(cert_path, &cert_pem, &key_pem)
    }

    fn from_pem(cert_path: PathBuf, cert_pem: &str, key_pem: &str) -> anyhow::Result<Self> {
        let cert = CertificateDer::from_pem_slice(cert_pem.as_bytes())
            .with_context(|| format!("{} holds no certificate", cert_path.display()))?;
        let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes())
            .with_context(|| format!("{KEY_FILE} holds no private key"))?;
        let key_pair = rcgen::KeyPair::from_pem(key_pem)
            .with_context(|| format!("{KEY_FILE} holds no usable private key"))?;
        let fingerprint = Sha256::digest(cert.as_ref())
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect::<Vec<_>>()
            .join(":");
        let spki_sha256 = base64::engine::general_purpose::STANDARD
            .encode(Sha256::digest(key_pair.public_key_der()));
        // ring is deprecated in rustls for lacking post-quantum key exchange;
        // for a loopback development server its classical suites are enough,
        // and it keeps aws-lc's C and assembly build out.
        #[allow(deprecated)]
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .context("TLS protocol versions")?
            .with_no_client_auth()
            .with_single_cert(vec![cert], key)
            .with_context(|| {
                format!(
                    "{} and {KEY_FILE} do not make a usable pair",
                    cert_path.display()
                )
            })?;
        // The accept loop speaks HTTP/1.1 only.
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Self {
            cert_path,
            fingerprint,
            spki_sha256,
            acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(config)),
        })
    }

    /// What the ready line says about the certificate.
    pub fn describe(&self) -> serde_json::Value {
        serde_json::json!({
            "certificate": self.cert_path.display().to_string(),
            "sha256": self.fingerprint,
            "spki_sha256": self.spki_sha256,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("lp-tls-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn the_certificate_is_made_once_and_reused() {
        let dir = temp_dir("reuse");
        let first = TlsIdentity::load_or_create(&dir).unwrap();
        let pem = std::fs::read_to_string(dir.join(CERT_FILE)).unwrap();
        let second = TlsIdentity::load_or_create(&dir).unwrap();
        assert_eq!(first.fingerprint, second.fingerprint);
        assert_eq!(first.spki_sha256, second.spki_sha256);
        assert_eq!(pem, std::fs::read_to_string(dir.join(CERT_FILE)).unwrap());
        assert_eq!(first.fingerprint.len(), 32 * 3 - 1, "{}", first.fingerprint);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            for file in [KEY_FILE, CERT_FILE] {
                let mode = std::fs::metadata(dir.join(file))
                    .unwrap()
                    .permissions()
                    .mode();
                assert_eq!(mode & 0o777, 0o600, "{file} is its owner's only");
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
