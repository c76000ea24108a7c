//! Callbacks: the requests a mock sends after answering, the way a provider calls a
//! registered webhook. Each waits until its response has gone out, then for its `delay`;
//! all of them belong to the server and end when it stops.

use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body as AxumBody, Bytes};
use axum::http::{HeaderValue, StatusCode};
use hyper::body::{Body as HttpBody, Frame, SizeHint};
use tokio::sync::oneshot;
use tokio::task::JoinSet;

use super::file::{Body, Callback};
use crate::secret::Secrets;
use crate::template::{TemplateError, Vars};

/// Callbacks waiting for their turn at most; more are dropped (and logged), to bound memory.
const MAX_PENDING: usize = 1_000;

/// A callback request says how many callbacks in a row led to it, in this header; a mock
/// reached by `MAX_DEPTH` of them answers without sending another.
pub(super) const DEPTH_HEADER: &str = "x-baton-callback-depth";
pub(super) const MAX_DEPTH: u32 = 8;

/// How long one callback request may take.
const SEND_TIMEOUT: Duration = Duration::from_secs(30);

/// Where a mock reports what went wrong with a callback (the mock itself carries on).
pub type Log = Arc<dyn Fn(&str) + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum CallbackError {
    #[error("{what} could not be rendered: {source}")]
    Render {
        what: &'static str,
        source: TemplateError,
    },
    #[error("url `{0}` is not an http:// or https:// URL")]
    Url(String),
    #[error("header `{0}`: the rendered value is not a valid header value")]
    Header(String),
    #[error("{0}")]
    Send(String),
    #[error("answered {0}")]
    Status(StatusCode),
}

/// The server's callbacks in flight. Closed when the server stops: those still pending are
/// aborted and no new one starts.
pub(super) struct Callbacks {
    tasks: Mutex<Option<JoinSet<()>>>,
    /// Built on the first callback: a mock without callbacks never needs it.
    client: OnceLock<Result<reqwest::Client, String>>,
    log: Option<Log>,
    secrets: Secrets,
}

impl Callbacks {
    pub(super) fn new(log: Option<Log>, secrets: Secrets) -> Self {
        Self {
            tasks: Mutex::new(Some(JoinSet::new())),
            client: OnceLock::new(),
            log,
            secrets,
        }
    }

    fn client(&self) -> Result<&reqwest::Client, CallbackError> {
        self.client
            .get_or_init(|| {
                reqwest::Client::builder()
                    .no_proxy()
                    .timeout(SEND_TIMEOUT)
                    .build()
                    .map_err(|e| format!("no HTTP client: {}", error_chain(&e)))
            })
            .as_ref()
            .map_err(|e| CallbackError::Send(e.clone()))
    }

    pub(super) fn log(&self, message: &str) {
        if let Some(log) = &self.log {
            log(&self.secrets.redact(message));
        }
    }

    /// Send `callback` rendered with `vars` once `sent` resolves (the response is out).
    pub(super) fn schedule(
        self: &Arc<Self>,
        callback: Arc<Callback>,
        vars: Vars,
        sent: oneshot::Receiver<()>,
        depth: u32,
    ) {
        let Ok(mut guard) = self.tasks.lock() else {
            return;
        };
        let Some(tasks) = guard.as_mut() else {
            return;
        };
        while tasks.try_join_next().is_some() {}
        if tasks.len() >= MAX_PENDING {
            drop(guard);
            self.log(&format!(
                "mock: callback {} dropped: {MAX_PENDING} callbacks are already waiting",
                callback.method
            ));
            return;
        }
        let this = Arc::clone(self);
        tasks.spawn(async move {
            // Resolves when the response body is dropped: sent, or the client went away.
            let _ = sent.await;
            if let Some(d) = callback.delay {
                tokio::time::sleep(d).await;
            }
            if let Err((url, e)) = this.send(&callback, &vars, depth).await {
                this.log(&format!(
                    "mock: callback {} {url} failed: {e}",
                    callback.method
                ));
            }
        });
    }

    async fn send(
        &self,
        cb: &Callback,
        vars: &Vars,
        depth: u32,
    ) -> Result<(), (String, CallbackError)> {
        let url = cb.url.render_string(vars).map_err(|source| {
            (
                cb.url.source.to_string(),
                CallbackError::Render {
                    what: "url",
                    source,
                },
            )
        })?;
        let request = self
            .build(cb, vars, &url)
            .map_err(|e| (url.clone(), e))?
            .header(DEPTH_HEADER, depth.to_string());
        let response = request
            .send()
            .await
            .map_err(|e| (url.clone(), CallbackError::Send(error_chain(&e))))?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err((url, CallbackError::Status(response.status())))
        }
    }

    fn build(
        &self,
        cb: &Callback,
        vars: &Vars,
        url: &str,
    ) -> Result<reqwest::RequestBuilder, CallbackError> {
        if !super::file::is_http_url(url) {
            return Err(CallbackError::Url(url.to_string()));
        }
        let mut request = self.client()?.request(cb.method.clone(), url);
        let mut has_type = false;
        for (name, value) in &cb.headers {
            let text = value
                .render_string(vars)
                .map_err(|source| CallbackError::Render {
                    what: "a header",
                    source,
                })?;
            let value = HeaderValue::from_str(&text)
                .map_err(|_| CallbackError::Header(name.to_string()))?;
            has_type |= name == axum::http::header::CONTENT_TYPE;
            request = request.header(name.clone(), value);
        }
        let (body, content_type) = match &cb.body {
            Body::None => (Vec::new(), None),
            Body::Json(v) => {
                let json = v.render(vars).map_err(|source| CallbackError::Render {
                    what: "the json body",
                    source,
                })?;
                (
                    serde_json::to_vec(&json).unwrap_or_default(),
                    Some("application/json"),
                )
            }
            Body::Text(t) => {
                let text = t
                    .render_string(vars)
                    .map_err(|source| CallbackError::Render {
                        what: "the body",
                        source,
                    })?;
                (text.into_bytes(), Some("text/plain; charset=utf-8"))
            }
        };
        if let (Some(ct), false) = (content_type, has_type) {
            request = request.header(axum::http::header::CONTENT_TYPE, ct);
        }
        Ok(request.body(body))
    }

    /// Abort the callbacks still pending and refuse new ones.
    pub(super) async fn close(&self) {
        let tasks = self.tasks.lock().ok().and_then(|mut g| g.take());
        if let Some(mut tasks) = tasks {
            tasks.shutdown().await;
        }
    }
}

/// `connection refused` and the like, not just reqwest's outermost `error sending request`.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

/// A response body that signals when it is dropped: after hyper has taken its last frame,
/// or when the client goes away first. (The run's listener uses it too, so a receive step
/// ends only once its answer is out.)
pub(crate) struct Notify {
    inner: AxumBody,
    _done: oneshot::Sender<()>,
}

impl Notify {
    pub(crate) fn wrap(inner: AxumBody) -> (AxumBody, oneshot::Receiver<()>) {
        let (tx, rx) = oneshot::channel();
        (Self::holding(inner, tx), rx)
    }

    /// `inner`, signalling `done` (by dropping it) once the body is out.
    pub(crate) fn holding(inner: AxumBody, done: oneshot::Sender<()>) -> AxumBody {
        AxumBody::new(Notify { inner, _done: done })
    }
}

impl HttpBody for Notify {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
