//! GitHub Actions annotations: `::error file=...,line=...::message` for each failed request,
//! so failures show on the collection's line in the pull request.
//!
//! On GitHub Actions baton's annotations are the only workflow commands in its output: the
//! terminal report (which shows server text) runs inside `::stop-commands::TOKEN`, with a
//! token random per run, and each annotation resumes commands just for itself. So neither
//! `::error::` nor the legacy `##[error]` in a response body reaches the runner as a command.

use std::io::Write;
use std::sync::OnceLock;

use crate::report::event::{Event, Outcome, Reporter};
use crate::secret::Redacted;

pub struct GithubReporter {
    out: Box<dyn Write + Send>,
}

impl GithubReporter {
    pub fn new(out: Box<dyn Write + Send>) -> Self {
        Self { out }
    }
}

/// Whether this run is on GitHub Actions.
pub fn active() -> bool {
    std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true")
}

/// The run's `::stop-commands::` token: random, so no server text can guess it.
pub fn stop_token() -> &'static str {
    static TOKEN: OnceLock<String> = OnceLock::new();
    TOKEN.get_or_init(|| format!("baton-{}", uuid::Uuid::new_v4().simple()))
}

/// Escape a message per the workflow-command rules.
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a property value (also `:` and `,`).
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

impl Reporter for GithubReporter {
    fn event(&mut self, event: &Redacted<Event>) -> std::io::Result<()> {
        let event: &Event = event;
        if let Event::RequestFinished(r) = event
            && matches!(r.outcome, Outcome::Failed | Outcome::Error)
        {
            let message = super::failure_lines(r).join("\n");
            // Exactly `::error file=...,line=...::` as SPEC 2 shows; the names lead the message.
            let token = stop_token();
            writeln!(
                self.out,
                "::{token}::\n::error file={},line={}::{}\n::stop-commands::{token}",
                property(&r.file.display().to_string()),
                r.line,
                data(&super::text::printable(&format!(
                    "{} / {}: {message}",
                    r.collection_name, r.name
                )))
            )?;
        }
        Ok(())
    }

    fn finish(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(data("a%b\nc"), "a%25b%0Ac");
        assert_eq!(property("x: y, z"), "x%3A y%2C z");
    }
}
