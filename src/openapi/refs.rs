//! Loading an OpenAPI document and every local file its `$ref`s point into: each `$ref`
//! made absolute (`file:///dir/api.yaml#/components/schemas/Pet`) and checked to point at
//! something, remote ones refused, and OpenAPI 3.0 schemas rewritten as JSON Schema 2020-12.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde_json::Value as Json;
use url::Url;

use super::walk::{convert_30, walk};
use super::{At, OpenApiError, Version};
use crate::problem::source::Pos;

/// A referenced file larger than this is not read (a `$ref` to `/dev/zero` ends here).
const MAX_FILE: u64 = 64 * 1024 * 1024;

/// Which files `$ref`s may load.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RefScope {
    /// Files under the root document's folder only (the default).
    #[default]
    Tree,
    /// Any local file.
    Anywhere,
}

/// The root document and the files it refers to, keyed by their `file://` URL.
#[derive(Debug)]
pub struct Docs {
    /// URL of the root document (no fragment).
    pub root: String,
    pub version: Version,
    pub files: IndexMap<String, Loaded>,
    scope: RefScope,
    /// The root document's folder, resolved: referenced files must be under it.
    dir: PathBuf,
}

#[derive(Debug)]
pub struct Loaded {
    pub path: PathBuf,
    pub text: String,
    pub value: Json,
}

impl Docs {
    /// Reads the document at `path` and every local file it refers to.
    #[cfg(test)]
    pub fn load(path: &Path) -> Result<Docs, OpenApiError> {
        Docs::load_with(path, RefScope::Tree)
    }

    /// The same, with `$ref`s allowed to load the files `scope` says.
    pub fn load_with(path: &Path, scope: RefScope) -> Result<Docs, OpenApiError> {
        let text = read_bounded(path).map_err(|source| OpenApiError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Docs::from_text_with(&text, path, scope)
    }

    /// `text` is the document; `path` is where it lives (relative `$ref`s start there).
    pub fn from_text(text: &str, path: &Path) -> Result<Docs, OpenApiError> {
        Docs::from_text_with(text, path, RefScope::Tree)
    }

    pub fn from_text_with(text: &str, path: &Path, scope: RefScope) -> Result<Docs, OpenApiError> {
        let abs = super::absolute(path).unwrap_or_else(|| path.to_path_buf());
        let dir = abs.parent().map(Path::to_path_buf).unwrap_or_default();
        let root = Url::from_file_path(&abs)
            .map(|u| u.to_string())
            .unwrap_or_else(|_| format!("file:///{}", abs.display()));
        let value = parse(text, path)?;
        let version = version(&value, path, text)?;
        let mut files = IndexMap::new();
        files.insert(
            root.clone(),
            Loaded {
                path: path.to_path_buf(),
                text: text.to_string(),
                value,
            },
        );
        let mut docs = Docs {
            root,
            version,
            files,
            scope,
            dir,
        };
        let refs = docs.rewrite_all()?;
        docs.check_targets(&refs)?;
        Ok(docs)
    }

    pub fn root(&self) -> &Json {
        &self.files[&self.root].value
    }

    /// The value an absolute reference points at.
    pub fn get(&self, reference: &str) -> Option<&Json> {
        let (file, fragment) = reference.split_once('#').unwrap_or((reference, ""));
        let doc = &self.files.get(file)?.value;
        let pointer = percent_encoding::percent_decode_str(fragment).decode_utf8_lossy();
        if pointer.is_empty() {
            Some(doc)
        } else {
            doc.pointer(&pointer)
        }
    }

    /// Follows `$ref` until a value that is not a reference (parameters, responses, ...).
    pub fn deref<'a>(&'a self, mut v: &'a Json) -> Result<&'a Json, OpenApiError> {
        let mut hops = 0;
        while let Some(target) = v.get("$ref").and_then(Json::as_str) {
            hops += 1;
            let next = self.get(target);
            match next {
                Some(n) if hops < 64 => v = n,
                Some(_) => {
                    return Err(OpenApiError::RefLoop {
                        at: self.at_ref(target),
                        target: target.to_string(),
                    });
                }
                None => {
                    return Err(OpenApiError::BrokenRef {
                        at: self.at_ref(target),
                        target: target.to_string(),
                        help: self.broken_help(target),
                    });
                }
            }
        }
        Ok(v)
    }

    /// What to do about a reference that points at nothing: a close name, if there is one.
    fn broken_help(&self, reference: &str) -> String {
        let (file, fragment) = reference.split_once('#').unwrap_or((reference, ""));
        let pointer = percent_encoding::percent_decode_str(fragment).decode_utf8_lossy();
        let (parent, last) = pointer.rsplit_once('/').unwrap_or(("", &pointer));
        let last = last.replace("~1", "/").replace("~0", "~");
        let siblings = self
            .files
            .get(file)
            .and_then(|l| l.value.pointer(parent))
            .and_then(Json::as_object);
        match siblings
            .and_then(|m| crate::problem::source::did_you_mean(&last, m.keys().map(String::as_str)))
        {
            Some(s) => format!("help: did you mean `{s}`?"),
            None if siblings.is_some() => format!(
                "help: there is no `{last}` there; the names are {}",
                siblings
                    .map(|m| m
                        .keys()
                        .take(8)
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", "))
                    .unwrap_or_default()
            ),
            None => {
                "help: a $ref is a file and a JSON pointer into it, like `#/components/schemas/Pet`"
                    .into()
            }
        }
    }

    /// A place for messages about the value at an absolute reference.
    pub fn at_ref(&self, reference: &str) -> At {
        let (file, fragment) = reference.split_once('#').unwrap_or((reference, ""));
        match self.files.get(file) {
            Some(l) => {
                let pointer = percent_encoding::percent_decode_str(fragment).decode_utf8_lossy();
                At::inside(&l.path, &l.text, &pointer)
            }
            None => At::file(Path::new(file)),
        }
    }

    /// A place in the root document.
    pub fn at(&self, pointer: &str) -> At {
        let l = &self.files[&self.root];
        At::inside(&l.path, &l.text, pointer)
    }

    /// Makes every `$ref` absolute, loading the files they name, breadth first.
    fn rewrite_all(&mut self) -> Result<Vec<FoundRef>, OpenApiError> {
        let mut all = Vec::new();
        let mut queue: VecDeque<String> = VecDeque::from([self.root.clone()]);
        let convert = self.version == Version::V30;
        while let Some(uri) = queue.pop_front() {
            let base = Url::parse(&uri).ok();
            let mut found: Vec<(String, String)> = Vec::new();
            let mut value = std::mem::take(&mut self.files[&uri].value);
            let mut result = Ok(());
            walk(
                &mut value,
                false,
                &mut String::new(),
                &mut |map, pointer| {
                    if result.is_err() {
                        return;
                    }
                    if convert {
                        convert_30(map);
                    }
                    if let Some(Json::String(r)) = map.get_mut("$ref") {
                        match absolute_ref(r, base.as_ref()) {
                            Ok(abs) => {
                                found.push((abs.clone(), format!("{pointer}/$ref")));
                                *r = abs;
                            }
                            Err(()) => result = Err((r.clone(), format!("{pointer}/$ref"))),
                        }
                    }
                },
            );
            self.files[&uri].value = value;
            if let Err((target, pointer)) = result {
                let l = &self.files[&uri];
                return Err(OpenApiError::RemoteRef {
                    at: At::inside(&l.path, &l.text, &pointer),
                    target,
                });
            }
            for (abs, pointer) in found {
                all.push(FoundRef {
                    file: uri.clone(),
                    target: abs.clone(),
                    pointer: pointer.clone(),
                });
                let file = abs.split_once('#').map_or(abs.as_str(), |(f, _)| f);
                if self.files.contains_key(file) {
                    continue;
                }
                let Some(path) = Url::parse(file).ok().and_then(|u| u.to_file_path().ok()) else {
                    let l = &self.files[&uri];
                    return Err(OpenApiError::RemoteRef {
                        at: At::inside(&l.path, &l.text, &pointer),
                        target: abs.clone(),
                    });
                };
                let text = self.read_ref(&uri, &pointer, &abs, &path)?;
                let value = parse(&text, &path)?;
                self.files.insert(
                    file.to_string(),
                    Loaded {
                        path: path.clone(),
                        text,
                        value,
                    },
                );
                queue.push_back(file.to_string());
            }
        }
        Ok(all)
    }

    /// The text of a file a `$ref` (at `pointer` in `from`) names: refused outside the root
    /// document's folder unless the scope allows it, and never shown in the error.
    fn read_ref(
        &self,
        from: &str,
        pointer: &str,
        abs: &str,
        path: &Path,
    ) -> Result<String, OpenApiError> {
        let l = &self.files[from];
        let original = || original_ref(&l.text, pointer).unwrap_or(abs.to_string());
        let at = || At::inside(&l.path, &l.text, pointer);
        let resolved = path.canonicalize();
        if self.scope == RefScope::Tree
            && resolved.as_ref().map_or(
                !super::absolute(path).is_some_and(|p| p.starts_with(&self.dir)),
                |p| !p.starts_with(&self.dir),
            )
        {
            return Err(OpenApiError::RefOutside {
                at: at(),
                target: original(),
                dir: self.dir.clone(),
            });
        }
        read_bounded(path).map_err(|source| OpenApiError::RefFile {
            at: at(),
            target: original(),
            file: path.to_path_buf(),
            source,
        })
    }

    /// Every `$ref` must point at something: a broken one is an error before anything runs.
    fn check_targets(&self, refs: &[FoundRef]) -> Result<(), OpenApiError> {
        for r in refs {
            if self.get(&r.target).is_none() {
                let l = &self.files[&r.file];
                let target = original_ref(&l.text, &r.pointer).unwrap_or(r.target.clone());
                return Err(OpenApiError::BrokenRef {
                    at: At::inside(&l.path, &l.text, &r.pointer),
                    help: self.broken_help(&r.target),
                    target,
                });
            }
        }
        Ok(())
    }
}

/// A file's text, refused when it is larger than `MAX_FILE` (read no further than that).
fn read_bounded(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(MAX_FILE + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE {
        return Err(std::io::Error::other(format!(
            "the file is larger than {} MiB",
            MAX_FILE / 1024 / 1024
        )));
    }
    String::from_utf8(bytes).map_err(|_| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "the file is not UTF-8 text",
        )
    })
}

/// A `$ref` found while loading: the file it is in, its absolute target, and where it is.
struct FoundRef {
    file: String,
    target: String,
    pointer: String,
}

/// The `$ref` as the file wrote it (before it was made absolute), for messages.
fn original_ref(text: &str, pointer: &str) -> Option<String> {
    let value = parse_quiet(text)?;
    value.pointer(pointer)?.as_str().map(str::to_string)
}

fn parse_quiet(text: &str) -> Option<Json> {
    if text.trim_start().starts_with('{') {
        serde_json::from_str(text).ok()
    } else {
        crate::format::yaml::parse(text).ok().map(|n| n.to_json())
    }
}

/// `$ref` text to an absolute `file:` URL with a `#` fragment; `Err` for remote references.
fn absolute_ref(r: &str, base: Option<&Url>) -> Result<String, ()> {
    let (file, fragment) = r.split_once('#').unwrap_or((r, ""));
    let mut u = if file.is_empty() {
        base.ok_or(())?.clone()
    } else {
        match Url::parse(file) {
            Ok(u) => u,
            Err(url::ParseError::RelativeUrlWithoutBase) => {
                base.ok_or(())?.join(file).map_err(|_| ())?
            }
            Err(_) => return Err(()),
        }
    };
    if u.scheme() != "file" {
        return Err(());
    }
    u.set_fragment(None);
    u.set_query(None);
    // One spelling per pointer, so the same target is the same key (and a valid URI).
    let decoded = percent_encoding::percent_decode_str(fragment).decode_utf8_lossy();
    let encoded = percent_encoding::utf8_percent_encode(&decoded, FRAGMENT);
    Ok(format!("{u}#{encoded}"))
}

/// Characters a URI fragment cannot hold as they are.
const FRAGMENT: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'<')
    .add(b'>')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'|')
    .add(b'\\')
    .add(b'^')
    .add(b'[')
    .add(b']')
    .add(b'%')
    .add(b'#');

/// Parses JSON or YAML into JSON values.
pub fn parse(text: &str, path: &Path) -> Result<Json, OpenApiError> {
    let json_like = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        || text.trim_start().starts_with('{');
    if json_like {
        match serde_json::from_str(text) {
            Ok(v) => return Ok(v),
            Err(e)
                if path
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("json")) =>
            {
                return Err(OpenApiError::Syntax {
                    at: At::with_pos(
                        path,
                        text,
                        Pos::new(e.line() as u32, e.column().max(1) as u32),
                    ),
                    kind: "JSON",
                    message: e.to_string().split(" at line ").next().unwrap_or("").into(),
                });
            }
            Err(_) => {}
        }
    }
    match crate::format::yaml::parse(text) {
        Ok(node) => Ok(node.to_json()),
        Err(e) => Err(OpenApiError::Syntax {
            at: At::with_pos(path, text, e.pos),
            kind: "YAML",
            message: e.message,
        }),
    }
}

fn version(root: &Json, path: &Path, text: &str) -> Result<Version, OpenApiError> {
    let not = |why: &str, help: &str| OpenApiError::NotOpenApi {
        at: At::inside(path, text, ""),
        why: why.to_string(),
        help: help.to_string(),
    };
    if !root.is_object() {
        return Err(not(
            "the top level is not a map",
            "help: an OpenAPI document starts with `openapi: 3.0.3` or `openapi: 3.1.0`",
        ));
    }
    if root.get("swagger").is_some() {
        return Err(not(
            "this is a Swagger 2.0 document",
            "help: convert it to OpenAPI 3 first (for example with swagger2openapi, or the Swagger Editor's \"Convert to OpenAPI 3\")",
        ));
    }
    let v = match root.get("openapi") {
        Some(Json::String(s)) => s.clone(),
        Some(Json::Number(n)) => n.to_string(),
        _ => {
            return Err(not(
                "there is no `openapi:` version field",
                "help: an OpenAPI document starts with `openapi: 3.0.3` or `openapi: 3.1.0`",
            ));
        }
    };
    let mut parts = v.split('.');
    let major = parts.next().and_then(|p| p.trim().parse::<u32>().ok());
    let minor = parts.next().and_then(|p| p.trim().parse::<u32>().ok());
    match (major, minor) {
        (Some(3), Some(0)) => Ok(Version::V30),
        (Some(3), Some(_)) | (Some(3), None) => Ok(Version::V31),
        _ => Err(OpenApiError::NotOpenApi {
            at: At::inside(path, text, "/openapi"),
            why: format!("version `{v}` is not supported"),
            help: "help: baton reads OpenAPI 3.0 and 3.1 (and later 3.x)".into(),
        }),
    }
}

/// The line and column of the value at a JSON pointer, found by reading the text again
/// with positions (only done for error messages).
pub fn position(text: &str, pointer: &str) -> Option<Pos> {
    let mut node = crate::format::yaml::parse(text).ok()?;
    if pointer.is_empty() {
        return Some(node.pos);
    }
    for raw in pointer.trim_start_matches('/').split('/') {
        let seg = raw.replace("~1", "/").replace("~0", "~");
        let next = match &node.kind {
            crate::format::yaml::Kind::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.name == seg)
                .map(|(_, v)| v.clone()),
            crate::format::yaml::Kind::Seq(items) => seg
                .parse::<usize>()
                .ok()
                .and_then(|i| items.get(i).cloned()),
            _ => None,
        };
        node = next?;
    }
    Some(node.pos)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn docs(dir: &Path, files: &[(&str, &str)]) -> Result<Docs, OpenApiError> {
        for (name, text) in files {
            let p = dir.join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        Docs::load(&dir.join(files[0].0))
    }

    #[test]
    fn refs_across_files_become_absolute() {
        let dir = tempfile::tempdir().unwrap();
        let d = docs(
            dir.path(),
            &[
                (
                    "api.yaml",
                    "openapi: 3.0.3\npaths: {}\ncomponents:\n  schemas:\n    Pet: { $ref: 'schemas/pet.yaml#/Pet' }\n    example: { type: string, nullable: true }\n",
                ),
                (
                    "schemas/pet.yaml",
                    "Pet:\n  type: object\n  properties:\n    tag: { $ref: '#/Tag' }\n    example: { type: integer }\n  example: { $ref: not-a-ref }\nTag: { type: string, nullable: true }\n",
                ),
            ],
        )
        .unwrap();
        assert_eq!(d.files.len(), 2);
        let pet = d
            .deref(d.root().pointer("/components/schemas/Pet").unwrap())
            .unwrap();
        let tag_ref = pet
            .pointer("/properties/tag/$ref")
            .unwrap()
            .as_str()
            .unwrap();
        assert!(tag_ref.ends_with("/schemas/pet.yaml#/Tag"), "{tag_ref}");
        assert_eq!(
            d.get(tag_ref).unwrap(),
            &json!({ "type": ["string", "null"] })
        );
        // A schema named `example` is a schema; an `example` value is data, left alone.
        assert_eq!(
            d.root().pointer("/components/schemas/example/type"),
            Some(&json!(["string", "null"]))
        );
        assert_eq!(pet["example"], json!({ "$ref": "not-a-ref" }));
    }

    #[test]
    fn remote_and_broken_refs_are_errors_with_a_line() {
        let dir = tempfile::tempdir().unwrap();
        let e = docs(
            dir.path(),
            &[(
                "api.yaml",
                "openapi: 3.1.0\ncomponents:\n  schemas:\n    Pet:\n      $ref: https://example.com/pet.json\n",
            )],
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("remote $ref `https://example.com/pet.json` is not supported"),
            "{e}"
        );
        assert!(e.contains("api.yaml:5:13"), "{e}");

        let e = docs(
            dir.path(),
            &[(
                "b.yaml",
                "openapi: 3.1.0\ncomponents:\n  schemas:\n    Pet:\n      $ref: '#/components/schemas/Dog'\n",
            )],
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("$ref `#/components/schemas/Dog` points at nothing"),
            "{e}"
        );
        assert!(e.contains("b.yaml:5:13"), "{e}");

        let e = docs(
            dir.path(),
            &[(
                "c.yaml",
                "openapi: 3.1.0\npaths:\n  /a: { $ref: 'missing.yaml#/x' }\n",
            )],
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("$ref `missing.yaml#/x`: cannot read"), "{e}");
    }

    #[test]
    fn versions() {
        let dir = tempfile::tempdir().unwrap();
        let e = docs(dir.path(), &[("s.yaml", "swagger: '2.0'\n")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("Swagger 2.0"), "{e}");
        let e = docs(dir.path(), &[("t.json", "{\"openapi\": \"3.0.0\",}")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("not valid JSON"), "{e}");
        assert!(e.contains("t.json:1:"), "{e}");
        let d = docs(dir.path(), &[("u.yaml", "openapi: 3.2.0\n")]).unwrap();
        assert_eq!(d.version, Version::V31);
    }
}
