//! The README's offline demo and `baton mock` through the binary.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The arguments of the README's demo command (what follows `cargo run --release --`).
fn demo_args() -> Vec<String> {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let line = readme
        .lines()
        .find(|l| l.contains("cargo run --release -- run"))
        .expect("the demo command is in the README");
    line.split(" -- ")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .map(String::from)
        .collect()
}

#[test]
fn readme_demo_runs_both_collections_offline() {
    let args = demo_args();
    // The same arguments, through the test build of the binary, with no credentials set.
    let out = crate::support::baton(&root())
        .args(&args)
        .env_remove("EMNIFY_APPLICATION_TOKEN")
        .env_remove("EMNIFY_CALLBACK_SECRET")
        .env_remove("SMSCX_CLIENT_ID")
        .env_remove("SMSCX_CLIENT_SECRET")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("emnify SMS smoke test") && stdout.contains("SMS.CX smoke test"),
        "{stdout}"
    );
    // The callback half: each mock calls back and the receive step takes it.
    assert!(
        stdout.contains("✓ the device's reply (MO SMS) reaches our webhook POST 200"),
        "{stdout}"
    );
    assert!(
        stdout.contains("✓ the delivery report reaches our webhook POST 200"),
        "{stdout}"
    );
    assert!(
        stdout.contains("11 passed, 0 failed, 0 skipped"),
        "{stdout}"
    );
}

fn http(addr: &str, request: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn baton_mock_serves_until_killed() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(["mock", "collections/emnify/mock.yaml", "--port", "0"])
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(
        line.starts_with("mock: serving collections/emnify/mock.yaml"),
        "{line}"
    );
    assert!(line.contains("(variable emnify_url)"), "{line}");
    let addr = line
        .split("http://")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    let body = r#"{"application_token":"demo-application-token"}"#;
    let resp = http(
        &addr,
        &format!(
            "POST /api/v1/authenticate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    );
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    assert!(resp.contains("auth_token"), "{resp}");
    let resp = http(
        &addr,
        "GET /api/v1/endpoint HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(resp.starts_with("HTTP/1.1 401"), "{resp}");
    assert!(
        resp.contains("token contains an invalid number of segments"),
        "{resp}"
    );
    let resp = http(
        &addr,
        "GET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(
        resp.starts_with("HTTP/1.1 404") && resp.contains("routes_tried"),
        "{resp}"
    );
    // Stop it the way a terminal does.
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "exits cleanly on Ctrl-C");
}

#[test]
fn a_bad_mock_file_is_an_error_with_its_place() {
    let dir = tempfile::tempdir().unwrap();
    crate::support::write(
        dir.path(),
        "m.yaml",
        "routes:\n  - when: { methd: GET }\n    respond: { status: 200 }\n",
    );
    let out = crate::support::run(dir.path(), &["mock", "m.yaml"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("m.yaml:2:13") && out.stderr.contains("did you mean `method`?"),
        "{}",
        out.stderr
    );
    let out = crate::support::run(dir.path(), &["run", "--mock", "m.yaml", "x.yaml"]);
    assert_eq!(out.code, 2);
}

#[test]
fn a_closed_stdout_pipe_is_not_a_crash() {
    // Like `baton run ... | head -1`: the reader goes away before baton finishes writing.
    let args = demo_args();
    let mut child = Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(&args)
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(
        out.status.code(),
        Some(0),
        "the exit code still tells the outcome: {stderr}"
    );
}
