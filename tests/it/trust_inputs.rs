//! Bad input files: `--env-file` problems are named by file and line without the line's value
//! (and read with bounded memory), files that are not UTF-8 point at the line and column of
//! the bad byte, control characters from a file never reach the terminal raw, and a report
//! that cannot be written names its path and turns a passing run's exit 0 into 2.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{TestServer, write};

const OK_COLLECTION: &str = "requests:\n  - name: a\n    url: http://127.0.0.1:9/\n";

/// `check --env-file FILE` on a good collection: (exit code, stderr, peak memory, time).
fn check_env_file(dir: &std::path::Path, env_file: &str) -> (Option<i32>, String, u64, Duration) {
    write(dir, "ok.yaml", OK_COLLECTION);
    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(["check", "--env-file", env_file, "ok.yaml"])
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (code, peak) = crate::support::trust::wait_with_peak(&mut child, Duration::from_secs(30));
    let took = start.elapsed();
    let stderr = child.wait_with_output().unwrap().stderr;
    (
        code,
        String::from_utf8_lossy(&stderr).into_owned(),
        peak,
        took,
    )
}

#[test]
fn an_unclosed_quote_names_the_line_not_the_token() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        ".env",
        "A=1\nAPI_TOKEN=\"tok-SUPERSECRET-42\nB=two\n",
    );
    let (code, stderr, _, _) = check_env_file(dir.path(), ".env");
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "--env-file .env: line 2 cannot be read (a quote opened on it is never closed)"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("--> .env:2:1"), "{stderr}");
    for leaked in ["SUPERSECRET", "tok-", "API_TOKEN", "two"] {
        assert!(!stderr.contains(leaked), "`{leaked}` in {stderr}");
    }
    // A name with a space in it: the place, not the text.
    write(dir.path(), ".env", "A=1\nMY KEY=hunter2-value\n");
    let (code, stderr, _, _) = check_env_file(dir.path(), ".env");
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("line 2 cannot be read (at character 4)"),
        "{stderr}"
    );
    assert!(!stderr.contains("hunter2"), "{stderr}");
}

#[test]
fn a_five_megabyte_line_fails_fast_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("A=1\nB=2\nBIG=");
    text.push_str(&"x".repeat(5_000_000));
    text.push_str("-SECRET-TAIL\n");
    write(dir.path(), ".env", &text);
    let (code, stderr, peak, took) = check_env_file(dir.path(), ".env");
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("--env-file .env: line 3 goes past 4 MiB"),
        "{stderr}"
    );
    assert!(stderr.contains("--> .env:3:1"), "{stderr}");
    assert!(
        !stderr.contains("xxxxxxxx") && !stderr.contains("SECRET"),
        "{stderr}"
    );
    assert!(peak < 100 << 20, "peak {} MiB", peak >> 20);
    assert!(took < Duration::from_secs(10), "took {took:?}");
}

#[test]
fn dev_zero_as_an_env_file_fails_fast_with_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr, peak, took) = check_env_file(dir.path(), "/dev/zero");
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("--env-file /dev/zero: line 1 goes past 4 MiB"),
        "{stderr}"
    );
    assert!(stderr.contains("--> /dev/zero:1:1"), "{stderr}");
    assert!(!stderr.contains('\0'), "no NUL bytes echoed");
    assert!(peak < 100 << 20, "peak {} MiB", peak >> 20);
    assert!(took < Duration::from_secs(10), "took {took:?}");
    // A small file with a NUL byte in it is not text either.
    write(dir.path(), ".env", "A=1\nB=x\0y\n");
    let (code, stderr, _, _) = check_env_file(dir.path(), ".env");
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("line 2 holds a NUL byte"), "{stderr}");
}

#[test]
fn files_that_are_not_utf8_point_at_the_bad_byte() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("bad.yaml"),
        b"requests:\n  - name: caf\xC3\n    url: http://127.0.0.1:9/\n",
    )
    .unwrap();
    write(
        d,
        "main.yaml",
        "requests:\n  - name: first\n    url: http://127.0.0.1:9/\n  - include: inc.yaml\n",
    );
    std::fs::write(
        d.join("inc.yaml"),
        b"requests:\n  - name: na\xEFve\n    url: http://127.0.0.1:9/\n",
    )
    .unwrap();
    std::fs::write(d.join("env.yaml"), b"a: 1\nb: \"\xFF\"\n").unwrap();
    std::fs::write(
        d.join("m.yaml"),
        b"routes:\n  - when: { path: /x }\n    respond: { body: \"na\xEFve\" }\n",
    )
    .unwrap();
    std::fs::write(d.join("u16.yaml"), b"\xFF\xFEr\0e\0q\0").unwrap();
    write(d, "ok.yaml", OK_COLLECTION);
    let cases: [(&[&str], &str, &str); 8] = [
        (&["check", "bad.yaml"], "--> bad.yaml:2:14\n", "byte 0xC3"),
        (&["run", "bad.yaml"], "--> bad.yaml:2:14\n", "byte 0xC3"),
        (&["check", "main.yaml"], "--> inc.yaml:2:13\n", "byte 0xEF"),
        (&["run", "main.yaml"], "--> inc.yaml:2:13\n", "byte 0xEF"),
        (
            &["check", "--env", "env.yaml", "ok.yaml"],
            "--> env.yaml:2:5\n",
            "byte 0xFF",
        ),
        (&["mock", "m.yaml"], "--> m.yaml:3:25\n", "byte 0xEF"),
        (
            &["run", "--mock", "m.yaml", "ok.yaml"],
            "--> m.yaml:3:25\n",
            "byte 0xEF",
        ),
        (
            &["check", "u16.yaml"],
            "--> u16.yaml:1:1\n",
            "starts like UTF-16",
        ),
    ];
    for (args, place, what) in cases {
        let out = crate::support::run(d, args);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains(place), "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains(what), "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains("is not UTF-8 text"), "{}", out.stderr);
        assert!(
            !out.stderr.chars().any(|c| c.is_control() && c != '\n'),
            "{args:?}: a raw control character: {:?}",
            out.stderr
        );
    }
    let included = crate::support::run(d, &["check", "main.yaml"]);
    assert!(
        included.stderr.contains("included from main.yaml"),
        "{}",
        included.stderr
    );
}

#[test]
fn escape_sequences_in_a_file_are_shown_escaped_in_errors() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        "requests:\n  - name: \"a\u{1b}]0;pwned\u{7}\u{1b}[2K\r  ok\"\n    url: http://127.0.0.1:9/\n",
    );
    let out = crate::support::run(dir.path(), &["check", "c.yaml"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("--> c.yaml:2:"), "{}", out.stderr);
    // A lone carriage return ends a line, as YAML counts lines: the line shown stops there.
    assert!(out.stderr.contains("␛]0;pwned␇␛[2K\n"), "{}", out.stderr);
    for raw in ['\u{1b}', '\u{7}', '\r'] {
        assert!(!out.stderr.contains(raw), "{raw:?} in {:?}", out.stderr);
    }
}

/// A run whose report cannot be written (its path is a directory).
fn unwritable(collection: &str, extra: &[&str]) -> crate::support::Output {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "c.yaml", collection);
    std::fs::create_dir(dir.path().join("taken")).unwrap();
    let mut args = vec!["run", "c.yaml", "--report", "junit=taken"];
    args.extend_from_slice(extra);
    crate::support::run(dir.path(), &args)
}

#[test]
fn a_report_that_cannot_be_written_names_its_path_and_fails_a_passing_run() {
    let server = TestServer::start();
    let passing = format!(
        "requests:\n  - name: ok\n    url: {}/status/200\n    expect: {{ status: 200 }}\n",
        server.url
    );
    let out = unwritable(&passing, &[]);
    assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("error: writing a report: taken:"),
        "{}",
        out.stderr
    );
    assert!(
        out.stdout.contains("1 passed"),
        "the run itself went on: {}",
        out.stdout
    );
    // A failing run keeps its 1, an unreachable one its 3.
    let failing = format!(
        "requests:\n  - name: bad\n    url: {}/status/500\n    expect: {{ status: 200 }}\n",
        server.url
    );
    let out = unwritable(&failing, &[]);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("taken"), "{}", out.stderr);
    let unreachable = "requests:\n  - name: gone\n    url: http://127.0.0.1:9/\n";
    let out = unwritable(unreachable, &[]);
    assert_eq!(out.code, 3, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("taken"), "{}", out.stderr);
    // A report under a file (its folder cannot be made) is the same error.
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "c.yaml", &passing);
    write(dir.path(), "file", "");
    let out = crate::support::run(
        dir.path(),
        &["run", "c.yaml", "--report", "json=file/r.json"],
    );
    assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("file/r.json"), "{}", out.stderr);
}
