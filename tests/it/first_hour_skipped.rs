//! When an earlier request fails, what cannot run is skipped with its reason and counted
//! in every report; a run whose only failures are transport failures (and what they
//! skipped) exits 3; under `--fail-fast` what was not run is counted as skipped.

use std::path::Path;

use crate::support::{TestServer, baton, run, write};

/// A URL where nothing listens: a port this process bound and let go.
fn closed_url() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    format!("http://127.0.0.1:{port}")
}

/// Login, then three calls that need its token (through `defaults`), one that needs a
/// capture of the first call, and one that needs nothing.
fn login_flow(dir: &Path, base: &str) {
    write(
        dir,
        "shop.yaml",
        &format!(
            r#"name: shop
vars:
  base_url: {base}
defaults:
  auth: {{ bearer: "{{{{ token }}}}" }}
requests:
  - name: login
    method: POST
    url: "{{{{ base_url }}}}/json"
    auth: none
    capture:
      token: $.token
  - name: list
    url: "{{{{ base_url }}}}/json"
    capture: {{ first: "$.data[0].id" }}
  - name: item
    url: "{{{{ base_url }}}}/json?id={{{{ first }}}}"
  - name: health
    url: "{{{{ base_url }}}}/text"
    auth: none
"#
        ),
    );
}

#[test]
fn after_a_transport_failure_the_dependents_are_skipped_and_the_run_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    login_flow(dir.path(), &closed_url());
    let summary = dir.path().join("summary.md");
    let out = baton(dir.path())
        .args(["run", "shop.yaml"])
        .args(["--report", "junit=r.xml", "--report", "json=r.json"])
        .args(["--report", "html=r.html"])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{stdout}");
    // The real cause, not "`token` is not defined" at the `defaults` line.
    assert!(!stdout.contains("not defined"), "{stdout}");
    assert!(!stdout.contains("defaults"), "{stdout}");
    for name in ["list", "item"] {
        assert!(
            stdout.contains(&format!(
                "  - {name} GET --- skipped\n      skipped: login could not complete"
            )),
            "{stdout}"
        );
    }
    assert!(stdout.contains("0 passed, 2 failed, 2 skipped"), "{stdout}");

    let junit = std::fs::read_to_string(dir.path().join("r.xml")).unwrap();
    assert_eq!(junit.matches("<skipped").count(), 2, "{junit}");
    assert!(
        junit.contains(r#"<skipped message="skipped: login could not complete"/>"#),
        "{junit}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("r.json")).unwrap()).unwrap();
    assert_eq!(json["summary"]["skipped"], 2, "{json}");
    let skipped: Vec<&serde_json::Value> = json["collections"][0]["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["outcome"] == "skipped")
        .collect();
    assert_eq!(skipped.len(), 2, "{json}");
    assert_eq!(skipped[0]["message"], "skipped: login could not complete");
    let html = std::fs::read_to_string(dir.path().join("r.html")).unwrap();
    assert!(
        html.contains(r#"<b id="summary-skipped">2</b>"#),
        "html summary"
    );
    assert!(html.contains("skipped: login could not complete"));
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(md.contains("0 passed, 2 failed, 2 skipped"), "{md}");
}

#[test]
fn after_a_failed_capture_the_dependents_are_skipped_and_the_run_exits_1() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    login_flow(dir.path(), &server.url);
    let out = run(dir.path(), &["run", "shop.yaml"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(
        out.stdout
            .contains("  - list GET --- skipped\n      skipped: capture `token` of `login` failed"),
        "{}",
        out.stdout
    );
    // What `list` would have captured is missing for the same reason.
    assert!(
        out.stdout
            .contains("  - item GET --- skipped\n      skipped: capture `token` of `login` failed"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("1 passed, 1 failed, 2 skipped"),
        "{}",
        out.stdout
    );
    // Nothing that needed the token was sent: only the login and the health check.
    assert_eq!(server.count(), 2);
}

#[test]
fn an_expectation_failure_with_a_transport_failure_still_exits_1() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let closed = closed_url();
    write(
        dir.path(),
        "c.yaml",
        &format!(
            "requests:\n  - name: down\n    url: {closed}/x\n  - name: wrong\n    url: {}/status/500\n    expect: {{ status: 200 }}\n",
            server.url
        ),
    );
    let out = run(dir.path(), &["run", "c.yaml"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
}

#[test]
fn fail_fast_counts_what_was_not_run_as_skipped_with_stable_totals() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    for name in ["a", "b", "c", "d"] {
        write(
            dir.path(),
            &format!("suite/{name}.yaml"),
            &format!(
                "requests:\n  - name: one\n    url: {0}/slow?ms=30\n  - name: two\n    url: {0}/status/500\n    expect: {{ status: 200 }}\n  - name: three\n    url: {0}/text\n",
                server.url
            ),
        );
    }
    for _ in 0..3 {
        let out = run(
            dir.path(),
            &[
                "run",
                "suite",
                "--fail-fast",
                "--jobs",
                "2",
                "--report",
                "junit=r.xml",
            ],
        );
        assert_eq!(out.code, 1, "{}", out.stdout);
        let line = out.stdout.lines().last().unwrap();
        let counts: Vec<usize> = line
            .split(|c: char| !c.is_ascii_digit())
            .filter(|s| !s.is_empty())
            .take(3)
            .map(|s| s.parse().unwrap())
            .collect();
        assert_eq!(counts.iter().sum::<usize>(), 12, "{line}");
        assert!(counts[2] > 0, "{line}");
        assert!(
            out.stdout.contains("skipped: --fail-fast"),
            "{}",
            out.stdout
        );
        let junit = std::fs::read_to_string(dir.path().join("r.xml")).unwrap();
        assert_eq!(junit.matches("<testcase").count(), 12, "{junit}");
        assert_eq!(
            junit
                .matches("<skipped message=\"skipped: --fail-fast\"")
                .count(),
            counts[2],
            "{junit}"
        );
    }
}

#[test]
fn an_included_vars_entry_that_fails_to_render_is_reported_by_its_user() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "parts/shared.yaml",
        "vars:\n  page: \"{{ base_url.nothing }}\"\nrequests:\n  - name: probe\n    url: \"{{ base_url }}/text\"\n",
    );
    write(
        dir.path(),
        "c.yaml",
        &format!(
            "vars:\n  base_url: {}\nrequests:\n  - include: parts/shared.yaml\n  - name: paged\n    url: \"{{{{ base_url }}}}/json?page={{{{ page }}}}\"\n",
            server.url
        ),
    );
    let out = run(dir.path(), &["run", "c.yaml"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(
        out.stdout
            .contains("`page` is not set: its `vars` entry did not render"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("parts/shared.yaml:2:9"),
        "{}",
        out.stdout
    );
    assert_eq!(server.count_path("/json"), 0);
}

#[test]
fn fail_fast_inside_a_for_each_counts_the_items_not_run() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        &format!(
            "requests:\n  - name: codes\n    for_each: [200, 500, 200, 200]\n    url: \"{}/status/{{{{ item }}}}\"\n    expect: {{ status: 200 }}\n",
            server.url
        ),
    );
    let out = run(dir.path(), &["run", "c.yaml", "--fail-fast"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(
        out.stdout
            .contains("  - codes [3] GET --- skipped\n      skipped: --fail-fast"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("1 passed, 1 failed, 2 skipped"),
        "{}",
        out.stdout
    );
    assert_eq!(server.count(), 2);
}
