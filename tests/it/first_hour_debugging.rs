//! Debugging one request: `--to NAME`, the start of the body on a failed `status`, and
//! `retry` lines that show the last attempt's time; and a run whose output cannot be
//! written fails.

use crate::support::{TestServer, run, write};

fn chain(dir: &std::path::Path, url: &str) {
    write(
        dir,
        "c.yaml",
        &format!(
            "vars:\n  base_url: {url}\nrequests:\n  - name: list items\n    url: \"{{{{ base_url }}}}/json\"\n    capture: {{ first: \"$.data[0].id\" }}\n  - name: get item\n    url: \"{{{{ base_url }}}}/echo?id={{{{ first }}}}\"\n  - name: delete item\n    method: DELETE\n    url: \"{{{{ base_url }}}}/echo?id={{{{ first }}}}\"\n"
        ),
    );
}

#[test]
fn to_runs_each_collection_up_to_and_including_the_named_request() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    chain(dir.path(), &server.url);
    let out = run(dir.path(), &["run", "c.yaml", "--to", "get item"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("get item"), "{}", out.stdout);
    assert!(!out.stdout.contains("delete item"), "{}", out.stdout);
    assert!(
        out.stdout.contains("2 passed, 0 failed, 0 skipped"),
        "{}",
        out.stdout
    );
    let hits = server.hits();
    assert_eq!(hits.len(), 2);
    // The capture it needs was taken on the way.
    assert_eq!(hits[1].query, "id=1");
}

#[test]
fn to_a_name_no_collection_has_is_an_error_with_a_did_you_mean() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    chain(dir.path(), &server.url);
    let out = run(dir.path(), &["run", "c.yaml", "--to", "get itme"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("--to `get itme`: no collection of the run has a request named `get itme`; did you mean `get item`?"),
        "{}",
        out.stderr
    );
    assert_eq!(server.count(), 0);
}

#[test]
fn a_failed_status_shows_the_start_of_the_body_masked_without_verbose() {
    let dir = tempfile::tempdir().unwrap();
    let secret = "pw-Zq81-secret";
    let long = "x".repeat(400);
    write(
        dir.path(),
        "mock.yaml",
        &format!(
            "routes:\n  - when: {{ path: /login }}\n    respond: {{ status: 422, json: {{ error: \"password {secret} is expired\", pad: \"{long}\" }} }}\n"
        ),
    );
    write(
        dir.path(),
        "c.yaml",
        "vars:\n  base_url: http://127.0.0.1:1\nrequests:\n  - name: login\n    method: POST\n    url: \"{{ base_url }}/login\"\n    json: { password: \"{{ secret('FH_PASSWORD') }}\" }\n    expect: { status: 200 }\n",
    );
    let out = crate::support::baton(dir.path())
        .args(["run", "c.yaml", "--mock", "mock.yaml"])
        .env("FH_PASSWORD", secret)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(
            "status eq: expected 200, got 422\n        body: {\"error\":\"password *** is expired\""
        ),
        "{stdout}"
    );
    assert!(!stdout.contains(secret), "{stdout}");
    // The first 200 characters, not the whole body.
    let body_line = stdout.lines().find(|l| l.contains("body: ")).unwrap();
    let shown = body_line.trim_start().trim_start_matches("body: ");
    assert!(shown.ends_with("..."), "{shown}");
    assert_eq!(
        shown.trim_end_matches("...").chars().count(),
        200,
        "{shown}"
    );
}

#[test]
fn under_retry_duration_is_per_attempt_and_the_line_shows_the_last_attempt() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    // Fails twice (503), then answers at once; each wait between attempts is 400ms, so
    // the whole request takes over 800ms while each attempt is fast.
    write(
        dir.path(),
        "c.yaml",
        &format!(
            "requests:\n  - name: poll\n    url: {}/flaky\n    retry: {{ attempts: 5, interval: 400ms }}\n    expect: {{ status: 200, duration: {{ lt: 400ms }} }}\n",
            server.url
        ),
    );
    let out = run(
        dir.path(),
        &["run", "c.yaml", "--report", "json=r.json", "-v"],
    );
    assert_eq!(out.code, 0, "{}", out.stdout);
    let line = out.stdout.lines().find(|l| l.contains("poll")).unwrap();
    assert!(line.ends_with("(3 attempts)"), "{line}");
    // `-v`'s response line shows the same time as the request line.
    let time = line.split_whitespace().nth(4).unwrap();
    let response = out
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("< 200"))
        .unwrap();
    assert!(
        response.ends_with(&format!("({time})")),
        "{line}\n{response}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("r.json")).unwrap()).unwrap();
    let total_ms = json["collections"][0]["requests"][0]["duration_ms"]
        .as_f64()
        .unwrap();
    assert!(total_ms >= 800.0, "{json}");
    // The time on the line is the last attempt's, not the total.
    let shown = line
        .split_whitespace()
        .find(|w| w.ends_with("ms") || w.ends_with('s'))
        .unwrap();
    let shown_ms: f64 = if let Some(ms) = shown.strip_suffix("ms") {
        ms.parse().unwrap()
    } else {
        shown.trim_end_matches('s').parse::<f64>().unwrap() * 1000.0
    };
    assert!(shown_ms < 400.0, "{line}");
}

#[test]
fn verbose_shows_what_each_capture_stored_masking_secrets() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        &format!(
            "requests:\n  - name: login\n    method: POST\n    url: {}/api/v1/authenticate\n    json: {{ application_token: {APP} }}\n    capture:\n      token: {{ json: $.auth_token, secret: true }}\n      kind: {{ status: true }}\n",
            server.url,
            APP = crate::support::APP_TOKEN
        ),
    );
    let out = run(dir.path(), &["run", "c.yaml", "-v"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("captured token = ***"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("captured kind = 200"), "{}", out.stdout);
    // Without -v, nothing of the kind.
    let out = run(dir.path(), &["run", "c.yaml"]);
    assert!(!out.stdout.contains("captured"), "{}", out.stdout);
}

#[test]
fn a_failed_status_is_shown_before_the_capture_it_broke() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        &format!(
            "requests:\n  - name: order\n    url: {}/status/400\n    expect: {{ status: 201 }}\n    capture:\n      order_id: $.id\n",
            server.url
        ),
    );
    let out = run(dir.path(), &["run", "c.yaml", "--report", "junit=j.xml"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    let status = out.stdout.find("expected 201, got 400").unwrap();
    let capture = out.stdout.find("capture `order_id`").unwrap();
    assert!(status < capture, "{}", out.stdout);
    let junit = std::fs::read_to_string(dir.path().join("j.xml")).unwrap();
    let message = junit.split("message=\"").nth(1).unwrap();
    assert!(message.starts_with("status"), "{junit}");
}

#[cfg(target_os = "linux")]
#[test]
fn an_error_writing_stdout_exits_non_zero_with_a_message() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        &format!("requests:\n  - name: r\n    url: {}/text\n", server.url),
    );
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full exists on Linux");
    write(
        dir.path(),
        "unformatted.yaml",
        &format!("requests:\n  - url: {}/text\n    name: r\n", server.url),
    );
    for args in [
        &["run", "c.yaml"][..],
        &["check", "c.yaml"][..],
        &["schema"][..],
        &["schema", "--report"][..],
        &["completions", "bash"][..],
        &["fmt", "--check", "unformatted.yaml"][..],
        &["import", "curl", "curl http://127.0.0.1:1/x"][..],
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_baton"))
            .args(args)
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            .env_remove("GITHUB_ACTIONS")
            .stdout(full.try_clone().unwrap())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("cannot write the output (standard output)"),
            "{stderr}"
        );
    }
}
