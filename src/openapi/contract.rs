//! Contract checks: a response against the operation its request matches (method and path
//! template after the server's base path): status, content type, body schema and required
//! headers. Plain synchronous code over plain data; the runner calls it once per response.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use jsonschema::{Draft, Registry, Validator};
use serde_json::Value as Json;
use url::Url;

use super::doc::{Api, Operation, Response};
use super::refs::Docs;
use super::{OpenApiError, Version};

/// At most this many schema errors are reported per response (then a count of the rest).
const MAX_SCHEMA_ERRORS: usize = 10;
/// Error messages quote instance values; long ones are cut to this many characters.
const MAX_MESSAGE: usize = 300;

/// Compiled response schemas by (operation, response, media type), or why one does not compile.
type Cache = HashMap<(usize, usize, usize), Result<Arc<Validator>, String>>;

/// A loaded OpenAPI document, ready to check responses against. Cheap to share (`Arc`):
/// each response schema is compiled on first use and kept.
pub struct Contract {
    path: PathBuf,
    version: Version,
    ops: Vec<Matcher>,
    registry: Registry<'static>,
    cache: Mutex<Cache>,
}

impl fmt::Debug for Contract {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Contract")
            .field("path", &self.path)
            .field("version", &self.version)
            .field("operations", &self.ops.len())
            .finish_non_exhaustive()
    }
}

/// What kind of rule a response broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViolationKind {
    /// No operation has this method and path.
    NoOperation,
    /// The status is not among the operation's responses and there is no `default`.
    Status,
    /// The response's content type is not documented for that status.
    ContentType,
    /// The body does not match the documented schema (or is not JSON when it must be).
    Schema,
    /// A header the response documents as required is missing.
    Header,
    /// The document's schema for this response cannot be compiled.
    InvalidSchema,
}

/// One way a response breaks the contract. `message` is what the report shows after
/// `openapi: `, e.g. `GET /pets/{id} 200: $.id: "x" is not of type "integer"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub kind: ViolationKind,
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// An operation with its path template split for matching.
struct Matcher {
    op: Operation,
    segments: Vec<Vec<Part>>,
    /// Characters outside `{params}`: concrete paths win over templated ones.
    literal: usize,
    /// Base paths of the operation's servers (`""` when there are none).
    bases: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Lit(String),
    Param,
}

impl Contract {
    /// Loads the document and every local file it refers to. Remote `$ref`s, broken ones
    /// and unreadable files are errors naming the file and line.
    pub fn load(path: &Path) -> Result<Contract, OpenApiError> {
        let docs = Docs::load(path)?;
        Contract::from_docs(docs)
    }

    /// The same from text (`path` is where it lives, for relative `$ref`s and messages).
    pub fn from_text(text: &str, path: &Path) -> Result<Contract, OpenApiError> {
        Contract::from_docs(Docs::from_text(text, path)?)
    }

    fn from_docs(docs: Docs) -> Result<Contract, OpenApiError> {
        let api = Api::read(&docs)?;
        let path = docs.files[&docs.root].path.clone();
        let version = docs.version;
        // The documents move into the registry: `api` holds what matching needs.
        let resources: Vec<(String, jsonschema::Resource)> = docs
            .files
            .into_iter()
            .map(|(uri, l)| (uri, Draft::Draft202012.create_resource(l.value)))
            .collect();
        let registry = Registry::new()
            .draft(Draft::Draft202012)
            .extend(resources)
            .and_then(|b| b.prepare())
            .map_err(|e| OpenApiError::Invalid {
                at: super::At::file(&path),
                message: format!("the document's schemas cannot be read: {e}"),
                help: String::new(),
            })?;
        let ops = api
            .operations
            .into_iter()
            .map(|op| {
                let segments: Vec<Vec<Part>> = split(&op.path).iter().map(|s| parts(s)).collect();
                let literal = segments
                    .iter()
                    .flatten()
                    .map(|p| match p {
                        Part::Lit(s) => s.len(),
                        Part::Param => 0,
                    })
                    .sum();
                let mut bases: Vec<String> = op.servers.iter().map(|s| s.base_path()).collect();
                if bases.is_empty() {
                    bases.push(String::new());
                }
                Matcher {
                    op,
                    segments,
                    literal,
                    bases,
                }
            })
            .collect();
        Ok(Contract {
            path,
            version,
            ops,
            registry,
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// The document's path, as given to `load`.
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn version(&self) -> Version {
        self.version
    }

    /// Checks one response. `headers` are as received (names in any case); `body` is the
    /// decoded body, or `None` when it was not kept (then only status and headers are checked).
    pub fn check(
        &self,
        method: &str,
        url: &Url,
        status: u16,
        headers: &[(String, String)],
        body: Option<&[u8]>,
    ) -> Vec<Violation> {
        let method = method.to_ascii_uppercase();
        let path = url.path();
        let Some(i) = self.find(&method, path) else {
            return vec![Violation {
                kind: ViolationKind::NoOperation,
                message: format!("no operation for {method} {path}"),
            }];
        };
        let op = &self.ops[i].op;
        let label = format!("{} {} {status}", op.method, op.path);
        let mut out = Vec::new();
        let violation = |kind, text: String| Violation {
            kind,
            message: format!("{label}: {text}"),
        };

        let Some(r) = response_for(op, status) else {
            let documented: Vec<&str> = op.responses.iter().map(|(k, _)| k.as_str()).collect();
            out.push(violation(
                ViolationKind::Status,
                format!(
                    "status {status} is not documented (documented: {})",
                    if documented.is_empty() {
                        "none".into()
                    } else {
                        documented.join(", ")
                    }
                ),
            ));
            return out;
        };
        let response = &op.responses[r].1;

        for (name, required) in &response.headers {
            if *required
                && !name.eq_ignore_ascii_case("content-type")
                && !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(name))
            {
                out.push(violation(
                    ViolationKind::Header,
                    format!("required header {name} is missing"),
                ));
            }
        }

        let content_type = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
            .map(|(_, v)| v.as_str());
        let has_body = body.is_some_and(|b| !b.is_empty());
        if response.content.is_empty() {
            if has_body && let Some(ct) = content_type {
                out.push(violation(
                    ViolationKind::ContentType,
                    format!(
                        "content type {} is not documented (the response documents no content)",
                        essence(ct)
                    ),
                ));
            }
            return out;
        }
        let documented = || {
            response
                .content
                .keys()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        };
        let Some(ct) = content_type else {
            if has_body {
                out.push(violation(
                    ViolationKind::ContentType,
                    format!(
                        "the response has a body but no Content-Type (documented: {})",
                        documented()
                    ),
                ));
            }
            return out;
        };
        let Some(m) = media_for(response, ct) else {
            out.push(violation(
                ViolationKind::ContentType,
                format!(
                    "content type {} is not documented (documented: {})",
                    essence(ct),
                    documented()
                ),
            ));
            return out;
        };
        let (Some(body), true) = (body.filter(|b| !b.is_empty()), is_json(ct)) else {
            return out;
        };
        let Some(schema) = &response.content[m].schema else {
            return out;
        };
        let value: Json = match serde_json::from_slice(body) {
            Ok(v) => v,
            Err(e) => {
                out.push(violation(
                    ViolationKind::Schema,
                    format!("the body is not JSON ({e})"),
                ));
                return out;
            }
        };
        let validator = match self.validator((i, r, m), schema) {
            Ok(v) => v,
            Err(e) => {
                out.push(violation(
                    ViolationKind::InvalidSchema,
                    format!("the document's schema for this response cannot be used: {e}"),
                ));
                return out;
            }
        };
        let mut errors = validator.iter_errors(&value);
        for e in errors.by_ref().take(MAX_SCHEMA_ERRORS) {
            let at = json_path(e.instance_path().as_str(), &value);
            out.push(violation(
                ViolationKind::Schema,
                format!("{at}: {}", shorten(&e.to_string())),
            ));
        }
        let more = errors.count();
        if more > 0 {
            out.push(violation(
                ViolationKind::Schema,
                format!("{more} more schema errors"),
            ));
        }
        out
    }

    fn validator(
        &self,
        key: (usize, usize, usize),
        schema: &Json,
    ) -> Result<Arc<Validator>, String> {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .entry(key)
            .or_insert_with(|| {
                jsonschema::options()
                    .with_draft(Draft::Draft202012)
                    .with_registry(&self.registry)
                    .build(schema)
                    .map(Arc::new)
                    .map_err(|e| shorten(&e.to_string()))
            })
            .clone()
    }

    /// The operation for a method and path: the first server base that leaves a path some
    /// template matches; concrete paths win over templated ones, then document order.
    fn find(&self, method: &str, path: &str) -> Option<usize> {
        let mut best: Option<(usize, usize)> = None;
        for (i, m) in self.ops.iter().enumerate() {
            if m.op.method != method {
                continue;
            }
            let matched = m
                .bases
                .iter()
                .any(|base| strip_base(path, base).is_some_and(|rest| matches(&m.segments, rest)));
            if matched && best.is_none_or(|(_, lit)| m.literal > lit) {
                best = Some((i, m.literal));
            }
        }
        best.map(|(i, _)| i)
    }
}

/// The request path below a server's base path (`/v3` + `/pets` -> `/pets`).
fn strip_base<'a>(path: &'a str, base: &str) -> Option<&'a str> {
    if base.is_empty() {
        return Some(path);
    }
    let rest = path.strip_prefix(base)?;
    if rest.is_empty() || rest.starts_with('/') {
        Some(rest)
    } else {
        None
    }
}

/// Path segments; a trailing slash does not count (`/pets/` is `/pets`).
fn split(path: &str) -> Vec<&str> {
    let p = path.trim_start_matches('/').trim_end_matches('/');
    if p.is_empty() {
        Vec::new()
    } else {
        p.split('/').collect()
    }
}

/// `{id}.json` -> [Param, Lit(".json")].
fn parts(segment: &str) -> Vec<Part> {
    let mut out = Vec::new();
    let mut rest = segment;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        if start > 0 {
            out.push(Part::Lit(rest[..start].to_string()));
        }
        out.push(Part::Param);
        rest = &rest[start + len + 1..];
    }
    if !rest.is_empty() {
        out.push(Part::Lit(rest.to_string()));
    }
    out
}

fn matches(template: &[Vec<Part>], path: &str) -> bool {
    let segs = split(path);
    segs.len() == template.len()
        && template.iter().zip(&segs).all(|(parts, seg)| {
            // Templates are written decoded (`/files/ä`); URLs arrive encoded.
            let decoded = percent_encoding::percent_decode_str(seg).decode_utf8_lossy();
            segment_matches(parts, &decoded)
        })
}

/// A parameter matches one or more characters of a segment.
fn segment_matches(parts: &[Part], seg: &str) -> bool {
    match parts.split_first() {
        None => seg.is_empty(),
        Some((Part::Lit(l), rest)) => seg
            .strip_prefix(l.as_str())
            .is_some_and(|s| segment_matches(rest, s)),
        Some((Part::Param, rest)) => {
            if rest.is_empty() {
                return !seg.is_empty();
            }
            seg.char_indices()
                .skip(1)
                .any(|(i, _)| segment_matches(rest, &seg[i..]))
        }
    }
}

/// The response for a status: the exact code, then its range (`2XX`), then `default`.
fn response_for(op: &Operation, status: u16) -> Option<usize> {
    let code = status.to_string();
    let range = format!("{}XX", status / 100);
    let find = |want: &str| {
        op.responses
            .iter()
            .position(|(k, _)| k.eq_ignore_ascii_case(want))
    };
    find(&code)
        .or_else(|| find(&range))
        .or_else(|| find("default"))
}

/// `application/json; charset=utf-8` -> `application/json`.
fn essence(ct: &str) -> String {
    ct.split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

fn is_json(ct: &str) -> bool {
    let e = essence(ct);
    e == "application/json" || e.ends_with("+json")
}

/// The documented media type for a content type: exact, then `type/*`, then `*/*`.
fn media_for(r: &Response, ct: &str) -> Option<usize> {
    let e = essence(ct);
    let main = e.split('/').next().unwrap_or("");
    let keys: Vec<String> = r.content.keys().map(|k| essence(k)).collect();
    keys.iter()
        .position(|k| *k == e)
        .or_else(|| keys.iter().position(|k| *k == format!("{main}/*")))
        .or_else(|| keys.iter().position(|k| k == "*/*"))
}

/// A JSON pointer into `value` as a JSONPath (`/0/id` -> `$[0].id`), using the value to
/// tell array indexes from object keys that look like numbers.
pub fn json_path(pointer: &str, value: &Json) -> String {
    let mut out = String::from("$");
    let mut cur = Some(value);
    for raw in pointer.split('/').skip(1) {
        let seg = raw.replace("~1", "/").replace("~0", "~");
        match cur {
            Some(Json::Array(items)) if seg.parse::<usize>().is_ok() => {
                let i: usize = seg.parse().unwrap_or(0);
                out.push_str(&format!("[{i}]"));
                cur = items.get(i);
            }
            other => {
                let ident = seg
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                    && seg.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                if ident {
                    out.push('.');
                    out.push_str(&seg);
                } else {
                    out.push_str(&format!(
                        "['{}']",
                        seg.replace('\\', "\\\\").replace('\'', "\\'")
                    ));
                }
                cur = other.and_then(|v| v.get(&seg));
            }
        }
    }
    out
}

fn shorten(s: &str) -> String {
    if s.chars().count() <= MAX_MESSAGE {
        return s.to_string();
    }
    let cut: String = s.chars().take(MAX_MESSAGE).collect();
    format!("{cut}...")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_paths() {
        let v = json!([{ "id": 1, "a b": { "200": [0, { "x": 1 }] } }]);
        assert_eq!(json_path("", &v), "$");
        assert_eq!(json_path("/0/id", &v), "$[0].id");
        assert_eq!(json_path("/0/a b/200/1/x", &v), "$[0]['a b']['200'][1].x");
        assert_eq!(json_path("/0/it's", &v), "$[0]['it\\'s']");
        assert_eq!(json_path("/0/a~1b", &v), "$[0]['a/b']");
    }

    #[test]
    fn segments_with_parameters() {
        let t = |s: &str| parts(s);
        assert!(segment_matches(&t("{id}"), "42"));
        assert!(!segment_matches(&t("{id}"), ""));
        assert!(segment_matches(&t("{name}.{ext}"), "a.b.json"));
        assert!(!segment_matches(&t("{name}.json"), ".json"));
        assert!(segment_matches(&t("v{n}"), "v2"));
        assert!(!segment_matches(&t("pets"), "pet"));
    }

    #[test]
    fn formats_are_annotations_and_paths_are_decoded() {
        let doc = r#"{"openapi": "3.1.0", "paths": {"/files/ä b": {"get": {"responses": {"200": {
            "description": "x", "content": {"application/json": {"schema": {"type": "string", "format": "date-time"}}}}}}}}}"#;
        let c = Contract::from_text(doc, Path::new("f.json")).unwrap();
        let url = Url::parse("http://h/files/%C3%A4%20b").unwrap();
        let h = [("Content-Type".to_string(), "application/json".to_string())];
        assert_eq!(c.check("get", &url, 200, &h, Some(b"\"not a date\"")), []);
        assert_eq!(c.check("GET", &url, 200, &h, Some(b"1")).len(), 1);
    }

    #[test]
    fn contract_is_shareable() {
        fn shareable<T: Send + Sync>() {}
        shareable::<Contract>();
    }
}
