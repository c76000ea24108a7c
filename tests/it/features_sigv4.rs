//! AWS Signature Version 4: baton's signer against AWS's published test vectors
//! (tests/fixtures/sigv4, see its SOURCES.md), and a signed request through the binary.

use std::path::{Path, PathBuf};

use baton::http::builder::SigV4Keys;
use baton::http::sigv4::{Options, Request, sign};
use serde_json::Value;

fn vectors() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sigv4")
}

/// `request.txt`: the request line, headers (continuation lines folded), blank line, body.
fn parse(text: &str) -> (String, String, String, Vec<(String, String)>, Vec<u8>) {
    let (head, body) = text.split_once("\n\n").unwrap_or((text, ""));
    let mut lines = head.lines();
    let first = lines.next().unwrap();
    let (method, rest) = first.split_once(' ').unwrap();
    let target = rest.rsplit_once(" HTTP/").unwrap().0;
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut headers: Vec<(String, String)> = Vec::new();
    for l in lines {
        if l.starts_with([' ', '\t']) {
            let last = headers.last_mut().unwrap();
            last.1 = format!("{} {}", last.1, l.trim());
        } else if let Some((k, v)) = l.split_once(':') {
            headers.push((k.to_string(), v.to_string()));
        }
    }
    (
        method.into(),
        path.into(),
        query.into(),
        headers,
        body.as_bytes().to_vec(),
    )
}

fn read(dir: &Path, f: &str) -> String {
    std::fs::read_to_string(dir.join(f)).unwrap()
}

#[test]
fn every_aws_test_vector_signs_as_aws_expects() {
    let mut cases = 0;
    let mut failures = Vec::new();
    for entry in std::fs::read_dir(vectors()).unwrap() {
        let dir = entry.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        let ctx: Value = serde_json::from_str(&read(&dir, "context.json")).unwrap();
        let (method, path, query, headers, body) = parse(&read(&dir, "request.txt"));
        let omit_token = ctx["omit_session_token"].as_bool().unwrap_or(false);
        let keys = SigV4Keys {
            access_key_id: ctx["credentials"]["access_key_id"].as_str().unwrap().into(),
            secret_access_key: ctx["credentials"]["secret_access_key"]
                .as_str()
                .unwrap()
                .into(),
            session_token: ctx["credentials"]["token"]
                .as_str()
                .filter(|_| !omit_token)
                .map(String::from),
            region: ctx["region"].as_str().unwrap().into(),
            service: ctx["service"].as_str().unwrap().into(),
        };
        let opts = Options {
            time: ctx["timestamp"].as_str().unwrap().parse().unwrap(),
            s3_paths: !ctx["normalize"].as_bool().unwrap_or(true),
            content_sha256_header: ctx["sign_body"].as_bool().unwrap_or(false),
        };
        let req = Request {
            method: &method,
            path: &path,
            query: &query,
            headers: &headers,
            body: &body,
        };
        let signed = sign(&req, &keys, opts);
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let authz = signed.headers.last().unwrap().1.clone();
        let want_authz = read(&dir, "header-signed-request.txt")
            .lines()
            .find_map(|l| l.strip_prefix("Authorization:").map(str::to_string))
            .unwrap();
        for (what, got, want) in [
            (
                "canonical request",
                signed.canonical_request.clone(),
                read(&dir, "header-canonical-request.txt"),
            ),
            (
                "string to sign",
                signed.string_to_sign.clone(),
                read(&dir, "header-string-to-sign.txt"),
            ),
            (
                "signature",
                signed.signature.clone(),
                read(&dir, "header-signature.txt"),
            ),
            ("Authorization", authz, want_authz),
        ] {
            if got.trim_end() != want.trim_end() {
                failures.push(format!("{name}: {what}\n got: {got:?}\nwant: {want:?}"));
            }
        }
        cases += 1;
    }
    assert!(cases >= 30, "{cases} vectors found");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
