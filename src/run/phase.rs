//! What sending and receiving steps share: rendering with the collection's scope, `when`,
//! phases and cancellable waits, captures and snapshots.

use std::time::Instant;

use serde_json::Value as Json;

use super::renderer::{Missing, RunRender, StepError};
use super::{CollectionState, Ctx};
use crate::format::model::Request;
use crate::http::response::Response;
use crate::report::event::{AssertionResult, CaptureResult, Outcome, PhaseKind, RequestResult};
use crate::secret::{MASK, Secrets};
use crate::template::json_text;

pub(super) fn render_for<'a>(
    ctx: &'a Ctx,
    r: &'a Request,
    state: &'a CollectionState,
) -> RunRender<'a> {
    RunRender {
        scope: &state.scope,
        secrets: &ctx.services.secrets,
        file: &r.span.file.path,
        missing: &state.missing,
        not_run: &state.not_run,
    }
}

/// `when`, then `delay`: Ok(false) when the step is skipped (the result says why).
pub(super) async fn ready(
    ctx: &Ctx,
    r: &Request,
    state: &CollectionState,
    res: &mut RequestResult,
) -> Result<bool, StepError> {
    if !when(ctx, r, state, res)? {
        return Ok(false);
    }
    if let Some(d) = r.delay {
        let t = Instant::now();
        ctx.sleep(d).await?;
        ctx.phase(res, PhaseKind::Delay, t);
    }
    Ok(true)
}

/// `when`: Ok(false) when the step is skipped (the result says why).
fn when(
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

/// Compare the body with its snapshot file, when the request asks for one.
pub(super) fn snapshot(ctx: &Ctx, r: &Request, response: &Response, res: &mut RequestResult) {
    let Some(spec) = &r.expect.snapshot else {
        return;
    };
    let checked = crate::verdict::snapshot::check(
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
        match crate::verdict::capture::run(c, response, secrets) {
            Ok(v) => {
                if c.secret {
                    register_json(&v, secrets);
                }
                state.scope.set(c.var.clone(), &v);
                state.missing.remove(&c.var);
                values.push((c, Ok(v)));
            }
            Err(msg) => {
                failed = true;
                state.missing.insert(
                    c.var.clone(),
                    Missing::Skip(format!("capture `{}` of `{}` failed", c.var, r.name)),
                );
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

/// Register what `secret: true` captures take from a response, before anything shows it.
pub(super) fn register_secret_captures(r: &Request, response: &Response, secrets: &Secrets) {
    for c in r.captures.iter().filter(|c| c.secret) {
        if let Ok(v) = crate::verdict::capture::run(c, response, secrets) {
            register_json(&v, secrets);
        }
    }
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
