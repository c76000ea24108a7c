//! The terminal report: one line per request, failure details under it, a summary line.

use std::io::Write;

use anstyle::{AnsiColor, Style};

use crate::duration::human;
use crate::event::{Event, Outcome, ReceivedResponse, RequestResult, SentRequest};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    /// Only failures and the summary.
    Quiet,
    Normal,
    /// Request and response lines.
    Verbose,
    /// Headers and bodies too.
    VeryVerbose,
}

pub struct TerminalReporter {
    out: Box<dyn Write + Send>,
    color: bool,
    verbosity: Verbosity,
    /// The collection header waits (in quiet mode) until something in it is worth showing.
    pending_header: Option<String>,
}

const GREEN: Style = AnsiColor::Green.on_default();
const RED: Style = AnsiColor::Red.on_default();
const YELLOW: Style = AnsiColor::Yellow.on_default();
const DIM: Style = Style::new().dimmed();
const BOLD: Style = Style::new().bold();

impl TerminalReporter {
    pub fn new(out: Box<dyn Write + Send>, color: bool, verbosity: Verbosity) -> Self {
        Self {
            out,
            color,
            verbosity,
            pending_header: None,
        }
    }

    fn paint(&self, style: Style, text: &str) -> String {
        if self.color {
            format!("{}{text}{}", style.render(), style.render_reset())
        } else {
            text.to_string()
        }
    }

    fn flush_header(&mut self) -> std::io::Result<()> {
        if let Some(h) = self.pending_header.take() {
            writeln!(self.out, "{h}")?;
        }
        Ok(())
    }

    fn request(&mut self, r: &RequestResult) -> std::io::Result<()> {
        let bad = matches!(
            r.outcome,
            Outcome::Failed | Outcome::Error | Outcome::Interrupted
        );
        if self.verbosity == Verbosity::Quiet && !bad {
            return Ok(());
        }
        self.flush_header()?;
        let (mark, style) = match r.outcome {
            Outcome::Passed => ("✓", GREEN),
            Outcome::Failed => ("✗", RED),
            Outcome::Error => ("!", RED),
            Outcome::Skipped => ("-", YELLOW),
            Outcome::Interrupted => ("^C", YELLOW),
        };
        let status = r
            .response
            .as_ref()
            .map(|s| s.status.to_string())
            .unwrap_or_else(|| "---".into());
        let time = if r.outcome == Outcome::Skipped {
            "skipped".to_string()
        } else {
            human(r.duration)
        };
        let attempts = if r.attempts > 1 {
            format!(" ({} attempts)", r.attempts)
        } else {
            String::new()
        };
        let line = format!(
            "  {} {} {} {} {}{}",
            self.paint(style, mark),
            r.name,
            self.paint(DIM, &r.method),
            self.paint(if bad { RED } else { DIM }, &status),
            self.paint(DIM, &time),
            attempts
        );
        writeln!(self.out, "{line}")?;
        if self.verbosity >= Verbosity::Verbose {
            for n in &r.notes {
                let n = self.paint(DIM, n);
                writeln!(self.out, "      {n}")?;
            }
            if let Some(req) = &r.request {
                self.exchange_request(req)?;
            }
            if let Some(resp) = &r.response
                && r.request.is_some()
            {
                self.exchange_response(resp, r)?;
            }
        }
        if let Some(m) = &r.message
            && r.outcome != Outcome::Passed
        {
            let style = if bad { RED } else { DIM };
            for l in m.lines() {
                let text = self.paint(style, l);
                writeln!(self.out, "      {text}")?;
            }
        }
        for c in r.captures.iter().filter(|c| c.error.is_some()) {
            let text = format!(
                "capture `{}`: {}",
                c.name,
                c.error.as_deref().unwrap_or_default()
            );
            let text = self.paint(RED, &text);
            writeln!(self.out, "      {text}")?;
        }
        for a in r.assertions.iter().filter(|a| !a.passed) {
            let head = format!(
                "{} {}: expected {}, got {}",
                a.subject, a.predicate, a.expected, a.actual
            );
            let head = self.paint(RED, &head);
            writeln!(self.out, "      {head}")?;
            if let Some(m) = &a.message {
                for l in m.lines() {
                    writeln!(self.out, "        {l}")?;
                }
            }
            if let Some(diff) = &a.diff {
                for l in diff.lines() {
                    let styled = if l.starts_with('+') && !l.starts_with("+++") {
                        self.paint(GREEN, l)
                    } else if l.starts_with('-') && !l.starts_with("---") {
                        self.paint(RED, l)
                    } else {
                        l.to_string()
                    };
                    writeln!(self.out, "        {styled}")?;
                }
            }
        }
        Ok(())
    }

    fn exchange_request(&mut self, req: &SentRequest) -> std::io::Result<()> {
        let line = self.paint(DIM, &format!("> {} {}", req.method, req.url));
        writeln!(self.out, "      {line}")?;
        if self.verbosity >= Verbosity::VeryVerbose {
            for (k, v) in &req.headers {
                writeln!(self.out, "      > {k}: {v}")?;
            }
            if let Some(b) = &req.body {
                writeln!(self.out, "      >")?;
                for l in b.lines() {
                    writeln!(self.out, "      > {l}")?;
                }
            }
        }
        Ok(())
    }

    fn exchange_response(
        &mut self,
        resp: &ReceivedResponse,
        r: &RequestResult,
    ) -> std::io::Result<()> {
        let line = self.paint(DIM, &format!("< {} ({})", resp.status, human(r.duration)));
        writeln!(self.out, "      {line}")?;
        if self.verbosity >= Verbosity::VeryVerbose {
            for (k, v) in &resp.headers {
                writeln!(self.out, "      < {k}: {v}")?;
            }
            if !resp.body.is_empty() {
                writeln!(self.out, "      <")?;
                for l in resp.body.lines() {
                    writeln!(self.out, "      < {l}")?;
                }
            }
        }
        Ok(())
    }
}

impl crate::event::Reporter for TerminalReporter {
    fn event(&mut self, event: &Event) -> std::io::Result<()> {
        match event {
            Event::CollectionStarted(c) => {
                let iteration = c
                    .iteration
                    .map(|i| format!(" [row {i}]"))
                    .unwrap_or_default();
                let header = format!(
                    "{}{} {}",
                    self.paint(BOLD, &c.name),
                    iteration,
                    self.paint(DIM, &format!("({})", c.path.display()))
                );
                self.pending_header = Some(header);
                if self.verbosity > Verbosity::Quiet {
                    self.flush_header()?;
                }
            }
            Event::RequestFinished(r) => self.request(r)?,
            Event::CollectionFinished { .. } => {
                self.pending_header = None;
            }
            Event::RunFinished(s) => {
                let c = &s.counts;
                let failed = c.failed + c.errors + c.interrupted;
                let passed = self.paint(
                    if c.passed > 0 { GREEN } else { DIM },
                    &format!("{} passed", c.passed),
                );
                let failed_text = self.paint(
                    if failed > 0 { RED } else { DIM },
                    &format!("{failed} failed"),
                );
                let skipped = self.paint(
                    if c.skipped > 0 { YELLOW } else { DIM },
                    &format!("{} skipped", c.skipped),
                );
                let interrupted = if s.interrupted { " (interrupted)" } else { "" };
                if self.verbosity > Verbosity::Quiet {
                    writeln!(self.out)?;
                }
                writeln!(
                    self.out,
                    "{passed}, {failed_text}, {skipped} in {}{interrupted}",
                    human(s.duration)
                )?;
            }
            Event::RunStarted { .. } | Event::RequestStarted { .. } => {}
        }
        Ok(())
    }

    fn finish(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}
