//! `receive` steps through the binary: an in-process "provider" on 127.0.0.1:0 is told the
//! run's `callback_url` by a request of the collection and calls it back, the way emnify and
//! SMS.CX call a registered webhook. What baton's listener answered each callback is
//! recorded on the provider's side.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// What baton's listener answered one callback.
#[derive(Debug, Clone)]
struct Answer {
    url: String,
    /// When the provider had written the whole callback request.
    sent_at: Instant,
    status: u16,
    body: String,
}

#[derive(Default)]
struct Shared {
    answers: Mutex<Vec<Answer>>,
    /// Every `/register` body, in order.
    registered: Mutex<Vec<Value>>,
    /// When each `/slow` request arrived.
    slow_started: Mutex<Vec<Instant>>,
    /// Where `/t/...` forwards to (baton's listener), once the test knows it.
    tunnel_to: Mutex<Option<String>>,
}

struct Provider {
    url: String,
    shared: Arc<Shared>,
    _rt: tokio::runtime::Runtime,
}

impl Provider {
    fn start() -> Provider {
        let shared = Arc::new(Shared::default());
        let app = Router::new()
            .route("/register", post(register))
            .route("/slow", get(slow))
            .route("/echo", any(echo))
            .route("/t/{*rest}", any(tunnel))
            .with_state(Arc::clone(&shared));
        let (url, rt) = crate::support::serve(app);
        Provider {
            url,
            shared,
            _rt: rt,
        }
    }

    /// Wait until `n` callbacks have been answered (at most 20s).
    fn answers(&self, n: usize) -> Vec<Answer> {
        let start = Instant::now();
        loop {
            let got = self.shared.answers.lock().unwrap().clone();
            if got.len() >= n {
                return got;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "{} of {n} callbacks were answered: {got:#?}",
                got.len()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn answer_to(&self, suffix: &str) -> Answer {
        self.shared
            .answers
            .lock()
            .unwrap()
            .iter()
            .find(|a| a.url.ends_with(suffix))
            .cloned()
            .unwrap_or_else(|| panic!("no callback to {suffix} was answered"))
    }
}

/// `{url, method?, delay_ms?, early?, headers?, json?}`: call `url` back. `early`: the whole
/// callback request is written before `/register` answers (so it reaches baton before the
/// collection's next step); otherwise it is sent `delay_ms` after answering.
async fn register(State(s): State<Arc<Shared>>, body: Bytes) -> Response {
    let spec: Value = serde_json::from_slice(&body).unwrap();
    s.registered.lock().unwrap().push(spec.clone());
    let url = spec["url"].as_str().unwrap().to_string();
    let method = spec["method"].as_str().unwrap_or("POST").to_string();
    let mut headers: Vec<(String, String)> = spec["headers"]
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                .collect()
        })
        .unwrap_or_default();
    let body = match &spec["json"] {
        Value::Null => Vec::new(),
        j => {
            headers.push(("Content-Type".into(), "application/json".into()));
            serde_json::to_vec(j).unwrap()
        }
    };
    let delay = Duration::from_millis(spec["delay_ms"].as_u64().unwrap_or(0));
    if spec["early"].as_bool().unwrap_or(false) {
        let stream = write_request(&url, &method, &headers, &body).await;
        let sent_at = Instant::now();
        tokio::spawn(read_answer(s, url, stream, sent_at));
    } else {
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            let stream = write_request(&url, &method, &headers, &body).await;
            read_answer(s, url, stream, Instant::now()).await;
        });
    }
    axum::Json(json!({ "registered": true })).into_response()
}

/// One HTTP/1.1 request written by hand, so the test knows when it is all out.
async fn write_request(
    url: &str,
    method: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> tokio::net::TcpStream {
    let u = url::Url::parse(url).unwrap();
    let host = format!("{}:{}", u.host_str().unwrap(), u.port().unwrap());
    let mut target = u.path().to_string();
    if let Some(q) = u.query() {
        target.push('?');
        target.push_str(q);
    }
    let mut head = format!(
        "{method} {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let mut stream = tokio::net::TcpStream::connect(&host).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    stream.flush().await.unwrap();
    stream
}

async fn read_answer(
    s: Arc<Shared>,
    url: String,
    mut stream: tokio::net::TcpStream,
    sent_at: Instant,
) {
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw).await;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    s.answers.lock().unwrap().push(Answer {
        url,
        sent_at,
        status,
        body,
    });
}

async fn slow(
    State(s): State<Arc<Shared>>,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Response {
    s.slow_started.lock().unwrap().push(Instant::now());
    let ms = q.get("ms").and_then(|v| v.parse().ok()).unwrap_or(300);
    tokio::time::sleep(Duration::from_millis(ms)).await;
    axum::Json(json!({ "v": "after-slow" })).into_response()
}

async fn echo(method: Method, uri: Uri, body: Bytes) -> Response {
    axum::Json(json!({
        "method": method.as_str(),
        "path": uri.path(),
        "query": uri.query(),
        "body": String::from_utf8_lossy(&body),
    }))
    .into_response()
}

/// A stand-in for a tunnel (ngrok, cloudflared): `/t/REST` is forwarded to baton's listener.
async fn tunnel(
    State(s): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let start = Instant::now();
    let to = loop {
        if let Some(to) = s.tunnel_to.lock().unwrap().clone() {
            break to;
        }
        if start.elapsed() > Duration::from_secs(10) {
            return (axum::http::StatusCode::BAD_GATEWAY, "no tunnel target").into_response();
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let rest = uri.path().trim_start_matches("/t");
    let mut req = reqwest::Client::new().request(method, format!("http://{to}{rest}"));
    for (k, v) in &headers {
        if k != "host" {
            req = req.header(k, v);
        }
    }
    let r = req.body(body.to_vec()).send().await.unwrap();
    let status = r.status();
    (status, r.bytes().await.unwrap().to_vec()).into_response()
}

fn dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// The provider's URL written into a collection (`PROVIDER`).
fn collection(dir: &Path, name: &str, p: &Provider, text: &str) {
    crate::support::write(dir, name, &text.replace("PROVIDER", &p.url));
}

/// The JSON report of a run, held to schema/report.schema.json.
fn report(dir: &Path) -> Value {
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("r.json")).unwrap()).unwrap();
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/report.schema.json"),
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

fn request<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["collections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["requests"].as_array().unwrap())
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no request {name} in {report:#}"))
}

#[test]
fn a_callback_that_arrives_during_the_step_is_taken_checked_and_answered() {
    let p = Provider::start();
    let d = dir();
    collection(
        d.path(),
        "hook.yaml",
        &p,
        r#"name: webhook
vars: { provider: PROVIDER, seen: yes-seen }
requests:
  - name: register the webhook
    method: POST
    url: "{{ provider }}/register"
    json: { url: "{{ callback_url }}/hook", delay_ms: 300, headers: { X-Event: delivered }, json: { event: delivered, n: 3 } }
    expect: { status: 200 }
  - name: the callback arrives
    receive:
      path: /hook
      timeout: 10s
      respond: { status: 202, json: { thanks: "{{ seen }}" } }
    expect:
      headers: { X-Event: delivered, Content-Type: application/json }
      json: { $.event: delivered, $.n: { gt: 2 } }
    capture:
      event: $.event
  - name: its capture is used later
    url: "{{ provider }}/echo?event={{ event }}"
    expect:
      json: { $.query: "event=delivered" }
"#,
    );
    let out = crate::support::run(d.path(), &["run", "hook.yaml", "--report", "json=r.json"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("✓ the callback arrives POST 202"),
        "{}",
        out.stdout
    );
    // The sender got the step's answer, rendered with the collection's variables.
    let a = p.answers(1);
    assert_eq!(a[0].status, 202, "{a:#?}");
    assert_eq!(a[0].body, r#"{"thanks":"yes-seen"}"#);
    let r = report(d.path());
    let step = request(&r, "the callback arrives");
    assert_eq!(step["request"]["method"], "POST");
    assert_eq!(step["request"]["url"], "/hook");
    assert_eq!(step["response"]["status"], 202);
    assert_eq!(step["captures"][0]["value"], "delivered");
    assert_eq!(step["phases"][0]["kind"], "receive");
}

#[test]
fn a_callback_that_arrives_before_its_step_is_queued_and_taken_later() {
    let p = Provider::start();
    let d = dir();
    collection(
        d.path(),
        "early.yaml",
        &p,
        r#"name: early
vars: { provider: PROVIDER }
requests:
  - name: register
    method: POST
    url: "{{ provider }}/register"
    json: { url: "{{ callback_url }}/early", early: true, json: { id: 7 } }
  - name: something slow first
    url: "{{ provider }}/slow?ms=300"
    capture: { later: $.v }
  - name: the early callback
    receive:
      path: /early
      timeout: 5s
      respond: { json: { later: "{{ later }}" } }
    expect:
      json: { $.id: 7 }
"#,
    );
    let out = crate::support::run(d.path(), &["run", "early.yaml"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let a = p.answers(1);
    let slow = p.shared.slow_started.lock().unwrap()[0];
    assert!(
        a[0].sent_at < slow,
        "the callback was all written before the request before the receive step began"
    );
    // Held until its step took it, and answered by the step: `later` was captured after the
    // callback had arrived.
    assert_eq!(
        (a[0].status, a[0].body.as_str()),
        (200, r#"{"later":"after-slow"}"#)
    );
}

#[test]
fn a_sender_held_longer_than_its_step_allows_gets_the_fallback_answer_and_the_step_still_takes_it()
{
    let p = Provider::start();
    let d = dir();
    collection(
        d.path(),
        "held.yaml",
        &p,
        r#"name: held
vars: { provider: PROVIDER }
requests:
  - name: register
    method: POST
    url: "{{ provider }}/register"
    json: { url: "{{ callback_url }}/held", early: true, json: { id: 9 } }
  - name: register another
    method: POST
    url: "{{ provider }}/register"
    json: { url: "{{ callback_url }}/held-static", early: true, json: { id: 10 } }
  - name: slower than the step's timeout
    url: "{{ provider }}/slow?ms=1500"
    capture: { later: $.v }
  - name: the held callback
    receive:
      path: /held
      timeout: 1s
      respond: { status: 202, json: { later: "{{ later }}" } }
    expect:
      json: { $.id: 9 }
  - name: the other held callback
    receive:
      path: /held-static
      timeout: 1s
      respond: { status: 202, json: { ok: true } }
    expect:
      json: { $.id: 10 }
"#,
    );
    let out = crate::support::run(d.path(), &["run", "held.yaml", "-v"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    // The report says the answer shown is not what the sender got.
    assert_eq!(
        out.stdout
            .matches("the sender was answered before this step took its request, with the step's `respond` rendered without the collection's variables (it waited 1s, the most this step allows)")
            .count(),
        2,
        "{}",
        out.stdout
    );
    // Held for min(timeout, 30s) = 1s, then answered with the step's `respond` rendered
    // without the collection's variables; `later` is one, so: 200 and no body.
    p.answers(2);
    let a = p.answer_to("/held");
    assert_eq!((a.status, a.body.as_str()), (200, ""), "{a:#?}");
    let a = p.answer_to("/held-static");
    assert_eq!(
        (a.status, a.body.as_str()),
        (202, r#"{"ok":true}"#),
        "{a:#?}"
    );
}

#[test]
fn a_path_parameter_and_a_query_expectation() {
    let p = Provider::start();
    let d = dir();
    collection(
        d.path(),
        "dlr.yaml",
        &p,
        r#"name: dlr
vars: { provider: PROVIDER }
requests:
  - name: register
    method: POST
    url: "{{ provider }}/register"
    json: { url: "{{ callback_url }}/dlr/m-42?status=delivered&code=0", delay_ms: 50 }
  - name: delivery report
    receive: { path: "/dlr/{id}", timeout: 5s }
    expect:
      query: { status: delivered, code: { eq: "0" } }
      body: { eq: "" }
  - name: register again
    method: POST
    url: "{{ provider }}/register"
    json: { url: "{{ callback_url }}/dlr/m-43?status=failed", delay_ms: 50 }
  - name: a query expectation that fails
    receive: { path: "/dlr/{id}", timeout: 5s }
    expect:
      query: { status: delivered }
"#,
    );
    let out = crate::support::run(d.path(), &["run", "dlr.yaml"]);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("✓ delivery report POST 200"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("✗ a query expectation that fails POST 200"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("query status"), "{}", out.stdout);
    assert!(out.stdout.contains("\"failed\""), "{}", out.stdout);
    assert!(out.stdout.contains("3 passed, 1 failed"), "{}", out.stdout);
}

#[test]
fn a_timeout_fails_the_step_listing_what_arrived_unmatched() {
    let p = Provider::start();
    let d = dir();
    collection(
        d.path(),
        "late.yaml",
        &p,
        r#"name: late
vars: { provider: PROVIDER }
requests:
  - name: register at the wrong path
    method: POST
    url: "{{ provider }}/register"
    json: { url: "{{ callback_url }}/wrong?x=1", early: true }
  - name: nothing comes
    receive: { path: /hook, timeout: 1s }
  - name: after it
    url: "{{ provider }}/echo"
"#,
    );
    let started = Instant::now();
    let out = crate::support::run(d.path(), &["run", "late.yaml"]);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "the step gave up after its timeout"
    );
    assert!(
        out.stdout.contains(
            "no POST /hook within 1s; what arrived instead:\n        POST /wrong?x=1 (404)"
        ),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("2 passed, 1 failed"), "{}", out.stdout);
    // Nothing could take it: answered 404 at once, naming what the run waits for.
    let a = p.answers(1);
    assert_eq!(a[0].status, 404);
    let body: Value = serde_json::from_str(&a[0].body).unwrap();
    assert_eq!(body["expected"], json!(["POST /hook"]));
}

#[test]
fn status_and_duration_in_a_receive_step_are_errors_at_check() {
    let d = dir();
    crate::support::write(
        d.path(),
        "bad.yaml",
        "name: bad\nrequests:\n  - name: hook\n    receive: { path: /hook }\n    expect:\n      status: 200\n      json: { $.ok: true }\n      duration: { lt: 1s }\n    capture:\n      code: { status: true }\n      waited: { duration: true }\n",
    );
    for cmd in ["check", "run"] {
        let out = crate::support::run(d.path(), &[cmd, "bad.yaml"]);
        assert_eq!(out.code, 2, "{cmd}: {}", out.stderr);
        assert!(out.stdout.is_empty(), "{cmd}: {}", out.stdout);
        insta::assert_snapshot!("receive_status_rejected", out.stderr);
    }
}

#[test]
fn a_templated_path_takes_only_its_own_callback() {
    let p = Provider::start();
    let d = dir();
    collection(
        d.path(),
        "tmpl.yaml",
        &p,
        r#"name: templated
vars: { provider: PROVIDER, msg_id: m-2 }
requests:
  - name: someone else's report comes first
    method: POST
    url: "{{ provider }}/register"
    json: { url: "{{ callback_url }}/dlr/m-1", early: true, json: { id: m-1 } }
  - name: ours
    method: POST
    url: "{{ provider }}/register"
    json: { url: "{{ callback_url }}/dlr/{{ msg_id }}", delay_ms: 100, json: { id: "{{ msg_id }}" } }
  - name: our delivery report
    receive:
      path: "/dlr/{{ msg_id }}"
      timeout: 5s
      respond: { json: { took: "{{ msg_id }}" } }
    expect:
      json: { $.id: "{{ msg_id }}" }
"#,
    );
    let out = crate::support::run(d.path(), &["run", "tmpl.yaml", "--report", "json=r.json"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let r = report(d.path());
    assert!(
        request(&r, "our delivery report")["url"]
            .as_str()
            .unwrap()
            .ends_with("/dlr/m-2")
    );
    p.answers(2);
    let ours = p.answer_to("/dlr/m-2");
    assert_eq!(
        (ours.status, ours.body.as_str()),
        (200, r#"{"took":"m-2"}"#)
    );
    // The other one could have been taken by the step (its path fits `/dlr/{...}`), so it was
    // held; no step took it, and the end of the run answered it with the step's `respond`
    // rendered without the collection's variables: here that fails, so 200 and no body.
    let other = p.answer_to("/dlr/m-1");
    assert_eq!((other.status, other.body.as_str()), (200, ""));
}

#[test]
fn a_templated_segment_may_render_to_several() {
    let p = Provider::start();
    let d = dir();
    collection(
        d.path(),
        "prefix.yaml",
        &p,
        r#"name: prefix
vars: { provider: PROVIDER, prefix: "tenant-a/v2" }
requests:
  - name: register
    method: POST
    url: "{{ provider }}/register"
    json: { url: "{{ callback_url }}/{{ prefix }}/hook", early: true, json: { ok: true } }
  - name: under the prefix
    receive: { path: "/{{ prefix }}/hook", timeout: 5s, respond: { status: 204 } }
"#,
    );
    let out = crate::support::run(d.path(), &["run", "prefix.yaml"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    // Queued when it came (not a 404), though the step's path was not rendered yet.
    assert_eq!(p.answers(1)[0].status, 204);
}

#[test]
fn two_collections_in_parallel_each_receive_on_their_own_path() {
    let p = Provider::start();
    let d = dir();
    for (file, who, delay) in [("a.yaml", "a", 400), ("b.yaml", "b", 50)] {
        collection(
            d.path(),
            file,
            &p,
            &format!(
                r#"name: collection {who}
vars: {{ provider: PROVIDER, who: {who} }}
requests:
  - name: register
    method: POST
    url: "{{{{ provider }}}}/register"
    json: {{ url: "{{{{ callback_url }}}}/hook/{{{{ who }}}}", delay_ms: {delay}, json: {{ who: "{{{{ who }}}}" }} }}
  - name: callback for {who}
    receive: {{ path: "/hook/{{{{ who }}}}", timeout: 5s }}
    expect:
      json: {{ $.who: "{{{{ who }}}}" }}
    capture: {{ got: $.who }}
"#
            ),
        );
    }
    let out = crate::support::run(
        d.path(),
        &["run", ".", "--jobs", "2", "--report", "json=r.json"],
    );
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let r = report(d.path());
    assert_eq!(request(&r, "callback for a")["captures"][0]["value"], "a");
    assert_eq!(request(&r, "callback for b")["captures"][0]["value"], "b");
    // Both collections ran at once: b's callback (sent 50ms after its registration) was
    // answered while a was still waiting for its own.
    let a = p.answers(2);
    assert!(a[0].url.ends_with("/hook/b"), "{a:#?}");
    // One listener for the run: both registered the same base URL.
    let reg = p.shared.registered.lock().unwrap().clone();
    let base = |v: &Value| {
        let u = v["url"].as_str().unwrap();
        u[..u.find("/hook/").unwrap()].to_string()
    };
    assert_eq!(base(&reg[0]), base(&reg[1]));
}

#[test]
fn callback_url_is_the_tunnel_while_baton_listens_on_a_free_port() {
    let p = Provider::start();
    let d = dir();
    collection(
        d.path(),
        "tunnel.yaml",
        &p,
        r#"name: tunnel
vars: { provider: PROVIDER }
requests:
  - name: register
    method: POST
    url: "{{ provider }}/register"
    json: { url: "{{ callback_url }}/hook", delay_ms: 100, json: { via: tunnel } }
  - name: through the tunnel
    receive: { path: /hook, timeout: 10s, respond: { status: 201 } }
    expect:
      json: { $.via: tunnel }
"#,
    );
    let tunnel = format!("{}/t/", p.url);
    let mut child = Command::new(env!("CARGO_BIN_EXE_baton"))
        .args([
            "run",
            "tunnel.yaml",
            "-v",
            "--listen",
            "127.0.0.1:0",
            "--callback-url",
            &tunnel,
        ])
        .current_dir(d.path())
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let addr = line
        .strip_prefix("receive steps listen on ")
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_else(|| panic!("no listen address in {line:?}"))
        .to_string();
    assert!(
        addr.starts_with("127.0.0.1:") && !addr.ends_with(":0"),
        "{addr}"
    );
    assert!(
        line.contains(&format!("(callback_url: {}/t)", p.url)),
        "the trailing slash is dropped: {line}"
    );
    *p.shared.tunnel_to.lock().unwrap() = Some(addr);
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{stdout}");
    assert_eq!(
        p.shared.registered.lock().unwrap()[0]["url"],
        format!("{}/t/hook", p.url)
    );
    assert_eq!(p.answers(1)[0].status, 201);
}

#[test]
fn secrets_in_inbound_requests_are_masked_in_verbose_output_and_reports() {
    const SECRET: &str = "cb-secret-9f8e7d6c";
    let p = Provider::start();
    let d = dir();
    collection(
        d.path(),
        "masked.yaml",
        &p,
        &r#"name: masked
vars: { provider: PROVIDER, cb_secret: "{{ secret('CB_SECRET') }}" }
requests:
  - name: register
    method: POST
    url: "{{ provider }}/register"
    json:
      url: "{{ callback_url }}/hook?sig=@S@"
      delay_ms: 50
      headers: { Authorization: "Bearer @S@", X-Plain: visible }
      json: { echo: "@S@", b64: "B64", n: 1 }
  - name: signed callback
    receive: { path: /hook, timeout: 5s }
    expect:
      headers: { Authorization: "Bearer {{ cb_secret }}", X-Plain: visible }
      json: { $.echo: "{{ cb_secret }}" }
  - name: register again
    method: POST
    url: "{{ provider }}/register"
    json: { url: "{{ callback_url }}/hook", delay_ms: 50, headers: { Authorization: "Bearer @S@" }, json: { echo: "@S@" } }
  - name: a failing check on the secret
    receive: { path: /hook, timeout: 5s }
    expect:
      headers: { Authorization: "Bearer wrong" }
      json: { $.echo: "wrong" }
"#
        .replace("@S@", SECRET)
        .replace("B64", &base64_of(SECRET)),
    );
    let out = crate::support::baton(d.path())
        .args([
            "run",
            "masked.yaml",
            "-vv",
            "--report",
            "json=r.json",
            "--report",
            "junit=r.xml",
            "--report",
            "html=r.html",
        ])
        .env("CB_SECRET", SECRET)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stdout.contains("> authorization: ***"), "{stdout}");
    assert!(stdout.contains("> x-plain: visible"), "{stdout}");
    assert!(stdout.contains("\"echo\":\"***\""), "{stdout}");
    for (what, text) in [
        ("stdout", stdout.to_string()),
        ("stderr", stderr.to_string()),
        (
            "json",
            std::fs::read_to_string(d.path().join("r.json")).unwrap(),
        ),
        (
            "junit",
            std::fs::read_to_string(d.path().join("r.xml")).unwrap(),
        ),
        (
            "html",
            std::fs::read_to_string(d.path().join("r.html")).unwrap(),
        ),
    ] {
        assert!(!text.contains(SECRET), "{what} shows the secret:\n{text}");
        assert!(
            !text.contains(&base64_of(SECRET)),
            "{what} shows the secret in base64:\n{text}"
        );
        assert!(
            !text.contains("9f8e7d6c"),
            "{what} shows part of the secret"
        );
    }
}

fn base64_of(s: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(s)
}

#[test]
fn a_mock_route_polled_with_retry_answers_in_turn_and_its_callback_reaches_a_receive_step() {
    let d = dir();
    crate::support::write(
        d.path(),
        "mock.yaml",
        r#"serves: base_url
routes:
  - when: { method: GET, path: "/jobs/{id}" }
    respond:
      - { status: 202, json: { state: queued } }
      - { status: 202, json: { state: running } }
      - status: 200
        json: { state: done, id: "{{ path.id }}" }
        callback:
          url: "{{ vars.callback_url }}/jobs/{{ path.id }}/done"
          delay: 50ms
          json: { id: "{{ path.id }}", state: done, by: "{{ vars.who }}" }
"#,
    );
    crate::support::write(
        d.path(),
        "jobs.yaml",
        r#"name: jobs
vars: { who: the-mock }
requests:
  - name: poll the job
    url: "{{ base_url }}/jobs/7"
    retry: { attempts: 5, interval: 50ms }
    expect:
      status: 200
      json: { $.state: done }
  - name: the job's callback
    receive: { path: "/jobs/{id}/done", timeout: 5s }
    expect:
      json: { $.id: "7", $.state: done, $.by: the-mock }
"#,
    );
    let out = crate::support::run(
        d.path(),
        &[
            "run",
            "jobs.yaml",
            "--mock",
            "mock.yaml",
            "--var",
            "who=the-mock",
            "--report",
            "json=r.json",
        ],
    );
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let r = report(d.path());
    let poll = request(&r, "poll the job");
    assert_eq!(poll["attempts"], 3, "202, 202, then 200: {poll:#}");
    let waits = poll["phases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["kind"] == "wait")
        .count();
    assert_eq!(waits, 2);
    assert_eq!(request(&r, "the job's callback")["outcome"], "passed");
}

/// An HS256 token over `claims`, signed with `key`.
fn hs256(claims: Value, key: &str) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(key.as_bytes()).unwrap(),
    )
    .unwrap()
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[test]
fn jwt_signed_callbacks_verify_with_the_key_and_fail_with_another_key_or_when_expired() {
    const KEY: &str = "callback-key-5e4d3c2b1a";
    let p = Provider::start();
    let d = dir();
    let good = hs256(
        json!({ "iss": "emnify", "sub": "api_callback", "exp": now() + 300 }),
        KEY,
    );
    let other_key = hs256(
        json!({ "iss": "emnify", "sub": "api_callback", "exp": now() + 300 }),
        "some-other-key",
    );
    let expired = hs256(
        json!({ "iss": "emnify", "sub": "api_callback", "exp": now() - 3600 }),
        KEY,
    );
    let mut text = String::from(
        "name: signed\nvars: { provider: PROVIDER, key: \"{{ secret('JWT_KEY') }}\" }\nrequests:\n",
    );
    let jwt = |iss: &str| {
        format!(
            "jwt: {{ key: \"{{{{ key }}}}\", claims: {{ iss: {iss}, sub: {{ matches: \"^api_\" }}, exp: {{ gt: 0 }} }} }}"
        )
    };
    for (name, token, check) in [
        ("good", &good, jwt("emnify")),
        ("other-key", &other_key, jwt("emnify")),
        ("expired", &expired, jwt("emnify")),
        ("wrong-claim", &good, jwt("someone-else")),
        // `not` negates the verdict: a token made with another key is refused.
        (
            "not-other-key",
            &other_key,
            format!("not: {{ {} }}", jwt("emnify")),
        ),
        ("not-good", &good, format!("not: {{ {} }}", jwt("emnify"))),
    ] {
        text.push_str(&format!(
            r#"  - name: register {name}
    method: POST
    url: "{{{{ provider }}}}/register"
    json: {{ url: "{{{{ callback_url }}}}/jwt/{name}", early: true, headers: {{ Authorization: "Bearer {token}" }}, json: {{ ok: true }} }}
  - name: callback {name}
    receive: {{ path: /jwt/{name}, timeout: 5s }}
    expect:
      headers:
        Authorization: {{ {check} }}
"#
        ));
    }
    collection(d.path(), "signed.yaml", &p, &text);
    let out = crate::support::baton(d.path())
        .args(["run", "signed.yaml", "--report", "json=r.json"])
        .env("JWT_KEY", KEY)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let r = report(d.path());
    let outcome = |n: &str| request(&r, &format!("callback {n}"))["outcome"].clone();
    assert_eq!(outcome("good"), "passed", "{stdout}");
    assert_eq!(outcome("not-other-key"), "passed", "{stdout}");
    for n in ["other-key", "expired", "wrong-claim", "not-good"] {
        assert_eq!(outcome(n), "failed", "{n}: {stdout}");
    }
    let message = |n: &str| request(&r, &format!("callback {n}"))["assertions"][0].to_string();
    assert!(
        message("other-key").contains("the token's signature does not verify with the key"),
        "{}",
        message("other-key")
    );
    assert!(
        message("expired").contains("the token has expired (`exp`)"),
        "{}",
        message("expired")
    );
    assert!(
        message("wrong-claim").contains("claim `iss` eq"),
        "{}",
        message("wrong-claim")
    );
    assert!(stdout.contains("8 passed, 4 failed"), "{stdout}");
    let json = std::fs::read_to_string(d.path().join("r.json")).unwrap();
    for (what, text) in [("stdout", &stdout), ("json", &json)] {
        assert!(!text.contains(KEY), "{what} shows the key");
    }
    // The inbound Authorization header is masked (the collection itself sent the tokens to
    // the provider in plain JSON, before anything made them secret).
    for n in ["good", "other-key", "expired", "wrong-claim", "not-good"] {
        let step = request(&r, &format!("callback {n}")).to_string();
        assert!(!step.contains(&good) && !step.contains(&expired), "{step}");
        assert!(
            step.contains(r#""name":"authorization","value":"***""#),
            "{step}"
        );
    }
}

#[test]
fn callback_url_without_a_receive_step_in_the_run_is_undefined_with_a_hint() {
    let d = dir();
    crate::support::write(
        d.path(),
        "a.yaml",
        "name: a\nrequests:\n  - name: register\n    url: \"http://127.0.0.1:9/?cb={{ callback_url }}\"\n",
    );
    crate::support::write(
        d.path(),
        "b.yaml",
        "name: b\nrequests:\n  - name: hook\n    receive: { path: /hook, timeout: 1s }\n",
    );
    let out = crate::support::run(d.path(), &["check", "a.yaml"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains(
            "= help: `callback_url` is set when a collection of the run has a `receive` step"
        ),
        "{}",
        out.stderr
    );
    // Any collection of the run with a receive step defines it for all of them.
    let out = crate::support::run(d.path(), &["check", "a.yaml", "b.yaml"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn a_bad_listen_address_or_callback_url_is_a_usage_error_and_nothing_is_sent() {
    let p = Provider::start();
    let d = dir();
    collection(
        d.path(),
        "hook.yaml",
        &p,
        "name: hook\nvars: { provider: PROVIDER }\nrequests:\n  - name: first\n    url: \"{{ provider }}/slow?ms=1\"\n  - name: hook\n    receive: { path: /hook, timeout: 1s }\n",
    );
    for (args, message) in [
        (
            vec!["--listen", "8080"],
            "error: --listen `8080`: expected IP:PORT, e.g. 127.0.0.1:8080 or 0.0.0.0:8080",
        ),
        (
            vec!["--callback-url", "abc.trycloudflare.com"],
            "error: --callback-url `abc.trycloudflare.com`: expected an http(s) URL",
        ),
    ] {
        let mut all = vec!["run", "hook.yaml"];
        all.extend(args);
        let out = crate::support::run(d.path(), &all);
        assert_eq!(out.code, 2, "{}", out.stderr);
        assert!(out.stderr.contains(message), "{}", out.stderr);
    }
    // A port already taken.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = crate::support::run(d.path(), &["run", "hook.yaml", "--listen", &addr]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains(&format!("error: cannot listen on {addr}: ")),
        "{}",
        out.stderr
    );
    assert!(
        p.shared.slow_started.lock().unwrap().is_empty(),
        "nothing was sent"
    );
}
