//! OpenAPI 3.0 / 3.1 documents: generating a collection from one (`baton import openapi`)
//! and checking responses against one (the contract check of a collection's `openapi:`).
//!
//! `refs` loads a document and the local files its `$ref`s point into (`walk` visits its
//! objects and rewrites 3.0 schemas), `doc` reads the parts baton uses into plain types,
//! `import` writes a collection (`security` its auth, `sample` the smallest value a schema
//! allows), and `contract` checks a response.

mod body;
mod contract;
mod doc;
mod example;
mod import;
mod prepare;
mod refs;
mod request;
mod sample;
mod security;
mod walk;

use std::fmt;
use std::path::{Component, Path, PathBuf};

pub use contract::{Contract, Violation, ViolationKind};
pub use import::{import, import_file};
pub use refs::RefScope;

use crate::problem::Diag;
use crate::problem::source::{Pos, SourceFile, Span};

/// Which schema dialect the document's schemas are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// OpenAPI 3.0.x: an extended subset of JSON Schema draft 5 (`nullable`, boolean
    /// `exclusiveMinimum`), rewritten to 2020-12 on load.
    V30,
    /// OpenAPI 3.1 and later: JSON Schema 2020-12.
    V31,
}

/// Where in a document a problem is: the file, the JSON pointer, and the line if known.
#[derive(Debug, Clone)]
pub struct At(Box<Place>);

#[derive(Debug, Clone)]
struct Place {
    path: PathBuf,
    /// JSON pointer inside the file (`/paths/~1pets/get`), `""` for the whole file.
    pointer: String,
    pos: Option<Pos>,
    /// The file's text, for the caret snippet.
    text: Option<std::sync::Arc<SourceFile>>,
}

impl At {
    pub(crate) fn file(path: &Path) -> At {
        At(Box::new(Place {
            path: path.to_path_buf(),
            pointer: String::new(),
            pos: None,
            text: None,
        }))
    }

    pub fn path(&self) -> &Path {
        &self.0.path
    }

    /// Line and column, when the file could be read with positions.
    pub fn pos(&self) -> Option<Pos> {
        self.0.pos
    }

    /// A place inside a file whose text is known: the line is looked up by the pointer.
    pub(crate) fn inside(path: &Path, text: &str, pointer: &str) -> At {
        let pos = refs::position(text, pointer);
        At(Box::new(Place {
            path: path.to_path_buf(),
            pointer: pointer.to_string(),
            pos,
            text: pos.map(|p| excerpt(path, text, p)),
        }))
    }

    pub(crate) fn with_pos(path: &Path, text: &str, pos: Pos) -> At {
        At(Box::new(Place {
            path: path.to_path_buf(),
            pointer: String::new(),
            pos: Some(pos),
            text: Some(excerpt(path, text, pos)),
        }))
    }
}

/// Characters of the offending line shown after its column, at most.
const EXCERPT_AFTER: usize = 40;

/// What a message may show of a file: only the offending line, cut after its column, with
/// every value of this process's environment masked (a `$ref` can point at a file that holds
/// them). Control characters are escaped when the message is rendered. Columns stay true:
/// masking keeps lengths and the cut is after the column.
fn excerpt(path: &Path, text: &str, pos: Pos) -> std::sync::Arc<SourceFile> {
    let whole = SourceFile::new(path, text.to_string());
    let line = whole.line(pos.line).unwrap_or("");
    let keep = pos.col as usize + EXCERPT_AFTER;
    let mut cut: String = line.chars().take(keep).collect();
    if line.chars().count() > keep {
        cut.push_str("...");
    }
    let masked = mask_environment(&cut);
    let mut synthetic = "\n".repeat(pos.line.saturating_sub(1) as usize);
    synthetic.push_str(&masked);
    SourceFile::new(path, synthetic)
}

/// Values of environment variables (6 characters or more) replaced by as many `*`.
fn mask_environment(s: &str) -> String {
    let mut out = s.to_string();
    for (_, value) in std::env::vars_os() {
        let Some(v) = value.to_str() else { continue };
        if v.chars().count() >= 6 && out.contains(v) {
            out = out.replace(v, &"*".repeat(v.chars().count()));
        }
    }
    out
}

impl fmt::Display for At {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = &self.0;
        match p.pos {
            Some(pos) => write!(f, "{}:{}:{}", p.path.display(), pos.line, pos.col),
            None if p.pointer.is_empty() => write!(f, "{}", p.path.display()),
            None => write!(f, "{} (at #{})", p.path.display(), p.pointer),
        }
    }
}

/// Why an OpenAPI document cannot be used. Each names the file (and line where it can),
/// says what is wrong and what to do.
#[derive(Debug, thiserror::Error)]
pub enum OpenApiError {
    #[error("cannot read the OpenAPI document {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}", render(at, &format!("the OpenAPI document is not valid {kind}: {message}"), ""))]
    Syntax {
        at: At,
        kind: &'static str,
        message: String,
    },
    #[error("{}", render(at, &format!("not an OpenAPI 3 document: {why}"), help))]
    NotOpenApi { at: At, why: String, help: String },
    #[error("{}", render(at, &format!("remote $ref `{target}` is not supported"),
        "help: download the file next to the document and refer to it by a relative path"))]
    RemoteRef { at: At, target: String },
    #[error("{}", render(at, &format!("$ref `{target}`: cannot read {}: {source}", file.display()),
        "help: local $refs are relative to the file that contains them"))]
    RefFile {
        at: At,
        target: String,
        file: PathBuf,
        source: std::io::Error,
    },
    #[error("{}", render(at, &format!("$ref `{target}` points at nothing"), help))]
    BrokenRef {
        at: At,
        target: String,
        help: String,
    },
    #[error("{}", render(at, &format!("$ref `{target}` points outside the document's folder {}", dir.display()),
        "help: put the file under the document's folder (`baton import openapi --allow-refs-outside` lets an import read it)"))]
    RefOutside {
        at: At,
        target: String,
        dir: PathBuf,
    },
    #[error("{}", render(at, &format!("$ref `{target}` refers to itself in a loop"), ""))]
    RefLoop { at: At, target: String },
    #[error("{}", render(at, message, help))]
    Invalid {
        at: At,
        message: String,
        help: String,
    },
}

/// A problem of the document as a `Diag` (rendered, like every problem, by `Diag::render`),
/// without its leading `error: `: the caller says that.
fn render(at: &At, message: &str, help: &str) -> String {
    let mut diag = match (&at.0.text, at.0.pos) {
        (Some(file), Some(pos)) => Diag {
            span: Span::new(file, pos),
            message: message.to_string(),
            label: String::new(),
            notes: Vec::new(),
        },
        _ => Diag::whole(at.to_string(), message),
    };
    if !help.is_empty() {
        diag.notes.push(help.to_string());
    }
    let text = diag.render();
    text.strip_prefix("error: ")
        .unwrap_or(&text)
        .trim_end()
        .to_string()
}

/// The `openapi:` value a generated collection needs: the document's path as seen from where
/// the collection is written (`out_dir`), or as given when the collection goes to stdout.
/// Never an absolute path: a collection moves between machines (stdout is taken to be
/// saved in the current directory).
pub fn document_key(file: &Path, out_dir: Option<&Path>) -> String {
    if out_dir.is_none() && file.is_relative() {
        return slashes(file);
    }
    let cwd = std::env::current_dir().unwrap_or_default();
    let dir = out_dir.unwrap_or(&cwd);
    let name = || slashes(Path::new(file.file_name().unwrap_or(file.as_os_str())));
    let (Some(file_abs), Some(dir_abs)) = (absolute(file), absolute(dir)) else {
        return name();
    };
    let f: Vec<Component> = file_abs.components().collect();
    let d: Vec<Component> = dir_abs.components().collect();
    let common = f.iter().zip(&d).take_while(|(a, b)| a == b).count();
    if common == 0 {
        return name();
    }
    let mut rel = PathBuf::new();
    for _ in common..d.len() {
        rel.push("..");
    }
    for c in &f[common..] {
        rel.push(c.as_os_str());
    }
    slashes(&rel)
}

/// An absolute path with `.` and `..` resolved (through the file system where it exists).
fn absolute(p: &Path) -> Option<PathBuf> {
    if let Ok(c) = p.canonicalize() {
        return Some(c);
    }
    let joined = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().ok()?.join(p)
    };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    // The deepest existing ancestor may itself be a symlink: canonicalize what exists.
    let mut existing = out.clone();
    let mut rest = Vec::new();
    while !existing.exists() {
        rest.push(existing.file_name()?.to_os_string());
        if !existing.pop() {
            return Some(out);
        }
    }
    let mut base = existing.canonicalize().ok()?;
    for r in rest.iter().rev() {
        base.push(r);
    }
    Some(base)
}

fn slashes(p: &Path) -> String {
    let s = p.to_string_lossy().into_owned();
    if std::path::MAIN_SEPARATOR == '\\' {
        s.replace('\\', "/")
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_is_relative_to_the_output_directory() {
        let dir = tempfile::tempdir().unwrap();
        let doc = dir.path().join("api/openapi.yaml");
        std::fs::create_dir_all(doc.parent().unwrap()).unwrap();
        std::fs::write(&doc, "openapi: 3.1.0").unwrap();
        let out = dir.path().join("collections/api");
        assert_eq!(document_key(&doc, Some(&out)), "../../api/openapi.yaml");
        assert_eq!(
            document_key(&doc, Some(&dir.path().join("api"))),
            "openapi.yaml"
        );
        assert_eq!(
            document_key(Path::new("specs/a.yaml"), None),
            "specs/a.yaml"
        );
    }
}
