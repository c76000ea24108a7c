//! The command line: clap types -> resolved settings -> the run; and the one place that maps
//! outcomes and errors to exit codes.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use serde_json::Value as Json;

use crate::collection::load::{self, LoadErrors};
use crate::collection::model::Collection;
use crate::diag::Diag;
use crate::event::{Event, Reporter, RunSummary};
use crate::http::{ClientOptions, Http};
use crate::oauth2::TokenCache;
use crate::report::terminal::{TerminalReporter, Verbosity};
use crate::runner::{self, Planned, RunOptions};
use crate::vars::{self, Overrides};

/// Every request passed.
pub const EXIT_OK: i32 = 0;
/// Some expectation or capture failed.
pub const EXIT_FAILED: i32 = 1;
/// Usage, file or validation error: nothing was sent.
pub const EXIT_INVALID: i32 = 2;
/// A request could not complete (connect, TLS, timeout, redirects) and no expectation failed.
pub const EXIT_UNREACHABLE: i32 = 3;
/// Stopped by Ctrl-C.
pub const EXIT_INTERRUPTED: i32 = 130;

#[derive(Parser, Debug)]
#[command(
    name = "baton",
    version,
    about = "Run declarative HTTP request collections written in YAML"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run collections (files or directories; default: .)
    Run(Box<RunArgs>),
    /// Check collections as `run` would, sending nothing
    Check(Box<CheckArgs>),
    /// Print a collection's requests in another tool's form
    #[command(subcommand)]
    Export(ExportCommand),
    /// Convert Postman collections and environments, or curl commands, into baton YAML
    #[command(subcommand)]
    Import(ImportCommand),
    /// Print the JSON Schema of the collection format (for editors)
    Schema,
    /// Rewrite collections with their keys in the canonical order (comments kept)
    Fmt {
        paths: Vec<PathBuf>,
        /// Change nothing; exit 1 if a file is not formatted
        #[arg(long)]
        check: bool,
    },
    /// Serve a mock file until interrupted
    Mock {
        file: PathBuf,
        /// Port on 127.0.0.1 (0 picks a free one)
        #[arg(long, default_value_t = 0)]
        port: u16,
    },
}

#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// A Postman collection (v2.0/v2.1 JSON) -> a collection on stdout, or files with -o
    Postman {
        file: PathBuf,
        /// Write one file per top-level folder into this directory
        #[arg(short = 'o', long = "out", value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// A Postman environment -> an --env YAML file (secret values become secret() references)
    PostmanEnv { file: PathBuf },
    /// A curl command line -> a one-request collection (reads stdin when CMD is - or absent)
    Curl { command: Option<String> },
    /// An OpenAPI 3.x document (YAML or JSON) -> a contract-tested collection, or files with -o
    Openapi {
        file: PathBuf,
        /// Write one file per tag into this directory
        #[arg(short = 'o', long = "out", value_name = "DIR")]
        out: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
pub enum ExportCommand {
    /// Print runnable curl commands (variables as shell `${NAME}` unless --render)
    Curl {
        path: PathBuf,
        /// Only the request with this name
        #[arg(long, value_name = "NAME")]
        request: Option<String>,
        /// Fill in the values known before the run (vars, --env, --var)
        #[arg(long)]
        render: bool,
        /// Write secret values instead of `${NAME}` references (with --render)
        #[arg(long)]
        show_secrets: bool,
        #[command(flatten)]
        vars: VarArgs,
    },
}

#[derive(Args, Debug, Clone, Default)]
pub struct VarArgs {
    /// Variable file, a YAML map (repeatable; later wins)
    #[arg(long = "env", value_name = "FILE")]
    pub env: Vec<PathBuf>,
    /// dotenv file loaded into the environment that env() and secret() read (repeatable)
    #[arg(long = "env-file", value_name = "FILE")]
    pub env_file: Vec<PathBuf>,
    /// Set a variable (repeatable; the value is a string)
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub var: Vec<String>,
    /// Start the mock server from FILE in-process and set the variable it names to its URL (repeatable)
    #[arg(long = "mock", value_name = "FILE")]
    pub mock: Vec<PathBuf>,
}

#[derive(Args, Debug, Clone)]
pub struct CheckArgs {
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub vars: VarArgs,
    /// List skipped files
    #[arg(short, long, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

#[derive(Args, Debug, Clone)]
pub struct RunArgs {
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub vars: VarArgs,
    /// Write a report: junit=PATH, json=PATH or html=PATH (repeatable)
    #[arg(long = "report", value_name = "KIND=PATH")]
    pub report: Vec<String>,
    /// Only requests whose "collection/request" name contains TEXT
    #[arg(long, value_name = "TEXT")]
    pub filter: Option<String>,
    /// Only requests carrying any of these tags (repeatable)
    #[arg(long = "tag", value_name = "TAG")]
    pub tag: Vec<String>,
    /// Stop at the first failure
    #[arg(long)]
    pub fail_fast: bool,
    /// Collections run in parallel
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub jobs: usize,
    /// Run only the K-th of N deterministic slices of the collections
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Default request timeout (e.g. 10s)
    #[arg(long, value_name = "DURATION")]
    pub timeout: Option<String>,
    /// Run each collection once per row of a CSV (with header) or JSON array file
    #[arg(long, value_name = "FILE")]
    pub data: Option<PathBuf>,
    /// Accept invalid TLS certificates
    #[arg(long)]
    pub insecure: bool,
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<PathBuf>,
    #[arg(long, value_name = "FILE")]
    pub cert: Option<PathBuf>,
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    #[arg(long, value_name = "URL")]
    pub proxy: Option<String>,
    /// -v: request and response lines; -vv: headers and bodies (redacted)
    #[arg(short, long, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Only failures and the summary
    #[arg(short, long)]
    pub quiet: bool,
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Parse the process arguments and run; returns the exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    EXIT_OK
                }
                _ => EXIT_INVALID,
            };
        }
    };
    match cli.command {
        Command::Run(args) => cmd_run(&args),
        Command::Check(args) => cmd_check(&args),
        Command::Mock { file, port } => crate::mock::cmd_mock(&file, port),
        Command::Fmt { paths, check } => cmd_fmt(&paths, check),
        Command::Import(cmd) => cmd_import(cmd),
        Command::Schema => {
            let _ = std::io::stdout().write_all(crate::collection::raw::schema_text().as_bytes());
            EXIT_OK
        }
        Command::Export(ExportCommand::Curl {
            path,
            request,
            render,
            show_secrets,
            vars,
        }) => cmd_export_curl(&path, request.as_deref(), render, show_secrets, &vars),
    }
}

/// Print problems with the input to stderr.
fn print_diags(diags: &[Diag]) {
    let mut err = std::io::stderr().lock();
    for d in diags {
        let _ = writeln!(err, "{}", d.render());
    }
}

fn usage_error(msg: &str) -> i32 {
    let _ = writeln!(std::io::stderr(), "error: {msg}");
    EXIT_INVALID
}

/// What `check` and `run` share: the collections, checked, and the values from outside.
struct Checked {
    collections: Vec<Arc<Collection>>,
    overrides: Overrides,
    mocks: Vec<crate::mock::MockFile>,
}

/// Find, load and check everything; all problems go to stderr and give `Err(exit code)`.
fn load_and_check(
    paths: &[PathBuf],
    v: &VarArgs,
    verbose: bool,
    data_fields: &[String],
) -> Result<Checked, i32> {
    for f in &v.env_file {
        if let Err(e) = dotenvy::from_path(f) {
            return Err(usage_error(&format!("--env-file {}: {e}", f.display())));
        }
    }
    let mut overrides = Overrides::default();
    let mut diags: Vec<Diag> = Vec::new();
    for f in &v.env {
        if let Err(mut d) = overrides.load_env_file(f) {
            diags.append(&mut d);
        }
    }
    for arg in &v.var {
        match vars::parse_var_arg(arg) {
            Ok((k, val)) => overrides.set(k, Json::String(val)),
            Err(e) => return Err(usage_error(&e)),
        }
    }
    let mut mocks = Vec::new();
    for m in &v.mock {
        match crate::mock::load(m) {
            Ok(mock) => {
                // `run` sets the real URL once the server listens; until then (and for
                // `check`, which starts nothing) the variable is defined with a placeholder.
                overrides.set(
                    mock.serves().to_string(),
                    Json::String("http://127.0.0.1:0".into()),
                );
                mocks.push(mock);
            }
            Err(rendered) => {
                let _ = writeln!(std::io::stderr(), "{rendered}");
                return Err(EXIT_INVALID);
            }
        }
    }
    let files = match discover(paths, verbose) {
        Ok(f) => f,
        Err(e) => return Err(usage_error(&e)),
    };
    // `--data` fields are defined for every collection, whatever their row's values.
    let mut defined = overrides.clone();
    for f in data_fields {
        if !defined.contains(f) {
            defined.set(f.clone(), Json::Null);
        }
    }
    let mut collections = Vec::new();
    for (path, c) in files {
        let c = match c {
            Some(c) => c,
            None => match load::load(&path) {
                Ok(c) => c,
                Err(LoadErrors(mut d)) => {
                    diags.append(&mut d);
                    continue;
                }
            },
        };
        diags.extend(vars::check_undefined(&c, &defined));
        collections.push(c);
    }
    // A file that another collection of the run includes is not also run on its own.
    let included: Vec<PathBuf> = collections
        .iter()
        .flat_map(|c| c.includes.iter().cloned())
        .collect();
    collections.retain(|c| {
        let canon = std::fs::canonicalize(&c.path).unwrap_or_else(|_| c.path.clone());
        !included.contains(&canon)
    });
    if !diags.is_empty() {
        print_diags(&diags);
        let n = diags.len();
        let _ = writeln!(
            std::io::stderr(),
            "error: {n} problem{} found; nothing was sent",
            if n == 1 { "" } else { "s" }
        );
        return Err(EXIT_INVALID);
    }
    Ok(Checked {
        collections: collections.into_iter().map(Arc::new).collect(),
        overrides,
        mocks,
    })
}

/// Files named on the command line are collections; directories give every YAML file below
/// them whose top level has `requests` (mock files, env files and other YAML are skipped).
/// Returns each path with the collection when discovery already had to load it.
fn discover(
    paths: &[PathBuf],
    verbose: bool,
) -> Result<Vec<(PathBuf, Option<Collection>)>, String> {
    let defaults = [PathBuf::from(".")];
    let paths = if paths.is_empty() {
        &defaults[..]
    } else {
        paths
    };
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut found = Vec::new();
            walk(p, &mut found)
                .map_err(|e| format!("cannot read directory {}: {e}", p.display()))?;
            found.sort();
            for f in found {
                match classify(&f) {
                    FileKind::Collection => out.push((f, None)),
                    FileKind::Other(why) => {
                        if verbose {
                            let _ = writeln!(std::io::stderr(), "skipped {} ({why})", f.display());
                        }
                    }
                }
            }
        } else if p.exists() {
            out.push((p.clone(), None));
        } else {
            return Err(format!("{}: no such file or directory", p.display()));
        }
    }
    if out.is_empty() {
        return Err(
            "no collections found (a collection is a .yaml/.yml file with `requests:` at the top)"
                .into(),
        );
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if entry.file_type()?.is_dir() {
            if !name.starts_with('.') && name != "target" && name != "node_modules" {
                walk(&path, out)?;
            }
        } else if name.ends_with(".yaml") || name.ends_with(".yml") {
            out.push(path);
        }
    }
    Ok(())
}

enum FileKind {
    Collection,
    Other(&'static str),
}

fn classify(path: &Path) -> FileKind {
    let Ok(text) = std::fs::read_to_string(path) else {
        return FileKind::Other("unreadable");
    };
    match crate::yaml::parse(&text) {
        // A broken file might be a collection: load it so its errors are shown.
        Err(_) => FileKind::Collection,
        Ok(node) => {
            if node.get("requests").is_some() {
                FileKind::Collection
            } else if node.get("routes").is_some() {
                FileKind::Other("mock file")
            } else {
                FileKind::Other("not a collection")
            }
        }
    }
}

fn cmd_check(args: &CheckArgs) -> i32 {
    match load_and_check(&args.paths, &args.vars, args.verbose > 0, &[]) {
        Ok(checked) => {
            for c in &checked.collections {
                if let Err(d) = vars::initial_scope(c, &checked.overrides) {
                    print_diags(&d);
                    return EXIT_INVALID;
                }
            }
            let n: usize = checked
                .collections
                .iter()
                .map(|c| c.requests().count())
                .sum();
            let _ = writeln!(
                std::io::stdout(),
                "ok: {} collection{}, {n} request{}",
                checked.collections.len(),
                if checked.collections.len() == 1 {
                    ""
                } else {
                    "s"
                },
                if n == 1 { "" } else { "s" }
            );
            EXIT_OK
        }
        Err(code) => code,
    }
}

fn cmd_export_curl(
    path: &Path,
    request: Option<&str>,
    render: bool,
    show_secrets: bool,
    v: &VarArgs,
) -> i32 {
    let checked = match load_and_check(&[path.to_path_buf()], v, false, &[]) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let Some(c) = checked.collections.first() else {
        return usage_error(&format!("{} is included by itself", path.display()));
    };
    let scope = if render {
        match vars::initial_scope(c, &checked.overrides) {
            Ok(s) => Some(s),
            Err(d) => {
                print_diags(&d);
                return EXIT_INVALID;
            }
        }
    } else {
        None
    };
    let opts = crate::export::ExportOptions {
        render: scope,
        show_secrets,
    };
    match crate::export::curl(c, request, &opts) {
        Ok(text) => {
            let _ = std::io::stdout().write_all(text.as_bytes());
            EXIT_OK
        }
        Err(e) => usage_error(&e),
    }
}

fn cmd_import(cmd: ImportCommand) -> i32 {
    let read = |p: &Path| std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()));
    let warn = |warnings: &[String]| {
        let mut err = std::io::stderr().lock();
        for w in warnings {
            let _ = writeln!(err, "warning: {w}");
        }
    };
    let write_out = |imported: crate::import::Imported, out: Option<PathBuf>| {
        warn(&imported.warnings);
        match out {
            Some(dir) => {
                std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
                for (name, yaml) in &imported.files {
                    let path = dir.join(name);
                    std::fs::write(&path, yaml).map_err(|e| format!("{}: {e}", path.display()))?;
                    let _ = writeln!(std::io::stdout(), "wrote {}", path.display());
                }
            }
            None => {
                for (_, yaml) in &imported.files {
                    let _ = std::io::stdout().write_all(yaml.as_bytes());
                }
            }
        }
        Ok::<(), String>(())
    };
    let result: Result<(), String> = (|| match cmd {
        ImportCommand::Postman { file, out } => {
            let imported =
                crate::import::postman(&read(&file)?, out.is_some()).map_err(|e| e.to_string())?;
            write_out(imported, out)
        }
        ImportCommand::Openapi { file, out } => {
            if let Some(dir) = &out {
                std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            }
            let key = crate::openapi::document_key(&file, out.as_deref());
            let imported = crate::openapi::import_file(&file, &key, out.is_some())
                .map_err(|e| e.to_string())?;
            write_out(imported, out)
        }
        ImportCommand::PostmanEnv { file } => {
            let c = crate::import::postman_env(&read(&file)?).map_err(|e| e.to_string())?;
            warn(&c.warnings);
            let _ = std::io::stdout().write_all(c.yaml.as_bytes());
            Ok(())
        }
        ImportCommand::Curl { command } => {
            let text = match command.as_deref() {
                Some("-") | None => {
                    let mut s = String::new();
                    std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
                        .map_err(|e| format!("stdin: {e}"))?;
                    s
                }
                Some(c) => c.to_string(),
            };
            let c = crate::import::curl(&text).map_err(|e| e.to_string())?;
            warn(&c.warnings);
            let _ = std::io::stdout().write_all(c.yaml.as_bytes());
            Ok(())
        }
    })();
    match result {
        Ok(()) => EXIT_OK,
        Err(e) => usage_error(&e),
    }
}

fn cmd_fmt(paths: &[PathBuf], check: bool) -> i32 {
    let files = match discover(paths, false) {
        Ok(f) => f,
        Err(e) => return usage_error(&e),
    };
    let mut unformatted = 0;
    let mut errors = 0;
    let mut out = std::io::stdout().lock();
    for (path, _) in files {
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                let _ = writeln!(std::io::stderr(), "error: {}: {e}", path.display());
                errors += 1;
                continue;
            }
        };
        match crate::fmt::format(&text) {
            Ok(formatted) if formatted == text => {}
            Ok(formatted) => {
                unformatted += 1;
                if check {
                    let _ = writeln!(out, "would reformat {}", path.display());
                } else if let Err(e) = std::fs::write(&path, formatted) {
                    let _ = writeln!(std::io::stderr(), "error: {}: {e}", path.display());
                    errors += 1;
                } else {
                    let _ = writeln!(out, "formatted {}", path.display());
                }
            }
            Err(e) => {
                let _ = writeln!(std::io::stderr(), "error: {}: {e}", path.display());
                errors += 1;
            }
        }
    }
    if errors > 0 {
        EXIT_INVALID
    } else if check && unformatted > 0 {
        EXIT_FAILED
    } else {
        EXIT_OK
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

/// One row of a `--data` file: field name -> value.
type Row = Vec<(String, Json)>;

/// Rows of a `--data` file: CSV with a header row, or a JSON array of objects.
fn load_data(path: &Path) -> Result<Vec<Row>, String> {
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("--data {}: {e}", path.display()))?;
    let is_json =
        path.extension().is_some_and(|e| e == "json") || text.trim_start().starts_with('[');
    if is_json {
        let v: Json = serde_json::from_str(&text)
            .map_err(|e| format!("--data {}: not valid JSON: {e}", path.display()))?;
        let Json::Array(rows) = v else {
            return Err(format!(
                "--data {}: expected a JSON array of objects",
                path.display()
            ));
        };
        rows.into_iter()
            .enumerate()
            .map(|(i, row)| match row {
                Json::Object(o) => Ok(o.into_iter().collect()),
                _ => Err(format!(
                    "--data {}: row {} is not an object",
                    path.display(),
                    i + 1
                )),
            })
            .collect()
    } else {
        let mut rdr = csv::Reader::from_reader(text.as_bytes());
        let headers = rdr
            .headers()
            .map_err(|e| format!("--data {}: {e}", path.display()))?
            .clone();
        let mut rows = Vec::new();
        for rec in rdr.records() {
            let rec = rec.map_err(|e| format!("--data {}: {e}", path.display()))?;
            rows.push(
                headers
                    .iter()
                    .zip(rec.iter())
                    .map(|(h, v)| (h.to_string(), Json::String(v.to_string())))
                    .collect(),
            );
        }
        Ok(rows)
    }
}

fn file_reporter(spec: &str) -> Result<Box<dyn Reporter>, String> {
    let (kind, path) = spec
        .split_once('=')
        .ok_or_else(|| format!("--report `{spec}`: expected KIND=PATH, e.g. junit=report.xml"))?;
    let path = PathBuf::from(path);
    if path.as_os_str().is_empty() {
        return Err(format!("--report `{spec}`: the path is empty"));
    }
    match kind {
        "junit" => Ok(Box::new(crate::report::junit::reporter(path))),
        "json" => Ok(Box::new(crate::report::json::reporter(path))),
        "html" => Ok(Box::new(crate::report::html::reporter(path))),
        other => Err(format!(
            "--report `{other}`: unknown kind (use junit, json or html)"
        )),
    }
}

fn cmd_run(args: &RunArgs) -> i32 {
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
    let shard = match args.shard.as_deref().map(parse_shard).transpose() {
        Ok(s) => s,
        Err(e) => return usage_error(&e),
    };
    if args.jobs == 0 {
        return usage_error("--jobs must be at least 1");
    }
    let rows = match args.data.as_deref().map(load_data).transpose() {
        Ok(r) => r,
        Err(e) => return usage_error(&e),
    };
    let mut reporters: Vec<Box<dyn Reporter>> = Vec::new();
    for spec in &args.report {
        match file_reporter(spec) {
            Ok(r) => reporters.push(r),
            Err(e) => return usage_error(&e),
        }
    }
    let data_fields: Vec<String> = rows
        .iter()
        .flatten()
        .flat_map(|r| r.iter().map(|(k, _)| k.clone()))
        .collect();
    let checked = match load_and_check(&args.paths, &args.vars, args.verbose > 0, &data_fields) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let mut collections = checked.collections;
    if let Some((k, n)) = shard {
        collections.sort_by(|a, b| a.path.cmp(&b.path));
        collections = collections
            .into_iter()
            .enumerate()
            .filter(|(i, _)| i % n == k - 1)
            .map(|(_, c)| c)
            .collect();
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
    reporters.insert(0, Box::new(TerminalReporter::new(stdout, color, verbosity)));
    if std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") {
        let out: Box<dyn Write + Send> = Box::new(std::io::stdout());
        reporters.push(Box::new(crate::report::github::GithubReporter::new(out)));
    }
    let keep_exchange = verbosity >= Verbosity::Verbose || !args.report.is_empty();
    let opts = RunOptions {
        jobs: args.jobs,
        fail_fast: args.fail_fast,
        filter: args.filter.clone(),
        tags: args.tag.clone(),
        default_timeout,
        keep_exchange,
    };
    let client_opts = ClientOptions {
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
    let overrides = checked.overrides;
    let mocks = checked.mocks;
    runtime.block_on(async move {
        let mut overrides = overrides;
        let mut running = Vec::new();
        for m in mocks {
            let var = m.serves().to_string();
            match crate::mock::start(m, 0).await {
                Ok(r) => {
                    overrides.set(var, Json::String(r.url.clone()));
                    running.push(r);
                }
                Err(e) => return usage_error(&format!("cannot start the mock server: {e}")),
            }
        }
        // Every collection's starting scope is computed before anything is sent.
        let mut plan = Vec::new();
        let mut diags = Vec::new();
        let rows: Vec<Option<(usize, Row)>> = match &rows {
            Some(rows) => rows
                .iter()
                .cloned()
                .enumerate()
                .map(|(i, r)| Some((i + 1, r)))
                .collect(),
            None => vec![None],
        };
        for c in &collections {
            for row in &rows {
                let mut o = overrides.clone();
                if let Some((_, fields)) = row {
                    for (k, v) in fields {
                        if !args
                            .vars
                            .var
                            .iter()
                            .any(|a| a.split_once('=').is_some_and(|(n, _)| n == k))
                        {
                            o.set(k.clone(), v.clone());
                        }
                    }
                }
                match vars::initial_scope(c, &o) {
                    Ok(scope) => plan.push(Planned {
                        collection: Arc::clone(c),
                        scope,
                        iteration: row.as_ref().map(|(i, _)| *i),
                    }),
                    Err(mut d) => diags.append(&mut d),
                }
            }
        }
        if !diags.is_empty() {
            print_diags(&diags);
            let _ = writeln!(std::io::stderr(), "error: nothing was sent");
            return EXIT_INVALID;
        }
        let http = match Http::new(client_opts) {
            Ok(h) => Arc::new(h),
            Err(e) => return usage_error(&e.to_string()),
        };
        let (cancel_tx, cancel_rx) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                let _ = cancel_tx.send(true);
            }
        });
        if std::io::stderr().is_terminal() && verbosity > Verbosity::Quiet {
            let total: usize = plan.iter().map(|p| p.collection.requests().count()).sum();
            reporters.push(Box::new(crate::report::progress::ProgressReporter::new(
                total as u64,
            )));
        }
        // A reporter that cannot write (a closed pipe: `baton run | head`) is skipped from
        // then on; the run goes on and the exit code still tells the outcome.
        let mut dead = vec![false; reporters.len()];
        let summary = runner::run(
            plan,
            opts,
            http,
            TokenCache::default(),
            cancel_rx,
            |ev: &Event| {
                for (r, dead) in reporters.iter_mut().zip(dead.iter_mut()) {
                    if !*dead && r.event(ev).is_err() {
                        *dead = true;
                    }
                }
            },
        )
        .await;
        for (r, _) in reporters.iter_mut().zip(&dead).filter(|(_, d)| !**d) {
            if let Err(e) = r.finish()
                && e.kind() != std::io::ErrorKind::BrokenPipe
            {
                let _ = writeln!(std::io::stderr(), "error: writing a report: {e}");
            }
        }
        for m in running {
            m.stop().await;
        }
        exit_code(&summary)
    })
}

/// The exit status of a finished run, as SPEC section 2 defines it.
pub fn exit_code(s: &RunSummary) -> i32 {
    if s.interrupted {
        EXIT_INTERRUPTED
    } else if s.counts.failed > 0 {
        EXIT_FAILED
    } else if s.counts.errors > 0 {
        EXIT_UNREACHABLE
    } else {
        EXIT_OK
    }
}
