//! Unit tests of evaluation: every predicate passing and failing, with its details.

use std::path::Path;
use std::time::Duration;

use super::*;
use crate::format::model::Action;

fn parse(text: &str) -> Expect {
    let indented: String = text.lines().map(|l| format!("    {l}\n")).collect();
    let yaml = format!("requests:\n  - name: t\n    url: http://x/\n{indented}");
    let c = crate::format::load_str(Path::new("t.yaml"), yaml)
        .unwrap_or_else(|e| panic!("{}", e.render()));
    let r = c.requests().next().unwrap();
    assert!(matches!(r.action, Action::Send(_)));
    r.expect.clone()
}

fn resp(body: &str) -> Response {
    Response::new(
        201,
        vec![
            ("Location".into(), "/sms/42".into()),
            ("Content-Type".into(), "application/json".into()),
        ],
        body.as_bytes().to_vec(),
        Duration::from_millis(120),
    )
}

fn results(yaml: &str, body: &str) -> Vec<AssertionResult> {
    let e = parse(yaml);
    let mut vars = Vars::new();
    vars.set("want", &serde_json::json!(3));
    check(&e, &resp(body), &vars, &Secrets::new())
}

const BODY: &str = r#"{"count":3,"name":"arduino01","tags":["a","b"],"data":[{"id":1},{"id":2}],"n":null,"f":1.0}"#;

#[test]
fn every_predicate_passes() {
    let r = results(
        "expect:\n  status: 201\n  headers: { Location: { matches: '/sms/\\d+$' }, content-type: { contains: json } }\n  json:\n    $.name: arduino01\n    $.count: { gt: 2, ge: 3, lt: 4, le: 3, ne: 5, eq: \"{{ want }}\", one_of: [1, 3] }\n    $.tags: { length: 2, contains: b, type: array }\n    $.data: { length: { gt: 1, not: { gt: 5 } } }\n    $.data[*].id: [1, 2]\n    $.missing: { exists: false }\n    $.n: { type: 'null', exists: true }\n    $.f: { eq: 1, type: integer }\n    $['name']: { not: { contains: esp } }\n  body: { contains: arduino }\n  duration: { lt: 1s, gt: 10ms }\n",
        BODY,
    );
    let failed: Vec<_> = r.iter().filter(|a| !a.passed).collect();
    assert!(failed.is_empty(), "{failed:#?}");
    assert_eq!(r.len(), 26);
    assert!(
        r.iter()
            .any(|a| a.predicate == "length gt" && a.subject == "json $.data")
    );
    assert!(r.iter().any(|a| a.predicate == "not length gt"));
}

#[test]
fn every_predicate_fails_with_details() {
    let r = results(
        "expect:\n  status: [200, 204]\n  headers: { Location: /other, X-Missing: { exists: true } }\n  json:\n    $.name: esp32\n    $.count: { gt: 5 }\n    $.tags: { length: 3 }\n    $.data: [{ id: 1 }]\n    $.missing: { eq: 1 }\n    $['name']: { not: { contains: ard } }\n    $['count']: { type: string }\n  body: { matches: '^nope' }\n  duration: { lt: 50ms }\n",
        BODY,
    );
    assert!(r.iter().all(|a| !a.passed), "{r:#?}");
    let by = |s: &str| r.iter().find(|a| a.subject == s).unwrap();
    assert_eq!(by("status").expected, "[200,204]");
    assert_eq!(by("status").actual, "201");
    assert_eq!(by("json $.name").actual, "\"arduino01\"");
    assert_eq!(by("json $.missing").actual, "(nothing selected)");
    assert_eq!(by("header X-Missing").actual, "(no such header)");
    assert_eq!(by("duration").actual, "120ms");
    let d = by("json $.data")
        .diff
        .as_ref()
        .expect("a diff for structured values");
    assert!(d.contains("+  {\n") || d.contains("+    \"id\": 2"), "{d}");
    assert!(r.iter().any(|a| a.predicate == "not contains"));
}

#[test]
fn json_on_a_non_json_body() {
    let e = parse("expect:\n  json: { $.a: 1 }\n");
    let r = check(
        &e,
        &resp("<html>oops</html>"),
        &Vars::new(),
        &Secrets::new(),
    );
    assert!(!r[0].passed);
    assert_eq!(
        r[0].message.as_deref(),
        Some("response is not JSON: <html>oops</html>")
    );
}

#[test]
fn inline_schema() {
    let r = results(
        "expect:\n  schema: { type: object, required: [count, id] }\n",
        BODY,
    );
    assert!(!r[0].passed);
    assert!(
        r[0].message
            .as_deref()
            .unwrap_or_default()
            .contains("\"id\" is a required property"),
        "{r:#?}"
    );
    let r = results(
        "expect:\n  schema: { type: object, required: [count] }\n",
        BODY,
    );
    assert!(r[0].passed);
}

#[test]
fn a_failing_length_shows_the_length() {
    let r = results("expect:\n  json:\n    $.tags: { length: 3 }\n", BODY);
    assert!(!r[0].passed);
    assert_eq!(r[0].expected, "length 3");
    assert_eq!(r[0].actual, "length 2");
}

#[test]
fn secrets_are_masked_before_values_are_cut() {
    let secret = "tok-ABCDEFGHIJKLMNOPQRSTUVWXYZ-0123456789";
    let s = Secrets::new();
    s.register(secret);
    let long = format!("{}{secret}{}", "x".repeat(180), "y".repeat(100));
    let body = serde_json::json!({ "v": long }).to_string();
    let e = parse("expect:\n  json:\n    $.v: nope\n");
    let r = check(&e, &resp(&body), &Vars::new(), &s);
    assert!(!r[0].passed);
    assert!(!r[0].actual.contains("tok-"), "{}", r[0].actual);
    assert!(r[0].actual.contains("***"), "{}", r[0].actual);
}

#[test]
fn a_multi_line_secret_never_shows_in_a_diff() {
    let secret = "-----BEGIN KEY-----\nAAAABBBBCCCCDDDD\n-----END KEY-----";
    let s = Secrets::new();
    s.register(secret);
    let body = format!("before\n{secret}\nafter\n");
    let e = parse("expect:\n  body: \"before\\nother\\nafter\\n\"\n");
    let r = check(&e, &resp(&body), &Vars::new(), &s);
    let d = r[0].diff.clone().unwrap_or_default();
    assert!(!d.contains("AAAABBBB"), "{d}");
    assert!(d.contains("***"), "{d}");
}

#[test]
fn jwt_verifies_signature_expiry_and_claims() {
    use jsonwebtoken::{EncodingKey, Header, encode};
    let key = "callback-secret-42";
    let now = jiff::Timestamp::now().as_second();
    let token = |k: &str, exp: i64| {
        encode(
            &Header::default(),
            &serde_json::json!({ "iss": "emnify", "exp": exp, "n": 3 }),
            &EncodingKey::from_secret(k.as_bytes()).unwrap(),
        )
        .unwrap()
    };
    let good = token(key, now + 600);
    let e = parse(
        "expect:\n  headers:\n    Authorization: { jwt: { key: \"{{ k }}\", claims: { iss: emnify, n: { gt: 2 } } } }\n",
    );
    let mut vars = Vars::new();
    vars.set("k", &serde_json::json!(key));
    let with = |t: &str| {
        Response::new(
            200,
            vec![("Authorization".into(), format!("Bearer {t}"))],
            Vec::new(),
            Duration::ZERO,
        )
    };
    let s = Secrets::new();
    let r = check(&e, &with(&good), &vars, &s);
    assert!(r[0].passed, "{r:#?}");
    let r = check(&e, &with(&token("another-key", now + 600)), &vars, &s);
    assert!(!r[0].passed);
    assert!(
        r[0].message
            .as_deref()
            .unwrap_or_default()
            .contains("does not verify"),
        "{r:#?}"
    );
    let r = check(&e, &with(&token(key, now - 600)), &vars, &s);
    assert!(
        r[0].message
            .as_deref()
            .unwrap_or_default()
            .contains("expired"),
        "{r:#?}"
    );
    // The key is a secret: never in a result.
    assert!(!format!("{r:?}").contains(key));
}
