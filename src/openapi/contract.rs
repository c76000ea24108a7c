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
use super::prepare::{prepare, shorten};
use super::refs::{Docs, RefScope};
use super::{OpenApiError, Version};

/// At most this many schema errors are reported per response (then a count of the rest).
const MAX_SCHEMA_ERRORS: usize = 10;

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
    warnings: Vec<String>,
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

impl Matcher {
    fn new(op: Operation) -> Matcher {
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
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Lit(String),
    Param,
}

impl Contract {
    /// Loads the document and every local file it refers to. Remote `$ref`s, broken ones
    /// and unreadable files are errors naming the file and line. Problems of the document
    /// that do not stop a check are in `warnings`.
    pub fn load(path: &Path) -> Result<Contract, OpenApiError> {
        Contract::load_with(path, RefScope::Tree)
    }

    /// The same, with `$ref`s allowed to load the files `scope` says.
    pub fn load_with(path: &Path, scope: RefScope) -> Result<Contract, OpenApiError> {
        Contract::from_docs(Docs::load_with(path, scope)?)
    }

    /// The same from text (`path` is where it lives, for relative `$ref`s and messages).
    pub fn from_text(text: &str, path: &Path) -> Result<Contract, OpenApiError> {
        Contract::from_docs(Docs::from_text(text, path)?)
    }

    fn from_docs(mut docs: Docs) -> Result<Contract, OpenApiError> {
        let warnings = prepare(&mut docs);
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
        Ok(Contract {
            path,
            version,
            ops: api.operations.into_iter().map(Matcher::new).collect(),
            registry,
            cache: Mutex::new(HashMap::new()),
            warnings,
        })
    }

    /// Problems of the document that a check works around (a keyword that cannot be
    /// compiled, 3.1 `nullable`), each rendered with its file:line:col: `check` shows them.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
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
                message: format!("no operation for {method} {path}{}", self.tried()),
            }];
        };
        let op = &self.ops[i].op;
        let mut out = Found {
            label: format!("{} {} {status}", op.method, op.path),
            list: Vec::new(),
        };
        let Some(r) = response_for(op, status) else {
            let documented: Vec<&str> = op.responses.iter().map(|(k, _)| k.as_str()).collect();
            let documented = match documented.is_empty() {
                true => "none".to_string(),
                false => documented.join(", "),
            };
            out.push(
                ViolationKind::Status,
                format!("status {status} is not documented (documented: {documented})"),
            );
            return out.list;
        };
        let response = &op.responses[r].1;
        required_headers(response, headers, &mut out);
        let Some((m, body)) = self.media(&method, status, response, headers, body, &mut out) else {
            return out.list;
        };
        let Some(schema) = &response.content[m].schema else {
            return out.list;
        };
        self.check_body((i, r, m), schema, body, &mut out);
        out.list
    }

    /// The documented media type the response's content type matches, and the body to check
    /// against its schema (JSON only); violations of the content type go to `out`.
    fn media<'b>(
        &self,
        method: &str,
        status: u16,
        response: &Response,
        headers: &[(String, String)],
        body: Option<&'b [u8]>,
        out: &mut Found,
    ) -> Option<(usize, &'b [u8])> {
        // A response that documents no content constrains neither type nor body.
        if response.content.is_empty() {
            return None;
        }
        let content_type = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
            .map(|(_, v)| v.as_str());
        let documented = || {
            let keys: Vec<&str> = response.content.keys().map(String::as_str).collect();
            keys.join(", ")
        };
        // HEAD, 204 and 304 responses cannot have a body, whatever the document says.
        let bodiless = method == "HEAD" || status == 204 || status == 304;
        if body.is_some_and(<[u8]>::is_empty) {
            if !bodiless && response.content.keys().any(|k| is_json(k)) {
                out.push(
                    ViolationKind::Schema,
                    format!(
                        "the body is empty; the document gives it as {}",
                        documented()
                    ),
                );
            }
            return None;
        }
        let body = body?;
        let Some(ct) = content_type else {
            out.push(
                ViolationKind::ContentType,
                format!(
                    "the response has a body but no Content-Type (documented: {})",
                    documented()
                ),
            );
            return None;
        };
        let Some(m) = media_for(response, ct) else {
            out.push(
                ViolationKind::ContentType,
                format!(
                    "content type {} is not documented (documented: {})",
                    essence(ct),
                    documented()
                ),
            );
            return None;
        };
        is_json(ct).then_some((m, body))
    }

    fn check_body(&self, key: (usize, usize, usize), schema: &Json, body: &[u8], out: &mut Found) {
        let value: Json = match serde_json::from_slice(body) {
            Ok(v) => v,
            Err(e) => {
                out.push(ViolationKind::Schema, format!("the body is not JSON ({e})"));
                return;
            }
        };
        let validator = match self.validator(key, schema) {
            Ok(v) => v,
            Err(e) => {
                out.push(
                    ViolationKind::InvalidSchema,
                    format!("the document's schema for this response cannot be used: {e}"),
                );
                return;
            }
        };
        let mut errors = validator.iter_errors(&value);
        for e in errors.by_ref().take(MAX_SCHEMA_ERRORS) {
            let at = json_path(e.instance_path().as_str(), &value);
            let text = match e.kind() {
                // Only a `writeOnly` property is made a `false` schema (see `prepare`).
                jsonschema::error::ValidationErrorKind::FalseSchema => {
                    "a writeOnly property must not appear in a response".to_string()
                }
                _ => shorten(&e.to_string()),
            };
            out.push(ViolationKind::Schema, format!("{at}: {text}"));
        }
        let more = errors.count();
        if more > 0 {
            out.push(ViolationKind::Schema, format!("{more} more schema errors"));
        }
    }

    /// ` (tried the base paths /v3 and the whole path)` for a miss, when there are bases.
    fn tried(&self) -> String {
        let mut bases: Vec<&str> = Vec::new();
        for m in &self.ops {
            for b in &m.bases {
                if !b.is_empty() && !bases.contains(&b.as_str()) {
                    bases.push(b);
                }
            }
        }
        match bases.len() {
            0 => String::new(),
            1 => format!(" (tried the base path {} and the whole path)", bases[0]),
            _ => format!(
                " (tried the base paths {} and the whole path)",
                bases.join(", ")
            ),
        }
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
                    .should_validate_formats(true)
                    .with_registry(&self.registry)
                    .build(schema)
                    .map(Arc::new)
                    .map_err(|e| shorten(&e.to_string()))
            })
            .clone()
    }

    /// The operation for a method and path: a template that matches the path below one of the
    /// operation's server base paths, else the whole path (a deployment served at `/`);
    /// concrete paths win over templated ones, then document order.
    fn find(&self, method: &str, path: &str) -> Option<usize> {
        self.find_by(method, |m| {
            m.bases
                .iter()
                .any(|base| strip_base(path, base).is_some_and(|rest| matches(&m.segments, rest)))
        })
        .or_else(|| self.find_by(method, |m| matches(&m.segments, path)))
    }

    fn find_by(&self, method: &str, hit: impl Fn(&Matcher) -> bool) -> Option<usize> {
        let mut best: Option<(usize, usize)> = None;
        for (i, m) in self.ops.iter().enumerate() {
            if m.op.method == method && hit(m) && best.is_none_or(|(_, lit)| m.literal > lit) {
                best = Some((i, m.literal));
            }
        }
        best.map(|(i, _)| i)
    }
}

/// Violations of one response, each prefixed with the operation and status.
struct Found {
    label: String,
    list: Vec<Violation>,
}

impl Found {
    fn push(&mut self, kind: ViolationKind, text: String) {
        self.list.push(Violation {
            kind,
            message: format!("{}: {text}", self.label),
        });
    }
}

/// Headers the response documents as required must be there (`Content-Type` is checked as
/// the content type).
fn required_headers(response: &Response, headers: &[(String, String)], out: &mut Found) {
    for (name, required) in &response.headers {
        if *required
            && !name.eq_ignore_ascii_case("content-type")
            && !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(name))
        {
            out.push(
                ViolationKind::Header,
                format!("required header {name} is missing"),
            );
        }
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
    fn paths_are_decoded() {
        let doc = r#"{"openapi": "3.1.0", "paths": {"/files/ä b": {"get": {"responses": {"200": {
            "description": "x", "content": {"application/json": {"schema": {"type": "string"}}}}}}}}}"#;
        let c = Contract::from_text(doc, Path::new("f.json")).unwrap();
        let url = Url::parse("http://h/files/%C3%A4%20b").unwrap();
        let h = [("Content-Type".to_string(), "application/json".to_string())];
        assert_eq!(c.check("get", &url, 200, &h, Some(b"\"x\"")), []);
        assert_eq!(c.check("GET", &url, 200, &h, Some(b"1")).len(), 1);
    }

    const DETAILS: &str = r##"
openapi: 3.0.3
servers: [{ url: "https://api.test/api/v3" }]
paths:
  /pets/{id}:
    get:
      responses:
        "200":
          description: ok
          content: { application/json: { schema: { $ref: "#/components/schemas/Pet" } } }
        "404": { description: not found }
components:
  schemas:
    Pet:
      type: object
      required: [id, name, name, password]
      properties:
        id: { type: integer, format: int32 }
        name: { type: string }
        born: { type: string, format: date-time }
        mail: { type: string, format: email }
        ref: { type: string, format: uuid }
        tag: { type: string, format: color }
        password: { $ref: "#/components/schemas/Password" }
    Password: { type: string, writeOnly: true }
"##;

    fn details(path: &str, status: u16, body: &str) -> Vec<String> {
        let c = Contract::from_text(DETAILS, Path::new("/tmp/d.yaml")).unwrap();
        let url = Url::parse(&format!("http://h{path}")).unwrap();
        let h = [("Content-Type".to_string(), "application/json".to_string())];
        c.check("GET", &url, status, &h, Some(body.as_bytes()))
            .into_iter()
            .map(|v| v.message)
            .collect()
    }

    #[test]
    fn contract_details_of_2026_12_04() {
        let ok = r#"{"id": 1, "name": "a", "tag": "not a colour"}"#;
        // Base path, or the whole path when the deployment is served at `/`.
        assert_eq!(details("/api/v3/pets/1", 200, ok), Vec::<String>::new());
        assert_eq!(details("/pets/1", 200, ok), Vec::<String>::new());
        let miss = details("/v2/pets/1", 200, ok);
        assert_eq!(
            miss,
            ["no operation for GET /v2/pets/1 (tried the base path /api/v3 and the whole path)"]
        );
        // No content documented: any body, any type.
        assert_eq!(details("/pets/1", 404, "<html>"), Vec::<String>::new());
        // An empty body where JSON is documented.
        assert_eq!(
            details("/pets/1", 200, ""),
            ["GET /pets/{id} 200: the body is empty; the document gives it as application/json"]
        );
        let bad = r#"{"id": 4294967296, "name": "a", "born": "yesterday", "mail": "x", "ref": "1", "password": "p"}"#;
        let v = details("/pets/1", 200, bad);
        let joined = v.join("\n");
        assert_eq!(v.len(), 5, "{joined}");
        assert!(
            joined.contains("$.id: 4294967296 is greater than the maximum of 2147483647"),
            "{joined}"
        );
        assert!(
            joined.contains("$.born: \"yesterday\" is not a \"date-time\""),
            "{joined}"
        );
        assert!(
            joined.contains("$.mail: \"x\" is not a \"email\""),
            "{joined}"
        );
        assert!(
            joined.contains("$.ref: \"1\" is not a \"uuid\""),
            "{joined}"
        );
        assert!(
            joined.contains("$.password: a writeOnly property must not appear in a response"),
            "{joined}"
        );
    }

    #[test]
    fn contract_is_shareable() {
        fn shareable<T: Send + Sync>() {}
        shareable::<Contract>();
    }
}
