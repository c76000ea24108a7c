//! One step of a collection: `for_each` expanded, then each run dispatched to sending or
//! receiving, into a `RequestResult` whose every string is redacted.

use std::time::{Duration, Instant};

use serde_json::Value as Json;

use super::phase::render_for;
use super::renderer::{Missing, StepError};
use super::{CollectionState, Ctx};
use crate::format::model::{Action, Collection, Request};
use crate::http::response::cut;
use crate::report::event::{Event, Outcome, RequestResult};

/// The most items a `for_each` list may have: each becomes a request with its own result
/// in every report, so a runaway list would hold the run's memory and its reports.
pub(super) const MAX_FOR_EACH: usize = 10_000;

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
        match crate::http::builder::Render::value(&mut { render }, "for_each", list) {
            Ok(Json::Array(items)) if items.len() > MAX_FOR_EACH => {
                Err(StepError::Failed(format!(
                    "`for_each` gives {} items; at most {MAX_FOR_EACH} run (split the list, or use --data for a data-driven run)",
                    items.len()
                )))
            }
            Ok(Json::Array(items)) => Ok(items),
            Ok(other) => Err(StepError::Failed(format!(
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
            let cause = match e {
                StepError::Skipped(reason) => Some(reason),
                _ => None,
            };
            mark_missing(r, &res, cause, state);
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
            // The items not run count as skipped, like every request `--fail-fast` left.
            for j in i + 1..items.len() {
                out.push(not_run(ctx, c, index, r, &format!("{} [{j}]", r.name)));
            }
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
        Action::Send(s) => super::exchange::sending(ctx, r, s, state, &mut res).await,
        Action::Receive(rc) => super::inbound::receiving(ctx, r, rc, state, &mut res).await,
    };
    let mut skipped_for = None;
    if let Err(e) = outcome {
        res.outcome = e.outcome();
        res.message = Some(ctx.services.secrets.redact(&e.to_string()));
        if let StepError::Skipped(reason) = e {
            skipped_for = Some(reason);
        }
    }
    res.duration = started.elapsed();
    mark_missing(r, &res, skipped_for, state);
    res
}

/// What a request that did not get to its captures leaves missing, and why, so a later
/// request that needs it is skipped with the real cause (not the line that used it).
fn mark_missing(
    r: &Request,
    res: &RequestResult,
    skipped_for: Option<String>,
    state: &mut CollectionState,
) {
    let reason = |var: &str| match (res.outcome, &skipped_for) {
        (_, Some(cause)) => Some(cause.clone()),
        (Outcome::Error, _) => Some(format!("{} could not complete", r.name)),
        // Failed before its captures ran (a token request, a template): they failed too.
        (Outcome::Failed, _) if res.captures.is_empty() => {
            Some(format!("capture `{var}` of `{}` failed", r.name))
        }
        _ => None,
    };
    for cap in &r.captures {
        if let Some(why) = reason(&cap.var) {
            state.missing.insert(cap.var.clone(), Missing::Skip(why));
        }
    }
}

/// A request not run because `--fail-fast` stopped the run: reported skipped.
pub(super) fn not_run(
    ctx: &Ctx,
    c: &Collection,
    index: usize,
    r: &Request,
    name: &str,
) -> RequestResult {
    let mut res = result(ctx, c, index, r, name, Instant::now());
    res.outcome = Outcome::Skipped;
    res.message = Some("skipped: --fail-fast".into());
    res
}
