//! JSONPath expectations and captures read the same values whichever evaluator serves the
//! path: the common forms run on the compact document, the others (slices here) on the full
//! one. Each pair below selects the same nodes in both forms, and the run must show the
//! same "got" for both, key order and a repeated key's last value included.

use axum::Router;
use axum::routing::get;

use crate::support::{run, serve, write};

const BODY: &str = r#"{"items":[{"id":1,"name":"a\"b","k":1,"z":true,"k":2},{"id":2,"name":"é","tags":["x","y"]}],"n":3}"#;

/// (compact form, full-document form, what both must show as got)
const PAIRS: &[(&str, &str, &str)] = &[
    ("$.items[0].k", "$.items[0:1].k", "2"),
    ("$.items[0].name", "$.items[0:1].name", r#""a\"b""#),
    (
        "$.items[0]",
        "$.items[0:1]",
        r#"{"id":1,"name":"a\"b","k":2,"z":true}"#,
    ),
    (
        "$.items[?@.id == 2].tags",
        "$.items[1:2].tags",
        r#"["x","y"]"#,
    ),
    ("$.items[*].id", "$.items[0:].id", "[1,2]"),
    (
        "$.items[?@.id == 1]",
        "$.items[:1]",
        r#"{"id":1,"name":"a\"b","k":2,"z":true}"#,
    ),
];

fn got(stdout: &str, path: &str) -> String {
    let line = stdout
        .lines()
        .find(|l| l.contains(&format!("json {path} ")))
        .unwrap_or_else(|| panic!("no result for {path}:\n{stdout}"));
    line.split_once(", got ")
        .unwrap_or_else(|| panic!("no got in {line}"))
        .1
        .trim()
        .to_string()
}

#[test]
fn both_evaluators_show_the_same_values() {
    let doc = || async { ([("content-type", "application/json")], BODY) };
    // The second request reaches `/2/2` only when both captures read 2.
    let (url, _rt) = serve(
        Router::new()
            .route("/doc", get(doc))
            .route("/2/2", get(doc)),
    );
    let dir = tempfile::tempdir().unwrap();
    let mut checks = String::new();
    for (fast, full, _) in PAIRS {
        for path in [fast, full] {
            checks.push_str(&format!("        \"{path}\": never\n"));
        }
    }
    let yaml = format!(
        "requests:\n  - name: doc\n    url: {url}/doc\n    expect:\n      json:\n{checks}        $.items: {{ length: 5 }}\n        \"$.items[0:2]\": {{ length: 5 }}\n    capture:\n      a: $.items[0].k\n      b: \"$.items[0:1].k\"\n  - name: use\n    url: \"{url}/{{{{ a }}}}/{{{{ b }}}}\"\n    expect:\n      status: 200\n      json:\n        $.n: 3\n"
    );
    write(dir.path(), "c.yaml", &yaml);
    let out = run(dir.path(), &["run", "c.yaml"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    for (fast, full, want) in PAIRS {
        assert_eq!(got(&out.stdout, fast), *want, "{fast}");
        assert_eq!(got(&out.stdout, full), *want, "{full}");
    }
    assert_eq!(got(&out.stdout, "$.items"), "length 2");
    assert_eq!(got(&out.stdout, "$.items[0:2]"), "length 2");
    assert!(out.stdout.contains("1 passed, 1 failed"), "{}", out.stdout);
}
