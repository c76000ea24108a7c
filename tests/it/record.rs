//! `--record FILE` then `--mock FILE` through the binary: a run recorded against an
//! in-process "live" API that issues tokens (an OAuth2 token endpoint and a login) replays
//! offline to the same results, without touching the live server and without a secret
//! literal in the file.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

const PASSWORD: &str = "pw-LIVE-correct-horse";
const CLIENT_ID: &str = "client-LIVE-id-4411";
const CLIENT_SECRET: &str = "client-LIVE-secret-9922";
const SESSION: &str = "sess-LIVE-7f3a9c";
const ACCESS: &str = "at-LIVE-55e1d0";
const COOKIE: &str = "cookie-LIVE-5150";

#[derive(Default)]
struct Live {
    hits: Mutex<Vec<String>>,
    polls: Mutex<u32>,
}

fn hit(s: &Live, what: &str) {
    s.hits.lock().unwrap().push(what.to_string());
}

fn live_api() -> (String, Arc<Live>, tokio::runtime::Runtime) {
    let live = Arc::new(Live::default());
    let app = Router::new()
        .route("/oauth/token", post(token))
        .route("/login", post(login))
        .route("/me", get(me))
        .route("/orders", get(orders))
        .route("/jobs/1", get(job))
        .route("/template", get(template))
        .route("/template.json", get(template_json))
        .with_state(Arc::clone(&live));
    let (url, rt) = crate::support::serve(app);
    (url, live, rt)
}

async fn token(State(s): State<Arc<Live>>, headers: HeaderMap, body: Bytes) -> Response {
    hit(&s, "token");
    use base64::Engine as _;
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"))
    );
    let form = String::from_utf8_lossy(&body);
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(basic.as_str())
        || !form.contains("grant_type=client_credentials")
    {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({ "error": "invalid_client" })),
        )
            .into_response();
    }
    axum::Json(json!({ "access_token": ACCESS, "token_type": "Bearer", "expires_in": 3600 }))
        .into_response()
}

async fn login(State(s): State<Arc<Live>>, body: Bytes) -> Response {
    hit(&s, "login");
    let v: Value = serde_json::from_slice(&body).unwrap_or_default();
    if v["password"] != PASSWORD {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    (
        [("set-cookie", format!("sid={COOKIE}; Path=/; HttpOnly"))],
        axum::Json(json!({ "token": SESSION, "user": "ann" })),
    )
        .into_response()
}

fn bearer(headers: &HeaderMap, token: &str) -> bool {
    headers.get("authorization").and_then(|v| v.to_str().ok()) == Some(&format!("Bearer {token}"))
}

async fn me(State(s): State<Arc<Live>>, headers: HeaderMap) -> Response {
    hit(&s, "me");
    if !bearer(&headers, SESSION) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    // An API that echoes the caller's token: the recording must not keep it.
    axum::Json(json!({ "user": "ann", "plan": "pro", "token_hint": SESSION })).into_response()
}

async fn orders(State(s): State<Arc<Live>>, headers: HeaderMap) -> Response {
    hit(&s, "orders");
    if !bearer(&headers, ACCESS) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    (
        [("x-echo-token", ACCESS)],
        axum::Json(json!({ "orders": [{ "id": 1 }, { "id": 2 }] })),
    )
        .into_response()
}

/// 202, 202, then 200: a job that is ready on the third poll.
async fn job(State(s): State<Arc<Live>>) -> Response {
    hit(&s, "job");
    let mut n = s.polls.lock().unwrap();
    *n += 1;
    if *n < 3 {
        (
            StatusCode::ACCEPTED,
            axum::Json(json!({ "state": "running" })),
        )
            .into_response()
    } else {
        axum::Json(json!({ "state": "done" })).into_response()
    }
}

async fn template(State(s): State<Arc<Live>>) -> Response {
    hit(&s, "template");
    "Dear {{ name }}, {% if x %}this is not a template{% endif %}".into_response()
}

async fn template_json(State(s): State<Arc<Live>>) -> Response {
    hit(&s, "template.json");
    axum::Json(json!({ "greeting": "{{ name }}", "raw": "{% raw %}" })).into_response()
}

const COLLECTION: &str = r#"name: recorded
vars:
  base_url: LIVE
  password: "{{ secret('PASSWORD') }}"
defaults:
  headers: { Accept: application/json }
requests:
  - name: log in
    method: POST
    url: "{{ base_url }}/login"
    json: { user: ann, password: "{{ password }}" }
    expect:
      status: 200
      json: { $.user: ann }
    capture:
      session: { json: $.token, secret: true }
  - name: me
    url: "{{ base_url }}/me"
    auth: { bearer: "{{ session }}" }
    expect:
      status: 200
      json: { $.user: ann, $.token_hint: "{{ session }}" }
  - name: orders with an OAuth2 token
    url: "{{ base_url }}/orders"
    auth:
      oauth2:
        token_url: "{{ base_url }}/oauth/token"
        client_id: "{{ secret('CLIENT_ID') }}"
        client_secret: "{{ secret('CLIENT_SECRET') }}"
    expect:
      status: 200
      json: { $.orders: { length: 2 } }
  - name: poll the job
    url: "{{ base_url }}/jobs/1"
    retry: { attempts: 5, interval: 20ms }
    expect:
      status: 200
      json: { $.state: done }
  - name: text that looks like a template
    url: "{{ base_url }}/template"
    expect:
      body: { matches: "^Dear \\{\\{ name \\}\\}, [{]% if x %[}]" }
  - name: JSON that looks like a template
    url: "{{ base_url }}/template.json"
    expect:
      json: { $.greeting: { matches: "^\\{\\{ name \\}\\}$" }, $.raw: { matches: "^[{]% raw %[}]$" } }
  - name: an expectation that fails
    url: "{{ base_url }}/me"
    auth: { bearer: "{{ session }}" }
    expect:
      json: { $.plan: free }
"#;

/// (name, outcome, attempts) of every request in a JSON report.
fn results(path: &std::path::Path) -> Vec<(String, String, u64)> {
    let r: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    r["collections"][0]["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["name"].as_str().unwrap().to_string(),
                x["outcome"].as_str().unwrap().to_string(),
                x["attempts"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn baton(dir: &std::path::Path, args: &[&str]) -> (i32, String) {
    let out = crate::support::baton(dir)
        .args(args)
        .env("PASSWORD", PASSWORD)
        .env("CLIENT_ID", CLIENT_ID)
        .env("CLIENT_SECRET", CLIENT_SECRET)
        .output()
        .unwrap();
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn a_recorded_run_replays_offline_to_the_same_results_without_secrets() {
    let (url, live, _rt) = live_api();
    let d = tempfile::tempdir().unwrap();
    crate::support::write(d.path(), "api.yaml", &COLLECTION.replace("LIVE", &url));

    let (code, out) = baton(
        d.path(),
        &[
            "run",
            "api.yaml",
            "--record",
            "rec.yaml",
            "--report",
            "json=live.json",
        ],
    );
    assert_eq!(code, 1, "one expectation fails on purpose: {out}");
    let live_results = results(&d.path().join("live.json"));
    assert_eq!(
        live_results
            .iter()
            .filter(|r| r.1 == "failed")
            .map(|r| r.0.as_str())
            .collect::<Vec<_>>(),
        ["an expectation that fails"],
        "{out}"
    );
    let hits = live.hits.lock().unwrap().len();
    assert_eq!(hits, 10, "{:?}", live.hits.lock().unwrap());

    let file = std::fs::read_to_string(d.path().join("rec.yaml")).unwrap();
    // No secret literal in the file, in any of its spellings.
    use base64::Engine as _;
    for secret in [PASSWORD, CLIENT_ID, CLIENT_SECRET, SESSION, ACCESS, COOKIE] {
        assert!(
            !file.contains(secret),
            "{secret} is in the recording:\n{file}"
        );
        let b64 = base64::engine::general_purpose::STANDARD.encode(secret);
        assert!(
            !file.contains(&b64),
            "{secret} (base64) is in the recording"
        );
    }
    assert!(!file.contains("LIVE"), "{file}");
    assert!(file.contains("recorded-secret-1"), "{file}");
    let doc: Value =
        serde_json::to_value(serde_saphyr::from_str::<serde_json::Value>(&file).unwrap()).unwrap();
    assert_eq!(doc["serves"], "base_url");
    let routes = doc["routes"].as_array().unwrap();
    let route = |method: &str, path: &str| {
        routes
            .iter()
            .find(|r| r["when"]["method"] == method && r["when"]["path"] == path)
            .unwrap_or_else(|| panic!("no route {method} {path} in {file}"))
    };
    // The polled route answers as the live one did, in turn.
    let job = &route("GET", "/jobs/1")["respond"];
    let statuses: Vec<u64> = job
        .as_array()
        .unwrap_or_else(|| panic!("a list: {job}"))
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, [202, 202, 200]);
    // The same answer twice is one response, not a list.
    assert!(route("GET", "/me")["respond"].is_object());
    // The token endpoint is recorded too, its token a placeholder.
    let token = &route("POST", "/oauth/token")["respond"];
    assert!(
        token["json"]["access_token"]
            .as_str()
            .unwrap()
            .starts_with("recorded-secret-")
    );
    // The same secret is the same placeholder wherever it was.
    let login = &route("POST", "/login")["respond"];
    let me = &route("GET", "/me")["respond"];
    assert_eq!(login["json"]["token"], me["json"]["token_hint"]);
    let cookie = login["headers"]["set-cookie"].as_str().unwrap();
    assert!(cookie.starts_with("sid=recorded-secret-"), "{cookie}");
    assert!(
        route("GET", "/orders")["respond"]["headers"]["x-echo-token"]
            .as_str()
            .unwrap()
            .starts_with("recorded-secret-")
    );
    // Bodies that look like templates are kept as they were, served verbatim.
    let text = &route("GET", "/template")["respond"];
    assert_eq!(
        text["body"],
        "Dear {{ name }}, {% if x %}this is not a template{% endif %}"
    );
    assert_eq!(text["verbatim"], true);

    // Replay: the same results, and the live server is not touched.
    let (code, out) = baton(
        d.path(),
        &[
            "run",
            "api.yaml",
            "--mock",
            "rec.yaml",
            "--report",
            "json=replay.json",
        ],
    );
    assert_eq!(code, 1, "{out}");
    assert_eq!(
        results(&d.path().join("replay.json")),
        live_results,
        "{out}"
    );
    assert_eq!(
        live.hits.lock().unwrap().len(),
        hits,
        "the live API was called"
    );
    // Twice: a replay does not depend on state a first replay left behind.
    let (code, _) = baton(d.path(), &["run", "api.yaml", "--mock", "rec.yaml"]);
    assert_eq!(code, 1);
    assert_eq!(live.hits.lock().unwrap().len(), hits);
}

#[test]
fn a_recording_passes_check_and_serves_with_baton_mock() {
    let (url, _live, _rt) = live_api();
    let d = tempfile::tempdir().unwrap();
    crate::support::write(d.path(), "api.yaml", &COLLECTION.replace("LIVE", &url));
    let (_, out) = baton(d.path(), &["run", "api.yaml", "--record", "rec.yaml"]);
    let (code, check) = baton(d.path(), &["check", "api.yaml", "--mock", "rec.yaml"]);
    assert_eq!(code, 0, "{out}\n{check}");
}

#[test]
fn a_base_url_with_a_path_replays_at_the_mock_origin() {
    let hits = Arc::new(Mutex::new(0u32));
    let counted = Arc::clone(&hits);
    let api = Router::new()
        .route("/users", get(|| async { axum::Json(json!([{ "id": 1 }])) }))
        .route(
            "/old",
            get(|| async {
                (
                    StatusCode::MOVED_PERMANENTLY,
                    [("location", "/api/v1/users")],
                )
            }),
        );
    let app = Router::new()
        .nest("/api/v1", api)
        .layer(axum::middleware::from_fn(
            move |req: axum::extract::Request, next: axum::middleware::Next| {
                *counted.lock().unwrap() += 1;
                next.run(req)
            },
        ));
    let (url, _rt) = crate::support::serve(app);
    let d = tempfile::tempdir().unwrap();
    crate::support::write(
        d.path(),
        "api.yaml",
        &format!(
            r#"name: prefixed
vars: {{ base_url: "{url}/api/v1" }}
requests:
  - name: users
    url: "{{{{ base_url }}}}/users"
    expect: {{ json: {{ "$[0].id": 1 }} }}
  - name: moved
    url: "{{{{ base_url }}}}/old"
    expect: {{ status: 200, json: {{ "$[0].id": 1 }} }}
"#
        ),
    );
    let (code, out) = baton(d.path(), &["run", "api.yaml", "--record", "rec.yaml"]);
    assert_eq!(code, 0, "{out}");
    let live_hits = *hits.lock().unwrap();
    assert_eq!(live_hits, 3);
    let file = std::fs::read_to_string(d.path().join("rec.yaml")).unwrap();
    let doc: Value = serde_saphyr::from_str(&file).unwrap();
    let paths: Vec<&str> = doc["routes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["when"]["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["/users", "/old"], "{file}");
    assert_eq!(doc["routes"][1]["respond"]["headers"]["location"], "/users");
    // The mock serves base_url at its own origin: the requests reach the routes.
    let (code, out) = baton(d.path(), &["run", "api.yaml", "--mock", "rec.yaml"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(*hits.lock().unwrap(), live_hits);
}
