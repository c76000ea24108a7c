//! Exit codes, and the one place that maps outcomes and errors to them.

use crate::engine::{EngineError, FmtOutcome, RunOutcome, Signal};

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

/// The exit status of a finished run, as SPEC section 2 defines it; a run that would have
/// passed exits 2 when a report (or the recording) could not be written.
pub fn for_run(o: RunOutcome) -> i32 {
    let s = &o.summary;
    let code = match o.signal {
        Some(Signal::Terminate) if s.interrupted => EXIT_TERMINATED,
        _ if s.interrupted => EXIT_INTERRUPTED,
        _ if s.counts.failed > 0 => EXIT_FAILED,
        _ if s.counts.errors > 0 => EXIT_UNREACHABLE,
        _ => EXIT_OK,
    };
    if o.report_failed && code == EXIT_OK {
        EXIT_INVALID
    } else {
        code
    }
}

/// Every engine error means nothing was sent: invalid input.
pub fn for_error(_: &EngineError) -> i32 {
    EXIT_INVALID
}

/// `fmt`: 2 when a file could not be read or written, 1 under `--check` when one is not
/// formatted.
pub fn for_fmt(o: &FmtOutcome, check: bool) -> i32 {
    if o.errors > 0 {
        EXIT_INVALID
    } else if check && o.unformatted > 0 {
        EXIT_FAILED
    } else {
        EXIT_OK
    }
}

/// A command line clap refused is a usage error; `--help` and `--version` are not.
pub fn for_arguments(e: &clap::Error) -> i32 {
    match e.kind() {
        clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => EXIT_OK,
        _ => EXIT_INVALID,
    }
}
