//! Templates on the wire: a value inside a longer string renders as JSON writes it (headers,
//! query strings, bodies and URLs alike), and `fake(KIND)` gives realistic data.

use axum::Router;
use axum::extract::Request;
use axum::routing::any;
use serde_json::json;

use crate::support::{run, write};

async fn answer(req: Request) -> axum::Json<serde_json::Value> {
    let uri = req.uri().to_string();
    let (flag, email) = {
        let header = |n: &str| -> String {
            req.headers()
                .get(n)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        (header("x-flag"), header("x-email"))
    };
    let body = axum::body::to_bytes(req.into_body(), 1 << 20)
        .await
        .unwrap_or_default();
    axum::Json(json!({
        "uri": uri,
        "flag": flag,
        "email": email,
        "body": String::from_utf8_lossy(&body),
    }))
}

/// Answers with what arrived: the path and query, some headers, the body.
fn echo() -> (String, tokio::runtime::Runtime) {
    crate::support::serve(Router::new().fallback(any(answer)))
}

#[test]
fn values_inside_strings_render_as_json_scalars_on_the_wire() {
    let (url, _rt) = echo();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "t.yaml",
        &format!(
            r#"vars: {{ base: "{url}", on: true, none: null, ratio: 1.0, ids: [1, 2], m: {{ k: false }} }}
requests:
  - name: scalars
    method: POST
    url: "{{{{ base }}}}/v/{{{{ on }}}}"
    query: {{ q: "n={{{{ none }}}}", r: "r={{{{ ratio }}}}" }}
    headers: {{ X-Flag: "dangerous={{{{ on }}}}{{% if on %}}!{{% endif %}}" }}
    body: "ids={{{{ ids }}}} m={{{{ m }}}} on={{{{ on and on }}}}"
    expect:
      json:
        $.uri: "/v/true?q=n%3Dnull&r=r%3D1.0"
        $.flag: "dangerous=true!"
        $.body: 'ids=[1,2] m={{"k":false}} on=true'
  - name: whole values keep their type
    method: POST
    url: "{{{{ base }}}}/json"
    json: {{ on: "{{{{ on }}}}", ratio: "{{{{ ratio }}}}", none: "{{{{ none }}}}" }}
    expect:
      json:
        $.body: '{{"on":true,"ratio":1.0,"none":null}}'
"#
        ),
    );
    let out = run(dir.path(), &["run", "t.yaml"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(!out.stdout.contains("True"), "{}", out.stdout);
}

#[test]
fn fake_gives_realistic_values() {
    let (url, _rt) = echo();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "f.yaml",
        &format!(
            r#"requests:
  - name: fake data
    method: POST
    url: "{url}/users"
    headers: {{ X-Email: "{{{{ fake('email') }}}}" }}
    json:
      first: "{{{{ fake('firstName') }}}}"
      city: "{{{{ fake('City') }}}}"
      iban: "{{{{ fake('iban') }}}}"
      active: "{{{{ fake('boolean') }}}}"
      at: "{{{{ fake('isoTimestamp') }}}}"
    expect:
      json:
        $.email: {{ matches: "^[^@ ]+@[^@ ]+\\.[a-z]+$" }}
        $.body: {{ matches: '"iban":"DE\d{{20}}","active":(true|false),"at":"20\d\d-' }}
"#
        ),
    );
    let out = run(dir.path(), &["run", "f.yaml"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
}

#[test]
fn an_unknown_fake_kind_fails_check_with_did_you_mean() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "bad.yaml",
        "requests:\n  - name: a\n    url: http://127.0.0.1:1/\n    json: { e: \"{{ fake('emial') }}\" }\n",
    );
    let out = run(dir.path(), &["check", "bad.yaml"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("bad.yaml:4:"), "{}", out.stderr);
    assert!(
        out.stderr.contains("did you mean `email`?"),
        "{}",
        out.stderr
    );
}
