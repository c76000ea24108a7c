//! Unit tests of `mock::file`.

use super::*;

fn load_text(text: &str) -> Result<MockFile, String> {
    load_str(Path::new("m.yaml"), text.to_string())
}

#[test]
fn load_errors_are_reported_together() {
    let e = load_text(
            "routes:\n  - when: { methd: GET, path: nope }\n    respond: { status: 999, delay: soon }\n  - when: { path: /x }\n",
        )
        .unwrap_err();
    assert!(e.contains("m.yaml:2:13"), "{e}");
    assert!(e.contains("did you mean `method`?"), "{e}");
    assert!(e.contains("`path` starts with `/`"), "{e}");
    assert!(e.contains("`status` is an HTTP status code"), "{e}");
    assert!(e.contains("`soon` is not a duration"), "{e}");
    assert!(e.contains("this route has no `respond`"), "{e}");
}

#[test]
fn a_respond_list_is_answered_in_turn_then_repeats_its_last() {
    let m = load_text(
            "routes:\n  - when: { path: /job }\n    respond: [{ status: 202 }, { status: 202 }, { status: 200 }]\n",
        )
        .unwrap();
    let r = &m.routes[0];
    let seen: Vec<u16> = (0..5).map(|_| r.next_response().unwrap().status).collect();
    assert_eq!(seen, [202, 202, 200, 200, 200]);
}

#[test]
fn one_respond_map_answers_every_time() {
    let m = load_text("routes:\n  - respond: { status: 204 }\n").unwrap();
    for _ in 0..3 {
        assert_eq!(m.routes[0].next_response().unwrap().status, 204);
    }
}

#[test]
fn concurrent_requests_each_take_one_turn() {
    let m = Arc::new(
        load_text("routes:\n  - respond: [{ status: 201 }, { status: 202 }, { status: 200 }]\n")
            .unwrap(),
    );
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let m = Arc::clone(&m);
            std::thread::spawn(move || {
                (0..50)
                    .map(|_| m.routes[0].next_response().unwrap().status)
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let all: Vec<u16> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    let count = |s| all.iter().filter(|x| **x == s).count();
    assert_eq!((count(201), count(202), count(200)), (1, 1, 398));
}

#[test]
fn callbacks_are_checked() {
    let m = load_text(
        r#"routes:
  - when: { path: /sms }
    respond:
      json: { ok: true }
      callback:
        url: "{{ json.dlrCallbackUrl }}"
        delay: 10ms
        headers: { X-Id: "{{ response.json.id }}" }
        json: { status: delivered }
"#,
    )
    .unwrap();
    let cb = m.routes[0]
        .next_response()
        .unwrap()
        .callback
        .clone()
        .unwrap();
    assert_eq!(cb.method, Method::POST);
    assert_eq!(cb.delay, Some(Duration::from_millis(10)));
    assert_eq!(cb.headers[0].0.as_str(), "x-id");
    assert!(matches!(cb.body, Body::Json(_)));
}

#[test]
fn bad_callbacks_and_lists_say_where() {
    let e = load_text(
        r#"routes:
  - when: { path: /a }
    respond: []
  - when: { path: /b }
    respond:
      - { status: 202 }
      - just text
  - when: { path: /c }
    respond:
      callback: { method: "GE T", delai: 1s, json: {}, body: x }
  - when: { path: /d }
    respond:
      callback: { url: "ftp://x", headers: { "bad name": v, X-Ok: "a{{" } }
  - when: { path: /e }
    respond: { callback: nope }
"#,
    )
    .unwrap_err();
    for want in [
        "m.yaml:3:14\n",
        "`respond` is an empty list",
        "m.yaml:7:9\n",
        "a response is a map of",
        "m.yaml:10:17\n",
        "this callback has no `url`",
        "m.yaml:10:27\n",
        "`method` is an HTTP method",
        "m.yaml:10:35\n",
        "did you mean `delay`?",
        "m.yaml:10:62\n",
        "a callback has `json` or `body`, not both",
        "m.yaml:13:24\n",
        "`url` is not an http:// or https:// URL",
        "m.yaml:13:46\n",
        "`bad name` is not a valid header name",
        "m.yaml:13:67\n",
        "template syntax error",
        "m.yaml:15:26\n",
        "`callback` is a map of",
    ] {
        assert!(e.contains(want), "missing {want:?} in:\n{e}");
    }
}

#[test]
fn not_utf8_names_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.yaml");
    std::fs::write(&path, b"routes:\n  - respond: { body: \"caf\xE9\" }\n").unwrap();
    let e = load(&path).unwrap_err();
    assert!(e.contains("m.yaml:2:26\n"), "{e}");
    assert!(e.contains("not UTF-8 text: byte 0xE9"), "{e}");
    assert!(e.contains("help: save the file as UTF-8"), "{e}");
    std::fs::write(&path, b"\xFF\xFEr\0o\0").unwrap();
    let e = load(&path).unwrap_err();
    assert!(e.contains("m.yaml:1:1\n"), "{e}");
    assert!(e.contains("starts like UTF-16"), "{e}");
}

#[test]
fn every_bad_input_has_a_place() {
    let place = regex::Regex::new(r"--> m\.yaml:[1-9]\d*:[1-9]\d*\n").unwrap();
    for text in [
        "",
        "- a\n- b\n",
        "routes: 3\n",
        "routes:\n  - 3\n",
        "routes: [\n",
        "routes:\n  - when: 3\n    respond: {}\n",
        "routes:\n  - respond: { headers: 3, body: [1] }\n",
        "routes:\n  - respond: { headers: { a: [1] } }\n",
        "routes:\n  - respond: { json: \"{{ \" }\n",
        "serves: 3\nroutes: []\n",
        "routes: []\nroutes: []\n",
        "routes:\n  - when: { query: 1, headers: { a: {} } }\n    respond: {}\n",
    ] {
        let e = load_text(text).unwrap_err();
        let errors = e.lines().filter(|l| l.starts_with("error: ")).count();
        assert!(
            errors > 0 && place.find_iter(&e).count() == errors,
            "an error without a place for {text:?}:\n{e}"
        );
    }
}
