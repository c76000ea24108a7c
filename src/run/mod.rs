//! Executes a plan and emits events; never prints.
//!
//! Collections run one after another, or `jobs` at a time; requests within one stay in
//! order. Events of each collection reach the reporters grouped and in collection order.
//! The run owns what its steps share (HTTP client, token cache, secrets, listener) and hands
//! it down, so two runs in one process never meet.

mod exchange;
mod inbound;
mod listener;
mod phase;
pub mod recorder;
mod renderer;
mod step;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use reqwest::cookie::Jar;
use tokio::sync::{mpsc, watch};

use crate::format::model::{Collection, Request, Step};
use crate::http::Http;
use crate::http::oauth2::TokenCache;
use crate::report::event::{
    CollectionInfo, Counts, Event, Outcome, Phase, PhaseKind, RequestResult, RunSummary,
};
use crate::secret::{Redacted, Secrets};
use crate::template::Vars;

pub use inbound::expected;
pub use listener::{Expected, Listener};
pub use renderer::StepError;

use crate::plan::Planned;

#[derive(Debug, Clone)]
pub struct RunOptions {
    pub jobs: usize,
    pub fail_fast: bool,
    /// Only requests whose `collection/request` name contains this.
    pub filter: Option<String>,
    /// Only requests carrying any of these tags.
    pub tags: Vec<String>,
    /// `--to NAME`: each collection stops after its request NAME.
    pub to: Option<String>,
    pub default_timeout: Duration,
    /// Keep request and response details of passing requests (verbose output, file reports).
    pub keep_exchange: bool,
    /// Keep at most this many decoded bytes of a response body.
    pub max_body: u64,
    pub snapshots: crate::verdict::snapshot::Mode,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            jobs: 1,
            fail_fast: false,
            filter: None,
            tags: Vec::new(),
            to: None,
            default_timeout: Duration::from_secs(30),
            keep_exchange: false,
            max_body: 64 << 20,
            snapshots: crate::verdict::snapshot::Mode::default(),
        }
    }
}

/// What the run owns and its steps share.
pub struct Services {
    pub http: Arc<Http>,
    pub tokens: TokenCache,
    pub secrets: Secrets,
    /// Becomes true on SIGINT/SIGTERM: nothing more is sent.
    pub cancel: watch::Receiver<bool>,
    /// Where `receive` steps wait for inbound requests (when any collection has one).
    pub listener: Option<Arc<Listener>>,
    /// `--record`: every exchange, for a mock file.
    pub recorder: Option<Arc<crate::run::recorder::Recorder>>,
}

struct Ctx {
    started: Instant,
    services: Services,
    opts: RunOptions,
    stop: AtomicBool,
}

impl Ctx {
    fn cancelled(&self) -> bool {
        *self.services.cancel.borrow()
    }

    pub(super) fn phase(&self, res: &mut RequestResult, kind: PhaseKind, since: Instant) {
        res.phases.push(Phase {
            kind,
            start: since.duration_since(self.started),
            duration: since.elapsed(),
        });
    }

    pub(super) async fn sleep(&self, d: Duration) -> Result<(), StepError> {
        if d.is_zero() {
            return Ok(());
        }
        let mut cancel = self.services.cancel.clone();
        tokio::select! {
            _ = tokio::time::sleep(d) => Ok(()),
            _ = cancel.wait_for(|c| *c) => Err(StepError::Interrupted),
        }
    }

    /// Run `f` unless the run is cancelled first.
    pub(super) async fn cancellable<T>(&self, f: impl Future<Output = T>) -> Result<T, StepError> {
        let mut cancel = self.services.cancel.clone();
        tokio::select! {
            v = f => Ok(v),
            _ = cancel.wait_for(|c| *c) => Err(StepError::Interrupted),
        }
    }
}

/// Run everything; `emit` receives every event in order, sealed: every string in it masked
/// with the run's secrets, so nothing unmasked can reach a reporter. Returns the summary also
/// sent as `RunFinished`.
pub async fn run(
    plan: Vec<Planned>,
    opts: RunOptions,
    services: Services,
    mut emit: impl FnMut(&Redacted<Event>),
) -> RunSummary {
    let started = Instant::now();
    let secrets = services.secrets.clone();
    let mut emit = move |ev: Event| emit(&secrets.seal(ev));
    emit(Event::RunStarted {
        collections: plan.len(),
    });
    let jobs = opts.jobs.max(1);
    let ctx = Arc::new(Ctx {
        started,
        services,
        opts,
        stop: AtomicBool::new(false),
    });
    let (tx, mut rx) = mpsc::unbounded_channel::<(usize, Event)>();
    let total = plan.len();
    let producer = {
        let ctx = Arc::clone(&ctx);
        async move {
            futures_util::stream::iter(plan.into_iter().enumerate())
                .map(|(i, p)| run_collection(i, p, Arc::clone(&ctx), tx.clone()))
                .buffer_unordered(jobs)
                .collect::<Vec<()>>()
                .await;
            drop(tx);
        }
    };
    let mut counts = Counts::default();
    let consumer = async {
        // Deliver collection `current` live; buffer the others until their turn.
        let mut current = 0usize;
        let mut pending: BTreeMap<usize, Vec<Event>> = BTreeMap::new();
        let mut finished: Vec<bool> = vec![false; total];
        while let Some((i, ev)) = rx.recv().await {
            if let Event::RequestFinished(r) = &ev {
                counts.add(r.outcome);
            }
            let done = matches!(ev, Event::CollectionFinished { .. });
            if i == current {
                emit(ev);
            } else {
                pending.entry(i).or_default().push(ev);
            }
            if done {
                finished[i] = true;
            }
            while current < total && finished[current] {
                current += 1;
                if let Some(evs) = pending.remove(&current) {
                    evs.into_iter().for_each(&mut emit);
                }
            }
        }
    };
    tokio::join!(producer, consumer);
    if let Some(listener) = &ctx.services.listener {
        listener.close().await;
    }
    let summary = RunSummary {
        counts,
        duration: started.elapsed(),
        interrupted: ctx.cancelled(),
    };
    emit(Event::RunFinished(summary.clone()));
    summary
}

/// What one collection's steps share while it runs.
struct CollectionState {
    scope: Vars,
    contract: Option<Arc<crate::openapi::Contract>>,
    jar: Option<Jar>,
    /// Variables an earlier step failed to set -> why (a failed capture, a request that
    /// could not complete, an included `vars` entry that did not render).
    missing: HashMap<String, renderer::Missing>,
    /// Variables captured by requests that were left out -> those requests.
    not_run: HashMap<String, String>,
}

async fn run_collection(
    index: usize,
    p: Planned,
    ctx: Arc<Ctx>,
    tx: mpsc::UnboundedSender<(usize, Event)>,
) {
    let started = Instant::now();
    let c = &p.collection;
    let send = |ev: Event| {
        let _ = tx.send((index, ev));
    };
    send(Event::CollectionStarted(CollectionInfo {
        index,
        name: c.name.clone(),
        path: c.path.clone(),
        iteration: p.iteration,
    }));
    let mut state = CollectionState {
        scope: p.scope.clone(),
        contract: p.contract.clone(),
        jar: c.cookies.then(Jar::default),
        missing: HashMap::new(),
        not_run: HashMap::new(),
    };
    let mut counts = Counts::default();
    let report = |result: RequestResult, counts: &mut Counts| {
        counts.add(result.outcome);
        send(Event::RequestFinished(Box::new(result)));
    };
    for step in &c.steps {
        if ctx.cancelled() {
            break;
        }
        match step {
            Step::IncludeVars { file, vars } => include_vars(file, vars, &mut state),
            // Only a collection loaded for `check` (`Keep::Outline`) has outlines; a run's
            // plan loads the model (`Keep::Model`).
            Step::Outline(_) => {}
            Step::Request(r) if !selected(c, r, &ctx.opts) => {
                for cap in &r.captures {
                    state.not_run.insert(cap.var.clone(), r.name.clone());
                }
            }
            Step::Request(r) if ctx.stop.load(Ordering::Relaxed) => {
                report(step::not_run(&ctx, c, index, r, &r.name), &mut counts);
            }
            Step::Request(r) => {
                let results = step::run(&ctx, c, index, r, &mut state, &send).await;
                for result in results {
                    if ctx.opts.fail_fast
                        && matches!(result.outcome, Outcome::Failed | Outcome::Error)
                    {
                        ctx.stop.store(true, Ordering::Relaxed);
                    }
                    report(result, &mut counts);
                }
            }
        }
        if let Step::Request(r) = step
            && ctx.opts.to.as_deref() == Some(r.name.as_str())
        {
            break;
        }
    }
    send(Event::CollectionFinished {
        collection: index,
        counts,
        duration: started.elapsed(),
    });
}

/// An included file's `vars`: they fill in names not yet defined. One that cannot render
/// is not dropped: a request that uses it says why (or is skipped, when what it needs is
/// missing because an earlier request failed).
fn include_vars(
    file: &crate::problem::source::SourceFile,
    vars: &[(String, crate::template::TValue)],
    state: &mut CollectionState,
) {
    for (name, value) in vars {
        if state.scope.contains(name) {
            continue;
        }
        match value.render(&state.scope) {
            Ok(v) => {
                state.scope.set(name.clone(), &v);
                state.missing.remove(name);
            }
            Err(e) => {
                let why = match &e {
                    crate::template::TemplateError::Undefined { name: n } => {
                        state.missing.get(n).cloned()
                    }
                    _ => None,
                };
                let why = why.unwrap_or_else(|| {
                    let mut ts = Vec::new();
                    value.templates(&mut ts);
                    let pos = ts.first().map(|t| t.pos).unwrap_or_default();
                    renderer::Missing::Broken(format!(
                        "its `vars` entry did not render: {e}\n--> {}",
                        renderer::location(&file.path, pos)
                    ))
                });
                state.missing.insert(name.clone(), why);
            }
        }
    }
}

fn selected(c: &Collection, r: &Request, opts: &RunOptions) -> bool {
    if let Some(f) = &opts.filter
        && !format!("{}/{}", c.name, r.name).contains(f.as_str())
    {
        return false;
    }
    opts.tags.is_empty() || r.tags.iter().any(|t| opts.tags.contains(t))
}

#[cfg(test)]
mod tests;
