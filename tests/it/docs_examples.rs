//! Every example in README.md, CONTRIBUTING.md and docs/*.md, run against the built binary,
//! so the docs and the tool cannot disagree.
//!
//! Each fenced block may be preceded by a directive, an HTML comment that renders as nothing:
//!
//! ```text
//! <!-- test: KIND key=value key="value with spaces" flag -->
//! ```
//!
//! Every ```yaml block must have one (an unclassified block fails the test). Kinds:
//!
//! - `collection file=NAME [mock=A,B] [args="..."] [exit=N] [check-exit=N]`: written to the
//!   doc's workspace and `baton check`ed; with `mock=` also `baton run --mock ...` and must
//!   exit with `exit` (default 0).
//! - `mock file=NAME`: written and loaded by `baton check --mock` (a one-request collection
//!   on its `serves` variable).
//! - `env file=NAME`: a `--env` variable file, loaded by `baton check --env`.
//! - `fragment wrap=requests|request-keys|expect|auth|routes|top [vars="a;b=1"] [mock=..] [exit=N]`:
//!   a partial file wrapped into a minimal collection (or mock file) and checked, and run
//!   when it names a mock. `wrap=append file=NAME` appends the request items to a collection
//!   an earlier block wrote (a tutorial's "add this to the end of the file").
//! - `file name=NAME`: any block (CSV, dotenv, JSON) written as it is, for later examples.
//! - `other reason="..."`: YAML that is not baton's (a CI workflow); its `baton` lines are
//!   still checked against `--help`.
//! - `run [exit=N]` on a shell block: each command is executed in the workspace with the
//!   built `baton` first on PATH; a line ending in `# exit N` (or `# exits N`) must exit N.
//!
//! `needs=FILE` names a file a later block writes (an OpenAPI document); `setenv="A=1"` sets
//! environment variables for the example's commands.
//!
//! Any directive may add `known-bug="..."`: the example is run as documented and must still
//! FAIL; when baton is fixed the test says so, and the marker is removed.
//!
//! In a `run` console block, every output line shown under a `$ ` command must appear in
//! what that command printed (times and 127.0.0.1 ports normalised).
//!
//! Without `run`, every `baton ...` line of any block (shell, console, CI YAML) is checked:
//! its subcommand exists and each flag appears in that subcommand's `--help`.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("baton")
}

/// The docs every test below covers; `every_doc_is_covered` holds the list to the tree.
const DOCS: &[&str] = &[
    "README.md",
    "CONTRIBUTING.md",
    "docs/tutorial.md",
    "docs/cookbook.md",
    "docs/format.md",
    "docs/commands.md",
    "docs/webhooks.md",
    "docs/report-json.md",
];

/// Docs with no runnable examples of their own, and why.
const NOT_COVERED: &[(&str, &str)] = &[(
    "docs/architecture.md",
    "tests/architecture.rs parses it; it holds no product examples",
)];

// ---------------------------------------------------------------------------------------
// Reading the markdown

#[derive(Debug, Clone)]
struct Block {
    line: usize,
    lang: String,
    text: String,
    directive: Option<Directive>,
}

#[derive(Debug, Clone)]
struct Directive {
    kind: String,
    opts: BTreeMap<String, String>,
}

impl Directive {
    fn get(&self, key: &str) -> Option<&str> {
        self.opts.get(key).map(String::as_str)
    }
    fn list(&self, key: &str) -> Vec<String> {
        self.get(key)
            .map(|v| {
                v.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }
    fn exit(&self, key: &str) -> i32 {
        self.get(key)
            .map(|v| v.parse().expect("exit= takes a number"))
            .unwrap_or(0)
    }
}

fn parse_directive(line: &str) -> Option<Directive> {
    let inner = line
        .trim()
        .strip_prefix("<!-- test:")?
        .strip_suffix("-->")?;
    let words = shell_words(inner.trim());
    let (kind, rest) = words.split_first()?;
    let opts = rest
        .iter()
        .map(|w| match w.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (w.to_string(), String::new()),
        })
        .collect();
    Some(Directive {
        kind: kind.clone(),
        opts,
    })
}

/// Fenced blocks with the directive on the last non-blank line before each.
fn blocks(doc: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut lines = doc.lines().enumerate().peekable();
    let mut last_text: Option<&str> = None;
    while let Some((i, line)) = lines.next() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if let Some(info) = trimmed.strip_prefix("```") {
            let mut text = String::new();
            for (_, l) in lines.by_ref() {
                if l.trim_start().starts_with("```") {
                    break;
                }
                text.push_str(l.get(indent..).unwrap_or(l.trim_start()));
                text.push('\n');
            }
            out.push(Block {
                line: i + 1,
                lang: info.trim().to_string(),
                text,
                directive: last_text.and_then(parse_directive),
            });
            last_text = None;
        } else if !trimmed.is_empty() {
            last_text = Some(line);
        }
    }
    out
}

/// Indented (four-space) code outside fences that holds a command: such a block would
/// escape this test, so docs write commands in fences.
fn indented_commands(doc: &str) -> Vec<usize> {
    let mut in_fence = false;
    let mut out = Vec::new();
    for (i, line) in doc.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
        } else if !in_fence
            && line.starts_with("    ")
            && (line.trim_start().starts_with("baton ") || line.trim_start().starts_with("cargo "))
        {
            out.push(i + 1);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Shell words and command lines

fn shell_words(s: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut has = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                has = true;
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    cur.push(c);
                }
            }
            '"' => {
                has = true;
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => cur.extend(chars.next()),
                        c => cur.push(c),
                    }
                }
            }
            '\\' => {
                has = true;
                cur.extend(chars.next());
            }
            c if c.is_whitespace() => {
                if has {
                    words.push(std::mem::take(&mut cur));
                    has = false;
                }
            }
            c => {
                has = true;
                cur.push(c);
            }
        }
    }
    if has {
        words.push(cur);
    }
    words
}

/// The command lines of a block: `\` continuations joined, a console prompt `$ ` removed
/// (when a block has prompts, only prompted lines are commands).
fn command_lines(text: &str) -> Vec<String> {
    let prompted = text.lines().any(|l| l.starts_with("$ "));
    let mut out = Vec::new();
    let mut pending = String::new();
    let mut continuing = false;
    for line in text.lines() {
        let line = if continuing {
            line.trim()
        } else if prompted {
            match line.strip_prefix("$ ") {
                Some(l) => l.trim(),
                None => continue,
            }
        } else {
            line.trim()
        };
        if let Some(head) = line.strip_suffix('\\') {
            pending.push_str(head);
            pending.push(' ');
            continuing = true;
            continue;
        }
        pending.push_str(line);
        continuing = false;
        let cmd = std::mem::take(&mut pending);
        if !cmd.trim().is_empty() && !cmd.trim_start().starts_with('#') {
            out.push(cmd.trim().to_string());
        }
    }
    out
}

/// A trailing shell comment, outside quotes.
fn split_comment(line: &str) -> (&str, Option<&str>) {
    let (mut single, mut double) = (false, false);
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'\'' if !double => single = !single,
            b'"' if !single => double = !double,
            b'#' if !single && !double && (i == 0 || bytes[i - 1] == b' ') => {
                return (&line[..i], Some(&line[i + 1..]));
            }
            _ => {}
        }
    }
    (line, None)
}

/// The pieces of a command line between `|`, `&&`, `||`, `;` and redirections, outside quotes.
fn segments(line: &str) -> Vec<String> {
    let (mut single, mut double) = (false, false);
    let mut out = vec![String::new()];
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            '|' | ';' | '&' | '>' | '<' if !single && !double => {
                while matches!(chars.peek(), Some('|' | '&' | '>')) {
                    chars.next();
                }
                out.push(String::new());
                continue;
            }
            _ => {}
        }
        out.last_mut().unwrap().push(c);
    }
    out
}

/// The baton argument lists in a command line (`cargo run --release -- ARGS` counts).
fn baton_invocations(line: &str) -> Vec<Vec<String>> {
    let (line, _) = split_comment(line);
    let mut out = Vec::new();
    for seg in segments(line) {
        let mut words = shell_words(&seg);
        while words.first().is_some_and(|w| {
            w.contains('=')
                && !w.starts_with('-')
                && w.split('=')
                    .next()
                    .unwrap()
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c == '_')
        }) {
            words.remove(0);
        }
        if words.first().is_some_and(|w| w == "baton") {
            out.push(words[1..].to_vec());
        } else if words.starts_with(&["cargo".into(), "run".into()])
            && let Some(i) = words.iter().position(|w| w == "--")
        {
            out.push(words[i + 1..].to_vec());
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Checking a command against --help

/// `--help` texts by subcommand chain, asked once each.
type HelpCache = Mutex<HashMap<Vec<String>, Result<String, String>>>;

fn help(chain: &[String]) -> Result<String, String> {
    static CACHE: OnceLock<HelpCache> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(h) = cache.lock().unwrap().get(chain) {
        return h.clone();
    }
    let out = Command::new(bin())
        .args(chain)
        .arg("--help")
        .output()
        .unwrap();
    let res = if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "`baton {} --help` fails: {}",
            chain.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    };
    cache.lock().unwrap().insert(chain.to_vec(), res.clone());
    res
}

fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next().map(String::from))
        .collect()
}

/// Problems of one `baton ARGS`: an unknown subcommand, or a flag its `--help` lacks.
fn check_flags(args: &[String]) -> Vec<String> {
    let mut chain = Vec::new();
    let mut rest = args;
    loop {
        let h = match help(&chain) {
            Ok(h) => h,
            Err(e) => return vec![e],
        };
        let subs = subcommands(&h);
        match rest.first() {
            Some(w) if subs.contains(w) => {
                chain.push(w.clone());
                rest = &rest[1..];
            }
            Some(w) if !subs.is_empty() && !w.starts_with('-') => {
                return vec![format!("`baton {}`: no subcommand `{w}`", chain.join(" "))];
            }
            _ => break,
        }
    }
    let h = help(&chain).unwrap();
    let mut problems = Vec::new();
    for w in rest {
        let flag_ok = |f: &str| {
            h.match_indices(f).any(|(i, _)| {
                !h[i + f.len()..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '-')
            })
        };
        if let Some(long) = w.strip_prefix("--") {
            let name = long.split('=').next().unwrap();
            if !name.is_empty() && !flag_ok(&format!("--{name}")) {
                problems.push(format!("`baton {}`: no flag `--{name}`", chain.join(" ")));
            }
        } else if let Some(short) = w.strip_prefix('-') {
            for c in short.chars() {
                if !c.is_ascii_alphabetic() || !flag_ok(&format!("-{c}")) {
                    problems.push(format!("`baton {}`: no flag `-{c}`", chain.join(" ")));
                    break;
                }
            }
        }
    }
    problems
}

// ---------------------------------------------------------------------------------------
// Running

struct Ran {
    code: i32,
    text: String,
}

/// Runs with a bound: an example that hangs fails instead of stalling the suite.
fn run_bounded(mut cmd: Command) -> Ran {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for v in ["CI", "GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "NO_COLOR"] {
        cmd.env_remove(v);
    }
    let mut child = cmd.spawn().unwrap();
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > Duration::from_secs(90) {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let out: Output = child.wait_with_output().unwrap();
    Ran {
        code: out.status.code().unwrap_or(-1),
        text: format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

fn baton(dir: &Path, args: &[String]) -> Ran {
    baton_with(dir, args, &[])
}

/// `setenv="A=1,B=2"` on a directive: variables the example's reader has set.
fn baton_with(dir: &Path, args: &[String], env: &[String]) -> Ran {
    let mut cmd = Command::new(bin());
    cmd.current_dir(dir).args(args);
    for kv in env {
        let (k, v) = kv.split_once('=').expect("setenv takes NAME=VALUE");
        cmd.env(k, v);
    }
    run_bounded(cmd)
}

fn sh(dir: &Path, line: &str) -> Ran {
    let bin_dir = bin().parent().unwrap().to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = Command::new("sh");
    cmd.current_dir(dir).arg("-c").arg(line).env("PATH", path);
    run_bounded(cmd)
}

/// A doc's examples run in one workspace, in order, so a later block can use an earlier
/// block's files; the repo's `collections/` is there too, for the demo commands.
struct Workspace {
    dir: tempfile::TempDir,
    doc: &'static str,
    failures: Vec<String>,
    counts: BTreeMap<&'static str, usize>,
    known_bugs: Vec<String>,
    /// Collections waiting for a file a later block writes (a mock shown after its collection).
    pending: Vec<Pending>,
}

struct Pending {
    block: Block,
    directive: Directive,
    file: String,
    text: String,
}

impl Workspace {
    fn new(doc: &'static str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&root().join("collections"), &dir.path().join("collections"));
        Self {
            dir,
            doc,
            failures: Vec::new(),
            counts: BTreeMap::new(),
            known_bugs: Vec::new(),
            pending: Vec::new(),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, name: &str, text: &str) {
        let p = self.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    fn count(&mut self, what: &'static str) {
        *self.counts.entry(what).or_default() += 1;
    }

    fn fail(&mut self, b: &Block, msg: String) {
        self.failures
            .push(format!("{}:{}: {msg}", self.doc, b.line));
    }

    /// Compares an outcome with what the doc says; a known bug must still disagree.
    fn expect(&mut self, b: &Block, what: &str, want: i32, ran: &Ran) {
        let known = b.directive.as_ref().and_then(|d| d.get("known-bug"));
        match (known, ran.code == want) {
            (None, true) => {}
            (None, false) => self.fail(
                b,
                format!("{what}: exit {} (the doc says {want})\n{}", ran.code, ran.text),
            ),
            (Some(bug), false) => {
                self.known_bugs
                    .push(format!("{}:{}: {bug}", self.doc, b.line));
            }
            (Some(bug), true) => self.fail(
                b,
                format!("{what}: exits {want} as documented, so the known bug \"{bug}\" looks fixed: remove its known-bug marker"),
            ),
        }
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let t = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &t);
        } else {
            std::fs::copy(e.path(), t).unwrap();
        }
    }
}

fn mock_args(d: &Directive) -> Vec<String> {
    d.list("mock")
        .into_iter()
        .flat_map(|m| ["--mock".to_string(), m])
        .collect()
}

fn extra_args(d: &Directive) -> Vec<String> {
    d.get("args").map(shell_words).unwrap_or_default()
}

fn indent(text: &str, by: usize) -> String {
    text.lines()
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("{}{l}", " ".repeat(by))
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// `vars="a;b=1;c=[1, 2]"`: declared names for a fragment (empty strings unless given).
fn fragment_vars(d: &Directive) -> String {
    let mut s = String::from("vars:\n  base_url: http://127.0.0.1:9\n");
    let list = d.get("vars").unwrap_or("");
    for v in list.split(';').map(str::trim).filter(|v| !v.is_empty()) {
        let (k, val) = v.split_once('=').unwrap_or((v, "\"\""));
        s.push_str(&format!("  {k}: {val}\n"));
    }
    s
}

fn wrap_fragment(d: &Directive, text: &str, dir: &Path) -> Result<(String, bool), String> {
    let vars = fragment_vars(d);
    let req = "  - name: example\n    url: \"{{ base_url }}/\"\n";
    let first = text
        .lines()
        .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
    let body = dedent(text);
    Ok(match d.get("wrap") {
        Some("requests") => (format!("{vars}requests:\n{}", indent(&body, 2)), false),
        Some("request-keys") | Some("expect") | Some("auth") => {
            (format!("{vars}requests:\n{req}{}", indent(&body, 4)), false)
        }
        Some("top") => (format!("{vars}{body}requests:\n{req}"), false),
        Some("routes") => (format!("routes:\n{}", indent(&body, 2)), true),
        Some("append") => {
            let file = d.get("file").ok_or("wrap=append needs file=")?;
            let before = std::fs::read_to_string(dir.join(file))
                .map_err(|e| format!("wrap=append: {file}: {e}"))?;
            (format!("{before}{}", indent(&body, 2)), false)
        }
        other => {
            return Err(format!(
                "fragment needs wrap=requests|request-keys|expect|auth|top|routes (got {other:?}; first line {first:?})"
            ));
        }
    })
}

fn dedent(text: &str) -> String {
    let n = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    text.lines()
        .map(|l| l.get(n..).unwrap_or("").to_string())
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// The variable a mock file serves (its `serves:`, default `base_url`).
fn served(text: &str) -> String {
    text.lines()
        .find_map(|l| l.strip_prefix("serves:"))
        .map(|v| v.split('#').next().unwrap().trim().to_string())
        .unwrap_or_else(|| "base_url".into())
}

fn load_mock(ws: &mut Workspace, b: &Block, file: &str, text: &str) {
    let var = served(text);
    let probe = format!("__probe_{}.yaml", file.replace(['/', '.'], "_"));
    ws.write(
        &probe,
        &format!("requests:\n  - name: probe\n    url: \"{{{{ {var} }}}}/\"\n"),
    );
    let ran = baton(
        ws.path(),
        &["check".into(), "--mock".into(), file.into(), probe],
    );
    ws.expect(b, &format!("baton check --mock {file}"), 0, &ran);
    ws.count("mock files loaded");
}

/// The files a directive needs: its mocks and the files its `args` name.
fn needs(d: &Directive) -> Vec<String> {
    let mut out = d.list("mock");
    out.extend(d.list("needs"));
    let args = extra_args(d);
    for (i, a) in args.iter().enumerate() {
        if ["--env", "--env-file", "--data"].contains(&a.as_str()) {
            out.extend(args.get(i + 1).cloned());
        }
    }
    out
}

/// Checks (and runs) a collection now, or once the files it needs exist.
fn submit(ws: &mut Workspace, b: &Block, d: &Directive, file: &str, text: &str) {
    ws.pending.push(Pending {
        block: b.clone(),
        directive: d.clone(),
        file: file.to_string(),
        text: text.to_string(),
    });
    flush(ws, false);
}

fn flush(ws: &mut Workspace, at_end: bool) {
    let pending = std::mem::take(&mut ws.pending);
    for p in pending {
        let missing: Vec<String> = needs(&p.directive)
            .into_iter()
            .filter(|f| !ws.path().join(f).exists())
            .collect();
        if missing.is_empty() {
            ws.write(&p.file, &p.text);
            check_and_run(ws, &p.block, &p.directive, &p.file);
        } else if at_end {
            ws.fail(
                &p.block,
                format!("needs {missing:?}, which no block of the doc writes"),
            );
        } else {
            ws.pending.push(p);
        }
    }
}

fn check_and_run(ws: &mut Workspace, b: &Block, d: &Directive, file: &str) {
    let mut args = vec!["check".to_string(), file.to_string()];
    args.extend(mock_args(d));
    args.extend(extra_args(d));
    let check_args = fix_args(&args);
    // `check` has no `--data`: a collection that reads row fields is validated by `run`.
    if check_args.len() == args.len() || !args.iter().any(|a| a == "--data") {
        let ran = baton_with(ws.path(), &check_args, &d.list("setenv"));
        let check_exit = d.get("check-exit").map(|v| v.parse().unwrap()).unwrap_or(0);
        ws.expect(
            b,
            &format!("baton {}", check_args.join(" ")),
            check_exit,
            &ran,
        );
        ws.count("collections checked");
    }
    if d.get("mock").is_some() || d.get("run").is_some() {
        let mut args = vec!["run".to_string(), file.to_string()];
        args.extend(mock_args(d));
        args.extend(extra_args(d));
        let ran = baton(ws.path(), &args);
        ws.expect(
            b,
            &format!("baton {}", args.join(" ")),
            d.exit("exit"),
            &ran,
        );
        ws.count("collections run");
    }
}

/// `check` takes run's variable flags only: the run-only flags of `args=` (and their values)
/// are left out of the `check` command line.
fn fix_args(args: &[String]) -> Vec<String> {
    let run_only_valued = [
        "--data",
        "--report",
        "--record",
        "--filter",
        "--tag",
        "--jobs",
        "--shard",
        "--timeout",
        "--max-body",
        "--listen",
        "--callback-url",
    ];
    let run_only = ["--update-snapshots", "--fail-fast", "-v", "-vv", "-q"];
    let mut out = Vec::new();
    let mut skip = false;
    for a in args {
        if skip {
            skip = false;
            continue;
        }
        let name = a.split('=').next().unwrap();
        if run_only_valued.contains(&name) {
            skip = !a.contains('=');
            continue;
        }
        if run_only.contains(&a.as_str()) {
            continue;
        }
        out.push(a.clone());
    }
    out
}

fn yaml_block(ws: &mut Workspace, b: &Block) {
    let Some(d) = b.directive.clone() else {
        let first = b.text.lines().next().unwrap_or("");
        ws.fail(
            b,
            format!("a yaml block without a `<!-- test: ... -->` directive (starts `{first}`)"),
        );
        return;
    };
    match d.kind.as_str() {
        "collection" => {
            let file = d.get("file").expect("collection needs file=").to_string();
            submit(ws, b, &d, &file, &b.text);
        }
        "mock" => {
            let file = d.get("file").expect("mock needs file=").to_string();
            ws.write(&file, &b.text);
            load_mock(ws, b, &file, &b.text.clone());
        }
        "env" => {
            let file = d.get("file").expect("env needs file=").to_string();
            ws.write(&file, &b.text);
            ws.write(
                "__probe_env.yaml",
                "requests:\n  - name: probe\n    url: http://127.0.0.1:9/\n",
            );
            let ran = baton(
                ws.path(),
                &[
                    "check".into(),
                    "--env".into(),
                    file.clone(),
                    "__probe_env.yaml".into(),
                ],
            );
            ws.expect(b, &format!("baton check --env {file}"), 0, &ran);
            ws.count("env files loaded");
        }
        "fragment" => match wrap_fragment(&d, &b.text, ws.path()) {
            Ok((text, true)) => {
                let file = format!("__fragment_{}.yaml", b.line);
                ws.write(&file, &text);
                load_mock(ws, b, &file, &text);
                ws.count("fragments wrapped");
            }
            Ok((text, false)) => {
                let file = match d.get("wrap") {
                    Some("append") => d.get("file").unwrap().to_string(),
                    _ => format!("__fragment_{}.yaml", b.line),
                };
                submit(ws, b, &d, &file, &text);
                ws.count("fragments wrapped");
            }
            Err(e) => ws.fail(b, e),
        },
        "file" => file_block(ws, b, &d),
        "other" => {
            if d.get("reason").is_none_or(str::is_empty) {
                ws.fail(b, "`other` needs reason=\"...\"".into());
            }
            ws.count("other YAML (commands checked)");
            ci_commands(ws, b);
            return;
        }
        k => ws.fail(b, format!("unknown directive kind `{k}` for a yaml block")),
    }
    if d.kind != "run" {
        flag_check_block(ws, b);
    }
}

fn file_block(ws: &mut Workspace, b: &Block, d: &Directive) {
    match d.get("name") {
        Some(name) => {
            ws.write(name, &b.text);
            ws.count("files written");
        }
        None => ws.fail(b, "`file` needs name=".into()),
    }
}

/// The `baton` commands inside a CI file's `run:` and `script:` lines.
fn ci_commands(ws: &mut Workspace, b: &Block) {
    let re = regex::Regex::new(r"(?:^|[\s:|&;])(baton\s.*)$").unwrap();
    for line in b.text.lines() {
        if line.trim_start().starts_with('#') {
            continue;
        }
        if let Some(c) = re.captures(line) {
            for inv in baton_invocations(&c[1]) {
                for p in check_flags(&inv) {
                    ws.fail(b, format!("{p} (in `{line}`)"));
                }
                ws.count("commands checked against --help");
            }
        }
    }
}

fn flag_check_block(ws: &mut Workspace, b: &Block) {
    for line in command_lines(&b.text) {
        for inv in baton_invocations(&line) {
            for p in check_flags(&inv) {
                ws.fail(b, format!("{p} (in `{line}`)"));
            }
            ws.count("commands checked against --help");
        }
    }
}

/// Output with what changes from run to run (times, ports) written the same way.
fn normalise(text: &str) -> String {
    let time = regex::Regex::new(r"\b\d+(\.\d+)?(ms|s)\b").unwrap();
    let port = regex::Regex::new(r"127\.0\.0\.1:\d+").unwrap();
    let t = time.replace_all(text, "T");
    port.replace_all(&t, "127.0.0.1:PORT").into_owned()
}

/// The output a console block shows under each `$ ` command: every line of it must be in
/// what the command printed (a known bug's block is exempt).
fn documented_output(text: &str) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    for line in text.lines() {
        if line.starts_with("$ ") {
            out.push(Vec::new());
        } else if let Some(cur) = out.last_mut()
            && !line.trim().is_empty()
        {
            cur.push(line.trim_end().to_string());
        }
    }
    out
}

fn run_block(ws: &mut Workspace, b: &Block, d: &Directive) {
    let mut shown = documented_output(&b.text).into_iter();
    let exit_re = regex::Regex::new(r"\bexits? (\d+)").unwrap();
    let mut ran_any = false;
    for line in command_lines(&b.text) {
        let (cmd, comment) = split_comment(&line);
        let want = comment
            .and_then(|c| exit_re.captures(c))
            .map(|c| c[1].parse().unwrap())
            .unwrap_or_else(|| d.exit("exit"));
        let first = shell_words(cmd)
            .into_iter()
            .find(|w| {
                !(w.contains('=')
                    && w.split('=')
                        .next()
                        .unwrap()
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c == '_'))
            })
            .unwrap_or_default();
        if ![
            "baton", "cat", "ls", "printf", "echo", "mkdir", "cp", "rm", "sed", "test",
        ]
        .contains(&first.as_str())
        {
            ws.fail(
                b,
                format!("a `run` block may only run baton and file commands, not `{first}`"),
            );
            continue;
        }
        for inv in baton_invocations(cmd) {
            for p in check_flags(&inv) {
                ws.fail(b, format!("{p} (in `{line}`)"));
            }
        }
        let ran = sh(ws.path(), cmd);
        ws.expect(b, cmd.trim(), want, &ran);
        let got = normalise(&ran.text);
        let got: Vec<&str> = got.lines().map(str::trim_end).collect();
        for line in shown.next().unwrap_or_default() {
            if d.get("known-bug").is_none() && !got.contains(&normalise(&line).as_str()) {
                ws.fail(
                    b,
                    format!(
                        "`{}` does not print the documented line\n  {line}\nit printed:\n{}",
                        cmd.trim(),
                        ran.text
                    ),
                );
            }
        }
        ws.count("commands run");
        ran_any = true;
    }
    if !ran_any {
        ws.fail(b, "a `run` block with no command".into());
    }
}

fn other_block(ws: &mut Workspace, b: &Block) {
    match &b.directive {
        Some(d) if d.kind == "run" => run_block(ws, b, &d.clone()),
        Some(d) if d.kind == "file" => {
            file_block(ws, b, &d.clone());
            flag_check_block(ws, b);
        }
        Some(d) => ws.fail(b, format!("directive `{}` on a `{}` block", d.kind, b.lang)),
        None => {
            if b.lang == "json" {
                if let Err(e) = serde_json::from_str::<serde_json::Value>(&b.text) {
                    ws.fail(b, format!("a json block that is not JSON: {e}"));
                }
                ws.count("JSON blocks parsed");
            }
            flag_check_block(ws, b);
        }
    }
}

/// Runs every example of one doc; fails with every problem at once.
fn run_doc(doc: &'static str) {
    let text = std::fs::read_to_string(root().join(doc)).unwrap_or_else(|e| panic!("{doc}: {e}"));
    let mut ws = Workspace::new(doc);
    for line in indented_commands(&text) {
        ws.failures.push(format!(
            "{doc}:{line}: a command in an indented block; write it in a ``` fence so it is tested"
        ));
    }
    let blocks = blocks(&text);
    assert!(!blocks.is_empty(), "{doc}: no code blocks found");
    for b in &blocks {
        if b.lang == "yaml" || b.lang == "yml" {
            ws.count("yaml blocks");
            yaml_block(&mut ws, b);
        } else {
            other_block(&mut ws, b);
        }
        flush(&mut ws, false);
    }
    flush(&mut ws, true);
    let total: usize = ws
        .counts
        .iter()
        .filter(|(k, _)| **k != "yaml blocks")
        .map(|(_, v)| v)
        .sum();
    eprintln!(
        "{doc}: {} blocks; {:?}; known bugs still failing: {}",
        blocks.len(),
        ws.counts,
        ws.known_bugs.len()
    );
    for k in &ws.known_bugs {
        eprintln!("  known bug: {k}");
    }
    assert!(total > 0, "{doc}: no example was checked or run");
    assert!(
        ws.failures.is_empty(),
        "{} problem(s) in {doc}'s examples:\n\n{}",
        ws.failures.len(),
        ws.failures.join("\n\n")
    );
}

#[test]
fn readme() {
    run_doc("README.md");
}

#[test]
fn contributing() {
    run_doc("CONTRIBUTING.md");
}

#[test]
fn tutorial() {
    run_doc("docs/tutorial.md");
}

#[test]
fn cookbook() {
    run_doc("docs/cookbook.md");
}

#[test]
fn format_reference() {
    run_doc("docs/format.md");
}

#[test]
fn commands() {
    run_doc("docs/commands.md");
}

#[test]
fn webhooks() {
    run_doc("docs/webhooks.md");
}

#[test]
fn report_json() {
    run_doc("docs/report-json.md");
}

#[test]
fn every_doc_is_covered() {
    let mut found = vec!["README.md".to_string(), "CONTRIBUTING.md".to_string()];
    for e in std::fs::read_dir(root().join("docs")).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".md") {
            found.push(format!("docs/{name}"));
        }
    }
    for f in &found {
        assert!(
            DOCS.contains(&f.as_str()) || NOT_COVERED.iter().any(|(n, _)| n == f),
            "{f} is not run by tests/it/docs_examples.rs: add it to DOCS"
        );
    }
    for d in DOCS {
        assert!(root().join(d).exists(), "{d} is listed but missing");
    }
}

/// The harness itself: a block without a directive, a wrong flag and a known bug that is
/// fixed must each be caught.
#[test]
fn the_harness_catches_what_it_should() {
    let doc = "x\n\n```yaml\nrequests: []\n```\n";
    let b = blocks(doc);
    assert_eq!(b.len(), 1);
    assert!(b[0].directive.is_none());
    let d = blocks(
        "<!-- test: collection file=a.yaml mock=m.yaml args=\"--var x=1\" -->\n```yaml\na: 1\n```\n",
    );
    let d = d[0].directive.as_ref().unwrap();
    assert_eq!(d.kind, "collection");
    assert_eq!(d.get("args"), Some("--var x=1"));
    assert!(!check_flags(&["run".into(), "--no-such-flag".into()]).is_empty());
    assert!(!check_flags(&["nosuchcommand".into()]).is_empty());
    assert!(
        check_flags(&["run".into(), "--mock".into(), "m.yaml".into(), "-vv".into()]).is_empty()
    );
    assert_eq!(
        baton_invocations("cat x.sh | baton import curl - > out.yaml # note"),
        vec![vec!["import".to_string(), "curl".into(), "-".into()]]
    );
    assert_eq!(
        command_lines("$ baton run a \\\n   --var x=1\nok\n"),
        vec!["baton run a  --var x=1".to_string()]
    );
}

/// GitHub's anchor for a heading: lowercased, punctuation other than `-` and `_` dropped,
/// spaces turned into `-`.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == '-' || *c == '_' || *c == ' ')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

fn anchors(doc: &str) -> Vec<String> {
    let mut in_fence = false;
    let mut out = Vec::new();
    for line in doc.lines() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
        } else if !in_fence && line.starts_with('#') {
            out.push(slug(line.trim_start_matches('#')));
        }
    }
    out
}

/// Every link between the docs (`[x](format.md#captures)`, `[x](#captures)`) reaches a
/// file that exists and a heading it has.
#[test]
fn links_between_docs_resolve() {
    let re = regex::Regex::new(r"\]\(([^)\s]*?\.md)?(#[^)\s]+)?\)").unwrap();
    let mut problems = Vec::new();
    let mut checked = 0;
    for doc in DOCS {
        let path = root().join(doc);
        let text = std::fs::read_to_string(&path).unwrap();
        for c in re.captures_iter(&text) {
            let (file, anchor) = (c.get(1), c.get(2));
            if file.is_none() && anchor.is_none() {
                continue;
            }
            let target = match file {
                Some(f) => path.parent().unwrap().join(f.as_str()),
                None => path.clone(),
            };
            let Ok(target_text) = std::fs::read_to_string(&target) else {
                problems.push(format!("{doc}: link to missing {}", target.display()));
                continue;
            };
            if let Some(a) = anchor {
                let a = &a.as_str()[1..];
                if !anchors(&target_text).iter().any(|h| h == a) {
                    problems.push(format!(
                        "{doc}: no heading for #{a} in {}",
                        target.display()
                    ));
                }
            }
            checked += 1;
        }
    }
    assert!(
        checked > 20,
        "only {checked} links found: the link pattern is broken"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Every subcommand and every flag that `--help` lists is named in docs/commands.md.
#[test]
fn commands_page_names_every_command_and_flag() {
    let page = std::fs::read_to_string(root().join("docs/commands.md")).unwrap();
    let flag = regex::Regex::new(r"(?m)^\s+(?:-\w, )?(--[a-z][a-z-]*)").unwrap();
    let mut missing = Vec::new();
    let mut seen = 0;
    let mut queue = vec![Vec::<String>::new()];
    while let Some(chain) = queue.pop() {
        let h = help(&chain).unwrap();
        for sub in subcommands(&h).into_iter().filter(|s| s != "help") {
            let mut next = chain.clone();
            next.push(sub);
            if !page.contains(&format!("baton {}", next.join(" "))) {
                missing.push(format!("`baton {}`", next.join(" ")));
            }
            queue.push(next);
        }
        for c in flag.captures_iter(&h) {
            let f = &c[1];
            seen += 1;
            if !["--help", "--version"].contains(&f) && !page.contains(&format!("`{f}")) {
                missing.push(format!("`{f}` of `baton {}`", chain.join(" ")));
            }
        }
    }
    assert!(
        seen > 30,
        "only {seen} flags read from --help: the pattern is broken"
    );
    assert!(
        missing.is_empty(),
        "docs/commands.md does not name: {}",
        missing.join(", ")
    );
}
