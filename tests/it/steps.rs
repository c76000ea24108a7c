//! `for_each` and `graphql` through the binary, against the in-process test server: what
//! each run reports and what the server received.

use crate::support::TestServer;
use serde_json::{Value, json};

/// The JSON report of a run, held to schema/report.schema.json.
fn report(dir: &std::path::Path) -> Value {
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("r.json")).unwrap()).unwrap();
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/report.schema.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let v = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = v
        .iter_errors(&report)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    report
}

fn requests(report: &Value) -> Vec<Value> {
    report["collections"][0]["requests"]
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn for_each_runs_once_per_captured_item_with_item_and_index() {
    let server = TestServer::start();
    let d = tempfile::tempdir().unwrap();
    crate::support::write(
        d.path(),
        "each.yaml",
        &format!(
            r#"name: each
vars: {{ base: "{}", empty: [] }}
requests:
  - name: list
    url: "{{{{ base }}}}/json"
    capture: {{ ids: $.tags }}
  - name: one per id
    method: POST
    url: "{{{{ base }}}}/echo?id={{{{ item }}}}"
    json: {{ id: "{{{{ item }}}}", index: "{{{{ index }}}}", of: "{{{{ ids | length }}}}" }}
    for_each: "{{{{ ids }}}}"
    expect:
      json: {{ $.query: "id={{{{ item }}}}" }}
    capture: {{ last: {{ json: $.query }} }}
  - name: none at all
    url: "{{{{ base }}}}/echo?never"
    for_each: "{{{{ empty }}}}"
  - name: after
    url: "{{{{ base }}}}/echo?{{{{ last }}}}"
"#,
            server.url
        ),
    );
    let out = crate::support::run(d.path(), &["run", "each.yaml", "--report", "json=r.json"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    for i in 0..3 {
        assert!(
            out.stdout.contains(&format!("✓ one per id [{i}] POST 200")),
            "{}",
            out.stdout
        );
    }
    assert!(
        out.stdout.contains("- none at all"),
        "reported skipped: {}",
        out.stdout
    );
    assert!(
        out.stdout.contains("5 passed, 0 failed, 1 skipped"),
        "{}",
        out.stdout
    );
    let r = requests(&report(d.path()));
    let names: Vec<&str> = r.iter().map(|x| x["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "list",
            "one per id [0]",
            "one per id [1]",
            "one per id [2]",
            "none at all",
            "after"
        ]
    );
    assert_eq!(r[4]["outcome"], "skipped");
    assert_eq!(r[4]["message"], "skipped: the `for_each` list is empty");
    // Each send carried its own item; `index` kept its type.
    let sent: Vec<(String, Value)> = server
        .hits()
        .into_iter()
        .filter(|h| h.path == "/echo" && h.method == "POST")
        .map(|h| (h.query, serde_json::from_str(&h.body).unwrap()))
        .collect();
    assert_eq!(
        sent,
        [
            ("id=a".into(), json!({"id": "a", "index": 0, "of": 3})),
            ("id=b".into(), json!({"id": "b", "index": 1, "of": 3})),
            ("id=c".into(), json!({"id": "c", "index": 2, "of": 3})),
        ]
    );
    assert_eq!(
        server.count_path("/echo"),
        4,
        "nothing sent for the empty list"
    );
    // The last iteration's capture is there for the requests after the loop.
    let after = server.hits().last().unwrap().query.clone();
    assert_eq!(after, "id=c");
}

#[test]
fn a_for_each_that_is_not_a_list_fails_that_request_only() {
    let server = TestServer::start();
    let d = tempfile::tempdir().unwrap();
    crate::support::write(
        d.path(),
        "each.yaml",
        &format!(
            r#"name: each
vars: {{ base: "{}", count: 3, token: "{{{{ secret('TOKEN') }}}}" }}
requests:
  - name: over a number
    url: "{{{{ base }}}}/echo"
    for_each: "{{{{ count }}}}"
  - name: over a secret
    url: "{{{{ base }}}}/echo"
    for_each: "{{{{ token }}}}"
  - name: still runs
    url: "{{{{ base }}}}/echo"
"#,
            server.url
        ),
    );
    let out = crate::support::baton(d.path())
        .args(["run", "each.yaml"])
        .env("TOKEN", "tok-77aa88bb")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("✗ over a number"), "{stdout}");
    assert!(
        stdout.contains("`for_each` must give a list, got 3"),
        "{stdout}"
    );
    assert!(
        stdout.contains("`for_each` must give a list, got \"***\""),
        "{stdout}"
    );
    assert!(!stdout.contains("tok-77aa88bb"), "{stdout}");
    assert!(stdout.contains("1 passed, 2 failed"), "{stdout}");
    assert_eq!(server.count(), 1, "only the last request was sent");
}

#[test]
fn graphql_posts_query_typed_variables_and_operation_name() {
    let server = TestServer::start();
    let d = tempfile::tempdir().unwrap();
    crate::support::write(
        d.path(),
        "gql.yaml",
        &format!(
            r#"name: gql
vars: {{ base: "{}", n: 3, to: "+4915100000000", live: true }}
requests:
  - name: messages
    url: "{{{{ base }}}}/echo"
    graphql:
      query: |
        query Messages($n: Int!, $to: String, $live: Boolean) {{
          messages(first: $n, to: $to, live: $live) {{ id }}
        }}
      variables: {{ n: "{{{{ n }}}}", to: "{{{{ to }}}}", live: "{{{{ live }}}}", label: "n={{{{ n }}}}" }}
      operation_name: Messages
    expect:
      status: 200
      json:
        $.method: POST
        $.headers['content-type']: application/json
  - name: without variables
    url: "{{{{ base }}}}/echo"
    graphql: {{ query: "{{ viewer {{ login }} }}" }}
"#,
            server.url
        ),
    );
    let out = crate::support::run(d.path(), &["run", "gql.yaml"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("✓ messages POST 200"), "{}", out.stdout);
    let hits = server.hits();
    assert_eq!(hits[0].method, "POST");
    assert_eq!(hits[0].headers["content-type"], "application/json");
    let body: Value = serde_json::from_str(&hits[0].body).unwrap();
    assert_eq!(
        body,
        json!({
            "query": "query Messages($n: Int!, $to: String, $live: Boolean) {\n  messages(first: $n, to: $to, live: $live) { id }\n}\n",
            "variables": { "n": 3, "to": "+4915100000000", "live": true, "label": "n=3" },
            "operationName": "Messages"
        })
    );
    let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["query", "variables", "operationName"]);
    let bare: Value = serde_json::from_str(&hits[1].body).unwrap();
    assert_eq!(hits[1].method, "POST");
    assert_eq!(bare["query"], "{ viewer { login } }");
    assert!(
        bare.get("operationName").is_none_or(Value::is_null),
        "{bare}"
    );
}

#[test]
fn fail_fast_stops_a_for_each_at_its_first_failing_item() {
    let server = TestServer::start();
    let d = tempfile::tempdir().unwrap();
    crate::support::write(
        d.path(),
        "each.yaml",
        &format!(
            r#"name: each
vars: {{ base: "{}" }}
requests:
  - name: statuses
    url: "{{{{ base }}}}/status/{{{{ item }}}}"
    for_each: [200, 500, 200]
    expect: {{ status: 200 }}
  - name: after
    url: "{{{{ base }}}}/status/200"
"#,
            server.url
        ),
    );
    let out = crate::support::run(d.path(), &["run", "each.yaml"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(out.stdout.contains("3 passed, 1 failed"), "{}", out.stdout);
    assert_eq!(server.count(), 4);
    let out = crate::support::run(d.path(), &["run", "each.yaml", "--fail-fast"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(out.stdout.contains("✗ statuses [1]"), "{}", out.stdout);
    // What was not run is reported skipped, the item after and the request after.
    assert!(
        out.stdout
            .contains("- statuses [2] GET --- skipped\n      skipped: --fail-fast"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("1 passed, 1 failed, 2 skipped"),
        "{}",
        out.stdout
    );
    assert_eq!(server.count(), 6, "two more sends, then nothing");
}

#[test]
fn item_outside_a_for_each_is_undefined_with_a_hint() {
    let d = tempfile::tempdir().unwrap();
    crate::support::write(
        d.path(),
        "each.yaml",
        "name: each\nrequests:\n  - name: loop\n    url: \"http://127.0.0.1:9/{{ item }}/{{ index }}\"\n    for_each: [1]\n  - name: after\n    url: \"http://127.0.0.1:9/{{ item }}\"\n",
    );
    let out = crate::support::run(d.path(), &["check", "each.yaml"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("each.yaml:7:10"), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("= help: `item` is set only in a request with `for_each`"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("1 problem found"), "{}", out.stderr);
}

#[test]
fn a_for_each_list_over_the_cap_fails_that_request_and_sends_nothing() {
    let dir = tempfile::tempdir().unwrap();
    crate::support::write(
        dir.path(),
        "c.yaml",
        "requests:\n  - name: many\n    for_each: \"{{ range(10001) | list }}\"\n    url: http://127.0.0.1:9/{{ item }}\n",
    );
    let out = crate::support::run(dir.path(), &["run", "c.yaml"]);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("`for_each` gives 10001 items; at most 10000 run"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("0 passed, 1 failed"), "{}", out.stdout);
}
