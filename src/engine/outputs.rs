//! A run's reporters: the terminal, the report files, GitHub annotations and job summary,
//! the progress bar. A reporter that cannot write (a closed pipe: `baton run | head`) is
//! skipped from then on; the run goes on and the exit code still tells the outcome.

use std::path::PathBuf;

use super::{Console, ReportKind, RunSettings};
use crate::report::event::{Event, Reporter};
use crate::report::terminal::{TerminalReporter, Verbosity};
use crate::secret::Redacted;

/// A reporter, and the file it writes (for the message when it cannot).
struct Output {
    reporter: Box<dyn Reporter>,
    path: Option<PathBuf>,
    dead: bool,
    /// Why it stopped writing before the end.
    error: Option<std::io::Error>,
}

pub(super) struct Outputs {
    list: Vec<Output>,
}

impl Outputs {
    /// The terminal first, then the report files, then what GitHub Actions reads.
    pub(super) fn new(s: &RunSettings, console: &Console) -> Self {
        let mut list = Vec::new();
        let mut push = |reporter: Box<dyn Reporter>, path: Option<PathBuf>| {
            list.push(Output {
                reporter,
                path,
                dead: false,
                error: None,
            });
        };
        let stdout = Box::new(std::io::BufWriter::new(console.out()));
        push(
            Box::new(TerminalReporter::new(stdout, s.color, s.verbosity)),
            None,
        );
        for (kind, path) in &s.reports {
            let reporter: Box<dyn Reporter> = match kind {
                ReportKind::Junit => Box::new(crate::report::junit::reporter(path.clone())),
                ReportKind::Json => Box::new(crate::report::json::reporter(path.clone())),
                ReportKind::Html => Box::new(crate::report::html::reporter(path.clone())),
            };
            push(reporter, Some(path.clone()));
        }
        if s.environment.github_actions {
            let github = crate::report::github::GithubReporter::new(console.out());
            push(Box::new(github), None);
            if let Some(path) = &s.environment.step_summary {
                let summary = crate::report::summary::SummaryReporter::new(path.clone());
                push(Box::new(summary), Some(path.clone()));
            }
        }
        Self { list }
    }

    /// A progress bar on a terminal, for `requests` requests.
    pub(super) fn add_progress(&mut self, s: &RunSettings, requests: usize) {
        if s.environment.stderr_terminal && s.verbosity > Verbosity::Quiet {
            self.list.push(Output {
                reporter: Box::new(crate::report::progress::ProgressReporter::new(
                    requests as u64,
                )),
                path: None,
                dead: false,
                error: None,
            });
        }
    }

    pub(super) fn event(&mut self, ev: &Redacted<Event>) {
        for o in self.list.iter_mut().filter(|o| !o.dead) {
            if let Err(e) = o.reporter.event(ev) {
                o.dead = true;
                o.error = Some(e);
            }
        }
    }

    /// Finish every reporter; true when a report file or the output could not be written
    /// (a full disk, `> /dev/full`). A closed pipe (`| head`) is not a failure: the reader
    /// left on purpose.
    pub(super) fn finish(&mut self, console: &Console) -> bool {
        let mut failed = false;
        for o in self.list.iter_mut() {
            let error = match o.error.take() {
                Some(e) => Some(e),
                None if o.dead => None,
                None => o.reporter.finish().err(),
            };
            let Some(e) = error else { continue };
            match &o.path {
                // The error names the file.
                Some(_) => {
                    failed = true;
                    console.note(&format!("error: writing a report: {e}"));
                }
                None if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                None => {
                    failed = true;
                    console.note(&format!(
                        "error: cannot write the output (standard output): {e}"
                    ));
                }
            }
        }
        failed
    }
}
