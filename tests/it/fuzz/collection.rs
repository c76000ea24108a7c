//! Target `collection`: a YAML file through `collection::load_str`, then through the whole of
//! `plan::check` and `Checked::plan` (what `baton check` does) in a temporary directory that
//! holds an `--env-file` with a secret, an `--env` file and files to include or upload.
//!
//! Properties: every error has a line >= 1 (and within the file) when the input is not empty;
//! a collection that loads, reformatted by `fmt::format`, loads again to the same meaning and
//! formats to itself; no error message shows the secret the input had registered.

use std::path::Path;
use std::sync::LazyLock;

use baton::format::model::Collection as Model;
use baton::plan::{Inputs, PlanError};
use baton::problem::Diag;
use baton::secret::Secrets;
use regex::Regex;

use super::engine::{Rng, Target, Worker, sig};
use super::mutate::{self, Dict};
use super::seeds::{self, SECRET};

pub struct Collection;

static DICT: LazyLock<Dict> = LazyLock::new(|| Dict {
    keys: mutate::collection_keys(),
    values: mutate::odd_values(),
});

impl Target for Collection {
    type Input = Vec<u8>;
    type Worker = Runner;
    const NAME: &'static str = "collection";
    const ITERATIONS: u64 = 1_200;

    fn seeds() -> Vec<Vec<u8>> {
        let mut s = seeds::repository_yaml(false);
        s.extend(seeds::corpus(Self::NAME).into_iter().map(|(_, b)| b));
        s
    }

    fn mutate(rng: &mut Rng, input: &Vec<u8>, corpus: &[Vec<u8>]) -> Vec<u8> {
        mutate::yaml(rng, input, corpus, &DICT)
    }

    fn encode(input: &Vec<u8>) -> Vec<u8> {
        input.clone()
    }

    fn decode(bytes: &[u8]) -> Result<Vec<u8>, String> {
        Ok(bytes.to_vec())
    }

    fn shrink(input: &Vec<u8>) -> Vec<Vec<u8>> {
        mutate::shrink_bytes(input)
    }
}

/// A temporary directory laid out like a project.
pub struct Runner {
    dir: tempfile::TempDir,
}

const INCLUDED: &str = "vars:\n  inc_var: 1\nrequests:\n  - name: included\n    url: \"http://x/{{ inc_var }}\"\n    capture:\n      inc_token: $.token\n";
const ENV_FILE: &str =
    "env_var: 2\nsecret_var: \"{{ secret('FUZZ_SECRET') }}\"\nbase_url: http://127.0.0.1:9\n";
const SCHEMA: &str =
    r#"{"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]}"#;

impl Worker<Vec<u8>> for Runner {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let p = dir.path();
        let dotenv = format!("FUZZ_SECRET={SECRET}\nFUZZ_NAME=FUZZ_SECRET\n");
        let files: [(&str, &[u8]); 7] = [
            (".env", dotenv.as_bytes()),
            ("inc.yaml", INCLUDED.as_bytes()),
            ("env.yaml", ENV_FILE.as_bytes()),
            ("schema.json", SCHEMA.as_bytes()),
            ("bad-schema.json", b"{\"type\": 12"),
            ("body.txt", b"hello"),
            ("upload.bin", b"\x00\x01\x02"),
        ];
        for (name, bytes) in files {
            std::fs::write(p.join(name), bytes).expect("write a fixture file");
        }
        Self { dir }
    }

    fn run(&mut self, input: &Vec<u8>) -> Result<u64, String> {
        let mut shape: Vec<String> = Vec::new();
        let path = self.dir.path().join("c.yaml");
        let non_empty = !input.is_empty();
        if let Ok(text) = String::from_utf8(input.clone()) {
            match baton::format::load_str(&path, text.clone()) {
                Ok(c) => {
                    shape.push(format!("ok {}", c.requests().count().min(3)));
                    round_trip(&path, &text, &c)?;
                }
                Err(e) => {
                    check_diags(&e.0, non_empty, "load_str")?;
                    let _ = e.render();
                    shape.extend(e.0.iter().map(|d| seeds::shape(&d.message)));
                }
            }
        } else {
            shape.push("not utf-8".into());
        }
        std::fs::write(&path, input).map_err(|e| format!("cannot write the input: {e}"))?;
        // Which outside values come along is decided by the input, so a replay does the same.
        let h = sig(input);
        let mut env = Vec::new();
        if h % 3 == 1 {
            env.push(self.dir.path().join("env.yaml"));
        }
        if h % 7 == 3 {
            // The input itself as an `--env` file.
            let e = self.dir.path().join("env-input.yaml");
            std::fs::write(&e, input).map_err(|e| format!("cannot write the input: {e}"))?;
            env.push(e);
        }
        let vars = if h % 5 == 2 {
            vec![
                "x=1".into(),
                "base_url=http://127.0.0.1:9".into(),
                "id=\"007\"".into(),
            ]
        } else {
            Vec::new()
        };
        let inputs = Inputs {
            paths: vec![path.clone()],
            env,
            env_files: vec![self.dir.path().join(".env")],
            vars,
            check_variables: !h.is_multiple_of(11),
            ..Inputs::default()
        };
        let secrets = Secrets::new();
        let shows_secret = contains(input, SECRET.as_bytes());
        match baton::plan::check(&inputs, secrets.clone()) {
            Ok(checked) => {
                shape.push("checked".into());
                if let Err(diags) = checked.plan(Vec::new()) {
                    check_diags(&diags, non_empty, "plan")?;
                    if !shows_secret {
                        no_secret(&diags, "plan")?;
                    }
                    shape.extend(
                        diags
                            .iter()
                            .map(|d| format!("plan {}", seeds::shape(&d.message))),
                    );
                }
            }
            Err(PlanError::Invalid(diags)) => {
                check_diags(&diags, non_empty, "check")?;
                if !shows_secret {
                    no_secret(&diags, "check")?;
                }
                shape.push(format!("invalid {}", diags.len().min(4)));
            }
            Err(e @ (PlanError::Usage(_) | PlanError::Rendered(_))) => {
                let m = e.to_string();
                if !shows_secret && m.contains(SECRET) {
                    return Err(format!("check: a message shows the secret: {m}"));
                }
                shape.push(seeds::shape(&m));
            }
        }
        shape.sort();
        shape.dedup();
        Ok(sig(&shape))
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Each problem points at a line of its file.
fn check_diags(diags: &[Diag], non_empty: bool, what: &str) -> Result<(), String> {
    if non_empty && diags.is_empty() {
        return Err(format!("{what}: an error without any problem in it"));
    }
    for d in diags {
        let p = d.span.pos;
        if non_empty && (p.line < 1 || p.col < 1) {
            return Err(format!(
                "{what}: error without a line: {}:{}:{} {}",
                d.span.path().display(),
                p.line,
                p.col,
                d.message
            ));
        }
        // At most one line past the last (an error at the end of the file).
        if p.line > 1 && d.span.file.line(p.line - 1).is_none() {
            return Err(format!(
                "{what}: error past the end of its file: line {} {}",
                p.line, d.message
            ));
        }
        let r = d.render();
        if !r.contains("-->") {
            return Err(format!("{what}: rendered without its place: {r}"));
        }
    }
    Ok(())
}

fn no_secret(diags: &[Diag], what: &str) -> Result<(), String> {
    for d in diags {
        let r = d.render();
        if r.contains(SECRET) {
            return Err(format!("{what}: an error message shows the secret:\n{r}"));
        }
    }
    Ok(())
}

/// `fmt` keeps the meaning: the formatted text loads to the same collection, and is stable.
fn round_trip(path: &Path, text: &str, c: &Model) -> Result<(), String> {
    let Ok(formatted) = baton::format::canonical::format(text) else {
        return Ok(());
    };
    let again = baton::format::load_str(path, formatted.clone()).map_err(|e| {
        format!(
            "fmt: the formatted file no longer loads:\n{}\n--- formatted ---\n{formatted}",
            e.render()
        )
    })?;
    let (a, b) = (meaning(c), meaning(&again));
    if a != b {
        let diff = similar::TextDiff::from_lines(&a, &b)
            .unified_diff()
            .context_radius(2)
            .to_string();
        return Err(format!(
            "fmt: the formatted file means something else:\n{diff}\n--- formatted ---\n{formatted}"
        ));
    }
    match baton::format::canonical::format(&formatted) {
        Ok(twice) if twice != formatted => Err(format!(
            "fmt: formatting twice changes the file again:\n--- once ---\n{formatted}\n--- twice ---\n{twice}"
        )),
        Ok(_) => Ok(()),
        Err(e) => Err(format!(
            "fmt: the formatted file cannot be formatted again: {e}\n--- formatted ---\n{formatted}"
        )),
    }
}

/// What a collection means: its model without positions or source text (a `Span` would
/// print the whole file once per request).
fn meaning(c: &Model) -> String {
    use baton::format::model::Step;
    static POS: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"Pos \{ line: \d+, col: \d+ \}").unwrap());
    let mut out = format!(
        "name {:?}\nvars {:?}\ncookies {}\nincludes {:?}\nopenapi {:?}\n",
        c.name, c.vars, c.cookies, c.includes, c.openapi
    );
    for step in &c.steps {
        match step {
            Step::IncludeVars { file, vars } => {
                out.push_str(&format!("include vars {:?} {vars:?}\n", file.path));
            }
            Step::Request(r) => {
                out.push_str(&format!(
                    "request {:?} in {:?}\n action {:?}\n expect {:?}\n captures {:?}\n retry {:?} when {:?} delay {:?} tags {:?} for_each {:?}\n",
                    r.name,
                    r.span.path(),
                    r.action,
                    r.expect,
                    r.captures,
                    r.retry,
                    r.when,
                    r.delay,
                    r.tags,
                    r.for_each
                ));
            }
            Step::Outline(o) => {
                out.push_str(&format!(
                    "outline {:?} in {:?}
 url {:?}
 for_each {:?}
 templates {:?}
 captures {:?} receives {}
",
                    o.name,
                    o.span.path(),
                    o.url,
                    o.for_each,
                    o.templates,
                    o.captures,
                    o.receives
                ));
            }
        }
    }
    // One field per line, so a difference shows as a small diff.
    POS.replace_all(&out, "Pos").replace(", ", ",\n")
}
