//! The run's listener for `receive` steps: an HTTP server on `--listen` that queues every
//! inbound request from the moment it starts. A receive step takes the oldest queued request
//! that matches its method and path, or waits for one. A request no step of the run could
//! take is answered 404 at once; one a step may take waits for that step's answer (for a
//! while; then it gets the step's answer rendered without the collection's variables). When
//! the run ends, senders still waiting get that answer too, and answers in flight are let
//! out before the server stops.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use tokio::sync::{Notify, oneshot};

use crate::format::model::{PathPattern, Segment};

/// Inbound bodies larger than this are refused (413): callbacks are small.
const MAX_INBOUND: usize = 16 << 20;

/// Connections open at once (more wait in the kernel's backlog, holding no file descriptor
/// of baton's), and how long a client has to send a request's headers or its body.
const LIMITS: crate::mock::server::Limits = crate::mock::server::Limits {
    connections: 128,
    header_read_timeout: Duration::from_secs(10),
};
const BODY_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Bytes of bodies being read at once, over all connections: a request takes its share
/// (its `Content-Length`, or the whole 16 MiB when it does not say) before its body is read,
/// and is answered 503 when none is free within the body read timeout.
const MAX_READING_BYTES: usize = 64 << 20;

/// At most this many requests (and bytes of their bodies) wait in the queue; more are
/// answered 503, so a flood cannot exhaust memory.
const MAX_WAITING: usize = 1_000;
const MAX_WAITING_BYTES: usize = 64 << 20;

/// How long a step waits for its answer to go out, and the end of the run for answers in
/// flight.
const ANSWER_GRACE: Duration = Duration::from_secs(2);

/// An inbound request, as it arrived.
#[derive(Debug)]
pub struct Inbound {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub arrived: Instant,
    reply: Option<oneshot::Sender<(Reply, oneshot::Sender<()>)>>,
}

impl Inbound {
    /// `POST /mo-sms?x=1`
    pub fn describe(&self) -> String {
        let mut s = format!("{} {}", self.method, self.path);
        if !self.query.is_empty() {
            let q: Vec<String> = self.query.iter().map(|(k, v)| format!("{k}={v}")).collect();
            s.push('?');
            s.push_str(&q.join("&"));
        }
        s
    }

    /// Answer the sender (once). Resolves when the answer is out (or the sender is gone),
    /// at most `ANSWER_GRACE` later, so the run does not end with an answer still unsent.
    /// False when the sender had been answered already (held past what its step allows).
    pub async fn answer(&mut self, reply: Reply) -> bool {
        let Some(tx) = self.reply.take() else {
            return false;
        };
        let (done, sent) = oneshot::channel();
        if tx.send((reply, done)).is_err() {
            return false;
        }
        let _ = tokio::time::timeout(ANSWER_GRACE, sent).await;
        true
    }
}

/// What a receive step answers.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn ok() -> Self {
        Self {
            status: 200,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }
}

/// What the run's receive steps wait for, known before anything runs.
#[derive(Debug, Clone)]
pub struct Expected {
    pub method: String,
    pub path: PathPattern,
    /// How long a sender may be kept waiting for this step's answer.
    pub hold: Duration,
    /// The answer when the step is not reached in time.
    pub fallback: Reply,
}

#[derive(Default)]
struct Inbox {
    queue: Mutex<Queue>,
    arrived: Notify,
}

#[derive(Default)]
struct Queue {
    waiting: VecDeque<Inbound>,
    /// The bytes of the bodies in `waiting`.
    bytes: usize,
    /// The run is over: nothing more is queued.
    closed: bool,
    /// What arrived and no step could take (answered 404), for timeout messages.
    unmatched: Vec<String>,
}

pub struct Listener {
    pub addr: SocketAddr,
    inbox: Arc<Inbox>,
    stop: Mutex<Option<tokio::sync::watch::Sender<bool>>>,
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

struct App {
    inbox: Arc<Inbox>,
    expected: Vec<Expected>,
    /// Permits of one KiB each, for the bodies being read.
    reading: Arc<tokio::sync::Semaphore>,
}

impl Listener {
    pub async fn start(addr: SocketAddr, expected: Vec<Expected>) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let inbox = Arc::new(Inbox::default());
        let app = Arc::new(App {
            inbox: Arc::clone(&inbox),
            expected,
            reading: Arc::new(tokio::sync::Semaphore::new(MAX_READING_BYTES >> 10)),
        });
        let router = Router::new().fallback(handle).with_state(app);
        let (tx, rx) = tokio::sync::watch::channel(false);
        let task = tokio::spawn(crate::mock::server::serve(listener, router, rx, LIMITS));
        Ok(Self {
            addr,
            inbox,
            stop: Mutex::new(Some(tx)),
            task: Mutex::new(Some(task)),
        })
    }

    /// `http://127.0.0.1:PORT` (an unspecified bind address is reached on loopback).
    pub fn base_url(&self) -> String {
        let ip = if self.addr.ip().is_unspecified() {
            "127.0.0.1".to_string()
        } else if self.addr.is_ipv6() {
            format!("[{}]", self.addr.ip())
        } else {
            self.addr.ip().to_string()
        };
        format!("http://{ip}:{}", self.addr.port())
    }

    /// Take the oldest queued request matching `method` and `path`, waiting until `deadline`.
    /// `Err` holds what arrived meanwhile that this step did not take.
    pub async fn take(
        &self,
        method: &str,
        path: &PathPattern,
        deadline: Instant,
    ) -> Result<(Inbound, Vec<(String, String)>), Vec<String>> {
        loop {
            // Register interest before looking, so an arrival in between is not missed.
            let notified = self.inbox.arrived.notified();
            {
                let mut q = self.inbox.queue.lock().unwrap_or_else(|e| e.into_inner());
                let found = q.waiting.iter().position(|i| {
                    i.method.eq_ignore_ascii_case(method) && matches(path, &i.path).is_some()
                });
                if let Some(at) = found
                    && let Some(inbound) = q.waiting.remove(at)
                {
                    q.bytes = q.bytes.saturating_sub(inbound.body.len());
                    let params = matches(path, &inbound.path).unwrap_or_default();
                    return Ok((inbound, params));
                }
            }
            let now = Instant::now();
            if now >= deadline {
                let q = self.inbox.queue.lock().unwrap_or_else(|e| e.into_inner());
                let mut other: Vec<String> = q.unmatched.clone();
                other.extend(
                    q.waiting
                        .iter()
                        .map(|i| format!("{} (not taken)", i.describe())),
                );
                return Err(other);
            }
            let _ = tokio::time::timeout(deadline - now, notified).await;
        }
    }

    /// The run is over: senders still waiting get their step's answer rendered without the
    /// collection's variables, and answers in flight have a moment to go out.
    pub async fn close(&self) {
        {
            let mut q = self.inbox.queue.lock().unwrap_or_else(|e| e.into_inner());
            q.closed = true;
            // Dropping an inbound request drops its reply channel: its sender is answered.
            q.waiting.clear();
            q.bytes = 0;
        }
        if let Some(tx) = lock(&self.stop).take() {
            let _ = tx.send(true);
        }
        let task = lock(&self.task).take();
        if let Some(mut task) = task
            && tokio::time::timeout(ANSWER_GRACE, &mut task).await.is_err()
        {
            task.abort();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Drop for Listener {
    fn drop(&mut self) {
        if let Some(tx) = lock(&self.stop).take() {
            let _ = tx.send(true);
        }
        // Not closed first (a run that was torn down): nothing more is waited for.
        if let Some(task) = lock(&self.task).take() {
            task.abort();
        }
    }
}

/// The path parameters when `path` fits `pattern`.
///
/// In time linear in the path's length (times the pattern's segments): a table of which
/// rest of the pattern fits which rest of the path, filled from the end, so a templated
/// segment that stands for one or more segments never backtracks.
pub fn matches(pattern: &PathPattern, path: &str) -> Option<Vec<(String, String)>> {
    let parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let segs = &pattern.segments;
    let (m, n) = (segs.len(), parts.len());
    // run[j]: how many non-empty parts start at j.
    let mut run = vec![0usize; n + 1];
    for j in (0..n).rev() {
        run[j] = if parts[j].is_empty() {
            0
        } else {
            run[j + 1] + 1
        };
    }
    let decoded = |p: &str| {
        percent_encoding::percent_decode_str(p)
            .decode_utf8_lossy()
            .into_owned()
    };
    // fit[i][j]: segments[i..] fits parts[j..]; next[i][j]: the first t >= j where it does.
    let mut fit = vec![vec![false; n + 1]; m + 1];
    let mut next = vec![vec![usize::MAX; n + 2]; m + 1];
    fit[m][n] = true;
    for i in (0..=m).rev() {
        if i < m {
            for j in 0..n {
                fit[i][j] = match &segs[i] {
                    Segment::Literal(l) => {
                        fit[i + 1][j + 1] && (l == parts[j] || *l == decoded(parts[j]))
                    }
                    // A template before the step renders it: one or more non-empty segments.
                    Segment::Param(name) if name.is_empty() => next[i + 1][j + 1] <= j + run[j],
                    Segment::Param(_) => fit[i + 1][j + 1] && !parts[j].is_empty(),
                };
            }
        }
        for j in (0..=n).rev() {
            next[i][j] = if fit[i][j] { j } else { next[i][j + 1] };
        }
    }
    if !fit[0][0] {
        return None;
    }
    let mut params = Vec::new();
    let mut j = 0;
    for (i, seg) in segs.iter().enumerate() {
        match seg {
            Segment::Param(name) if name.is_empty() => j = next[i + 1][j + 1],
            Segment::Param(name) => {
                params.push((name.clone(), decoded(parts[j])));
                j += 1;
            }
            Segment::Literal(_) => j += 1,
        }
    }
    Some(params)
}

/// The body, read within its share of the in-flight bytes and the body read timeout.
async fn read_body(
    app: &App,
    headers: &axum::http::HeaderMap,
    body: Body,
) -> Result<Bytes, Response> {
    let declared = headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_INBOUND) {
        return Err(plain(StatusCode::PAYLOAD_TOO_LARGE, "body too large"));
    }
    let share = (declared.unwrap_or(MAX_INBOUND) >> 10) as u32 + 1;
    let read = async {
        let _permit = app.reading.acquire_many(share).await;
        axum::body::to_bytes(body, MAX_INBOUND).await
    };
    match tokio::time::timeout(BODY_READ_TIMEOUT, read).await {
        Ok(Ok(b)) => Ok(b),
        Ok(Err(_)) => Err(plain(StatusCode::PAYLOAD_TOO_LARGE, "body too large")),
        Err(_) => Err(plain(
            StatusCode::SERVICE_UNAVAILABLE,
            "the body did not arrive in time",
        )),
    }
}

async fn handle(State(app): State<Arc<App>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = match read_body(&app, &parts.headers, body).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let method = parts.method.as_str().to_string();
    let path = parts.uri.path().to_string();
    let line = match parts.uri.query() {
        Some(q) if !q.is_empty() => format!("{method} {path}?{q}"),
        _ => format!("{method} {path}"),
    };
    let query: Vec<(String, String)> =
        url::form_urlencoded::parse(parts.uri.query().unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let wanted = app
        .expected
        .iter()
        .find(|e| e.method.eq_ignore_ascii_case(&method) && matches(&e.path, &path).is_some());
    let Some(wanted) = wanted else {
        let mut q = app.inbox.queue.lock().unwrap_or_else(|e| e.into_inner());
        if q.unmatched.len() < 100 {
            q.unmatched.push(format!("{line} (404)"));
        }
        drop(q);
        let expected: Vec<String> = app
            .expected
            .iter()
            .map(|e| format!("{} {}", e.method, e.path.text))
            .collect();
        let body = serde_json::json!({ "error": "no receive step of this run waits for this", "request": line, "expected": expected });
        return Response::builder()
            .status(StatusCode::NOT_FOUND)
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap_or_default();
    };
    let (tx, rx) = oneshot::channel();
    let inbound = Inbound {
        method,
        path,
        query,
        headers,
        body: body.to_vec(),
        arrived: Instant::now(),
        reply: Some(tx),
    };
    {
        let mut q = app.inbox.queue.lock().unwrap_or_else(|e| e.into_inner());
        if q.closed {
            drop(q);
            return respond(wanted.fallback.clone(), None);
        }
        if q.waiting.len() >= MAX_WAITING || q.bytes + inbound.body.len() > MAX_WAITING_BYTES {
            drop(q);
            return plain(
                StatusCode::SERVICE_UNAVAILABLE,
                "too many requests are waiting for baton's receive steps",
            );
        }
        q.bytes += inbound.body.len();
        q.waiting.push_back(inbound);
    }
    app.inbox.arrived.notify_waiters();
    match tokio::time::timeout(wanted.hold, rx).await {
        Ok(Ok((reply, done))) => respond(reply, Some(done)),
        _ => respond(wanted.fallback.clone(), None),
    }
}

/// The HTTP response for `r`; `done` is signalled once its body is out.
fn respond(r: Reply, done: Option<oneshot::Sender<()>>) -> Response {
    let mut b =
        Response::builder().status(StatusCode::from_u16(r.status).unwrap_or(StatusCode::OK));
    for (k, v) in &r.headers {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(v),
        ) {
            b = b.header(n, v);
        }
    }
    let body = Body::from(r.body);
    let body = match done {
        Some(done) => crate::mock::Notify::holding(body, done),
        None => body,
    };
    b.body(body).unwrap_or_default()
}

fn plain(status: StatusCode, text: &'static str) -> Response {
    Response::builder()
        .status(status)
        .body(Body::from(text))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::matches;
    use crate::format::path_pattern;

    #[test]
    fn paths_fit_patterns() {
        let m = |p: &str, path: &str| matches(&path_pattern(p), path);
        assert_eq!(m("/mo-sms", "/mo-sms/"), Some(vec![]));
        assert_eq!(m("/mo-sms", "/mo-sms/x"), None);
        assert_eq!(
            m("/dlr/{id}", "/dlr/m%2042"),
            Some(vec![("id".into(), "m 42".into())])
        );
        assert_eq!(m("/dlr/{id}", "/dlr/"), None);
        assert_eq!(m("/dlr/{id}", "/dlr/5/6"), None);
        assert_eq!(m("/a b", "/a%20b"), Some(vec![]));
        // A templated segment may render to several.
        assert_eq!(m("/{{ p }}/hook", "/t/v2/hook"), Some(vec![]));
        assert_eq!(m("/{{ p }}/hook", "/t/hook"), Some(vec![]));
        assert_eq!(m("/{{ p }}/hook", "/hook"), None);
        assert_eq!(m("/{{ p }}/hook", "/t//hook"), None);
        assert_eq!(
            m("/{{ p }}/{id}", "/a/b/7"),
            Some(vec![("id".into(), "7".into())])
        );
    }
}
