//! Postman scripts that check the cookie jar (`pm.cookies`, `postman.getResponseCookie`) and
//! that cut a header's value at quotes with `indexOf`/`slice`, imported and run against a
//! server that sets, deletes (on a redirect) and challenges.

use axum::extract::Query;
use axum::http::StatusCode;
use axum::http::header::WWW_AUTHENTICATE;
use axum::routing::get;

use crate::support::{cookie_routes, import_postman, outcomes, postman_test, run, serve};

fn server() -> (String, tokio::runtime::Runtime) {
    let app = cookie_routes()
        .route(
            "/challenge",
            get(|| async {
                (
                    StatusCode::UNAUTHORIZED,
                    [(
                        WWW_AUTHENTICATE,
                        "Digest realm=\"Users@baton\", nonce=\"n0nce42\", qop=\"auth\"",
                    )],
                    "",
                )
            }),
        )
        .route(
            "/echo",
            get(
                |q: Query<std::collections::HashMap<String, String>>| async move {
                    q.get("v").cloned().unwrap_or_default()
                },
            ),
        );
    serve(app)
}

fn collection(base: &str) -> String {
    let test = postman_test;
    let get = |path: &str| serde_json::json!({ "method": "GET", "url": format!("{base}{path}") });
    serde_json::json!({
        "info": { "name": "jar", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json" },
        "item": [
            { "name": "set", "request": get("/login"), "event": test(&[
                "pm.test('in the jar', function () {",
                "    pm.expect(pm.cookies.toObject()).to.have.property('sid', '0123abcd');",
                "});",
                "tests['theme'] = postman.getResponseCookie('theme').value === 'dark';"
            ]) },
            { "name": "still there", "request": get("/seen"), "event": test(&[
                "pm.expect(pm.cookies.has('sid')).to.be.true;",
                "pm.expect(pm.cookies.get('theme')).to.equal('dark');"
            ]) },
            { "name": "forget", "request": get("/forget"), "event": test(&[
                "pm.expect(pm.cookies.toObject()).to.not.have.property('theme');",
                "tests['gone'] = _.get(postman.getResponseCookie('theme'), 'value') === undefined;"
            ]) },
            { "name": "wrong", "request": get("/seen"), "event": test(&[
                "pm.expect(pm.cookies.toObject()).to.have.property('theme');"
            ]) },
            { "name": "challenge", "request": get("/challenge"), "event": test(&[
                "var h = postman.getResponseHeader('WWW-Authenticate'),",
                "    realmStart = h.indexOf('\"', h.indexOf('realm')) + 1,",
                "    realmEnd = h.indexOf('\"', realmStart),",
                "    realm = h.slice(realmStart, realmEnd);",
                "postman.setGlobalVariable('realm', realm);"
            ]) },
            { "name": "realm", "request": get("/echo?v={{realm}}"), "event": test(&[
                "tests['realm'] = responseBody === 'Users@baton';"
            ]) }
        ]
    })
    .to_string()
}

#[test]
fn jar_checks_and_a_header_cut_at_quotes_run_as_in_newman() {
    let (url, _rt) = server();
    let dir = tempfile::tempdir().unwrap();
    let out = import_postman(dir.path(), &collection(&url));
    for expected in [
        "cookies: { sid: \"0123abcd\", theme: dark }",
        "cookies: { theme: { exists: false } }",
        "realm: { header: WWW-Authenticate, regex: \"realm[^\\\"]*\\\"([^\\\"]*)\\\"\" }",
    ] {
        assert!(
            out.stdout.contains(expected),
            "no `{expected}` in:\n{}",
            out.stdout
        );
    }
    // Every line of every script was translated.
    assert!(!out.stderr.contains("not converted"), "{}", out.stderr);
    let out = run(dir.path(), &["run", "c.yaml"]);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert_eq!(
        outcomes(&out.stdout),
        [
            "✓ set",
            "✓ still there",
            "✓ forget",
            "✗ wrong",
            "✓ challenge",
            "✓ realm"
        ],
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("cookie theme exists: expected true, got (no such cookie)"),
        "{}",
        out.stdout
    );
}
