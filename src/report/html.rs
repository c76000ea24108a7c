//! `--report html=PATH`: one self-contained HTML file (inline CSS and script, no external
//! assets) for people: the summary, a filter, then per collection a timeline of its requests
//! (html_timeline.rs) and their list; each row expands to the request, the response and the
//! failed expectations.

use std::fmt::Write as _;
use std::path::PathBuf;

use super::html_timeline::{escape, outcome_class};
use super::{Collected, FileReporter, KeptRequest, exchange_text, failure_lines, html_timeline};
use crate::report::event::{CaptureResult, Outcome};

/// At most this much of a request's exchange is shown (each body is already a preview).
const EXCHANGE_LIMIT: usize = 64 * 1024;

pub fn reporter(path: PathBuf) -> FileReporter {
    FileReporter::new(path, render)
}

const STYLE: &str = include_str!("html.css");
const SCRIPT: &str = include_str!("html.js");

fn diff_html(d: &str) -> String {
    let mut out = String::new();
    for l in d.lines() {
        let class = if l.starts_with('+') && !l.starts_with("+++") {
            "add"
        } else if l.starts_with('-') && !l.starts_with("---") {
            "del"
        } else {
            ""
        };
        let _ = writeln!(out, "<span class=\"{class}\">{}</span>", escape(l));
    }
    out
}

pub fn render(c: &Collected) -> String {
    let mut h = header(c);
    let mut next_id = 0;
    for col in &c.collections {
        let _ = writeln!(
            h,
            "<section class=\"collection\"><h2>{} <small>{} &middot; {}</small></h2>",
            escape(&col.title()),
            escape(&col.info.path.display().to_string()),
            html_timeline::short(html_timeline::ms(col.duration))
        );
        let ids: Vec<String> = (next_id..next_id + col.requests.len())
            .map(|i| format!("r{i}"))
            .collect();
        next_id += col.requests.len();
        h.push_str(&html_timeline::timeline(col, &ids));
        for (k, id) in col.requests.iter().zip(&ids) {
            request(&mut h, k, id);
        }
        h.push_str("</section>\n");
    }
    let _ = write!(h, "</main>\n<script>{SCRIPT}</script>\n</body>\n</html>\n");
    h
}

/// The page's head, the summary and the toolbar.
fn header(c: &Collected) -> String {
    let s = c.summary();
    let failed = s.counts.failed + s.counts.errors + s.counts.interrupted;
    let total = s.counts.passed + failed + s.counts.skipped;
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>baton report: {} passed, {} failed</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        s.counts.passed, failed
    );
    let _ = write!(
        h,
        "<header><h1>baton report</h1><div class=\"summary\"><span><b id=\"summary-total\">{total}</b> requests</span><span><b id=\"summary-passed\">{}</b> passed</span><span><b id=\"summary-failed\">{failed}</b> failed</span><span><b id=\"summary-skipped\">{}</b> skipped</span><span>in {}</span>{}</div></header>\n<nav class=\"toolbar\"><label><input type=\"checkbox\" id=\"failed-only\"> failed only</label><input type=\"search\" id=\"filter\" placeholder=\"Filter requests by name  ( / )\" aria-label=\"Filter requests by name\"><span class=\"shown\" id=\"shown\"></span></nav>\n<main>\n<p class=\"none\" id=\"none\" hidden>No request matches the filter.</p>\n",
        s.counts.passed,
        s.counts.skipped,
        html_timeline::short(html_timeline::ms(s.duration)),
        if s.interrupted {
            "<span>(interrupted)</span>"
        } else {
            ""
        }
    );
    h
}

/// One request: its line, then its failures, captures and exchange when opened.
fn request(h: &mut String, k: &KeptRequest, id: &str) {
    let r = &k.result;
    let class = outcome_class(r.outcome);
    let mark = match r.outcome {
        Outcome::Passed => "&#10003;",
        Outcome::Failed => "&#10007;",
        Outcome::Error => "!",
        Outcome::Skipped => "&ndash;",
        Outcome::Interrupted => "^C",
    };
    let status = r
        .response
        .as_ref()
        .map(|p| p.status.to_string())
        .unwrap_or_else(|| "&mdash;".into());
    let _ = write!(
        h,
        "<details class=\"request {class}\" data-outcome=\"{class}\" id=\"{id}\" data-name=\"{}\"><summary><span class=\"mark\">{mark}</span><span class=\"name\">{}</span><span class=\"method\">{}</span><span class=\"status\">{status}</span><span class=\"time\">{}</span></summary>\n<div class=\"body\">\n",
        escape(&r.name),
        escape(&r.name),
        escape(&r.method),
        html_timeline::short(html_timeline::ms(r.duration))
    );
    let fails = failure_lines(r);
    if !fails.is_empty() {
        let _ = writeln!(h, "<div class=\"fail\"><b>Failures</b></div>");
        let _ = writeln!(
            h,
            "<pre class=\"diff\">{}</pre>",
            diff_html(&fails.join("\n"))
        );
    }
    if !r.captures.is_empty() {
        let caps: Vec<String> = r.captures.iter().map(capture_line).collect();
        let _ = writeln!(
            h,
            "<div><b>Captures</b></div><pre>{}</pre>",
            escape(&caps.join("\n"))
        );
    }
    let exchange = exchange_text(k, EXCHANGE_LIMIT);
    if !exchange.is_empty() {
        let _ = writeln!(
            h,
            "<div><b>Exchange</b></div><pre>{}</pre>",
            escape(&exchange)
        );
    }
    let _ = write!(
        h,
        "<div class=\"method\">{}:{}</div>\n</div></details>\n",
        escape(&r.file.display().to_string()),
        r.line
    );
}

fn capture_line(c: &CaptureResult) -> String {
    match (&c.value, &c.error) {
        (Some(v), _) => format!(
            "{} = {}",
            c.name,
            serde_json::to_string(v).unwrap_or_default()
        ),
        (None, Some(e)) => format!("{}: {e}", c.name),
        (None, None) => c.name.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
