//! Arguments to settings: every value parsed and checked here, every problem reported at
//! once, so the engine gets one resolved settings value.

use std::path::PathBuf;
use std::time::Duration;

use super::{CheckArgs, ColorChoice, ExportCommand, ImportCommand, RunArgs, VarArgs};
use crate::engine::{
    CheckSettings, Environment, ExportSettings, ImportSource, Listening, ReportKind, RunSettings,
};
use crate::http::ClientOptions;
use crate::plan::Inputs;
use crate::report::terminal::Verbosity;

impl VarArgs {
    /// What a plan starts from: these paths and the variable flags.
    pub fn inputs(&self, paths: &[PathBuf]) -> Inputs {
        Inputs {
            paths: paths.to_vec(),
            env: self.env.clone(),
            env_files: self.env_file.clone(),
            vars: self.var.clone(),
            mocks: self.mock.clone(),
            data: None,
            check_variables: true,
            keep: crate::format::Keep::Model,
        }
    }
}

/// Collects the problems of a command line, so all are said at once.
#[derive(Default)]
struct Problems(Vec<String>);

impl Problems {
    fn take<T>(&mut self, r: Result<T, String>) -> Option<T> {
        r.map_err(|e| self.0.push(e)).ok()
    }
}

/// `baton run`'s settings, or every problem with its arguments.
pub fn run(args: &RunArgs, environment: Environment) -> Result<RunSettings, Vec<String>> {
    let mut p = Problems::default();
    let default_timeout = match &args.timeout {
        Some(t) => p.take(crate::duration::parse(t).map_err(|e| format!("--timeout: {e}"))),
        None => Some(Duration::from_secs(30)),
    };
    let max_body = p.take(parse_size(&args.max_body).map_err(|e| format!("--max-body: {e}")));
    let shard = p.take(args.shard.as_deref().map(parse_shard).transpose());
    if args.jobs == 0 {
        p.0.push("--jobs must be at least 1".into());
    }
    let reports: Vec<(ReportKind, PathBuf)> = args
        .report
        .iter()
        .filter_map(|r| p.take(report(r)))
        .collect();
    let listening = p.take(listening(args));
    let mut inputs = args.vars.inputs(&args.paths);
    inputs.data = args.data.clone();
    let (Some(default_timeout), Some(max_body), Some(shard), Some(listening)) =
        (default_timeout, max_body, shard, listening)
    else {
        return Err(p.0);
    };
    if !p.0.is_empty() {
        return Err(p.0);
    }
    let color = color(args.color, &environment);
    Ok(RunSettings {
        inputs,
        reports,
        filter: args.filter.clone(),
        tags: args.tag.clone(),
        to: args.to.clone(),
        fail_fast: args.fail_fast,
        jobs: args.jobs,
        shard,
        default_timeout,
        max_body,
        listening,
        update_snapshots: args.update_snapshots,
        record: args.record.clone(),
        client: ClientOptions {
            insecure: args.insecure,
            cacert: args.cacert.clone(),
            cert: args.cert.clone(),
            key: args.key.clone(),
            proxy: args.proxy.clone(),
        },
        verbosity: verbosity(args.quiet, args.verbose),
        color,
        list_skipped: args.verbose > 0,
        environment,
    })
}

fn verbosity(quiet: bool, verbose: u8) -> Verbosity {
    match (quiet, verbose) {
        (true, _) => Verbosity::Quiet,
        (false, 0) => Verbosity::Normal,
        (false, 1) => Verbosity::Verbose,
        _ => Verbosity::VeryVerbose,
    }
}

/// NO_COLOR wins even over `--color always`: colour is never written when it is set.
fn color(choice: ColorChoice, env: &Environment) -> bool {
    !env.no_color
        && match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => env.stdout_terminal,
        }
}

fn listening(args: &RunArgs) -> Result<Listening, String> {
    let addr = args.listen.parse().map_err(|_| {
        format!(
            "--listen `{}`: expected IP:PORT, e.g. 127.0.0.1:8080 or 0.0.0.0:8080",
            args.listen
        )
    })?;
    if let Some(u) = &args.callback_url
        && !url::Url::parse(u).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
    {
        return Err(format!(
            "--callback-url `{u}`: expected an http(s) URL, e.g. https://abc.trycloudflare.com"
        ));
    }
    Ok(Listening {
        addr,
        callback_url: args.callback_url.clone(),
    })
}

/// `baton check`'s settings.
pub fn check(args: &CheckArgs) -> CheckSettings {
    let mut inputs = args.vars.inputs(&args.paths);
    // `check` looks at each request's outline, never the whole model a run needs.
    inputs.keep = crate::format::Keep::Outline;
    CheckSettings {
        inputs,
        list_skipped: args.verbose > 0,
    }
}

/// `baton export curl`'s settings.
pub fn export(cmd: ExportCommand) -> ExportSettings {
    let ExportCommand::Curl {
        path,
        request,
        render,
        show_secrets,
        vars,
    } = cmd;
    let mut inputs = vars.inputs(&[path]);
    // Variables without a value are written as `${NAME}`: they need no definition here.
    inputs.check_variables = false;
    ExportSettings {
        inputs,
        request,
        render,
        show_secrets,
    }
}

/// What `baton import` converts.
pub fn import(cmd: ImportCommand) -> ImportSource {
    match cmd {
        ImportCommand::Postman { file, out } => ImportSource::Postman { file, out },
        ImportCommand::PostmanEnv { file } => ImportSource::PostmanEnv { file },
        ImportCommand::Curl { command } => ImportSource::Curl { command },
        ImportCommand::Openapi {
            file,
            out,
            allow_refs_outside,
        } => ImportSource::Openapi {
            file,
            out,
            refs_outside: allow_refs_outside,
        },
    }
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

fn report(spec: &str) -> Result<(ReportKind, PathBuf), String> {
    let (kind, path) = spec
        .split_once('=')
        .ok_or_else(|| format!("--report `{spec}`: expected KIND=PATH, e.g. junit=report.xml"))?;
    let path = PathBuf::from(path);
    if path.as_os_str().is_empty() {
        return Err(format!("--report `{spec}`: the path is empty"));
    }
    let kind = match kind {
        "junit" => ReportKind::Junit,
        "json" => ReportKind::Json,
        "html" => ReportKind::Html,
        other => {
            return Err(format!(
                "--report `{other}`: unknown kind (use junit, json or html)"
            ));
        }
    };
    Ok((kind, path))
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

    #[test]
    fn every_argument_problem_at_once() {
        use clap::Parser as _;
        let cli = super::super::Cli::try_parse_from([
            "baton",
            "run",
            "--timeout",
            "soon",
            "--max-body",
            "lots",
            "--shard",
            "4/3",
            "--jobs",
            "0",
            "--report",
            "pdf=x.pdf",
            "--listen",
            "here",
        ])
        .unwrap();
        let super::super::Command::Run(args) = cli.command else {
            panic!("run")
        };
        let problems = run(&args, Environment::default()).unwrap_err();
        assert_eq!(problems.len(), 6, "{problems:#?}");
    }
}
