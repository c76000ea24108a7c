//! `baton fmt`: canonical key order through the binary, comments kept, `--check` exit codes.

mod common;

use common::{run, write};

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
