//! The mock file: routes (`when` -> `respond`) and the variable `run --mock` sets.
//! Checked at load with every problem reported at once; templates compiled once.

use std::path::Path;
use std::time::Duration;

use axum::http::HeaderMap;
use serde_json::Value as Json;

use crate::diag::Diags;
use crate::source::{SourceFile, did_you_mean};
use crate::template::TValue;
use crate::template::Tmpl;
use crate::yaml::parse_file as parse_yaml;
use crate::yaml::{Key, Kind, Node};

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
}

#[derive(Debug)]
pub struct Route {
    method: Option<String>,
    path: Option<Vec<Segment>>,
    path_text: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    json: Option<Json>,
    pub respond: Respond,
}

#[derive(Debug)]
enum Segment {
    Literal(String),
    Param(String),
}

#[derive(Debug)]
pub struct Respond {
    pub status: u16,
    pub headers: Vec<(String, Tmpl)>,
    pub body: Body,
    pub delay: Option<Duration>,
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

    /// The path parameters when this route matches the request.
    pub fn matches(
        &self,
        method: &str,
        path: &str,
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
            let parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
            if parts.len() != segs.len() {
                return None;
            }
            for (seg, part) in segs.iter().zip(parts) {
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
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("error: cannot read mock file {}: {e}", path.display()))?;
    load_str(path, text)
}

pub fn load_str(path: &Path, text: String) -> Result<MockFile, String> {
    let file = SourceFile::new(path, text);
    let root = parse_yaml(&file).map_err(|d| d.render())?;
    let mut d = Diags::new(&file);
    crate::yaml::duplicate_keys(&root, &mut d);
    let mock = read(&root, &mut d);
    if d.is_empty() {
        Ok(mock)
    } else {
        Err(d.render_all())
    }
}

fn check_keys(map: &[(Key, Node)], allowed: &[&str], what: &str, d: &mut Diags) {
    for (k, _) in map {
        if !allowed.contains(&k.name.as_str()) {
            let diag = d.error(k.pos, format!("unknown key `{}` in {what}", k.name));
            match did_you_mean(&k.name, allowed.iter().copied()) {
                Some(s) => diag.label(format!("did you mean `{s}`?")),
                None => diag.help(format!("{what} takes {}", allowed.join(", "))),
            };
        }
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
                );
            }
        }
    }
    match root.get("routes").map(|r| (r, &r.kind)) {
        Some((_, Kind::Seq(items))) => {
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
            d.error(root.pos, "the mock file has no `routes:`");
        }
    }
    mock
}

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
        respond: Respond {
            status: 200,
            headers: Vec::new(),
            body: Body::None,
            delay: None,
        },
    };
    if let Some(when) = item.get("when") {
        let Some(w) = when.as_map() else {
            d.error(
                when.pos,
                "`when` is a map of method, path, query, headers, json",
            );
            return None;
        };
        check_keys(
            w,
            &["method", "path", "query", "headers", "json"],
            "`when`",
            d,
        );
        if let Some(m) = when.get("method") {
            match m.as_str() {
                Some(s) => r.method = Some(s.to_uppercase()),
                None => {
                    d.error(m.pos, "`method` is a string such as GET");
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
                            .map(|seg| {
                                match seg.strip_prefix('{').and_then(|x| x.strip_suffix('}')) {
                                    Some(name) => Segment::Param(name.to_string()),
                                    None => Segment::Literal(seg.to_string()),
                                }
                            })
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
    let Some(respond) = item.get("respond") else {
        d.error(item.pos, "this route has no `respond`")
            .help("add `respond: { status: 200, json: {...} }`");
        return None;
    };
    let Some(rm) = respond.as_map() else {
        d.error(
            respond.pos,
            "`respond` is a map of status, headers, json or body, delay",
        );
        return None;
    };
    check_keys(
        rm,
        &["status", "headers", "json", "body", "delay"],
        "`respond`",
        d,
    );
    if let Some(s) = respond.get("status") {
        match s.kind {
            Kind::Int(code) if (100..=599).contains(&code) => r.respond.status = code as u16,
            _ => {
                d.error(s.pos, "`status` is an HTTP status code from 100 to 599");
            }
        }
    }
    if let Some(h) = respond.get("headers") {
        for (k, v) in string_map(Some(h), "headers", d) {
            match Tmpl::compile(&v, h.pos) {
                Ok(t) => r.respond.headers.push((k, t)),
                Err(e) => {
                    d.error(h.pos, e.to_string());
                }
            }
        }
    }
    match (respond.get("json"), respond.get("body")) {
        (Some(j), Some(b)) => {
            let _ = j;
            d.error(b.pos, "a response has `json` or `body`, not both");
        }
        (Some(j), None) => r.respond.body = Body::Json(crate::read::tvalue(j, d)),
        (None, Some(b)) => match b.as_str().map(|s| Tmpl::compile(s, b.pos)) {
            Some(Ok(t)) => r.respond.body = Body::Text(t),
            Some(Err(e)) => {
                d.error(b.pos, e.to_string());
            }
            None => {
                d.error(
                    b.pos,
                    "`body` is a string (use `json` for structured bodies)",
                );
            }
        },
        (None, None) => {}
    }
    if let Some(delay) = respond.get("delay") {
        match delay.as_str().map(crate::duration::parse) {
            Some(Ok(v)) => r.respond.delay = Some(v),
            Some(Err(e)) => {
                d.error(delay.pos, e);
            }
            None => {
                d.error(delay.pos, "`delay` is a duration such as 250ms");
            }
        }
    }
    Some(r)
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
mod tests {
    use super::*;

    #[test]
    fn load_errors_are_reported_together() {
        let e = load_str(
            Path::new("m.yaml"),
            "routes:\n  - when: { methd: GET, path: nope }\n    respond: { status: 999, delay: soon }\n  - when: { path: /x }\n".into(),
        )
        .unwrap_err();
        assert!(e.contains("m.yaml:2:13"), "{e}");
        assert!(e.contains("did you mean `method`?"), "{e}");
        assert!(e.contains("`path` starts with `/`"), "{e}");
        assert!(e.contains("`status` is an HTTP status code"), "{e}");
        assert!(e.contains("`soon` is not a duration"), "{e}");
        assert!(e.contains("this route has no `respond`"), "{e}");
    }
}
