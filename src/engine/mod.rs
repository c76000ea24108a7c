//! One run of baton, from resolved settings to an outcome: the plan and its shard, the
//! listener for `receive` steps, the mocks, the HTTP client, signals, the recorder, the
//! reporters, and the end (reports finished, the recording written, the mocks stopped).
//! `check`, `export curl`, `mock`, `import` and `fmt` have their entry points here too, so
//! the command line only turns arguments into settings and outcomes into exit codes.

mod commands;
mod lifecycle;
mod outputs;
pub mod settings;
mod signals;

use std::io::Write;
use std::sync::Arc;

pub use commands::{FmtOutcome, ImportSource, check, export_curl, fmt, import, serve_mock};
pub use lifecycle::{RunOutcome, run};
pub use settings::{
    CheckSettings, Environment, ExportSettings, Listening, MockSettings, ReportKind, RunSettings,
};
pub use signals::Signal;

use crate::plan::PlanError;
use crate::problem::Diag;

/// Why a command could not do its work. Every variant means nothing was sent.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The command line's values: every problem at once.
    #[error("{}", .0.join("; "))]
    Usage(Vec<String>),
    /// Problems with the input files, each with its place.
    #[error("{} problem{} found; nothing was sent", .0.len(), if .0.len() == 1 { "" } else { "s" })]
    Invalid(Vec<Diag>),
    /// The starting values could not be worked out (a `vars` entry that does not render).
    #[error("nothing was sent")]
    Unresolved(Vec<Diag>),
    /// A mock file's or OpenAPI document's problems, already rendered with their places.
    #[error("{0}")]
    Rendered(String),
    /// What the machine refused: a runtime, a port, a file.
    #[error("{0}")]
    Failed(String),
}

impl EngineError {
    /// The one place an error becomes the text a user reads on stderr.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let mut line = |s: &str| {
            out.push_str(s);
            out.push('\n');
        };
        match self {
            Self::Usage(problems) => problems.iter().for_each(|p| line(&format!("error: {p}"))),
            Self::Invalid(diags) | Self::Unresolved(diags) => {
                diags.iter().for_each(|d| line(&d.render()));
                line(&format!("error: {self}"));
            }
            Self::Rendered(text) => line(text),
            Self::Failed(message) => line(&format!("error: {message}")),
        }
        out
    }

    fn usage(message: impl Into<String>) -> Self {
        Self::Usage(vec![message.into()])
    }
}

impl From<PlanError> for EngineError {
    fn from(e: PlanError) -> Self {
        match e {
            PlanError::Usage(m) => Self::usage(m),
            PlanError::Invalid(d) => Self::Invalid(d),
            PlanError::Rendered(r) => Self::Rendered(r),
        }
    }
}

/// Where a command writes: its output (reports, generated files) and its notes and
/// warnings. The process's streams in `baton`; anything else in a test.
#[derive(Clone)]
pub struct Console {
    out: Arc<dyn Fn() -> Box<dyn Write + Send> + Send + Sync>,
    err: Arc<dyn Fn() -> Box<dyn Write + Send> + Send + Sync>,
}

impl Console {
    /// Standard output and standard error (unbuffered: a writer that wants a buffer adds one).
    pub fn process() -> Self {
        Self {
            out: Arc::new(|| Box::new(std::io::stdout())),
            err: Arc::new(|| Box::new(std::io::stderr())),
        }
    }

    /// A writer to the output stream.
    pub fn out(&self) -> Box<dyn Write + Send> {
        (self.out)()
    }

    /// A writer to the notes stream.
    pub fn err(&self) -> Box<dyn Write + Send> {
        (self.err)()
    }

    /// One line on the notes stream (`warning: ...`, `skipped ...`).
    pub fn note(&self, line: &str) {
        let mut err = self.err();
        let _ = writeln!(err, "{line}");
        let _ = err.flush();
    }

    /// Text on the output stream, as a command's result: a write that fails (a full disk,
    /// `> /dev/full`) fails the command; a closed pipe (`| head`) does not.
    pub fn emit(&self, text: &str) -> Result<(), EngineError> {
        match self.print(text) {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(EngineError::Failed(
                format!("cannot write the output (standard output): {e}"),
            )),
            _ => Ok(()),
        }
    }

    /// Text on the output stream, flushed.
    pub fn print(&self, text: &str) -> std::io::Result<()> {
        let mut out = self.out();
        out.write_all(text.as_bytes())?;
        out.flush()
    }
}

/// The plan's warnings, then with `-v` the files a directory held that are not
/// collections, and why.
fn note_skipped(console: &Console, checked: &crate::plan::Checked, list: bool) {
    for w in &checked.warnings {
        console.note(w);
    }
    if list {
        for (f, why) in &checked.skipped {
            console.note(&format!("skipped {} ({why})", f.display()));
        }
    }
}

/// The async runtime a command runs on: one thread, or up to `jobs` worker threads.
fn runtime(jobs: usize) -> Result<tokio::runtime::Runtime, EngineError> {
    let built = if jobs <= 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(jobs.min(cores))
            .enable_all()
            .build()
    };
    built.map_err(|e| EngineError::Failed(format!("cannot start the async runtime: {e}")))
}
