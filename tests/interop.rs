//! Interop: the built binary against real third-party servers on 127.0.0.1 (httpbin under
//! gunicorn, json-server, oauth2-mock-server, Prism), running the collections in
//! tests/interop/ and collections imported from the real documents in tests/fixtures/openapi.
//! `bash ci/setup.sh` installs the servers into .interop/; a test whose server is missing is
//! reported ignored, with a warning naming what is missing, and fails under CI.

#[path = "interop/postman_corpus.rs"]
mod postman_corpus;
#[path = "it/support/mod.rs"]
mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::Value;

type Outcome = Result<(), Failed>;
/// A test: its name, the servers it needs, and its body.
type Test = (&'static str, &'static [Tool], fn(&Ctx) -> Outcome);

/// How long a server may take to answer its first request.
const STARTUP: Duration = Duration::from_secs(60);
/// The client secret the oauth2 collections read with `secret('INTEROP_CLIENT_SECRET')`.
const CLIENT_SECRET: &str = "cl1ent-s3cret-x9";

fn main() -> ExitCode {
    let args = Arguments::from_args();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let ci = std::env::var("CI").is_ok_and(|v| v != "false");
    let missing: Vec<(Tool, String)> = Tool::ALL
        .into_iter()
        .filter_map(|t| t.probe(&root).err().map(|why| (t, why)))
        .collect();
    if !missing.is_empty() && !ci && !args.list {
        warn_missing(&missing);
    }
    let ctx = Arc::new(Ctx {
        root,
        httpbin: Mutex::new(None),
        oauth2: Mutex::new(None),
    });
    let table: [Test; 19] = [
        ("postman_corpus_every_import_passes_check", &[], |_| {
            postman_corpus::every_import_passes_check()
        }),
        (
            "postman_corpus_no_false_green_against_newman",
            &[Tool::Httpbin, Tool::JsonServer],
            postman_no_false_green,
        ),
        ("httpbin_auth", &[Tool::Httpbin], httpbin_auth),
        ("httpbin_digest_auth", &[Tool::Httpbin], httpbin_digest),
        (
            "httpbin_cookies_across_a_login_redirect",
            &[Tool::Httpbin],
            httpbin_cookies,
        ),
        (
            "httpbin_encodings_decoded_headers_as_received",
            &[Tool::Httpbin],
            httpbin_encodings,
        ),
        ("httpbin_uploads", &[Tool::Httpbin], httpbin_uploads),
        ("httpbin_anything_echo", &[Tool::Httpbin], httpbin_anything),
        ("httpbin_redirects", &[Tool::Httpbin], httpbin_redirects),
        ("httpbin_status_codes", &[Tool::Httpbin], httpbin_status),
        (
            "httpbin_response_headers",
            &[Tool::Httpbin],
            httpbin_response_headers,
        ),
        (
            "httpbin_bodies_shown_safely",
            &[Tool::Httpbin],
            httpbin_bodies,
        ),
        ("json_server_crud", &[Tool::JsonServer], json_server_crud),
        (
            "oauth2_client_credentials_one_token",
            &[Tool::Httpbin, Tool::OAuth2],
            oauth2_client_credentials,
        ),
        (
            "oauth2_expected_401_keeps_the_token",
            &[Tool::Httpbin, Tool::OAuth2],
            oauth2_expected_401,
        ),
        (
            "oauth2_token_params",
            &[Tool::Httpbin, Tool::OAuth2],
            oauth2_params,
        ),
        (
            "oauth2_token_verified_as_jwt",
            &[Tool::Httpbin, Tool::OAuth2],
            oauth2_jwt,
        ),
        (
            "prism_accepts_every_generated_request",
            &[Tool::Prism],
            prism_accepts_every_generated_request,
        ),
        (
            "prism_responses_pass_the_contract",
            &[Tool::Prism],
            prism_responses_pass_the_contract,
        ),
    ];
    let trials = table
        .into_iter()
        .map(|(name, needs, body)| {
            let absent: Vec<&str> = missing
                .iter()
                .filter(|(t, _)| needs.contains(t))
                .map(|(_, why)| why.as_str())
                .collect();
            if absent.is_empty() {
                let ctx = Arc::clone(&ctx);
                return Trial::test(name, move || body(&ctx));
            }
            let message = format!(
                "not installed: {}; run `bash ci/setup.sh`",
                absent.join("; ")
            );
            Trial::test(name, move || Err(message.clone().into())).with_ignored_flag(!ci)
        })
        .collect();
    let conclusion = libtest_mimic::run(&args, trials);
    ctx.stop_servers();
    conclusion.exit_code()
}

/// The Postman corpus run against httpbin (and json-server), held to Newman's recorded verdicts.
fn postman_no_false_green(ctx: &Ctx) -> Outcome {
    let server = ctx.httpbin()?;
    postman_corpus::no_false_green(server.url.trim_start_matches("http://"))
}

fn warn_missing(missing: &[(Tool, String)]) {
    let rule = "=".repeat(78);
    let mut text = format!(
        "\n{rule}\nWARNING: interop tests SKIPPED (reported as ignored): servers not installed\n"
    );
    for (_, why) in missing {
        text.push_str(&format!("  missing: {why}\n"));
    }
    text.push_str(
        "  install them (Python 3 with venv, Node.js 20 and npm; into .interop/, git-ignored):\n\
         \x20     bash ci/setup.sh\n\
         \x20 then run:\n\
         \x20     cargo test --test interop\n",
    );
    text.push_str(&format!("{rule}\n"));
    eprintln!("{text}");
}

// ---------------------------------------------------------------------------------------
// The servers

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Tool {
    Httpbin,
    JsonServer,
    OAuth2,
    Prism,
}

impl Tool {
    const ALL: [Tool; 4] = [Tool::Httpbin, Tool::JsonServer, Tool::OAuth2, Tool::Prism];

    /// Ok when the tool is installed where ci/setup.sh puts it; else what is missing.
    fn probe(self, root: &Path) -> Result<(), String> {
        let file = |rel: &str, what: &str| {
            if root.join(rel).is_file() {
                Ok(())
            } else {
                Err(format!("{what} (no {rel})"))
            }
        };
        let node = || match Command::new("node").arg("--version").output() {
            Ok(out) if out.status.success() => Ok(()),
            _ => Err("node (Node.js 20, not on PATH)".to_string()),
        };
        match self {
            Tool::Httpbin => file(".interop/venv/bin/gunicorn", "httpbin under gunicorn"),
            Tool::JsonServer => {
                node()?;
                file(".interop/node/node_modules/.bin/json-server", "json-server")
            }
            Tool::Prism => {
                node()?;
                file(
                    ".interop/node/node_modules/.bin/prism",
                    "Prism (@stoplight/prism-cli)",
                )
            }
            Tool::OAuth2 => {
                node()?;
                file(
                    ".interop/node/node_modules/oauth2-mock-server/dist/index.mjs",
                    "oauth2-mock-server",
                )
            }
        }
    }
}

struct Ctx {
    root: PathBuf,
    httpbin: Mutex<Option<Result<Arc<Server>, String>>>,
    oauth2: Mutex<Option<Result<Arc<Server>, String>>>,
}

impl Ctx {
    fn interop(&self) -> PathBuf {
        self.root.join("tests/interop")
    }

    /// One httpbin for every test that needs it, started by the first.
    fn httpbin(&self) -> Result<Arc<Server>, Failed> {
        shared(&self.httpbin, || start_httpbin(&self.root))
    }

    /// One oauth2-mock-server for every test that needs it, started by the first.
    fn oauth2(&self) -> Result<Arc<Server>, Failed> {
        shared(&self.oauth2, || start_oauth2(&self.root))
    }

    fn stop_servers(&self) {
        for slot in [&self.httpbin, &self.oauth2] {
            if let Ok(mut s) = slot.lock() {
                s.take();
            }
        }
    }
}

fn shared(
    slot: &Mutex<Option<Result<Arc<Server>, String>>>,
    start: impl FnOnce() -> Result<Server, String>,
) -> Result<Arc<Server>, Failed> {
    let mut slot = slot.lock().unwrap_or_else(|e| e.into_inner());
    slot.get_or_insert_with(|| start().map(Arc::new))
        .clone()
        .map_err(Failed::from)
}

/// A server process, stopped when this is dropped. It stays in the test's process group, so
/// Ctrl-C on `cargo test` stops it too.
struct Server {
    name: &'static str,
    url: String,
    child: Mutex<Child>,
    lines: Arc<Mutex<Vec<String>>>,
    dir: tempfile::TempDir,
}

impl Server {
    fn spawn(name: &'static str, mut cmd: Command, dir: tempfile::TempDir) -> Result<Self, String> {
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("{name}: cannot start {cmd:?}: {e}"))?;
        let lines = Arc::new(Mutex::new(Vec::new()));
        let out: Box<dyn Read + Send> = Box::new(child.stdout.take().expect("piped stdout"));
        let err: Box<dyn Read + Send> = Box::new(child.stderr.take().expect("piped stderr"));
        for stream in [out, err] {
            let lines = Arc::clone(&lines);
            std::thread::spawn(move || {
                for line in BufReader::new(stream).split(b'\n').map_while(Result::ok) {
                    let line = String::from_utf8_lossy(&line).into_owned();
                    lines.lock().unwrap_or_else(|e| e.into_inner()).push(line);
                }
            });
        }
        Ok(Self {
            name,
            url: String::new(),
            child: Mutex::new(child),
            lines,
            dir,
        })
    }

    fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn log(&self) -> String {
        self.lines().join("\n")
    }

    /// Err with the server's output when it has exited.
    fn alive(&self) -> Result<(), String> {
        let mut child = self.child.lock().unwrap_or_else(|e| e.into_inner());
        match child.try_wait() {
            Ok(None) => Ok(()),
            Ok(Some(status)) => Err(format!(
                "{} exited ({status}) while starting; its output:\n{}",
                self.name,
                self.log()
            )),
            Err(e) => Err(format!("{}: {e}", self.name)),
        }
    }

    /// The first output line `find` accepts, waiting for it.
    fn wait_for_line(&self, find: impl Fn(&str) -> Option<String>) -> Result<String, String> {
        let deadline = Instant::now() + STARTUP;
        loop {
            if let Some(found) = self.lines().iter().find_map(|l| find(l)) {
                return Ok(found);
            }
            self.alive()?;
            if Instant::now() > deadline {
                return Err(format!(
                    "{} did not start in {STARTUP:?}:\n{}",
                    self.name,
                    self.log()
                ));
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// Waits until `GET path` answers 200.
    fn wait_until_answers(&self, path: &str) -> Result<(), String> {
        let deadline = Instant::now() + STARTUP;
        let addr = self.url.trim_start_matches("http://").to_string();
        loop {
            if let Ok(mut s) = TcpStream::connect(&addr) {
                let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
                let req =
                    format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
                let mut head = [0u8; 12];
                if s.write_all(req.as_bytes()).is_ok()
                    && s.read_exact(&mut head).is_ok()
                    && head.ends_with(b" 200")
                {
                    return Ok(());
                }
            }
            self.alive()?;
            if Instant::now() > deadline {
                return Err(format!(
                    "{} at {} did not answer GET {path} in {STARTUP:?}:\n{}",
                    self.name,
                    self.url,
                    self.log()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let mut child = self.child.lock().unwrap_or_else(|e| e.into_inner());
        // SIGTERM first: gunicorn's master then stops its workers.
        let _ = Command::new("kill")
            .arg(child.id().to_string())
            .stderr(Stdio::null())
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}

fn venv_bin(root: &Path, name: &str) -> PathBuf {
    root.join(".interop/venv/bin").join(name)
}

fn node_modules(root: &Path) -> PathBuf {
    root.join(".interop/node/node_modules")
}

fn start_httpbin(root: &Path) -> Result<Server, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut cmd = Command::new(venv_bin(root, "gunicorn"));
    cmd.current_dir(dir.path()).args([
        "--bind",
        "127.0.0.1:0",
        "--worker-class",
        "gthread",
        "--threads",
        "8",
        "--graceful-timeout",
        "2",
        "--access-logfile",
        "-",
        "httpbin:app",
    ]);
    let mut server = Server::spawn("httpbin", cmd, dir)?;
    let re = regex::Regex::new(r"Listening at: (http://127\.0\.0\.1:\d+)").expect("regex");
    server.url = server.wait_for_line(|l| re.captures(l).map(|c| c[1].to_string()))?;
    server.wait_until_answers("/get")?;
    Ok(server)
}

fn start_oauth2(root: &Path) -> Result<Server, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut cmd = Command::new("node");
    cmd.arg(root.join("tests/interop/oauth2/server.mjs"))
        .arg(node_modules(root))
        .arg(dir.path().join("issuer.pem"));
    let mut server = Server::spawn("oauth2-mock-server", cmd, dir)?;
    server.url = server.wait_for_line(|l| {
        let v: Value = serde_json::from_str(l).ok()?;
        (v["event"] == "listening").then(|| v["url"].as_str().map(str::to_string))?
    })?;
    server.wait_until_answers("/.well-known/openid-configuration")?;
    Ok(server)
}

/// json-server on a fresh copy of `db` (a path under the project root), so that what one
/// run creates or deletes never reaches the next. json-server 0.17 cannot report a port it
/// picked, so take a free one and retry on a clash.
fn start_json_server(root: &Path, db: &str) -> Result<Server, String> {
    let mut last = String::new();
    for _ in 0..3 {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        std::fs::copy(root.join(db), dir.path().join("db.json"))
            .map_err(|e| format!("copy {db}: {e}"))?;
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        let mut cmd = Command::new(node_modules(root).join(".bin/json-server"));
        cmd.current_dir(dir.path()).args([
            "--host",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "db.json",
        ]);
        let mut server = Server::spawn("json-server", cmd, dir)?;
        server.url = format!("http://127.0.0.1:{port}");
        match server.wait_until_answers("/db") {
            Ok(()) => return Ok(server),
            Err(e) => last = e,
        }
    }
    Err(last)
}

// ---------------------------------------------------------------------------------------
// Running baton and reading what it reports

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    /// The `--report json=` document; Null when none was written.
    report: Value,
    report_text: String,
}

fn baton(dir: &Path, args: &[String], env: &[(&str, &str)]) -> Run {
    let out = tempfile::tempdir().expect("tempdir");
    let report_path = out.path().join("report.json");
    let mut cmd = support::baton(dir);
    cmd.args(args)
        .arg("--report")
        .arg(format!("json={}", report_path.display()));
    for (k, v) in env {
        cmd.env(k, v);
    }
    let output = cmd.output().expect("run baton");
    let report_text = std::fs::read_to_string(&report_path).unwrap_or_default();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        report: serde_json::from_str(&report_text).unwrap_or(Value::Null),
        report_text,
    }
}

fn args(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

impl Run {
    fn requests(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.report["collections"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|c| {
                let name = c["name"].as_str().unwrap_or("");
                c["requests"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(move |r| (name, r))
            })
    }

    fn request(&self, name: &str) -> &Value {
        self.requests()
            .find(|(_, r)| r["name"] == name)
            .map(|(_, r)| r)
            .unwrap_or(&Value::Null)
    }

    fn capture(&self, request: &str, var: &str) -> Value {
        self.request(request)["captures"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|c| c["name"] == var)
            .map(|c| c["value"].clone())
            .unwrap_or(Value::Null)
    }

    /// The value of a response header of `request` in the report (names case-insensitive).
    fn response_header(&self, request: &str, header: &str) -> Option<String> {
        self.request(request)["response"]["headers"]
            .as_array()?
            .iter()
            .find(|h| {
                h["name"]
                    .as_str()
                    .is_some_and(|n| n.eq_ignore_ascii_case(header))
            })
            .and_then(|h| h["value"].as_str().map(str::to_string))
    }

    /// One line per request that did not pass, with its failed assertions and captures.
    fn failures(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (collection, r) in self.requests() {
            if r["outcome"] == "passed" {
                continue;
            }
            let mut line = format!(
                "{collection} / {}: {}",
                r["name"].as_str().unwrap_or("?"),
                r["outcome"].as_str().unwrap_or("?")
            );
            if let Some(m) = r["message"].as_str() {
                line.push_str(&format!(" ({m})"));
            }
            for a in r["assertions"].as_array().into_iter().flatten() {
                if a["passed"] == false {
                    line.push_str(&format!(
                        "\n      {} {}: expected {}, actual {}",
                        a["subject"].as_str().unwrap_or("?"),
                        a["predicate"].as_str().unwrap_or("?"),
                        a["expected"].as_str().unwrap_or("?"),
                        a["actual"].as_str().unwrap_or("?")
                    ));
                }
            }
            for c in r["captures"].as_array().into_iter().flatten() {
                if let Some(e) = c["error"].as_str() {
                    line.push_str(&format!("\n      capture {}: {e}", c["name"]));
                }
            }
            out.push(line);
        }
        out
    }

    /// The terminal report's lines for one request: its status line and the details under it.
    fn block(&self, request: &str) -> String {
        let mut lines = self.stdout.lines();
        let wanted = format!("{request} ");
        let head = lines.by_ref().find(|l| {
            let t = l.trim_start();
            ["✓ ", "✗ "].iter().any(|mark| {
                t.strip_prefix(mark)
                    .is_some_and(|rest| rest.starts_with(&wanted))
            })
        });
        let Some(head) = head else {
            return String::new();
        };
        std::iter::once(head)
            .chain(lines.take_while(|l| l.starts_with("   ")))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Problems found in one test; all are reported together, with baton's output.
#[derive(Default)]
struct Checks(Vec<String>);

impl Checks {
    fn check(&mut self, ok: bool, what: impl Into<String>) {
        if !ok {
            self.0.push(what.into());
        }
    }

    /// Exit 0, `total` requests in the report and every one passed.
    fn all_passed(&mut self, run: &Run, total: usize) {
        if run.report.is_null() {
            self.0
                .push(format!("no JSON report written (exit {})", run.code));
            return;
        }
        self.check(run.code == 0, format!("exit code {}, expected 0", run.code));
        let seen = run.requests().count();
        self.check(
            seen == total,
            format!("{seen} requests in the report, expected {total}"),
        );
        let summary = format!("{total} passed, 0 failed, 0 skipped in ");
        self.check(
            run.stdout.contains(&summary),
            format!("terminal summary `{summary}...`"),
        );
        let failures = run.failures();
        if !failures.is_empty() {
            self.0.push(format!(
                "requests that did not pass:\n    {}",
                failures.join("\n    ")
            ));
        }
    }

    fn finish(self, run: &Run, extra: &str) -> Outcome {
        if self.0.is_empty() {
            return Ok(());
        }
        Err(format!(
            "{}\n--- baton stdout ---\n{}\n--- baton stderr ---\n{}{extra}",
            self.0
                .iter()
                .map(|p| format!("- {p}"))
                .collect::<Vec<_>>()
                .join("\n"),
            printable(&run.stdout),
            printable(&run.stderr)
        )
        .into())
    }
}

/// Text safe to print in a test failure: control characters escaped (a server's bytes must
/// not drive the terminal running the tests).
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\n' | '\t' => c.to_string(),
            c if c.is_control() => c.escape_default().to_string(),
            c => c.to_string(),
        })
        .collect()
}

/// A verbose block for a failure message: its first lines, printable.
fn excerpt(block: &str) -> String {
    let lines: Vec<&str> = block.lines().collect();
    let mut shown = printable(&lines[..lines.len().min(16)].join("\n"));
    if lines.len() > 16 {
        shown.push_str(&format!("\n      ... ({} more lines)", lines.len() - 16));
    }
    shown
}

fn contains_ci(text: &str, needle: &str) -> bool {
    text.to_lowercase().contains(&needle.to_lowercase())
}

/// Header lines (`> Name: value` sent, `< Name: value` received) of a verbose block.
fn header_lines<'a>(block: &'a str, name: &str) -> Vec<&'a str> {
    let prefix = format!("{}:", name.to_lowercase());
    block
        .lines()
        .filter(|l| {
            let t = l.trim_start().trim_start_matches(['<', '>']).trim_start();
            t.to_lowercase().starts_with(&prefix)
        })
        .collect()
}

fn sent_header(block: &str, name: &str) -> bool {
    header_lines(block, name)
        .iter()
        .any(|l| l.trim_start().starts_with('>'))
}

fn received_header(block: &str, name: &str, value: &str) -> bool {
    header_lines(block, name)
        .iter()
        .any(|l| l.trim_start().starts_with('<') && contains_ci(l, &format!("{name}: {value}")))
}

// ---------------------------------------------------------------------------------------
// httpbin

fn run_httpbin(ctx: &Ctx, file: &str, extra: &[&str]) -> Result<Run, Failed> {
    let server = ctx.httpbin()?;
    let mut a = args(&["run", file, "--var"]);
    a.push(format!("base_url={}", server.url));
    a.extend(args(extra));
    Ok(baton(&ctx.interop().join("httpbin"), &a, &[]))
}

fn httpbin_auth(ctx: &Ctx) -> Outcome {
    let run = run_httpbin(ctx, "auth.yaml", &["-vv"])?;
    let mut c = Checks::default();
    c.all_passed(&run, 7);
    for secret in ["s3cret-pa55", "tok-5f2c9a", "not-the-password"] {
        c.check(
            !run.stdout.contains(secret) && !run.report_text.contains(secret),
            format!("the credential {secret:?} is shown"),
        );
    }
    c.check(
        run.block("basic auth accepted")
            .contains("✓ basic auth accepted GET 200"),
        "terminal line for `basic auth accepted`",
    );
    c.finish(&run, "")
}

/// Digest auth against httpbin: each request is a challenge and an answer, in one step.
fn httpbin_digest(ctx: &Ctx) -> Outcome {
    let run = run_httpbin(ctx, "digest.yaml", &["-vv"])?;
    let mut c = Checks::default();
    c.all_passed(&run, 4);
    for secret in ["d1gest-pa55", "not-the-d1gest"] {
        c.check(
            !run.stdout.contains(secret) && !run.report_text.contains(secret),
            format!("the credential {secret:?} is shown"),
        );
    }
    for name in ["digest MD5", "digest SHA-256"] {
        let block = run.block(name);
        c.check(
            block.contains("< 401") && block.contains("Authorization: ***"),
            format!(
                "`{name}` shows the challenge and the answer: {}",
                excerpt(&block)
            ),
        );
    }
    c.finish(&run, "")
}

fn httpbin_cookies(ctx: &Ctx) -> Outcome {
    let run = run_httpbin(ctx, "cookies.yaml", &["-vv"])?;
    let mut c = Checks::default();
    c.all_passed(&run, 7);
    // SPEC 1: the values of Set-Cookie headers are secret, so a captured cookie is shown
    // masked; that it was captured right shows in the request that sends it back.
    c.check(
        run.capture("the redirect itself, not followed", "cart") == "***",
        format!(
            "capture `cart` from Set-Cookie: {}",
            run.capture("the redirect itself, not followed", "cart")
        ),
    );
    // -vv shows the wire: the 302 hop with its Location and Set-Cookie, then the jar's Cookie.
    let login = run.block("log in sets the session cookie on a redirect");
    let status_302 = regex::Regex::new(r"\b302\b").expect("regex");
    c.check(
        status_302.is_match(&login) && received_header(&login, "Location", "/cookies"),
        format!(
            "-vv shows the 302 hop with `Location: /cookies`:\n{}",
            excerpt(&login)
        ),
    );
    c.check(
        received_header(&login, "Set-Cookie", "session=***"),
        format!(
            "-vv shows the hop's `Set-Cookie: session=***`:\n{}",
            excerpt(&login)
        ),
    );
    let later = run.block("a later request still carries the cookie");
    c.check(
        sent_header(&later, "Cookie"),
        format!(
            "-vv shows the jar's `Cookie` header as sent:\n{}",
            excerpt(&later)
        ),
    );
    for line in header_lines(&run.stdout, "Cookie")
        .into_iter()
        .chain(header_lines(&run.stdout, "Set-Cookie"))
    {
        c.check(
            line.contains("***") && !line.contains("s-4711-a9c3"),
            format!("cookie header not masked: {line}"),
        );
    }
    c.finish(&run, "")
}

fn httpbin_encodings(ctx: &Ctx) -> Outcome {
    let run = run_httpbin(ctx, "encodings.yaml", &["-vv"])?;
    let mut c = Checks::default();
    c.all_passed(&run, 5);
    for (request, encoding) in [("gzip", "gzip"), ("deflate", "deflate"), ("brotli", "br")] {
        c.check(
            run.response_header(request, "Content-Encoding").as_deref() == Some(encoding),
            format!(
                "report: `{request}` response Content-Encoding is {:?}, expected {encoding:?}",
                run.response_header(request, "Content-Encoding")
            ),
        );
        c.check(
            run.response_header(request, "Content-Length").is_some(),
            format!("report: `{request}` response keeps its Content-Length"),
        );
        let block = run.block(request);
        c.check(
            received_header(&block, "Content-Encoding", encoding),
            format!(
                "-vv shows `Content-Encoding: {encoding}` for `{request}`:\n{}",
                excerpt(&block)
            ),
        );
        c.check(
            !block.contains('\u{fffd}'),
            format!(
                "-vv shows the decoded body of `{request}`, not compressed bytes:\n{}",
                excerpt(&block)
            ),
        );
    }
    let gzip = run.block("gzip");
    for header in ["User-Agent", "Accept-Encoding"] {
        c.check(
            sent_header(&gzip, header),
            format!(
                "-vv shows the `{header}` request header actually sent:\n{}",
                excerpt(&gzip)
            ),
        );
    }
    c.finish(&run, "")
}

fn httpbin_uploads(ctx: &Ctx) -> Outcome {
    let run = run_httpbin(ctx, "uploads.yaml", &[])?;
    let mut c = Checks::default();
    c.all_passed(&run, 5);
    c.check(
        run.stdout
            .contains("✓ multipart with files and fields POST 200"),
        "terminal line for the multipart upload",
    );
    c.finish(&run, "")
}

fn httpbin_anything(ctx: &Ctx) -> Outcome {
    let run = run_httpbin(ctx, "anything.yaml", &[])?;
    let mut c = Checks::default();
    c.all_passed(&run, 4);
    let request = "method, query, headers and body echoed";
    c.check(
        run.capture(request, "trace_id") == "req-6b1f",
        format!(
            "capture by bracket notation: {}",
            run.capture(request, "trace_id")
        ),
    );
    c.check(
        run.request(request)["method"] == "PATCH",
        "report: method PATCH",
    );
    c.finish(&run, "")
}

fn httpbin_redirects(ctx: &Ctx) -> Outcome {
    let run = run_httpbin(ctx, "redirects.yaml", &["-vv"])?;
    let mut c = Checks::default();
    c.all_passed(&run, 7);
    c.check(
        run.capture("a redirect not followed", "next") == "/get",
        format!(
            "capture Location: {}",
            run.capture("a redirect not followed", "next")
        ),
    );
    let block = run.block("three relative redirects followed");
    for hop in ["/relative-redirect/2", "/relative-redirect/1", "/get"] {
        c.check(
            received_header(&block, "Location", hop),
            format!(
                "-vv shows the hop to `Location: {hop}`:\n{}",
                excerpt(&block)
            ),
        );
    }
    c.finish(&run, "")
}

fn httpbin_status(ctx: &Ctx) -> Outcome {
    let run = run_httpbin(ctx, "status.yaml", &[])?;
    let mut c = Checks::default();
    c.all_passed(&run, 7);
    c.check(
        run.stdout.contains("✓ teapot GET 418"),
        "terminal line `✓ teapot GET 418`",
    );
    let picked = run.capture("httpbin picks one of several", "picked");
    c.check(
        picked.as_u64().is_some_and(|s| (200..=202).contains(&s)),
        format!("captured status is a number 200..=202: {picked}"),
    );
    c.finish(&run, "")
}

fn httpbin_response_headers(ctx: &Ctx) -> Outcome {
    let run = run_httpbin(ctx, "response-headers.yaml", &[])?;
    let mut c = Checks::default();
    c.all_passed(&run, 5);
    c.check(
        run.capture("headers set by the server", "rate_limit") == "42",
        format!(
            "capture header: {}",
            run.capture("headers set by the server", "rate_limit")
        ),
    );
    c.check(
        run.request("an ETag answered with 304")["response"]["status"] == 304,
        "report: 304 for a matching If-None-Match",
    );
    c.finish(&run, "")
}

fn httpbin_bodies(ctx: &Ctx) -> Outcome {
    let run = run_httpbin(ctx, "bodies.yaml", &["-vv"])?;
    let mut c = Checks::default();
    c.all_passed(&run, 6);
    let bytes = run.block("binary bytes");
    c.check(
        bytes.contains("<48 bytes, application/octet-stream>"),
        format!(
            "-vv summarises a binary body as `<48 bytes, application/octet-stream>`:\n{}",
            excerpt(&bytes)
        ),
    );
    let png = run.block("png image");
    let summary = regex::Regex::new(r"<\d+ bytes, image/png>").expect("regex");
    c.check(
        summary.is_match(&png) && !png.contains("PNG") && !png.contains('\u{fffd}'),
        format!(
            "-vv summarises an image as `<N bytes, image/png>`:\n{}",
            excerpt(&png)
        ),
    );
    c.check(
        !run.stdout.contains('\u{1b}'),
        "an escape sequence from the server is written raw to the terminal",
    );
    c.finish(&run, "")
}

// ---------------------------------------------------------------------------------------
// json-server

fn json_server_crud(ctx: &Ctx) -> Outcome {
    let server = start_json_server(&ctx.root, "tests/interop/json-server/db.json")?;
    let a = args(&[
        "run",
        "crud.yaml",
        "--var",
        &format!("base_url={}", server.url),
        "--var",
        "org_id=42",
        "--var",
        "first_id=1",
    ]);
    let run = baton(&ctx.interop().join("json-server"), &a, &[]);
    let mut c = Checks::default();
    c.all_passed(&run, 14);
    let id = run.capture("create an endpoint", "endpoint_id");
    c.check(id.is_u64(), format!("captured id is a number: {id}"));
    // json-server logs each request it served: `METHOD /path STATUS ...`.
    let ansi = regex::Regex::new(r"\x1b\[[0-9;]*m").expect("regex");
    let request_line = regex::Regex::new(r"^(GET|POST|PUT|PATCH|DELETE) /").expect("regex");
    let expected = [
        "POST /endpoints 201".to_string(),
        format!("GET /endpoints/{id} 200"),
        format!("PUT /endpoints/{id} 200"),
        format!("PATCH /endpoints/{id} 200"),
        format!("DELETE /endpoints/{id} 200"),
        format!("GET /endpoints/{id} 404"),
    ];
    let deadline = Instant::now() + Duration::from_secs(5);
    let served = loop {
        let served: Vec<String> = server
            .lines()
            .iter()
            .map(|l| ansi.replace_all(l, "").trim().to_string())
            .filter(|l| request_line.is_match(l))
            .collect();
        // The readiness probe, then the collection's 14 requests.
        if served.len() >= 15 || Instant::now() > deadline {
            break served;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut at = 0;
    for want in &expected {
        match served[at..]
            .iter()
            .position(|l| l.starts_with(want.as_str()))
        {
            Some(i) => at += i + 1,
            None => {
                c.0.push(format!("json-server did not log `{want}` (in order)"))
            }
        }
    }
    let db = std::fs::read_to_string(server.dir.path().join("db.json")).unwrap_or_default();
    let db: Value = serde_json::from_str(&db).unwrap_or(Value::Null);
    c.check(
        db["endpoints"].as_array().is_some_and(|e| e.len() == 3),
        format!("db.json is back to 3 endpoints: {}", db["endpoints"]),
    );
    c.finish(
        &run,
        &format!("\n--- json-server log ---\n{}", served.join("\n")),
    )
}

// ---------------------------------------------------------------------------------------
// oauth2-mock-server

/// Runs oauth2 collections against the shared issuer and httpbin; returns the run and the
/// issuer's log lines (JSON events) that this run caused.
fn run_oauth2(
    ctx: &Ctx,
    files: &[&str],
    env: &[(&str, &str)],
) -> Result<(Run, Arc<Server>, Vec<Value>), Failed> {
    let httpbin = ctx.httpbin()?;
    let issuer = ctx.oauth2()?;
    let before = issuer.lines().len();
    let mut a = args(&["run"]);
    a.extend(args(files));
    a.extend(args(&["-vv", "--var"]));
    a.push(format!("base_url={}", httpbin.url));
    a.push("--var".into());
    a.push(format!("oauth_url={}", issuer.url));
    let mut env = env.to_vec();
    env.push(("INTEROP_CLIENT_SECRET", CLIENT_SECRET));
    let run = baton(&ctx.interop().join("oauth2"), &a, &env);
    let events = issuer.lines()[before..]
        .iter()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    Ok((run, issuer, events))
}

fn tokens_for<'a>(events: &'a [Value], client: &str) -> Vec<&'a Value> {
    events
        .iter()
        .filter(|e| e["event"] == "token" && e["client_id"] == client)
        .collect()
}

fn no_token_shown(c: &mut Checks, run: &Run, events: &[Value]) {
    for token in events.iter().filter_map(|e| e["access_token"].as_str()) {
        let signature = token.rsplit('.').next().unwrap_or(token);
        for shown in [&run.stdout, &run.stderr, &run.report_text] {
            c.check(
                !shown.contains(token)
                    && !shown.contains(signature)
                    && !shown.contains(&token[..40.min(token.len())]),
                "an access token (or part of it) is shown",
            );
        }
    }
    for shown in [&run.stdout, &run.stderr, &run.report_text] {
        c.check(!shown.contains(CLIENT_SECRET), "the client secret is shown");
    }
}

fn oauth2_client_credentials(ctx: &Ctx) -> Outcome {
    let (run, _issuer, events) =
        run_oauth2(ctx, &["client-credentials.yaml", "shared-token.yaml"], &[])?;
    let mut c = Checks::default();
    c.all_passed(&run, 8);
    // Seven requests with the Basic client across two collections: one token fetch.
    let basic = tokens_for(&events, "interop-basic");
    c.check(
        basic.len() == 1,
        format!(
            "{} token requests for interop-basic, expected 1",
            basic.len()
        ),
    );
    if let Some(t) = basic.first() {
        c.check(
            t["client_auth"] == "basic",
            format!("interop-basic authenticated by HTTP Basic: {t}"),
        );
        c.check(
            t["client_secret"] == CLIENT_SECRET,
            "interop-basic sent its secret",
        );
        c.check(
            t["fields"] == serde_json::json!({ "grant_type": "client_credentials", "scope": "endpoints:read sms:send" }),
            format!("interop-basic form fields: {}", t["fields"]),
        );
        let bearer = format!("Bearer {}", t["access_token"].as_str().unwrap_or("?"));
        let userinfo: Vec<&Value> = events.iter().filter(|e| e["event"] == "userinfo").collect();
        c.check(
            userinfo.len() == 2
                && userinfo
                    .iter()
                    .all(|e| e["authorization"] == bearer.as_str()),
            format!("/userinfo got the fetched token twice: {userinfo:?}"),
        );
    }
    let body = tokens_for(&events, "interop-body");
    c.check(
        body.len() == 1,
        format!("{} token requests for interop-body, expected 1", body.len()),
    );
    if let Some(t) = body.first() {
        c.check(
            t["client_auth"] == "body",
            format!("interop-body sent its credentials in the body: {t}"),
        );
        c.check(
            t["client_secret"] == CLIENT_SECRET,
            "interop-body sent its secret",
        );
        c.check(
            t["fields"] == serde_json::json!({ "grant_type": "client_credentials" }),
            format!("interop-body form fields: {}", t["fields"]),
        );
    }
    no_token_shown(&mut c, &run, &events);
    let first = run.block("the token as a Bearer token");
    c.check(
        first.contains("POST") && first.contains("/token"),
        format!("-vv shows the token exchange:\n{}", excerpt(&first)),
    );
    c.finish(
        &run,
        &format!(
            "\n--- issuer log ---\n{}",
            events
                .iter()
                .map(Value::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        ),
    )
}

fn oauth2_expected_401(ctx: &Ctx) -> Outcome {
    let (run, _issuer, events) = run_oauth2(ctx, &["expected-401.yaml"], &[])?;
    let mut c = Checks::default();
    c.all_passed(&run, 3);
    let fetched = tokens_for(&events, "interop-expects-401").len();
    c.check(
        fetched == 1,
        format!("{fetched} token requests, expected 1 (a 401 that is expected refetches nothing)"),
    );
    let attempts = &run.request("a 401 that is expected keeps the token")["attempts"];
    c.check(
        attempts == 1,
        format!("the expected 401 was sent {attempts} times, expected once"),
    );
    no_token_shown(&mut c, &run, &events);
    c.finish(&run, "")
}

fn oauth2_params(ctx: &Ctx) -> Outcome {
    let (run, _issuer, events) = run_oauth2(ctx, &["params.yaml"], &[])?;
    let mut c = Checks::default();
    c.all_passed(&run, 1);
    let tokens = tokens_for(&events, "interop-audience");
    c.check(
        tokens.len() == 1,
        format!("{} token requests, expected 1", tokens.len()),
    );
    if let Some(t) = tokens.first() {
        c.check(
            t["fields"]
                == serde_json::json!({ "grant_type": "client_credentials", "scope": "endpoints:read", "aud": "https://api.example.com" }),
            format!("token request form fields: {}", t["fields"]),
        );
    }
    no_token_shown(&mut c, &run, &events);
    c.finish(&run, "")
}

fn oauth2_jwt(ctx: &Ctx) -> Outcome {
    let issuer = ctx.oauth2()?;
    let pem = std::fs::read_to_string(issuer.dir.path().join("issuer.pem"))
        .map_err(|e| format!("issuer.pem: {e}"))?;
    let (run, _issuer, events) =
        run_oauth2(ctx, &["jwt.yaml"], &[("INTEROP_ISSUER_PUBLIC_KEY", &pem)])?;
    let mut c = Checks::default();
    c.all_passed(&run, 1);
    c.check(
        tokens_for(&events, "interop-jwt").len() == 1,
        "one token request",
    );
    no_token_shown(&mut c, &run, &events);
    c.finish(&run, "")
}

// ---------------------------------------------------------------------------------------
// Prism: what `baton import openapi` generates, sent to `prism mock --errors` (which refuses
// a request its document does not allow), and Prism's made-up responses checked by baton's
// contract check.

/// Real public documents (tests/fixtures/openapi/SOURCES.md).
const PRISM_DOCS: [&str; 3] = ["emnify.yaml", "petstore3.yaml", "museum.yaml"];

/// Imports `doc` into a fresh folder, serves it with Prism (`-d`: responses made up from the
/// schemas) and runs the collection as imported, every `secret()` set, nothing else filled.
fn prism_run(ctx: &Ctx, doc: &str, dynamic: bool) -> Result<(Server, Run), Failed> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    std::fs::copy(
        ctx.root.join("tests/fixtures/openapi").join(doc),
        dir.path().join(doc),
    )
    .map_err(|e| format!("copy {doc}: {e}"))?;
    let out = support::baton(dir.path())
        .args(["import", "openapi", doc])
        .output()
        .map_err(|e| e.to_string())?;
    let yaml = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        return Err(format!("import {doc}: {}", String::from_utf8_lossy(&out.stderr)).into());
    }
    std::fs::write(dir.path().join("c.yaml"), &yaml).map_err(|e| e.to_string())?;
    let server = start_prism(&ctx.root, dir, doc, dynamic)?;
    let secrets: Vec<String> = regex::Regex::new(r"secret\('(\w+)'\)")
        .expect("regex")
        .captures_iter(&yaml)
        .map(|c| c[1].to_string())
        .collect();
    let env: Vec<(&str, &str)> = secrets
        .iter()
        .map(|s| (s.as_str(), "pr1sm-t0ken"))
        .collect();
    let base = format!("base_url={}", server.url);
    let run = baton(
        server.dir.path(),
        &args(&["run", "c.yaml", "--var", &base]),
        &env,
    );
    Ok((server, run))
}

fn start_prism(
    root: &Path,
    dir: tempfile::TempDir,
    doc: &str,
    dynamic: bool,
) -> Result<Server, String> {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| e.to_string())?
        .port();
    let mut cmd = Command::new(node_modules(root).join(".bin/prism"));
    cmd.current_dir(dir.path()).args([
        "mock",
        "-h",
        "127.0.0.1",
        "-p",
        &port.to_string(),
        "--errors",
    ]);
    if dynamic {
        cmd.arg("-d");
    }
    cmd.arg(doc);
    let mut server = Server::spawn("prism", cmd, dir)?;
    server.wait_for_line(|l| l.contains("Prism is listening").then(String::new))?;
    server.url = format!("http://127.0.0.1:{port}");
    Ok(server)
}

/// Whether Prism took the request: below 400, or its 500 about its own response (the
/// document's example breaks the document's schema; the request passed validation).
fn prism_accepted(r: &Value) -> bool {
    let Some(status) = r["response"]["status"].as_u64() else {
        return false;
    };
    if status < 400 {
        return true;
    }
    let body: Value =
        serde_json::from_str(r["response"]["body"].as_str().unwrap_or("")).unwrap_or(Value::Null);
    let places: Vec<&Value> = body["validation"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| &v["location"][0])
        .collect();
    status == 500 && !places.is_empty() && places.iter().all(|p| *p == "response")
}

fn prism_accepts_every_generated_request(ctx: &Ctx) -> Outcome {
    let mut refused = Vec::new();
    for doc in PRISM_DOCS {
        let (server, run) = prism_run(ctx, doc, false)?;
        let n = run.requests().count();
        if n == 0 {
            return Err(format!("{doc}: no request ran\n{}\n{}", run.stdout, run.stderr).into());
        }
        for (_, r) in run.requests().filter(|(_, r)| !prism_accepted(r)) {
            refused.push(format!(
                "{doc} / {}: {} {}",
                r["name"].as_str().unwrap_or("?"),
                r["response"]["status"],
                r["response"]["body"]
                    .as_str()
                    .unwrap_or("")
                    .chars()
                    .take(400)
                    .collect::<String>()
            ));
        }
        drop(server);
    }
    match refused.is_empty() {
        true => Ok(()),
        false => Err(format!("Prism refused:\n{}", refused.join("\n")).into()),
    }
}

fn prism_responses_pass_the_contract(ctx: &Ctx) -> Outcome {
    let mut failed = Vec::new();
    for doc in PRISM_DOCS {
        let (server, run) = prism_run(ctx, doc, true)?;
        if run.requests().count() == 0 {
            return Err(format!("{doc}: no request ran\n{}\n{}", run.stdout, run.stderr).into());
        }
        for (_, r) in run.requests() {
            for a in r["assertions"].as_array().into_iter().flatten() {
                if a["subject"] == "openapi" && a["passed"] == false {
                    failed.push(format!("{doc} / {}: {}", r["name"], a["message"]));
                }
            }
        }
        drop(server);
    }
    match failed.is_empty() {
        true => Ok(()),
        false => Err(format!(
            "contract failures on Prism's responses:\n{}",
            failed.join("\n")
        )
        .into()),
    }
}
