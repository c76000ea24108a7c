//! `baton fmt`: canonical key order through the binary, comments kept, `--check` exit codes.

use crate::support::{run, write};

#[test]
fn fmt_reorders_keeps_comments_and_check_reports() {
    let dir = tempfile::tempdir().unwrap();
    let messy = "requests:\n  # log in first\n  - url: http://x/login # the real one\n    method: POST\n    name: login\n  - name: next\n    url: http://x/next\nname: demo # shown in reports\n";
    write(dir.path(), "c.yaml", messy);
    let out = run(dir.path(), &["fmt", "--check", "c.yaml"]);
    assert_eq!(out.code, 1);
    assert!(out.stdout.contains("would reformat c.yaml"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("c.yaml")).unwrap(),
        messy,
        "--check changes nothing"
    );
    assert_eq!(run(dir.path(), &["fmt", "c.yaml"]).code, 0);
    let formatted = std::fs::read_to_string(dir.path().join("c.yaml")).unwrap();
    insta::assert_snapshot!("fmt_result", formatted);
    assert_eq!(run(dir.path(), &["fmt", "--check", "c.yaml"]).code, 0);
    assert_eq!(run(dir.path(), &["check", "c.yaml"]).code, 0);
}

fn fixture(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fmt");
    std::fs::read_to_string(path.join(name)).unwrap()
}

/// A commented collection: every comment stays with what follows it (the request below, the
/// key below), comments closing a block stay at its end, and a second run changes nothing.
#[test]
fn fmt_keeps_comments_with_what_follows_them() {
    let dir = tempfile::tempdir().unwrap();
    let messy = fixture("commented.yaml");
    write(dir.path(), "c.yaml", &messy);
    let out = run(dir.path(), &["fmt", "c.yaml"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let once = std::fs::read_to_string(dir.path().join("c.yaml")).unwrap();
    assert_ne!(once, messy);
    insta::assert_snapshot!("fmt_commented", once);
    // The comment between two requests is still right above the second one.
    assert!(
        once.contains("  # 2. list endpoints\n  #    (page size 100 is the maximum)\n  - name: list endpoints\n"),
        "{once}"
    );
    assert!(
        once.contains("    # end of authenticate\n\n  # 2. list"),
        "{once}"
    );
    assert_eq!(run(dir.path(), &["fmt", "--check", "c.yaml"]).code, 0);
    assert_eq!(run(dir.path(), &["fmt", "c.yaml"]).code, 0);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("c.yaml")).unwrap(),
        once,
        "fmt(fmt(x)) == fmt(x)"
    );
    // Same meaning: the formatted file reads as the same data as the original.
    let json = |t: &str| baton::format::yaml::parse(t).unwrap().to_json();
    assert_eq!(json(&once), json(&messy));
    let checked = crate::support::baton(dir.path())
        .args(["check", "c.yaml"])
        .env("EMNIFY_APPLICATION_TOKEN", "t0ken")
        .output()
        .unwrap();
    assert_eq!(
        checked.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&checked.stderr)
    );
}

/// A file that reordering would break is left alone, with an error (exit 2).
#[test]
fn fmt_leaves_a_file_it_would_break() {
    let dir = tempfile::tempdir().unwrap();
    let text = "requests:\n  - url: &u http://x/\n    name: *u\n";
    write(dir.path(), "c.yaml", text);
    let out = run(dir.path(), &["fmt", "c.yaml"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("c.yaml: reordering the keys would break the file"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("left as it is"), "{}", out.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("c.yaml")).unwrap(),
        text
    );
}
