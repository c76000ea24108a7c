//! Executes checked collections and emits events; never prints.
//!
//! Collections run one after another, or `jobs` at a time; requests within one stay in order.
//! Events of each collection reach the reporters grouped and in collection order.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use base64::Engine as _;
use futures_util::StreamExt as _;
use reqwest::cookie::Jar;
use serde_json::Value as Json;
use tokio::sync::{mpsc, watch};

use crate::capture;
use crate::collection::model::{ApiKeyIn, Auth, Body, Collection, Part, Request, Step};
use crate::event::{
    AssertionResult, CaptureResult, CollectionInfo, Counts, Event, Outcome, Phase, PhaseKind,
    ReceivedResponse, RequestResult, RunSummary, SentRequest,
};
use crate::http::{Http, MultipartPart, MultipartValue, Prepared, PreparedBody};
use crate::oauth2::{TokenCache, TokenRequest};
use crate::response::Response;
use crate::secret;
use crate::template::{TemplateError, Vars, json_text};

/// One collection to run, with the scope it starts from.
#[derive(Clone)]
pub struct Planned {
    pub collection: Arc<Collection>,
    pub scope: Vars,
    /// Data-driven runs: the row number (1-based).
    pub iteration: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct RunOptions {
    pub jobs: usize,
    pub fail_fast: bool,
    /// Only requests whose `collection/request` name contains this.
    pub filter: Option<String>,
    /// Only requests carrying any of these tags.
    pub tags: Vec<String>,
    pub default_timeout: Duration,
    /// Keep request and response details of passing requests (verbose output, file reports).
    pub keep_exchange: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            jobs: 1,
            fail_fast: false,
            filter: None,
            tags: Vec::new(),
            default_timeout: Duration::from_secs(30),
            keep_exchange: false,
        }
    }
}

struct Ctx {
    started: Instant,
    http: Arc<Http>,
    tokens: TokenCache,
    opts: RunOptions,
    stop: AtomicBool,
    cancel: watch::Receiver<bool>,
}

impl Ctx {
    fn cancelled(&self) -> bool {
        *self.cancel.borrow()
    }
}

/// Run everything; `emit` receives every event in order. Returns the summary also sent as `RunFinished`.
pub async fn run(
    plan: Vec<Planned>,
    opts: RunOptions,
    http: Arc<Http>,
    tokens: TokenCache,
    cancel: watch::Receiver<bool>,
    mut emit: impl FnMut(&Event),
) -> RunSummary {
    let started = Instant::now();
    emit(&Event::RunStarted {
        collections: plan.len(),
    });
    let jobs = opts.jobs.max(1);
    let ctx = Arc::new(Ctx {
        started,
        http,
        tokens,
        opts,
        stop: AtomicBool::new(false),
        cancel,
    });
    let (tx, mut rx) = mpsc::unbounded_channel::<(usize, Event)>();
    let total = plan.len();
    let producer = {
        let ctx = Arc::clone(&ctx);
        async move {
            futures_util::stream::iter(plan.into_iter().enumerate())
                .map(|(i, p)| run_collection(i, p, Arc::clone(&ctx), tx.clone()))
                .buffer_unordered(jobs)
                .collect::<Vec<()>>()
                .await;
            drop(tx);
        }
    };
    let mut counts = Counts::default();
    let consumer = async {
        // Deliver collection `current` live; buffer the others until their turn.
        let mut current = 0usize;
        let mut pending: BTreeMap<usize, Vec<Event>> = BTreeMap::new();
        let mut finished: Vec<bool> = vec![false; total];
        while let Some((i, ev)) = rx.recv().await {
            if let Event::RequestFinished(r) = &ev {
                counts.add(r.outcome);
            }
            let done = matches!(ev, Event::CollectionFinished { .. });
            if i == current {
                emit(&ev);
            } else {
                pending.entry(i).or_default().push(ev);
            }
            if done {
                finished[i] = true;
            }
            while current < total && finished[current] {
                current += 1;
                if let Some(evs) = pending.remove(&current) {
                    evs.iter().for_each(&mut emit);
                }
            }
        }
    };
    tokio::join!(producer, consumer);
    let summary = RunSummary {
        counts,
        duration: started.elapsed(),
        interrupted: ctx.cancelled(),
    };
    emit(&Event::RunFinished(summary.clone()));
    summary
}

async fn run_collection(
    index: usize,
    p: Planned,
    ctx: Arc<Ctx>,
    tx: mpsc::UnboundedSender<(usize, Event)>,
) {
    let started = Instant::now();
    let c = &p.collection;
    let send = |ev: Event| {
        let _ = tx.send((index, ev));
    };
    send(Event::CollectionStarted(CollectionInfo {
        index,
        name: c.name.clone(),
        path: c.path.clone(),
        iteration: p.iteration,
    }));
    let jar = c.cookies.then(Jar::default);
    let mut scope = p.scope.clone();
    let mut failed_captures: HashMap<String, String> = HashMap::new();
    let mut counts = Counts::default();
    for step in &c.steps {
        if ctx.cancelled() || ctx.stop.load(Ordering::Relaxed) {
            break;
        }
        match step {
            Step::IncludeVars { vars, .. } => {
                for (name, value) in vars {
                    if !scope.contains(name)
                        && let Ok(v) = value.render(&scope)
                    {
                        scope.set(name.clone(), &v);
                    }
                }
            }
            Step::Request(r) => {
                if !selected(c, r, &ctx.opts) {
                    continue;
                }
                send(Event::RequestStarted {
                    collection: index,
                    name: r.name.clone(),
                });
                let mut state = RequestRun {
                    ctx: &ctx,
                    collection: c,
                    index,
                    scope: &mut scope,
                    failed_captures: &mut failed_captures,
                    jar: jar.as_ref(),
                };
                let result = state.run(r).await;
                counts.add(result.outcome);
                if ctx.opts.fail_fast && matches!(result.outcome, Outcome::Failed | Outcome::Error)
                {
                    ctx.stop.store(true, Ordering::Relaxed);
                }
                send(Event::RequestFinished(Box::new(result)));
            }
        }
    }
    send(Event::CollectionFinished {
        collection: index,
        counts,
        duration: started.elapsed(),
    });
}

fn selected(c: &Collection, r: &Request, opts: &RunOptions) -> bool {
    if let Some(f) = &opts.filter
        && !format!("{}/{}", c.name, r.name).contains(f.as_str())
    {
        return false;
    }
    opts.tags.is_empty() || r.tags.iter().any(|t| opts.tags.contains(t))
}

struct RequestRun<'a> {
    ctx: &'a Ctx,
    collection: &'a Collection,
    index: usize,
    scope: &'a mut Vars,
    failed_captures: &'a mut HashMap<String, String>,
    jar: Option<&'a Jar>,
}

/// Why a request stopped before it had a response.
enum Stop {
    Failed(String),
    Error(String),
    Interrupted,
}

impl RequestRun<'_> {
    async fn run(&mut self, r: &Request) -> RequestResult {
        let started = Instant::now();
        let mut res = RequestResult {
            collection: self.index,
            collection_name: self.collection.name.clone(),
            name: r.name.clone(),
            file: r.span.file.path.clone(),
            line: r.span.pos.line,
            method: r.method.clone(),
            url: String::new(),
            outcome: Outcome::Passed,
            message: None,
            request: None,
            response: None,
            attempts: 0,
            started: started.duration_since(self.ctx.started),
            duration: Duration::ZERO,
            phases: Vec::new(),
            captures: Vec::new(),
            assertions: Vec::new(),
            notes: Vec::new(),
        };
        if let Err(stop) = self.run_inner(r, &mut res).await {
            let (outcome, message) = match stop {
                Stop::Failed(m) => (Outcome::Failed, Some(m)),
                Stop::Error(m) => (Outcome::Error, Some(m)),
                Stop::Interrupted => (Outcome::Interrupted, Some("interrupted".to_string())),
            };
            res.outcome = outcome;
            res.message = message.map(|m| secret::redact(&m));
        }
        res.duration = started.elapsed();
        res
    }

    fn render_error(&self, what: &str, e: TemplateError) -> Stop {
        if let TemplateError::Undefined { name } = &e
            && let Some(req) = self.failed_captures.get(name)
        {
            return Stop::Failed(format!(
                "`{name}` is not set: capture in request `{req}` failed"
            ));
        }
        Stop::Failed(format!("{what}: {e}"))
    }

    async fn run_inner(&mut self, r: &Request, res: &mut RequestResult) -> Result<(), Stop> {
        if let Some(w) = &r.when {
            let go = w
                .render_bool(self.scope)
                .map_err(|e| self.render_error("when", e))?;
            if !go {
                res.outcome = Outcome::Skipped;
                res.message = Some(format!(
                    "skipped: `when` is false ({})",
                    w.source
                        .trim()
                        .trim_start_matches("{{")
                        .trim_end_matches("}}")
                        .trim()
                ));
                return Ok(());
            }
        }
        if let Some(d) = r.delay {
            let t = Instant::now();
            self.sleep(d).await?;
            self.phase(res, PhaseKind::Delay, t);
        }
        let mut prepared = self.prepare(r)?;
        res.url = secret::redact(prepared.url.as_str());
        let oauth = match &r.auth {
            Auth::OAuth2(o) => Some(TokenRequest {
                token_url: o
                    .token_url
                    .render_string(self.scope)
                    .map_err(|e| self.render_error("oauth2 token_url", e))?,
                client_id: o
                    .client_id
                    .render_string(self.scope)
                    .map_err(|e| self.render_error("oauth2 client_id", e))?,
                client_secret: o
                    .client_secret
                    .render_string(self.scope)
                    .map_err(|e| self.render_error("oauth2 client_secret", e))?,
                scope: match &o.scope {
                    Some(s) => Some(
                        s.render_string(self.scope)
                            .map_err(|e| self.render_error("oauth2 scope", e))?,
                    ),
                    None => None,
                },
                client_auth: o.client_auth,
            }),
            _ => None,
        };
        if let Some(t) = &oauth {
            secret::register(&t.client_id);
            secret::register(&t.client_secret);
        }
        let attempts = r.retry.map_or(1, |x| x.attempts);
        let interval = r.retry.map_or(Duration::ZERO, |x| x.interval);
        let mut resent_after_401 = false;
        let mut attempt = 0;
        let (response, assertions) = loop {
            attempt += 1;
            let mut token_used = None;
            if let Some(t) = &oauth {
                let t0 = Instant::now();
                let token = self
                    .ctx
                    .tokens
                    .token(self.ctx.http.raw(), t)
                    .await
                    .map_err(|e| Stop::Failed(e.to_string()))?;
                if token.fetched.is_some() {
                    self.phase(res, PhaseKind::Token, t0);
                }
                secret::register(&token.value);
                if let Some(f) = &token.fetched {
                    res.notes.push(format!(
                        "OAuth2 token: POST {} -> {} ({})",
                        f.url,
                        f.status,
                        crate::duration::human(f.duration)
                    ));
                }
                set_header(
                    &mut prepared.headers,
                    "Authorization",
                    format!("Bearer {}", token.value),
                );
                token_used = Some(token.value);
            }
            res.attempts += 1;
            let t0 = Instant::now();
            let sent = {
                let mut cancel = self.ctx.cancel.clone();
                tokio::select! {
                    r = self.ctx.http.send(&prepared, self.jar) => r,
                    _ = cancel.wait_for(|c| *c) => return Err(Stop::Interrupted),
                }
            };
            self.phase(res, PhaseKind::Send, t0);
            let response = match sent {
                Ok(resp) => resp,
                Err(e) => {
                    if attempt < attempts {
                        let t = Instant::now();
                        self.sleep(interval).await?;
                        self.phase(res, PhaseKind::Wait, t);
                        continue;
                    }
                    res.request = Some(self.sent(&prepared));
                    return Err(Stop::Error(e.to_string()));
                }
            };
            if response.status == 401
                && !resent_after_401
                && let (Some(t), Some(tok)) = (&oauth, &token_used)
            {
                self.ctx.tokens.invalidate(t, tok);
                resent_after_401 = true;
                attempt -= 1;
                continue;
            }
            let assertions = r.expect.check(&response, self.scope);
            if attempt >= attempts || assertions.iter().all(|a| a.passed) {
                break (response, assertions);
            }
            let t = Instant::now();
            self.sleep(interval).await?;
            self.phase(res, PhaseKind::Wait, t);
        };
        let mut failed = assertions.iter().any(|a| !a.passed);
        for c in &r.captures {
            match capture::run(c, &response) {
                Ok(v) => {
                    if c.secret {
                        register_json(&v);
                    }
                    self.scope.set(c.var.clone(), &v);
                    self.failed_captures.remove(&c.var);
                    res.captures.push(CaptureResult {
                        name: c.var.clone(),
                        value: None,
                        secret: c.secret,
                        error: None,
                    });
                    // Keep the value only after every secret of this response is known.
                    if let Some(last) = res.captures.last_mut() {
                        last.value = Some(v);
                    }
                }
                Err(msg) => {
                    failed = true;
                    self.failed_captures.insert(c.var.clone(), r.name.clone());
                    res.captures.push(CaptureResult {
                        name: c.var.clone(),
                        value: None,
                        secret: c.secret,
                        error: Some(msg),
                    });
                }
            }
        }
        for cap in &mut res.captures {
            cap.value = cap.value.take().map(|v| {
                if cap.secret {
                    Json::String(secret::MASK.into())
                } else {
                    secret::redact_json(&v)
                }
            });
            cap.error = cap.error.take().map(|e| secret::redact(&e));
        }
        res.assertions = assertions.into_iter().map(redact_assertion).collect();
        if failed {
            res.outcome = Outcome::Failed;
        }
        if failed || self.ctx.opts.keep_exchange {
            res.request = Some(self.sent(&prepared));
            res.response = Some(received(&response));
        } else {
            res.response = Some(ReceivedResponse {
                status: response.status,
                headers: Vec::new(),
                body: String::new(),
            });
        }
        Ok(())
    }

    fn phase(&self, res: &mut RequestResult, kind: PhaseKind, since: Instant) {
        res.phases.push(Phase {
            kind,
            start: since.duration_since(self.ctx.started),
            duration: since.elapsed(),
        });
    }

    async fn sleep(&self, d: Duration) -> Result<(), Stop> {
        if d.is_zero() {
            return Ok(());
        }
        let mut cancel = self.ctx.cancel.clone();
        tokio::select! {
            _ = tokio::time::sleep(d) => Ok(()),
            _ = cancel.wait_for(|c| *c) => Err(Stop::Interrupted),
        }
    }

    fn sent(&self, p: &Prepared) -> SentRequest {
        SentRequest {
            method: p.method.clone(),
            url: secret::redact(p.url.as_str()),
            headers: p
                .headers
                .iter()
                .map(|(k, v)| (k.clone(), secret::redact_header(k, v)))
                .collect(),
            body: p.body.display().map(|b| secret::redact(&b)),
        }
    }

    /// Render everything but OAuth2 into a request ready to send.
    fn prepare(&self, r: &Request) -> Result<Prepared, Stop> {
        let scope = &*self.scope;
        let url_text = r
            .url
            .render_string(scope)
            .map_err(|e| self.render_error("url", e))?;
        let mut url = url::Url::parse(url_text.trim()).map_err(|e| {
            Stop::Failed(format!(
                "`{}` is not a valid URL: {e} (write it with a scheme: https://...)",
                secret::redact(&url_text)
            ))
        })?;
        let mut query: Vec<(String, String)> = Vec::new();
        for (k, v) in &r.query {
            let value = v
                .render(scope)
                .map_err(|e| self.render_error(&format!("query `{k}`"), e))?;
            push_values(&mut query, k, &value);
        }
        let mut headers: Vec<(String, String)> = Vec::with_capacity(r.headers.len() + 2);
        for (k, v) in &r.headers {
            let value = v
                .render_string(scope)
                .map_err(|e| self.render_error(&format!("header `{k}`"), e))?;
            headers.push((k.clone(), value));
        }
        match &r.auth {
            Auth::None | Auth::OAuth2(_) => {}
            Auth::Basic { username, password } => {
                let u = username
                    .render_string(scope)
                    .map_err(|e| self.render_error("basic auth username", e))?;
                let p = password
                    .render_string(scope)
                    .map_err(|e| self.render_error("basic auth password", e))?;
                secret::register(&p);
                let token = base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"));
                secret::register(&token);
                set_default_header(&mut headers, "Authorization", format!("Basic {token}"));
            }
            Auth::Bearer(t) => {
                let token = t
                    .render_string(scope)
                    .map_err(|e| self.render_error("bearer token", e))?;
                secret::register(&token);
                set_default_header(&mut headers, "Authorization", format!("Bearer {token}"));
            }
            Auth::ApiKey {
                location,
                name,
                value,
            } => {
                let v = value
                    .render_string(scope)
                    .map_err(|e| self.render_error("api_key value", e))?;
                secret::register(&v);
                match location {
                    ApiKeyIn::Header => set_default_header(&mut headers, name, v),
                    ApiKeyIn::Query => query.push((name.clone(), v)),
                }
            }
        }
        if !query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in &query {
                pairs.append_pair(k, v);
            }
        }
        let body = match &r.body {
            None => PreparedBody::None,
            Some(Body::Json(v)) => {
                let value = v
                    .render(scope)
                    .map_err(|e| self.render_error("json body", e))?;
                set_default_header(&mut headers, "Content-Type", "application/json".into());
                PreparedBody::Bytes(serde_json::to_vec(&value).unwrap_or_default())
            }
            Some(Body::Form(fields)) => {
                let mut pairs: Vec<(String, String)> = Vec::new();
                for (k, v) in fields {
                    let value = v
                        .render(scope)
                        .map_err(|e| self.render_error(&format!("form field `{k}`"), e))?;
                    push_values(&mut pairs, k, &value);
                }
                let encoded = url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(&pairs)
                    .finish();
                set_default_header(
                    &mut headers,
                    "Content-Type",
                    "application/x-www-form-urlencoded".into(),
                );
                PreparedBody::Bytes(encoded.into_bytes())
            }
            Some(Body::Multipart(parts)) => {
                let mut out = Vec::new();
                for (name, part) in parts {
                    let value = match part {
                        Part::Text(v) => {
                            MultipartValue::Text(json_text(&v.render(scope).map_err(|e| {
                                self.render_error(&format!("multipart field `{name}`"), e)
                            })?))
                        }
                        Part::File { path, content_type } => MultipartValue::File {
                            file_name: path
                                .file_name()
                                .map(|f| f.to_string_lossy().into_owned())
                                .unwrap_or_default(),
                            bytes: Arc::new(std::fs::read(path).map_err(|e| {
                                Stop::Failed(format!("cannot read {}: {e}", path.display()))
                            })?),
                            content_type: content_type.clone(),
                        },
                    };
                    out.push(MultipartPart {
                        name: name.clone(),
                        value,
                    });
                }
                PreparedBody::Multipart(out)
            }
            Some(Body::Raw(t)) => {
                let text = t
                    .render_string(scope)
                    .map_err(|e| self.render_error("body", e))?;
                set_default_header(
                    &mut headers,
                    "Content-Type",
                    "text/plain; charset=utf-8".into(),
                );
                PreparedBody::Bytes(text.into_bytes())
            }
            Some(Body::File(path)) => {
                let bytes = std::fs::read(path)
                    .map_err(|e| Stop::Failed(format!("cannot read {}: {e}", path.display())))?;
                set_default_header(
                    &mut headers,
                    "Content-Type",
                    "application/octet-stream".into(),
                );
                PreparedBody::Bytes(bytes)
            }
        };
        Ok(Prepared {
            method: r.method.clone(),
            url,
            headers,
            body,
            timeout: r.timeout.unwrap_or(self.ctx.opts.default_timeout),
            follow_redirects: r.follow_redirects,
        })
    }
}

/// Lists become repeated parameters; everything else its plain text.
fn push_values(out: &mut Vec<(String, String)>, key: &str, value: &Json) {
    match value {
        Json::Array(items) => items
            .iter()
            .for_each(|i| out.push((key.to_string(), json_text(i)))),
        Json::Null => {}
        v => out.push((key.to_string(), json_text(v))),
    }
}

/// Set a header unless the request already gives it (the request's own value wins).
fn set_default_header(headers: &mut Vec<(String, String)>, name: &str, value: String) {
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(name)) {
        headers.push((name.to_string(), value));
    }
}

fn set_header(headers: &mut Vec<(String, String)>, name: &str, value: String) {
    headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
    headers.push((name.to_string(), value));
}

fn register_json(v: &Json) {
    match v {
        Json::Array(items) => items.iter().for_each(register_json),
        Json::Object(o) => o.values().for_each(register_json),
        other => secret::register(&json_text(other)),
    }
}

fn received(r: &Response) -> ReceivedResponse {
    ReceivedResponse {
        status: r.status,
        headers: r
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), secret::redact_header(k, v)))
            .collect(),
        body: secret::redact(&r.text()),
    }
}

fn redact_assertion(mut a: AssertionResult) -> AssertionResult {
    a.expected = secret::redact(&a.expected);
    a.actual = secret::redact(&a.actual);
    a.diff = a.diff.map(|d| secret::redact(&d));
    a.message = a.message.map(|m| secret::redact(&m));
    a
}
