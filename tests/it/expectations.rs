//! Each expectation kind and each capture source through the binary, against the test server;
//! and the terminal report of a failing expectation (snapshot).

use crate::support::{TestServer, run, stable, write};

/// One request per expectation kind; `pass` picks operands that hold or not.
fn collection(url: &str, pass: bool) -> String {
    let (status, header, name, len, body, dur, schema_req) = if pass {
        (200, "/sms/\\\\d+$", "arduino01", 3, "count", "5s", "count")
    } else {
        (201, "^/other", "esp32", 4, "nope", "1ms", "missing")
    };
    format!(
        r#"vars: {{ base: "{url}" }}
requests:
  - name: status
    url: "{{{{ base }}}}/json"
    expect: {{ status: {status} }}
  - name: header
    url: "{{{{ base }}}}/json"
    expect:
      headers: {{ Location: {{ matches: "{header}" }} }}
  - name: json eq
    url: "{{{{ base }}}}/json"
    expect:
      json:
        $.name: {name}
  - name: json length
    url: "{{{{ base }}}}/json"
    expect:
      json:
        $.tags: {{ length: {len} }}
  - name: body
    url: "{{{{ base }}}}/json"
    expect:
      body: {{ contains: {body} }}
  - name: duration
    url: "{{{{ base }}}}/slow?ms=30"
    expect:
      duration: {{ lt: {dur} }}
  - name: schema
    url: "{{{{ base }}}}/json"
    expect:
      schema: {{ type: object, required: [{schema_req}] }}
"#
    )
}

#[test]
fn each_expectation_kind_passes() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "c.yaml", &collection(&server.url, true));
    let out = run(dir.path(), &["run", "c.yaml"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert!(out.stdout.contains("7 passed, 0 failed"), "{}", out.stdout);
}

#[test]
fn each_expectation_kind_fails() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "c.yaml", &collection(&server.url, false));
    let out = run(dir.path(), &["run", "c.yaml"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(out.stdout.contains("0 passed, 7 failed"), "{}", out.stdout);
    for expected in [
        "status eq: expected 201, got 200",
        "header Location matches: expected /^/other/, got \"/sms/123\"",
        "json $.name eq: expected \"esp32\", got \"arduino01\"",
        "json $.tags length: expected length 4, got length 3",
        "body contains: expected \"nope\"",
        "duration lt: expected 1ms, got",
        "schema valid: expected a body valid against the schema, got 1 error",
    ] {
        assert!(
            out.stdout.contains(expected),
            "missing `{expected}` in:\n{}",
            out.stdout
        );
    }
}

#[test]
fn failing_expectation_report_with_diff() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "report.yaml",
        &format!(
            "name: report\nrequests:\n  - name: data\n    url: \"{}/json\"\n    expect:\n      status: 200\n      json:\n        $.data: [{{ id: 1, name: x }}, {{ id: 3, name: z }}]\n        $.count: {{ gt: 5 }}\n        $.missing: {{ exists: true }}\n",
            server.url
        ),
    );
    let out = run(dir.path(), &["run", "report.yaml"]);
    assert_eq!(out.code, 1);
    insta::assert_snapshot!("failing_report", stable(&out.stdout));
}

#[test]
fn each_capture_source_works() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        &format!(
            r#"vars: {{ base: "{0}" }}
requests:
  - name: captures
    url: "{{{{ base }}}}/json"
    capture:
      name: $.name
      ids: $.data[*].id
      location: {{ header: location }}
      sms_id: {{ header: Location, regex: "/sms/(\\d+)" }}
      code: {{ status: true }}
      raw: {{ body: true, regex: '"count":(\d+)' }}
      took: {{ duration: true }}
      fallback: {{ json: $.nothing, default: fb }}
  - name: cookie
    url: "{{{{ base }}}}/cookie/set"
    capture:
      session: {{ cookie: session }}
  - name: use them
    url: "{{{{ base }}}}/echo"
    query:
      name: "{{{{ name }}}}"
      ids: "{{{{ ids }}}}"
      location: "{{{{ location }}}}"
      sms_id: "{{{{ sms_id }}}}"
      code: "{{{{ code }}}}"
      raw: "{{{{ raw }}}}"
      took_is_number: "{{{{ took is number }}}}"
      fallback: "{{{{ fallback }}}}"
      session: "{{{{ session }}}}"
"#,
            server.url
        ),
    );
    let out = run(dir.path(), &["run", "c.yaml"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let last = server.hits().pop().unwrap();
    assert_eq!(
        last.query,
        "name=arduino01&ids=1&ids=2&location=%2Fsms%2F123&sms_id=123&code=200&raw=3&took_is_number=true&fallback=fb&session=s-42"
    );
}

#[test]
fn a_failed_capture_fails_the_request_and_later_users() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        &format!(
            "requests:\n  - name: login\n    url: \"{0}/json\"\n    capture: {{ tok: $.token }}\n  - name: use\n    url: \"{0}/echo?t={{{{ tok }}}}\"\n",
            server.url
        ),
    );
    let out = run(dir.path(), &["run", "c.yaml"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stdout
            .contains("capture `tok`: JSONPath `$.token` selects nothing"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("skipped: capture `tok` of `login` failed"),
        "{}",
        out.stdout
    );
    assert_eq!(server.count_path("/echo"), 0);
}
