//! A `receive` step: wait on the run's listener for an inbound request, answer it, then check
//! and capture from it as from a response.

use std::time::{Duration, Instant};

use super::listener::{Expected, Reply};
use super::phase::{captures, ready, register_secret_captures, render_for, snapshot};
use super::renderer::StepError;
use super::{CollectionState, Ctx};
use crate::format::model::{Collection, Receive, Request, RespondBody, Step};
use crate::http::builder::Render as _;
use crate::http::response::{Response, cut};
use crate::report::event::{Outcome, PhaseKind, ReceivedResponse, RequestResult, SentRequest};
use crate::secret::Secrets;
use crate::template::{TemplateError, Tmpl, Vars};

/// How long a sender that arrived early is kept waiting for its step's answer.
const MAX_HOLD: Duration = Duration::from_secs(30);

/// What every receive step of these collections waits for, for the listener to know at once
/// which inbound requests to queue and which to answer 404.
pub fn expected(collections: &[&Collection]) -> Vec<Expected> {
    let mut out = Vec::new();
    for c in collections {
        for step in &c.steps {
            if let Step::Request(r) = step
                && let crate::format::model::Action::Receive(rc) = &r.action
            {
                out.push(Expected {
                    method: rc.method.clone(),
                    path: rc.path.clone(),
                    hold: rc.timeout.min(MAX_HOLD),
                    fallback: reply(rc, &Vars::new()).unwrap_or_else(|_| Reply::ok()),
                });
            }
        }
    }
    out
}

/// Why an answer could not be rendered: what, where, and the template's error.
type ReplyError = (String, crate::problem::source::Pos, TemplateError);

/// The answer, rendered with `vars`.
fn reply(rc: &Receive, vars: &Vars) -> Result<Reply, ReplyError> {
    let text = |what: String, t: &Tmpl| t.render_string(vars).map_err(|e| (what, t.pos, e));
    let mut headers = Vec::new();
    for (k, v) in &rc.respond.headers {
        headers.push((k.clone(), text(format!("respond header `{k}`"), v)?));
    }
    let mut content_type = |ct: &str| {
        if !headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        {
            headers.push(("content-type".into(), ct.into()));
        }
    };
    let body = match &rc.respond.body {
        RespondBody::None => Vec::new(),
        RespondBody::Text(t) => {
            content_type("text/plain; charset=utf-8");
            text("respond body".into(), t)?.into_bytes()
        }
        RespondBody::Json(v) => {
            content_type("application/json");
            let value = v.render(vars).map_err(|e| {
                let mut ts = Vec::new();
                v.templates(&mut ts);
                let pos = ts.first().map(|t| t.pos).unwrap_or_default();
                ("respond json".to_string(), pos, e)
            })?;
            serde_json::to_vec(&value).unwrap_or_default()
        }
    };
    Ok(Reply {
        status: rc.respond.status,
        headers,
        body,
    })
}

pub(super) async fn receiving(
    ctx: &Ctx,
    r: &Request,
    rc: &Receive,
    state: &mut CollectionState,
    res: &mut RequestResult,
) -> Result<(), StepError> {
    if !ready(ctx, r, state, res).await? {
        return Ok(());
    }
    let secrets = &ctx.services.secrets;
    let Some(listener) = &ctx.services.listener else {
        return Err(StepError::Failed(
            "baton is not listening: a receive step needs the run's listener".into(),
        ));
    };
    let pattern = match &rc.path_template {
        Some(t) => {
            let path = render_for(ctx, r, state).text("receive path", t)?;
            crate::format::path_pattern(&path)
        }
        None => rc.path.clone(),
    };
    res.url = secrets.redact(&format!("{}{}", listener.base_url(), pattern.text));
    let t0 = Instant::now();
    let inbound = wait_for(ctx, listener, rc, &pattern, t0).await;
    ctx.phase(res, PhaseKind::Receive, t0);
    let mut inbound = inbound?;
    for (k, v) in &inbound.headers {
        secrets.register_header(k, v);
    }
    let answer = match reply(rc, &state.scope) {
        Ok(a) => a,
        Err((what, pos, e)) => {
            inbound
                .answer(Reply {
                    status: 500,
                    headers: Vec::new(),
                    body: b"baton could not render its answer".to_vec(),
                })
                .await;
            return Err(render_for(ctx, r, state).error(&what, pos, e));
        }
    };
    if !ctx.cancellable(inbound.answer(answer.clone())).await? {
        res.notes.push(format!(
            "the sender was answered before this step took its request, with the step's `respond` rendered without the collection's variables (it waited {}, the most this step allows)",
            as_written(rc.timeout.min(MAX_HOLD))
        ));
    }
    res.attempts = 1;
    judge(ctx, r, state, res, &inbound, t0);
    res.response = Some(ReceivedResponse {
        status: answer.status,
        headers: answer
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), secrets.redact_header(k, v)))
            .collect(),
        body: cut(
            &secrets.redact(&String::from_utf8_lossy(&answer.body)),
            4096,
        ),
    });
    Ok(())
}

/// The inbound request this step waits for, or why it did not come (with what came instead).
async fn wait_for(
    ctx: &Ctx,
    listener: &super::Listener,
    rc: &Receive,
    pattern: &crate::format::model::PathPattern,
    t0: Instant,
) -> Result<super::listener::Inbound, StepError> {
    let taken = ctx
        .cancellable(listener.take(&rc.method, pattern, t0 + rc.timeout))
        .await?;
    match taken {
        Ok((inbound, _params)) => Ok(inbound),
        Err(other) => {
            let shown = format!("{} {}", rc.method, pattern.text);
            let mut m = format!("no {shown} within {}", as_written(rc.timeout));
            if other.is_empty() {
                m.push_str("; nothing else arrived");
            } else {
                m.push_str("; what arrived instead:");
                for o in other.iter().take(10) {
                    m.push_str(&format!("\n  {o}"));
                }
            }
            Err(StepError::Failed(ctx.services.secrets.redact(&m)))
        }
    }
}

/// The inbound request checked and captured from as a response would be.
fn judge(
    ctx: &Ctx,
    r: &Request,
    state: &mut CollectionState,
    res: &mut RequestResult,
    inbound: &super::listener::Inbound,
    t0: Instant,
) {
    let secrets = &ctx.services.secrets;
    let mut message = Response::new(
        0,
        inbound.headers.clone(),
        inbound.body.clone(),
        inbound.arrived.saturating_duration_since(t0),
    );
    message.query = inbound.query.clone();
    register_secret_captures(r, &message, secrets);
    res.assertions = crate::verdict::expectation::check(&r.expect, &message, &state.scope, secrets);
    snapshot(ctx, r, &message, res);
    let failed = res.assertions.iter().any(|a| !a.passed);
    let capture_failed = captures(r, &message, state, secrets, res);
    if failed || capture_failed {
        res.outcome = Outcome::Failed;
    }
    res.request = Some(inbound_shown(&inbound.describe(), &message, secrets));
}

/// The inbound request as reports show it (in the place of what baton sent).
fn inbound_shown(line: &str, m: &Response, secrets: &Secrets) -> SentRequest {
    let (method, url) = line.split_once(' ').unwrap_or((line, ""));
    SentRequest {
        method: method.to_string(),
        url: secrets.redact(url),
        headers: m
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), secrets.redact_header(k, v)))
            .collect(),
        body: (!m.body.is_empty()).then(|| cut(&m.shown_body(secrets), 256 * 1024)),
        body_bytes: (!m.body.is_empty()).then_some(m.body.len()),
    }
}

/// A duration the way a collection writes it: `1s`, `500ms`, `1m30s`, `1.5s`.
fn as_written(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        return format!("{ms}ms");
    }
    if !ms.is_multiple_of(1000) {
        let s = format!("{:.3}", d.as_secs_f64());
        return format!("{}s", s.trim_end_matches('0'));
    }
    let secs = d.as_secs();
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    let mut out = String::new();
    for (n, unit) in [(h, "h"), (m, "m"), (s, "s")] {
        if n > 0 {
            out.push_str(&format!("{n}{unit}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::as_written;
    use std::time::Duration;

    #[test]
    fn durations_as_written() {
        let ms = Duration::from_millis;
        assert_eq!(as_written(ms(1000)), "1s");
        assert_eq!(as_written(ms(250)), "250ms");
        assert_eq!(as_written(ms(90_000)), "1m30s");
        assert_eq!(as_written(ms(1500)), "1.5s");
        assert_eq!(as_written(ms(3_600_000)), "1h");
        assert_eq!(as_written(ms(30_000)), "30s");
    }
}
