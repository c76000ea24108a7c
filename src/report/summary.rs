//! The GitHub Actions job summary: on GitHub Actions, when `GITHUB_STEP_SUMMARY` names a file,
//! Markdown is appended to it: the totals, then a table of the failed requests with their first
//! failure and a `file:line` to copy.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

use crate::duration::human;
use crate::report::event::{Event, Outcome, Reporter, RunSummary};
use crate::secret::Redacted;

/// At most this many failed requests are listed; the rest are counted.
const MAX_ROWS: usize = 100;
/// A table cell keeps at most this many characters.
const MAX_CELL: usize = 300;

/// One failed request, as its table row shows it.
struct Row {
    collection: String,
    request: String,
    failure: String,
    place: String,
}

pub struct SummaryReporter {
    path: PathBuf,
    titles: HashMap<usize, String>,
    rows: Vec<Row>,
    more: usize,
    summary: Option<RunSummary>,
}

impl SummaryReporter {
    pub fn new(path: PathBuf) -> Self {
        Self {
            path,
            titles: HashMap::new(),
            rows: Vec::new(),
            more: 0,
            summary: None,
        }
    }

    /// The Markdown appended to the summary file.
    pub fn markdown(&self) -> String {
        let s = self.summary.clone().unwrap_or(RunSummary {
            counts: Default::default(),
            duration: Default::default(),
            interrupted: false,
        });
        let c = &s.counts;
        let mut md = String::from("### baton\n\n");
        let _ = writeln!(
            md,
            "{} passed, {} failed, {} skipped in {}{}\n",
            c.passed,
            c.failed + c.errors + c.interrupted,
            c.skipped,
            human(s.duration),
            if s.interrupted { " (interrupted)" } else { "" }
        );
        if self.rows.is_empty() {
            return md;
        }
        md.push_str("| Collection | Request | First failure | Where |\n|---|---|---|---|\n");
        for r in &self.rows {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} |",
                cell(&r.collection),
                cell(&r.request),
                cell(&r.failure),
                code(&r.place)
            );
        }
        if self.more > 0 {
            let _ = writeln!(
                md,
                "\n{} more failed requests are not listed; the reports have them all.",
                self.more
            );
        }
        md.push('\n');
        md
    }
}

impl Reporter for SummaryReporter {
    fn event(&mut self, event: &Redacted<Event>) -> std::io::Result<()> {
        let event: &Event = event;
        match event {
            Event::CollectionStarted(info) => {
                let title = match info.iteration {
                    Some(i) => format!("{} [row {i}]", info.name),
                    None => info.name.clone(),
                };
                self.titles.insert(info.index, title);
            }
            Event::RequestFinished(r)
                if matches!(
                    r.outcome,
                    Outcome::Failed | Outcome::Error | Outcome::Interrupted
                ) =>
            {
                if self.rows.len() == MAX_ROWS {
                    self.more += 1;
                    return Ok(());
                }
                let failure = super::failure_lines(r)
                    .into_iter()
                    .next()
                    .unwrap_or_else(|| "failed".into());
                self.rows.push(Row {
                    collection: self
                        .titles
                        .get(&r.collection)
                        .cloned()
                        .unwrap_or_else(|| r.collection_name.clone()),
                    request: r.name.clone(),
                    failure: failure.lines().next().unwrap_or_default().to_string(),
                    place: format!("{}:{}", r.file.display(), r.line),
                });
            }
            Event::RunFinished(s) => self.summary = Some(s.clone()),
            _ => {}
        }
        Ok(())
    }

    fn finish(&mut self) -> std::io::Result<()> {
        let append = || {
            let mut f = std::fs::OpenOptions::new()
                .append(true)
                .create(true)
                .open(&self.path)?;
            f.write_all(self.markdown().as_bytes())
        };
        append().map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!("GITHUB_STEP_SUMMARY {}: {e}", self.path.display()),
            )
        })
    }
}

/// One line of at most [`MAX_CELL`] characters: line breaks become spaces.
fn one_line(s: &str) -> String {
    let flat: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if flat.chars().count() <= MAX_CELL {
        return flat;
    }
    let mut cut: String = flat.chars().take(MAX_CELL).collect();
    cut.push('…');
    cut
}

/// Text for a table cell, shown as written: Markdown and HTML punctuation escaped, so a pipe
/// cannot end the cell and `*`, `_`, `` ` ``, `<` cannot format it.
fn cell(s: &str) -> String {
    let mut out = String::new();
    for c in one_line(s).chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '&'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A code span for a table cell: fenced with more backticks than it holds, pipes escaped (GFM
/// tables split on them even inside code).
fn code(s: &str) -> String {
    let text = one_line(s).replace('|', "\\|");
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_escape_what_would_format_or_split() {
        assert_eq!(cell("a|b\nc"), "a\\|b c");
        assert_eq!(cell("`x` *y* <b>"), "\\`x\\` \\*y\\* \\<b\\>");
        assert_eq!(code("dir/a.yaml:12"), "`dir/a.yaml:12`");
        assert_eq!(code("we`ird|x.yaml:3"), "``we`ird\\|x.yaml:3``");
        assert_eq!(code("`a.yaml:1"), "`` `a.yaml:1 ``");
        let long = "x".repeat(400);
        assert_eq!(cell(&long).chars().count(), MAX_CELL + 1);
    }
}
