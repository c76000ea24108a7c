//! Seed inputs: the repository's own collections, mocks and invalid fixtures (read where they
//! live, so the seeds never drift from them) and the hand-written odd inputs of
//! `tests/fuzz/corpus/<target>/`. Also the secret the targets plant and look for.

use std::fs;
use std::path::{Path, PathBuf};

use super::engine::{files_in, fuzz_dir};

/// The value of `FUZZ_SECRET` (the `--env-file` of every fuzzed run): no error message or
/// report may ever show it.
pub const SECRET: &str = "fz-Secr3t-Q7wX9kLm2Pv";

/// Seeds bigger than this slow every mutation down and find nothing the small ones do not.
const MAX_SEED: u64 = 64 << 10;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `*.yaml` below `dir`, sorted.
fn yaml_below(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .map(|rd| rd.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            yaml_below(&p, out);
        } else if p.extension().is_some_and(|e| e == "yaml" || e == "yml")
            && fs::metadata(&p).is_ok_and(|m| m.len() <= MAX_SEED)
        {
            out.push(p);
        }
    }
}

/// Whether a YAML file is a mock file (top-level `routes:`).
fn is_mock(text: &[u8]) -> bool {
    String::from_utf8_lossy(text)
        .lines()
        .any(|l| l.starts_with("routes:"))
}

/// The repository's YAML files: collections (and invalid ones), or mock files.
pub fn repository_yaml(mocks: bool) -> Vec<Vec<u8>> {
    let mut paths = Vec::new();
    for dir in [
        "collections",
        "tests/fixtures/invalid",
        "tests/fixtures/fmt",
        "tests/interop",
        "bench/collections",
    ] {
        yaml_below(&root().join(dir), &mut paths);
    }
    paths
        .into_iter()
        .filter_map(|p| fs::read(&p).ok())
        .filter(|b| is_mock(b) == mocks)
        .collect()
}

/// The hand-written seeds of one target.
pub fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    files_in(&fuzz_dir().join("corpus").join(target))
        .into_iter()
        .map(|p| {
            let b = fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p, b)
        })
        .collect()
}

/// Every string holding template syntax in the repository's YAML files.
pub fn repository_templates() -> Vec<String> {
    let mut out = Vec::new();
    for text in repository_yaml(false)
        .into_iter()
        .chain(repository_yaml(true))
    {
        let Ok(text) = String::from_utf8(text) else {
            continue;
        };
        if let Ok(node) = baton::format::yaml::parse(&text) {
            strings(&node.to_json(), &mut out);
        }
    }
    out.retain(|s| s.contains("{{") || s.contains("{%"));
    out.sort();
    out.dedup();
    out
}

fn strings(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        serde_json::Value::Object(o) => o.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

/// A normalised error message, so "unknown key `methd`" and "unknown key `urll`" count once.
pub fn shape(message: &str) -> String {
    let mut out = String::new();
    let mut in_tick = false;
    for c in message.lines().next().unwrap_or_default().chars() {
        match c {
            '`' => {
                in_tick = !in_tick;
                if in_tick {
                    out.push('_');
                }
            }
            _ if in_tick => {}
            c if c.is_ascii_digit() => {}
            c => out.push(c),
        }
    }
    out.chars().take(80).collect()
}

/// A saved input: JSON as written by the fuzzer, or YAML as written by hand.
pub fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    serde_json::from_slice(bytes)
        .or_else(|_| serde_saphyr::from_slice(bytes).map_err(|e| e.to_string()))
}

/// A saved input as pretty JSON (which is YAML too).
pub fn encode<T: serde::Serialize>(input: &T) -> Vec<u8> {
    let mut s = serde_json::to_string_pretty(input).expect("an input serialises");
    s.push('\n');
    s.into_bytes()
}
