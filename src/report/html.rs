//! `--report html=PATH`: one self-contained HTML file (inline CSS and script, no external
//! assets) for people: the summary, then each collection's requests; each row expands to the
//! request, the response and the failed expectations.

use std::fmt::Write as _;
use std::path::PathBuf;

use super::{Collected, FileReporter, exchange_text, failure_lines};
use crate::duration::human;
use crate::event::Outcome;

pub fn reporter(path: PathBuf) -> FileReporter {
    FileReporter::new(path, render)
}

/// Text made safe for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1d2330; background: #f6f7f9; }
header { background: #1d2330; color: #fff; padding: 18px 28px; }
header h1 { margin: 0 0 8px; font-size: 20px; }
.summary span { display: inline-block; margin-right: 18px; font-size: 15px; }
.summary b { font-size: 20px; }
main { padding: 18px 28px; }
section { background: #fff; border: 1px solid #dfe3ea; border-radius: 6px; margin-bottom: 16px; }
section h2 { font-size: 16px; margin: 0; padding: 10px 14px; border-bottom: 1px solid #dfe3ea; }
section h2 small { color: #6b7385; font-weight: normal; }
details { border-bottom: 1px solid #eef0f4; }
details:last-child { border-bottom: 0; }
summary { cursor: pointer; padding: 7px 14px; display: grid; grid-template-columns: 28px 1fr 80px 60px 80px; gap: 8px; align-items: center; }
summary::-webkit-details-marker { display: none; }
.mark { font-weight: bold; text-align: center; border-radius: 4px; color: #fff; }
.passed .mark { background: #2e8b57; } .failed .mark, .error .mark { background: #c0392b; }
.skipped .mark, .interrupted .mark { background: #b7950b; }
.method, .time { color: #6b7385; } .status { font-variant-numeric: tabular-nums; }
.body { padding: 4px 14px 12px 50px; }
.fail { color: #a52714; }
pre { background: #f3f4f7; border-radius: 4px; padding: 8px 10px; overflow-x: auto; font: 12px/1.4 ui-monospace, Menlo, Consolas, monospace; white-space: pre-wrap; }
.diff .add { color: #216e39; } .diff .del { color: #a52714; }
"#;

const SCRIPT: &str = r#"
// Counts are recomputed from the rows, so the numbers always match what is listed.
(function () {
  var rows = document.querySelectorAll('details.request');
  var n = { passed: 0, failed: 0, skipped: 0 };
  rows.forEach(function (r) {
    var o = r.dataset.outcome;
    if (o === 'passed') n.passed++; else if (o === 'skipped') n.skipped++; else n.failed++;
  });
  document.getElementById('summary-total').textContent = rows.length;
  document.getElementById('summary-passed').textContent = n.passed;
  document.getElementById('summary-failed').textContent = n.failed;
  document.getElementById('summary-skipped').textContent = n.skipped;
  // Failed requests open by default.
  document.querySelectorAll('details.request.failed, details.request.error').forEach(function (d) { d.open = true; });
})();
"#;

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
        "<header><h1>baton report</h1><div class=\"summary\"><span><b id=\"summary-total\">{total}</b> requests</span><span><b id=\"summary-passed\">{}</b> passed</span><span><b id=\"summary-failed\">{failed}</b> failed</span><span><b id=\"summary-skipped\">{}</b> skipped</span><span>in {}</span>{}</div></header>\n<main>\n",
        s.counts.passed,
        s.counts.skipped,
        escape(&human(s.duration)),
        if s.interrupted {
            "<span>(interrupted)</span>"
        } else {
            ""
        }
    );
    for col in &c.collections {
        let _ = writeln!(
            h,
            "<section><h2>{} <small>{} &middot; {}</small></h2>",
            escape(&col.title()),
            escape(&col.info.path.display().to_string()),
            escape(&human(col.duration))
        );
        for r in &col.requests {
            let (class, mark) = match r.outcome {
                Outcome::Passed => ("passed", "&#10003;"),
                Outcome::Failed => ("failed", "&#10007;"),
                Outcome::Error => ("error", "!"),
                Outcome::Skipped => ("skipped", "&ndash;"),
                Outcome::Interrupted => ("interrupted", "^C"),
            };
            let status = r
                .response
                .as_ref()
                .map(|p| p.status.to_string())
                .unwrap_or_else(|| "&mdash;".into());
            let _ = write!(
                h,
                "<details class=\"request {class}\" data-outcome=\"{class}\"><summary><span class=\"mark\">{mark}</span><span class=\"name\">{}</span><span class=\"method\">{}</span><span class=\"status\">{status}</span><span class=\"time\">{}</span></summary>\n<div class=\"body\">\n",
                escape(&r.name),
                escape(&r.method),
                escape(&human(r.duration))
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
                let caps: Vec<String> = r
                    .captures
                    .iter()
                    .map(|c| match (&c.value, &c.error) {
                        (Some(v), _) => format!(
                            "{} = {}",
                            c.name,
                            serde_json::to_string(v).unwrap_or_default()
                        ),
                        (None, Some(e)) => format!("{}: {e}", c.name),
                        (None, None) => c.name.clone(),
                    })
                    .collect();
                let _ = writeln!(
                    h,
                    "<div><b>Captures</b></div><pre>{}</pre>",
                    escape(&caps.join("\n"))
                );
            }
            let exchange = exchange_text(r, 256 * 1024);
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
        h.push_str("</section>\n");
    }
    let _ = write!(h, "</main>\n<script>{SCRIPT}</script>\n</body>\n</html>\n");
    h
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
