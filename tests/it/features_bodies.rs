//! Body checks whatever the content type: `length` counts bytes, `sha256` hashes them, and
//! text predicates work on any UTF-8 body (the content type decides only how it is shown).

use axum::Router;
use axum::routing::get;
use sha2::{Digest as _, Sha256};

use crate::support::{run, write};

/// 2,000,000 bytes that are not UTF-8 (every byte value, repeated).
fn download() -> Vec<u8> {
    (0..2_000_000u32).map(|i| (i % 251) as u8).collect()
}

fn server() -> (String, tokio::runtime::Runtime) {
    let app = Router::new()
        .route(
            "/download",
            get(|| async { ([("content-type", "application/octet-stream")], download()) }),
        )
        .route(
            "/report.csv",
            get(|| async {
                (
                    [("content-type", "application/octet-stream")],
                    "id,name\n1,é\n",
                )
            }),
        );
    crate::support::serve(app)
}

fn hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn a_download_is_checked_by_length_and_sha256() {
    let (url, _rt) = server();
    let dir = tempfile::tempdir().unwrap();
    let sum = hex(&download());
    write(
        dir.path(),
        "dl.yaml",
        &format!(
            "requests:\n  - name: download\n    url: {url}/download\n    expect:\n      body: {{ length: 2000000, sha256: {sum} }}\n  - name: length predicates\n    url: {url}/download\n    expect:\n      body: {{ length: {{ gt: 1999999, lt: 2000001 }}, not: {{ sha256: {} }} }}\n",
            "ab".repeat(32)
        ),
    );
    let out = run(dir.path(), &["run", "dl.yaml"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("2 passed"), "{}", out.stdout);
}

#[test]
fn a_wrong_digest_or_length_shows_what_arrived() {
    let (url, _rt) = server();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "bad.yaml",
        &format!(
            "requests:\n  - name: download\n    url: {url}/download\n    expect:\n      body: {{ length: 2000001, sha256: {}, contains: abc }}\n",
            "ab".repeat(32)
        ),
    );
    let out = run(dir.path(), &["run", "bad.yaml"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(out.stdout.contains("length 2000000"), "{}", out.stdout);
    assert!(out.stdout.contains(&hex(&download())), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("the body is not UTF-8 text: <2000000 bytes, application/octet-stream>"),
        "{}",
        out.stdout
    );
}

#[test]
fn text_predicates_hold_on_utf8_of_a_binary_content_type() {
    let (url, _rt) = server();
    let dir = tempfile::tempdir().unwrap();
    let sum = hex("id,name\n1,é\n".as_bytes());
    write(
        dir.path(),
        "csv.yaml",
        &format!(
            "requests:\n  - name: csv\n    url: {url}/report.csv\n    expect:\n      body: {{ contains: \"1,é\", matches: \"^id,name\", length: 13, sha256: {sum} }}\n  - name: eq\n    url: {url}/report.csv\n    expect:\n      body: \"id,name\\n1,é\\n\"\n"
        ),
    );
    let out = run(dir.path(), &["run", "csv.yaml", "-vv"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    // Shown as a binary body still: the content type decides how a body is shown.
    assert!(
        out.stdout.contains("<13 bytes, application/octet-stream>"),
        "{}",
        out.stdout
    );
}

#[test]
fn sha256_is_checked_at_load() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "bad.yaml",
        "requests:\n  - name: a\n    url: http://127.0.0.1:1/\n    expect:\n      body: { sha256: abc }\n",
    );
    let out = run(dir.path(), &["check", "bad.yaml"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("bad.yaml:5:"), "{}", out.stderr);
    assert!(
        out.stderr.contains("`sha256` takes the 64 hex digits"),
        "{}",
        out.stderr
    );
}
