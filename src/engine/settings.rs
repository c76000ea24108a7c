//! Resolved settings: what each command runs with, already parsed and validated (the
//! command line builds them and reports every problem at once), and the environment baton
//! reads, detected in one place.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::http::ClientOptions;
use crate::plan::Inputs;
use crate::report::terminal::Verbosity;

/// The process environment as baton reads it. `detect` is the only code that looks.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    /// `CI` is set and not `false`: missing snapshots fail instead of being written.
    pub ci: bool,
    /// `GITHUB_ACTIONS=true`: failures are also printed as workflow annotations.
    pub github_actions: bool,
    /// `GITHUB_STEP_SUMMARY` (on GitHub Actions): the Markdown job summary's file.
    pub step_summary: Option<PathBuf>,
    /// `NO_COLOR` is set and not empty: never colour, whatever `--color` says.
    pub no_color: bool,
    /// Standard output is a terminal (`--color auto`).
    pub stdout_terminal: bool,
    /// Standard error is a terminal (the progress bar).
    pub stderr_terminal: bool,
}

impl Environment {
    pub fn detect() -> Self {
        use std::io::IsTerminal;
        let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        let github_actions = std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true");
        Self {
            ci: var("CI").is_some_and(|v| v != "false"),
            github_actions,
            step_summary: var("GITHUB_STEP_SUMMARY")
                .filter(|_| github_actions)
                .map(PathBuf::from),
            no_color: var("NO_COLOR").is_some(),
            stdout_terminal: std::io::stdout().is_terminal(),
            stderr_terminal: std::io::stderr().is_terminal(),
        }
    }
}

/// The kinds of report file `--report KIND=PATH` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    Junit,
    Json,
    Html,
}

/// `--listen`, `--callback-url`: where receive steps listen and what senders are told.
#[derive(Debug, Clone)]
pub struct Listening {
    pub addr: SocketAddr,
    pub callback_url: Option<String>,
}

/// Everything `baton run` needs.
#[derive(Debug, Clone)]
pub struct RunSettings {
    pub inputs: Inputs,
    pub reports: Vec<(ReportKind, PathBuf)>,
    pub filter: Option<String>,
    pub tags: Vec<String>,
    /// `--to NAME`: each collection runs up to and including its request NAME.
    pub to: Option<String>,
    pub fail_fast: bool,
    pub jobs: usize,
    /// `--shard K/N`, 1 <= K <= N.
    pub shard: Option<(usize, usize)>,
    pub default_timeout: Duration,
    pub max_body: u64,
    pub listening: Listening,
    pub update_snapshots: bool,
    pub record: Option<PathBuf>,
    pub client: ClientOptions,
    pub verbosity: Verbosity,
    /// Colour the terminal report (already decided from `--color`, the terminal and NO_COLOR).
    pub color: bool,
    /// `-v` was given: list the files a directory held that are not collections.
    pub list_skipped: bool,
    pub environment: Environment,
}

/// Everything `baton check` needs.
#[derive(Debug, Clone)]
pub struct CheckSettings {
    pub inputs: Inputs,
    pub list_skipped: bool,
}

/// Everything `baton export curl` needs.
#[derive(Debug, Clone)]
pub struct ExportSettings {
    pub inputs: Inputs,
    pub request: Option<String>,
    pub render: bool,
    pub show_secrets: bool,
}

/// Everything `baton mock` needs.
#[derive(Debug, Clone)]
pub struct MockSettings {
    pub file: PathBuf,
    pub port: u16,
}
