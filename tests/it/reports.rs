//! Reports through the binary for a run with a pass, a failure, a skip and a secret capture:
//! JUnit (snapshot + XSD), JSON (snapshot + JSON Schema), terminal (snapshot), HTML in real
//! headless Chromium (timeline and filter read from the rendered DOM), GitHub annotations and
//! the job summary; then phases of a retried request, body previews, and an interrupted request
//! in JUnit.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::support::{APP_TOKEN, AUTH_TOKEN, TestServer, write};
use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn collection(url: &str) -> String {
    format!(
        r#"name: reports demo
vars: {{ base: "{url}", app_token: {APP_TOKEN} }}
requests:
  - name: login
    method: POST
    url: "{{{{ base }}}}/api/v1/authenticate"
    json: {{ application_token: "{{{{ app_token }}}}" }}
    expect: {{ status: 200 }}
    capture:
      Auth_Token: {{ json: $.auth_token, secret: true }}
  - name: endpoints
    url: "{{{{ base }}}}/api/v1/endpoint"
    auth: {{ bearer: "{{{{ Auth_Token }}}}" }}
    expect:
      status: 200
      json:
        $[0].name: esp32-01
  - name: only on fridays
    when: "false"
    url: "{{{{ base }}}}/status/200"
"#
    )
}

/// Times, dates and ports vary: normalise them for snapshots.
fn normalise(text: &str, url: &str) -> String {
    let t = text
        .replace(url, "http://SERVER")
        .replace(url.trim_start_matches("http://"), "SERVER");
    let t = regex::Regex::new(r#"time="[0-9.]+""#)
        .unwrap()
        .replace_all(&t, r#"time="0""#)
        .into_owned();
    let t = regex::Regex::new(r#""(duration|started|start)_ms": [0-9.]+"#)
        .unwrap()
        .replace_all(&t, r#""${1}_ms": 0"#)
        .into_owned();
    let t = regex::Regex::new(r"date: [^\n&<]+")
        .unwrap()
        .replace_all(&t, "date: DATE")
        .into_owned();
    let t = regex::Regex::new(r#""value": "[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} [0-9:]+ GMT""#)
        .unwrap()
        .replace_all(&t, r#""value": "DATE""#)
        .into_owned();
    crate::support::stable(&t).replace(
        concat!("\"tool_version\": \"", env!("CARGO_PKG_VERSION"), "\""),
        "\"tool_version\": \"X\"",
    )
}

struct Run {
    dir: tempfile::TempDir,
    url: String,
    stdout: String,
    code: i32,
    _server: TestServer,
}

fn run_with_reports() -> Run {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "demo.yaml", &collection(&server.url));
    let out = crate::support::run(
        dir.path(),
        &[
            "run",
            "demo.yaml",
            "--report",
            "junit=out/report.xml",
            "--report",
            "json=out/report.json",
            "--report",
            "html=out/report.html",
        ],
    );
    Run {
        url: server.url.clone(),
        dir,
        stdout: out.stdout,
        code: out.code,
        _server: server,
    }
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap()
}

#[test]
fn junit_json_and_terminal_reports() {
    let r = run_with_reports();
    assert_eq!(r.code, 1, "{}", r.stdout);
    let junit = read(r.dir.path(), "out/report.xml");
    let json = read(r.dir.path(), "out/report.json");
    for text in [&junit, &json, &r.stdout] {
        assert!(
            !text.contains(AUTH_TOKEN),
            "the secret capture leaked:\n{text}"
        );
    }
    insta::assert_snapshot!("terminal", normalise(&r.stdout, &r.url));
    insta::assert_snapshot!("junit", normalise(&junit, &r.url));
    insta::assert_snapshot!("json", normalise(&json, &r.url));
}

/// On a CI machine (`CI` set and not `false`) a missing tool fails the test instead of
/// skipping it.
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// A tool the test needs: `None` (said loudly) where it is missing, a failure in CI.
fn tool(names: &[&'static str], what: &str) -> Option<&'static str> {
    let found = names
        .iter()
        .copied()
        .find(|c| Command::new(c).arg("--version").output().is_ok());
    if found.is_none() {
        assert!(
            !in_ci(),
            "{what} is missing in CI (tried {names:?}): run ci/setup.sh"
        );
        eprintln!("SKIPPED: {what} is not installed (tried {names:?}); ci/setup.sh installs it");
    }
    found
}

/// Validate a JUnit file against the strict XSD the CI systems use.
fn assert_valid_junit(report: &Path) {
    let Some(xmllint) = tool(&["xmllint"], "xmllint") else {
        return;
    };
    let out = Command::new(xmllint)
        .arg("--noout")
        .arg("--schema")
        .arg(root().join("tests/fixtures/junit.xsd"))
        .arg(report)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn junit_validates_against_the_xsd() {
    let r = run_with_reports();
    assert_valid_junit(&r.dir.path().join("out/report.xml"));
}

#[test]
fn json_report_matches_its_schema() {
    let r = run_with_reports();
    let schema: serde_json::Value =
        serde_json::from_str(&read(&root(), "schema/report.schema.json")).unwrap();
    let report: serde_json::Value =
        serde_json::from_str(&read(r.dir.path(), "out/report.json")).unwrap();
    let v = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = v
        .iter_errors(&report)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(report["summary"]["total"], 3);
    assert_eq!(
        report["collections"][0]["requests"][0]["captures"][0]["value"],
        "***"
    );
}

const CHROMIUM_FLAGS: [&str; 9] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
];

fn chromium() -> Option<&'static str> {
    tool(
        &["chromium", "chromium-browser", "google-chrome"],
        "chromium",
    )
}

/// The DOM of `url` after the page's script ran.
fn dump_dom(chromium: &str, url: &str) -> String {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(chromium)
        .args(CHROMIUM_FLAGS)
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(["--virtual-time-budget=2000", "--dump-dom"])
        .arg(url)
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        dom.contains("</html>"),
        "chromium rendered nothing: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    dom
}

/// A screenshot of `url` in tests/artifacts/ (not committed), to look at.
fn screenshot(chromium: &str, url: &str, name: &str, size: &str) {
    let artifacts = root().join("tests/artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    let shot = artifacts.join(name);
    let _ = std::fs::remove_file(&shot);
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(chromium)
        .args(CHROMIUM_FLAGS)
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args([&format!("--window-size={size}"), "--hide-scrollbars"])
        .arg(format!("--screenshot={}", shot.display()))
        .arg(url)
        .output()
        .unwrap();
    assert!(
        shot.exists(),
        "no screenshot: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A timeline bar in the rendered DOM.
#[derive(Debug)]
struct Bar {
    outcome: String,
    target: String,
    width: f64,
    segments: Vec<String>,
    title: String,
}

fn bars(dom: &str) -> Vec<Bar> {
    let bar = regex::Regex::new(
        r##"<a class="bar (\w+)" href="#(r\d+)" style="left:[0-9.]+%;width:([0-9.]+)%" title="([^"]*)">(.*?)</a>"##,
    )
    .unwrap();
    let seg = regex::Regex::new(r#"<span class="seg ([\w ]+)""#).unwrap();
    bar.captures_iter(dom)
        .map(|c| Bar {
            outcome: c[1].to_string(),
            target: c[2].to_string(),
            width: c[3].parse().unwrap(),
            title: c[4].to_string(),
            segments: seg.captures_iter(&c[5]).map(|s| s[1].to_string()).collect(),
        })
        .collect()
}

/// `(outcome, hidden)` of each row of the request list, or of each lane of the timeline.
type Shown = Vec<(String, bool)>;

/// What the request list and the timeline show, in order.
fn visibility(dom: &str) -> (Shown, Shown) {
    let row = regex::Regex::new(r#"<details class="request (\w+)"([^>]*)>"#).unwrap();
    let lane =
        regex::Regex::new(r#"<div class="lane" data-req="r\d+" data-outcome="(\w+)"([^>]*)>"#)
            .unwrap();
    let read = |re: &regex::Regex| {
        re.captures_iter(dom)
            .map(|c| (c[1].to_string(), c[2].contains(r#"hidden="""#)))
            .collect::<Vec<_>>()
    };
    (read(&row), read(&lane))
}

fn shown(dom: &str) -> String {
    regex::Regex::new(r#"id="shown">([^<]*)<"#)
        .unwrap()
        .captures(dom)
        .map(|c| c[1].to_string())
        .unwrap_or_else(|| panic!("no #shown in the DOM:\n{dom}"))
}

#[test]
fn html_report_renders_in_chromium() {
    let r = run_with_reports();
    let html = read(r.dir.path(), "out/report.html");
    assert!(
        !html.contains("<script src") && !html.contains("<link") && !html.contains("url("),
        "self-contained: no external scripts, stylesheets, fonts or images"
    );
    let Some(chromium) = chromium() else {
        return;
    };
    let file = format!("file://{}", r.dir.path().join("out/report.html").display());
    let dom = dump_dom(chromium, &file);
    let number = |id: &str| -> String {
        let re = regex::Regex::new(&format!(r#"id="{id}">(\d+)<"#)).unwrap();
        re.captures(&dom)
            .map(|c| c[1].to_string())
            .unwrap_or_else(|| panic!("no #{id} in the rendered DOM:\n{dom}"))
    };
    assert_eq!(number("summary-total"), "3");
    assert_eq!(number("summary-passed"), "1");
    assert_eq!(number("summary-failed"), "1");
    assert_eq!(number("summary-skipped"), "1");
    // The page's script ran: failed requests are opened.
    assert!(
        regex::Regex::new(r#"<details class="request failed" [^>]*open="""#)
            .unwrap()
            .is_match(&dom),
        "{dom}"
    );
    // The timeline: one bar per request, in order, coloured by outcome, linked to its row.
    let b = bars(&dom);
    let outcomes: Vec<&str> = b.iter().map(|b| b.outcome.as_str()).collect();
    assert_eq!(outcomes, ["passed", "failed", "skipped"], "{dom}");
    for bar in &b {
        assert!(dom.contains(&format!(r#"id="{}""#, bar.target)), "{bar:?}");
    }
    assert_eq!(b[0].segments, ["send"]);
    assert!(
        b[1].title.starts_with("endpoints\nfailed · status 200 · "),
        "{:?}",
        b[1].title
    );
    assert!(b[1].title.contains("json $[0].name eq"), "{:?}", b[1].title);
    let (rows, lanes) = visibility(&dom);
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().chain(&lanes).all(|(_, hidden)| !hidden));
    assert_eq!(shown(&dom), "3 requests");

    // "failed only" hides the passed and skipped rows and their bars.
    let dom = dump_dom(chromium, &format!("{file}?failed"));
    let (rows, lanes) = visibility(&dom);
    let expect = vec![
        ("passed".to_string(), true),
        ("failed".to_string(), false),
        ("skipped".to_string(), true),
    ];
    assert_eq!(rows, expect, "{dom}");
    assert_eq!(lanes, expect, "{dom}");
    assert!(dom.contains(r#"id="failed-only" checked"#) || dom.contains("1 of 3"));
    assert_eq!(shown(&dom), "1 of 3 requests shown");

    // The text filter matches request names, ignoring case.
    let dom = dump_dom(chromium, &format!("{file}?q=LOG"));
    let (rows, lanes) = visibility(&dom);
    let expect = vec![
        ("passed".to_string(), false),
        ("failed".to_string(), true),
        ("skipped".to_string(), true),
    ];
    assert_eq!(rows, expect, "{dom}");
    assert_eq!(lanes, expect, "{dom}");

    screenshot(chromium, &file, "report.png", "1200,900");
}

/// A server for the timeline: `/once` fails once then answers 200, `/slow?ms=N` waits, `/big`
/// answers 200 kB.
fn timeline_server() -> (String, tokio::runtime::Runtime) {
    let hits = Arc::new(AtomicUsize::new(0));
    let app = Router::new()
        .route("/ok", get(|| async { "ok" }))
        .route(
            "/once",
            get(move || {
                let n = hits.fetch_add(1, Ordering::SeqCst);
                async move {
                    if n == 0 {
                        (StatusCode::SERVICE_UNAVAILABLE, "not yet")
                    } else {
                        (StatusCode::OK, "ready")
                    }
                }
            }),
        )
        .route(
            "/slow",
            get(
                |q: axum::extract::Query<std::collections::HashMap<String, u64>>| async move {
                    tokio::time::sleep(Duration::from_millis(q.get("ms").copied().unwrap_or(100)))
                        .await;
                    "slow"
                },
            ),
        )
        .route(
            "/big",
            // Reads the request body first, so a large upload is not reset.
            axum::routing::any(|_body: axum::body::Bytes| async { "x".repeat(200_000) }),
        );
    crate::support::serve(app)
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// A run with a quick pass, a retried pass, a delayed slow pass, a failure, an unreachable host
/// and a skip, reported as JSON and HTML.
fn run_timeline() -> (tempfile::TempDir, tokio::runtime::Runtime) {
    let (url, runtime) = timeline_server();
    let dir = tempfile::tempdir().unwrap();
    let port = closed_port();
    write(
        dir.path(),
        "timeline.yaml",
        &format!(
            r#"name: timeline
requests:
  - name: quick
    url: {url}/ok
    expect: {{ status: 200 }}
  - name: flaky
    url: {url}/once
    retry: {{ attempts: 3, interval: 150ms }}
    expect: {{ status: 200 }}
  - name: slow
    url: "{url}/slow?ms=300"
    delay: 100ms
    expect: {{ status: 200 }}
  - name: wrong status
    url: {url}/ok
    expect: {{ status: 201 }}
  - name: unreachable
    url: http://127.0.0.1:{port}/
  - name: never
    when: "false"
    url: {url}/ok
"#
        ),
    );
    let out = crate::support::run(
        dir.path(),
        &[
            "run",
            "timeline.yaml",
            "--report",
            "json=report.json",
            "--report",
            "html=report.html",
        ],
    );
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    (dir, runtime)
}

#[test]
fn html_timeline_shows_retries_delays_and_outcomes() {
    let (dir, _server) = run_timeline();
    let Some(chromium) = chromium() else {
        return;
    };
    let file = format!("file://{}", dir.path().join("report.html").display());
    let dom = dump_dom(chromium, &file);
    let b = bars(&dom);
    let outcomes: Vec<&str> = b.iter().map(|b| b.outcome.as_str()).collect();
    assert_eq!(
        outcomes,
        ["passed", "passed", "passed", "failed", "error", "skipped"],
        "{dom}"
    );
    // The first send was answered 503: it is marked as retried, the last one is not.
    assert_eq!(
        b[1].segments,
        ["send retried", "wait", "send"],
        "{:?}",
        b[1]
    );
    assert!(b[1].title.contains("send 2 of 2"), "{:?}", b[1].title);
    assert!(b[1].title.contains("retry wait"), "{:?}", b[1].title);
    assert!(dom.contains("2 sends"), "the retried request is tagged");
    assert_eq!(b[2].segments, ["delay", "send"], "{:?}", b[2]);
    assert!(b[5].segments.is_empty());
    // The slow step is seen: its bar is the longest, many times the quick one.
    assert!(b[2].width > 5.0 * b[0].width, "{b:?}");
    assert!(b.iter().all(|x| x.width <= b[2].width), "{b:?}");
    for kind in [
        "passed",
        "failed",
        "error",
        "skipped",
        "send",
        "retry wait",
        "delay",
    ] {
        assert!(
            dom.contains(&format!("</i>{kind}</span>")),
            "the legend names {kind}"
        );
    }
    let dom = dump_dom(chromium, &format!("{file}?failed"));
    let (rows, lanes) = visibility(&dom);
    let visible: Vec<&str> = rows
        .iter()
        .filter(|(_, h)| !h)
        .map(|(o, _)| o.as_str())
        .collect();
    assert_eq!(visible, ["failed", "error"]);
    assert_eq!(rows, lanes);
    screenshot(chromium, &file, "timeline.png", "1200,800");
}

#[test]
fn json_report_has_phases_of_a_retried_request() {
    let (dir, _server) = run_timeline();
    let report: serde_json::Value = serde_json::from_str(&read(dir.path(), "report.json")).unwrap();
    let schema: serde_json::Value =
        serde_json::from_str(&read(&root(), "schema/report.schema.json")).unwrap();
    let v = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = v.iter_errors(&report).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let requests = report["collections"][0]["requests"].as_array().unwrap();
    let flaky = &requests[1];
    assert_eq!(flaky["attempts"], 2);
    let phases = flaky["phases"].as_array().unwrap();
    let kinds: Vec<&str> = phases.iter().map(|p| p["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["send", "wait", "send"], "{flaky:#}");
    let num = |v: &serde_json::Value| v.as_f64().unwrap();
    assert!(num(&phases[1]["duration_ms"]) >= 150.0, "{flaky:#}");
    // Phases follow each other inside the request's own span.
    let started = num(&flaky["started_ms"]);
    let end = started + num(&flaky["duration_ms"]);
    let mut at = started;
    for p in phases {
        let (s, d) = (num(&p["start_ms"]), num(&p["duration_ms"]));
        assert!(s >= at - 0.001 && s + d <= end + 0.001, "{flaky:#}");
        at = s + d;
    }
    // Requests of one collection start one after the other.
    let starts: Vec<f64> = requests.iter().map(|r| num(&r["started_ms"])).collect();
    assert!(starts.windows(2).all(|w| w[0] <= w[1]), "{starts:?}");
    let slow = &requests[2]["phases"];
    assert_eq!(slow[0]["kind"], "delay");
    assert!(num(&slow[0]["duration_ms"]) >= 100.0);
    assert!(num(&slow[1]["duration_ms"]) >= 300.0);
}

#[test]
fn github_annotations_point_at_the_request_line() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "demo.yaml", &collection(&server.url));
    let out = crate::support::baton(dir.path())
        .args(["run", "demo.yaml"])
        .env("GITHUB_ACTIONS", "true")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(
            "::error file=demo.yaml,line=11::reports demo / endpoints: json $[0].name eq"
        ),
        "{stdout}"
    );
    let without = crate::support::run(dir.path(), &["run", "demo.yaml"]);
    assert!(!without.stdout.contains("::error"));
}

fn summary_collection(url: &str) -> String {
    format!(
        r#"name: "summary | demo"
requests:
  - name: fine
    url: {url}/status/200
    expect: {{ status: 200 }}
  - name: "wrong `status` | here"
    url: {url}/status/404
    expect: {{ status: 200 }}
  - name: json check
    url: {url}/json
    expect:
      json:
        $.name: "*arduino* | <b>"
  - name: weekend only
    when: "false"
    url: {url}/status/200
"#
    )
}

#[test]
fn github_step_summary_is_appended_markdown() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "summary.yaml", &summary_collection(&server.url));
    write(dir.path(), "step-summary.md", "earlier step\n\n");
    let out = crate::support::baton(dir.path())
        .args(["run", "summary.yaml"])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", dir.path().join("step-summary.md"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let md = read(dir.path(), "step-summary.md");
    let appended = md
        .strip_prefix("earlier step\n\n")
        .unwrap_or_else(|| panic!("the summary replaced what was there:\n{md}"));
    insta::assert_snapshot!("step_summary", normalise(appended, &server.url));

    // Not on GitHub Actions: the file is left alone.
    write(dir.path(), "other.md", "");
    let out = crate::support::baton(dir.path())
        .args(["run", "summary.yaml"])
        .env("GITHUB_STEP_SUMMARY", dir.path().join("other.md"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(read(dir.path(), "other.md"), "");
}

#[test]
fn github_step_summary_that_cannot_be_written_names_its_path() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "summary.yaml", &summary_collection(&server.url));
    // A directory where the file should be.
    let target = dir.path().join("summary-dir");
    std::fs::create_dir(&target).unwrap();
    let out = crate::support::baton(dir.path())
        .args(["run", "summary.yaml"])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &target)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "error: writing a report: GITHUB_STEP_SUMMARY {}",
            target.display()
        )),
        "{stderr}"
    );
    assert_ne!(out.status.code(), Some(0));
}

#[test]
fn reports_keep_a_preview_of_a_large_body() {
    let (url, _server) = timeline_server();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "big.yaml",
        &format!(
            "requests:\n  - name: big\n    method: POST\n    url: {url}/big\n    body: \"{}\"\n    expect: {{ status: 500 }}\n",
            "y".repeat(40_000)
        ),
    );
    let out = crate::support::run(
        dir.path(),
        &[
            "run",
            "big.yaml",
            "--report",
            "json=r.json",
            "--report",
            "html=r.html",
            "--report",
            "junit=r.xml",
        ],
    );
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let report: serde_json::Value = serde_json::from_str(&read(dir.path(), "r.json")).unwrap();
    let big = &report["collections"][0]["requests"][0];
    let response = &big["response"];
    assert_eq!(response["body_bytes"], 200_000);
    assert_eq!(response["body_truncated"], true);
    assert_eq!(response["body"].as_str().unwrap().len(), 16 * 1024);
    assert_eq!(big["request"]["body_bytes"], 40_000);
    assert_eq!(big["request"]["body_truncated"], true);
    let schema: serde_json::Value =
        serde_json::from_str(&read(&root(), "schema/report.schema.json")).unwrap();
    assert!(
        jsonschema::validator_for(&schema)
            .unwrap()
            .is_valid(&report)
    );
    let html = read(dir.path(), "r.html");
    assert!(html.contains("[cut: the first 16 KiB of 200000 bytes shown]"));
    assert!(html.contains("[cut: the first 16 KiB of 40000 bytes shown]"));
    for (name, limit) in [("r.json", 60_000), ("r.html", 80_000), ("r.xml", 60_000)] {
        let size = std::fs::metadata(dir.path().join(name)).unwrap().len();
        assert!(size < limit, "{name} is {size} bytes");
    }
}

#[test]
fn junit_reports_an_interrupted_request_as_an_error() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        &format!(
            "name: stopped\nrequests:\n  - name: quick\n    url: {0}/status/200\n  - name: slow\n    url: \"{0}/slow?ms=20000\"\n  - name: never\n    url: {0}/status/200\n",
            server.url
        ),
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(["run", "c.yaml", "--report", "junit=out.xml"])
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .env_remove("CI")
        .env_remove("GITHUB_ACTIONS")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while server.count_path("/slow") == 0 {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the slow request never arrived"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    assert_eq!(child.wait().unwrap().code(), Some(130));
    let xml = read(dir.path(), "out.xml");
    let case = |name: &str| -> String {
        let re = regex::Regex::new(&format!(
            r#"(?s)<testcase name="{name}"[^>]*?(/>|>.*?</testcase>)"#
        ))
        .unwrap();
        re.find(&xml)
            .unwrap_or_else(|| panic!("no testcase {name}:\n{xml}"))
            .as_str()
            .to_string()
    };
    let slow = case("slow");
    assert!(
        slow.contains(r#"<error message="interrupted" type="interrupted""#),
        "{slow}"
    );
    assert!(!slow.contains("<skipped"), "{slow}");
    assert!(!case("quick").contains("<error"), "{xml}");
    assert!(
        !xml.contains(r#"name="never""#),
        "nothing after the interrupt is reported as run:\n{xml}"
    );
    assert!(
        regex::Regex::new(
            r#"<testsuite name="stopped" tests="2" skipped="0" errors="1" failures="0""#
        )
        .unwrap()
        .is_match(&xml),
        "{xml}"
    );
    assert_valid_junit(&dir.path().join("out.xml"));
}
