//! The command line, a thin shell: clap types; `settings` turns arguments into one resolved
//! settings value (every problem at once); the engine does the work; `exit` turns its
//! outcome into the exit code.

pub mod exit;
mod settings;

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::engine::{self, Console, EngineError, Environment, MockSettings};

pub use exit::{EXIT_FAILED, EXIT_INTERRUPTED, EXIT_INVALID, EXIT_OK, EXIT_UNREACHABLE};

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
    /// Convert Postman collections and environments, curl commands or OpenAPI documents into
    /// baton YAML (import postman, postman-env, curl, openapi)
    #[command(subcommand)]
    Import(ImportCommand),
    /// Print the JSON Schema of the collection format (for editors), or of the JSON report
    Schema {
        /// The schema of `--report json` output instead of the collection format's
        #[arg(long)]
        report: bool,
    },
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
    /// Print shell completions (bash, zsh, fish, powershell, elvish)
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
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
    /// curl command lines -> a collection, one request per command (reads stdin when CMD is - or absent)
    Curl { command: Option<String> },
    /// An OpenAPI 3.x document (YAML or JSON) -> a contract-tested collection, or files with -o
    Openapi {
        file: PathBuf,
        /// Write one file per tag into this directory
        #[arg(short = 'o', long = "out", value_name = "DIR")]
        out: Option<PathBuf>,
        /// Let `$ref`s load files outside the document's folder
        #[arg(long)]
        allow_refs_outside: bool,
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
    /// Set a variable (repeatable; true, false, null and numbers are typed; "..." forces a string)
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub var: Vec<String>,
    /// Start the mock server from FILE in-process and set the variable it names to its URL (repeatable)
    #[arg(long = "mock", value_name = "FILE")]
    pub mock: Vec<PathBuf>,
}

#[derive(Args, Debug, Clone)]
pub struct CheckArgs {
    /// Collection files or directories (default: the current directory)
    #[arg(value_name = "PATHS")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub vars: VarArgs,
    /// List skipped files
    #[arg(short, long, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

#[derive(Args, Debug, Clone)]
pub struct RunArgs {
    /// Collection files or directories (default: the current directory)
    #[arg(value_name = "PATHS")]
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
    /// Run each collection up to and including its request NAME (with the captures it needs)
    #[arg(long = "to", value_name = "NAME")]
    pub to: Option<String>,
    /// Stop at the first failure
    #[arg(long)]
    pub fail_fast: bool,
    /// Collections run in parallel
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub jobs: usize,
    /// Run only the K-th of N deterministic slices of the collections
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Default request timeout (e.g. 10s); also bounds OAuth2 token requests
    #[arg(long, value_name = "DURATION")]
    pub timeout: Option<String>,
    /// Keep at most SIZE of a decoded response body (e.g. 64MiB, 512KiB)
    #[arg(long, value_name = "SIZE", default_value = "64MiB")]
    pub max_body: String,
    /// Run each collection once per row of a CSV (with header) or JSON array file
    #[arg(long, value_name = "FILE")]
    pub data: Option<PathBuf>,
    /// Where receive steps listen (when any collection has one)
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    pub listen: String,
    /// The value of `callback_url` when senders reach baton another way (a tunnel)
    #[arg(long, value_name = "URL")]
    pub callback_url: Option<String>,
    /// Write missing and changed snapshots instead of failing
    #[arg(long)]
    pub update_snapshots: bool,
    /// Write the run's exchanges as a mock file (replay it with --mock)
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,
    /// Accept invalid TLS certificates
    #[arg(long)]
    pub insecure: bool,
    /// Trust the CA certificates in this PEM file (besides the system's)
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<PathBuf>,
    /// Client certificate (PEM) for servers that ask for one; with --key
    #[arg(long, value_name = "FILE")]
    pub cert: Option<PathBuf>,
    /// The private key (PEM) of --cert
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// Send every request through this proxy (an http:// or https:// URL)
    #[arg(long, value_name = "URL")]
    pub proxy: Option<String>,
    /// -v: request and response lines; -vv: headers and bodies (redacted)
    #[arg(short, long, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Only failures and the summary
    #[arg(short, long)]
    pub quiet: bool,
    /// Colour the terminal report: auto (on a terminal), always or never (NO_COLOR wins)
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
            return exit::for_arguments(&e);
        }
    };
    let console = Console::process();
    match cli.command {
        Command::Run(args) => match settings::run(&args, Environment::detect()) {
            Ok(s) => outcome(engine::run(&s, &console), &console, exit::for_run),
            Err(problems) => failed(&EngineError::Usage(problems), &console),
        },
        Command::Check(args) => {
            let s = settings::check(&args);
            outcome(engine::check(&s, &console), &console, |()| EXIT_OK)
        }
        Command::Mock { file, port } => {
            let s = MockSettings { file, port };
            outcome(engine::serve_mock(&s, &console), &console, |()| EXIT_OK)
        }
        Command::Fmt { paths, check } => outcome(
            engine::fmt(&paths, check, &console),
            &console,
            |o: engine::FmtOutcome| exit::for_fmt(&o, check),
        ),
        Command::Import(cmd) => outcome(
            engine::import(settings::import(cmd), &console),
            &console,
            |()| EXIT_OK,
        ),
        Command::Export(cmd) => {
            let s = settings::export(cmd);
            outcome(engine::export_curl(&s, &console), &console, |()| EXIT_OK)
        }
        Command::Schema { report } => {
            let text = if report {
                REPORT_SCHEMA.to_string()
            } else {
                crate::format::raw::schema_text()
            };
            outcome(console.emit(&text), &console, |()| EXIT_OK)
        }
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut cmd, "baton", &mut script);
            let text = String::from_utf8_lossy(&script);
            outcome(console.emit(&text), &console, |()| EXIT_OK)
        }
    }
}

/// The JSON Schema of `--report json` (docs/report-json.md).
const REPORT_SCHEMA: &str = include_str!("../../schema/report.schema.json");

/// The exit code of a command's outcome; an error is said on stderr first.
fn outcome<T>(r: Result<T, EngineError>, console: &Console, code: impl FnOnce(T) -> i32) -> i32 {
    match r {
        Ok(v) => code(v),
        Err(e) => failed(&e, console),
    }
}

fn failed(e: &EngineError, console: &Console) -> i32 {
    let mut err = console.err();
    let _ = err.write_all(e.render().as_bytes());
    exit::for_error(e)
}
