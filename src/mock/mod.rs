//! The mock server: serves a mock file's routes, in-process for `run --mock` or on its own
//! for `baton mock`. First matching route wins; no match is a 404 listing the routes tried.

mod file;

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::Response;
use serde_json::{Map, Value as Json, json};
use tokio::sync::oneshot;

pub use file::{MockFile, Route, load};

use crate::template::Vars;

/// A mock server listening on 127.0.0.1.
pub struct RunningMock {
    pub addr: SocketAddr,
    /// `http://127.0.0.1:PORT`
    pub url: String,
    shutdown: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl RunningMock {
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
    }
}

/// Bind 127.0.0.1:`port` (0 picks a free port) and serve in the current runtime.
pub async fn start(mock: MockFile, port: u16) -> std::io::Result<RunningMock> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let addr = listener.local_addr()?;
    let app = Router::new().fallback(handle).with_state(Arc::new(mock));
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await;
    });
    Ok(RunningMock {
        addr,
        url: format!("http://{addr}"),
        shutdown: Some(tx),
        task,
    })
}

async fn handle(
    State(mock): State<Arc<MockFile>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path();
    let query: Vec<(String, String)> =
        url::form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let json_body: Option<Json> = serde_json::from_slice(&body).ok();
    for route in &mock.routes {
        let Some(params) =
            route.matches(method.as_str(), path, &query, &headers, json_body.as_ref())
        else {
            continue;
        };
        let mut vars = Vars::new();
        vars.set(
            "path",
            &Json::Object(
                params
                    .into_iter()
                    .map(|(k, v)| (k, Json::String(v)))
                    .collect(),
            ),
        );
        let mut q = Map::new();
        for (k, v) in &query {
            q.insert(k.clone(), Json::String(v.clone()));
        }
        vars.set("query", &Json::Object(q));
        let h: Map<String, Json> = headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    Json::String(String::from_utf8_lossy(v.as_bytes()).into_owned()),
                )
            })
            .collect();
        vars.set("headers", &Json::Object(h));
        vars.set("json", json_body.as_ref().unwrap_or(&Json::Null));
        vars.set(
            "body",
            &Json::String(String::from_utf8_lossy(&body).into_owned()),
        );
        return respond(route, &vars).await;
    }
    let tried: Vec<String> = mock.routes.iter().map(Route::describe).collect();
    json_response(
        StatusCode::NOT_FOUND,
        &json!({ "error": "no route matches", "request": format!("{method} {uri}"), "routes_tried": tried }),
    )
}

async fn respond(route: &Route, vars: &Vars) -> Response {
    let r = &route.respond;
    if let Some(d) = r.delay {
        tokio::time::sleep(d).await;
    }
    let status = StatusCode::from_u16(r.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut builder = Response::builder().status(status);
    let mut has_type = false;
    for (k, v) in &r.headers {
        let value = match v.render_string(vars) {
            Ok(v) => v,
            Err(e) => return render_failure(route, &e.to_string()),
        };
        has_type |= k.eq_ignore_ascii_case("content-type");
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            builder = builder.header(name, value);
        }
    }
    let body = match &r.body {
        file::Body::None => Vec::new(),
        file::Body::Json(v) => match v.render(vars) {
            Ok(j) => {
                if !has_type {
                    builder = builder.header("content-type", "application/json");
                }
                serde_json::to_vec(&j).unwrap_or_default()
            }
            Err(e) => return render_failure(route, &e.to_string()),
        },
        file::Body::Text(t) => match t.render_string(vars) {
            Ok(s) => {
                if !has_type {
                    builder = builder.header("content-type", "text/plain; charset=utf-8");
                }
                s.into_bytes()
            }
            Err(e) => return render_failure(route, &e.to_string()),
        },
    };
    builder
        .body(Body::from(body))
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

fn render_failure(route: &Route, message: &str) -> Response {
    json_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        &json!({ "error": "mock response could not be rendered", "route": route.describe(), "message": message }),
    )
}

fn json_response(status: StatusCode, body: &Json) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Body::from(serde_json::to_vec(body).unwrap_or_default()))
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

/// `baton mock FILE [--port N]`: serve until Ctrl-C or SIGTERM. Returns the exit code.
pub fn cmd_mock(path: &Path, port: u16) -> i32 {
    let mock = match load(path) {
        Ok(m) => m,
        Err(rendered) => {
            let _ = writeln!(std::io::stderr(), "{rendered}");
            return 2;
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            let _ = writeln!(
                std::io::stderr(),
                "error: cannot start the async runtime: {e}"
            );
            return 2;
        }
    };
    runtime.block_on(async {
        let var = mock.serves().to_string();
        let routes = mock.routes.len();
        let running = match start(mock, port).await {
            Ok(r) => r,
            Err(e) => {
                let _ = writeln!(
                    std::io::stderr(),
                    "error: cannot listen on 127.0.0.1:{port}: {e}"
                );
                return 2;
            }
        };
        {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(
                out,
                "mock: serving {} ({routes} route{}) on {} (variable {var})",
                path.display(),
                if routes == 1 { "" } else { "s" },
                running.url
            );
            let _ = out.flush();
        }
        wait_for_stop().await;
        running.stop().await;
        0
    })
}

async fn wait_for_stop() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn serve(text: &str) -> RunningMock {
        let m =
            file::load_str(Path::new("m.yaml"), text.to_string()).unwrap_or_else(|e| panic!("{e}"));
        start(m, 0).await.unwrap()
    }

    async fn get(url: &str, req: reqwest::RequestBuilder) -> (u16, String) {
        let _ = url;
        let r = req.send().await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
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
}
