//! TLS: an https server whose certificate comes from an unknown CA is refused (exit 3),
//! accepted with --insecure, and trusted with --cacert naming that CA.
//!
//! TLS client certificates: a server that requires one (rustls, trusting a test CA made with
//! the openssl command) accepts baton with `--cert/--key` and refuses it without; a
//! certificate from another CA is refused too; `--insecure` warns on stderr.

use crate::support::tls::{ca, leaf};
use crate::support::write;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::io::Read as _;
use std::path::Path;
use std::sync::Arc;

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
    crate::support::tls::serve(config)
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
    let refused = crate::support::run(dir.path(), &["run", "c.yaml"]);
    assert_eq!(refused.code, 3, "{}", refused.stdout);
    let insecure = crate::support::run(dir.path(), &["run", "c.yaml", "--insecure"]);
    assert_eq!(insecure.code, 0, "{}", insecure.stdout);
    let trusted = crate::support::run(dir.path(), &["run", "c.yaml", "--cacert", "test-ca.pem"]);
    assert_eq!(trusted.code, 0, "{}", trusted.stdout);
    let missing = crate::support::run(dir.path(), &["run", "c.yaml", "--cacert", "nope.pem"]);
    assert_eq!(missing.code, 2, "{}", missing.stderr);
    let mut s = String::new();
    std::fs::File::open(dir.path().join("server.pem"))
        .unwrap()
        .read_to_string(&mut s)
        .unwrap();
    assert!(s.contains("BEGIN CERTIFICATE"));
}

/// An HTTPS server (certificate `server.pem`) that requires a client certificate signed by
/// `client-ca.pem`, answering 200 `ok` to each request.
fn serve_mtls(dir: &Path) -> (String, tokio::runtime::Runtime) {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(dir.join("server.pem"))
        .unwrap()
        .map(|c| c.unwrap())
        .collect();
    let key = PrivateKeyDer::from_pem_file(dir.join("server-key.pem")).unwrap();
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(dir.join("client-ca.pem")).unwrap() {
        roots.add(c.unwrap()).unwrap();
    }
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots),
        provider.clone(),
    )
    .build()
    .unwrap();
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(verifier)
        .with_single_cert(certs, key)
        .unwrap();
    crate::support::tls::serve(config)
}

#[test]
fn a_server_that_requires_a_client_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ca(d, "server");
    ca(d, "client");
    ca(d, "other");
    leaf(
        d,
        "server",
        "server",
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    );
    let client_ext = "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n";
    leaf(d, "client", "client", client_ext);
    leaf(d, "other", "stranger", client_ext);
    let (url, _rt) = serve_mtls(d);
    write(
        d,
        "c.yaml",
        &format!("requests:\n  - name: mtls\n    url: \"{url}\"\n    expect: {{ body: ok }}\n"),
    );
    let trusted = ["run", "c.yaml", "--cacert", "server-ca.pem"];

    let with = crate::support::run(
        d,
        &[
            &trusted[..],
            &["--cert", "client.pem", "--key", "client-key.pem"],
        ]
        .concat(),
    );
    assert_eq!(with.code, 0, "{}\n{}", with.stdout, with.stderr);

    let without = crate::support::run(d, &trusted);
    assert_eq!(without.code, 3, "{}\n{}", without.stdout, without.stderr);
    assert!(without.stdout.contains("! mtls"), "{}", without.stdout);
    assert!(
        without.stdout.contains("CertificateRequired"),
        "{}",
        without.stdout
    );

    let stranger = crate::support::run(
        d,
        &[
            &trusted[..],
            &["--cert", "stranger.pem", "--key", "stranger-key.pem"],
        ]
        .concat(),
    );
    assert_eq!(stranger.code, 3, "{}\n{}", stranger.stdout, stranger.stderr);

    // The certificate and key in one file work as well.
    let both = format!(
        "{}{}",
        std::fs::read_to_string(d.join("client.pem")).unwrap(),
        std::fs::read_to_string(d.join("client-key.pem")).unwrap()
    );
    write(d, "both.pem", &both);
    let one_file = crate::support::run(d, &[&trusted[..], &["--cert", "both.pem"]].concat());
    assert_eq!(one_file.code, 0, "{}\n{}", one_file.stdout, one_file.stderr);

    // Bad certificate options are usage errors naming the file; nothing is sent.
    let key_alone = crate::support::run(d, &[&trusted[..], &["--key", "client-key.pem"]].concat());
    assert_eq!(key_alone.code, 2, "{}", key_alone.stderr);
    assert!(
        key_alone.stderr.contains("--key needs --cert"),
        "{}",
        key_alone.stderr
    );
    let missing = crate::support::run(d, &[&trusted[..], &["--cert", "nope.pem"]].concat());
    assert_eq!(missing.code, 2, "{}", missing.stderr);
    assert!(
        missing.stderr.contains("--cert nope.pem"),
        "{}",
        missing.stderr
    );
    let not_pem = crate::support::run(d, &[&trusted[..], &["--cert", "c.yaml"]].concat());
    assert_eq!(not_pem.code, 2, "{}", not_pem.stderr);
    assert!(
        not_pem.stderr.contains("--cert/--key"),
        "{}",
        not_pem.stderr
    );
}

#[test]
fn insecure_warns_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ca(d, "server");
    ca(d, "client");
    leaf(
        d,
        "server",
        "server",
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
    );
    leaf(
        d,
        "client",
        "client",
        "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n",
    );
    let (url, _rt) = serve_mtls(d);
    write(
        d,
        "c.yaml",
        &format!("requests:\n  - name: mtls\n    url: \"{url}\"\n    expect: {{ body: ok }}\n"),
    );
    let out = crate::support::run(
        d,
        &[
            "run",
            "c.yaml",
            "--insecure",
            "--cert",
            "client.pem",
            "--key",
            "client-key.pem",
        ],
    );
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stderr
            .contains("warning: --insecure: TLS certificates are not checked"),
        "{}",
        out.stderr
    );
    assert!(
        !out.stdout.contains("warning"),
        "the warning goes to stderr only"
    );
    let quiet = crate::support::run(
        d,
        &[
            "run",
            "c.yaml",
            "-q",
            "--insecure",
            "--cert",
            "client.pem",
            "--key",
            "client-key.pem",
        ],
    );
    assert!(
        quiet.stderr.contains("warning: --insecure"),
        "also with -q: {}",
        quiet.stderr
    );
}
