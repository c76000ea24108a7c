//! `expect: { vars: ... }`: checks on a variable's value as the response is checked (the
//! collection's, `--var`'s, earlier captures'), `exists: false` for one that is unset;
//! through the binary against the test server.

use crate::support::{TestServer, run, write};

/// A capture in the first request; checks on variables in the second and third.
fn collection(url: &str, checks: &str) -> String {
    format!(
        r#"vars: {{ base: "{url}", who: ann, count: 3 }}
requests:
  - name: capture
    url: "{{{{ base }}}}/json"
    capture: {{ name: $.name }}
    # checked before this request's own captures: `name` is not set yet
    expect: {{ vars: {{ name: {{ exists: false }} }} }}
  - name: checks
    url: "{{{{ base }}}}/json"
    expect:
      vars:
{checks}
"#
    )
}

#[test]
fn checks_on_variables_pass() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let checks = "        name: arduino01\n        who: { eq: ann, type: string }\n        count: { gt: 2 }\n        never_set: { exists: false }";
    write(dir.path(), "c.yaml", &collection(&server.url, checks));
    let out = run(dir.path(), &["run", "c.yaml"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("2 passed, 0 failed"), "{}", out.stdout);
}

#[test]
fn checks_on_variables_fail_with_what_they_found() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let checks =
        "        name: esp32\n        who: { exists: false }\n        never_set: { eq: x }";
    write(dir.path(), "c.yaml", &collection(&server.url, checks));
    let out = run(dir.path(), &["run", "c.yaml", "--var", "who=bob"]);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("1 passed, 1 failed"), "{}", out.stdout);
    for expected in [
        "var name eq: expected \"esp32\", got \"arduino01\"",
        "var who exists: expected false, got \"bob\"",
        "var never_set eq: expected \"x\", got (unset)",
    ] {
        assert!(
            out.stdout.contains(expected),
            "missing `{expected}` in:\n{}",
            out.stdout
        );
    }
}

#[test]
fn a_name_that_is_no_variable_is_an_error_with_its_place() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        "requests:\n  - url: http://127.0.0.1:9/\n    expect:\n      vars: { not-a-name: 1 }\n",
    );
    let out = run(dir.path(), &["check", "c.yaml"]);
    assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("c.yaml:4:15")
            && out.stderr.contains("`not-a-name` is not a variable name"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("letters, digits and `_`"),
        "{}",
        out.stderr
    );
}
