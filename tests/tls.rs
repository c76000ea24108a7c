//! TLS: an https server whose certificate comes from an unknown CA is refused (exit 3),
//! accepted with --insecure, and trusted with --cacert naming that CA.

mod common;

use std::io::Read as _;
use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use common::tls::{ca, leaf};
use common::write;

/// An HTTPS server answering every request with 200 `ok`.
fn serve_tls(dir: &Path) -> (String, tokio::runtime::Runtime) {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(dir.join("server.pem"))
        .unwrap()
        .map(|c| c.unwrap())
        .collect();
    let key = PrivateKeyDer::from_pem_file(dir.join("server-key.pem")).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .unwrap();
    common::tls::serve(config)
}

#[test]
fn self_signed_certificates_need_insecure_or_cacert() {
    let dir = tempfile::tempdir().unwrap();
    ca(dir.path(), "test");
    leaf(
        dir.path(),
        "test",
        "server",
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
    );
    let (url, _rt) = serve_tls(dir.path());
    write(
        dir.path(),
        "c.yaml",
        &format!("requests:\n  - name: tls\n    url: \"{url}\"\n    expect: {{ body: ok }}\n"),
    );
    let refused = common::run(dir.path(), &["run", "c.yaml"]);
    assert_eq!(refused.code, 3, "{}", refused.stdout);
    let insecure = common::run(dir.path(), &["run", "c.yaml", "--insecure"]);
    assert_eq!(insecure.code, 0, "{}", insecure.stdout);
    let trusted = common::run(dir.path(), &["run", "c.yaml", "--cacert", "test-ca.pem"]);
    assert_eq!(trusted.code, 0, "{}", trusted.stdout);
    let missing = common::run(dir.path(), &["run", "c.yaml", "--cacert", "nope.pem"]);
    assert_eq!(missing.code, 2, "{}", missing.stderr);
    let mut s = String::new();
    std::fs::File::open(dir.path().join("server.pem"))
        .unwrap()
        .read_to_string(&mut s)
        .unwrap();
    assert!(s.contains("BEGIN CERTIFICATE"));
}
