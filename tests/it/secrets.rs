//! No secret is ever printed: every output channel (the terminal at every verbosity, the
//! JUnit, JSON and HTML reports, GitHub annotations and the job summary, `export curl`, the
//! errors of `check` and `run`) is searched for every form of every kind of secret (raw,
//! base64, URL- and percent-encoded, JSON-escaped, split across diff lines, cut).

use crate::support::{TestServer, write};
use base64::Engine as _;

const SECRET: &str = "s3cr3t-Value/with+chars";
const PASSWORD: &str = "hunter2-password";

#[test]
fn secrets_are_masked_everywhere() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        &format!(
            r#"vars:
  base: "{0}"
  key: "{{{{ secret('BATON_TEST_SECRET') }}}}"
requests:
  - name: echo the secret back
    method: POST
    url: "{{{{ base }}}}/echo"
    query: {{ k: "{{{{ key }}}}" }}
    headers: {{ X-Key: "{{{{ key }}}}", X-Key-B64: "{{{{ key | b64encode }}}}" }}
    json: {{ key: "{{{{ key }}}}" }}
    capture:
      echoed: {{ json: $.body, secret: true }}
    expect:
      json:
        $.body: {{ contains: nothing-like-this }}
  - name: basic auth
    url: "{{{{ base }}}}/echo"
    auth: {{ basic: {{ username: ann, password: {PASSWORD} }} }}
  - name: cookies
    url: "{{{{ base }}}}/cookie/set"
  - name: unreachable with the secret in the url
    url: "http://127.0.0.1:9/{{{{ key }}}}"
    timeout: 1s
"#,
            server.url
        ),
    );
    let out = crate::support::baton(dir.path())
        .args(["run", "c.yaml", "-vv"])
        .env("BATON_TEST_SECRET", SECRET)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    // The server did get the real values.
    let hits = server.hits();
    assert_eq!(hits[0].headers["x-key"], SECRET);
    let b64 = base64::engine::general_purpose::STANDARD.encode(SECRET);
    let url = url::form_urlencoded::byte_serialize(SECRET.as_bytes()).collect::<String>();
    let pct = percent_encoding::utf8_percent_encode(SECRET, percent_encoding::NON_ALPHANUMERIC)
        .to_string();
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("ann:{PASSWORD}"));
    for leaked in [
        SECRET,
        b64.as_str(),
        url.as_str(),
        pct.as_str(),
        PASSWORD,
        basic.as_str(),
        "s-42",
    ] {
        assert!(
            !stdout.contains(leaked),
            "`{leaked}` leaked in stdout:\n{stdout}"
        );
        assert!(
            !stderr.contains(leaked),
            "`{leaked}` leaked in stderr:\n{stderr}"
        );
    }
    assert!(stdout.contains("X-Key: ***"), "{stdout}");
    // SPEC: cookie names stay readable, values never.
    assert!(
        stdout.contains("set-cookie: session=***; Path=/"),
        "{stdout}"
    );
    assert!(
        stdout.contains("authorization: ***") || stdout.contains("Authorization: ***"),
        "{stdout}"
    );
}

#[test]
fn load_errors_do_not_print_secret_values() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        "vars:\n  key: \"{{ secret('BATON_TEST_SECRET') }}\"\nrequests:\n  - name: a\n    url: \"http://x/{{ key }}/{{ nope }}\"\n",
    );
    let out = crate::support::baton(dir.path())
        .args(["run", "c.yaml"])
        .env("BATON_TEST_SECRET", SECRET)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(!stderr.contains(SECRET), "{stderr}");
}

// ---------------------------------------------------------------------------------------
// Every channel, every form, every kind of secret.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Query, Request};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use serde_json::{Value, json};

/// From `secret()`: quotes, a backslash, a slash, a space, a plus, a line break, non-ASCII.
const ENV_SECRET: &str = "Env/se\"cr\\et p+ss\né-line2-x";
/// A `secret: true` capture.
const SESSION: &str = "Cap-sess/ion\"42\\z";
const BASIC_PASSWORD: &str = "Basic-pa\"ss w0rd/x";
const BEARER: &str = "Bearer-t0k/en+\"q\"=";
const API_KEY: &str = "Api-k3y/val+ue \"z\"";
const CLIENT_SECRET: &str = "Client-s3cret/\"q\" +x";
/// Handed out by the token server, JSON-escaped as PHP does (`\/`).
const ACCESS_TOKEN: &str = "Access-t0k/en\"q\"+z";

/// The secrets by the name the test server knows them by.
const ALL: [(&str, &str); 7] = [
    ("env", ENV_SECRET),
    ("session", SESSION),
    ("password", BASIC_PASSWORD),
    ("bearer", BEARER),
    ("apikey", API_KEY),
    ("client", CLIENT_SECRET),
    ("token", ACCESS_TOKEN),
];

fn secret_named(name: &str) -> &'static str {
    ALL.iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| *v)
        .unwrap()
}

fn dots(n: usize) -> String {
    ".".repeat(n)
}

/// JSON as PHP's json_encode writes it: every `/` escaped, non-ASCII as `\uXXXX`.
fn php(v: &Value) -> Response {
    let text = serde_json::to_string(v).unwrap();
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '/' => out.push_str("\\/"),
            c if !c.is_ascii() => {
                let mut buf = [0u16; 2];
                for u in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    ([("Content-Type", "application/json")], out).into_response()
}

/// The request as the server got it, raw and decoded.
async fn echo_value(req: Request) -> Value {
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let headers: serde_json::Map<String, Value> = parts
        .headers
        .iter()
        .map(|(k, v)| (k.to_string(), json!(String::from_utf8_lossy(v.as_bytes()))))
        .collect();
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().unwrap_or_default().to_string();
    json!({
        "path": path,
        "path_decoded": percent_encoding::percent_decode_str(&path).decode_utf8_lossy(),
        "query": query,
        "query_decoded": url::form_urlencoded::parse(query.as_bytes()).into_owned().collect::<Vec<_>>(),
        "headers": headers,
        "body": String::from_utf8_lossy(&body),
    })
}

fn all_forms(s: &str) -> serde_json::Map<String, Value> {
    crate::support::trust::forms(s)
        .into_iter()
        .map(|(label, v)| (label.to_string(), json!(v)))
        .collect()
}

fn leaky_server() -> (String, tokio::runtime::Runtime) {
    let app = Router::new()
        .route(
            "/login",
            get(|| async {
                axum::Json(json!({ "session": SESSION, "long": format!("{}{SESSION}", dots(190)) }))
            }),
        )
        .route(
            "/token",
            post(|headers: HeaderMap, body: String| async move {
                let auth = headers
                    .get("authorization")
                    .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
                php(&json!({
                    "access_token": ACCESS_TOKEN,
                    "token_type": "Bearer",
                    "expires_in": 3600,
                    "debug": { "form": body, "authorization": auth },
                }))
            }),
        )
        .route(
            "/token-fail-json",
            post(|headers: HeaderMap| async move {
                let auth = headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string();
                // The token request's reason is cut at 300 characters; the credential
                // straddles that point.
                let described = format!("{}{auth}", dots(300 - 34 - 10 - 6));
                (
                    StatusCode::UNAUTHORIZED,
                    axum::Json(
                        json!({ "error": "invalid_client", "error_description": described }),
                    ),
                )
            }),
        )
        .route(
            "/token-fail-text",
            post(|headers: HeaderMap| async move {
                let auth = headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string();
                format!("{}{auth}", dots(64))
            }),
        )
        .route(
            "/go",
            get(|Query(q): Query<HashMap<String, String>>| async move {
                (StatusCode::FOUND, [("Location", q["to"].clone())]).into_response()
            }),
        )
        .route(
            "/echo/json/{*rest}",
            any(|req: Request| async move { axum::Json(echo_value(req).await).into_response() }),
        )
        .route(
            "/echo/php/{*rest}",
            any(|req: Request| async move { php(&echo_value(req).await) }),
        )
        .route(
            "/forms",
            get(|Query(q): Query<HashMap<String, String>>| async move {
                let s = secret_named(&q["s"]);
                let mut text = format!("{}{s}\n", dots(70));
                for (label, v) in crate::support::trust::forms(s) {
                    text.push_str(&format!("{label}: {v}\n"));
                }
                text
            }),
        )
        .route(
            "/long",
            get(|Query(q): Query<HashMap<String, String>>| async move {
                let s = secret_named(&q["s"]);
                axum::Json(json!({ "v": format!("{}{s}-tail", dots(190)), "forms": all_forms(s) }))
            }),
        )
        .route(
            "/straddle",
            get(|Query(q): Query<HashMap<String, String>>| async move {
                let s = secret_named(&q["s"]);
                let at: usize = q["at"].parse().unwrap();
                format!("{}{s}\nthe end\n", dots(at - 10))
            }),
        );
    crate::support::serve(app)
}

/// YAML single-quoted.
fn sq(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn leaky_collection(base: &str) -> String {
    let oauth = |client_id: &str, client_auth: &str, token_path: &str| {
        format!(
            "{{ oauth2: {{ token_url: \"{{{{ base }}}}{token_path}\", client_id: {client_id}, client_secret: {}, client_auth: {client_auth} }} }}",
            sq(CLIENT_SECRET)
        )
    };
    let mut y = format!(
        r#"vars:
  base: "{base}"
  key: "{{{{ secret('BATON_ENV_SECRET') }}}}"
requests:
  - name: login
    url: "{{{{ base }}}}/login"
    capture:
      sess: {{ json: $.session, secret: true }}
    expect:
      json:
        $.session: other
        $.long: x
  - name: oauth basic
    method: POST
    url: "{{{{ base }}}}/echo/php/oauth"
    auth: {oauth_basic}
    json: {{ a: 1 }}
    expect: {{ status: 299 }}
  - name: oauth body
    method: POST
    url: "{{{{ base }}}}/echo/json/oauth"
    auth: {oauth_body}
    expect: {{ status: 299 }}
  - name: basic
    url: "{{{{ base }}}}/echo/php/basic"
    auth: {{ basic: {{ username: ann, password: {password} }} }}
    expect: {{ status: 299 }}
  - name: bearer
    url: "{{{{ base }}}}/echo/json/bearer"
    auth: {{ bearer: {bearer} }}
    expect: {{ status: 299 }}
  - name: api key header
    url: "{{{{ base }}}}/echo/php/key"
    auth: {{ api_key: {{ header: X-Api-Key, value: {api_key} }} }}
    expect: {{ status: 299 }}
  - name: api key query
    url: "{{{{ base }}}}/echo/json/key"
    auth: {{ api_key: {{ query: api_key, value: {api_key} }} }}
    expect: {{ status: 299 }}
  - name: form body
    method: POST
    url: "{{{{ base }}}}/echo/php/form"
    form: {{ key: "{{{{ key }}}}", sess: "{{{{ sess }}}}" }}
    expect: {{ status: 299 }}
"#,
        oauth_basic = oauth("cid-basic", "basic", "/token"),
        oauth_body = oauth("cid-body", "body", "/token"),
        password = sq(BASIC_PASSWORD),
        bearer = sq(BEARER),
        api_key = sq(API_KEY),
    );
    for flavour in ["php", "json"] {
        y.push_str(&format!(
            r#"  - name: everything in one request ({flavour})
    method: POST
    url: "{{{{ base }}}}/echo/{flavour}/{{{{ key }}}}/{{{{ sess }}}}"
    query: {{ k: "{{{{ key }}}}", s: "{{{{ sess }}}}", k64: "{{{{ key | b64encode }}}}" }}
    headers: {{ X-Sess: "{{{{ sess }}}}", X-B64: "{{{{ key | b64encode }}}}" }}
    json: {{ key: "{{{{ key }}}}", sess: "{{{{ sess }}}}" }}
    expect:
      body: {{ eq: nothing }}
      json:
        $: {{ eq: {{ a: 1 }} }}
        $.path: x
        $.body: {{ eq: "{{{{ key }}}}!" }}
"#
        ));
    }
    for (name, _) in ALL {
        y.push_str(&format!(
            r#"  - name: forms of {name}
    url: "{{{{ base }}}}/forms?s={name}"
    expect:
      body: {{ eq: "expected\ntext\n" }}
      json: {{ $.x: 1 }}
    capture:
      nothing_{name}: {{ body: true, regex: "no-such-text(.*)" }}
  - name: long value of {name}
    url: "{{{{ base }}}}/long?s={name}"
    expect:
      json:
        $.v: x
        $.forms: {{ eq: {{}} }}
  - name: cut at the report preview, {name}
    url: "{{{{ base }}}}/straddle?s={name}&at=16384"
    expect: {{ status: 299 }}
  - name: cut at the kept body, {name}
    url: "{{{{ base }}}}/straddle?s={name}&at=262144"
    expect: {{ status: 299 }}
"#
        ));
    }
    // Request bodies cut where a report and an event cut them; a redirect to a secret path.
    for at in [16384, 262144] {
        y.push_str(&format!(
            r#"  - name: request body cut at {at}
    method: POST
    url: "{{{{ base }}}}/echo/json/body"
    body: "{}{{{{ sess }}}} and more"
    expect: {{ status: 299 }}
"#,
            dots(at - 10)
        ));
    }
    y.push_str(
        r#"  - name: redirected to a secret
    url: "{{ base }}/go?to={{ (base ~ '/echo/json/' ~ sess) | urlencode }}"
    expect: { status: 299 }
"#,
    );
    y.push_str(&format!(
        r#"  - name: token error (JSON)
    url: "{{{{ base }}}}/echo/json/never"
    auth: {fail_json}
  - name: token error (not JSON)
    url: "{{{{ base }}}}/echo/json/never"
    auth: {fail_text}
  - name: unreachable
    url: "http://127.0.0.1:9/{long}/{{{{ key }}}}"
    timeout: 2s
  - name: not a URL
    url: "{{{{ key }}}}"
"#,
        fail_json = oauth("cid-fail-json", "basic", "/token-fail-json"),
        fail_text = oauth("cid-fail-text", "basic", "/token-fail-text"),
        long = dots(300 - 23 - 10 - 1),
    ));
    y
}

/// Every kind of secret, and the Basic credentials made from them.
fn watched() -> Vec<(&'static str, String)> {
    use base64::engine::general_purpose::STANDARD;
    let mut w: Vec<(&'static str, String)> = ALL.iter().map(|(n, v)| (*n, v.to_string())).collect();
    w.push((
        "basic auth",
        STANDARD.encode(format!("ann:{BASIC_PASSWORD}")),
    ));
    for id in ["cid-basic", "cid-fail-json", "cid-fail-text"] {
        w.push((
            "oauth2 basic",
            STANDARD.encode(format!("{id}:{CLIENT_SECRET}")),
        ));
    }
    w
}

fn outputs_of(name: &str, out: &std::process::Output) -> Vec<(String, String)> {
    vec![
        (
            format!("{name} stdout"),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        ),
        (
            format!("{name} stderr"),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ),
    ]
}

#[test]
fn every_form_of_every_secret_is_masked_in_every_channel() {
    let (base, _rt) = leaky_server();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "c.yaml", &leaky_collection(&base));
    std::fs::create_dir(dir.path().join("reports")).unwrap();
    let summary = dir.path().join("reports/step-summary.md");
    let run = |args: &[&str], github: bool| {
        let mut cmd = crate::support::baton(dir.path());
        cmd.args(args).env("BATON_ENV_SECRET", ENV_SECRET);
        if github {
            cmd.env("GITHUB_ACTIONS", "true")
                .env("GITHUB_STEP_SUMMARY", &summary);
        }
        cmd.timeout(std::time::Duration::from_secs(120))
            .output()
            .unwrap()
    };
    let mut outputs = Vec::new();
    let quiet = run(&["run", "c.yaml", "-q"], false);
    let default = run(&["run", "c.yaml"], true);
    let verbose = run(
        &[
            "run",
            "c.yaml",
            "-v",
            "--report",
            "junit=reports/junit.xml",
            "--report",
            "json=reports/report.json",
            "--report",
            "html=reports/report.html",
        ],
        false,
    );
    let very = run(&["run", "c.yaml", "-vv"], false);
    for (name, out) in [
        ("-q", &quiet),
        ("default (GitHub)", &default),
        ("-v", &verbose),
        ("-vv", &very),
    ] {
        assert_eq!(
            out.status.code(),
            Some(1),
            "{name}:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        outputs.extend(outputs_of(name, out));
    }
    outputs.extend(crate::support::trust::files(&dir.path().join("reports")));
    for export in [
        &["export", "curl", "c.yaml"][..],
        &["export", "curl", "c.yaml", "--render"],
    ] {
        let out = run(export, false);
        assert_eq!(out.status.code(), Some(0), "{export:?}");
        outputs.extend(outputs_of(&export.join(" "), &out));
    }
    // With --show-secrets the values are there, and the search finds them.
    let shown = run(
        &["export", "curl", "c.yaml", "--render", "--show-secrets"],
        false,
    );
    let found = crate::support::trust::leaks(
        &outputs_of("--show-secrets", &shown),
        &[("password", BASIC_PASSWORD)],
    );
    assert_eq!(found.len(), 1, "{found:?}");

    // The channels are all there and say what they should, so a clean search means something.
    let text = |name: &str| {
        outputs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.as_str())
            .unwrap_or_else(|| panic!("no output {name}"))
    };
    let vv = text("-vv stdout");
    assert!(vv.contains("< POST ") || vv.contains("> POST "), "{vv}");
    assert!(vv.contains("(OAuth2 token)"), "the token exchange is shown");
    assert!(vv.contains("authorization: ***") || vv.contains("Authorization: ***"));
    assert!(vv.contains("the end"), "the long bodies are shown");
    assert!(vv.contains("< 302"), "the redirect hop is shown: {vv}");
    assert!(text("default (GitHub) stdout").contains("::error file=c.yaml,line="));
    assert!(text("step-summary.md").contains("failed"));
    assert!(text("junit.xml").contains("<testsuite"));
    assert!(text("report.json").contains("\"requests\""));
    assert!(text("report.html").contains("<html"));
    assert!(text("export curl c.yaml stdout").contains("curl"));
    for name in [
        "-q stdout",
        "default (GitHub) stdout",
        "-v stdout",
        "-vv stdout",
    ] {
        let t = text(name);
        assert!(t.contains("***"), "{name} masks:\n{t}");
        assert!(t.contains("response is not JSON"), "{name}");
        assert!(t.contains("token request to"), "{name}");
        assert!(t.contains("could not connect"), "{name}");
        assert!(t.contains("is not a valid URL"), "{name}");
    }
    // The server did get the real values, in the forms the search looks for.
    let secrets = watched();
    let watched: Vec<(&str, &str)> = secrets.iter().map(|(l, v)| (*l, v.as_str())).collect();
    let mut dump = String::new();
    for (_, s) in ALL {
        for (_, f) in crate::support::trust::forms(s) {
            dump.push_str(&f);
            dump.push('\n');
        }
    }
    let found = crate::support::trust::leaks(&[("self-test".into(), dump)], &watched);
    assert!(
        found.len() >= ALL.len(),
        "the search finds what it looks for: {found:?}"
    );

    crate::support::trust::assert_no_leaks(&outputs, &watched);
}

#[test]
fn errors_of_check_and_run_do_not_print_secrets() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        &format!(
            r#"vars:
  base: "{}"
  key: "{{{{ secret('BATON_ENV_SECRET') }}}}"
requests:
  - name: for_each is not a list
    url: "{{{{ base }}}}/json"
    for_each: "{{{{ key }}}}"
  - name: when fails
    url: "{{{{ base }}}}/json"
    when: "{{{{ key + 1 }}}}"
  - name: a header that cannot be sent
    url: "{{{{ base }}}}/json"
    headers: {{ X-Key: "{{{{ key }}}}" }}
  - name: a regex that does not compile
    url: "{{{{ base }}}}/json"
    expect:
      json: {{ $.name: {{ matches: "{{{{ key }}}}(" }} }}
  - name: not a URL
    url: "{{{{ key }}}}"
"#,
            server.url
        ),
    );
    let mut outputs = Vec::new();
    for args in [&["check", "c.yaml"][..], &["run", "c.yaml", "-vv"]] {
        let out = crate::support::baton(dir.path())
            .args(args)
            .env("BATON_ENV_SECRET", ENV_SECRET)
            .output()
            .unwrap();
        outputs.extend(outputs_of(&args.join(" "), &out));
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        if args[0] == "run" {
            assert_eq!(out.status.code(), Some(1), "{all}");
            for shown in [
                "`for_each` must give a list",
                "when: ",
                "the value is not valid in a header",
                "is not a valid URL",
                "regex",
            ] {
                assert!(all.contains(shown), "{shown}: {all}");
            }
        } else {
            assert_eq!(out.status.code(), Some(0), "{all}");
        }
    }
    crate::support::trust::assert_no_leaks(&outputs, &[("env", ENV_SECRET)]);
}
