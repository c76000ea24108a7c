//! `baton mock` through the binary: respond lists, callbacks (signed with jwt_hs256),
//! stopping while a client holds half a request, and the errors of bad mock files.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use serde_json::{Value, json};

/// A running `baton mock FILE`, with the URL its first line announced.
struct Mock {
    child: Child,
    url: String,
    addr: String,
}

impl Mock {
    fn start(dir: &Path, file: &str, env: &[(&str, &str)]) -> Mock {
        let (child, addr) = crate::support::spawn_mock(dir, file, env);
        Mock {
            child,
            url: format!("http://{addr}"),
            addr,
        }
    }

    /// Send SIGTERM; the exit code, how long it took, and what went to stderr.
    fn terminate(mut self) -> (Option<i32>, Duration, String) {
        let started = Instant::now();
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let code = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s.code();
            }
            if started.elapsed() > Duration::from_secs(10) {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("baton mock did not stop within 10s of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let took = started.elapsed();
        let mut stderr = String::new();
        self.child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        (code, took, stderr)
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[derive(Debug, Clone)]
struct Received {
    path: String,
    headers: axum::http::HeaderMap,
    body: String,
}

/// An in-process webhook receiver on 127.0.0.1:0 that records what reaches it.
fn receiver() -> (String, Arc<Mutex<Vec<Received>>>, tokio::runtime::Runtime) {
    let got: Arc<Mutex<Vec<Received>>> = Arc::default();
    let record = Arc::clone(&got);
    let app = Router::new().fallback(move |req: Request| {
        let record = Arc::clone(&record);
        async move {
            let (parts, body) = req.into_parts();
            let body = axum::body::to_bytes(body, 1 << 20).await.unwrap();
            record.lock().unwrap().push(Received {
                path: parts.uri.path().to_string(),
                headers: parts.headers,
                body: String::from_utf8_lossy(&body).into_owned(),
            });
            StatusCode::NO_CONTENT
        }
    });
    let (url, rt) = crate::support::serve(app);
    (url, got, rt)
}

fn wait_for(got: &Mutex<Vec<Received>>, n: usize) -> Vec<Received> {
    let started = Instant::now();
    loop {
        let v = got.lock().unwrap().clone();
        if v.len() >= n {
            return v;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{} of {n} callbacks arrived",
            v.len()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_respond_list_answers_in_turn_then_repeats_the_last() {
    let dir = tempfile::tempdir().unwrap();
    crate::support::write(
        dir.path(),
        "m.yaml",
        r#"routes:
  - when: { method: GET, path: "/jobs/{id}" }
    respond:
      - { status: 202, json: { state: queued } }
      - { status: 202, json: { state: running } }
      - { status: 200, json: { state: done, id: "{{ path.id }}" } }
"#,
    );
    let mock = Mock::start(dir.path(), "m.yaml", &[]);
    let seen: Vec<(u16, Value)> = runtime().block_on(async {
        let c = reqwest::Client::new();
        let mut seen = Vec::new();
        for _ in 0..5 {
            let r = c.get(format!("{}/jobs/7", mock.url)).send().await.unwrap();
            seen.push((r.status().as_u16(), r.json().await.unwrap()));
        }
        seen
    });
    let done = json!({"state": "done", "id": "7"});
    assert_eq!(
        seen,
        [
            (202, json!({"state": "queued"})),
            (202, json!({"state": "running"})),
            (200, done.clone()),
            (200, done.clone()),
            (200, done),
        ]
    );
    let (code, _, stderr) = mock.terminate();
    assert_eq!(code, Some(0), "{stderr}");
}

#[test]
fn a_callback_reaches_the_webhook_templated_and_signed() {
    let (hook, got, _rt) = receiver();
    let dir = tempfile::tempdir().unwrap();
    // emnify posts an MO SMS to the registered callback URL with a JWT signed with the
    // API callback secret; SMS.CX posts a delivery report to the `dlrCallbackUrl` it was given.
    crate::support::write(
        dir.path(),
        "m.yaml",
        r#"routes:
  - when: { method: POST, path: /sms }
    respond:
      status: 201
      json: { msgId: "{{ uuid() }}", to: "{{ json.to }}" }
      callback:
        url: "{{ json.dlrCallbackUrl }}"
        delay: 100ms
        headers:
          Authorization: "Bearer {{ jwt_hs256({'iss': 'provider', 'sub': response.json.msgId, 'exp': (now() | format('%s') | int) + 300}, env('CALLBACK_SECRET')) }}"
          X-Request-Id: "{{ headers['x-request-id'] }}"
        json:
          msgId: "{{ response.json.msgId }}"
          to: "{{ json.to }}"
          status: DELIVERED
          sentAt: "{{ now() }}"
"#,
    );
    let mock = Mock::start(
        dir.path(),
        "m.yaml",
        &[("CALLBACK_SECRET", "s3cret-callback-key")],
    );
    let answer: Value = runtime().block_on(async {
        let r = reqwest::Client::new()
            .post(format!("{}/sms", mock.url))
            .header("x-request-id", "req-1")
            .json(&json!({"to": "+4915100000000", "dlrCallbackUrl": format!("{hook}/dlr")}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        r.json().await.unwrap()
    });
    let msg_id = answer["msgId"].as_str().unwrap().to_string();
    assert_eq!(msg_id.len(), 36, "{answer}");
    let got = wait_for(&got, 1);
    let dlr = &got[0];
    assert_eq!(dlr.path, "/dlr");
    assert_eq!(dlr.headers["x-request-id"], "req-1");
    assert_eq!(dlr.headers["content-type"], "application/json");
    let body: Value = serde_json::from_str(&dlr.body).unwrap();
    assert_eq!(
        body["msgId"],
        msg_id.as_str(),
        "the callback names the answered message"
    );
    assert_eq!(body["to"], "+4915100000000");
    assert_eq!(body["status"], "DELIVERED");
    assert!(
        body["sentAt"]
            .as_str()
            .unwrap()
            .parse::<jiff::Timestamp>()
            .is_ok(),
        "{body}"
    );
    let token = dlr.headers["authorization"]
        .to_str()
        .unwrap()
        .strip_prefix("Bearer ")
        .unwrap()
        .to_string();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.set_required_spec_claims(&["exp", "iss", "sub"]);
    validation.set_issuer(&["provider"]);
    let claims = jsonwebtoken::decode::<Value>(
        &token,
        &jsonwebtoken::DecodingKey::from_secret(b"s3cret-callback-key").unwrap(),
        &validation,
    )
    .unwrap_or_else(|e| panic!("{e}: {token}"))
    .claims;
    assert_eq!(claims["sub"], msg_id.as_str());
    assert!(
        jsonwebtoken::decode::<Value>(
            &token,
            &jsonwebtoken::DecodingKey::from_secret(b"another key").unwrap(),
            &validation,
        )
        .is_err(),
        "the signature depends on the key"
    );
    let (code, _, stderr) = mock.terminate();
    assert_eq!(code, Some(0));
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn a_failed_callback_is_logged_to_stderr_and_serving_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    crate::support::write(
        dir.path(),
        "m.yaml",
        &format!(
            "routes:\n  - when: {{ path: /x }}\n    respond: {{ callback: {{ url: \"http://{closed}/hook\" }} }}\n"
        ),
    );
    let mock = Mock::start(dir.path(), "m.yaml", &[]);
    runtime().block_on(async {
        for _ in 0..2 {
            let r = reqwest::get(format!("{}/x", mock.url)).await.unwrap();
            assert_eq!(r.status(), 200);
        }
    });
    std::thread::sleep(Duration::from_millis(300));
    let (code, _, stderr) = mock.terminate();
    assert_eq!(code, Some(0), "{stderr}");
    let line = format!("mock: callback POST http://{closed}/hook failed: ");
    assert_eq!(stderr.matches(&line).count(), 2, "{stderr}");
}

#[test]
fn sigterm_stops_baton_mock_while_a_client_holds_half_a_request() {
    let dir = tempfile::tempdir().unwrap();
    crate::support::write(
        dir.path(),
        "m.yaml",
        "routes:\n  - when: { path: /x }\n    respond: { status: 200 }\n",
    );
    let mock = Mock::start(dir.path(), "m.yaml", &[]);
    let mut head = TcpStream::connect(&mock.addr).unwrap();
    head.write_all(b"POST /x HTTP/1.1\r\nHost: x\r\nContent-")
        .unwrap();
    let mut body = TcpStream::connect(&mock.addr).unwrap();
    body.write_all(b"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789")
        .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let (code, took, stderr) = mock.terminate();
    assert_eq!(code, Some(0), "{stderr}");
    assert!(took < Duration::from_secs(3), "took {took:?} to stop");
    drop((head, body));
}

#[test]
fn a_mock_file_that_is_not_utf8_is_an_error_with_its_place() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("m.yaml"),
        b"routes:\n  - when: { path: /x }\n    respond: { body: \"na\xEFve\" }\n",
    )
    .unwrap();
    for args in [
        &["mock", "m.yaml"][..],
        &["run", "--mock", "m.yaml", "c.yaml"],
    ] {
        let out = crate::support::run(dir.path(), args);
        assert_eq!(out.code, 2, "{args:?}");
        assert!(
            out.stderr.contains("--> m.yaml:3:25\n"),
            "{args:?}: {}",
            out.stderr
        );
        assert!(
            out.stderr.contains("is not UTF-8 text: byte 0xEF"),
            "{}",
            out.stderr
        );
        assert!(out.stderr.contains("help: save the file as UTF-8"));
    }
}

#[test]
fn a_bad_mock_file_lists_every_problem_with_its_place() {
    let dir = tempfile::tempdir().unwrap();
    crate::support::write(
        dir.path(),
        "m.yaml",
        r#"serves: base-url
routes:
  - when: { methd: GET, path: /jobs }
    respond:
      - { status: 202 }
      - 200
      - { status: 700, delay: soon }
  - when: { path: /sms }
    respond:
      json: { ok: true }
      callback:
        url: "{{ json.dlrCallbackUrl"
        method: "NOT A METHOD"
        headers: { "X Bad": v }
        json: {}
        body: text
        delai: 1s
  - when: { path: /mo }
    respond:
      callback: { url: "ftp://example.com/x" }
      status: 200
      status: 201
  - when: { path: /none }
    respond: []
"#,
    );
    let out = crate::support::run(dir.path(), &["mock", "m.yaml"]);
    assert_eq!(out.code, 2);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    insta::assert_snapshot!("bad_mock_file", out.stderr);
}
