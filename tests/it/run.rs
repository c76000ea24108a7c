//! The built binary against an in-process server: the token hand-off, captures,
//! expectations, exit codes, and that an invalid collection sends nothing.

use crate::support::{APP_TOKEN, AUTH_TOKEN, TestServer, run, stable, write};

fn login_collection(url: &str) -> String {
    format!(
        r#"name: emnify smoke
vars:
  base_url: {url}
  app_token: "{{{{ secret('BATON_TEST_APP_TOKEN') }}}}"
requests:
  - name: authenticate
    method: POST
    url: "{{{{ base_url }}}}/api/v1/authenticate"
    json: {{ application_token: "{{{{ app_token }}}}" }}
    expect:
      status: 200
    capture:
      Auth_Token: {{ json: $.auth_token, secret: true }}
  - name: list endpoints
    url: "{{{{ base_url }}}}/api/v1/endpoint"
    auth: {{ bearer: "{{{{ Auth_Token }}}}" }}
    expect:
      status: 200
      json:
        $[0].name: arduino01
    capture:
      endpoint_id: $[0].id
  - name: use the capture
    url: "{{{{ base_url }}}}/echo"
    query: {{ id: "{{{{ endpoint_id }}}}" }}
    expect:
      status: 200
"#
    )
}

#[test]
fn login_token_is_captured_and_sent_as_bearer() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "c.yaml", &login_collection(&server.url));
    let out = crate::support::baton(dir.path())
        .args(["run", "c.yaml", "-vv"])
        .env("BATON_TEST_APP_TOKEN", APP_TOKEN)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    let hits = server.hits();
    assert_eq!(hits.len(), 3);
    assert_eq!(
        hits[1].headers["authorization"],
        format!("Bearer {AUTH_TOKEN}")
    );
    assert_eq!(hits[2].query, "id=7");
    // Neither the application token nor the captured token is ever printed.
    for secret in [APP_TOKEN, AUTH_TOKEN] {
        assert!(
            !stdout.contains(secret),
            "secret leaked in stdout:\n{stdout}"
        );
        assert!(
            !stderr.contains(secret),
            "secret leaked in stderr:\n{stderr}"
        );
    }
    assert!(stdout.contains("***"), "{stdout}");
}

#[test]
fn without_the_token_the_bearer_call_fails_with_exit_1() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "c.yaml", &login_collection(&server.url));
    let out = crate::support::baton(dir.path())
        .args(["run", "c.yaml"])
        .env("BATON_TEST_APP_TOKEN", "wrong-token")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    // authenticate fails (401, capture fails), so the next request is not sent: skipped.
    assert!(
        stdout.contains("skipped: capture `Auth_Token` of `authenticate` failed"),
        "{stdout}"
    );
    assert_eq!(server.count_path("/api/v1/endpoint"), 0);
}

#[test]
fn exit_0_all_passed() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "ok.yaml",
        &format!(
            "requests:\n  - name: ok\n    url: {}/status/200\n    expect: {{ status: 200 }}\n",
            server.url
        ),
    );
    let out = run(dir.path(), &["run", "ok.yaml"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert!(
        out.stdout.contains("1 passed, 0 failed, 0 skipped"),
        "{}",
        out.stdout
    );
}

#[test]
fn exit_1_expectation_failed() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "bad.yaml",
        &format!(
            "requests:\n  - name: bad\n    url: {}/status/404\n    expect: {{ status: 200 }}\n",
            server.url
        ),
    );
    let out = run(dir.path(), &["run", "bad.yaml"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
}

#[test]
fn exit_2_invalid_collection_sends_nothing() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    // The first request is fine; the second has a typo. Nothing at all may be sent.
    write(
        dir.path(),
        "c.yaml",
        &format!(
            "requests:\n  - name: fine\n    url: {0}/status/200\n  - name: typo\n    methd: POST\n    url: {0}/status/200\n",
            server.url
        ),
    );
    let out = run(dir.path(), &["run", "c.yaml"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("c.yaml:5:5"), "{}", out.stderr);
    assert_eq!(server.count(), 0, "an invalid collection must send nothing");
}

#[test]
fn exit_2_undefined_variable_sends_nothing() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        &format!(
            "vars:\n  base_url: {}\nrequests:\n  - name: a\n    url: \"{{{{ base_url }}}}/status/200\"\n  - name: b\n    url: \"{{{{ base_ur }}}}/status/200\"\n",
            server.url
        ),
    );
    let out = run(dir.path(), &["run", "c.yaml"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("variable `base_ur` is not defined"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("did you mean `base_url`?"),
        "{}",
        out.stderr
    );
    assert_eq!(server.count(), 0);
}

#[test]
fn exit_2_for_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(run(dir.path(), &["run", "missing.yaml"]).code, 2);
    assert_eq!(
        run(dir.path(), &["run", "--shard", "4/3", "x.yaml"]).code,
        2
    );
    assert_eq!(run(dir.path(), &["run", "--no-such-flag"]).code, 2);
}

#[test]
fn exit_3_unreachable() {
    let dir = tempfile::tempdir().unwrap();
    // Bind and drop a listener to get a port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    write(
        dir.path(),
        "c.yaml",
        &format!("requests:\n  - name: down\n    url: http://127.0.0.1:{port}/\n"),
    );
    let out = run(dir.path(), &["run", "c.yaml"]);
    assert_eq!(out.code, 3, "{}", out.stdout);
    assert!(out.stdout.contains("could not connect"), "{}", out.stdout);
}

#[test]
fn exit_3_timeout_and_too_many_redirects() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        &format!(
            "requests:\n  - name: slow\n    url: {0}/slow?ms=2000\n    timeout: 100ms\n  - name: loop\n    url: {0}/loop\n",
            server.url
        ),
    );
    let out = run(dir.path(), &["run", "c.yaml"]);
    assert_eq!(out.code, 3, "{}", out.stdout);
    assert!(
        out.stdout.contains("timed out after 100ms"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("too many redirects"), "{}", out.stdout);
}

#[test]
fn exit_1_wins_over_3() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    write(
        dir.path(),
        "c.yaml",
        &format!(
            "requests:\n  - name: down\n    url: http://127.0.0.1:{port}/\n  - name: bad\n    url: {}/status/500\n    expect: {{ status: 200 }}\n",
            server.url
        ),
    );
    assert_eq!(run(dir.path(), &["run", "c.yaml"]).code, 1);
}

#[test]
fn summary_line_snapshot() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        &format!(
            "name: mixed\nrequests:\n  - name: ok\n    url: {0}/status/200\n  - name: bad\n    url: {0}/status/500\n    expect: {{ status: 200 }}\n  - name: later\n    when: \"false\"\n    url: {0}/status/200\n",
            server.url
        ),
    );
    let out = run(dir.path(), &["run", "c.yaml"]);
    let summary = out.stdout.lines().last().unwrap_or_default().to_string();
    insta::assert_snapshot!("summary_line", stable(&summary));
}

#[test]
fn request_details_reach_the_server() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "upload.txt", "file contents");
    write(
        dir.path(),
        "c.yaml",
        &format!(
            r#"vars: {{ base: "{0}", n: 5 }}
defaults:
  headers: {{ Accept: application/json, X-Default: d }}
requests:
  - name: json body keeps types
    method: PUT
    url: "{{{{ base }}}}/echo"
    headers: {{ X-Default: null, X-One: "1" }}
    json: {{ count: "{{{{ n }}}}", label: "n={{{{ n }}}}" }}
  - name: form
    method: POST
    url: "{{{{ base }}}}/echo"
    form: {{ a: "1", b: "x y" }}
  - name: raw file
    method: POST
    url: "{{{{ base }}}}/echo"
    body: {{ file: upload.txt }}
  - name: basic
    url: "{{{{ base }}}}/echo"
    auth: {{ basic: {{ username: u, password: p4ssw0rd }} }}
  - name: key in query
    url: "{{{{ base }}}}/echo"
    auth: {{ api_key: {{ query: key, value: k-123 }} }}
  - name: key in header
    url: "{{{{ base }}}}/echo"
    auth: {{ api_key: {{ header: X-Api-Key, value: k-456 }} }}
  - name: multipart
    method: POST
    url: "{{{{ base }}}}/echo"
    multipart: {{ field: v, upload: {{ file: upload.txt, content_type: text/plain }} }}
  - name: purge
    method: PURGE
    url: "{{{{ base }}}}/echo"
"#,
            server.url
        ),
    );
    let out = run(dir.path(), &["run", "c.yaml", "-vv"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let hits = server.hits();
    assert_eq!(hits.len(), 8);
    assert_eq!(hits[0].method, "PUT");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&hits[0].body).unwrap(),
        serde_json::json!({"count": 5, "label": "n=5"})
    );
    assert_eq!(hits[0].headers["content-type"], "application/json");
    assert_eq!(hits[0].headers["accept"], "application/json");
    assert!(!hits[0].headers.contains_key("x-default"));
    assert_eq!(hits[1].body, "a=1&b=x+y");
    assert_eq!(
        hits[1].headers["content-type"],
        "application/x-www-form-urlencoded"
    );
    assert_eq!(hits[2].body, "file contents");
    assert_eq!(hits[3].headers["authorization"], "Basic dTpwNHNzdzByZA==");
    assert_eq!(hits[4].query, "key=k-123");
    assert_eq!(hits[5].headers["x-api-key"], "k-456");
    assert!(hits[6].headers["content-type"].starts_with("multipart/form-data"));
    assert!(hits[6].body.contains("file contents") && hits[6].body.contains("name=\"field\""));
    assert_eq!(hits[7].method, "PURGE");
    // Credentials are masked in verbose output.
    for s in ["p4ssw0rd", "dTpwNHNzdzByZA==", "k-123", "k-456"] {
        assert!(!out.stdout.contains(s), "{s} leaked:\n{}", out.stdout);
    }
}

#[test]
fn cookies_are_kept_per_collection() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let body = |name: &str, extra: &str| {
        format!(
            "name: {name}\n{extra}requests:\n  - name: set\n    url: {0}/cookie/set\n  - name: check\n    url: {0}/cookie/check\n",
            server.url
        )
    };
    write(dir.path(), "a.yaml", &body("a", ""));
    write(dir.path(), "b.yaml", &body("b", "cookies: false\n"));
    let out = run(dir.path(), &["run", "a.yaml", "b.yaml"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    let checks: Vec<_> = server
        .hits()
        .into_iter()
        .filter(|h| h.path == "/cookie/check")
        .collect();
    assert_eq!(
        checks[0].headers.get("cookie").map(String::as_str),
        Some("session=s-42")
    );
    assert_eq!(checks[1].headers.get("cookie"), None);
}

#[test]
fn when_delay_tags_filter_and_retry() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        &format!(
            r#"name: flow
vars: {{ base: "{0}", enabled: true, count: 0 }}
requests:
  - name: skipped one
    when: enabled and count > 0
    url: "{{{{ base }}}}/status/200"
  - name: runs
    when: "{{{{ enabled }}}}"
    delay: 10ms
    tags: [smoke]
    url: "{{{{ base }}}}/status/200"
  - name: polls
    url: "{{{{ base }}}}/flaky"
    retry: {{ attempts: 5, interval: 10ms }}
    expect: {{ status: 200 }}
"#,
            server.url
        ),
    );
    let out = run(dir.path(), &["run", "c.yaml"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert!(out.stdout.contains("1 skipped"), "{}", out.stdout);
    assert_eq!(server.count_path("/flaky"), 3);
    assert!(out.stdout.contains("(3 attempts)"), "{}", out.stdout);
    let before = server.count();
    let out = run(dir.path(), &["run", "c.yaml", "--tag", "smoke"]);
    assert_eq!(out.code, 0);
    assert_eq!(server.count() - before, 1);
    let before = server.count();
    let out = run(dir.path(), &["run", "c.yaml", "--filter", "flow/polls"]);
    assert_eq!(out.code, 0);
    assert_eq!(server.count() - before, 1);
}

#[test]
fn includes_share_scope_and_run_once() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "shared/login.yaml",
        &format!(
            "vars:\n  base_url: {}\n  app_token: {APP_TOKEN}\nrequests:\n  - name: authenticate\n    method: POST\n    url: \"{{{{ base_url }}}}/api/v1/authenticate\"\n    json: {{ application_token: \"{{{{ app_token }}}}\" }}\n    capture:\n      Auth_Token: $.auth_token\n",
            server.url
        ),
    );
    write(
        dir.path(),
        "suite/main.yaml",
        "requests:\n  - include: ../shared/login.yaml\n  - name: list\n    url: \"{{ base_url }}/api/v1/endpoint\"\n    headers: { Authorization: \"Bearer {{ Auth_Token }}\" }\n    expect: { status: 200 }\n",
    );
    let out = run(dir.path(), &["run", "."]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    // login.yaml is included, so it is not also run on its own.
    assert_eq!(server.count_path("/api/v1/authenticate"), 1);
    assert_eq!(server.count_path("/api/v1/endpoint"), 1);
}

#[test]
fn check_sends_nothing_and_reports_ok() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "c.yaml", &login_collection(&server.url));
    let out = crate::support::baton(dir.path())
        .args(["check", "c.yaml"])
        .env("BATON_TEST_APP_TOKEN", "x")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(server.count(), 0);
    // A secret() that is not set is an error before anything is sent.
    let out = crate::support::baton(dir.path())
        .args(["run", "c.yaml"])
        .env_remove("BATON_TEST_APP_TOKEN")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("BATON_TEST_APP_TOKEN"));
    assert_eq!(server.count(), 0);
}

#[test]
fn env_file_var_and_env_precedence() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "dev.env", "BATON_TEST_DOTENV=from-dotenv\n");
    write(
        dir.path(),
        "vars.yaml",
        &format!("base: {}\nwho: env-file\n", server.url),
    );
    write(
        dir.path(),
        "c.yaml",
        "vars: { base: http://127.0.0.1:9, who: collection, which: collection }\nrequests:\n  - name: a\n    url: \"{{ base }}/echo\"\n    query: { who: \"{{ who }}\", which: \"{{ which }}\", dot: \"{{ env('BATON_TEST_DOTENV') }}\" }\n",
    );
    let out = run(
        dir.path(),
        &[
            "run",
            "c.yaml",
            "--env",
            "vars.yaml",
            "--env-file",
            "dev.env",
            "--var",
            "which=cli",
        ],
    );
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert_eq!(
        server.hits()[0].query,
        "who=env-file&which=cli&dot=from-dotenv"
    );
}

#[test]
fn colour_only_when_asked_and_never_with_no_color() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        &format!(
            "requests:\n  - name: ok\n    url: {}/status/200\n",
            server.url
        ),
    );
    // Not a terminal: no colour by default.
    let plain = crate::support::baton(dir.path())
        .env_remove("NO_COLOR")
        .args(["run", "c.yaml"])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&plain.stdout).contains('\u{1b}'));
    let forced = crate::support::baton(dir.path())
        .env_remove("NO_COLOR")
        .args(["run", "c.yaml", "--color", "always"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&forced.stdout).contains('\u{1b}'));
    let no_color = crate::support::baton(dir.path())
        .env("NO_COLOR", "1")
        .args(["run", "c.yaml", "--color", "always"])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&no_color.stdout).contains('\u{1b}'));
}

#[test]
fn default_timeout_flag_and_proxy_flag() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "slow.yaml",
        &format!(
            "requests:\n  - name: slow\n    url: \"{}/slow?ms=2000\"\n",
            server.url
        ),
    );
    let out = run(dir.path(), &["run", "slow.yaml", "--timeout", "100ms"]);
    assert_eq!(out.code, 3, "{}", out.stdout);
    assert!(
        out.stdout.contains("timed out after 100ms"),
        "{}",
        out.stdout
    );
    // Through --proxy, a request for another host reaches the proxy (our server) in absolute form.
    write(
        dir.path(),
        "proxied.yaml",
        "requests:\n  - name: via proxy\n    url: http://api.example.invalid/echo\n    expect: { status: 200 }\n",
    );
    let before = server.count_path("/echo");
    let out = run(dir.path(), &["run", "proxied.yaml", "--proxy", &server.url]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert_eq!(server.count_path("/echo") - before, 1);
    assert_eq!(
        server.hits().last().unwrap().headers["host"],
        "api.example.invalid"
    );
}

#[test]
fn directory_runs_skip_mocks_and_other_yaml_and_say_so_with_v() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "api/a.yaml",
        &format!(
            "requests:\n  - name: a\n    url: {}/status/200\n",
            server.url
        ),
    );
    write(
        dir.path(),
        "api/mock.yaml",
        "routes:\n  - when: { path: /x }\n    respond: { status: 200 }\n",
    );
    write(dir.path(), "api/env.yaml", "base_url: http://localhost\n");
    let out = run(dir.path(), &["run", "api", "-v"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert_eq!(server.count(), 1);
    assert!(
        out.stderr
            .contains("skipped api/env.yaml (not a collection)"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("skipped api/mock.yaml (mock file)"),
        "{}",
        out.stderr
    );
    let quiet = run(dir.path(), &["run", "api"]);
    assert!(!quiet.stderr.contains("skipped"));
    // check takes --mock too: the variable it serves counts as defined.
    write(
        dir.path(),
        "uses_mock.yaml",
        "requests:\n  - name: a\n    url: \"{{ base_url }}/x\"\n",
    );
    assert_eq!(run(dir.path(), &["check", "uses_mock.yaml"]).code, 2);
    let out = run(
        dir.path(),
        &["check", "uses_mock.yaml", "--mock", "api/mock.yaml"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
}
