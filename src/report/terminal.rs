//! The terminal report: one line per request, failure details under it, a summary line.

use std::io::Write;

use anstyle::{AnsiColor, Style};

use crate::duration::human;
use crate::report::event::{
    AssertionResult, Event, Outcome, PhaseKind, ReceivedResponse, Redirect, RequestResult,
    SentRequest, TokenExchange,
};
use crate::secret::Redacted;

pub use super::text::{one_line, printable};

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
    /// On GitHub Actions: workflow commands are stopped with this token while the report runs.
    stopped: Option<&'static str>,
}

const GREEN: Style = AnsiColor::Green.on_default();
const RED: Style = AnsiColor::Red.on_default();
const YELLOW: Style = AnsiColor::Yellow.on_default();
const DIM: Style = Style::new().dimmed();
const BOLD: Style = Style::new().bold();
/// The most of a captured value `-v` shows.
const CAPTURE_SHOWN: usize = 200;

impl TerminalReporter {
    pub fn new(out: Box<dyn Write + Send>, color: bool, verbosity: Verbosity) -> Self {
        Self {
            out,
            color,
            verbosity,
            pending_header: None,
            stopped: None,
        }
        .stop_commands()
    }

    /// On GitHub Actions, no text in the report is a workflow command: commands stop now and
    /// resume at the end (the annotations resume them for themselves).
    fn stop_commands(mut self) -> Self {
        if super::github::active() {
            let token = super::github::stop_token();
            if writeln!(self.out, "::stop-commands::{token}")
                .and_then(|()| self.out.flush())
                .is_ok()
            {
                self.stopped = Some(token);
            }
        }
        self
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
        let line = self.headline(r, bad);
        writeln!(self.out, "{line}")?;
        if self.verbosity >= Verbosity::Normal {
            for n in &r.notices {
                let n = self.paint(YELLOW, &one_line(n));
                writeln!(self.out, "      {n}")?;
            }
        }
        if self.verbosity >= Verbosity::Verbose {
            self.details(r)?;
        }
        if let Some(m) = &r.message
            && r.outcome != Outcome::Passed
        {
            let style = if bad { RED } else { DIM };
            for l in m.lines() {
                let text = self.paint(style, &one_line(l));
                writeln!(self.out, "      {text}")?;
            }
        }
        // Expectations before captures: the status says why a capture found nothing.
        for a in r.assertions.iter().filter(|a| !a.passed) {
            self.failed_assertion(a)?;
        }
        for text in r.captures.iter().filter_map(crate::report::capture_failure) {
            let text = self.paint(RED, &one_line(&text));
            writeln!(self.out, "      {text}")?;
        }
        Ok(())
    }

    /// The request's line: mark, name, method, status, time (and attempts under `retry`).
    fn headline(&self, r: &RequestResult, bad: bool) -> String {
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
        let time = match r.outcome {
            Outcome::Skipped => "skipped".to_string(),
            _ => human(shown_time(r)),
        };
        let attempts = if r.attempts > 1 {
            format!(" ({} attempts)", r.attempts)
        } else {
            String::new()
        };
        format!(
            "  {} {} {} {} {}{}",
            self.paint(style, mark),
            one_line(&r.name),
            self.paint(DIM, &r.method),
            self.paint(if bad { RED } else { DIM }, &status),
            self.paint(DIM, &time),
            attempts
        )
    }

    /// `-v`: notes, redirect hops and the exchange; `-vv` adds the token exchange.
    fn details(&mut self, r: &RequestResult) -> std::io::Result<()> {
        for n in &r.notes {
            let n = self.paint(DIM, &one_line(n));
            writeln!(self.out, "      {n}")?;
        }
        if let Some(t) = &r.token_exchange
            && self.verbosity >= Verbosity::VeryVerbose
        {
            self.token(t)?;
        }
        for hop in &r.redirects {
            self.redirect(hop)?;
        }
        if let Some(req) = &r.request {
            self.exchange_request(req)?;
        }
        if let Some(resp) = &r.response
            && r.request.is_some()
        {
            self.exchange_response(resp, r)?;
        }
        self.captured(r)
    }

    /// What each capture stored (masked; a `secret` capture shows `***`), as later requests
    /// will render it: `-v` shows them, where a wrong type or value is easiest to see.
    fn captured(&mut self, r: &RequestResult) -> std::io::Result<()> {
        for c in &r.captures {
            let Some(v) = &c.value else { continue };
            let mut text = match v {
                serde_json::Value::String(s) if c.secret => s.clone(),
                v => v.to_string(),
            };
            if text.len() > CAPTURE_SHOWN {
                text = format!("{}…", crate::report::head(&text, CAPTURE_SHOWN));
            }
            let line = self.paint(DIM, &one_line(&format!("captured {} = {text}", c.name)));
            writeln!(self.out, "      {line}")?;
        }
        Ok(())
    }

    /// A failed expectation: its headline, message and diff.
    fn failed_assertion(&mut self, a: &AssertionResult) -> std::io::Result<()> {
        let head = self.paint(RED, &one_line(&a.headline()));
        writeln!(self.out, "      {head}")?;
        if let Some(m) = &a.message {
            for l in m.lines() {
                writeln!(self.out, "        {}", one_line(l))?;
            }
        }
        if let Some(diff) = &a.diff {
            for l in diff.lines() {
                let l = &*one_line(l);
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
        Ok(())
    }

    fn exchange_request(&mut self, req: &SentRequest) -> std::io::Result<()> {
        let line = self.paint(DIM, &one_line(&format!("> {} {}", req.method, req.url)));
        writeln!(self.out, "      {line}")?;
        if self.verbosity >= Verbosity::VeryVerbose {
            self.lines(">", req.headers.iter().map(|(k, v)| format!("{k}: {v}")))?;
            if let Some(b) = &req.body {
                writeln!(self.out, "      >")?;
                self.lines(">", b.lines().map(str::to_string))?;
            }
        }
        Ok(())
    }

    /// Lines with a `>` or `<` in front, escaped.
    fn lines(&mut self, mark: &str, lines: impl Iterator<Item = String>) -> std::io::Result<()> {
        for l in lines {
            writeln!(self.out, "      {mark} {}", one_line(&l))?;
        }
        Ok(())
    }

    /// A redirect hop: what went out, and where it pointed (with -vv, every header).
    fn redirect(&mut self, hop: &Redirect) -> std::io::Result<()> {
        let line = self.paint(DIM, &one_line(&format!("> {} {}", hop.method, hop.url)));
        writeln!(self.out, "      {line}")?;
        if self.verbosity >= Verbosity::VeryVerbose {
            self.lines(">", hop.headers.iter().map(|(k, v)| format!("{k}: {v}")))?;
            let status = self.paint(DIM, &format!("< {}", hop.status));
            writeln!(self.out, "      {status}")?;
            self.lines(
                "<",
                hop.response_headers
                    .iter()
                    .map(|(k, v)| format!("{k}: {v}")),
            )?;
        } else {
            // A Digest challenge (401) is a hop without a `Location`.
            let status = match hop.location.as_str() {
                "" => format!("< {}", hop.status),
                to => format!("< {} Location: {to}", hop.status),
            };
            let status = self.paint(DIM, &one_line(&status));
            writeln!(self.out, "      {status}")?;
        }
        Ok(())
    }

    /// The OAuth2 token exchange, redacted.
    fn token(&mut self, t: &TokenExchange) -> std::io::Result<()> {
        let line = self.paint(DIM, &one_line(&format!("> POST {} (OAuth2 token)", t.url)));
        writeln!(self.out, "      {line}")?;
        self.lines(
            ">",
            t.request_headers.iter().map(|(k, v)| format!("{k}: {v}")),
        )?;
        writeln!(self.out, "      >")?;
        self.lines(">", t.request_body.lines().map(str::to_string))?;
        let status = self.paint(DIM, &format!("< {} ({})", t.status, human(t.duration)));
        writeln!(self.out, "      {status}")?;
        self.lines(
            "<",
            t.response_headers.iter().map(|(k, v)| format!("{k}: {v}")),
        )?;
        if !t.response_body.is_empty() {
            writeln!(self.out, "      <")?;
            self.lines("<", t.response_body.lines().map(str::to_string))?;
        }
        Ok(())
    }

    fn exchange_response(
        &mut self,
        resp: &ReceivedResponse,
        r: &RequestResult,
    ) -> std::io::Result<()> {
        let line = self.paint(
            DIM,
            &format!("< {} ({})", resp.status, human(shown_time(r))),
        );
        writeln!(self.out, "      {line}")?;
        if self.verbosity >= Verbosity::VeryVerbose {
            self.lines("<", resp.headers.iter().map(|(k, v)| format!("{k}: {v}")))?;
            if !resp.body.is_empty() {
                writeln!(self.out, "      <")?;
                self.lines("<", resp.body.lines().map(str::to_string))?;
            }
        }
        Ok(())
    }
}

/// The time a request's lines show: under `retry` each attempt is checked on its own, so it
/// is the last attempt's (the headline also gives the attempt count).
fn shown_time(r: &RequestResult) -> std::time::Duration {
    let last_send = (r.attempts > 1)
        .then(|| r.phases.iter().rfind(|p| p.kind == PhaseKind::Send))
        .flatten();
    last_send.map_or(r.duration, |p| p.duration)
}

impl crate::report::event::Reporter for TerminalReporter {
    fn event(&mut self, event: &Redacted<Event>) -> std::io::Result<()> {
        let event: &Event = event;
        match event {
            Event::CollectionStarted(c) => {
                let iteration = c
                    .iteration
                    .map(|i| format!(" [row {i}]"))
                    .unwrap_or_default();
                let header = format!(
                    "{}{} {}",
                    self.paint(BOLD, &one_line(&c.name)),
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
        // Whole lines out before an annotation (written after this) resumes commands.
        if self.stopped.is_some() {
            self.out.flush()?;
        }
        Ok(())
    }

    fn finish(&mut self) -> std::io::Result<()> {
        if let Some(token) = self.stopped.take() {
            writeln!(self.out, "::{token}::")?;
        }
        self.out.flush()
    }
}
