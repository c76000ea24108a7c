//! `--report json=PATH`: one JSON document with every collection, request, response status and
//! timing, capture (secrets `***`) and expectation result. Shape: docs/report-json.md;
//! JSON Schema: schema/report.schema.json.

use std::path::PathBuf;

use serde_json::{Value as Json, json};

use super::{Collected, FileReporter, KeptRequest};
use crate::report::event::Outcome;

pub fn reporter(path: PathBuf) -> FileReporter {
    FileReporter::new(path, render)
}

fn ms(d: std::time::Duration) -> f64 {
    (d.as_secs_f64() * 1_000_000.0).round() / 1000.0
}

fn outcome(o: Outcome) -> &'static str {
    match o {
        Outcome::Passed => "passed",
        Outcome::Failed => "failed",
        Outcome::Skipped => "skipped",
        Outcome::Error => "error",
        Outcome::Interrupted => "interrupted",
    }
}

fn headers(h: &[(String, String)]) -> Json {
    Json::Array(
        h.iter()
            .map(|(k, v)| json!({ "name": k, "value": v }))
            .collect(),
    )
}

fn request(k: &KeptRequest) -> Json {
    let r = &k.result;
    json!({
        "name": r.name,
        "file": r.file.display().to_string(),
        "line": r.line,
        "method": r.method,
        "url": r.url,
        "outcome": outcome(r.outcome),
        "message": r.message,
        "attempts": r.attempts,
        "started_ms": ms(r.started),
        "duration_ms": ms(r.duration),
        "phases": r.phases.iter().map(|p| json!({
            "kind": p.kind.name(), "start_ms": ms(p.start), "duration_ms": ms(p.duration),
        })).collect::<Vec<_>>(),
        "request": r.request.as_ref().map(|q| json!({
            "method": q.method, "url": q.url, "headers": headers(&q.headers), "body": q.body,
            "body_bytes": k.request_body_bytes, "body_truncated": k.request_body_cut().is_some(),
        })),
        "response": r.response.as_ref().map(|p| json!({
            "status": p.status, "headers": headers(&p.headers), "body": p.body,
            "body_bytes": k.response_body_bytes.unwrap_or(p.body.len()),
            "body_truncated": k.response_body_cut().is_some(),
        })),
        "captures": r.captures.iter().map(|c| json!({
            "name": c.name, "value": c.value, "secret": c.secret, "error": c.error,
        })).collect::<Vec<_>>(),
        "assertions": r.assertions.iter().map(|a| json!({
            "subject": a.subject, "predicate": a.predicate, "passed": a.passed,
            "expected": a.expected, "actual": a.actual, "diff": a.diff, "message": a.message, "line": a.line,
        })).collect::<Vec<_>>(),
        "notes": r.notes,
    })
}

/// The report document.
pub fn document(c: &Collected) -> Json {
    let s = c.summary();
    json!({
        "version": 1,
        "tool": "baton",
        "tool_version": env!("CARGO_PKG_VERSION"),
        "summary": {
            "passed": s.counts.passed,
            "failed": s.counts.failed,
            "skipped": s.counts.skipped,
            "errors": s.counts.errors,
            "interrupted": s.counts.interrupted,
            "total": s.counts.passed + s.counts.failed + s.counts.skipped + s.counts.errors + s.counts.interrupted,
            "duration_ms": ms(s.duration),
            "run_interrupted": s.interrupted,
        },
        "collections": c.collections.iter().map(|col| json!({
            "name": col.info.name,
            "path": col.info.path.display().to_string(),
            "iteration": col.info.iteration,
            "duration_ms": ms(col.duration),
            "passed": col.counts.passed,
            "failed": col.counts.failed + col.counts.errors + col.counts.interrupted,
            "skipped": col.counts.skipped,
            "requests": col.requests.iter().map(request).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

fn render(c: &Collected) -> String {
    let mut s = serde_json::to_string_pretty(&document(c)).unwrap_or_default();
    s.push('\n');
    s
}
