//! Unit tests of `mock`.

use super::*;
use std::path::Path;
use std::sync::Mutex;
use std::time::Instant;

fn mock(text: &str) -> MockFile {
    file::load_str(Path::new("m.yaml"), text.to_string()).unwrap_or_else(|e| panic!("{e}"))
}

async fn serve(text: &str) -> RunningMock {
    start(mock(text), MockOptions::default()).await.unwrap()
}

async fn get(url: &str, req: reqwest::RequestBuilder) -> (u16, String) {
    let _ = url;
    let r = req.send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[derive(Debug, Clone)]
struct Received {
    method: String,
    path: String,
    headers: HeaderMap,
    body: String,
    at: Instant,
}

/// An HTTP receiver on 127.0.0.1:0 that records every request and answers `status`.
async fn receiver(status: u16) -> (String, Arc<Mutex<Vec<Received>>>) {
    let got: Arc<Mutex<Vec<Received>>> = Arc::default();
    let record = Arc::clone(&got);
    let app = Router::new().fallback(move |req: Request| {
        let record = Arc::clone(&record);
        async move {
            let (parts, body) = req.into_parts();
            let body = axum::body::to_bytes(body, 1 << 20).await.unwrap();
            record.lock().unwrap().push(Received {
                method: parts.method.to_string(),
                path: parts.uri.path().to_string(),
                headers: parts.headers,
                body: String::from_utf8_lossy(&body).into_owned(),
                at: Instant::now(),
            });
            StatusCode::from_u16(status).unwrap()
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, got)
}

async fn wait_for(got: &Mutex<Vec<Received>>, n: usize) -> Vec<Received> {
    let start = Instant::now();
    loop {
        let v = got.lock().unwrap().clone();
        if v.len() >= n {
            return v;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{} of {n} requests arrived",
            v.len()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn collecting_log() -> (Log, Arc<Mutex<Vec<String>>>) {
    let lines: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = Arc::clone(&lines);
    let log: Log = Arc::new(move |m: &str| sink.lock().unwrap().push(m.to_string()));
    (log, lines)
}

#[tokio::test]
async fn routes_match_and_render() {
    let m = serve(
            r#"serves: api_url
routes:
  - when: { method: POST, path: /login, json: { user: ann } }
    respond: { status: 200, json: { token: "t-{{ json.user }}", n: 3 } }
  - when: { method: GET, path: "/items/{id}", headers: { Authorization: "Bearer t-ann" }, query: { full: "1" } }
    respond: { json: { id: "{{ path.id }}", q: "{{ query.full }}" }, headers: { X-Count: "1" } }
  - when: { path: "/items/{id}" }
    respond: { status: 401, json: { message: no token } }
  - when: { path: /text }
    respond: { body: "hello {{ headers['x-name'] }}", delay: 20ms }
"#,
        )
        .await;
    let c = reqwest::Client::new();
    let u = &m.url;
    let (s, b) = get(
        u,
        c.post(format!("{u}/login"))
            .json(&json!({"user": "ann", "extra": 1})),
    )
    .await;
    assert_eq!((s, b.as_str()), (200, r#"{"token":"t-ann","n":3}"#));
    let (s, b) = get(
        u,
        c.get(format!("{u}/items/7?full=1"))
            .header("authorization", "Bearer t-ann"),
    )
    .await;
    assert_eq!((s, b.as_str()), (200, r#"{"id":"7","q":"1"}"#));
    let (s, _) = get(
        u,
        c.get(format!("{u}/items/7"))
            .header("authorization", "Bearer t-ann"),
    )
    .await;
    assert_eq!(
        s, 401,
        "the query does not match, so the next route answers"
    );
    let (s, b) = get(u, c.get(format!("{u}/text")).header("x-name", "bo")).await;
    assert_eq!((s, b.as_str()), (200, "hello bo"));
    let (s, b) = get(
        u,
        c.post(format!("{u}/login")).json(&json!({"user": "bob"})),
    )
    .await;
    assert_eq!(s, 404);
    let v: Json = serde_json::from_str(&b).unwrap();
    assert_eq!(v["request"], "POST /login");
    assert_eq!(v["routes_tried"][0], "POST /login");
    assert_eq!(v["routes_tried"].as_array().unwrap().len(), 4);
    m.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_respond_list_takes_turns_across_concurrent_requests() {
    let m = serve(
            "routes:\n  - when: { path: /job }\n    respond: [{ status: 202 }, { status: 203 }, { status: 200, json: { n: \"{{ query.n }}\" } }]\n",
        )
        .await;
    let c = reqwest::Client::new();
    let sends = (0..30).map(|i| {
        let req = c.get(format!("{}/job?n={i}", m.url));
        async move { req.send().await.unwrap().status().as_u16() }
    });
    let mut statuses = futures_util::future::join_all(sends).await;
    statuses.sort_unstable();
    assert_eq!(&statuses[..2], [200; 2]);
    assert_eq!(statuses.iter().filter(|s| **s == 202).count(), 1);
    assert_eq!(statuses.iter().filter(|s| **s == 203).count(), 1);
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 28);
    m.stop().await;
}

#[tokio::test]
async fn a_callback_follows_the_response_with_the_request_response_and_vars() {
    let (hook, got) = receiver(200).await;
    let mut vars = Map::new();
    vars.insert("callback_url".into(), Json::String(hook.clone()));
    vars.insert("who".into(), json!("baton"));
    let m = start(
            mock(
                r#"routes:
  - when: { method: POST, path: /sms }
    respond:
      status: 201
      json: { msgId: "m-{{ json.to }}" }
      callback:
        url: "{{ json.dlrCallbackUrl }}"
        delay: 150ms
        headers: { X-Msg: "{{ response.json.msgId }}", X-Status: "{{ response.status }}" }
        json: { msgId: "{{ response.json.msgId }}", to: "{{ json.to }}", by: "{{ vars.who }}", q: "{{ query.x }}" }
  - when: { path: /mo }
    respond:
      callback: { url: "{{ vars.callback_url }}/mo-sms", method: put, body: "hi {{ headers['x-n'] }}" }
"#,
            ),
            MockOptions {
                vars,
                ..MockOptions::default()
            },
        )
        .await
        .unwrap();
    let c = reqwest::Client::new();
    let answered = Instant::now();
    let r = c
        .post(format!("{}/sms?x=1", m.url))
        .json(&json!({"to": "+49", "dlrCallbackUrl": format!("{hook}/dlr")}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(r.text().await.unwrap(), r#"{"msgId":"m-+49"}"#);
    assert!(
        got.lock().unwrap().is_empty(),
        "the callback waits for its delay"
    );
    let r = c
        .get(format!("{}/mo", m.url))
        .header("x-n", "7")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let got = wait_for(&got, 2).await;
    let (mo, dlr) = (&got[0], &got[1]);
    assert_eq!((mo.method.as_str(), mo.path.as_str()), ("PUT", "/mo-sms"));
    assert_eq!(mo.body, "hi 7");
    assert_eq!(mo.headers["content-type"], "text/plain; charset=utf-8");
    assert_eq!((dlr.method.as_str(), dlr.path.as_str()), ("POST", "/dlr"));
    assert!(dlr.at.duration_since(answered) >= Duration::from_millis(150));
    assert_eq!(dlr.headers["x-msg"], "m-+49");
    assert_eq!(dlr.headers["x-status"], "201");
    assert_eq!(dlr.headers["content-type"], "application/json");
    let body: Json = serde_json::from_str(&dlr.body).unwrap();
    assert_eq!(
        body,
        json!({"msgId": "m-+49", "to": "+49", "by": "baton", "q": "1"})
    );
    m.stop().await;
}

#[tokio::test]
async fn callback_failures_are_logged_and_the_mock_carries_on() {
    let (hook, got) = receiver(500).await;
    let (log, lines) = collecting_log();
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let m = start(
        mock(&format!(
            r#"routes:
  - when: {{ path: /refused }}
    respond: {{ callback: {{ url: "http://{closed}/x" }} }}
  - when: {{ path: /undefined }}
    respond: {{ callback: {{ url: "{{{{ json.dlrCallbackUrl }}}}" }} }}
  - when: {{ path: /not-a-url }}
    respond: {{ callback: {{ url: "{{{{ query.u }}}}" }} }}
  - when: {{ path: /500 }}
    respond: {{ callback: {{ url: "{hook}/x" }} }}
"#
        )),
        MockOptions {
            log: Some(log),
            ..MockOptions::default()
        },
    )
    .await
    .unwrap();
    let c = reqwest::Client::new();
    for p in ["refused", "undefined", "not-a-url?u=nope", "500"] {
        let r = c.get(format!("{}/{p}", m.url)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{p}");
    }
    wait_for(&got, 1).await;
    let start = Instant::now();
    while lines.lock().unwrap().len() < 4 && start.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let mut lines = lines.lock().unwrap().clone();
    lines.sort();
    assert_eq!(lines.len(), 4, "{lines:#?}");
    assert!(
        lines.contains(&format!(
            "mock: callback POST {hook}/x failed: answered 500 Internal Server Error"
        )),
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains(&format!("http://{closed}/x failed:"))
                && l.contains("onnection refused")),
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("{{ json.dlrCallbackUrl }} failed: url could not be rendered")),
        "{lines:#?}"
    );
    assert!(
        lines.iter().any(|l| l
            .contains("callback POST nope failed: url `nope` is not an http:// or https:// URL")),
        "{lines:#?}"
    );
    let r = c.get(format!("{}/500", m.url)).send().await.unwrap();
    assert_eq!(r.status(), 200, "still serving");
    m.stop().await;
}

#[tokio::test]
async fn stop_does_not_wait_for_half_sent_requests() {
    use tokio::io::AsyncWriteExt as _;
    let m = serve("routes:\n  - respond: { status: 204 }\n").await;
    // One client stops in the middle of its headers, another in the middle of its body.
    let mut head = tokio::net::TcpStream::connect(m.addr).await.unwrap();
    head.write_all(b"POST /x HTTP/1.1\r\nHost: x\r\nContent-")
        .await
        .unwrap();
    let mut body = tokio::net::TcpStream::connect(m.addr).await.unwrap();
    body.write_all(b"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let started = Instant::now();
    m.stop().await;
    let took = started.elapsed();
    assert!(
        took < server::STOP_GRACE + Duration::from_millis(500),
        "stop took {took:?}"
    );
    drop((head, body));
}

#[tokio::test]
async fn stop_aborts_pending_callbacks() {
    let (hook, got) = receiver(200).await;
    let m = serve(&format!(
        "routes:\n  - respond: {{ callback: {{ url: \"{hook}/late\", delay: 700ms }} }}\n"
    ))
    .await;
    let r = reqwest::get(format!("{}/x", m.url)).await.unwrap();
    assert_eq!(r.status(), 200);
    let started = Instant::now();
    m.stop().await;
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "nothing was in flight, so stop is quick: {:?}",
        started.elapsed()
    );
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert!(
        got.lock().unwrap().is_empty(),
        "a callback pending at stop is not sent"
    );
}

#[tokio::test]
async fn a_response_that_cannot_be_rendered_is_a_500_naming_the_route() {
    let (log, lines) = collecting_log();
    let m = start(
        mock(
            "routes:\n  - when: { path: /x }\n    respond: { json: { a: \"{{ json.nope }}\" } }\n",
        ),
        MockOptions {
            log: Some(log),
            ..MockOptions::default()
        },
    )
    .await
    .unwrap();
    let r = reqwest::get(format!("{}/x", m.url)).await.unwrap();
    assert_eq!(r.status(), 500);
    let v: Json = r.json().await.unwrap();
    assert_eq!(v["route"], "* /x");
    assert_eq!(lines.lock().unwrap().len(), 1);
    assert!(lines.lock().unwrap()[0].starts_with("mock: * /x: the response could not be rendered"));
    m.stop().await;
}

#[tokio::test]
async fn an_oversized_body_is_refused() {
    let m = serve("routes:\n  - respond: { status: 204 }\n").await;
    let r = reqwest::Client::new()
        .post(format!("{}/x", m.url))
        .body(vec![b'a'; MAX_BODY + 1])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    m.stop().await;
}
