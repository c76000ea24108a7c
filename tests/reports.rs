//! Reports through the binary for a run with a pass, a failure, a skip and a secret capture:
//! JUnit (snapshot + XSD), JSON (snapshot + JSON Schema), terminal (snapshot), HTML in real
//! headless Chromium, and GitHub annotations.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{APP_TOKEN, AUTH_TOKEN, TestServer, write};

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
    let t = regex::Regex::new(r#""duration_ms": [0-9.]+"#)
        .unwrap()
        .replace_all(&t, r#""duration_ms": 0"#)
        .into_owned();
    let t = regex::Regex::new(r"date: [^\n&<]+")
        .unwrap()
        .replace_all(&t, "date: DATE")
        .into_owned();
    let t = regex::Regex::new(r#""value": "[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} [0-9:]+ GMT""#)
        .unwrap()
        .replace_all(&t, r#""value": "DATE""#)
        .into_owned();
    common::stable(&t).replace(
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
    let out = common::run(
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

#[test]
fn junit_validates_against_the_xsd() {
    let r = run_with_reports();
    let xsd = root().join("tests/fixtures/junit.xsd");
    let report = r.dir.path().join("out/report.xml");
    match Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&xsd)
        .arg(&report)
        .output()
    {
        Ok(out) => assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) => {
            assert!(
                std::env::var("CI").is_err(),
                "xmllint is missing in CI ({e}): run ci/setup.sh"
            );
            eprintln!("skipped: xmllint not installed ({e}); ci/setup.sh installs it");
        }
    }
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

#[test]
fn html_report_renders_in_chromium() {
    let r = run_with_reports();
    let html = read(r.dir.path(), "out/report.html");
    assert!(
        !html.contains("http://") || !html.contains("<link"),
        "no external assets"
    );
    assert!(
        !html.contains("<script src") && !html.contains("<link"),
        "self-contained"
    );
    let Some(chromium) = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|c| Command::new(c).arg("--version").output().is_ok())
    else {
        assert!(
            std::env::var("CI").is_err(),
            "chromium is missing in CI: run ci/setup.sh"
        );
        eprintln!("skipped: chromium not installed; ci/setup.sh installs it");
        return;
    };
    let profile = tempfile::tempdir().unwrap();
    let file = format!("file://{}", r.dir.path().join("out/report.html").display());
    let flags = [
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
    let out = Command::new(chromium)
        .args(flags)
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(["--virtual-time-budget=2000", "--dump-dom"])
        .arg(&file)
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&out.stdout);
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
        dom.contains(r#"<details class="request failed" data-outcome="failed" open="">"#),
        "{dom}"
    );
    let artifacts = root().join("tests/artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    let shot = artifacts.join("report.png");
    let _ = std::fs::remove_file(&shot);
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(chromium)
        .args(flags)
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(["--window-size=1200,900", "--hide-scrollbars"])
        .arg(format!("--screenshot={}", shot.display()))
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        shot.exists(),
        "no screenshot: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn github_annotations_point_at_the_request_line() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "demo.yaml", &collection(&server.url));
    let out = common::baton(dir.path())
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
    let without = common::run(dir.path(), &["run", "demo.yaml"]);
    assert!(!without.stdout.contains("::error"));
}
