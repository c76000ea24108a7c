//! Reporters: events -> a writer or a file. The terminal one is always on; the others on request.

pub mod event;
pub mod github;
pub mod html;
mod html_timeline;
pub mod json;
pub mod junit;
mod masking;
pub mod progress;
pub mod summary;
pub mod terminal;
pub mod text;

use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value as Json;

use crate::report::event::{
    AssertionResult, CaptureResult, CollectionInfo, Counts, Event, ReceivedResponse, Reporter,
    RequestResult, RunSummary, SentRequest,
};
use crate::secret::Redacted;

/// At most this much of each body (and of any other long text: an assertion's actual value, a
/// diff, a captured value) goes into a report file: a 2 GB response makes a 16 KiB preview.
pub const PREVIEW: usize = 16 * 1024;

/// A request as the file reports keep it: its result with every body cut to a preview, and the
/// full sizes of the bodies, so a report can say what was cut.
#[derive(Debug, Clone)]
pub struct KeptRequest {
    pub result: RequestResult,
    /// Size in bytes of the request body as sent (its text), when there was one.
    pub request_body_bytes: Option<usize>,
    /// Size in bytes of the response body's text, when there was a response.
    pub response_body_bytes: Option<usize>,
}

impl KeptRequest {
    /// Copy what the reports need from `r`, never more than a preview of any long text.
    pub fn new(r: &RequestResult) -> Self {
        let request = r.request.as_ref().map(|q| SentRequest {
            method: q.method.clone(),
            url: q.url.clone(),
            headers: q.headers.clone(),
            body: q.body.as_deref().map(|b| head(b, PREVIEW).to_string()),
            body_bytes: q.body_bytes,
        });
        let response = r.response.as_ref().map(|p| ReceivedResponse {
            status: p.status,
            headers: p.headers.clone(),
            body: head(&p.body, PREVIEW).to_string(),
        });
        let captures = r
            .captures
            .iter()
            .map(|c| CaptureResult {
                name: c.name.clone(),
                value: c.value.as_ref().map(capped_json),
                secret: c.secret,
                error: c.error.as_deref().map(capped),
            })
            .collect();
        let assertions = r
            .assertions
            .iter()
            .map(|a| AssertionResult {
                subject: a.subject.clone(),
                predicate: a.predicate.clone(),
                passed: a.passed,
                expected: capped(&a.expected),
                actual: capped(&a.actual),
                diff: a.diff.as_deref().map(capped),
                message: a.message.as_deref().map(capped),
                line: a.line,
            })
            .collect();
        Self {
            result: RequestResult {
                collection: r.collection,
                collection_name: r.collection_name.clone(),
                name: r.name.clone(),
                file: r.file.clone(),
                line: r.line,
                method: r.method.clone(),
                url: capped(&r.url),
                outcome: r.outcome,
                message: r.message.as_deref().map(capped),
                request,
                response,
                redirects: r.redirects.clone(),
                token_exchange: r.token_exchange.clone().map(|mut t| {
                    t.request_body = capped(&t.request_body);
                    t.response_body = capped(&t.response_body);
                    t
                }),
                attempts: r.attempts,
                started: r.started,
                duration: r.duration,
                phases: r.phases.clone(),
                captures,
                assertions,
                notes: r.notes.iter().map(|n| capped(n)).collect(),
                notices: r.notices.clone(),
            },
            request_body_bytes: r.request.as_ref().and_then(|q| q.body_bytes),
            response_body_bytes: r.response.as_ref().map(|p| p.body.len()),
        }
    }

    /// The request body's full size when the report holds only a preview of it.
    pub fn request_body_cut(&self) -> Option<usize> {
        let kept = self.result.request.as_ref()?.body.as_ref()?.len();
        self.request_body_bytes.filter(|&n| n > kept)
    }

    /// The response body's full size when the report holds only a preview of it.
    pub fn response_body_cut(&self) -> Option<usize> {
        let kept = self.result.response.as_ref()?.body.len();
        self.response_body_bytes.filter(|&n| n > kept)
    }
}

/// The first `limit` bytes of `s`, cut on a character boundary.
pub fn head(s: &str, limit: usize) -> &str {
    if s.len() <= limit {
        return s;
    }
    let mut cut = limit;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    &s[..cut]
}

/// `s` itself, or its first [`PREVIEW`] bytes and a note of the full size.
pub fn capped(s: &str) -> String {
    if s.len() <= PREVIEW {
        return s.to_string();
    }
    format!("{}\n{}", head(s, PREVIEW), cut_note(s.len()))
}

/// A JSON value itself, or (when its text is longer than [`PREVIEW`]) a string preview of it.
fn capped_json(v: &Json) -> Json {
    let text = v.to_string();
    if text.len() <= PREVIEW {
        v.clone()
    } else {
        Json::String(capped(&text))
    }
}

/// The line that marks a preview: how much was kept of how much.
pub fn cut_note(full: usize) -> String {
    format!(
        "[cut: the first {} KiB of {full} bytes shown]",
        PREVIEW / 1024
    )
}

/// A finished collection as the file reports see it.
#[derive(Debug, Clone)]
pub struct CollectedCollection {
    pub info: CollectionInfo,
    pub requests: Vec<KeptRequest>,
    pub counts: Counts,
    pub duration: Duration,
}

impl CollectedCollection {
    /// `name` or `name [row N]` for data-driven iterations.
    pub fn title(&self) -> String {
        match self.info.iteration {
            Some(i) => format!("{} [row {i}]", self.info.name),
            None => self.info.name.clone(),
        }
    }
}

/// The whole run, gathered from events, for reports written once at the end.
#[derive(Debug, Default)]
pub struct Collected {
    pub collections: Vec<CollectedCollection>,
    pub summary: Option<RunSummary>,
}

impl Collected {
    pub fn add(&mut self, event: &Event) {
        match event {
            Event::CollectionStarted(info) => self.collections.push(CollectedCollection {
                info: info.clone(),
                requests: Vec::new(),
                counts: Counts::default(),
                duration: Duration::ZERO,
            }),
            Event::RequestFinished(r) => {
                if let Some(c) = self
                    .collections
                    .iter_mut()
                    .rev()
                    .find(|c| c.info.index == r.collection)
                {
                    c.counts.add(r.outcome);
                    c.requests.push(KeptRequest::new(r));
                }
            }
            Event::CollectionFinished {
                collection,
                duration,
                ..
            } => {
                if let Some(c) = self
                    .collections
                    .iter_mut()
                    .rev()
                    .find(|c| c.info.index == *collection)
                {
                    c.duration = *duration;
                }
            }
            Event::RunFinished(s) => self.summary = Some(s.clone()),
            Event::RunStarted { .. } | Event::RequestStarted { .. } => {}
        }
    }

    pub fn summary(&self) -> RunSummary {
        self.summary.clone().unwrap_or(RunSummary {
            counts: Counts::default(),
            duration: Duration::ZERO,
            interrupted: false,
        })
    }
}

/// A reporter that gathers the run and writes one file at the end.
pub struct FileReporter {
    path: PathBuf,
    collected: Collected,
    render: fn(&Collected) -> String,
}

impl FileReporter {
    pub fn new(path: PathBuf, render: fn(&Collected) -> String) -> Self {
        Self {
            path,
            collected: Collected::default(),
            render,
        }
    }
}

impl Reporter for FileReporter {
    fn event(&mut self, event: &Redacted<Event>) -> std::io::Result<()> {
        let event: &Event = event;
        self.collected.add(event);
        Ok(())
    }

    fn finish(&mut self) -> std::io::Result<()> {
        let write = || {
            if let Some(dir) = self.path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::write(&self.path, (self.render)(&self.collected))
        };
        write().map_err(|e| naming(&self.path, e))
    }
}

/// An I/O error that names the file it was about.
pub fn naming(path: &std::path::Path, e: std::io::Error) -> std::io::Error {
    std::io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

/// The failures of a request, one per line, as the reports show them.
pub fn failure_lines(r: &RequestResult) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(m) = &r.message {
        out.push(m.clone());
    }
    // Expectations first: a capture usually fails because the response is not the one
    // expected (a 400 has no `$.id`), and the status says why.
    for a in r.assertions.iter().filter(|a| !a.passed) {
        out.push(a.headline());
        if let Some(m) = &a.message {
            out.push(format!("  {}", m.replace('\n', "\n  ")));
        }
        if let Some(d) = &a.diff {
            out.push(d.trim_end().to_string());
        }
    }
    out.extend(r.captures.iter().filter_map(capture_failure));
    out
}

/// A failed capture as the reports show it: ``capture `NAME`: why``.
pub fn capture_failure(c: &CaptureResult) -> Option<String> {
    let error = c.error.as_deref()?;
    Some(format!("capture `{}`: {error}", c.name))
}

/// The redacted exchange as text: request line, headers, body; status, headers, body. A body
/// the report keeps only a preview of ends with a note of its full size.
pub fn exchange_text(k: &KeptRequest, limit: usize) -> String {
    let r = &k.result;
    let mut s = String::new();
    if let Some(req) = &r.request {
        s.push_str(&format!("> {} {}\n", req.method, req.url));
        for (k, v) in &req.headers {
            s.push_str(&format!("> {k}: {v}\n"));
        }
        if let Some(b) = &req.body {
            s.push_str(&format!(">\n{b}\n"));
            if let Some(full) = k.request_body_cut() {
                s.push_str(&format!("{}\n", cut_note(full)));
            }
        }
    }
    if let Some(resp) = &r.response {
        s.push_str(&format!("< {}\n", resp.status));
        for (k, v) in &resp.headers {
            s.push_str(&format!("< {k}: {v}\n"));
        }
        if !resp.body.is_empty() {
            s.push_str(&format!("<\n{}\n", resp.body));
            if let Some(full) = k.response_body_cut() {
                s.push_str(&format!("{}\n", cut_note(full)));
            }
        }
    }
    if s.len() > limit {
        let mut cut = limit;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push_str("\n[truncated]\n");
    }
    s
}
