//! Values from outside a collection, and the one place their precedence is decided:
//! collection `vars` < `--env` files < a `--data` row < `--var` < the variables the run sets
//! itself (`--mock` URLs, `callback_url`). A capture, later, wins over all of them.
//! Also the readers of those inputs: `--env` YAML files, `--env-file` dotenv files, `--var`.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read as _;
use std::path::Path;

use serde_json::Value as Json;

use crate::format::model::Collection;
use crate::format::reader;
use crate::problem::source::{Pos, SourceFile, Span};
use crate::problem::{Diag, Diags};
use crate::template::{Host, TValue, Vars, is_identifier};

/// One layer of values, in the order they were given (a later one of a name wins).
pub type Layer = Vec<(String, Json)>;

/// The values from outside, by layer.
#[derive(Debug, Clone, Default)]
pub struct Outside {
    pub env: Layer,
    pub data: Layer,
    pub var: Layer,
    /// Set by the run itself: `--mock` URLs, `callback_url`.
    pub run: Layer,
}

impl Outside {
    /// Every value, lowest precedence first.
    pub fn values(&self) -> impl Iterator<Item = &(String, Json)> {
        self.env
            .iter()
            .chain(&self.data)
            .chain(&self.var)
            .chain(&self.run)
    }

    pub fn names(&self) -> BTreeSet<String> {
        self.values().map(|(k, _)| k.clone()).collect()
    }

    pub fn contains(&self, name: &str) -> bool {
        self.values().any(|(k, _)| k == name)
    }

    /// The same values with a `--data` row's.
    pub fn with_row(&self, row: &[(String, Json)]) -> Outside {
        let mut o = self.clone();
        o.data = row.to_vec();
        o
    }
}

/// What a starting scope does with a `vars` entry that needs a variable nobody defined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unknown {
    /// A problem (a run, `check`).
    Refuse,
    /// Left out when it needs a value only the run's environment gives (an undefined
    /// variable, an unset `env()`/`secret()`), so it stays a shell variable (`export curl
    /// --render`); every other render problem is still reported.
    LeaveOut,
}

/// The scope a collection starts from: its `vars` (rendered in order, skipping the ones
/// given from outside, so an overridden `secret()` need not be set), then the outside values.
/// The one place precedence is decided.
pub fn initial_scope(
    c: &Collection,
    outside: &Outside,
    host: &Host,
    unknown: Unknown,
) -> Result<Vars, Vec<Diag>> {
    let mut scope = Vars::with_host(host.clone());
    for (k, v) in outside.values() {
        scope.set(k.clone(), v);
    }
    let mut d = Diags::new(&c.file);
    for (name, value) in &c.vars {
        if outside.contains(name) {
            continue;
        }
        match value.render(&scope) {
            Ok(v) => scope.set(name.clone(), &v),
            Err(e) if unknown == Unknown::LeaveOut && e.needs_outside_value() => {}
            Err(e) => {
                // The message may quote a value the render made secret: `env(token)` names it.
                let message = host.secrets.redact(&format!("variable `{name}`: {e}"));
                d.error(first_pos(value), message);
            }
        }
    }
    if d.is_empty() { Ok(scope) } else { Err(d.list) }
}

fn first_pos(v: &TValue) -> Pos {
    let mut ts = Vec::new();
    v.templates(&mut ts);
    ts.first().map(|t| t.pos).unwrap_or_default()
}

/// `--var NAME=VALUE`, typed as Hurl's `--variable` is: `true`, `false`, `null` and JSON
/// numbers keep their type, a JSON string in double quotes is that string, anything else is
/// a string as written.
pub fn parse_var_arg(arg: &str) -> Result<(String, Json), String> {
    let (k, v) = arg
        .split_once('=')
        .ok_or_else(|| format!("--var `{arg}`: expected NAME=VALUE"))?;
    if !is_identifier(k) {
        return Err(format!("--var `{arg}`: `{k}` is not a valid variable name"));
    }
    Ok((k.to_string(), typed(v)))
}

fn typed(v: &str) -> Json {
    match v {
        "true" => return Json::Bool(true),
        "false" => return Json::Bool(false),
        "null" => return Json::Null,
        _ => {}
    }
    if v.starts_with('"')
        && v.ends_with('"')
        && v.len() >= 2
        && let Ok(s @ Json::String(_)) = serde_json::from_str::<Json>(v)
    {
        return s;
    }
    match serde_json::from_str::<serde_json::Number>(v) {
        Ok(n) if !v.starts_with('+') => Json::Number(n),
        _ => Json::String(v.to_string()),
    }
}

/// Read an `--env FILE`: a YAML map of names to values; string values may use templates
/// (functions such as `secret('NAME')`, and names set earlier in the same file).
pub fn load_env_file(path: &Path, host: &Host) -> Result<Layer, Vec<Diag>> {
    let file = match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(vec![not_a_variable_file(
                path,
                Pos::default(),
                format!("--env {}: the file does not exist", path.display()),
                "check the path (relative to the current directory); --env takes a YAML map of variables",
            )]);
        }
        _ => crate::problem::read_source(path).map_err(|d| vec![d])?,
    };
    let node = match crate::format::yaml::parse_file(&file) {
        Ok(node) => node,
        Err(_) if looks_like_dotenv(&file.text) => return Err(vec![dotenv_given(path)]),
        Err(d) => return Err(vec![d]),
    };
    let mut d = Diags::new(&file);
    crate::format::yaml::duplicate_keys(&node, &mut d);
    let Some(map) = node.as_map() else {
        if matches!(node.kind, crate::format::yaml::Kind::Null) {
            return Ok(Vec::new());
        }
        // Whatever the file holds is not shown: it may be a secret.
        if looks_like_dotenv(&file.text) {
            return Err(vec![dotenv_given(path)]);
        }
        return Err(vec![not_a_variable_file(
            path,
            Pos::new(1, 1),
            format!(
                "--env {}: an --env file must be a YAML map of variable names to values",
                path.display()
            ),
            "write one `name: value` per line; a dotenv file (NAME=value) goes to --env-file; the file's text is not shown here",
        )]);
    };
    let mut scope = Vars::with_host(host.clone());
    let mut out = Vec::new();
    for (k, v) in map {
        if !reader::variable_name(k, &mut d) {
            continue;
        }
        let tv = reader::tvalue(v, &mut d);
        match tv.render(&scope) {
            Ok(value) => {
                scope.set(k.name.clone(), &value);
                out.push((k.name.clone(), value));
            }
            Err(e) => {
                d.error(v.pos, host.secrets.redact(&e.to_string()));
            }
        }
    }
    if d.is_empty() { Ok(out) } else { Err(d.list) }
}

/// A problem with a whole `--env` file (at `pos`, or none when it is not there), shown
/// without any of its text.
fn not_a_variable_file(path: &Path, pos: Pos, message: String, help: &str) -> Diag {
    let file = SourceFile::new(path, String::new());
    Diag {
        span: Span::new(&file, pos),
        message,
        label: String::new(),
        notes: vec![format!("help: {help}")],
    }
}

/// A dotenv file given to `--env`: said without showing a value.
fn dotenv_given(path: &Path) -> Diag {
    not_a_variable_file(
        path,
        Pos::new(1, 1),
        format!(
            "--env {}: this is a dotenv file (NAME=value lines), not a YAML map of variables",
            path.display()
        ),
        &format!(
            "load it with --env-file {} and read its values with `secret('NAME')` or `env('NAME')`; the file's lines are not shown here: they may hold secrets",
            path.display()
        ),
    )
}

/// Whether a file's first line that says anything is `NAME=value` (or `export NAME=value`).
fn looks_like_dotenv(text: &str) -> bool {
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'));
    let Some(line) = first else { return false };
    let line = line.strip_prefix("export ").unwrap_or(line).trim_start();
    match line.split_once('=') {
        Some((name, _)) => {
            let name = name.trim_end();
            !name.is_empty()
                && !name.contains(':')
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        }
        None => false,
    }
}

/// The most of a dotenv file baton reads.
const DOTENV_LIMIT: u64 = 4 << 20;

/// Read a `--env-file` (dotenv). Its values are what `env()` and `secret()` find when the
/// process environment has no such variable. A problem names the file and line, never the
/// line's text: it may hold a secret.
pub fn load_dotenv(path: &Path) -> Result<BTreeMap<String, String>, Diag> {
    let err = |line: u32, message: String, help: &str| dotenv_error(path, line, message, help);
    let text = read_dotenv(path)?;
    let mut out = BTreeMap::new();
    for item in dotenvy::from_read_iter(text.as_bytes()) {
        match item {
            Ok((k, v)) => {
                out.insert(k, v);
            }
            Err(dotenvy::Error::LineParse(line, index)) => {
                let n = line_number(&text, &line);
                // The parser goes on past a line whose quote is not closed.
                let first = line.lines().next().unwrap_or_default();
                let what = if index >= first.len() {
                    "a quote opened on it is never closed".to_string()
                } else {
                    format!(
                        "at character {}",
                        first.get(..index).map_or(index, |p| p.chars().count()) + 1
                    )
                };
                return Err(err(
                    n,
                    format!(
                        "--env-file {}: line {n} cannot be read ({what})",
                        path.display()
                    ),
                    "write NAME=value; close every quote on its line; the value is not shown here",
                ));
            }
            Err(e) => {
                return Err(err(
                    0,
                    format!("--env-file {}: {}", path.display(), describe_dotenv(&e)),
                    "write one NAME=value per line",
                ));
            }
        }
    }
    Ok(out)
}

/// A problem at a line of a dotenv file, shown without the line: it may hold a secret.
fn dotenv_error(path: &Path, line: u32, message: String, help: &str) -> Diag {
    let file = SourceFile::new(path, String::new());
    Diag {
        span: Span::new(&file, Pos::new(line, 1)),
        message,
        label: String::new(),
        notes: vec![format!("help: {help}")],
    }
}

/// A dotenv file's text: at most 4 MiB of UTF-8 without NUL bytes.
fn read_dotenv(path: &Path) -> Result<String, Diag> {
    let err = |line: u32, message: String, help: &str| dotenv_error(path, line, message, help);
    let f = std::fs::File::open(path).map_err(|e| crate::problem::io_error(path, &e))?;
    let mut bytes = Vec::new();
    f.take(DOTENV_LIMIT + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| crate::problem::io_error(path, &e))?;
    if bytes.len() as u64 > DOTENV_LIMIT {
        let line = bytes.iter().filter(|b| **b == b'\n').count() as u32 + 1;
        return Err(err(
            line,
            format!(
                "--env-file {}: line {line} goes past 4 MiB, the most an --env-file may hold",
                path.display()
            ),
            "an --env-file holds NAME=value lines; is this the right file?",
        ));
    }
    if let Some(at) = bytes.iter().position(|b| *b == 0) {
        let line = bytes[..at].iter().filter(|b| **b == b'\n').count() as u32 + 1;
        return Err(err(
            line,
            format!(
                "--env-file {}: line {line} holds a NUL byte; this is not a text file",
                path.display()
            ),
            "an --env-file holds NAME=value lines; is this the right file?",
        ));
    }
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let line = e.as_bytes()[..at].iter().filter(|b| **b == b'\n').count() as u32 + 1;
            return Err(err(
                line,
                format!(
                    "--env-file {}: line {line} is not UTF-8 text",
                    path.display()
                ),
                "save the file as UTF-8",
            ));
        }
    };
    Ok(text)
}

/// The line of `text` where the parser's `line` (which may span several) starts.
fn line_number(text: &str, line: &str) -> u32 {
    let first = line.lines().next().unwrap_or(line);
    text.lines()
        .position(|l| !first.is_empty() && l.contains(first))
        .map_or(0, |i| i as u32 + 1)
}

fn describe_dotenv(e: &dotenvy::Error) -> String {
    match e {
        dotenvy::Error::Io(io) => io.to_string(),
        dotenvy::Error::EnvVar(v) => v.to_string(),
        // Any other error text may quote the file: say what, not where's content.
        _ => "the file cannot be read as NAME=value lines".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn var_values_are_typed_like_hurl() {
        let v = |s: &str| parse_var_arg(&format!("x={s}")).unwrap().1;
        assert_eq!(v("1"), serde_json::json!(1));
        assert_eq!(v("-2.5"), serde_json::json!(-2.5));
        assert_eq!(v("true"), serde_json::json!(true));
        assert_eq!(v("null"), Json::Null);
        assert_eq!(v("007"), serde_json::json!("007"));
        assert_eq!(v("\"007\""), serde_json::json!("007"));
        assert_eq!(v("+1"), serde_json::json!("+1"));
        assert_eq!(v("abc"), serde_json::json!("abc"));
        assert_eq!(v(""), serde_json::json!(""));
        assert!(parse_var_arg("1x=2").is_err());
    }

    #[test]
    fn precedence_is_env_then_data_then_var_then_run() {
        let o = Outside {
            env: vec![("a".into(), "env".into()), ("b".into(), "env".into())],
            data: vec![("b".into(), "data".into()), ("c".into(), "data".into())],
            var: vec![("c".into(), "var".into()), ("d".into(), "var".into())],
            run: vec![("d".into(), "run".into())],
        };
        let c = crate::format::load_str(
            Path::new("t.yaml"),
            "vars: { a: vars, e: vars }\nrequests:\n  - name: r\n    url: http://x/\n".into(),
        )
        .unwrap();
        let s = initial_scope(&c, &o, &Host::default(), Unknown::Refuse).unwrap();
        let get = |k: &str| s.get(k).unwrap();
        assert_eq!(get("a"), "env");
        assert_eq!(get("b"), "data");
        assert_eq!(get("c"), "var");
        assert_eq!(get("d"), "run");
        assert_eq!(get("e"), "vars");
    }

    #[test]
    fn a_failing_var_does_not_quote_a_secret() {
        let mut env = BTreeMap::new();
        env.insert("TOKEN".to_string(), "tok-SUPERSECRET-42".to_string());
        let host = Host::new(env, crate::secret::Secrets::new());
        let c = crate::format::load_str(
            Path::new("t.yaml"),
            "vars:\n  t: \"{{ secret('TOKEN') }}\"\n  u: \"{{ env(t) }}\"\nrequests:\n  - name: r\n    url: http://x/\n"
                .into(),
        )
        .unwrap();
        let d = initial_scope(&c, &Outside::default(), &host, Unknown::Refuse).unwrap_err();
        let text = d[0].render();
        assert!(!text.contains("SUPERSECRET"), "{text}");
        assert!(text.contains("variable `u`"), "{text}");
    }

    #[test]
    fn a_bad_dotenv_line_is_named_without_its_value() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(".env");
        std::fs::write(&p, "A=1\nAPI_TOKEN=\"tok-SUPERSECRET-42\n").unwrap();
        let e = load_dotenv(&p).unwrap_err();
        let text = e.render();
        assert!(!text.contains("SUPERSECRET"), "{text}");
        assert!(text.contains("line 2"), "{text}");
        std::fs::write(&p, "A=1\nB='two words'\n").unwrap();
        let ok = load_dotenv(&p).unwrap();
        assert_eq!(ok["B"], "two words");
    }

    #[test]
    fn a_dotenv_is_told_from_yaml() {
        assert!(looks_like_dotenv("# local\n\nAPI_PASSWORD=x\n"));
        assert!(looks_like_dotenv("export A_B=1\n"));
        assert!(looks_like_dotenv("app.key = v\n"));
        assert!(!looks_like_dotenv("a: 1\nb=2\n"));
        assert!(!looks_like_dotenv("url: http://x/?a=b\n"));
        assert!(!looks_like_dotenv("- a=b\n"));
        assert!(!looks_like_dotenv(""));
    }
}
