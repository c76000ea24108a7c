//! `baton run`: settings from the arguments, the checked plan, the runtime, mocks and
//! signals, the reporters, and the exit code.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value as Json;

use super::exit::{self, Signal};
use super::{ColorChoice, RunArgs, print_diags, print_skipped, report_plan_error, usage_error};
use crate::http::oauth2::TokenCache;
use crate::http::{ClientOptions, Http};
use crate::plan::{self, Checked};
use crate::report::event::{Event, Reporter};
use crate::report::terminal::{TerminalReporter, Verbosity};
use crate::run::{self, RunOptions, Services};
use crate::secret::Secrets;

/// A reporter, and the file it writes (for the message when it cannot).
struct Output {
    reporter: Box<dyn Reporter>,
    path: Option<PathBuf>,
    dead: bool,
}

pub(super) fn run(args: &RunArgs) -> i32 {
    let verbosity = match (args.quiet, args.verbose) {
        (true, _) => Verbosity::Quiet,
        (false, 0) => Verbosity::Normal,
        (false, 1) => Verbosity::Verbose,
        _ => Verbosity::VeryVerbose,
    };
    let default_timeout = match &args.timeout {
        Some(t) => match crate::duration::parse(t) {
            Ok(d) => d,
            Err(e) => return usage_error(&format!("--timeout: {e}")),
        },
        None => Duration::from_secs(30),
    };
    let max_body = match parse_size(&args.max_body) {
        Ok(n) => n,
        Err(e) => return usage_error(&format!("--max-body: {e}")),
    };
    let shard = match args.shard.as_deref().map(parse_shard).transpose() {
        Ok(s) => s,
        Err(e) => return usage_error(&e),
    };
    if args.jobs == 0 {
        return usage_error("--jobs must be at least 1");
    }
    let mut outputs: Vec<Output> = Vec::new();
    for spec in &args.report {
        match file_reporter(spec) {
            Ok((reporter, path)) => outputs.push(Output {
                reporter,
                path: Some(path),
                dead: false,
            }),
            Err(e) => return usage_error(&e),
        }
    }
    let secrets = Secrets::new();
    let mut inputs = args.vars.inputs(&args.paths);
    inputs.data = args.data.clone();
    let checked = match plan::check(&inputs, secrets.clone()) {
        Ok(c) => c,
        Err(e) => return report_plan_error(&e),
    };
    print_skipped(&checked, args.verbose);
    if args.insecure {
        let _ = writeln!(
            std::io::stderr(),
            "warning: --insecure: TLS certificates are not checked; anyone on the path can read and change this run's traffic"
        );
    }
    // NO_COLOR wins even over --color always: colour is never written when it is set.
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let color = !no_color
        && match args.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => std::io::stdout().is_terminal(),
        };
    let stdout: Box<dyn Write + Send> = Box::new(std::io::BufWriter::new(std::io::stdout()));
    outputs.insert(
        0,
        Output {
            reporter: Box::new(TerminalReporter::new(stdout, color, verbosity)),
            path: None,
            dead: false,
        },
    );
    if std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") {
        let out: Box<dyn Write + Send> = Box::new(std::io::stdout());
        outputs.push(Output {
            reporter: Box::new(crate::report::github::GithubReporter::new(out)),
            path: None,
            dead: false,
        });
        if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
            let path = PathBuf::from(path);
            outputs.push(Output {
                reporter: Box::new(crate::report::summary::SummaryReporter::new(path.clone())),
                path: Some(path),
                dead: false,
            });
        }
    }
    let opts = RunOptions {
        jobs: args.jobs,
        fail_fast: args.fail_fast,
        filter: args.filter.clone(),
        tags: args.tag.clone(),
        default_timeout,
        keep_exchange: verbosity >= Verbosity::Verbose || !args.report.is_empty(),
        max_body,
        snapshots: crate::verdict::snapshot::Mode {
            update: args.update_snapshots,
            ci: std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false"),
        },
    };
    let client = ClientOptions {
        insecure: args.insecure,
        cacert: args.cacert.clone(),
        cert: args.cert.clone(),
        key: args.key.clone(),
        proxy: args.proxy.clone(),
    };
    let runtime = if args.jobs == 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(
                args.jobs
                    .min(std::thread::available_parallelism().map_or(2, |n| n.get())),
            )
            .enable_all()
            .build()
    };
    let runtime = match runtime {
        Ok(r) => r,
        Err(e) => return usage_error(&format!("cannot start the async runtime: {e}")),
    };
    let listen = Listen {
        addr: args.listen.clone(),
        callback_url: args.callback_url.clone(),
        record: args.record.clone(),
    };
    runtime.block_on(execute(
        checked, shard, listen, opts, client, secrets, outputs, verbosity,
    ))
}

/// `--listen`, `--callback-url` and `--record`: what the run keeps open or writes besides
/// its reports.
struct Listen {
    addr: String,
    callback_url: Option<String>,
    record: Option<PathBuf>,
}

#[allow(clippy::too_many_arguments)]
async fn execute(
    mut checked: Checked,
    shard: Option<(usize, usize)>,
    listen: Listen,
    opts: RunOptions,
    client: ClientOptions,
    secrets: Secrets,
    mut outputs: Vec<Output>,
    verbosity: Verbosity,
) -> i32 {
    if let Some((k, n)) = shard {
        checked.collections.sort_by(|a, b| a.path.cmp(&b.path));
        checked.collections = std::mem::take(&mut checked.collections)
            .into_iter()
            .enumerate()
            .filter(|(i, _)| i % n == k - 1)
            .map(|(_, c)| c)
            .collect();
    }
    let mut run_values: Vec<(String, Json)> = Vec::new();
    // The listener is up before anything is sent, so a callback that comes early is kept.
    let mut listener = None;
    if checked.receives() {
        if let Some(u) = &listen.callback_url
            && !url::Url::parse(u).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
        {
            return usage_error(&format!(
                "--callback-url `{u}`: expected an http(s) URL, e.g. https://abc.trycloudflare.com"
            ));
        }
        let addr: std::net::SocketAddr = match listen.addr.parse() {
            Ok(a) => a,
            Err(_) => {
                return usage_error(&format!(
                    "--listen `{}`: expected IP:PORT, e.g. 127.0.0.1:8080 or 0.0.0.0:8080",
                    listen.addr
                ));
            }
        };
        let collections: Vec<&crate::format::model::Collection> =
            checked.collections.iter().map(|c| c.as_ref()).collect();
        match run::Listener::start(addr, run::expected(&collections)).await {
            Ok(l) => {
                let url = listen
                    .callback_url
                    .clone()
                    .unwrap_or_else(|| l.base_url())
                    .trim_end_matches('/')
                    .to_string();
                if verbosity >= Verbosity::Verbose {
                    let _ = writeln!(
                        std::io::stderr(),
                        "receive steps listen on {} (callback_url: {url})",
                        l.addr
                    );
                }
                run_values.push((plan::CALLBACK_URL.into(), Json::String(url)));
                listener = Some(Arc::new(l));
            }
            Err(e) => return usage_error(&format!("cannot listen on {addr}: {e}")),
        }
    }
    let mut running = Vec::new();
    // The mocks see the run's initial values (`vars.callback_url`) in their templates.
    let mut mock_vars: serde_json::Map<String, Json> = checked
        .outside
        .values()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    mock_vars.extend(run_values.iter().cloned());
    for m in std::mem::take(&mut checked.mocks) {
        let var = m.serves().to_string();
        let options = crate::mock::MockOptions {
            port: 0,
            vars: mock_vars.clone(),
            log: None,
            host: checked.host.clone(),
        };
        match crate::mock::start(m, options).await {
            Ok(r) => {
                run_values.push((var, Json::String(r.url.clone())));
                running.push(r);
            }
            Err(e) => return usage_error(&format!("cannot start the mock server: {e}")),
        }
    }
    // Every collection's starting scope is computed before anything is sent.
    let plan = match checked.plan(run_values) {
        Ok(p) => p,
        Err(d) => {
            print_diags(&d);
            let _ = writeln!(std::io::stderr(), "error: nothing was sent");
            return exit::EXIT_INVALID;
        }
    };
    let http = match Http::new(&client) {
        Ok(h) => Arc::new(h),
        Err(e) => return usage_error(&e.to_string()),
    };
    let (cancel_tx, cancel_rx) = tokio::sync::watch::channel(false);
    let signal = Arc::new(std::sync::Mutex::new(None::<Signal>));
    {
        let signal = Arc::clone(&signal);
        tokio::spawn(async move {
            let s = wait_for_signal().await;
            *signal.lock().unwrap_or_else(|e| e.into_inner()) = Some(s);
            let _ = cancel_tx.send(true);
        });
    }
    if std::io::stderr().is_terminal() && verbosity > Verbosity::Quiet {
        let total: usize = plan.iter().map(|p| p.collection.requests().count()).sum();
        outputs.push(Output {
            reporter: Box::new(crate::report::progress::ProgressReporter::new(total as u64)),
            path: None,
            dead: false,
        });
    }
    let recorder = listen
        .record
        .as_ref()
        .map(|_| Arc::new(crate::run::recorder::Recorder::new()));
    // The variables that may hold the recorded origin, `base_url` first.
    let first_scope = plan.first().map(|p| {
        let mut names: Vec<String> = p.collection.vars.iter().map(|(k, _)| k.clone()).collect();
        names.extend(checked.outside.names());
        names.sort_by_key(|n| n != "base_url");
        (p.scope.clone(), names)
    });
    let record_secrets = secrets.clone();
    let services = Services {
        http,
        tokens: TokenCache::default(),
        secrets,
        cancel: cancel_rx,
        listener,
        recorder: recorder.clone(),
    };
    // A reporter that cannot write (a closed pipe: `baton run | head`) is skipped from
    // then on; the run goes on and the exit code still tells the outcome.
    let summary = run::run(plan, opts, services, |ev: &Event| {
        for o in outputs.iter_mut().filter(|o| !o.dead) {
            if o.reporter.event(ev).is_err() {
                o.dead = true;
            }
        }
    })
    .await;
    let mut report_failed = false;
    for o in outputs.iter_mut().filter(|o| !o.dead) {
        if let Err(e) = o.reporter.finish() {
            match &o.path {
                // The error names the file.
                Some(_) => {
                    report_failed = true;
                    let _ = writeln!(std::io::stderr(), "error: writing a report: {e}");
                }
                None if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                None => {
                    let _ = writeln!(std::io::stderr(), "error: writing output: {e}");
                }
            }
        }
    }
    if let (Some(path), Some(rec)) = (&listen.record, &recorder) {
        let candidates: Vec<(String, Json)> = first_scope
            .iter()
            .flat_map(|(scope, names)| {
                names
                    .iter()
                    .filter_map(|n| Some((n.clone(), scope.get(n)?)))
            })
            .collect();
        let served = rec.serves(&candidates);
        if let Err(e) = std::fs::write(path, rec.mock_file(&served, &record_secrets)) {
            report_failed = true;
            let _ = writeln!(
                std::io::stderr(),
                "error: cannot write the recording {}: {e}",
                path.display()
            );
        }
    }
    for m in running {
        m.stop().await;
    }
    let signal = *signal.lock().unwrap_or_else(|e| e.into_inner());
    let code = exit::for_run(&summary, signal);
    if report_failed {
        exit::with_report_failure(code)
    } else {
        code
    }
}

/// SIGINT (Ctrl-C) or SIGTERM (a cancelled CI job): both stop the run cleanly.
async fn wait_for_signal() -> Signal {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            return tokio::select! {
                _ = tokio::signal::ctrl_c() => Signal::Interrupt,
                _ = term.recv() => Signal::Terminate,
            };
        }
    }
    let _ = tokio::signal::ctrl_c().await;
    Signal::Interrupt
}

fn parse_shard(s: &str) -> Result<(usize, usize), String> {
    let bad = || format!("--shard `{s}`: expected K/N with 1 <= K <= N, e.g. 2/3");
    let (k, n) = s.split_once('/').ok_or_else(bad)?;
    let k: usize = k.trim().parse().map_err(|_| bad())?;
    let n: usize = n.trim().parse().map_err(|_| bad())?;
    if k == 0 || n == 0 || k > n {
        return Err(bad());
    }
    Ok((k, n))
}

/// `64MiB`, `512KiB`, `10MB`, `1G`, `1048576` (bytes).
fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a size (write e.g. 64MiB, 512KiB, 10MB)"))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1000,
        "kib" => 1 << 10,
        "m" | "mb" => 1_000_000,
        "mib" => 1 << 20,
        "g" | "gb" => 1_000_000_000,
        "gib" => 1 << 30,
        other => {
            return Err(format!(
                "`{other}` is not a size unit (B, KiB, MiB, GiB, KB, MB, GB)"
            ));
        }
    };
    Ok((n * mult as f64) as u64)
}

fn file_reporter(spec: &str) -> Result<(Box<dyn Reporter>, PathBuf), String> {
    let (kind, path) = spec
        .split_once('=')
        .ok_or_else(|| format!("--report `{spec}`: expected KIND=PATH, e.g. junit=report.xml"))?;
    let path = PathBuf::from(path);
    if path.as_os_str().is_empty() {
        return Err(format!("--report `{spec}`: the path is empty"));
    }
    let reporter: Box<dyn Reporter> = match kind {
        "junit" => Box::new(crate::report::junit::reporter(path.clone())),
        "json" => Box::new(crate::report::json::reporter(path.clone())),
        "html" => Box::new(crate::report::html::reporter(path.clone())),
        other => {
            return Err(format!(
                "--report `{other}`: unknown kind (use junit, json or html)"
            ));
        }
    };
    Ok((reporter, path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("64MiB").unwrap(), 64 << 20);
        assert_eq!(parse_size("512 KiB").unwrap(), 512 << 10);
        assert_eq!(parse_size("10MB").unwrap(), 10_000_000);
        assert_eq!(parse_size("1024").unwrap(), 1024);
        assert!(parse_size("lots").is_err());
        assert!(parse_size("5 parsecs").is_err());
    }

    #[test]
    fn shards() {
        assert_eq!(parse_shard("2/3").unwrap(), (2, 3));
        assert!(parse_shard("0/3").is_err());
        assert!(parse_shard("4/3").is_err());
    }
}
