//! The mock server: serves a mock file's routes, in-process for `run --mock` or on its own
//! for `baton mock`. First matching route wins; no match is a 404 listing the routes tried.
//! A route may answer from a list in turn and send a callback after answering.

mod callback;
mod file;
pub mod server;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::Response;
use bytes::BytesMut;
use futures_util::StreamExt as _;
use serde_json::{Map, Value as Json, json};
use tokio::sync::watch;

pub use callback::{CallbackError, Log};
pub use file::{MockFile, Route, load};

use crate::template::{Host, Vars};
use callback::Callbacks;
pub(crate) use callback::Notify;
use file::Respond;

/// A request body larger than this is refused with 413.
const MAX_BODY: usize = 2 << 20;

/// A client has this long to send a request body once its headers are in.
const BODY_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// How a mock server is started.
#[derive(Clone, Default)]
pub struct MockOptions {
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// The run's initial variables: `vars` in the mock's templates (a callback's
    /// `url: "{{ vars.callback_url }}/mo-sms"`).
    pub vars: Map<String, Json>,
    /// Where callback failures are reported; `None` keeps the mock silent.
    pub log: Option<Log>,
    /// The run the mock serves: the environment `env()`/`secret()` read, and its secrets
    /// (masked in what the mock logs).
    pub host: Host,
}

/// A mock server listening on 127.0.0.1. Dropping it stops the server too, in the background.
pub struct RunningMock {
    pub addr: SocketAddr,
    /// `http://127.0.0.1:PORT`
    pub url: String,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl RunningMock {
    /// Stop accepting, give requests in flight a moment to finish, drop the rest, and
    /// abort the callbacks still waiting.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

struct App {
    mock: MockFile,
    vars: Json,
    host: Host,
    callbacks: Arc<Callbacks>,
}

/// Bind 127.0.0.1:`options.port` and serve in the current runtime.
pub async fn start(mock: MockFile, options: MockOptions) -> std::io::Result<RunningMock> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", options.port)).await?;
    let addr = listener.local_addr()?;
    let callbacks = Arc::new(Callbacks::new(options.log, options.host.secrets.clone()));
    let app = Arc::new(App {
        mock,
        vars: Json::Object(options.vars),
        host: options.host,
        callbacks: Arc::clone(&callbacks),
    });
    let router = Router::new().fallback(handle).with_state(app);
    let (stop, stopped) = watch::channel(false);
    let task = tokio::spawn(async move {
        server::serve(listener, router, stopped, server::MOCK_LIMITS).await;
        callbacks.close().await;
    });
    Ok(RunningMock {
        addr,
        url: format!("http://{addr}"),
        stop,
        task,
    })
}

async fn handle(State(app): State<Arc<App>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = match read_body(body).await {
        Ok(b) => b,
        Err(response) => return response,
    };
    let (method, uri, headers) = (parts.method, parts.uri, parts.headers);
    let path = uri.path();
    let query: Vec<(String, String)> =
        url::form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let json_body: Option<Json> = serde_json::from_slice(&body).ok();
    let parts = file::split_path(path);
    for route in &app.mock.routes {
        let Some(params) = route.matches_split(
            method.as_str(),
            &parts,
            &query,
            &headers,
            json_body.as_ref(),
        ) else {
            continue;
        };
        let Some(respond) = route.next_response() else {
            continue;
        };
        let mut vars = Vars::with_host(app.host.clone());
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
        vars.set("headers", &header_map(&headers));
        vars.set("json", json_body.as_ref().unwrap_or(&Json::Null));
        vars.set(
            "body",
            &Json::String(String::from_utf8_lossy(&body).into_owned()),
        );
        vars.set("vars", &app.vars);
        return answer(&app, route, respond, vars).await;
    }
    let tried: Vec<String> = app.mock.routes.iter().map(Route::describe).collect();
    json_response(
        StatusCode::NOT_FOUND,
        &json!({ "error": "no route matches", "request": format!("{method} {uri}"), "routes_tried": tried }),
    )
}

/// The request body, bounded in size and in time.
async fn read_body(body: Body) -> Result<Bytes, Response> {
    let read = async {
        let mut stream = body.into_data_stream();
        let mut buf = BytesMut::new();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|_| StatusCode::BAD_REQUEST)?;
            if buf.len() + chunk.len() > MAX_BODY {
                return Err(StatusCode::PAYLOAD_TOO_LARGE);
            }
            buf.extend_from_slice(&chunk);
        }
        Ok(buf.freeze())
    };
    let status = match tokio::time::timeout(BODY_READ_TIMEOUT, read).await {
        Ok(Ok(body)) => return Ok(body),
        Ok(Err(status)) => status,
        Err(_) => StatusCode::REQUEST_TIMEOUT,
    };
    let message = match status {
        StatusCode::PAYLOAD_TOO_LARGE => format!("the request body is over {MAX_BODY} bytes"),
        StatusCode::REQUEST_TIMEOUT => "the request body did not arrive in time".to_string(),
        _ => "the request body could not be read".to_string(),
    };
    Err(json_response(status, &json!({ "error": message })))
}

fn header_map(headers: &HeaderMap) -> Json {
    Json::Object(
        headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    Json::String(String::from_utf8_lossy(v.as_bytes()).into_owned()),
                )
            })
            .collect(),
    )
}

/// A response rendered from a route's `respond`, before it becomes an HTTP response.
struct Rendered {
    status: StatusCode,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Vec<u8>,
    json: Option<Json>,
}

impl Rendered {
    /// What a callback's templates see as `response`.
    fn summary(&self) -> Json {
        let mut headers = HeaderMap::new();
        for (k, v) in &self.headers {
            headers.append(k.clone(), v.clone());
        }
        json!({
            "status": self.status.as_u16(),
            "headers": header_map(&headers),
            "json": self.json.clone().unwrap_or(Json::Null),
            "body": String::from_utf8_lossy(&self.body),
        })
    }

    fn into_response(self) -> Response {
        let mut response = Response::new(Body::from(self.body));
        *response.status_mut() = self.status;
        for (k, v) in self.headers {
            response.headers_mut().append(k, v);
        }
        response
    }
}

async fn answer(app: &App, route: &Route, r: &Respond, mut vars: Vars) -> Response {
    if let Some(d) = r.delay {
        tokio::time::sleep(d).await;
    }
    let rendered = match render(r, &vars) {
        Ok(rendered) => rendered,
        Err(message) => {
            app.callbacks.log(&format!(
                "mock: {}: the response could not be rendered: {message}",
                route.describe()
            ));
            return json_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                &json!({ "error": "mock response could not be rendered", "route": route.describe(), "message": message }),
            );
        }
    };
    let Some(callback) = &r.callback else {
        return rendered.into_response();
    };
    // A callback that reaches this mock again (its own route) carries its depth: a chain
    // stops after `callback::MAX_DEPTH` instead of looping forever.
    let depth = vars
        .get("headers")
        .and_then(|h| {
            h.get(callback::DEPTH_HEADER)
                .and_then(Json::as_str)
                .and_then(|d| d.parse::<u32>().ok())
        })
        .unwrap_or(0);
    if depth >= callback::MAX_DEPTH {
        app.callbacks.log(&format!(
            "mock: {}: callback not sent: {} callbacks in a row reached this mock (a callback to its own route?)",
            route.describe(),
            callback::MAX_DEPTH
        ));
        return rendered.into_response();
    }
    vars.set("response", &rendered.summary());
    let (parts, body) = rendered.into_response().into_parts();
    let (body, sent) = Notify::wrap(body);
    app.callbacks
        .schedule(Arc::clone(callback), vars, sent, depth + 1);
    Response::from_parts(parts, body)
}

fn render(r: &Respond, vars: &Vars) -> Result<Rendered, String> {
    let status = StatusCode::from_u16(r.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut headers = Vec::with_capacity(r.headers.len() + 1);
    for (name, value) in &r.headers {
        let text = value
            .render_string(vars)
            .map_err(|e| format!("header `{name}`: {e}"))?;
        let value = HeaderValue::from_str(&text).map_err(|_| {
            format!("header `{name}`: the rendered value is not a valid header value")
        })?;
        headers.push((name.clone(), value));
    }
    let has_type = headers.iter().any(|(k, _)| k == header::CONTENT_TYPE);
    let (body, json, content_type) = match &r.body {
        file::Body::None => (Vec::new(), None, None),
        file::Body::Json(v) => {
            let j = v.render(vars).map_err(|e| e.to_string())?;
            (
                serde_json::to_vec(&j).unwrap_or_default(),
                Some(j),
                Some("application/json"),
            )
        }
        file::Body::Text(t) => (
            t.render_string(vars)
                .map_err(|e| e.to_string())?
                .into_bytes(),
            None,
            Some("text/plain; charset=utf-8"),
        ),
    };
    if let (Some(ct), false) = (content_type, has_type) {
        headers.push((header::CONTENT_TYPE, HeaderValue::from_static(ct)));
    }
    Ok(Rendered {
        status,
        headers,
        body,
        json,
    })
}

fn json_response(status: StatusCode, body: &Json) -> Response {
    let mut response = Response::new(Body::from(serde_json::to_vec(body).unwrap_or_default()));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

#[cfg(test)]
mod tests;
