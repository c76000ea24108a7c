//! Exit codes, and the one place that maps outcomes and errors to them.

use crate::plan::PlanError;
use crate::report::event::RunSummary;

/// Every request passed.
pub const EXIT_OK: i32 = 0;
/// Some expectation or capture failed.
pub const EXIT_FAILED: i32 = 1;
/// Usage, file or validation error: nothing was sent.
pub const EXIT_INVALID: i32 = 2;
/// A request could not complete (connect, TLS, timeout, redirects) and no expectation failed.
pub const EXIT_UNREACHABLE: i32 = 3;
/// Stopped by SIGINT (Ctrl-C).
pub const EXIT_INTERRUPTED: i32 = 130;
/// Stopped by SIGTERM (a cancelled CI job, `timeout`).
pub const EXIT_TERMINATED: i32 = 143;

/// Which signal stopped a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Interrupt,
    Terminate,
}

/// The exit status of a finished run, as SPEC section 2 defines it.
pub fn for_run(s: &RunSummary, signal: Option<Signal>) -> i32 {
    match signal {
        Some(Signal::Terminate) if s.interrupted => EXIT_TERMINATED,
        _ if s.interrupted => EXIT_INTERRUPTED,
        _ if s.counts.failed > 0 => EXIT_FAILED,
        _ if s.counts.errors > 0 => EXIT_UNREACHABLE,
        _ => EXIT_OK,
    }
}

/// Every planning error is invalid input: nothing was sent.
pub fn for_plan(_: &PlanError) -> i32 {
    EXIT_INVALID
}

/// A run that would have passed exits 2 when a report could not be written.
pub fn with_report_failure(code: i32) -> i32 {
    if code == EXIT_OK { EXIT_INVALID } else { code }
}
