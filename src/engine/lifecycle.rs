//! `baton run` from settings to outcome: check, shard, open what the run keeps open (the
//! listener, the mocks), work out every starting scope, run with the client, the signal
//! watch, the recorder and the reporters, then end: reports finished, the recording
//! written, the mocks stopped.

use std::path::Path;
use std::sync::Arc;

use serde_json::Value as Json;

use super::outputs::Outputs;
use super::signals::{Signal, Watch};
use super::{Console, EngineError, RunSettings, note_skipped, runtime};
use crate::http::Http;
use crate::http::oauth2::TokenCache;
use crate::mock::RunningMock;
use crate::plan::{self, Checked, Planned};
use crate::report::event::RunSummary;
use crate::report::terminal::Verbosity;
use crate::run::recorder::Recorder;
use crate::run::{self, Listener, RunOptions, Services};
use crate::secret::Secrets;

/// How a run ended.
#[derive(Debug)]
pub struct RunOutcome {
    pub summary: RunSummary,
    /// The signal that stopped it, if one did.
    pub signal: Option<Signal>,
    /// A report file or the recording could not be written.
    pub report_failed: bool,
}

/// Run what the settings name. Nothing is sent unless every collection checks.
pub fn run(s: &RunSettings, console: &Console) -> Result<RunOutcome, EngineError> {
    let secrets = Secrets::new();
    let checked = plan::check(&s.inputs, secrets.clone())?;
    if let Some(to) = &s.to {
        known_request(&checked, to)?;
    }
    note_skipped(console, &checked, s.list_skipped);
    if s.client.insecure {
        console.note(
            "warning: --insecure: TLS certificates are not checked; anyone on the path can read and change this run's traffic",
        );
    }
    runtime(s.jobs)?.block_on(lifecycle(checked, s, console, secrets))
}

async fn lifecycle(
    mut checked: Checked,
    s: &RunSettings,
    console: &Console,
    secrets: Secrets,
) -> Result<RunOutcome, EngineError> {
    if let Some((k, n)) = s.shard {
        checked.keep_shard(k, n);
    }
    let doors = Doors::open(&mut checked, s, console).await?;
    // Every collection's starting scope is computed before anything is sent.
    let plan = checked
        .plan(doors.values.clone())
        .map_err(EngineError::Unresolved)?;
    let http = Http::new(&s.client).map_err(|e| EngineError::usage(e.to_string()))?;
    let watch = Watch::start();
    let mut outputs = Outputs::new(s, console);
    outputs.add_progress(
        s,
        plan.iter().map(|p| p.collection.requests().count()).sum(),
    );
    let recording = s.record.as_ref().map(|_| {
        (
            Arc::new(Recorder::new()),
            origin_candidates(&plan, &checked),
        )
    });
    let services = Services {
        http: Arc::new(http),
        tokens: TokenCache::default(),
        secrets: secrets.clone(),
        cancel: watch.cancel.clone(),
        listener: doors.listener,
        recorder: recording.as_ref().map(|(r, _)| Arc::clone(r)),
    };
    let summary = run::run(plan, options(s), services, |ev| outputs.event(ev)).await;
    let mut report_failed = outputs.finish(console);
    if let (Some(path), Some((recorder, candidates))) = (&s.record, &recording) {
        report_failed |= !write_recording(path, recorder, candidates, &secrets, console);
    }
    for m in doors.mocks {
        m.stop().await;
    }
    Ok(RunOutcome {
        summary,
        signal: watch.received(),
        report_failed,
    })
}

/// `--to NAME` must name a request of some collection of the run.
fn known_request(checked: &Checked, name: &str) -> Result<(), EngineError> {
    let names: Vec<&str> = (checked.collections.iter())
        .flat_map(|c| c.requests().map(|r| r.name.as_str()))
        .collect();
    if names.contains(&name) {
        return Ok(());
    }
    let hint = match crate::problem::source::did_you_mean(name, names.iter().copied()) {
        Some(s) => format!("; did you mean `{s}`?"),
        None => "; give the name of a request (its `name:`) as written".into(),
    };
    Err(EngineError::usage(format!(
        "--to `{name}`: no collection of the run has a request named `{name}`{hint}"
    )))
}

fn options(s: &RunSettings) -> RunOptions {
    RunOptions {
        jobs: s.jobs,
        fail_fast: s.fail_fast,
        filter: s.filter.clone(),
        tags: s.tags.clone(),
        to: s.to.clone(),
        default_timeout: s.default_timeout,
        keep_exchange: s.verbosity >= Verbosity::Verbose || !s.reports.is_empty(),
        max_body: s.max_body,
        snapshots: crate::verdict::snapshot::Mode {
            update: s.update_snapshots,
            ci: s.environment.ci,
        },
    }
}

/// What a run keeps open while it runs, and the values they give it (`callback_url`, each
/// mock's variable).
struct Doors {
    values: Vec<(String, Json)>,
    listener: Option<Arc<Listener>>,
    mocks: Vec<RunningMock>,
}

impl Doors {
    /// The listener first (so a callback that comes early is kept), then the mocks, which
    /// see the run's initial values (`vars.callback_url`) in their templates.
    async fn open(
        checked: &mut Checked,
        s: &RunSettings,
        console: &Console,
    ) -> Result<Self, EngineError> {
        let mut doors = Doors {
            values: Vec::new(),
            listener: None,
            mocks: Vec::new(),
        };
        if checked.receives() {
            let collections: Vec<&crate::format::model::Collection> =
                checked.collections.iter().map(|c| c.as_ref()).collect();
            let l = Listener::start(s.listening.addr, run::expected(&collections))
                .await
                .map_err(|e| {
                    EngineError::usage(format!("cannot listen on {}: {e}", s.listening.addr))
                })?;
            let url = (s.listening.callback_url.clone())
                .unwrap_or_else(|| l.base_url())
                .trim_end_matches('/')
                .to_string();
            if s.verbosity >= Verbosity::Verbose {
                console.note(&format!(
                    "receive steps listen on {} (callback_url: {url})",
                    l.addr
                ));
            }
            doors
                .values
                .push((plan::CALLBACK_URL.into(), Json::String(url)));
            doors.listener = Some(Arc::new(l));
        }
        let mut vars: serde_json::Map<String, Json> = (checked.outside.values())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        vars.extend(doors.values.iter().cloned());
        for m in std::mem::take(&mut checked.mocks) {
            let var = m.serves().to_string();
            let options = crate::mock::MockOptions {
                port: 0,
                vars: vars.clone(),
                log: None,
                host: checked.host.clone(),
            };
            let running = crate::mock::start(m, options)
                .await
                .map_err(|e| EngineError::usage(format!("cannot start the mock server: {e}")))?;
            doors.values.push((var, Json::String(running.url.clone())));
            doors.mocks.push(running);
        }
        Ok(doors)
    }
}

/// The variables that may hold the recorded origin, `base_url` first, with their values
/// in the first collection's starting scope.
fn origin_candidates(plan: &[Planned], checked: &Checked) -> Vec<(String, Json)> {
    let Some(first) = plan.first() else {
        return Vec::new();
    };
    let mut names: Vec<String> = first
        .collection
        .vars
        .iter()
        .map(|(k, _)| k.clone())
        .collect();
    names.extend(checked.outside.names());
    names.sort_by_key(|n| n != "base_url");
    names
        .into_iter()
        .filter_map(|n| {
            let v = first.scope.get(&n)?;
            Some((n, v))
        })
        .collect()
}

/// Write `--record`'s mock file; false (with the error said) when it cannot be written.
fn write_recording(
    path: &Path,
    recorder: &Recorder,
    candidates: &[(String, Json)],
    secrets: &Secrets,
    console: &Console,
) -> bool {
    let served = recorder.serves(candidates);
    match std::fs::write(path, recorder.mock_file(&served, secrets)) {
        Ok(()) => true,
        Err(e) => {
            console.note(&format!(
                "error: cannot write the recording {}: {e}",
                path.display()
            ));
            false
        }
    }
}
