//! The mock file: routes (`when` -> `respond`, one response or a list answered in turn,
//! each with an optional `callback`) and the variable `run --mock` sets. Checked at load
//! with every problem reported at once, each at file:line:col; templates compiled once.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::http::{HeaderMap, HeaderName, HeaderValue, Method};
use serde_json::Value as Json;

use crate::format::reader::check_keys;
use crate::format::yaml::{Kind, Node};
use crate::problem::Diags;
use crate::problem::source::{Pos, SourceFile};
use crate::template::{TValue, Tmpl};

#[derive(Debug)]
pub struct MockFile {
    pub routes: Vec<Route>,
    serves: String,
}

impl MockFile {
    /// The variable `run --mock` sets to the server's URL.
    pub fn serves(&self) -> &str {
        &self.serves
    }

    /// The run's variables this mock's templates read as `vars.NAME` (a callback's
    /// `url: "{{ vars.callback_url }}/mo-sms"`): a `--var` they use is not unused.
    pub fn run_variables(&self) -> std::collections::BTreeSet<String> {
        let mut templates = Vec::new();
        for respond in self.routes.iter().flat_map(|r| &r.responses) {
            templates.extend(respond.headers.iter().map(|(_, t)| t));
            respond.body.templates(&mut templates);
            if let Some(cb) = &respond.callback {
                templates.push(&cb.url);
                templates.extend(cb.headers.iter().map(|(_, t)| t));
                cb.body.templates(&mut templates);
            }
        }
        templates
            .into_iter()
            .flat_map(|t| t.members_of("vars"))
            .collect()
    }
}

/// A request path split at `/`, trailing slashes dropped, as routes compare it.
pub fn split_path(path: &str) -> Vec<&str> {
    path.trim_end_matches('/').split('/').collect()
}

impl Body {
    fn templates<'a>(&'a self, out: &mut Vec<&'a Tmpl>) {
        match self {
            Body::None => {}
            Body::Json(v) => v.templates(out),
            Body::Text(t) => out.push(t),
        }
    }
}

#[derive(Debug)]
pub struct Route {
    method: Option<String>,
    path: Option<Vec<Segment>>,
    path_text: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    json: Option<Json>,
    /// Never empty: the loader drops a route without a response.
    responses: Vec<Respond>,
    /// Requests answered so far, held at the last response's index once it is reached.
    answered: AtomicUsize,
}

#[derive(Debug)]
enum Segment {
    Literal(String),
    Param(String),
}

#[derive(Debug)]
pub struct Respond {
    pub status: u16,
    pub headers: Vec<(HeaderName, Tmpl)>,
    pub body: Body,
    pub delay: Option<Duration>,
    pub callback: Option<Arc<Callback>>,
}

/// A request the mock sends after answering, as a provider calls a registered webhook.
#[derive(Debug)]
pub struct Callback {
    pub url: Tmpl,
    pub method: Method,
    pub delay: Option<Duration>,
    pub headers: Vec<(HeaderName, Tmpl)>,
    pub body: Body,
}

#[derive(Debug)]
pub enum Body {
    None,
    Json(TValue),
    Text(Tmpl),
}

impl Route {
    /// `GET /api/v1/endpoint/{id}` (or `* /path` for any method).
    pub fn describe(&self) -> String {
        format!(
            "{} {}",
            self.method.as_deref().unwrap_or("*"),
            if self.path_text.is_empty() {
                "*"
            } else {
                &self.path_text
            }
        )
    }

    /// The response for the route's next request: each of a list in turn, then the last
    /// again and again. One atomic step, so concurrent requests each get their own turn.
    pub fn next_response(&self) -> Option<&Respond> {
        let last = self.responses.len().checked_sub(1)?;
        let turn = match self
            .answered
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                (n < last).then_some(n + 1)
            }) {
            Ok(n) | Err(n) => n,
        };
        self.responses.get(turn.min(last))
    }

    /// The path parameters when this route matches the request.
    pub fn matches(
        &self,
        method: &str,
        path: &str,
        query: &[(String, String)],
        headers: &HeaderMap,
        json: Option<&Json>,
    ) -> Option<Vec<(String, String)>> {
        self.matches_split(method, &split_path(path), query, headers, json)
    }

    /// The same, with the path already split by `split_path` (once for every route).
    pub fn matches_split(
        &self,
        method: &str,
        parts: &[&str],
        query: &[(String, String)],
        headers: &HeaderMap,
        json: Option<&Json>,
    ) -> Option<Vec<(String, String)>> {
        if self
            .method
            .as_deref()
            .is_some_and(|m| !m.eq_ignore_ascii_case(method))
        {
            return None;
        }
        let mut params = Vec::new();
        if let Some(segs) = &self.path {
            if parts.len() != segs.len() {
                return None;
            }
            for (seg, &part) in segs.iter().zip(parts) {
                match seg {
                    Segment::Literal(l) if l == part => {}
                    Segment::Literal(_) => return None,
                    Segment::Param(name) => {
                        if part.is_empty() {
                            return None;
                        }
                        let decoded = percent_encoding::percent_decode_str(part)
                            .decode_utf8_lossy()
                            .into_owned();
                        params.push((name.clone(), decoded));
                    }
                }
            }
        }
        for (k, v) in &self.query {
            if !query.iter().any(|(qk, qv)| qk == k && qv == v) {
                return None;
            }
        }
        for (k, v) in &self.headers {
            let found = headers
                .get_all(k.as_str())
                .iter()
                .any(|h| h.to_str().is_ok_and(|h| h == v));
            if !found {
                return None;
            }
        }
        if let Some(want) = &self.json
            && !json.is_some_and(|got| subset(want, got))
        {
            return None;
        }
        Some(params)
    }
}

/// `want` is contained in `got`: objects recursively by key, everything else equal.
fn subset(want: &Json, got: &Json) -> bool {
    match (want, got) {
        (Json::Object(w), Json::Object(g)) => w
            .iter()
            .all(|(k, v)| g.get(k).is_some_and(|gv| subset(v, gv))),
        (Json::Number(a), Json::Number(b)) => a.as_f64() == b.as_f64(),
        _ => want == got,
    }
}

/// Load and check a mock file; `Err` holds the rendered diagnostics.
pub fn load(path: &Path) -> Result<MockFile, String> {
    let file = crate::problem::read_source(path).map_err(|d| {
        if d.span.pos.line == 0 {
            format!(
                "error: cannot read mock file {}: {}",
                path.display(),
                d.message
            )
        } else {
            d.render()
        }
    })?;
    load_file(&file)
}

#[cfg(test)]
pub fn load_str(path: &Path, text: String) -> Result<MockFile, String> {
    load_file(&SourceFile::new(path, text))
}

fn load_file(file: &Arc<SourceFile>) -> Result<MockFile, String> {
    let root = crate::format::yaml::parse_file(file).map_err(|d| d.render())?;
    let mut d = Diags::new(file);
    crate::format::yaml::duplicate_keys(&root, &mut d);
    let mock = read(&root, &mut d);
    if d.is_empty() {
        Ok(mock)
    } else {
        d.list.sort_by_key(|diag| diag.span.pos);
        Err(d.render_all())
    }
}

fn read(root: &Node, d: &mut Diags) -> MockFile {
    let mut mock = MockFile {
        routes: Vec::new(),
        serves: "base_url".into(),
    };
    let Some(map) = root.as_map() else {
        d.error(root.pos, "a mock file is a map with `routes:`")
            .help("start with `routes:` and a list of `- when: ... respond: ...`");
        return mock;
    };
    check_keys(map, &["routes", "serves"], "a mock file", d);
    if let Some(s) = root.get("serves") {
        match s.as_str() {
            Some(v) if crate::template::is_identifier(v) => mock.serves = v.to_string(),
            _ => {
                d.error(
                    s.pos,
                    "`serves` is the name of the variable `run --mock` sets, e.g. `base_url`",
                )
                .help("a variable name is letters, digits and `_`, not starting with a digit");
            }
        }
    }
    match root.get("routes").map(|r| (r, &r.kind)) {
        Some((_, Kind::Seq(items))) => {
            if let Some(extra) = items.get(MAX_ROUTES) {
                d.error(
                    extra.pos,
                    format!("a mock file has at most {MAX_ROUTES} routes; this is one more"),
                )
                .help("split the routes over several `--mock` files, or match several paths with `{name}` segments");
                return mock;
            }
            for item in items {
                if let Some(r) = route(item, d) {
                    mock.routes.push(r);
                }
            }
        }
        Some((r, _)) => {
            d.error(
                r.pos,
                "`routes` must be a list of `- when: ... respond: ...`",
            );
        }
        None => {
            d.error(root.pos, "the mock file has no `routes:`")
                .help("add `routes:` with a list of `- when: ... respond: ...`");
        }
    }
    mock
}

/// The most routes one mock file holds (each request is matched against them in turn).
pub const MAX_ROUTES: usize = 10_000;
/// The most responses one `respond` list holds.
pub const MAX_RESPONSES: usize = 10_000;

fn route(item: &Node, d: &mut Diags) -> Option<Route> {
    let Some(map) = item.as_map() else {
        d.error(item.pos, "a route is a map with `when` and `respond`");
        return None;
    };
    check_keys(map, &["when", "respond"], "a route", d);
    let mut r = Route {
        method: None,
        path: None,
        path_text: String::new(),
        query: Vec::new(),
        headers: Vec::new(),
        json: None,
        responses: Vec::new(),
        answered: AtomicUsize::new(0),
    };
    if let Some(when) = item.get("when") {
        read_when(when, &mut r, d);
    }
    let Some(respond) = item.get("respond") else {
        d.error(item.pos, "this route has no `respond`")
            .help("add `respond: { status: 200, json: {...} }`");
        return None;
    };
    match &respond.kind {
        Kind::Seq(items) if items.is_empty() => {
            d.error(respond.pos, "`respond` is an empty list").help(
                "give at least one response, e.g. `respond: [{ status: 202 }, { status: 200 }]`",
            );
        }
        Kind::Seq(items) if items.len() > MAX_RESPONSES => {
            d.error(
                items[MAX_RESPONSES].pos,
                format!("a `respond` list has at most {MAX_RESPONSES} responses; this is one more"),
            )
            .help("the last response repeats once the list is used up: end the list with it");
        }
        Kind::Seq(items) => r
            .responses
            .extend(items.iter().filter_map(|i| respond_one(i, d))),
        _ => r.responses.extend(respond_one(respond, d)),
    }
    (!r.responses.is_empty()).then_some(r)
}

fn read_when(when: &Node, r: &mut Route, d: &mut Diags) {
    let Some(w) = when.as_map() else {
        d.error(
            when.pos,
            "`when` is a map of method, path, query, headers, json",
        );
        return;
    };
    check_keys(
        w,
        &["method", "path", "query", "headers", "json"],
        "`when`",
        d,
    );
    if let Some(m) = when.get("method") {
        match m
            .as_str()
            .map(|s| Method::from_bytes(s.to_uppercase().as_bytes()))
        {
            Some(Ok(method)) => r.method = Some(method.as_str().to_string()),
            _ => {
                d.error(m.pos, "`method` is an HTTP method such as GET or POST");
            }
        }
    }
    if let Some(p) = when.get("path") {
        match p.as_str() {
            Some(s) if s.starts_with('/') => {
                r.path_text = s.to_string();
                r.path = Some(
                    s.trim_end_matches('/')
                        .split('/')
                        .map(
                            |seg| match seg.strip_prefix('{').and_then(|x| x.strip_suffix('}')) {
                                Some(name) => Segment::Param(name.to_string()),
                                None => Segment::Literal(seg.to_string()),
                            },
                        )
                        .collect(),
                );
            }
            _ => {
                d.error(p.pos, "`path` starts with `/`, e.g. /api/v1/endpoint/{id}");
            }
        }
    }
    r.query = string_map(when.get("query"), "query", d);
    r.headers = string_map(when.get("headers"), "headers", d)
        .into_iter()
        .map(|(k, v)| (k.to_lowercase(), v))
        .collect();
    r.json = when.get("json").map(Node::to_json);
}

fn respond_one(node: &Node, d: &mut Diags) -> Option<Respond> {
    let Some(map) = node.as_map() else {
        d.error(
            node.pos,
            "a response is a map of status, headers, json or body, delay, callback",
        )
        .help("`respond` is one such map, or a list of them answered in turn");
        return None;
    };
    check_keys(
        map,
        &[
            "status", "headers", "json", "body", "delay", "callback", "verbatim",
        ],
        "`respond`",
        d,
    );
    // `verbatim: true`: the headers and body are served as written, never rendered.
    let verbatim = match node.get("verbatim").map(|v| &v.kind) {
        None => false,
        Some(Kind::Bool(b)) => *b,
        Some(_) => {
            d.error(
                node.get("verbatim").map_or(node.pos, |v| v.pos),
                "`verbatim` is true or false",
            );
            false
        }
    };
    let mut r = Respond {
        status: 200,
        headers: Vec::new(),
        body: Body::None,
        delay: None,
        callback: None,
    };
    if let Some(s) = node.get("status") {
        match s.kind {
            Kind::Int(code) if (100..=599).contains(&code) => r.status = code as u16,
            _ => {
                d.error(s.pos, "`status` is an HTTP status code from 100 to 599");
            }
        }
    }
    if let Some(h) = node.get("headers") {
        r.headers = headers(h, verbatim, d);
    }
    r.body = body(node, "a response", verbatim, d);
    r.delay = node.get("delay").and_then(|n| delay(n, d));
    if let Some(c) = node.get("callback") {
        r.callback = callback(c, d).map(Arc::new);
    }
    Some(r)
}

fn callback(node: &Node, d: &mut Diags) -> Option<Callback> {
    let Some(map) = node.as_map() else {
        d.error(
            node.pos,
            "`callback` is a map of url, method, delay, headers, json or body",
        );
        return None;
    };
    check_keys(
        map,
        &["url", "method", "delay", "headers", "json", "body"],
        "`callback`",
        d,
    );
    let method = match node.get("method") {
        None => Method::POST,
        Some(m) => match m
            .as_str()
            .map(|s| Method::from_bytes(s.to_uppercase().as_bytes()))
        {
            Some(Ok(method)) => method,
            _ => {
                d.error(m.pos, "`method` is an HTTP method such as POST or PUT");
                Method::POST
            }
        },
    };
    let url = match node.get("url") {
        None => {
            d.error(node.pos, "this callback has no `url`")
                .help("add e.g. `url: \"{{ vars.callback_url }}/mo-sms\"` or `url: \"{{ json.dlrCallbackUrl }}\"`");
            None
        }
        Some(u) => match u.as_str().map(|s| Tmpl::compile(s, u.pos)) {
            Some(Ok(t)) => {
                if t.is_literal() && !is_http_url(&t.source) {
                    d.error(u.pos, "`url` is not an http:// or https:// URL")
                        .help("write a full URL, or a template such as \"{{ vars.callback_url }}/mo-sms\"");
                }
                Some(t)
            }
            Some(Err(e)) => {
                template_error(d, u.pos, &e);
                None
            }
            None => {
                d.error(u.pos, "`url` is a string (a URL or a template)");
                None
            }
        },
    };
    let headers = node
        .get("headers")
        .map(|h| headers(h, false, d))
        .unwrap_or_default();
    let body = body(node, "a callback", false, d);
    let delay = node.get("delay").and_then(|n| delay(n, d));
    Some(Callback {
        url: url?,
        method,
        delay,
        headers,
        body,
    })
}

fn template_error(d: &mut Diags, pos: Pos, e: &crate::template::TemplateError) {
    d.error(pos, e.to_string())
        .help("templates use MiniJinja syntax: {{ variable }}, {{ value | filter }}");
}

pub(super) fn is_http_url(s: &str) -> bool {
    url::Url::parse(s).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
}

/// `json` or `body` of a response or callback.
fn body(node: &Node, what: &str, verbatim: bool, d: &mut Diags) -> Body {
    match (node.get("json"), node.get("body")) {
        (Some(_), Some(b)) => {
            d.error(b.pos, format!("{what} has `json` or `body`, not both"))
                .help("keep `json` for a JSON body, or `body` for text");
            Body::None
        }
        (Some(j), None) if verbatim => Body::Json(TValue::literal(&j.to_json())),
        (Some(j), None) => Body::Json(crate::format::reader::tvalue(j, d)),
        (None, Some(b)) => match b.as_str().map(|s| compile(s, b.pos, verbatim)) {
            Some(Ok(t)) => Body::Text(t),
            Some(Err(e)) => {
                template_error(d, b.pos, &e);
                Body::None
            }
            None => {
                d.error(
                    b.pos,
                    "`body` is a string (use `json` for structured bodies)",
                );
                Body::None
            }
        },
        (None, None) => Body::None,
    }
}

fn delay(node: &Node, d: &mut Diags) -> Option<Duration> {
    match node.as_str().map(crate::duration::parse) {
        Some(Ok(v)) => Some(v),
        Some(Err(e)) => {
            d.error(node.pos, e);
            None
        }
        None => {
            d.error(node.pos, "`delay` is a duration such as 250ms");
            None
        }
    }
}

/// Header names checked now; values are templates, checked again once rendered.
fn compile(s: &str, pos: Pos, verbatim: bool) -> Result<Tmpl, crate::template::TemplateError> {
    if verbatim {
        Ok(Tmpl::literal(s, pos))
    } else {
        Tmpl::compile(s, pos)
    }
}

fn headers(node: &Node, verbatim: bool, d: &mut Diags) -> Vec<(HeaderName, Tmpl)> {
    let Some(map) = node.as_map() else {
        d.error(node.pos, "`headers` is a map of names to values");
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, v) in map {
        let Ok(name) = HeaderName::from_bytes(k.name.as_bytes()) else {
            d.error(k.pos, format!("`{}` is not a valid header name", k.name))
                .help("header names are letters, digits and `-`, e.g. X-Request-Id");
            continue;
        };
        let Some(text) = v.scalar_text() else {
            d.error(v.pos, format!("`{}` must be a plain value", k.name));
            continue;
        };
        match compile(&text, v.pos, verbatim) {
            Ok(t) => {
                if t.is_literal() && HeaderValue::from_str(&text).is_err() {
                    d.error(v.pos, format!("`{}` is not a valid header value", k.name))
                        .help("header values are one line of visible text");
                    continue;
                }
                out.push((name, t));
            }
            Err(e) => {
                template_error(d, v.pos, &e);
            }
        }
    }
    out
}

fn string_map(node: Option<&Node>, what: &str, d: &mut Diags) -> Vec<(String, String)> {
    let Some(node) = node else { return Vec::new() };
    let Some(map) = node.as_map() else {
        d.error(node.pos, format!("`{what}` is a map of names to values"));
        return Vec::new();
    };
    map.iter()
        .filter_map(|(k, v)| match v.scalar_text() {
            Some(t) => Some((k.name.clone(), t)),
            None => {
                d.error(v.pos, format!("`{}` must be a plain value", k.name));
                None
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
