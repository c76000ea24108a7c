//! Snapshots: a response body (or a received callback's) compared with a file kept in git
//! beside the collection, `__snapshots__/<collection file stem>/<request name>.json`. JSON
//! is stored pretty-printed with two spaces, keys in response order, each ignored path
//! replaced by `"[ignored]"`, and every secret masked (the file is committed). A missing
//! snapshot is written (under `CI` it is a failure instead); a different one fails with a
//! diff unless `--update-snapshots`. JSON compares as JSON: key order is no difference, and
//! the ignored paths are ignored in the kept file too (it may predate the `ignore`).

use std::path::{Path, PathBuf};

use serde_json::Value as Json;

use crate::format::model::Snapshot;
use crate::http::response::Response;
use crate::report::event::AssertionResult;
use crate::secret::Secrets;

/// What a snapshot check may do.
#[derive(Debug, Clone, Copy, Default)]
pub struct Mode {
    /// `--update-snapshots`: write missing and changed snapshots and pass.
    pub update: bool,
    /// `CI` is set (and not `false`): a missing snapshot fails and nothing is written.
    pub ci: bool,
}

/// The result of one snapshot check, and a note for the user when a file was written.
pub struct Checked {
    pub assertion: AssertionResult,
    pub note: Option<String>,
}

/// `List endpoints [0]` -> `list-endpoints-0-`: lowercase, every run of other characters
/// than `a-z0-9` one `-`.
pub fn file_name(request: &str) -> String {
    crate::format::load::snapshot_file_name(request)
}

/// Where the snapshot of `request` in `collection` lives (`ext` is `json` or `txt`). A stem
/// of only dots (`...yaml`) would climb out of `__snapshots__`: its dots become `_`.
pub fn path(collection: &Path, request: &str, ext: &str) -> PathBuf {
    let mut stem = collection
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "collection".into());
    if stem.chars().all(|c| c == '.') {
        stem = stem.replace('.', "_");
    }
    collection
        .parent()
        .unwrap_or(Path::new(""))
        .join("__snapshots__")
        .join(stem)
        .join(format!("{}.{ext}", file_name(request)))
}

/// Snapshots are read and written only through real directories and files: a symbolic link
/// under `__snapshots__` (to `~/.ssh`, to a file elsewhere) is refused, never followed.
fn no_links(file: &Path) -> Result<(), String> {
    let mut at = file.to_path_buf();
    for _ in 0..3 {
        if std::fs::symlink_metadata(&at).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(format!(
                "{} is a symbolic link: baton does not follow links under __snapshots__ (replace it with a real file or directory)",
                at.display()
            ));
        }
        if !at.pop() {
            break;
        }
    }
    Ok(())
}

/// The text a body is kept as: JSON pretty, ignored paths replaced, secrets masked.
pub fn text(spec: &Snapshot, r: &Response, secrets: &Secrets) -> (String, &'static str) {
    match r.json() {
        Some(doc) => (pretty(&ignored(spec, secrets.redact_json(doc))), "json"),
        None => (secrets.redact(&r.text()), "txt"),
    }
}

/// `doc` with every value an `ignore` path selects replaced by `"[ignored]"`.
fn ignored(spec: &Snapshot, mut doc: Json) -> Json {
    for (path, _) in &spec.ignore {
        let pointers: Vec<String> = path
            .query_located(&doc)
            .locations()
            .map(|l| l.to_json_pointer())
            .collect();
        for p in pointers {
            if let Some(v) = doc.pointer_mut(&p) {
                *v = Json::String("[ignored]".into());
            }
        }
    }
    doc
}

fn pretty(doc: &Json) -> String {
    let mut s = serde_json::to_string_pretty(doc).unwrap_or_default();
    s.push('\n');
    s
}

/// `doc` with the keys of each object in `like`'s order where `like` has them (new keys
/// after), so a diff shows what changed rather than how the keys moved.
fn aligned(doc: &Json, like: &Json) -> Json {
    match (doc, like) {
        (Json::Object(d), Json::Object(l)) => {
            let mut out = serde_json::Map::new();
            for (k, lv) in l {
                if let Some(dv) = d.get(k) {
                    out.insert(k.clone(), aligned(dv, lv));
                }
            }
            for (k, dv) in d {
                if !out.contains_key(k) {
                    out.insert(k.clone(), dv.clone());
                }
            }
            Json::Object(out)
        }
        (Json::Array(d), Json::Array(l)) => Json::Array(
            d.iter()
                .enumerate()
                .map(|(i, dv)| l.get(i).map_or_else(|| dv.clone(), |lv| aligned(dv, lv)))
                .collect(),
        ),
        _ => doc.clone(),
    }
}

/// How the kept text and the new one compare: `None` when they are the same, else the two
/// texts to diff.
fn compare(spec: &Snapshot, kept: &str, body: &str, ext: &str) -> Option<(String, String)> {
    if ext == "json"
        && let (Ok(k), Ok(b)) = (
            serde_json::from_str::<Json>(kept),
            serde_json::from_str::<Json>(body),
        )
    {
        let k = ignored(spec, k);
        if k == b {
            return None;
        }
        return Some((pretty(&k), pretty(&aligned(&b, &k))));
    }
    let (k, b) = (normalise(kept), normalise(body));
    (k != b).then_some((k, b))
}

/// Write a snapshot file (through real directories only); the note to show.
fn write_snapshot(file: &Path, body: &str, note: &str) -> Result<Option<String>, String> {
    let shown = file.display();
    no_links(file)?;
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    no_links(file)?;
    std::fs::write(file, body).map_err(|e| format!("{shown}: {e}"))?;
    Ok(Some(format!("{note}: {shown}")))
}

pub fn check(
    spec: &Snapshot,
    collection: &Path,
    request: &str,
    r: &Response,
    secrets: &Secrets,
    mode: Mode,
) -> Checked {
    let mut a = AssertionResult {
        subject: "snapshot".into(),
        predicate: "eq".into(),
        passed: false,
        expected: String::new(),
        actual: String::new(),
        diff: None,
        message: None,
        line: spec.pos.line,
    };
    if let Some(e) = r.body_error() {
        a.actual = "not kept".into();
        a.message = Some(e);
        return Checked {
            assertion: a,
            note: None,
        };
    }
    let (body, ext) = text(spec, r, secrets);
    let file = path(collection, request, ext);
    let shown = file.display().to_string();
    a.expected = shown.clone();
    let write = |note: &str| write_snapshot(&file, &body, note);
    let kept = match no_links(&file) {
        Ok(()) => crate::problem::read_bounded_string(&file),
        Err(e) => {
            a.message = Some(e);
            return Checked {
                assertion: a,
                note: None,
            };
        }
    };
    let outcome = match kept {
        Err(_) if mode.update || !mode.ci => write("snapshot written").map(|n| (true, n)),
        Err(_) => {
            a.actual = "(missing)".into();
            Err(format!(
                "snapshot missing: {shown} (run with --update-snapshots)"
            ))
        }
        Ok(kept) => match compare(spec, &kept, &body, ext) {
            None => Ok((true, None)),
            Some(_) if mode.update => write("snapshot updated").map(|n| (true, n)),
            Some((kept, body)) => {
                a.actual = "a different body".into();
                a.diff = Some(
                    similar::TextDiff::from_lines(&kept, &body)
                        .unified_diff()
                        .context_radius(3)
                        .header(&shown, "response")
                        .to_string(),
                );
                Err(format!(
                    "the body differs from {shown} (run with --update-snapshots to accept it)"
                ))
            }
        },
    };
    match outcome {
        Ok((passed, note)) => {
            a.passed = passed;
            a.actual = "the same".into();
            Checked { assertion: a, note }
        }
        Err(m) => {
            a.message = Some(m);
            Checked {
                assertion: a,
                note: None,
            }
        }
    }
}

/// Line endings as `\n` and one final newline, so an editor's habits do not fail a run.
fn normalise(s: &str) -> String {
    let mut t = s.replace("\r\n", "\n");
    while t.ends_with('\n') {
        t.pop();
    }
    t.push('\n');
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_compares_as_json_with_ignores_on_both_sides() {
        let spec = |ignore: &[&str]| Snapshot {
            pos: Default::default(),
            ignore: ignore
                .iter()
                .map(|p| (serde_json_path::JsonPath::parse(p).unwrap(), p.to_string()))
                .collect(),
        };
        let kept = "{\n  \"a\": 1,\n  \"b\": {\"x\": 1, \"y\": 2}\n}\n";
        assert_eq!(
            compare(&spec(&[]), kept, r#"{"b":{"y":2,"x":1},"a":1}"#, "json"),
            None
        );
        let (k, b) = compare(&spec(&[]), kept, r#"{"b":{"y":3,"x":1},"a":1}"#, "json").unwrap();
        assert_eq!(
            k,
            "{\n  \"a\": 1,\n  \"b\": {\n    \"x\": 1,\n    \"y\": 2\n  }\n}\n"
        );
        assert_eq!(
            b,
            "{\n  \"a\": 1,\n  \"b\": {\n    \"x\": 1,\n    \"y\": 3\n  }\n}\n"
        );
        assert_eq!(
            compare(
                &spec(&["$.b.y"]),
                kept,
                r#"{"a":1,"b":{"x":1,"y":"[ignored]"}}"#,
                "json"
            ),
            None
        );
        assert_eq!(compare(&spec(&[]), "a\r\nb\n\n", "a\nb", "txt"), None);
    }

    #[test]
    fn names_and_paths() {
        assert_eq!(file_name("List endpoints [0]"), "list-endpoints-0-");
        assert_eq!(file_name("GET /api/v1/x"), "get-api-v1-x");
        assert_eq!(
            path(Path::new("c/emnify.yaml"), "Send SMS", "json"),
            Path::new("c/__snapshots__/emnify/send-sms.json")
        );
    }
}
