//! What happened during a run, as plain data. The runner emits these; reporters render them.
//! Every string in an event is already redacted: reporters never see a secret.

use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value as Json;

use crate::secret::Redacted;

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    RunStarted {
        collections: usize,
    },
    CollectionStarted(CollectionInfo),
    /// A request is about to be sent (after its `when` and templates passed).
    RequestStarted {
        collection: usize,
        name: String,
    },
    /// A request's whole outcome: exchange, captures, expectations, or why it was skipped.
    RequestFinished(Box<RequestResult>),
    CollectionFinished {
        collection: usize,
        counts: Counts,
        duration: Duration,
    },
    RunFinished(RunSummary),
}

#[derive(Debug, Clone, Serialize)]
pub struct CollectionInfo {
    /// Position of the collection in the run (0-based).
    pub index: usize,
    pub name: String,
    pub path: PathBuf,
    /// Data-driven runs: the row number (1-based) and its fields.
    pub iteration: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Passed,
    /// An expectation or capture failed, or a template could not render.
    Failed,
    Skipped,
    /// The request could not complete: connect, TLS, timeout, too many redirects.
    Error,
    /// Stopped by SIGINT or SIGTERM while in flight.
    Interrupted,
}

#[derive(Debug, Clone, Serialize)]
pub struct RequestResult {
    pub collection: usize,
    pub collection_name: String,
    pub name: String,
    /// The file and line of the request's list item (an included file's own).
    pub file: PathBuf,
    pub line: u32,
    pub method: String,
    /// Rendered URL, redacted; empty when rendering failed before it.
    pub url: String,
    pub outcome: Outcome,
    /// Why it was skipped, errored, or failed before sending.
    pub message: Option<String>,
    pub request: Option<SentRequest>,
    pub response: Option<ReceivedResponse>,
    /// Redirect hops before the final request, in order (each with what it sent).
    pub redirects: Vec<Redirect>,
    /// The OAuth2 token exchange this request made, redacted.
    pub token_exchange: Option<TokenExchange>,
    /// Sends in all (more than 1 with `retry`).
    pub attempts: u32,
    /// When the request started, counted from the start of the run.
    pub started: Duration,
    pub duration: Duration,
    /// What the time went on (delay, token fetch, each send, waits between retries, a
    /// receive wait), for the HTML report's timeline.
    pub phases: Vec<Phase>,
    pub captures: Vec<CaptureResult>,
    pub assertions: Vec<AssertionResult>,
    /// Things shown with -v that are not steps of their own (an OAuth2 token fetch).
    pub notes: Vec<String>,
    /// Things shown even when the request passed (a snapshot written or updated).
    pub notices: Vec<String>,
}

/// One stretch of a request's time; `start` counts from the start of the run.
#[derive(Debug, Clone, Serialize)]
pub struct Phase {
    pub kind: PhaseKind,
    pub start: Duration,
    pub duration: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PhaseKind {
    /// `delay:` before sending.
    Delay,
    /// An OAuth2 token request made for this request.
    Token,
    /// One send, from the first byte out to the last byte in.
    Send,
    /// The `retry.interval` wait between two sends.
    Wait,
    /// Waiting for an inbound request (`receive`).
    Receive,
}

impl PhaseKind {
    /// Its name in reports (`json`'s `kind`, the timeline's CSS class).
    pub fn name(self) -> &'static str {
        match self {
            PhaseKind::Delay => "delay",
            PhaseKind::Token => "token",
            PhaseKind::Send => "send",
            PhaseKind::Wait => "wait",
            PhaseKind::Receive => "receive",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SentRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    /// Text of the body (binary shown as a size note).
    pub body: Option<String>,
    /// The body's size in bytes as sent, when there was one.
    pub body_bytes: Option<usize>,
}

/// A redirect that was followed: the request that got it, and where it pointed.
#[derive(Debug, Clone, Serialize)]
pub struct Redirect {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub status: u16,
    pub location: String,
    /// The hop's response headers (its `Set-Cookie`s, masked).
    pub response_headers: Vec<(String, String)>,
}

/// An OAuth2 client credentials exchange as it went over the wire, redacted.
#[derive(Debug, Clone, Serialize)]
pub struct TokenExchange {
    pub url: String,
    pub request_headers: Vec<(String, String)>,
    pub request_body: String,
    pub status: u16,
    pub response_headers: Vec<(String, String)>,
    pub response_body: String,
    pub duration: Duration,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReceivedResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CaptureResult {
    pub name: String,
    /// `***` when secret.
    pub value: Option<Json>,
    pub secret: bool,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AssertionResult {
    /// What was checked: `status`, `header Location`, `json $.data[0].name`, `body`, `duration`, `schema`.
    pub subject: String,
    /// The predicate in words: `eq`, `contains`, `not gt`, ...
    pub predicate: String,
    pub passed: bool,
    pub expected: String,
    pub actual: String,
    /// A unified diff of expected vs actual for structured or multi-line values.
    pub diff: Option<String>,
    /// Extra words for a failure ("response is not JSON: ...", "path selects nothing").
    pub message: Option<String>,
    /// Line of the expectation in the collection file.
    pub line: u32,
}

impl AssertionResult {
    /// The one line a failure is shown as: `json $.id eq: expected 1, got 2`, or for a
    /// check without a predicate (a contract violation) `openapi: GET /x 200: ...`.
    pub fn headline(&self) -> String {
        if self.predicate.is_empty() {
            format!("{}: {}", self.subject, self.actual)
        } else {
            format!(
                "{} {}: expected {}, got {}",
                self.subject, self.predicate, self.expected, self.actual
            )
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    pub errors: usize,
    pub interrupted: usize,
}

impl Counts {
    pub fn add(&mut self, o: Outcome) {
        match o {
            Outcome::Passed => self.passed += 1,
            Outcome::Failed => self.failed += 1,
            Outcome::Skipped => self.skipped += 1,
            Outcome::Error => self.errors += 1,
            Outcome::Interrupted => self.interrupted += 1,
        }
    }
    pub fn merge(&mut self, o: &Counts) {
        self.passed += o.passed;
        self.failed += o.failed;
        self.skipped += o.skipped;
        self.errors += o.errors;
        self.interrupted += o.interrupted;
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct RunSummary {
    pub counts: Counts,
    pub duration: Duration,
    pub interrupted: bool,
}

/// Something that consumes events: a reporter.
pub trait Reporter: Send {
    fn event(&mut self, event: &Redacted<Event>) -> std::io::Result<()>;
    /// Called once after `RunFinished`: write files, flush.
    fn finish(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
