//! Reporters: events -> a writer or a file. The terminal one is always on; the others on request.

pub mod github;
pub mod html;
pub mod json;
pub mod junit;
pub mod progress;
pub mod terminal;

use std::path::PathBuf;
use std::time::Duration;

use crate::event::{CollectionInfo, Counts, Event, Reporter, RequestResult, RunSummary};

/// A finished collection as the file reports see it.
#[derive(Debug, Clone)]
pub struct CollectedCollection {
    pub info: CollectionInfo,
    pub requests: Vec<RequestResult>,
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
                    c.requests.push((**r).clone());
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
    fn event(&mut self, event: &Event) -> std::io::Result<()> {
        self.collected.add(event);
        Ok(())
    }

    fn finish(&mut self) -> std::io::Result<()> {
        if let Some(dir) = self.path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&self.path, (self.render)(&self.collected))
    }
}

/// The failures of a request, one per line, as the reports show them.
pub fn failure_lines(r: &RequestResult) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(m) = &r.message {
        out.push(m.clone());
    }
    for c in r.captures.iter().filter(|c| c.error.is_some()) {
        out.push(format!(
            "capture `{}`: {}",
            c.name,
            c.error.as_deref().unwrap_or_default()
        ));
    }
    for a in r.assertions.iter().filter(|a| !a.passed) {
        out.push(format!(
            "{} {}: expected {}, got {}",
            a.subject, a.predicate, a.expected, a.actual
        ));
        if let Some(m) = &a.message {
            out.push(format!("  {}", m.replace('\n', "\n  ")));
        }
        if let Some(d) = &a.diff {
            out.push(d.trim_end().to_string());
        }
    }
    out
}

/// The redacted exchange as text: request line, headers, body; status, headers, body.
pub fn exchange_text(r: &RequestResult, limit: usize) -> String {
    let mut s = String::new();
    if let Some(req) = &r.request {
        s.push_str(&format!("> {} {}\n", req.method, req.url));
        for (k, v) in &req.headers {
            s.push_str(&format!("> {k}: {v}\n"));
        }
        if let Some(b) = &req.body {
            s.push_str(&format!(">\n{b}\n"));
        }
    }
    if let Some(resp) = &r.response {
        s.push_str(&format!("< {}\n", resp.status));
        for (k, v) in &resp.headers {
            s.push_str(&format!("< {k}: {v}\n"));
        }
        if !resp.body.is_empty() {
            s.push_str(&format!("<\n{}\n", resp.body));
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
