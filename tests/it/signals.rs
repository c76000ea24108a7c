//! Ctrl-C during a run: stop sending, finish the report with what ran, exit 130.
//!
//! Signals: SIGTERM during a run writes every report with the request in flight marked
//! interrupted and exits 143 (SIGINT: 130), also with collections in parallel; `baton mock`
//! stops promptly on SIGTERM and on SIGINT while clients hold half-sent requests.

use crate::support::{TestServer, write};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn sigint_stops_the_run_and_exits_130() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        &format!(
            "requests:\n  - name: quick\n    url: {0}/status/200\n  - name: slow\n    url: \"{0}/slow?ms=20000\"\n  - name: never\n    url: {0}/status/200\n",
            server.url
        ),
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(["run", "c.yaml"])
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the slow request is in flight, then interrupt.
    let start = Instant::now();
    while server.count_path("/slow") == 0 {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the slow request never arrived"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let code = child.wait().unwrap().code();
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    assert_eq!(code, Some(130), "{stdout}");
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "the run did not stop promptly"
    );
    assert!(
        stdout.contains("^C slow"),
        "the interrupted request is marked:\n{stdout}"
    );
    assert!(stdout.contains("(interrupted)"), "{stdout}");
    assert_eq!(
        server.count_path("/status/200"),
        1,
        "nothing is sent after the interrupt"
    );
}

/// Start `baton run ARGS` in `dir` with `env`, wait until `ready`, send `signal`;
/// (exit code, stdout).
fn interrupt(
    dir: &std::path::Path,
    args: &[&str],
    env: &[(&str, &std::ffi::OsStr)],
    signal: &str,
    ready: impl FnMut() -> bool,
) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CI")
        .env_remove("GITHUB_ACTIONS")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    crate::support::trust::wait_until(
        Duration::from_secs(10),
        "the slow request never arrived",
        ready,
    );
    let start = Instant::now();
    crate::support::trust::signal(&child, signal);
    let (code, _) = crate::support::trust::wait_with_peak(&mut child, Duration::from_secs(10));
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "stopped {:?} after SIG{signal}",
        start.elapsed()
    );
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    (code, stdout)
}

fn read(dir: &std::path::Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn sigterm_writes_the_reports_marks_the_request_in_flight_and_exits_143() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        &format!(
            "name: stopped\nrequests:\n  - name: quick\n    url: {0}/status/200\n  - name: slow\n    url: \"{0}/slow?ms=30000\"\n  - name: never\n    url: {0}/status/201\n",
            server.url
        ),
    );
    let summary = dir.path().join("summary.md");
    let args = [
        "run",
        "c.yaml",
        "-v",
        "--report",
        "junit=out/junit.xml",
        "--report",
        "json=out/report.json",
        "--report",
        "html=out/report.html",
    ];
    // The job summary too, as on GitHub Actions.
    let env = [
        ("GITHUB_ACTIONS", std::ffi::OsStr::new("true")),
        ("GITHUB_STEP_SUMMARY", summary.as_os_str()),
    ];
    let (code, stdout) = interrupt(dir.path(), &args, &env, "TERM", || {
        server.count_path("/slow") > 0
    });
    assert_eq!(code, Some(143), "{stdout}");
    assert!(stdout.contains("^C slow"), "{stdout}");
    assert!(stdout.contains("(interrupted)"), "{stdout}");
    assert_eq!(
        server.count_path("/status/201"),
        0,
        "nothing sent after SIGTERM"
    );

    let junit = read(dir.path(), "out/junit.xml");
    assert!(
        junit.contains(r#"<error message="interrupted" type="interrupted""#),
        "{junit}"
    );
    assert!(junit.contains(r#"errors="1""#), "{junit}");
    let report: Value = serde_json::from_str(&read(dir.path(), "out/report.json")).unwrap();
    let requests = report["collections"][0]["requests"].as_array().unwrap();
    let outcome = |name: &str| {
        requests
            .iter()
            .find(|r| r["name"] == name)
            .map(|r| r["outcome"].as_str().unwrap().to_string())
    };
    assert_eq!(outcome("quick").as_deref(), Some("passed"), "{report:#}");
    assert_eq!(
        outcome("slow").as_deref(),
        Some("interrupted"),
        "{report:#}"
    );
    assert_eq!(outcome("never"), None, "{report:#}");
    assert_eq!(report["summary"]["interrupted"], 1, "{report:#}");
    assert_eq!(report["summary"]["run_interrupted"], true, "{report:#}");
    let html = read(dir.path(), "out/report.html");
    assert!(html.contains("interrupted"), "the HTML report marks it");
    assert!(
        read(dir.path(), "summary.md").contains("slow"),
        "the job summary too"
    );
}

#[test]
fn a_signal_stops_collections_running_in_parallel() {
    for (signal, code) in [("TERM", 143), ("INT", 130)] {
        let server = TestServer::start();
        let dir = tempfile::tempdir().unwrap();
        for c in ["a", "b"] {
            write(
                dir.path(),
                &format!("{c}.yaml"),
                &format!(
                    "requests:\n  - name: slow {c}\n    url: \"{0}/slow?ms=30000\"\n  - name: never {c}\n    url: {0}/status/201\n",
                    server.url
                ),
            );
        }
        let (exit, stdout) = interrupt(
            dir.path(),
            &[
                "run",
                "a.yaml",
                "b.yaml",
                "--jobs",
                "2",
                "--report",
                "junit=j.xml",
            ],
            &[],
            signal,
            || server.count_path("/slow") == 2,
        );
        assert_eq!(exit, Some(code), "SIG{signal}: {stdout}");
        assert!(stdout.contains("^C slow a"), "{stdout}");
        assert!(stdout.contains("^C slow b"), "{stdout}");
        assert_eq!(server.count_path("/status/201"), 0);
        let junit = read(dir.path(), "j.xml");
        assert_eq!(
            junit.matches("<error message=\"interrupted\"").count(),
            2,
            "{junit}"
        );
    }
}

/// `baton mock FILE` started, with its address.
fn start_mock(dir: &std::path::Path) -> (std::process::Child, String) {
    write(
        dir,
        "m.yaml",
        "routes:\n  - when: { path: /x }\n    respond: { status: 200 }\n",
    );
    crate::support::spawn_mock(dir, "m.yaml", &[])
}

#[test]
fn baton_mock_stops_on_sigterm_and_sigint_while_clients_hold_half_a_request() {
    for signal in ["TERM", "INT"] {
        let dir = tempfile::tempdir().unwrap();
        let (mut child, addr) = start_mock(dir.path());
        // The mock answers...
        let mut ok = TcpStream::connect(&addr).unwrap();
        ok.write_all(b"GET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut answer = String::new();
        ok.read_to_string(&mut answer).unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        // ...then one client stops halfway through its headers, another through its body,
        // and a third stays connected after a whole request (keep-alive).
        let mut head = TcpStream::connect(&addr).unwrap();
        head.write_all(b"POST /x HTTP/1.1\r\nHost: x\r\nContent-")
            .unwrap();
        let mut body = TcpStream::connect(&addr).unwrap();
        body.write_all(b"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789")
            .unwrap();
        let mut idle = TcpStream::connect(&addr).unwrap();
        idle.write_all(b"GET /x HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        std::thread::sleep(Duration::from_millis(200));
        let start = Instant::now();
        crate::support::trust::signal(&child, signal);
        let (code, _) = crate::support::trust::wait_with_peak(&mut child, Duration::from_secs(10));
        let took = start.elapsed();
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        assert_eq!(code, Some(0), "SIG{signal}: {stderr}");
        assert!(
            took < Duration::from_secs(3),
            "SIG{signal}: took {took:?} to stop"
        );
        // The port is closed.
        assert!(
            TcpStream::connect(&addr).is_err(),
            "still listening on {addr}"
        );
        drop((head, body, idle));
    }
}
