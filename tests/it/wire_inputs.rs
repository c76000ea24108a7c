//! The inputs side of "what is shown is what went over the wire", through the built binary:
//! `--var` typed as Hurl's `--variable`, `check` catching what `run` would hit, messages
//! (lengths, bracket notation), `export curl`/`import curl` and `fmt`, and the OAuth2
//! `grant_type` error.

use crate::support::wire as server;

use std::path::Path;

use crate::support::{run, write};
use serde_json::{Value, json};

fn hit_json(server: &server::WireServer, path: &str) -> Vec<Value> {
    server
        .log
        .path(path)
        .iter()
        .map(|s| serde_json::from_str(&s.body).unwrap_or(Value::Null))
        .collect()
}

// 5. `--var` typing like Hurl.

fn typed_collection(url: &str) -> String {
    format!(
        r#"vars: {{ base: "{url}" }}
requests:
  - name: user
    url: "{{{{ base }}}}/user"
    expect:
      json:
        $.id: "{{{{ id }}}}"
        $.code: "{{{{ code }}}}"
        $.active: "{{{{ active }}}}"
        $.deleted: "{{{{ deleted }}}}"
        $.manager: "{{{{ manager }}}}"
  - name: send them
    method: POST
    url: "{{{{ base }}}}/echo"
    json: {{ id: "{{{{ id }}}}", code: "{{{{ code }}}}", active: "{{{{ active }}}}", deleted: "{{{{ deleted }}}}", manager: "{{{{ manager }}}}", word: "{{{{ word }}}}", ratio: "{{{{ ratio }}}}", zeros: "{{{{ zeros }}}}" }}
"#
    )
}

#[test]
fn var_values_are_typed_like_hurl() {
    let server = server::start();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "c.yaml", &typed_collection(&server.url));
    let out = run(
        dir.path(),
        &[
            "run",
            "c.yaml",
            "--var",
            "id=1",
            "--var",
            r#"code="007""#,
            "--var",
            "active=true",
            "--var",
            "deleted=false",
            "--var",
            "manager=null",
            "--var",
            "word=hello",
            "--var",
            "ratio=1.5",
            "--var",
            "zeros=007",
        ],
    );
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    // What went out: the body as the server received it.
    let sent = &hit_json(&server, "/echo")[0];
    assert_eq!(
        *sent,
        json!({ "id": 1, "code": "007", "active": true, "deleted": false, "manager": null,
                "word": "hello", "ratio": 1.5, "zeros": "007" })
    );
}

#[test]
fn a_quoted_var_is_a_string_and_does_not_equal_a_number() {
    let server = server::start();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        &format!(
            "requests:\n  - name: user\n    url: {}/user\n    expect:\n      json:\n        $.id: \"{{{{ id }}}}\"\n        $.one: \"{{{{ id }}}}\"\n",
            server.url
        ),
    );
    // `1` is the number: `$.id` (1) holds, `$.one` ("1") does not.
    let out = run(dir.path(), &["run", "c.yaml", "--var", "id=1"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains(r#"json $.one eq: expected 1, got "1""#),
        "{}",
        out.stdout
    );
    // `"1"` is the string: the other way round.
    let out = run(dir.path(), &["run", "c.yaml", "--var", r#"id="1""#]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains(r#"json $.id eq: expected "1", got 1"#),
        "{}",
        out.stdout
    );
}

// 6. `check` catches what `run` would hit.

#[test]
fn check_refuses_a_literal_url_without_a_scheme() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        "requests:\n  - name: get\n    url: 127.0.0.1:8080/get\n  - name: local\n    url: localhost:8080/get\n  - name: fine\n    url: http://127.0.0.1:8080/get\n",
    );
    for cmd in ["check", "run"] {
        let out = run(dir.path(), &[cmd, "c.yaml"]);
        assert_eq!(out.code, 2, "{cmd}: {}{}", out.stdout, out.stderr);
        for (line, fix) in [
            (3, "http://127.0.0.1:8080/get"),
            (5, "http://localhost:8080/get"),
        ] {
            assert!(
                out.stderr.contains(&format!("c.yaml:{line}:10")),
                "{cmd}: {}",
                out.stderr
            );
            assert!(
                out.stderr
                    .contains(&format!("write it with a scheme: {fix}")),
                "{cmd}: {}",
                out.stderr
            );
        }
        assert_eq!(out.stderr.matches("with a scheme").count(), 2);
    }
}

#[test]
fn check_reports_structural_and_variable_errors_together() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        "requests:\n  - name: a\n    methd: POST\n    url: \"{{ bse_url }}/a\"\n  - name: b\n    url: \"http://x.test/{{ nope }}\"\n    timeout: soon\n",
    );
    let out = run(dir.path(), &["check", "c.yaml"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    for want in [
        "c.yaml:3:5",
        "did you mean `method`?",
        "c.yaml:4:",
        "`bse_url` is not defined",
        "c.yaml:6:",
        "`nope` is not defined",
        "c.yaml:7:",
    ] {
        assert!(out.stderr.contains(want), "no `{want}` in:\n{}", out.stderr);
    }
}

#[test]
fn a_capture_left_out_by_filter_is_named_with_its_request() {
    let server = server::start();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        &format!(
            "name: flow\nrequests:\n  - name: get user\n    url: {url}/user\n    capture:\n      user_id: $.id\n  - name: use it\n    url: \"{url}/echo?id={{{{ user_id }}}}\"\n",
            url = server.url
        ),
    );
    let out = run(dir.path(), &["run", "c.yaml", "--filter", "use it"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains(
            "`user_id` is not set: it is captured by request `get user`, which --filter or --tag left out"
        ),
        "{}",
        out.stdout
    );
    assert!(server.log.all().is_empty(), "nothing is sent");
    // A value from outside stands in for the capture.
    let out = run(
        dir.path(),
        &["run", "c.yaml", "--filter", "use it", "--var", "user_id=7"],
    );
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(server.log.path("/echo").len(), 1);
    // `check` knows the capture exists, so the collection itself is fine.
    let out = run(dir.path(), &["check", "c.yaml"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

// 7. Messages.

#[test]
fn a_failing_length_shows_the_length() {
    let server = server::start();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        &format!(
            "requests:\n  - name: user\n    url: {}/user\n    expect:\n      json:\n        $.tags: {{ length: 3 }}\n        $.code: {{ length: {{ gt: 5 }} }}\n",
            server.url
        ),
    );
    let out = run(dir.path(), &["run", "c.yaml"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("json $.tags length: expected length 3, got length 2"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("json $.code length gt: expected 5, got 3"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_dotted_header_path_gets_bracket_notation_as_help() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        "requests:\n  - name: headers\n    url: http://127.0.0.1:9/headers\n    expect:\n      json:\n        $.headers.Content-Type: { contains: json }\n    capture:\n      ct: $.headers.X-Trace\n      ct2: { json: $.headers.Content-Type }\n",
    );
    let out = run(dir.path(), &["check", "c.yaml"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    for (line, fix) in [
        (6, "$.headers['Content-Type']"),
        (8, "$.headers['X-Trace']"),
        (9, "$.headers['Content-Type']"),
    ] {
        assert!(
            out.stderr.contains(&format!("c.yaml:{line}:")),
            "no line {line}:\n{}",
            out.stderr
        );
        assert!(out.stderr.contains(fix), "no `{fix}` in:\n{}", out.stderr);
    }
}

#[test]
fn bracket_notation_reads_a_header_name_with_a_dash() {
    let server = server::start();
    let dir = tempfile::tempdir().unwrap();
    // The example of docs/format.md, against an httpbin-style `/headers`.
    write(
        dir.path(),
        "c.yaml",
        &format!(
            r#"vars: {{ httpbin: "{}" }}
requests:
  - name: headers echoed
    url: "{{{{ httpbin }}}}/headers"
    headers: {{ X-Request-Id: abc }}
    expect:
      json:
        $.headers['X-Request-Id']: abc
        $.headers['User-Agent']: {{ matches: "^baton/" }}
        "$.headers[\"Accept\"]": "*/*"       # double quotes work too, inside YAML quotes
    capture:
      agent: $.headers['User-Agent']
  - name: agent captured
    url: "{{{{ httpbin }}}}/headers"
    headers: {{ X-Agent: "{{{{ agent }}}}" }}
    expect:
      json:
        $.headers['X-Agent']: {{ matches: "^baton/" }}
"#,
            server.url
        ),
    );
    let out = run(dir.path(), &["run", "c.yaml"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let docs =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/format.md"))
            .unwrap();
    assert!(
        docs.contains("        $.headers['X-Request-Id']: abc\n        $.headers['User-Agent']: { matches: \"^baton/\" }\n"),
        "docs/format.md no longer shows the example this test runs"
    );
}

// 8. Export and import.

#[test]
fn export_without_render_writes_shell_variables_for_values_not_known() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        "vars: { empty: \"\" }\nrequests:\n  - name: a\n    url: \"{{ base }}/items/{{ empty }}\"\n    headers: { X-Id: \"{{ id }}\" }\n",
    );
    let out = run(dir.path(), &["export", "curl", "c.yaml"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("\"${base}/items/${empty}\""),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("\"X-Id: ${id}\""), "{}", out.stdout);
}

#[test]
fn export_render_fills_in_known_parts_next_to_captures() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        "vars: { base: \"http://127.0.0.1:18081\" }\nrequests:\n  - name: create\n    method: POST\n    url: \"{{ base }}/anything\"\n    capture: { request_id: $.id }\n  - name: read\n    url: \"{{ base }}/anything/{{ request_id }}\"\n",
    );
    let out = run(dir.path(), &["export", "curl", "c.yaml", "--render"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("\"http://127.0.0.1:18081/anything/${request_id}\""),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("${base}"), "{}", out.stdout);
}

/// The arguments `sh` gives curl for an exported command, one per line.
fn shell_args(dir: &Path, script: &str, env: &[(&str, &str)]) -> Vec<String> {
    let mut cmd = std::process::Command::new("sh");
    cmd.current_dir(dir).arg("-c").arg(format!(
        "curl() {{ for a in \"$@\"; do printf '%s\\n' \"$a\"; done; }}\n{script}"
    ));
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("sh runs");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn a_literal_dollar_brace_next_to_a_variable_is_not_expanded_by_the_shell() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        r#"requests:
  - name: literal
    method: POST
    url: "{{ base }}/x?price=$5"
    query: { q: "${HOME} {{ word }}" }
    headers:
      X-Literal: "${HOME} and $HOME and {{ word }}"
      X-Plain: "${HOME} alone"
    body: "costs ${PRICE} for {{ word }} `date` \"quoted\""
"#,
    );
    let out = run(dir.path(), &["export", "curl", "c.yaml"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let args = shell_args(
        dir.path(),
        &out.stdout,
        &[
            ("HOME", "/LEAKED"),
            ("PRICE", "LEAKED"),
            ("word", "w"),
            ("base", "http://h.test"),
        ],
    );
    let all = args.join("\n");
    assert!(!all.contains("LEAKED"), "{}\n{all}", out.stdout);
    for want in [
        "http://h.test/x?price=$5&q=%24%7BHOME%7D+w",
        "X-Literal: ${HOME} and $HOME and w",
        "X-Plain: ${HOME} alone",
        "costs ${PRICE} for w `date` \"quoted\"",
    ] {
        assert!(
            args.iter().any(|a| a == want),
            "no argument `{want}` in:\n{all}\nfrom:\n{}",
            out.stdout
        );
    }
    // And it imports back as it was written.
    let imported = run(dir.path(), &["import", "curl", &out.stdout]);
    assert_eq!(imported.code, 0, "{}", imported.stderr);
    let doc = baton::format::yaml::parse(&imported.stdout)
        .unwrap()
        .to_json();
    let r = &doc["requests"][0];
    assert_eq!(
        r["headers"]["X-Literal"], "${HOME} and $HOME and {{ word }}",
        "{}",
        imported.stdout
    );
    assert_eq!(r["headers"]["X-Plain"], "${HOME} alone");
    assert_eq!(r["body"], "costs ${PRICE} for {{ word }} `date` \"quoted\"");
}

#[test]
fn import_curl_of_an_exported_variable_url_gives_a_template() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        dir.path(),
        &[
            "import",
            "curl",
            "curl \"${base}/x\" -H \"Authorization: Bearer ${token}\"\ncurl -X POST \"${base}/y\" --data-raw '{\"a\":1}'",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let doc = baton::format::yaml::parse(&out.stdout).unwrap().to_json();
    assert_eq!(doc["requests"][0]["url"], "{{ base }}/x", "{}", out.stdout);
    assert_eq!(doc["requests"][1]["url"], "{{ base }}/y");
    assert_eq!(doc["requests"].as_array().unwrap().len(), 2);
    assert_eq!(doc["vars"], json!({ "base": "", "token": "" }));
}

// 9. fmt keeps a comment between two requests with the one that follows.

#[test]
fn fmt_keeps_a_comment_between_requests_with_the_next_one() {
    let dir = tempfile::tempdir().unwrap();
    let text = "requests:\n  - url: http://x.test/a\n    name: first\n\n  # the second logs in\n  - url: http://x.test/b\n    name: second\n";
    write(dir.path(), "c.yaml", text);
    let out = run(dir.path(), &["fmt", "c.yaml"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let got = std::fs::read_to_string(dir.path().join("c.yaml")).unwrap();
    assert_eq!(
        got,
        "requests:\n  - name: first\n    url: http://x.test/a\n\n  # the second logs in\n  - name: second\n    url: http://x.test/b\n"
    );
}

// 10. OAuth2: `grant_type` is not a key.

#[test]
fn grant_type_is_not_needed_and_not_offered() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        "requests:\n  - name: a\n    url: http://x.test/\n    auth:\n      oauth2:\n        token_url: http://x.test/token\n        client_id: id\n        client_secret: secret\n        grant_type: client_credentials\n  - name: b\n    url: http://x.test/\n    auth:\n      oauth2:\n        token_url: http://x.test/token\n        client_id: id\n        client_secret: secret\n        scopes: read\n  - name: c\n    url: http://x.test/\n    auth:\n      oauth2:\n        token_url: http://x.test/token\n        client_id: id\n        client_secret: secret\n        zzzzzzzz: 1\n",
    );
    let out = run(dir.path(), &["check", "c.yaml"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("c.yaml:9:9"), "{}", out.stderr);
    assert!(
        out.stderr.contains("`grant_type` is not needed"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("client credentials"), "{}", out.stderr);
    // The list of keys offered for a typo does not hold it.
    assert!(
        out.stderr.contains("did you mean `scope`?"),
        "{}",
        out.stderr
    );
    let offered: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.contains("the known keys:"))
        .collect();
    assert_eq!(offered.len(), 1, "{}", out.stderr);
    assert!(offered[0].contains("params"), "{}", out.stderr);
    assert!(!offered[0].contains("grant_type"), "{}", out.stderr);
}

#[test]
fn the_schema_takes_params_and_refuses_grant_type_as_the_loader_does() {
    let schema = baton::format::raw::schema();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let with = |extra: Value| {
        let mut oauth2 =
            json!({ "token_url": "http://x.test/token", "client_id": 4711, "client_secret": "s" });
        oauth2
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        json!({ "requests": [{ "name": "a", "url": "http://x.test/", "auth": { "oauth2": oauth2 } }] })
    };
    assert!(validator.is_valid(&with(
        json!({ "params": { "audience": "https://api", "max_age": 60 } })
    )));
    assert!(!validator.is_valid(&with(json!({ "grant_type": "client_credentials" }))));
    assert!(!validator.is_valid(&with(json!({ "params": { "scope": "read" } }))));
}
