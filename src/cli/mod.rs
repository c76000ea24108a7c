//! The command line: clap types, and dispatch to one file per command. Errors reach the user
//! here (stderr), and `exit` turns outcomes into exit codes.

mod commands;
pub mod exit;
mod run;

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::diag::Diag;
use crate::plan::{Inputs, PlanError};

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

impl VarArgs {
    pub fn inputs(&self, paths: &[PathBuf]) -> Inputs {
        Inputs {
            paths: paths.to_vec(),
            env: self.env.clone(),
            env_files: self.env_file.clone(),
            vars: self.var.clone(),
            mocks: self.mock.clone(),
            data: None,
            check_variables: true,
        }
    }
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
        Command::Run(args) => run::run(&args),
        Command::Check(args) => commands::check(&args),
        Command::Mock { file, port } => crate::mock::cmd_mock(&file, port),
        Command::Fmt { paths, check } => commands::fmt(&paths, check),
        Command::Import(cmd) => commands::import(cmd),
        Command::Schema => {
            let _ = std::io::stdout().write_all(crate::collection::raw::schema_text().as_bytes());
            EXIT_OK
        }
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "baton", &mut std::io::stdout());
            EXIT_OK
        }
        Command::Export(ExportCommand::Curl {
            path,
            request,
            render,
            show_secrets,
            vars,
        }) => commands::export_curl(&path, request.as_deref(), render, show_secrets, &vars),
    }
}

/// Problems with the input, to stderr.
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

/// Say what is wrong with the input; the exit code for it.
/// With `-v`: the files a directory held that are not collections, and why.
fn print_skipped(checked: &crate::plan::Checked, verbose: u8) {
    if verbose > 0 {
        let mut err = std::io::stderr().lock();
        for (f, why) in &checked.skipped {
            let _ = writeln!(err, "skipped {} ({why})", f.display());
        }
    }
}

fn report_plan_error(e: &PlanError) -> i32 {
    match e {
        PlanError::Usage(m) => {
            usage_error(m);
        }
        PlanError::Rendered(rendered) => {
            let _ = writeln!(std::io::stderr(), "{rendered}");
        }
        PlanError::Invalid(diags) => {
            print_diags(diags);
            let _ = writeln!(std::io::stderr(), "error: {e}; nothing was sent");
        }
    }
    exit::for_plan(e)
}
