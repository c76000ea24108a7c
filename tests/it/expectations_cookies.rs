//! `expect: { cookies: ... }`: checks on the collection's cookie jar once the response is in
//! (what it would send to the URL that answered); through the binary against a server that
//! sets cookies, deletes them on a redirect, and scopes one to a path.

use axum::http::header::SET_COOKIE;
use axum::routing::get;

use crate::support::{cookie_routes, run, serve, write};

fn server() -> (String, tokio::runtime::Runtime) {
    let app = cookie_routes().route(
        "/admin/enter",
        get(|| async { ([(SET_COOKIE, "adm=1; Path=/admin")], "admin") }),
    );
    serve(app)
}

fn collection(url: &str, cookies_top: &str, forget_checks: &str) -> String {
    format!(
        r#"vars: {{ base: "{url}" }}
{cookies_top}requests:
  - name: before login
    url: "{{{{ base }}}}/seen"
    expect: {{ cookies: {{ sid: {{ exists: false }} }} }}
  - name: login
    url: "{{{{ base }}}}/login"
    expect:
      cookies:
        sid: {{ eq: "0123abcd", matches: "^[0-9a-f]+$" }}
        theme: dark
  - name: admin
    url: "{{{{ base }}}}/admin/enter"
    expect: {{ cookies: {{ adm: "1", sid: {{ exists: true }} }} }}
  - name: forget
    url: "{{{{ base }}}}/forget"
    expect:
      body: {{ not: {{ contains: theme }} }}
      cookies:
{forget_checks}
"#
    )
}

#[test]
fn the_jar_as_it_stands_after_each_response_is_checked() {
    let (url, _rt) = server();
    let dir = tempfile::tempdir().unwrap();
    // After the redirect: `theme` was deleted on the hop, `sid` is still there, and `adm`
    // is for /admin only, so not sent to /seen.
    let checks = "        theme: { exists: false }\n        sid: \"0123abcd\"\n        adm: { exists: false }";
    write(dir.path(), "c.yaml", &collection(&url, "", checks));
    let out = run(dir.path(), &["run", "c.yaml"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("4 passed, 0 failed"), "{}", out.stdout);
}

#[test]
fn a_failing_cookie_check_says_what_the_jar_holds_masked() {
    let (url, _rt) = server();
    let dir = tempfile::tempdir().unwrap();
    let checks = "        theme: dark\n        sid: { exists: false }";
    write(dir.path(), "c.yaml", &collection(&url, "", checks));
    let out = run(dir.path(), &["run", "c.yaml"]);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("3 passed, 1 failed"), "{}", out.stdout);
    for expected in [
        // The expected value is a cookie's value too, so it is masked as well.
        "cookie theme eq: expected \"***\", got (no such cookie)",
        "cookie sid exists: expected false, got \"***\"",
    ] {
        assert!(
            out.stdout.contains(expected),
            "missing `{expected}` in:\n{}",
            out.stdout
        );
    }
    // A cookie's value is never shown.
    assert!(!out.stdout.contains("0123abcd"), "{}", out.stdout);
}

#[test]
fn without_a_jar_no_cookie_is_there() {
    let (url, _rt) = server();
    let dir = tempfile::tempdir().unwrap();
    let checks = "        sid: { exists: false }";
    write(
        dir.path(),
        "c.yaml",
        &collection(&url, "cookies: false\n", checks),
    );
    let out = run(dir.path(), &["run", "c.yaml"]);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("cookie sid eq: expected \"***\", got (no such cookie)")
            && out
                .stdout
                .contains("cookie adm eq: expected \"1\", got (no such cookie)"),
        "{}",
        out.stdout
    );
}

#[test]
fn cookies_in_a_receive_step_is_an_error_with_its_place() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        "requests:\n  - name: hook\n    receive: { path: /hook }\n    expect:\n      cookies: { sid: x }\n",
    );
    let out = run(dir.path(), &["check", "c.yaml"]);
    assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("c.yaml:5:7")
            && out
                .stderr
                .contains("`cookies` cannot be checked in a receive step"),
        "{}",
        out.stderr
    );
}
