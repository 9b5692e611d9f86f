//! `serve --tls`: both ports serve the certificate the ready line names and
//! fingerprints, made once in the data directory and kept across restarts,
//! its key readable by its owner only; the handshake is bounded by the
//! header-read timeout. Servers in this process (`server::bind`).

use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use local_passport::cli::{Cli, Command, ServeOptions};
use local_passport::server;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};

use crate::support::prepared_dir;

fn options(dir: &std::path::Path, extra: &[&str]) -> ServeOptions {
    let mut argv = vec![
        "local-passport",
        "serve",
        "--port",
        "0",
        "--wallet-port",
        "0",
        "--data-dir",
        dir.to_str().unwrap(),
        "--tls",
    ];
    argv.extend(extra);
    match Cli::parse_from(argv).command {
        Some(Command::Serve(opts)) => *opts,
        _ => unreachable!("parsed as serve"),
    }
}

/// `AB:CD:…`, as the ready line prints a fingerprint.
fn colon_hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// A client that trusts exactly the certificate stored at `path`.
fn client_trusting(path: &str) -> tokio_rustls::TlsConnector {
    let cert = CertificateDer::from_pem_file(path).expect("the printed path holds a certificate");
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert).unwrap();
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    tokio_rustls::TlsConnector::from(Arc::new(config))
}

/// GET /health/ready over TLS as `name`: the status line and the SHA-256 of
/// the certificate served.
async fn ready_over_tls(
    connector: &tokio_rustls::TlsConnector,
    port: u16,
    name: &'static str,
) -> (String, String) {
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let mut tls = connector
        .connect(ServerName::try_from(name).unwrap(), tcp)
        .await
        .unwrap_or_else(|err| panic!("handshake as {name}: {err}"));
    let served = tls.get_ref().1.peer_certificates().unwrap()[0].clone();
    let request =
        format!("GET /health/ready HTTP/1.1\r\nHost: {name}:{port}\r\nConnection: close\r\n\r\n");
    tls.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let _ = tls.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer);
    let status = answer.lines().next().unwrap_or_default().to_owned();
    (status, colon_hex(&Sha256::digest(served.as_ref())))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_ports_serve_the_printed_certificate_which_is_kept_across_restarts() {
    let dir = prepared_dir();
    let opts = options(&dir, &["--header-read-timeout", "1"]);
    let bound = server::bind(&opts).await.unwrap();
    let line = bound.ready_line();
    assert!(
        bound.issuer.starts_with("https://127.0.0.1:")
            && bound.wallet_origin.starts_with("https://"),
        "{line}"
    );
    let printed = line["tls"]["sha256"].as_str().unwrap().to_owned();
    let path = line["tls"]["certificate"].as_str().unwrap().to_owned();
    assert!(
        line["tls"]["spki_sha256"]
            .as_str()
            .is_some_and(|pin| pin.len() == 44),
        "{line}"
    );
    assert_eq!(
        std::path::Path::new(&path),
        dir.join(local_passport::tls::CERT_FILE)
    );
    let (port, wallet_port) = (bound.port, bound.wallet_port);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let client = async move {
        let connector = client_trusting(&path);
        for (port, name) in [(port, "localhost"), (wallet_port, "127.0.0.1")] {
            let (status, served) = ready_over_tls(&connector, port, name).await;
            assert_eq!(status, "HTTP/1.1 200 OK", "port {port}");
            assert_eq!(
                served, printed,
                "the printed fingerprint is the served certificate's"
            );
        }
        // A connection that never says hello is closed at the header-read timeout.
        let mut silent = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap();
        let mut byte = [0u8; 1];
        let closed = tokio::time::timeout(Duration::from_secs(5), silent.read(&mut byte)).await;
        assert!(
            matches!(closed, Ok(Ok(0)) | Ok(Err(_))),
            "a silent connection is closed"
        );
        let _ = stop.send(true);
        printed
    };
    let ((), printed) = tokio::join!(bound.run(stopped), client);

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for file in [
            local_passport::tls::KEY_FILE,
            local_passport::tls::CERT_FILE,
        ] {
            let mode = std::fs::metadata(dir.join(file))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{file} is its owner's only");
        }
    }

    // The next start serves the same certificate.
    let again = server::bind(&options(&dir, &[])).await.unwrap();
    assert_eq!(again.ready_line()["tls"]["sha256"], printed.as_str());
    drop(again);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn without_tls_the_ready_line_names_no_certificate_and_none_is_made() {
    let dir = prepared_dir();
    let mut opts = options(&dir, &[]);
    opts.tls = false;
    let bound = server::bind(&opts).await.unwrap();
    assert!(bound.issuer.starts_with("http://"));
    assert!(bound.ready_line().get("tls").is_none());
    assert!(!dir.join(local_passport::tls::CERT_FILE).exists());
    drop(bound);
    let _ = std::fs::remove_dir_all(&dir);
}
