//! One step of a collection: `when`, `for_each`, `delay`, building and sending (with OAuth2,
//! retries and the 401 refetch), then expectations and captures, into a `RequestResult`
//! whose every string is redacted.

use std::time::{Duration, Instant};

use serde_json::Value as Json;

use super::render::{RunRender, StepError, location};
use super::{CollectionState, Ctx};
use crate::build;
use crate::collection::model::{Action, Collection, Request, Send};
use crate::event::{
    AssertionResult, CaptureResult, Event, Outcome, Phase, PhaseKind, ReceivedResponse, Redirect,
    RequestResult, SentRequest, TokenExchange,
};
use crate::http::{self, Exchange, Hop, Prepared};
use crate::response::{Response, cut};
use crate::secret::{MASK, Secrets};
use crate::template::json_text;

/// The most of a body an event keeps (masked before it is cut).
const BODY_KEPT: usize = 256 * 1024;

/// Run a request: once, once per `for_each` item, or not at all (skipped).
pub(super) async fn run(
    ctx: &Ctx,
    c: &Collection,
    index: usize,
    r: &Request,
    state: &mut CollectionState,
    send: &impl Fn(Event),
) -> Vec<RequestResult> {
    let Some(list) = &r.for_each else {
        return vec![one(ctx, c, index, r, &r.name, state, send).await];
    };
    let items = {
        let render = render_for(ctx, r, state);
        match crate::build::Render::value(&mut { render }, "for_each", list) {
            Ok(Json::Array(items)) => Ok(items),
            Ok(other) => Err(StepError::ForEach(format!(
                "`for_each` must give a list, got {}",
                cut(&ctx.services.secrets.redact(&other.to_string()), 80)
            ))),
            Err(e) => Err(e),
        }
    };
    let items = match items {
        Ok(items) => items,
        Err(e) => {
            let mut res = result(ctx, c, index, r, &r.name, Instant::now());
            res.outcome = e.outcome();
            res.message = Some(ctx.services.secrets.redact(&e.to_string()));
            return vec![res];
        }
    };
    if items.is_empty() {
        let mut res = result(ctx, c, index, r, &r.name, Instant::now());
        res.outcome = Outcome::Skipped;
        res.message = Some("skipped: the `for_each` list is empty".into());
        return vec![res];
    }
    let before = (state.scope.get("item"), state.scope.get("index"));
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if ctx.cancelled() {
            break;
        }
        state.scope.set("item", item);
        state.scope.set("index", &Json::from(i));
        let name = format!("{} [{i}]", r.name);
        let res = one(ctx, c, index, r, &name, state, send).await;
        let stop = ctx.opts.fail_fast && matches!(res.outcome, Outcome::Failed | Outcome::Error);
        out.push(res);
        if stop {
            break;
        }
    }
    for (name, old) in [("item", before.0), ("index", before.1)] {
        match old {
            Some(v) => state.scope.set(name, &v),
            None => state.scope.remove(name),
        }
    }
    out
}

pub(super) fn render_for<'a>(
    ctx: &'a Ctx,
    r: &'a Request,
    state: &'a CollectionState,
) -> RunRender<'a> {
    RunRender {
        scope: &state.scope,
        secrets: &ctx.services.secrets,
        file: &r.span.file.path,
        failed_captures: &state.failed_captures,
        not_run: &state.not_run,
    }
}

fn result(
    ctx: &Ctx,
    c: &Collection,
    index: usize,
    r: &Request,
    name: &str,
    started: Instant,
) -> RequestResult {
    RequestResult {
        collection: index,
        collection_name: c.name.clone(),
        name: name.to_string(),
        file: r.span.file.path.clone(),
        line: r.span.pos.line,
        method: r.method().to_string(),
        url: String::new(),
        outcome: Outcome::Passed,
        message: None,
        request: None,
        response: None,
        redirects: Vec::new(),
        token_exchange: None,
        attempts: 0,
        started: started.duration_since(ctx.started),
        duration: Duration::ZERO,
        phases: Vec::new(),
        captures: Vec::new(),
        assertions: Vec::new(),
        notes: Vec::new(),
        notices: Vec::new(),
    }
}

async fn one(
    ctx: &Ctx,
    c: &Collection,
    index: usize,
    r: &Request,
    name: &str,
    state: &mut CollectionState,
    send: &impl Fn(Event),
) -> RequestResult {
    send(Event::RequestStarted {
        collection: index,
        name: name.to_string(),
    });
    let started = Instant::now();
    let mut res = result(ctx, c, index, r, name, started);
    let outcome = match &r.action {
        Action::Send(s) => sending(ctx, r, s, state, &mut res).await,
        Action::Receive(rc) => super::receive::receiving(ctx, r, rc, state, &mut res).await,
    };
    if let Err(e) = outcome {
        res.outcome = e.outcome();
        res.message = Some(ctx.services.secrets.redact(&e.to_string()));
    }
    res.duration = started.elapsed();
    res
}

impl Ctx {
    pub(super) fn phase(&self, res: &mut RequestResult, kind: PhaseKind, since: Instant) {
        res.phases.push(Phase {
            kind,
            start: since.duration_since(self.started),
            duration: since.elapsed(),
        });
    }

    pub(super) async fn sleep(&self, d: Duration) -> Result<(), StepError> {
        if d.is_zero() {
            return Ok(());
        }
        let mut cancel = self.services.cancel.clone();
        tokio::select! {
            _ = tokio::time::sleep(d) => Ok(()),
            _ = cancel.wait_for(|c| *c) => Err(StepError::Interrupted),
        }
    }

    /// Run `f` unless the run is cancelled first.
    pub(super) async fn cancellable<T>(&self, f: impl Future<Output = T>) -> Result<T, StepError> {
        let mut cancel = self.services.cancel.clone();
        tokio::select! {
            v = f => Ok(v),
            _ = cancel.wait_for(|c| *c) => Err(StepError::Interrupted),
        }
    }
}

/// `when`: Ok(false) when the step is skipped (the result says why).
pub(super) fn when(
    ctx: &Ctx,
    r: &Request,
    state: &CollectionState,
    res: &mut RequestResult,
) -> Result<bool, StepError> {
    let Some(w) = &r.when else { return Ok(true) };
    if render_for(ctx, r, state).condition(w)? {
        return Ok(true);
    }
    res.outcome = Outcome::Skipped;
    res.message = Some(format!(
        "skipped: `when` is false ({})",
        w.source
            .trim()
            .trim_start_matches("{{")
            .trim_end_matches("}}")
            .trim()
    ));
    Ok(false)
}

async fn sending(
    ctx: &Ctx,
    r: &Request,
    s: &Send,
    state: &mut CollectionState,
    res: &mut RequestResult,
) -> Result<(), StepError> {
    if !when(ctx, r, state, res)? {
        return Ok(());
    }
    if let Some(d) = r.delay {
        let t = Instant::now();
        ctx.sleep(d).await?;
        ctx.phase(res, PhaseKind::Delay, t);
    }
    let secrets = &ctx.services.secrets;
    let built = build::build(s, &mut render_for(ctx, r, state))?;
    for (k, v) in &built.headers {
        secrets.register_header(k, v);
    }
    let mut prepared =
        http::prepare(&built, ctx.opts.default_timeout).map_err(|e| StepError::Prepare {
            source: e,
            at: location(&r.span.file.path, s.url.pos),
        })?;
    res.url = secrets.redact(prepared.url.as_str());
    let attempts = r.retry.map_or(1, |x| x.attempts);
    let interval = r.retry.map_or(Duration::ZERO, |x| x.interval);
    let expects_401 = crate::expect::status_holds(&r.expect, 401, &state.scope);
    let mut resent_after_401 = false;
    let mut attempt = 0;
    let (exchange, assertions) = loop {
        attempt += 1;
        let mut token_used = None;
        if let Some(spec) = &built.oauth2 {
            let t0 = Instant::now();
            let token = ctx
                .cancellable(ctx.services.tokens.token(
                    ctx.services.http.raw(),
                    spec,
                    secrets,
                    prepared.timeout,
                ))
                .await??;
            if let Some(f) = &token.fetched {
                ctx.phase(res, PhaseKind::Token, t0);
                if let Some(rec) = &ctx.services.recorder {
                    rec.add_token(&f.url, f.status, &f.response_headers, &f.response_body);
                }
                res.notes.push(format!(
                    "OAuth2 token: POST {} -> {} ({})",
                    secrets.redact(&f.url),
                    f.status,
                    crate::duration::human(f.duration)
                ));
                res.token_exchange = Some(TokenExchange {
                    url: secrets.redact(&f.url),
                    request_headers: redact_headers(&f.request_headers, secrets),
                    request_body: secrets.redact(&f.request_body),
                    status: f.status,
                    response_headers: redact_headers(&f.response_headers, secrets),
                    response_body: cut(&secrets.redact(&f.response_body), BODY_KEPT),
                    duration: f.duration,
                });
            }
            set_header(
                &mut prepared,
                "Authorization",
                format!("Bearer {}", token.value),
            );
            token_used = Some(token.value);
        }
        res.attempts += 1;
        let t0 = Instant::now();
        let sent = ctx
            .cancellable(
                ctx.services
                    .http
                    .send(&prepared, state.jar.as_ref(), ctx.opts.max_body),
            )
            .await?;
        ctx.phase(res, PhaseKind::Send, t0);
        let exchange = match sent {
            Ok(x) => x,
            Err(e) => {
                if attempt < attempts {
                    let t = Instant::now();
                    ctx.sleep(interval).await?;
                    ctx.phase(res, PhaseKind::Wait, t);
                    continue;
                }
                res.request = Some(sent_request(&prepared, None, secrets));
                return Err(e.into());
            }
        };
        for hop in &exchange.hops {
            for (k, v) in &hop.response_headers {
                secrets.register_header(k, v);
            }
        }
        if let Some(rec) = &ctx.services.recorder {
            record(rec, &exchange);
        }
        for (k, v) in &exchange.response.headers {
            secrets.register_header(k, v);
        }
        if exchange.response.status == 401
            && !resent_after_401
            && !expects_401
            && let (Some(spec), Some(tok)) = (&built.oauth2, &token_used)
        {
            ctx.services.tokens.invalidate(spec, tok);
            resent_after_401 = true;
            attempt -= 1;
            continue;
        }
        let assertions = crate::expect::check(&r.expect, &exchange.response, &state.scope, secrets);
        if attempt >= attempts || assertions.iter().all(|a| a.passed) {
            break (exchange, assertions);
        }
        let t = Instant::now();
        ctx.sleep(interval).await?;
        ctx.phase(res, PhaseKind::Wait, t);
    };
    res.assertions = assertions;
    if let Some(contract) = &state.contract
        && r.expect.openapi
    {
        let url = exchange
            .hops
            .last()
            .and_then(|h| url::Url::parse(&h.url).ok())
            .unwrap_or_else(|| prepared.url.clone());
        let response = &exchange.response;
        let body = response
            .over_limit
            .is_none()
            .then_some(response.body.as_slice());
        for v in contract.check(
            exchange.hops.last().map_or(&prepared.method, |h| &h.method),
            &url,
            response.status,
            &response.headers,
            body,
        ) {
            res.assertions.push(AssertionResult {
                subject: "openapi".into(),
                predicate: String::new(),
                passed: false,
                expected: String::new(),
                actual: secrets.redact(&v.message),
                diff: None,
                message: None,
                line: r.span.pos.line,
            });
        }
    }
    let capture_failed = captures(r, &exchange.response, state, secrets, res);
    // After the captures: a secret captured from this response is masked in the file too.
    snapshot(ctx, r, &exchange.response, res);
    let failed = res.assertions.iter().any(|a| !a.passed);
    if failed || capture_failed {
        res.outcome = Outcome::Failed;
    }
    if failed || capture_failed || ctx.opts.keep_exchange {
        let (last, redirects) = split_hops(&exchange, secrets);
        res.request = Some(sent_request(&prepared, last, secrets));
        res.redirects = redirects;
        res.response = Some(received(&exchange.response, secrets));
    } else {
        res.response = Some(ReceivedResponse {
            status: exchange.response.status,
            headers: Vec::new(),
            body: String::new(),
        });
    }
    Ok(())
}

/// Every hop of an exchange, for `--record`.
fn record(rec: &crate::record::Recorder, x: &Exchange) {
    let Some((last, before)) = x.hops.split_last() else {
        return;
    };
    for h in before {
        if let Ok(url) = url::Url::parse(&h.url) {
            rec.add_hop(&h.method, &url, h.status, &h.response_headers);
        }
    }
    if let Ok(url) = url::Url::parse(&last.url) {
        rec.add(&last.method, &url, &x.response);
    }
}

/// Compare the body with its snapshot file, when the request asks for one.
pub(super) fn snapshot(ctx: &Ctx, r: &Request, response: &Response, res: &mut RequestResult) {
    let Some(spec) = &r.expect.snapshot else {
        return;
    };
    let checked = crate::snapshot::check(
        spec,
        &r.span.file.path,
        &res.name,
        response,
        &ctx.services.secrets,
        ctx.opts.snapshots,
    );
    res.assertions.push(checked.assertion);
    res.notices.extend(checked.note);
}

/// Run the captures; the results are filled in after every secret of this response is
/// known. Returns whether any failed.
pub(super) fn captures(
    r: &Request,
    response: &Response,
    state: &mut CollectionState,
    secrets: &Secrets,
    res: &mut RequestResult,
) -> bool {
    let mut failed = false;
    let mut values = Vec::new();
    for c in &r.captures {
        match crate::capture::run(c, response, secrets) {
            Ok(v) => {
                if c.secret {
                    register_json(&v, secrets);
                }
                state.scope.set(c.var.clone(), &v);
                state.failed_captures.remove(&c.var);
                values.push((c, Ok(v)));
            }
            Err(msg) => {
                failed = true;
                state.failed_captures.insert(c.var.clone(), r.name.clone());
                values.push((c, Err(msg)));
            }
        }
    }
    for (c, v) in values {
        res.captures.push(match v {
            Ok(v) => CaptureResult {
                name: c.var.clone(),
                value: Some(if c.secret {
                    Json::String(MASK.into())
                } else {
                    secrets.redact_json(&v)
                }),
                secret: c.secret,
                error: None,
            },
            Err(e) => CaptureResult {
                name: c.var.clone(),
                value: None,
                secret: c.secret,
                error: Some(secrets.redact(&e)),
            },
        });
    }
    // Secrets registered by captures count for what was shown before them, too.
    for a in &mut res.assertions {
        redact_assertion(a, secrets);
    }
    failed
}

fn register_json(v: &Json, secrets: &Secrets) {
    match v {
        Json::Array(items) => items.iter().for_each(|i| register_json(i, secrets)),
        Json::Object(o) => o.values().for_each(|i| register_json(i, secrets)),
        other => secrets.register(&json_text(other)),
    }
}

fn redact_assertion(a: &mut AssertionResult, secrets: &Secrets) {
    a.expected = secrets.redact(&a.expected);
    a.actual = secrets.redact(&a.actual);
    a.diff = a.diff.take().map(|d| secrets.redact(&d));
    a.message = a.message.take().map(|m| secrets.redact(&m));
}

fn set_header(p: &mut Prepared, name: &str, value: String) {
    p.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
    p.headers.push((name.to_string(), value));
}

fn redact_headers(h: &[(String, String)], secrets: &Secrets) -> Vec<(String, String)> {
    h.iter()
        .map(|(k, v)| (k.clone(), secrets.redact_header(k, v)))
        .collect()
}

/// The last hop (what answered) and the redirects before it.
fn split_hops<'a>(x: &'a Exchange, secrets: &Secrets) -> (Option<&'a Hop>, Vec<Redirect>) {
    let (last, before) = match x.hops.split_last() {
        Some((last, before)) => (Some(last), before),
        None => (None, &[][..]),
    };
    let redirects = before
        .iter()
        .map(|h| Redirect {
            method: h.method.clone(),
            url: secrets.redact(&h.url),
            headers: redact_headers(&h.headers, secrets),
            status: h.status,
            location: secrets.redact(h.location.as_deref().unwrap_or_default()),
            response_headers: redact_headers(&h.response_headers, secrets),
        })
        .collect();
    (last, redirects)
}

/// What was sent: the final hop as it went out, or the prepared request when nothing did.
pub(super) fn sent_request(p: &Prepared, hop: Option<&Hop>, secrets: &Secrets) -> SentRequest {
    let (method, url, headers) = match hop {
        Some(h) => (h.method.clone(), h.url.clone(), h.headers.clone()),
        None => (p.method.clone(), p.url.to_string(), p.headers.clone()),
    };
    // A redirect may have turned the request into a GET without a body.
    let body = if method == p.method {
        p.body_display
            .as_ref()
            .map(|b| cut(&secrets.redact(b), BODY_KEPT))
    } else {
        None
    };
    SentRequest {
        method,
        url: secrets.redact(&url),
        headers: redact_headers(&headers, secrets),
        body,
    }
}

pub(super) fn received(r: &Response, secrets: &Secrets) -> ReceivedResponse {
    ReceivedResponse {
        status: r.status,
        headers: redact_headers(&r.headers, secrets),
        body: cut(&r.shown_body(secrets), BODY_KEPT),
    }
}
