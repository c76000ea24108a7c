//! A real HTTP server on 127.0.0.1:0 for the integration tests, counting what it receives,
//! and helpers to run the built binary against it.

#![allow(dead_code)]

pub mod tls;
pub mod trust;
pub mod wire;

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use serde_json::{Value, json};

pub const APP_TOKEN: &str = "app-token-0123456789";
pub const AUTH_TOKEN: &str = "eyJhbGciOiJIUzI1NiJ9.dGVzdA.c2lnbmF0dXJl";

#[derive(Debug, Clone)]
pub struct Hit {
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: HashMap<String, String>,
    pub body: String,
}

#[derive(Clone, Default)]
pub struct Shared {
    pub hits: Arc<Mutex<Vec<Hit>>>,
    /// Requests being handled right now, and the most seen at once.
    pub in_flight: Arc<Mutex<(usize, usize)>>,
}

pub struct TestServer {
    pub url: String,
    pub shared: Shared,
    _runtime: tokio::runtime::Runtime,
}

/// Serve `app` on 127.0.0.1:0 from a runtime of its own; the server lives as long as the runtime.
pub fn serve(app: Router) -> (String, tokio::runtime::Runtime) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    runtime.spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), runtime)
}

impl TestServer {
    pub fn start() -> Self {
        let shared = Shared::default();
        let (url, runtime) = serve(router(shared.clone()));
        Self {
            url,
            shared,
            _runtime: runtime,
        }
    }

    pub fn hits(&self) -> Vec<Hit> {
        self.shared.hits.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.shared.hits.lock().unwrap().len()
    }

    pub fn count_path(&self, path: &str) -> usize {
        self.hits().iter().filter(|h| h.path == path).count()
    }

    pub fn max_in_flight(&self) -> usize {
        self.shared.in_flight.lock().unwrap().1
    }
}

fn record(s: &Shared, method: &Method, uri: &Uri, headers: &HeaderMap, body: &[u8]) {
    let h = headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    s.hits.lock().unwrap().push(Hit {
        method: method.to_string(),
        path: uri.path().to_string(),
        query: uri.query().unwrap_or_default().to_string(),
        headers: h,
        body: String::from_utf8_lossy(body).into_owned(),
    });
}

fn router(shared: Shared) -> Router {
    Router::new()
        .route("/api/v1/authenticate", post(authenticate))
        .route("/api/v1/endpoint", get(endpoints))
        .route("/status/{code}", any(status))
        .route("/json", get(json_doc))
        .route("/text", get(|| async { "hello plain text" }))
        .route("/slow", get(slow))
        .route(
            "/loop",
            get(|| async { (StatusCode::FOUND, [("Location", "/loop")]) }),
        )
        .route("/echo", any(echo))
        .route(
            "/cookie/set",
            get(|| async { ([("Set-Cookie", "session=s-42; Path=/")], "set") }),
        )
        .route("/cookie/check", get(cookie_check))
        .route("/flaky", get(flaky))
        .with_state(shared.clone())
        .layer(axum::middleware::from_fn_with_state(
            shared,
            count_middleware,
        ))
}

async fn count_middleware(
    State(s): State<Shared>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    record(&s, &parts.method, &parts.uri, &parts.headers, &bytes);
    {
        let mut f = s.in_flight.lock().unwrap();
        f.0 += 1;
        f.1 = f.1.max(f.0);
    }
    let resp = next
        .run(axum::extract::Request::from_parts(
            parts,
            axum::body::Body::from(bytes),
        ))
        .await;
    s.in_flight.lock().unwrap().0 -= 1;
    resp
}

async fn authenticate(body: Bytes) -> Response {
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    if v["application_token"] == APP_TOKEN {
        axum::Json(json!({ "auth_token": AUTH_TOKEN })).into_response()
    } else {
        (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({ "message": "invalid application token" })),
        )
            .into_response()
    }
}

async fn endpoints(headers: HeaderMap) -> Response {
    let ok = headers.get("authorization").and_then(|v| v.to_str().ok())
        == Some(&format!("Bearer {AUTH_TOKEN}"));
    if !ok {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({ "message": "token contains an invalid number of segments" })),
        )
            .into_response();
    }
    (
        [("X-Total-Count", "2"), ("X-Request-Id", "req-abc-123")],
        axum::Json(json!([
            { "id": 7, "name": "arduino01", "status": { "description": "Enabled" } },
            { "id": 8, "name": "arduino02", "status": { "description": "Disabled" } }
        ])),
    )
        .into_response()
}

async fn status(UrlPath(code): UrlPath<u16>) -> Response {
    (
        StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_REQUEST),
        format!("status {code}"),
    )
        .into_response()
}

async fn json_doc() -> Response {
    (
        [("Location", "/sms/123")],
        axum::Json(json!({
            "count": 3,
            "ratio": 0.5,
            "name": "arduino01",
            "tags": ["a", "b", "c"],
            "nested": { "ok": true, "none": null },
            "data": [{ "id": 1, "name": "x" }, { "id": 2, "name": "y" }]
        })),
    )
        .into_response()
}

async fn slow(Query(q): Query<HashMap<String, String>>) -> &'static str {
    let ms = q.get("ms").and_then(|v| v.parse().ok()).unwrap_or(200);
    tokio::time::sleep(Duration::from_millis(ms)).await;
    "slow"
}

async fn echo(method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let h: serde_json::Map<String, Value> = headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                Value::String(String::from_utf8_lossy(v.as_bytes()).into_owned()),
            )
        })
        .collect();
    axum::Json(json!({
        "method": method.as_str(),
        "path": uri.path(),
        "query": uri.query(),
        "headers": h,
        "body": String::from_utf8_lossy(&body),
    }))
    .into_response()
}

async fn cookie_check(headers: HeaderMap) -> Response {
    let cookie = headers
        .get("cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    axum::Json(json!({ "cookie": cookie })).into_response()
}

/// Fails twice, then succeeds: for `retry`.
async fn flaky(State(s): State<Shared>) -> Response {
    let n = s
        .hits
        .lock()
        .unwrap()
        .iter()
        .filter(|h| h.path == "/flaky")
        .count();
    if n < 3 {
        (StatusCode::SERVICE_UNAVAILABLE, "not yet").into_response()
    } else {
        axum::Json(json!({ "ready": true })).into_response()
    }
}

/// The built binary, run in `dir` with a clean environment for colour and CI detection.
pub fn baton(dir: &Path) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("baton").expect("binary");
    cmd.current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("CI");
    cmd
}

pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn run(dir: &Path, args: &[&str]) -> Output {
    let out = baton(dir).args(args).output().expect("run baton");
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `baton mock FILE` started in `dir` with `env`, and the address (`host:port`) its first
/// line announced.
pub fn spawn_mock(dir: &Path, file: &str, env: &[(&str, &str)]) -> (std::process::Child, String) {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(["mock", file])
        .current_dir(dir)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .to_string();
    (child, addr)
}

/// The address a `baton run -v` child with receive steps announced on its first line of
/// stderr (`receive steps listen on ADDR ...`).
pub fn listen_addr(child: &mut std::process::Child) -> String {
    use std::io::{BufRead, BufReader};
    let mut line = String::new();
    BufReader::new(child.stderr.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    line.strip_prefix("receive steps listen on ")
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_else(|| panic!("no listen address in {line:?}"))
        .to_string()
}

pub fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    if let Some(p) = path.parent() {
        std::fs::create_dir_all(p).unwrap();
    }
    std::fs::write(path, text).unwrap();
}

/// Timing figures vary run to run: normalise them for snapshots.
pub fn stable(text: &str) -> String {
    let re = regex::Regex::new(r"\b\d+(\.\d+)?(ms|s)\b").unwrap();
    re.replace_all(text, "<time>").into_owned()
}

/// A stand-in value for every `secret('NAME')` the YAML files at `path` (a file or a
/// directory) read: `check` and `run` need each one set, as a user's environment would.
pub fn stand_in_secrets(path: &Path) -> Vec<(String, String)> {
    let re = regex::Regex::new(r"secret\('([A-Za-z0-9_]+)'\)").unwrap();
    let mut files = vec![path.to_path_buf()];
    let mut names = std::collections::BTreeSet::new();
    while let Some(p) = files.pop() {
        if p.is_dir() {
            files.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
        } else if let Ok(text) = std::fs::read_to_string(&p) {
            names.extend(re.captures_iter(&text).map(|c| c[1].to_string()));
        }
    }
    names
        .into_iter()
        .map(|n| (n.clone(), format!("stand-in-{n}")))
        .collect()
}

/// Each request's mark and name in a run's output (`✓ login`, `✗ list`), for GET requests.
pub fn outcomes(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter(|l| l.trim_start().starts_with(['✓', '✗']))
        .map(|l| l.split(" GET").next().unwrap_or(l).trim().to_string())
        .collect()
}

/// A Postman test script's event list (`"event": [...]`) of these lines.
pub fn postman_test(lines: &[&str]) -> serde_json::Value {
    serde_json::json!([{ "listen": "test", "script": { "exec": lines } }])
}

/// Writes a Postman collection into `dir`, imports it with `baton import postman` (which
/// must succeed) and writes the result as `c.yaml`; the import's output.
pub fn import_postman(dir: &Path, collection: &str) -> Output {
    write(dir, "c.postman_collection.json", collection);
    let out = run(dir, &["import", "postman", "c.postman_collection.json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    write(dir, "c.yaml", &out.stdout);
    out
}

/// Routes that work a cookie jar: `/login` sets `sid=0123abcd` and `theme=dark`, `/forget`
/// deletes `theme` on a redirect to `/seen` (as httpbin's /cookies/delete does), and `/seen`
/// answers with the `Cookie` header it got.
pub fn cookie_routes() -> Router {
    use axum::http::header::{LOCATION, SET_COOKIE};
    use axum::response::AppendHeaders;
    Router::new()
        .route(
            "/login",
            get(|| async {
                (
                    AppendHeaders([
                        (SET_COOKIE, "sid=0123abcd; Path=/"),
                        (SET_COOKIE, "theme=dark; Path=/"),
                    ]),
                    "in",
                )
            }),
        )
        .route(
            "/forget",
            get(|| async {
                (
                    axum::http::StatusCode::FOUND,
                    [
                        (SET_COOKIE, "theme=; Max-Age=0; Path=/"),
                        (LOCATION, "/seen"),
                    ],
                    "",
                )
            }),
        )
        .route(
            "/seen",
            get(|h: axum::http::HeaderMap| async move {
                h.get("cookie")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string()
            }),
        )
}
