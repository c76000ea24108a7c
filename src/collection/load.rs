//! Loading: file -> spanned YAML -> checked model. Every problem of a file is collected
//! (with its position) before anything is returned, so nothing runs until the whole input is good.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::capture;
use crate::collection::model::{
    ApiKeyIn, Auth, Body, ClientAuth, Collection, OAuth2, Part, Request, Retry, Step, TValue,
};
use crate::diag::{Diag, Diags};
use crate::expect;
use crate::source::{Pos, SourceFile, Span, did_you_mean};
use crate::template::Tmpl;
use crate::yaml::{self, Key, Kind, Node};

/// Top-level keys, in the canonical order `baton fmt` writes them.
pub const TOP_KEYS: [&str; 7] = [
    "version", "name", "openapi", "vars", "cookies", "defaults", "requests",
];
const DEFAULT_KEYS: [&str; 5] = ["headers", "query", "timeout", "auth", "follow_redirects"];
/// Request keys (and `include`), in the canonical order `baton fmt` writes them.
pub const REQUEST_KEYS: [&str; 20] = [
    "include",
    "name",
    "description",
    "method",
    "url",
    "query",
    "headers",
    "auth",
    "json",
    "form",
    "multipart",
    "body",
    "expect",
    "capture",
    "timeout",
    "follow_redirects",
    "retry",
    "when",
    "delay",
    "tags",
];
const BODY_KEYS: [&str; 4] = ["json", "form", "multipart", "body"];

/// Everything wrong with a collection (and the files it includes), ready to print.
#[derive(Debug)]
pub struct LoadErrors(pub Vec<Diag>);

impl LoadErrors {
    pub fn render(&self) -> String {
        let mut out = String::new();
        for d in &self.0 {
            out.push_str(&d.render());
            out.push('\n');
        }
        out
    }
}

/// A file's problems when it cannot even be read.
pub fn io_error(path: &Path, e: &std::io::Error) -> Diag {
    let file = SourceFile::new(path, String::new());
    Diag {
        span: Span::new(&file, Pos::default()),
        message: format!("cannot read {}: {e}", path.display()),
        label: String::new(),
        notes: Vec::new(),
    }
}

/// Load and check one collection file, following its includes.
pub fn load(path: &Path) -> Result<Collection, LoadErrors> {
    let text = std::fs::read_to_string(path).map_err(|e| LoadErrors(vec![io_error(path, &e)]))?;
    load_str(path, text)
}

/// Load a collection from text already read (`path` is used for messages and relative paths).
pub fn load_str(path: &Path, text: String) -> Result<Collection, LoadErrors> {
    let file = SourceFile::new(path, text);
    let mut loader = Loader {
        errors: Vec::new(),
        stack: Vec::new(),
        includes: Vec::new(),
    };
    let collection = loader.collection(&file);
    // Report in reading order: by file (as first met), then line and column.
    let mut order: Vec<PathBuf> = Vec::new();
    for d in &loader.errors {
        if !order.contains(&d.span.file.path) {
            order.push(d.span.file.path.clone());
        }
    }
    loader.errors.sort_by_key(|d| {
        (
            order.iter().position(|p| *p == d.span.file.path),
            d.span.pos,
        )
    });
    if loader.errors.is_empty() {
        collection.ok_or(LoadErrors(Vec::new()))
    } else {
        Err(LoadErrors(loader.errors))
    }
}

/// Parse a YAML file into the spanned tree, or one diagnostic for its syntax error.
pub fn parse_yaml(file: &Arc<SourceFile>) -> Result<Node, Diag> {
    yaml::parse(&file.text).map_err(|e| {
        let help = file
            .line(e.pos.line)
            .and_then(unquoted_template_fix)
            .unwrap_or_else(|| {
                "help: check the indentation and quoting on this line and the one before".into()
            });
        Diag {
            span: Span::new(file, e.pos),
            message: format!("invalid YAML: {}", e.message),
            label: String::new(),
            notes: vec![help],
        }
    })
}

/// `url: {{ base }}/x` is the most common YAML mistake in a collection: a value starting
/// with `{{` reads as a YAML map. Suggest the quoted form.
fn unquoted_template_fix(line: &str) -> Option<String> {
    let (key, value) = line.split_once(": ")?;
    let value = value.trim();
    if !value.starts_with("{{") {
        return None;
    }
    let quoted = serde_json::to_string(value).ok()?;
    let key = key.trim().trim_start_matches("- ");
    Some(format!(
        "help: a value that starts with `{{{{` must be quoted: {key}: {quoted}"
    ))
}

struct Loader {
    errors: Vec<Diag>,
    /// Canonical paths of the files being loaded, to catch include cycles.
    stack: Vec<PathBuf>,
    includes: Vec<PathBuf>,
}

/// Per-file defaults merged into each of that file's requests.
#[derive(Default, Clone)]
struct Defaults {
    headers: Vec<(String, Option<Tmpl>)>,
    query: Vec<(String, TValue)>,
    timeout: Option<Duration>,
    auth: Option<Auth>,
    follow_redirects: Option<bool>,
}

impl Loader {
    fn collection(&mut self, file: &Arc<SourceFile>) -> Option<Collection> {
        let canonical = std::fs::canonicalize(&file.path).unwrap_or_else(|_| file.path.clone());
        self.stack.push(canonical);
        let mut diags = Diags::new(file);
        let result = self.collection_in(file, &mut diags);
        self.errors.append(&mut diags.list);
        self.stack.pop();
        result
    }

    fn collection_in(&mut self, file: &Arc<SourceFile>, d: &mut Diags) -> Option<Collection> {
        let root = match parse_yaml(file) {
            Ok(n) => n,
            Err(diag) => {
                d.list.push(diag);
                return None;
            }
        };
        duplicate_keys(&root, d);
        let Some(map) = root.as_map() else {
            d.error(
                root.pos,
                format!(
                    "a collection must be a map with `requests:`, found {}",
                    root.type_name()
                ),
            )
            .help("start the file with `requests:` followed by a list of requests");
            return None;
        };
        check_keys(map, &TOP_KEYS, "collection", d);
        if let Some(v) = root.get("version")
            && !matches!(v.kind, Kind::Int(1))
        {
            d.error(v.pos, "unsupported collection version")
                .label("only version 1 exists")
                .help("write `version: 1` or leave the key out");
        }
        let stem = file
            .path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "collection".into());
        let name = root
            .get("name")
            .and_then(|n| string(n, "name", d))
            .unwrap_or(stem);
        let openapi = root.get("openapi").and_then(|n| {
            let rel = string(n, "openapi", d)?;
            existing_file(&rel, n.pos, &base_dir(file), d)
        });
        let vars = root.get("vars").map(|n| vars_map(n, d)).unwrap_or_default();
        let cookies = root
            .get("cookies")
            .and_then(|n| boolean(n, "cookies", d))
            .unwrap_or(true);
        let defaults = root
            .get("defaults")
            .map(|n| self.defaults(n, d))
            .unwrap_or_default();
        let steps = match root.get("requests") {
            Some(n) => self.requests(n, file, &defaults, d),
            None => {
                d.error(root.pos, "the collection has no `requests:` list")
                    .help("add `requests:` with at least one `- name: ...` / `url: ...` item");
                Vec::new()
            }
        };
        Some(Collection {
            name,
            path: file.path.clone(),
            file: Arc::clone(file),
            vars,
            cookies,
            steps,
            includes: std::mem::take(&mut self.includes),
            openapi,
        })
    }

    fn defaults(&mut self, node: &Node, d: &mut Diags) -> Defaults {
        let Some(map) = expect_map(node, "defaults", d) else {
            return Defaults::default();
        };
        check_keys(map, &DEFAULT_KEYS, "defaults", d);
        Defaults {
            headers: node
                .get("headers")
                .map(|n| headers(n, d))
                .unwrap_or_default(),
            query: node
                .get("query")
                .map(|n| tvalue_map(n, "query", d))
                .unwrap_or_default(),
            timeout: node.get("timeout").and_then(|n| duration(n, d)),
            auth: node.get("auth").and_then(|n| auth(n, d)),
            follow_redirects: node
                .get("follow_redirects")
                .and_then(|n| boolean(n, "follow_redirects", d)),
        }
    }

    fn requests(
        &mut self,
        node: &Node,
        file: &Arc<SourceFile>,
        defaults: &Defaults,
        d: &mut Diags,
    ) -> Vec<Step> {
        let Kind::Seq(items) = &node.kind else {
            d.error(
                node.pos,
                format!("`requests` must be a list, found {}", node.type_name()),
            )
            .help("write each request as a list item starting with `- name: ...`");
            return Vec::new();
        };
        let mut steps = Vec::new();
        let mut names: HashMap<String, Pos> = HashMap::new();
        for item in items {
            if let Some(inc) = item.get("include") {
                if let Some(map) = item.as_map() {
                    for (k, _) in map.iter().filter(|(k, _)| k.name != "include") {
                        d.error(
                            k.pos,
                            format!("unexpected key `{}` next to `include`", k.name),
                        )
                        .help("an include item has only `include: path/to/file.yaml`");
                    }
                }
                self.include(inc, file, &mut steps, d);
                continue;
            }
            if let Some(name_node) = item.get("name")
                && let Some(name) = name_node.scalar_text()
            {
                if let Some(first) = names.get(&name) {
                    d.error(name_node.pos, format!("duplicate request name `{name}`"))
                        .label("used again here")
                        .note(format!("first used on line {}", first.line))
                        .help("request names must be unique within a file");
                } else {
                    names.insert(name, name_node.pos);
                }
            }
            if let Some(req) = self.request(item, file, defaults, d) {
                steps.push(Step::Request(Box::new(req)));
            }
        }
        steps
    }

    fn include(
        &mut self,
        node: &Node,
        file: &Arc<SourceFile>,
        steps: &mut Vec<Step>,
        d: &mut Diags,
    ) {
        let Some(rel) = string(node, "include", d) else {
            return;
        };
        let path = base_dir(file).join(&rel);
        let canonical = match std::fs::canonicalize(&path) {
            Ok(p) => p,
            Err(e) => {
                d.error(node.pos, format!("cannot include `{rel}`: {e}"))
                    .help(format!(
                        "paths are relative to this file's directory ({})",
                        base_dir(file).display()
                    ));
                return;
            }
        };
        if self.stack.contains(&canonical) {
            d.error(
                node.pos,
                format!("`{rel}` includes itself (directly or through other files)"),
            )
            .help("remove the include that closes the cycle");
            return;
        }
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                d.error(node.pos, format!("cannot read `{rel}`: {e}"));
                return;
            }
        };
        if !self.includes.contains(&canonical) {
            self.includes.push(canonical);
        }
        let inc_file = SourceFile::new(display_join(&file.path, &rel), text);
        let saved = std::mem::take(&mut self.includes);
        let included = self.collection(&inc_file);
        let mut nested = std::mem::take(&mut self.includes);
        self.includes = saved;
        if let Some(c) = included {
            for p in nested.drain(..).chain(c.includes) {
                if !self.includes.contains(&p) {
                    self.includes.push(p);
                }
            }
            if !c.vars.is_empty() {
                steps.push(Step::IncludeVars {
                    file: Arc::clone(&inc_file),
                    vars: c.vars,
                });
            }
            steps.extend(c.steps);
        }
    }

    fn request(
        &mut self,
        node: &Node,
        file: &Arc<SourceFile>,
        defaults: &Defaults,
        d: &mut Diags,
    ) -> Option<Request> {
        let Some(map) = node.as_map() else {
            d.error(
                node.pos,
                format!("a request must be a map, found {}", node.type_name()),
            )
            .help("write `- name: ...` and `url: ...` on the following lines");
            return None;
        };
        check_keys(map, &REQUEST_KEYS, "request", d);
        let name = match node.get("name") {
            Some(n) => string(n, "name", d),
            None => {
                d.error(node.pos, "this request has no `name`")
                    .help("add `name: ...`: names identify requests in reports and --filter");
                None
            }
        };
        let method = match node.get("method") {
            Some(n) => match string(n, "method", d) {
                Some(m) if !m.is_empty() && m.bytes().all(is_token_char) => m,
                Some(m) => {
                    d.error(n.pos, format!("`{m}` is not an HTTP method"))
                        .help("write a method such as GET, POST, PUT, PATCH, DELETE");
                    "GET".into()
                }
                None => "GET".into(),
            },
            None => "GET".into(),
        };
        let url = match node.get("url") {
            Some(n) => template(n, "url", d),
            None => {
                d.error(node.pos, "this request has no `url`")
                    .help("add `url: https://...` (it may use variables: \"{{ base_url }}/path\")");
                None
            }
        };
        let base = base_dir(file);
        let mut query = defaults.query.clone();
        if let Some(q) = node.get("query") {
            query.extend(tvalue_map(q, "query", d));
        }
        let mut hdrs = defaults.headers.clone();
        if let Some(h) = node.get("headers") {
            for (k, v) in headers(h, d) {
                hdrs.retain(|(name, _)| !name.eq_ignore_ascii_case(&k));
                hdrs.push((k, v));
            }
        }
        let headers = hdrs
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k, v)))
            .collect();
        let bodies: Vec<&Key> = map
            .iter()
            .map(|(k, _)| k)
            .filter(|k| BODY_KEYS.contains(&k.name.as_str()))
            .collect();
        if bodies.len() > 1 {
            d.error(
                bodies[1].pos,
                format!(
                    "a request has at most one body; `{}` and `{}` are both set",
                    bodies[0].name, bodies[1].name
                ),
            )
            .help("keep one of json, form, multipart, body");
        }
        let body = bodies.first().and_then(|k| {
            let v = node.get(&k.name)?;
            body(&k.name, v, &base, d)
        });
        let auth = match node.get("auth") {
            Some(n) => auth(n, d),
            None => defaults.auth.clone(),
        }
        .unwrap_or(Auth::None);
        let expect = node
            .get("expect")
            .map(|n| expect::parse_expect(n, &base, d))
            .unwrap_or_default();
        let captures = node
            .get("capture")
            .map(|n| capture::parse_captures(n, d))
            .unwrap_or_default();
        let timeout = node
            .get("timeout")
            .and_then(|n| duration(n, d))
            .or(defaults.timeout);
        let follow_redirects = node
            .get("follow_redirects")
            .and_then(|n| boolean(n, "follow_redirects", d))
            .or(defaults.follow_redirects)
            .unwrap_or(true);
        let retry = node.get("retry").and_then(|n| retry(n, d));
        let when = node.get("when").and_then(|n| {
            let text = match &n.kind {
                Kind::Bool(b) => b.to_string(),
                _ => string(n, "when", d)?,
            };
            match Tmpl::compile_condition(&text, n.pos) {
                Ok(t) => Some(t),
                Err(e) => {
                    d.error(n.pos, format!("`when` is not a valid expression: {e}"))
                        .help("write a MiniJinja expression such as `sms_enabled and count > 0`");
                    None
                }
            }
        });
        let delay = node.get("delay").and_then(|n| duration(n, d));
        let tags = node.get("tags").map(|n| tags(n, d)).unwrap_or_default();
        Some(Request {
            name: name?,
            span: Span::new(file, node.pos),
            method,
            url: url?,
            query,
            headers,
            body,
            auth,
            expect,
            captures,
            timeout,
            follow_redirects,
            retry,
            when,
            delay,
            tags,
        })
    }
}

fn is_token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn base_dir(file: &SourceFile) -> PathBuf {
    file.path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// An included file's path as shown in messages: relative to where the user is, like its includer.
fn display_join(includer: &Path, rel: &str) -> PathBuf {
    let joined = includer
        .parent()
        .map(|p| p.join(rel))
        .unwrap_or_else(|| PathBuf::from(rel));
    // Drop `./` and `dir/../` noise without touching the file system.
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir if out.file_name().is_some_and(|n| n != "..") => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// A key given twice in any map of the file (YAML would silently keep one of them).
pub fn duplicate_keys(node: &Node, d: &mut Diags) {
    match &node.kind {
        Kind::Map(entries) => {
            for (i, (k, v)) in entries.iter().enumerate() {
                if let Some((first, _)) = entries[..i].iter().find(|(f, _)| f.name == k.name) {
                    d.error(k.pos, format!("`{}` is given twice", k.name))
                        .label("again here")
                        .note(format!("first given on line {}", first.pos.line))
                        .help("keep one of them");
                }
                duplicate_keys(v, d);
            }
        }
        Kind::Seq(items) => items.iter().for_each(|i| duplicate_keys(i, d)),
        _ => {}
    }
}

/// Unknown keys, with a did-you-mean.
fn check_keys(map: &[(Key, Node)], allowed: &[&str], what: &str, d: &mut Diags) {
    let mut seen: HashSet<&str> = HashSet::new();
    for (k, _) in map {
        // Duplicates are reported once, by `duplicate_keys`, for every map of the file.
        if !seen.insert(&k.name) {
            continue;
        }
        if !allowed.contains(&k.name.as_str()) {
            let diag = d.error(k.pos, format!("unknown key `{}` in {what}", k.name));
            match did_you_mean(&k.name, allowed.iter().copied()) {
                Some(s) => diag
                    .label(format!("did you mean `{s}`?"))
                    .help(format!("rename it to `{s}`")),
                None => diag.help(format!("the keys of a {what} are: {}", allowed.join(", "))),
            };
        }
    }
}

fn expect_map<'a>(node: &'a Node, what: &str, d: &mut Diags) -> Option<&'a [(Key, Node)]> {
    match &node.kind {
        Kind::Map(m) => Some(m),
        _ => {
            d.error(
                node.pos,
                format!("`{what}` must be a map, found {}", node.type_name()),
            )
            .help(format!(
                "write `{what}:` followed by indented `key: value` lines"
            ));
            None
        }
    }
}

fn string(node: &Node, what: &str, d: &mut Diags) -> Option<String> {
    match &node.kind {
        Kind::Str(s) => Some(s.clone()),
        Kind::Int(_) | Kind::Float(_) | Kind::Bool(_) => node.scalar_text(),
        _ => {
            d.error(
                node.pos,
                format!("`{what}` must be a string, found {}", node.type_name()),
            );
            None
        }
    }
}

fn boolean(node: &Node, what: &str, d: &mut Diags) -> Option<bool> {
    match &node.kind {
        Kind::Bool(b) => Some(*b),
        _ => {
            d.error(
                node.pos,
                format!("`{what}` must be true or false, found {}", node.type_name()),
            );
            None
        }
    }
}

fn template(node: &Node, what: &str, d: &mut Diags) -> Option<Tmpl> {
    let text = string(node, what, d)?;
    match Tmpl::compile(&text, node.pos) {
        Ok(t) => Some(t),
        Err(e) => {
            d.error(node.pos, format!("`{what}`: {e}"))
                .help("templates use MiniJinja syntax: {{ variable }}, {{ value | filter }}");
            None
        }
    }
}

fn duration(node: &Node, d: &mut Diags) -> Option<Duration> {
    let text = match &node.kind {
        Kind::Str(s) => s.clone(),
        _ => {
            d.error(
                node.pos,
                format!(
                    "a duration must be text like 250ms, 10s or 1m, found {}",
                    node.type_name()
                ),
            )
            .help("add a unit: `10s`, `500ms`");
            return None;
        }
    };
    match crate::duration::parse(&text) {
        Ok(v) => Some(v),
        Err(e) => {
            d.error(node.pos, e);
            None
        }
    }
}

fn vars_map(node: &Node, d: &mut Diags) -> Vec<(String, TValue)> {
    let Some(map) = expect_map(node, "vars", d) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, v) in map {
        if !is_identifier(&k.name) {
            d.error(k.pos, format!("`{}` is not a valid variable name", k.name))
                .help("use letters, digits and `_`, not starting with a digit (templates read it as {{ name }})");
            continue;
        }
        out.push((k.name.clone(), TValue::from_node(v, d)));
    }
    out
}

pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

fn tvalue_map(node: &Node, what: &str, d: &mut Diags) -> Vec<(String, TValue)> {
    let Some(map) = expect_map(node, what, d) else {
        return Vec::new();
    };
    map.iter()
        .map(|(k, v)| (k.name.clone(), TValue::from_node(v, d)))
        .collect()
}

fn headers(node: &Node, d: &mut Diags) -> Vec<(String, Option<Tmpl>)> {
    let Some(map) = expect_map(node, "headers", d) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, v) in map {
        if k.name.is_empty() || !k.name.bytes().all(is_token_char) {
            d.error(k.pos, format!("`{}` is not a valid header name", k.name));
            continue;
        }
        match &v.kind {
            Kind::Null => out.push((k.name.clone(), None)),
            Kind::Str(_) | Kind::Int(_) | Kind::Float(_) | Kind::Bool(_) => {
                if let Some(t) = template(v, &k.name, d) {
                    out.push((k.name.clone(), Some(t)));
                }
            }
            _ => {
                d.error(
                    v.pos,
                    format!(
                        "header `{}` must be a string (or null to remove a default), found {}",
                        k.name,
                        v.type_name()
                    ),
                );
            }
        }
    }
    out
}

fn body(key: &str, node: &Node, base: &Path, d: &mut Diags) -> Option<Body> {
    match key {
        "json" => Some(Body::Json(TValue::from_node(node, d))),
        "form" => Some(Body::Form(tvalue_map(node, "form", d))),
        "multipart" => {
            let map = expect_map(node, "multipart", d)?;
            let mut parts = Vec::new();
            for (k, v) in map {
                if let Some(file) = v.get("file") {
                    if let Some(m) = v.as_map() {
                        check_keys(m, &["file", "content_type"], "multipart file part", d);
                    }
                    let path =
                        string(file, "file", d).and_then(|p| existing_file(&p, file.pos, base, d));
                    let content_type = v
                        .get("content_type")
                        .and_then(|c| string(c, "content_type", d));
                    if let Some(path) = path {
                        parts.push((k.name.clone(), Part::File { path, content_type }));
                    }
                } else {
                    parts.push((k.name.clone(), Part::Text(TValue::from_node(v, d))));
                }
            }
            Some(Body::Multipart(parts))
        }
        _ => match &node.kind {
            Kind::Map(m) => {
                check_keys(m, &["file"], "body", d);
                let file = node.get("file")?;
                let p = string(file, "file", d)?;
                existing_file(&p, file.pos, base, d).map(Body::File)
            }
            _ => template(node, "body", d).map(Body::Raw),
        },
    }
}

fn existing_file(rel: &str, pos: Pos, base: &Path, d: &mut Diags) -> Option<PathBuf> {
    let path = base.join(rel);
    if path.is_file() {
        Some(path)
    } else {
        d.error(pos, format!("file `{rel}` not found"))
            .help(format!(
                "paths are relative to the collection's directory; looked for {}",
                path.display()
            ));
        None
    }
}

fn auth(node: &Node, d: &mut Diags) -> Option<Auth> {
    const KINDS: [&str; 4] = ["basic", "bearer", "api_key", "oauth2"];
    match &node.kind {
        Kind::Str(s) if s == "none" => return Some(Auth::None),
        Kind::Map(m) if m.len() == 1 => {}
        Kind::Map(m) if m.is_empty() => {}
        Kind::Map(m) => {
            d.error(m[1].0.pos, "`auth` takes exactly one kind")
                .help("keep one of none, basic, bearer, api_key, oauth2");
            return None;
        }
        _ => {
            d.error(
                node.pos,
                "`auth` must be `none` or a map with one of basic, bearer, api_key, oauth2",
            )
            .help("e.g. `auth: { bearer: \"{{ token }}\" }`");
            return None;
        }
    }
    let (k, v) = node.as_map()?.first()?;
    let field = |name: &str, d: &mut Diags| -> Option<Tmpl> {
        match v.get(name) {
            Some(n) => template(n, name, d),
            None => {
                d.error(v.pos, format!("`{}` auth needs `{name}`", k.name));
                None
            }
        }
    };
    match k.name.as_str() {
        "basic" => {
            check_keys(
                expect_map(v, "basic", d)?,
                &["username", "password"],
                "basic auth",
                d,
            );
            Some(Auth::Basic {
                username: field("username", d)?,
                password: field("password", d)?,
            })
        }
        "bearer" => template(v, "bearer", d).map(Auth::Bearer),
        "api_key" => {
            let m = expect_map(v, "api_key", d)?;
            check_keys(m, &["header", "query", "value"], "api_key auth", d);
            let (location, name) = match (v.get("header"), v.get("query")) {
                (Some(h), None) => (ApiKeyIn::Header, string(h, "header", d)?),
                (None, Some(q)) => (ApiKeyIn::Query, string(q, "query", d)?),
                _ => {
                    d.error(
                        v.pos,
                        "`api_key` needs exactly one of `header: NAME` or `query: NAME`",
                    );
                    return None;
                }
            };
            Some(Auth::ApiKey {
                location,
                name,
                value: field("value", d)?,
            })
        }
        "oauth2" => {
            let m = expect_map(v, "oauth2", d)?;
            check_keys(
                m,
                &[
                    "token_url",
                    "client_id",
                    "client_secret",
                    "scope",
                    "client_auth",
                    "grant_type",
                ],
                "oauth2 auth",
                d,
            );
            if let Some(g) = v.get("grant_type")
                && g.as_str() != Some("client_credentials")
            {
                d.error(g.pos, "only the client_credentials grant is supported");
            }
            let client_auth = match v.get("client_auth").map(|n| (n, n.as_str())) {
                None | Some((_, Some("basic"))) => ClientAuth::Basic,
                Some((_, Some("body"))) => ClientAuth::Body,
                Some((n, _)) => {
                    d.error(n.pos, "`client_auth` is `basic` or `body`");
                    ClientAuth::Basic
                }
            };
            let scope = v.get("scope").and_then(|n| template(n, "scope", d));
            Some(Auth::OAuth2(OAuth2 {
                token_url: field("token_url", d)?,
                client_id: field("client_id", d)?,
                client_secret: field("client_secret", d)?,
                scope,
                client_auth,
            }))
        }
        other => {
            let diag = d.error(k.pos, format!("unknown auth kind `{other}`"));
            match did_you_mean(other, KINDS) {
                Some(s) => diag.label(format!("did you mean `{s}`?")),
                None => diag.help("auth is none, basic, bearer, api_key or oauth2"),
            };
            None
        }
    }
}

fn retry(node: &Node, d: &mut Diags) -> Option<Retry> {
    let m = expect_map(node, "retry", d)?;
    check_keys(m, &["attempts", "interval"], "retry", d);
    let attempts = match node.get("attempts").map(|n| (n, &n.kind)) {
        Some((_, Kind::Int(i))) if *i >= 1 && *i <= 1000 => *i as u32,
        Some((n, _)) => {
            d.error(
                n.pos,
                "`attempts` must be a whole number from 1 to 1000 (sends in all)",
            );
            return None;
        }
        None => {
            d.error(node.pos, "`retry` needs `attempts`");
            return None;
        }
    };
    let interval = node
        .get("interval")
        .and_then(|n| duration(n, d))
        .unwrap_or(Duration::from_secs(1));
    Some(Retry { attempts, interval })
}

fn tags(node: &Node, d: &mut Diags) -> Vec<String> {
    match &node.kind {
        Kind::Seq(items) => items.iter().filter_map(|n| string(n, "tag", d)).collect(),
        Kind::Str(s) => vec![s.clone()],
        _ => {
            d.error(node.pos, "`tags` must be a list of strings");
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<String> {
        match load_str(Path::new("t.yaml"), text.to_string()) {
            Ok(_) => Vec::new(),
            Err(e) => {
                e.0.iter()
                    .map(|d| format!("{}:{} {}", d.span.pos.line, d.span.pos.col, d.message))
                    .collect()
            }
        }
    }

    #[test]
    fn minimal_collection_loads() {
        let c = load_str(
            Path::new("dir/smoke.yaml"),
            "requests:\n  - name: a\n    url: http://x/\n".into(),
        )
        .unwrap();
        assert_eq!(c.name, "smoke");
        assert_eq!(c.requests().count(), 1);
        assert_eq!(c.requests().next().unwrap().method, "GET");
    }

    #[test]
    fn all_errors_of_a_file_together() {
        let e = errors(
            "requests:\n  - name: a\n    methd: GET\n    url: http://x/\n  - name: a\n    url: \"{{ x\"\n    json: {}\n    form: {}\n    timeout: soon\n",
        );
        assert_eq!(e.len(), 5, "{e:#?}");
        assert!(e[0].starts_with("3:5 unknown key `methd`"), "{e:#?}");
        assert!(e.iter().any(|m| m.contains("duplicate request name `a`")));
        assert!(e.iter().any(|m| m.contains("at most one body")));
        assert!(e.iter().any(|m| m.contains("`soon` is not a duration")));
        assert!(
            e.iter()
                .any(|m| m.starts_with("6:10 `url`: template syntax error"))
        );
    }

    #[test]
    fn defaults_merge_and_null_removes() {
        let c = load_str(
            Path::new("t.yaml"),
            "defaults:\n  headers: { Accept: application/json, X-A: a }\n  timeout: 5s\nrequests:\n  - name: a\n    url: http://x/\n    headers: { x-a: null, X-B: b }\n"
                .into(),
        )
        .unwrap();
        let r = c.requests().next().unwrap();
        let names: Vec<&str> = r.headers.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["Accept", "X-B"]);
        assert_eq!(r.timeout, Some(Duration::from_secs(5)));
    }

    #[test]
    fn bad_version_and_auth() {
        let e = errors(
            "version: 2\nrequests:\n  - name: a\n    url: http://x/\n    auth: { bearr: x }\n",
        );
        assert!(
            e[0].starts_with("1:10 unsupported collection version"),
            "{e:#?}"
        );
        assert!(e[1].contains("unknown auth kind `bearr`"), "{e:#?}");
    }
}
