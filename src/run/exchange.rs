//! A step that sends: built, prepared, OAuth2 token, sent (retries, the 401 refetch),
//! checked (expectations, snapshot, OpenAPI contract), captured, recorded.

use std::time::{Duration, Instant};

use super::phase::{captures, ready, register_secret_captures, render_for, snapshot};
use super::renderer::{StepError, location};
use super::{CollectionState, Ctx};
use crate::format::model::{Request, Send};
use crate::http::builder;
use crate::http::response::{Response, cut};
use crate::http::{self, Exchange, Hop, Prepared};
use crate::report::event::{
    AssertionResult, Outcome, PhaseKind, ReceivedResponse, Redirect, RequestResult, SentRequest,
    TokenExchange,
};
use crate::secret::Secrets;

/// The most of a body an event keeps (masked before it is cut).
pub(super) const BODY_KEPT: usize = 256 * 1024;

pub(super) async fn sending(
    ctx: &Ctx,
    r: &Request,
    s: &Send,
    state: &mut CollectionState,
    res: &mut RequestResult,
) -> Result<(), StepError> {
    if !ready(ctx, r, state, res).await? {
        return Ok(());
    }
    let secrets = &ctx.services.secrets;
    let built = builder::build(s, &mut render_for(ctx, r, state))?;
    for (k, v) in &built.headers {
        secrets.register_header(k, v);
    }
    let mut prepared =
        http::prepare(&built, ctx.opts.default_timeout).map_err(|e| StepError::Prepare {
            source: e,
            at: location(&r.span.file.path, s.url.pos),
        })?;
    res.url = secrets.redact(prepared.url.as_str());
    let (exchange, assertions) = attempts(ctx, r, &built, &mut prepared, state, res).await?;
    res.assertions = assertions;
    status_body(&mut res.assertions, &exchange.response, secrets);
    snapshot(ctx, r, &exchange.response, res);
    if let Some(contract) = &state.contract
        && r.expect.openapi
    {
        contract_check(contract, r, &prepared, &exchange, secrets, res);
    }
    let failed = res.assertions.iter().any(|a| !a.passed);
    let capture_failed = captures(r, &exchange.response, state, secrets, res);
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

/// Send until every expectation holds or `retry` runs out (each attempt checked on its
/// own, `duration` included), with the OAuth2 token and its one refetch after a 401.
async fn attempts(
    ctx: &Ctx,
    r: &Request,
    built: &builder::Built,
    prepared: &mut Prepared,
    state: &CollectionState,
    res: &mut RequestResult,
) -> Result<(Exchange, Vec<AssertionResult>), StepError> {
    let secrets = &ctx.services.secrets;
    let attempts = r.retry.map_or(1, |x| x.attempts);
    let interval = r.retry.map_or(Duration::ZERO, |x| x.interval);
    let expects_401 = crate::verdict::expectation::status_holds(&r.expect, 401, &state.scope);
    let mut resent_after_401 = false;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let mut token_used = None;
        if let Some(spec) = &built.oauth2 {
            let token = bearer(ctx, spec, prepared.timeout, res).await?;
            set_header(prepared, "Authorization", format!("Bearer {token}"));
            token_used = Some(token);
        }
        res.attempts += 1;
        let t0 = Instant::now();
        let sent = ctx
            .cancellable(
                ctx.services
                    .http
                    .send(prepared, state.jar.as_ref(), ctx.opts.max_body),
            )
            .await?;
        ctx.phase(res, PhaseKind::Send, t0);
        let exchange = match sent {
            Ok(x) => x,
            Err(_) if attempt < attempts => {
                wait(ctx, interval, res).await?;
                continue;
            }
            Err(e) => {
                res.request = Some(sent_request(prepared, None, secrets));
                return Err(e.into());
            }
        };
        received_secrets(ctx, &exchange);
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
        // What a `secret: true` capture takes from this response is secret before any
        // expectation shows (and cuts) a part of it.
        register_secret_captures(r, &exchange.response, secrets);
        let jar = jar_for(r, state, &exchange);
        let assertions = crate::verdict::expectation::check_in_jar(
            &r.expect,
            &exchange.response,
            &state.scope,
            secrets,
            jar.as_deref(),
        );
        if attempt >= attempts || assertions.iter().all(|a| a.passed) {
            return Ok((exchange, assertions));
        }
        wait(ctx, interval, res).await?;
    }
}

/// The cookies the collection's jar holds for the URL that answered, as a `Cookie` header
/// says them, when a check reads them.
fn jar_for(r: &Request, state: &CollectionState, exchange: &Exchange) -> Option<String> {
    if !crate::verdict::expectation::reads_cookies(&r.expect) {
        return None;
    }
    let url = url::Url::parse(&exchange.hops.last()?.url).ok()?;
    let cookies = reqwest::cookie::CookieStore::cookies(state.jar.as_ref()?, &url)?;
    Some(String::from_utf8_lossy(cookies.as_bytes()).into_owned())
}

/// The `retry.interval` wait between two sends.
async fn wait(ctx: &Ctx, interval: Duration, res: &mut RequestResult) -> Result<(), StepError> {
    let t = Instant::now();
    ctx.sleep(interval).await?;
    ctx.phase(res, PhaseKind::Wait, t);
    Ok(())
}

/// What an exchange's headers make secret, and the exchange recorded (`--record`).
fn received_secrets(ctx: &Ctx, exchange: &Exchange) {
    let secrets = &ctx.services.secrets;
    for hop in &exchange.hops {
        for (k, v) in &hop.response_headers {
            secrets.register_header(k, v);
        }
    }
    if let Some(rec) = &ctx.services.recorder {
        record(rec, exchange);
    }
    for (k, v) in &exchange.response.headers {
        secrets.register_header(k, v);
    }
}

/// The OAuth2 access token for this send (fetched, or from the run's cache), with the
/// exchange noted on the result when it was fetched now.
async fn bearer(
    ctx: &Ctx,
    spec: &builder::TokenSpec,
    timeout: Duration,
    res: &mut RequestResult,
) -> Result<String, StepError> {
    let secrets = &ctx.services.secrets;
    let t0 = Instant::now();
    let token = ctx
        .cancellable(
            ctx.services
                .tokens
                .token(ctx.services.http.raw(), spec, secrets, timeout),
        )
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
    Ok(token.value)
}

/// The most of a body a failed `status` check shows without `-v`: where a server says why.
const STATUS_BODY: usize = 200;

/// A failed `status` check shows the start of the body (masked, then cut).
fn status_body(assertions: &mut [AssertionResult], response: &Response, secrets: &Secrets) {
    if response.body.is_empty() && response.over_limit.is_none() {
        return;
    }
    for a in assertions.iter_mut() {
        if a.subject == "status" && !a.passed && a.message.is_none() {
            let body = response.shown_body_cut(secrets, STATUS_BODY);
            a.message = Some(format!("body: {body}"));
        }
    }
}

/// The OpenAPI contract's verdict on the response, as failed assertions.
fn contract_check(
    contract: &crate::openapi::Contract,
    r: &Request,
    prepared: &Prepared,
    exchange: &Exchange,
    secrets: &Secrets,
    res: &mut RequestResult,
) {
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

/// Every hop of an exchange, for `--record`.
fn record(rec: &crate::run::recorder::Recorder, x: &Exchange) {
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
    let sent = method == p.method;
    let body = p
        .body_display
        .as_ref()
        .filter(|_| sent)
        .map(|b| cut(&secrets.redact(b), BODY_KEPT));
    SentRequest {
        method,
        url: secrets.redact(&url),
        headers: redact_headers(&headers, secrets),
        body,
        body_bytes: p.body.as_ref().filter(|_| sent).map(Vec::len),
    }
}

pub(super) fn received(r: &Response, secrets: &Secrets) -> ReceivedResponse {
    ReceivedResponse {
        status: r.status,
        headers: redact_headers(&r.headers, secrets),
        body: r.shown_body_cut(secrets, BODY_KEPT),
    }
}
